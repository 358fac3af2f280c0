"""YAML files that users write (run configs, gate files, regression specs): read safely, and
every error located as ``FILE:LINE: key.path: message``.

``yaml.safe_load`` only: reading a file never runs code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import HarnessError, did_you_mean

Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


def _line_map(text: str) -> dict[Loc, int]:
    """Map each key path (``("systems", 1, "n")``) to its 1-based line in the YAML text."""
    lines: dict[Loc, int] = {}

    def walk(node: yaml.Node, loc: Loc) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*loc, key_node.value)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, index)] = item.start_mark.line + 1
                walk(item, (*loc, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def _nested_model(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The (sub)model that ``loc`` points into, for "did you mean" hints on nested keys
    (through fields typed as a model, an optional model, or a ``dict``/``list`` of models)."""
    for part in loc:
        field_info = model.model_fields.get(part) if isinstance(part, str) else None
        if field_info is None:
            break
        candidates = [field_info.annotation, *get_args(field_info.annotation)]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return model


class Locator:
    """Formats errors as ``FILE:LINE: key.path: message``."""

    def __init__(self, path: Path, lines: dict[Loc, int]) -> None:
        self.path = path
        self.lines = lines

    def error(self, loc: Loc, message: str) -> HarnessError:
        line = None
        for end in range(len(loc), 0, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                break
        where = f"{self.path}:{line}" if line else str(self.path)
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        return HarnessError(f"{where}: {dotted}: {message}" if dotted else f"{where}: {message}")

    def validate(self, model: type[ModelT], data: Any, prefix: Loc = ()) -> ModelT:
        """``model.model_validate(data)``, with a located one-line error on failure."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self.from_validation(exc, model, prefix) from None

    def from_validation(
        self, exc: ValidationError, model: type[BaseModel], prefix: Loc
    ) -> HarnessError:
        first = exc.errors()[0]
        loc: Loc = (*prefix, *first["loc"])
        key = first["loc"][-1] if first["loc"] else ""
        if first["type"] == "extra_forbidden":
            hint = did_you_mean(str(key), _nested_model(model, first["loc"][:-1]).model_fields)
            return self.error(loc, f"unknown key '{key}'{hint}")
        if first["type"] == "missing":
            return self.error(loc[:-1], f"missing required key '{key}'")
        return self.error(loc, first["msg"])


def read_yaml_mapping(path: Path, kind: str) -> tuple[bytes, dict[str, Any], Locator]:
    """Read a YAML mapping (a config, a gate file…) with a locator for its errors.

    Every problem (unreadable, not UTF-8, bad YAML, not a mapping) is a one-line
    :class:`HarnessError` naming the file, and the line where YAML can tell it.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read {kind}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
        data = yaml.safe_load(text)
        lines = _line_map(text)
    except UnicodeDecodeError:
        raise HarnessError(f"{path}: {kind} is not valid UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise HarnessError(f"{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise HarnessError(f"{path}: {kind} must be a YAML mapping")
    return raw, data, Locator(path, lines)
