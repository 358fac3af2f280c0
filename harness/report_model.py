"""Reading a saved ``report.json`` back: one loader for ``compare``, ``report``, ``leaderboard``,
the gate and the pytest plugin, with one-line errors for anything that is not a report this
version reads.

A report is an untrusted file (baselines are committed to repositories and downloaded from CI),
so it is validated against the pydantic models of schema version 1 below before anything reads
it: every key a reader uses has its type checked (strictly: ``"5"`` is not a number), and every
metric name in it must be one the caller's registry knows without importing anything the report
names (built-in, or declared by an installed package's entry point; never ``module:attr``).
Keys the models do not name are kept (newer writers may add some) but nothing reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import HarnessError

REPORT_NAME = "report.json"
SCHEMA_VERSION = 1

Number = float | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class ResultEntry(_Model):
    corpus: str | None = None
    system: str
    task: str
    metric: str
    score: float
    n: Annotated[int, Field(ge=0)] = 0
    ci_low: Number = None
    ci_high: Number = None


class SegmentEntry(_Model):
    corpus: str | None = None
    system: str
    task: str
    article_id: str
    segment_id: str | None = None
    output: str = ""
    status: str = ""
    cached: bool = False
    error: str | None = None
    source: str = ""
    references: list[str] = Field(default_factory=list)
    scores: dict[str, Number] = Field(default_factory=dict)
    stats: dict[str, list[float]] = Field(default_factory=dict)


class ComparisonEntry(_Model):
    corpus: str | None = None
    baseline: str
    system: str
    task: str
    metric: str
    delta: Number = None
    ci_low: Number = None
    ci_high: Number = None
    p_value: Number = None
    test: str = ""
    baseline_score: Number = None
    system_score: Number = None


class CorpusInfo(_Model):
    name: str
    articles: int | None = None
    segments: int | None = None
    files: dict[str, str] = Field(default_factory=dict)


class ComparisonSettings(_Model):
    test: str = ""
    settings: str = ""
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05
    resample: str = "segment"


class SystemInfo(_Model):
    params: dict[str, Any] = Field(default_factory=dict)
    fingerprint: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)


class Provenance(_Model):
    run_name: str = ""
    config_path: str | None = None
    config_sha256: str | None = None
    created_at: str | None = None
    python: str | None = None
    git_commit: str | None = None
    corpus: CorpusInfo | None = None
    corpora: dict[str, CorpusInfo] = Field(default_factory=dict)
    systems: dict[str, SystemInfo] = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, str] = Field(default_factory=dict)
    metric_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    comparisons: ComparisonSettings | None = None
    warnings: list[str] = Field(default_factory=list)
    duration_s: float | None = None


class Report(_Model):
    """``report.json``, schema version 1."""

    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    results: list[ResultEntry] | None = None
    segments: list[SegmentEntry] | None = None
    provenance: Provenance | None = None
    comparisons: list[ComparisonEntry] | None = None


def _where(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def metric_names(
    report: Report, segments: list[dict[str, Any]] | None = None
) -> Iterable[tuple[str, str]]:
    """(where, name) of every metric name the report holds (``segments``: the report's
    segments, when they were validated one by one instead of inside ``report``)."""
    for index, result in enumerate(report.results or []):
        yield f"results[{index}].metric", result.metric
    for index, segment in enumerate(segments if segments is not None else []):
        for key in segment.get("scores") or {}:
            yield f"segments[{index}].scores.{key}", key
        for key in segment.get("stats") or {}:
            yield f"segments[{index}].stats.{key}", key
    for index, segment_entry in enumerate(report.segments or []):
        for key in segment_entry.scores:
            yield f"segments[{index}].scores.{key}", key
        for key in segment_entry.stats:
            yield f"segments[{index}].stats.{key}", key
    for index, comparison in enumerate(report.comparisons or []):
        yield f"comparisons[{index}].metric", comparison.metric
    provenance = report.provenance
    if provenance is not None:
        for key in provenance.metrics:
            yield f"provenance.metrics.{key}", key
        for key in provenance.metric_options:
            yield f"provenance.metric_options.{key}", key


def _validation_error(file: Path, exc: ValidationError, prefix: tuple[str | int, ...]) -> str:
    first = exc.errors()[0]
    message = first["msg"]
    if first["type"] in ("dict_type", "model_type"):
        message = "Input should be a JSON object"
    return f"{file}: key '{_where((*prefix, *first['loc']))}': {message}" + (
        f" (got {_short(first['input'])})" if first["type"] != "missing" else ""
    )


def _validate_segments(file: Path, segments: Any) -> None:
    """Each segment checked on its own: validating 100k segments in one model would hold a
    second copy of them all (measured: +230 MB for a 103k-segment report)."""
    if not isinstance(segments, list):
        raise HarnessError(f"{file}: key 'segments': Input should be a valid list")
    for index, segment in enumerate(segments):
        try:
            SegmentEntry.model_validate(segment)
        except ValidationError as exc:
            raise HarnessError(_validation_error(file, exc, ("segments", index))) from None


def validate_report(
    file: Path,
    document: Any,
    required: Iterable[str],
    known_metric: Callable[[str], bool],
) -> dict[str, Any]:
    """``document`` checked against schema version 1; a bad one is a one-line error naming
    ``file`` and the key. Returns the document itself (keys it does not model untouched)."""
    needed = list(required)
    if not isinstance(document, dict):
        raise HarnessError(f"{file}: not a harness report (a JSON object is expected)")
    version = document.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise HarnessError(
            f"{file}: schema_version {version!r} is not one this harness can read "
            f"(up to {SCHEMA_VERSION})"
        )
    missing = [key for key in needed if key not in document]
    if missing:
        raise HarnessError(
            f"{file}: not a harness report (needs {', '.join(needed)}; missing key '{missing[0]}')"
        )
    segments = document.get("segments")
    try:
        report = Report.model_validate({k: v for k, v in document.items() if k != "segments"})
    except ValidationError as exc:
        raise HarnessError(_validation_error(file, exc, ())) from None
    if segments is not None:
        _validate_segments(file, segments)
    for key in needed:  # present but null
        if (segments if key == "segments" else getattr(report, key, None)) is None:
            raise HarnessError(f"{file}: key '{key}': must not be null")
    first_seen: dict[str, str] = {}  # each name checked once (a report repeats it per segment)
    for where, name in metric_names(report, segments if isinstance(segments, list) else None):
        first_seen.setdefault(name, where)
    for name, where in first_seen.items():
        if not known_metric(name):
            raise HarnessError(
                f"{file}: key '{where}': unknown metric '{name}' (a report may name "
                "built-in metrics and those installed through the 'harness.metrics' entry "
                "point, never an import path)"
            )
    return document


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)[:60] if _jsonable(value) else type(value).__name__
    return text


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def read_report(
    path: Path,
    required: Iterable[str] = ("results", "provenance"),
    *,
    known_metric: Callable[[str], bool],
) -> tuple[Path, dict[str, Any]]:
    """The report file and its validated content, given the file or the run folder holding it.

    ``known_metric`` says whether a metric name is one the harness knows without importing
    anything the report names (``METRICS.registered``)."""
    file = path / REPORT_NAME if path.is_dir() else path
    if not file.is_file():
        raise HarnessError(
            f"{path}: cannot read report: no {REPORT_NAME} here "
            "(give a run folder or a report file)"
        )
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HarnessError(f"{file}: cannot read report: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise HarnessError(f"{file}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise HarnessError(f"{file}: not valid JSON (nested too deeply)") from None
    return file, validate_report(file, document, required, known_metric)


def corpus_files(report: dict[str, Any]) -> dict[str, list[str]]:
    """corpus name → sorted sha256 of the files it was read from (paths differ by machine)."""
    provenance = report["provenance"]
    corpora = dict(provenance.get("corpora") or {})
    first = provenance.get("corpus")
    if first and first.get("name") not in corpora:
        corpora[first["name"]] = first
    return {name: sorted((info.get("files") or {}).values()) for name, info in corpora.items()}
