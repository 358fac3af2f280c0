"""Run configuration: YAML in, validated settings out, with errors that name file, line and key.

Relative paths in a config resolve against the config file's folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.compare import CompareSettings
from harness.errors import HarnessError, did_you_mean
from harness.metrics import DEFAULT_METRICS, METRICS
from harness.systems import SYSTEMS, System, SystemParams

Loc = tuple[str | int, ...]


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    articles: str
    references: str | None = None
    systems: list[dict[str, Any]] = Field(min_length=1)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), min_length=1)
    cache_dir: str | None = None
    max_failures: int | None = Field(default=None, ge=0)
    compare: CompareSettings | None = None


@dataclass(frozen=True)
class RunConfig:
    """A validated config, with where it came from."""

    path: Path
    name: str
    sha256: str
    data: dict[str, Any]
    articles: str
    references: str | None
    systems: tuple[SystemParams, ...]
    metrics: tuple[str, ...]
    cache_dir: str | None = None  # output cache folder, relative to the config's folder
    max_failures: int | None = None  # failed outputs allowed before the run stops
    compare: CompareSettings | None = None  # paired comparisons between the systems

    @property
    def base_dir(self) -> Path:
        return self.path.parent


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


class _Locator:
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

    def from_validation(
        self, exc: ValidationError, model: type[BaseModel], prefix: Loc
    ) -> HarnessError:
        first = exc.errors()[0]
        loc: Loc = (*prefix, *first["loc"])
        key = first["loc"][-1] if first["loc"] else ""
        if first["type"] == "extra_forbidden":
            hint = did_you_mean(str(key), model.model_fields)
            return self.error(loc, f"unknown key '{key}'{hint}")
        if first["type"] == "missing":
            return self.error(loc[:-1], f"missing required key '{key}'")
        return self.error(loc, first["msg"])


def _system_params(entry: Any, index: int, locator: _Locator) -> SystemParams:
    loc: Loc = ("systems", index)
    if not isinstance(entry, dict):
        raise locator.error(loc, "each system must be a mapping with name, type and task")
    if "type" not in entry:
        raise locator.error(loc, "missing required key 'type'")
    type_name = str(entry["type"])
    if not SYSTEMS.knows(type_name):
        hint = did_you_mean(type_name, SYSTEMS.names())
        raise locator.error(
            (*loc, "type"),
            f"unknown system type '{type_name}'{hint}; known: {', '.join(SYSTEMS.names())}",
        )
    try:
        system_class = SYSTEMS.get(type_name)
    except HarnessError as exc:
        raise locator.error((*loc, "type"), str(exc)) from None
    if not (isinstance(system_class, type) and issubclass(system_class, System)):
        raise locator.error((*loc, "type"), f"'{type_name}' is not a System subclass")
    try:
        params = system_class.params_model.model_validate(entry)
    except ValidationError as exc:
        raise locator.from_validation(exc, system_class.params_model, loc) from None
    if params.task not in system_class.tasks:
        tasks = ", ".join(sorted(t.value for t in system_class.tasks))
        raise locator.error(
            (*loc, "task"), f"system type '{type_name}' does {tasks}, not {params.task.value}"
        )
    return params


def read_yaml_mapping(path: Path, kind: str) -> tuple[bytes, dict[str, Any], _Locator]:
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
    return raw, data, _Locator(path, lines)


def load_config(path: Path) -> RunConfig:
    """Read and validate a run config; every problem is a one-line :class:`HarnessError`."""
    raw, data, locator = read_yaml_mapping(path, "config")
    try:
        top = _ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise locator.from_validation(exc, _ConfigFile, ()) from None

    systems = tuple(_system_params(entry, i, locator) for i, entry in enumerate(top.systems))
    seen: set[str] = set()
    for index, system in enumerate(systems):
        if system.name in seen:
            raise locator.error(
                ("systems", index, "name"), f"duplicate system name '{system.name}'"
            )
        seen.add(system.name)
    for index, metric in enumerate(top.metrics):
        if metric not in METRICS:
            hint = did_you_mean(metric, METRICS.names())
            raise locator.error(
                ("metrics", index),
                f"unknown metric '{metric}'{hint}; known: {', '.join(METRICS.names())}",
            )

    if top.compare and top.compare.baseline and top.compare.baseline not in seen:
        raise locator.error(
            ("compare", "baseline"),
            f"unknown system '{top.compare.baseline}'"
            f"{did_you_mean(top.compare.baseline, seen)}; systems: "
            + ", ".join(system.name for system in systems),
        )

    return RunConfig(
        path=path,
        name=top.name or path.stem,
        sha256=hashlib.sha256(raw).hexdigest(),
        data=data,
        articles=top.articles,
        references=top.references,
        systems=systems,
        metrics=tuple(dict.fromkeys(top.metrics)),
        cache_dir=top.cache_dir,
        max_failures=top.max_failures,
        compare=top.compare,
    )
