"""Run configuration: YAML in, validated settings out, with errors that name file, line and key.

Relative paths in a config resolve against the config file's folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.compare import CompareSettings
from harness.corpus.spec import SPEC_BY_FORMAT, CorpusSpec, SeedCorpus
from harness.errors import HarnessError, did_you_mean
from harness.metrics import DEFAULT_METRICS, METRICS, make_metric
from harness.systems import SYSTEMS, System, SystemParams

Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    articles: str | None = None
    references: str | None = None
    corpus: list[dict[str, Any]] | None = Field(default=None, min_length=1)
    systems: list[dict[str, Any]] = Field(min_length=1)
    metrics: list[str | dict[str, Any]] = Field(
        default_factory=lambda: list(DEFAULT_METRICS), min_length=1
    )
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
    corpora: tuple[CorpusSpec, ...]
    systems: tuple[SystemParams, ...]
    metrics: tuple[str, ...]
    #: options of metrics given as ``{name: chrf, word_order: 0}``; absent = defaults
    metric_options: dict[str, dict[str, Any]] = field(default_factory=dict)
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


#: the public name, for other YAML files that report errors the same way (gate files)
Locator = _Locator


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
    params = locator.validate(system_class.params_model, entry, loc)
    if params.task not in system_class.tasks:
        tasks = ", ".join(sorted(t.value for t in system_class.tasks))
        raise locator.error(
            (*loc, "task"), f"system type '{type_name}' does {tasks}, not {params.task.value}"
        )
    return params


def _corpus_specs(top: _ConfigFile, locator: _Locator) -> tuple[CorpusSpec, ...]:
    """The ``corpus:`` entries, or the one seed corpus of ``articles:``/``references:``."""
    if top.corpus is None:
        if top.articles is None:
            raise locator.error((), "missing required key 'corpus' (or 'articles')")
        name = Path(top.articles.rstrip("/")).name or "articles"
        return (SeedCorpus(name=name, format="seed", path=top.articles, references=top.references),)
    if top.articles is not None or top.references is not None:
        raise locator.error(
            ("articles" if top.articles is not None else "references",),
            "use either 'articles'/'references' or 'corpus', not both",
        )
    specs: list[CorpusSpec] = []
    for index, entry in enumerate(top.corpus):
        loc: Loc = ("corpus", index)
        if not isinstance(entry, dict):
            raise locator.error(loc, "each corpus must be a mapping with name and format")
        if "format" not in entry:
            raise locator.error(loc, "missing required key 'format'")
        model = SPEC_BY_FORMAT.get(str(entry["format"]))
        if model is None:
            hint = did_you_mean(str(entry["format"]), SPEC_BY_FORMAT)
            raise locator.error(
                (*loc, "format"),
                f"unknown corpus format '{entry['format']}'{hint}; "
                f"known: {', '.join(SPEC_BY_FORMAT)}",
            )
        spec = locator.validate(model, entry, loc)
        if any(s.name == spec.name for s in specs):
            raise locator.error((*loc, "name"), f"duplicate corpus name '{spec.name}'")
        specs.append(spec)  # type: ignore[arg-type]
    return tuple(specs)


def _metrics(
    entries: list[str | dict[str, Any]], locator: _Locator
) -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    """Metric names in order, and the options of those given as mappings."""
    names: list[str] = []
    options: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        loc: Loc = ("metrics", index)
        if isinstance(entry, dict):
            if "name" not in entry:
                raise locator.error(loc, "missing required key 'name'")
            name, given = str(entry["name"]), {k: v for k, v in entry.items() if k != "name"}
        else:
            name, given = entry, {}
        if name not in METRICS:
            hint = did_you_mean(name, METRICS.names())
            raise locator.error(
                loc, f"unknown metric '{name}'{hint}; known: {', '.join(METRICS.names())}"
            )
        if name in names:
            raise locator.error(loc, f"metric '{name}' is listed twice")
        if given:
            try:
                make_metric(name, given)
            except HarnessError as exc:
                raise locator.error(loc, str(exc)) from None
            options[name] = given
        names.append(name)
    return tuple(names), options


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
    top = locator.validate(_ConfigFile, data)

    corpora = _corpus_specs(top, locator)
    systems = tuple(_system_params(entry, i, locator) for i, entry in enumerate(top.systems))
    corpus_names = [c.name for c in corpora]
    for index, system in enumerate(systems):
        for name in system.corpora or ():
            if name not in corpus_names:
                raise locator.error(
                    ("systems", index, "corpora"),
                    f"unknown corpus '{name}'{did_you_mean(name, corpus_names)}; "
                    f"corpora: {', '.join(corpus_names)}",
                )
    seen: set[str] = set()
    for index, system in enumerate(systems):
        if system.name in seen:
            raise locator.error(
                ("systems", index, "name"), f"duplicate system name '{system.name}'"
            )
        seen.add(system.name)
    metric_names, metric_options = _metrics(top.metrics, locator)

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
        corpora=corpora,
        systems=systems,
        metrics=metric_names,
        metric_options=metric_options,
        cache_dir=top.cache_dir,
        max_failures=top.max_failures,
        compare=top.compare,
    )
