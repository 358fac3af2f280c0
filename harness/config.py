"""Run configuration: YAML in, validated settings out, with errors that name file, line and key.

Relative paths in a config resolve against the config file's folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.corpus.formats import CORPUS_FORMATS, CorpusFormat
from harness.corpus.spec import CorpusEntry, SeedCorpus
from harness.errors import HarnessError, did_you_mean
from harness.judges import entries as judge_entries
from harness.metrics import DEFAULT_METRICS, METRICS, Metric, make_metric
from harness.records import Task
from harness.registry import Registry
from harness.stats import DEFAULT_ALPHA, DEFAULT_TEST, PairedTest, Resample
from harness.systems import SYSTEMS, System, SystemParams
from harness.yaml_input import Loc, Locator, read_yaml_mapping


class CompareSettings(BaseModel):
    """The config's ``compare`` key: one baseline system, or every pair when none is named."""

    model_config = ConfigDict(extra="forbid")

    baseline: str | None = None
    test: PairedTest = DEFAULT_TEST
    #: significance level of the verdicts in report.md and report.html
    alpha: float = Field(default=DEFAULT_ALPHA, gt=0, lt=1)
    #: what the bootstrap intervals and paired tests draw: segments (sacrebleu) or whole articles
    resample: Resample = Resample.SEGMENT


#: where batches run, by ``executor.type``: the built-in executors plus those installed packages
#: declare in the ``harness.executors`` entry-point group (``harness.run.executors.Executor``
#: subclasses, built with the :class:`ExecutorSettings`)
EXECUTORS: Registry[Any] = Registry("executor", entry_point_group="harness.executors")
EXECUTORS.register("local", "harness.run.executors:LocalExecutor")
EXECUTORS.register("ray", "harness.run.executors:RayExecutor")


class ExecutorSettings(BaseModel):
    """The config's ``executor`` key: where model batches run (see harness/run/executors.py).

    ``local`` (the default) runs them in this process; ``ray`` on a pool of Ray actors, each
    holding one copy of the model.
    """

    model_config = ConfigDict(extra="forbid")

    type: str = "local"
    #: Ray cluster address ("auto", "ray://head:10001"); none: start a Ray instance here
    address: str | None = None
    num_actors: int = Field(default=2, ge=1)
    num_cpus_per_actor: float = Field(default=1.0, ge=0)
    num_gpus_per_actor: float = Field(default=0.0, ge=0)
    #: times a batch is retried after its actor died, before its items are recorded as failed
    max_retries: int = Field(default=2, ge=0)
    #: Ray runtime_env for the workers (pip packages, env_vars, working_dir, py_modules)
    runtime_env: dict[str, Any] | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if not EXECUTORS.knows(value):
            known = EXECUTORS.names()
            raise ValueError(
                f"unknown executor '{value}'{did_you_mean(value, known)}; known: {', '.join(known)}"
            )
        return value

    @model_validator(mode="after")
    def _ray_keys_need_ray(self) -> ExecutorSettings:
        given = sorted(self.model_fields_set - {"type"})
        if self.type != "ray" and given:
            raise ValueError(f"{', '.join(given)}: only for executor type 'ray'")
        return self


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
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)


@dataclass(frozen=True)
class RunConfig:
    """A validated config, with where it came from."""

    path: Path
    name: str
    sha256: str
    data: dict[str, Any]
    corpora: tuple[CorpusEntry, ...]
    systems: tuple[SystemParams, ...]
    metrics: tuple[str, ...]
    #: options of metrics given as ``{name: chrf, word_order: 0}``; absent = defaults
    metric_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache_dir: str | None = None  # output cache folder, relative to the config's folder
    max_failures: int | None = None  # failed outputs allowed before the run stops
    compare: CompareSettings | None = None  # paired comparisons between the systems
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)  # where batches run
    #: systems that only judge (named by a judge metric without evaluate_judge): not run
    judge_only: frozenset[str] = frozenset()

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def _system_params(entry: Any, index: int, locator: Locator) -> SystemParams:
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


def _corpus_format(name: object, loc: Loc, locator: Locator) -> type[CorpusFormat]:
    """The format a ``corpus:`` entry names: built in, a plug-in's entry point, or (configs
    only) an import path."""
    name = str(name)
    if not CORPUS_FORMATS.knows(name):
        known = CORPUS_FORMATS.names()
        raise locator.error(
            (*loc, "format"),
            f"unknown corpus format '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}",
        )
    try:
        found = CORPUS_FORMATS.get(name)
    except HarnessError as exc:
        raise locator.error((*loc, "format"), str(exc)) from None
    if not (isinstance(found, type) and issubclass(found, CorpusFormat)):
        raise locator.error((*loc, "format"), f"'{name}' is not a CorpusFormat subclass")
    return found


def _corpus_specs(top: _ConfigFile, locator: Locator) -> tuple[CorpusEntry, ...]:
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
    specs: list[CorpusEntry] = []
    for index, entry in enumerate(top.corpus):
        loc: Loc = ("corpus", index)
        if not isinstance(entry, dict):
            raise locator.error(loc, "each corpus must be a mapping with name and format")
        if "format" not in entry:
            raise locator.error(loc, "missing required key 'format'")
        spec = locator.validate(_corpus_format(entry["format"], loc, locator).spec, entry, loc)
        if any(s.name == spec.name for s in specs):
            raise locator.error((*loc, "name"), f"duplicate corpus name '{spec.name}'")
        specs.append(spec)
    return tuple(specs)


def _metrics(
    entries: list[str | dict[str, Any]],
    locator: Locator,
    systems: tuple[SystemParams, ...] = (),
    base_dir: Path | None = None,
) -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    """Metric names in order, and the options of those given as mappings (a ``judge`` entry
    becomes one metric per score of its rubric)."""
    names: list[str] = []
    options: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("name") == judge_entries.ENTRY:
            expanded = judge_entries.expand(entry, ("metrics", index), locator, systems, base_dir)
            for name, given in expanded:
                if name in names:
                    raise locator.error(("metrics", index), f"metric '{name}' is listed twice")
                names.append(name)
                options[name] = given
            continue
        loc: Loc = ("metrics", index)
        if isinstance(entry, dict):
            if "name" not in entry:
                raise locator.error(loc, "missing required key 'name'")
            name, given = str(entry["name"]), {k: v for k, v in entry.items() if k != "name"}
        else:
            name, given = entry, {}
        if name == judge_entries.ENTRY or name.startswith(judge_entries.ENTRY + "."):
            raise locator.error(
                loc, "a judge is a mapping {name: judge, judge: SYSTEM, rubric: RUBRIC}"
            )
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


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` cannot name a run folder (None when it can): it must be one plain path
    component, on one line."""
    if not name.strip():
        return "must not be empty"
    if any(ch in name for ch in ("/", "\\")):
        return "must not contain '/' or '\\'"
    if ".." in name or name == ".":
        return "must not be '.' or contain '..'"
    if name.splitlines() != [name] or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "must not contain line breaks or control characters"
    if name.startswith("-"):
        return "must not start with '-'"
    if len(name) > 100:
        return "must be at most 100 characters"
    return None


def _run_name(top: _ConfigFile, path: Path, locator: Locator) -> str:
    """The config's ``name`` (default: the file's stem), checked to be a safe folder name."""
    name = top.name if top.name is not None else path.stem
    reason = unsafe_name_reason(name)
    if reason is not None:
        if top.name is not None:
            raise locator.error(("name",), f"{reason} (it names the run folder): {name!r}")
        raise locator.error((), f"no 'name', and the file's stem {name!r} {reason}: add a name")
    return name


def _scores(name: str, task: Task) -> bool:
    """Whether metric ``name`` scores ``task`` (by the metric's own rule)."""
    metric_class = METRICS.get(name)
    return isinstance(metric_class, type) and issubclass(metric_class, Metric) and (
        metric_class.applies_to(task)
    )


def _check_metrics_fit(
    systems: tuple[SystemParams, ...],
    metric_names: tuple[str, ...],
    locator: Locator,
    judge_only: frozenset[str] = frozenset(),
) -> None:
    """Refuse a system that none of the configured metrics scores: it would run for nothing
    and be missing from every table, which reads as if it had been scored."""
    for index, system in enumerate(systems):
        if system.name in judge_only or any(_scores(name, system.task) for name in metric_names):
            continue
        fitting = [
            name
            for name in METRICS.names()
            if _scores(name, system.task) and not name.startswith(judge_entries.ENTRY)
        ]
        raise locator.error(
            ("systems", index, "task"),
            f"no configured metric ({', '.join(metric_names)}) scores system '{system.name}' "
            f"({system.task.value}); metrics that would: {', '.join(fitting)}",
        )


def load_config(path: Path) -> RunConfig:
    """Read and validate a run config; every problem is a one-line :class:`HarnessError`."""
    raw, data, locator = read_yaml_mapping(path, "config")
    top = locator.validate(_ConfigFile, data)
    run_name = _run_name(top, path, locator)

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
    metric_names, metric_options = _metrics(top.metrics, locator, systems, path.parent)
    judge_only = judge_entries.judge_only(metric_options)
    _check_metrics_fit(systems, metric_names, locator, judge_only)

    if top.compare and top.compare.baseline and top.compare.baseline not in seen:
        raise locator.error(
            ("compare", "baseline"),
            f"unknown system '{top.compare.baseline}'"
            f"{did_you_mean(top.compare.baseline, seen)}; systems: "
            + ", ".join(system.name for system in systems),
        )

    return RunConfig(
        path=path,
        name=run_name,
        sha256=hashlib.sha256(raw).hexdigest(),
        data=data,
        corpora=corpora,
        systems=systems,
        metrics=metric_names,
        metric_options=metric_options,
        cache_dir=top.cache_dir,
        max_failures=top.max_failures,
        compare=top.compare,
        executor=top.executor,
        judge_only=judge_only,
    )
