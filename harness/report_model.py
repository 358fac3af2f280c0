"""The report: ``report.json``'s one definition, as typed models, and reading it back.

A run builds a :class:`Report` (:mod:`harness.run.report_builder`); the writers serialise it
(:mod:`harness.reports.write`, streamed); ``compare``, ``report``, ``leaderboard``, the gate and
the pytest plugin read one back with :func:`read_report`. Nothing else defines a key of it:
docs/reports.md's key table is tested against these models.

A report is an untrusted file (baselines are committed to repositories and downloaded from CI),
so reading validates it against schema version 1 before anything reads it: every key has its
type checked (strictly: ``"5"`` is not a number), and every metric name in it must be one the
caller's registry knows without importing anything the report names (built-in, or declared by
an installed package's entry point; never ``module:attr``). Keys the models do not name are kept
(newer writers may add some) and written back as they were, but nothing reads them.

Byte compatibility: a model remembers which keys it was given (pydantic's fields-set), and is
written with exactly those, in declaration order (then unknown keys in their order). The field
order below is the order the writers have always used, so a report read and written again is
the same file (``tests/test_report_model.py`` checks one written before these models existed).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    ValidationError,
    field_serializer,
)

from harness.errors import HarnessError

REPORT_NAME = "report.json"
SCHEMA_VERSION = 1

Number = float | None
#: a free-form JSON object the report carries without reading (a system's parameters, the
#: run's config, a machine's description)
JsonObject = dict[str, JsonValue]


class Entry(BaseModel):
    """A report object: strict types; unknown keys kept (and written back) but never read."""

    model_config = ConfigDict(extra="allow", strict=True)

    def to_json(self) -> JsonObject:
        """The object as it is written: the keys it was given, in the writers' order."""
        return self.model_dump(mode="python", exclude_unset=True)

    def given(self) -> Iterator[tuple[str, object]]:
        """(key, value) of each key as :meth:`to_json` writes it, without copying (nested
        objects stay models)."""
        given = self.model_fields_set
        for key in type(self).model_fields:
            if key in given:
                yield key, getattr(self, key)
        yield from (self.model_extra or {}).items()


# -- results and comparisons -----------------------------------------------------------------
class ResultEntry(Entry):
    """One corpus score: a metric of a system on a task (and corpus)."""

    corpus: str | None = None
    system: str
    task: str
    metric: str
    score: float
    n: Annotated[int, Field(ge=0)] = 0
    ci_low: Number = None
    ci_high: Number = None
    #: judge metrics: segments the judge could not score (excluded from ``score``)
    unscored: Annotated[int, Field(ge=0)] | None = None
    unscored_share: Number = None


class ComparisonEntry(Entry):
    """A paired comparison of a system with a baseline on one metric."""

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
    corpus: str | None = None


class JudgeSettings(Entry):
    """Which judge, rubric and scoring: the identity of a judge's replies."""

    judge: str = ""
    judge_fingerprint: str | None = None
    rubric: str = ""
    rubric_sha256: str | None = None
    rubric_origin: str | None = None
    scoring: str = ""
    samples: int = 1
    structured: str | None = None
    reference: bool | None = None
    max_new_tokens: int | None = None
    temperature: Number = None
    judge_version: str | None = None
    model: str = ""


class _PairOf(Entry):
    corpus: str | None = None
    task: str = ""
    baseline: str = ""
    system: str = ""
    metric: str = ""


class PairwiseEntry(JudgeSettings, _PairOf):
    """A pairwise judge's preference of a system over a baseline (both orders): which pair,
    the judge, then the outcome."""

    segments: Annotated[int, Field(ge=0)] = 0
    unscored: Annotated[int, Field(ge=0)] = 0
    unscored_share: float = 0.0
    wins: int = 0
    ties: int = 0
    losses: int = 0
    win_rate: Number = None
    tie_rate: Number = None
    loss_rate: Number = None
    win_ci: list[float] | None = None
    tie_ci: list[float] | None = None
    loss_ci: list[float] | None = None
    sign_test_p: Number = None
    #: what the sign test drew: "segments" or "articles"
    sign_test_units: str | None = None
    position_consistency: Number = None
    resample: str = "segment"


# -- segments --------------------------------------------------------------------------------
class MqmError(Entry):
    span: str = ""
    category: str = ""
    severity: str = ""
    #: whether the span was found in the judged output
    in_output: bool = True


class JudgeVerdict(Entry):
    """What one judge said of one segment: scores (None: unscored, with the raw replies), or
    a pairwise outcome; MQM errors or unsupported claims where the rubric asks for them."""

    scores: dict[str, float] | None = None
    outcome: str | None = None
    method: str = ""
    picks: list[str | None] | None = None
    consistent: bool | None = None
    unscored: str | None = None
    replies: list[str] = Field(default_factory=list)
    #: mqm: the errors (in the reply's order), then their counts by severity
    errors: list[MqmError] = Field(default_factory=list)
    #: claims: how many, how many supported, and the unsupported ones
    claims: int | None = None
    supported: int | None = None
    unsupported: list[str] = Field(default_factory=list)


class ErrorSpan(Entry):
    """An error span a learned metric (xCOMET) found in the output."""

    text: str = ""
    confidence: Number = None
    severity: str = ""
    start: int | None = None
    end: int | None = None


class MetricDetails(Entry):
    error_spans: list[ErrorSpan] = Field(default_factory=list)


class SegmentEntry(Entry):
    """One output of one system on one example, with its scores and statistics."""

    corpus: str | None = None
    system: str
    task: str
    article_id: str
    segment_id: str | None = None
    output: str = ""
    status: str = ""
    cached: bool = False
    error: str | None = None
    #: a pipeline's step outputs, by step
    intermediate: dict[str, str] = Field(default_factory=dict)
    source: str = ""
    references: list[str] = Field(default_factory=list)
    scores: dict[str, Number] = Field(default_factory=dict)
    #: the metric's sufficient statistics (lists as read; packed arrays in a slim segment)
    stats: dict[str, Sequence[float]] = Field(default_factory=dict)
    details: dict[str, MetricDetails] = Field(default_factory=dict)
    judge: dict[str, JudgeVerdict] = Field(default_factory=dict)
    #: labels for ``harness compare --by NAME`` (docs/breakdowns.md)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_serializer("stats")
    def _plain_rows(self, stats: dict[str, Sequence[float]]) -> dict[str, list[float]]:
        # one call a segment: pydantic serialises a Sequence field item by item in Python
        # (to_json of 10k segments: 0.21 s that way, 0.14 s this way)
        return {name: list(row) for name, row in stats.items()}

    @property
    def where(self) -> str:
        return f"{self.article_id}/{self.segment_id}" if self.segment_id else self.article_id

    def slim(self) -> SegmentEntry:
        """What comparisons and gates read (:data:`SLIM_KEYS`): texts and display scores
        dropped, statistics rows as packed float arrays (8 bytes a number instead of a 24-byte
        float object and its pointer), which halves a large report's memory."""
        given = self.model_fields_set
        kept = {key: getattr(self, key) for key in SLIM_KEYS if key in given}
        kept["stats"] = {name: array("d", row) for name, row in self.stats.items()}
        # every other field given (one shared empty value each, never written: not in the
        # fields set): model_construct would otherwise call each default factory through
        # inspect.signature, 0.3 ms a segment
        return SegmentEntry.model_construct(set(kept), **_SLIM_EMPTY, **kept)


#: what a slim segment keeps
SLIM_KEYS = ("corpus", "system", "task", "article_id", "segment_id", "status", "stats")
#: a slim segment's other fields: shared, so a slim segment is read, never changed
_SLIM_EMPTY: dict[str, object] = {
    name: field.get_default(call_default_factory=True)
    for name, field in SegmentEntry.model_fields.items()
    if name not in SLIM_KEYS
}


class EmbedEntry(Entry):
    """A corpus's embed segment (a quoted tweet, a picture link): shown, never scored."""

    corpus: str | None = None
    article_id: str = ""
    segment_id: str | None = None
    kind: str = ""
    lang: str | None = None
    text: str = ""
    scored: bool = False


# -- provenance ------------------------------------------------------------------------------
class CorpusInfo(Entry):
    name: str
    articles: int | None = None
    segments: int | None = None
    files: dict[str, str] = Field(default_factory=dict)
    selection: JsonObject | None = None


class SystemInfo(Entry):
    """A system as it ran: its parameters, fingerprint, where its outputs came from, its
    numeric environment; what the system reported of its run (``run_info``) follows as
    further keys."""

    params: JsonObject = Field(default_factory=dict)
    fingerprint: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    environment: JsonObject = Field(default_factory=dict)

    def run_value(self, key: str) -> JsonValue:
        """A value the system reported of its run (``truncated``, ``load_s``, …), or None."""
        return (self.model_extra or {}).get(key)


class ComparisonSettings(Entry):
    test: str = ""
    settings: str = ""
    resample: str = "segment"
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05


class JudgeInfo(JudgeSettings):
    """A judge metric's judge, rubric and what it managed (``provenance.judges``)."""

    scores: list[str] = Field(default_factory=list)
    segments: Annotated[int, Field(ge=0)] = 0
    unscored: Annotated[int, Field(ge=0)] = 0
    unscored_share: float = 0.0
    parse_rate: Number = None
    methods: dict[str, int] = Field(default_factory=dict)
    cached_replies: int = 0
    fresh_replies: int = 0
    failed_requests: int = 0
    seconds_per_call: Number = None


class Provenance(Entry):
    run_name: str = ""
    config_path: str | None = None
    config_sha256: str | None = None
    config: JsonObject | None = None
    created_at: str | None = None
    python: str | None = None
    platform: str | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)
    git_commit: str | None = None
    hardware: JsonObject = Field(default_factory=dict)
    corpus: CorpusInfo | None = None
    corpora: dict[str, CorpusInfo] = Field(default_factory=dict)
    systems: dict[str, SystemInfo] = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict)
    seeds: dict[str, JsonValue] = Field(default_factory=dict)
    cache: str | None = None
    executor: JsonObject = Field(default_factory=dict)
    metrics: dict[str, str] = Field(default_factory=dict)
    resample: str = "segment"
    metric_options: dict[str, JsonObject] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    duration_s: Number = None
    comparisons: ComparisonSettings | None = None
    judges: dict[str, JudgeInfo] = Field(default_factory=dict)

    def all_corpora(self) -> dict[str, CorpusInfo]:
        """Every corpus by name (``corpus`` is the first, kept for schema-1 readers)."""
        corpora = dict(self.corpora)
        if self.corpus is not None and self.corpus.name not in corpora:
            corpora[self.corpus.name] = self.corpus
        return corpora


class Report(Entry):
    """``report.json``, schema version 1."""

    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    results: list[ResultEntry] = Field(default_factory=list)
    segments: list[SegmentEntry] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)
    comparisons: list[ComparisonEntry] | None = None
    embeds: list[EmbedEntry] | None = None
    pairwise: list[PairwiseEntry] | None = None

    _file: Path | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        """The report.json this report was read from (None for one built in this process)."""
        return self._file

    def located(self, file: Path) -> Report:
        """This report (a shallow copy) as read from ``file``, for messages."""
        copy = self.model_copy()
        copy._file = file
        return copy

    @property
    def name(self) -> str:
        """The report's file for messages, or the run's name."""
        return str(self._file) if self._file is not None else self.provenance.run_name

    def top_level(self) -> Iterator[tuple[str, JsonValue | list[SegmentEntry]]]:
        """(key, value) of each top-level key to write, in order; ``segments`` as the models
        themselves, so that a writer can stream them one by one."""
        for key in type(self).model_fields:
            if key not in self.model_fields_set:
                continue
            value = getattr(self, key)
            if key == "segments":
                yield key, value
            elif isinstance(value, Entry):
                yield key, value.to_json()
            elif isinstance(value, list):
                yield key, [entry.to_json() for entry in value]
            else:
                yield key, value
        yield from (self.model_extra or {}).items()

    def to_document(self) -> JsonObject:
        """The whole report as one JSON object (what report.json holds; the writers stream
        it instead)."""
        return {
            key: [segment.to_json() for segment in self.segments] if key == "segments" else value
            for key, value in self.top_level()
        }

    def corpus_files(self) -> dict[str, list[str]]:
        """corpus name → sorted sha256 of the files it was read from (paths differ by machine)."""
        return {
            name: sorted(info.files.values())
            for name, info in self.provenance.all_corpora().items()
        }


# -- reading ---------------------------------------------------------------------------------
def _where(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def metric_names(report: Report) -> Iterable[tuple[str, str]]:
    """(where, name) of every metric name the report holds."""
    for index, result in enumerate(report.results):
        yield f"results[{index}].metric", result.metric
    for index, segment in enumerate(report.segments):
        for key in segment.scores:
            yield f"segments[{index}].scores.{key}", key
        for key in segment.stats:
            yield f"segments[{index}].stats.{key}", key
    for index, comparison in enumerate(report.comparisons or []):
        yield f"comparisons[{index}].metric", comparison.metric
    provenance = report.provenance
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


def _segments(file: Path, segments: object, slim: bool) -> list[SegmentEntry]:
    """Each segment validated on its own, and its raw object dropped as it goes: validating
    100k segments in one call would hold both copies of them all at once."""
    if not isinstance(segments, list):
        raise HarnessError(f"{file}: key 'segments': Input should be a valid list")
    models = []
    for index in range(len(segments)):
        try:
            segment = SegmentEntry.model_validate(segments[index])
        except ValidationError as exc:
            raise HarnessError(_validation_error(file, exc, ("segments", index))) from None
        models.append(segment.slim() if slim else segment)
        segments[index] = None
    return models


def validate_report(
    file: Path,
    document: object,
    required: Iterable[str],
    known_metric: Callable[[str], bool],
    slim: bool = False,
) -> Report:
    """``document`` checked against schema version 1 and turned into a :class:`Report`; a bad
    one is a one-line error naming ``file`` and the key (``slim``: :meth:`SegmentEntry.slim`)."""
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
    for key in needed:  # present but null
        if document[key] is None:
            raise HarnessError(f"{file}: key '{key}': must not be null")
    for key in ("results", "segments", "provenance"):  # optional, but never null
        if key in document and document[key] is None:
            del document[key]
    segments = document.pop("segments", None)
    try:
        report = Report.model_validate(document)
    except ValidationError as exc:
        raise HarnessError(_validation_error(file, exc, ())) from None
    if segments is not None:
        report.segments = _segments(file, segments, slim)
    report._file = file
    first_seen: dict[str, str] = {}  # each name checked once (a report repeats it per segment)
    for where, name in metric_names(report):
        first_seen.setdefault(name, where)
    for name, where in first_seen.items():
        if not known_metric(name):
            raise HarnessError(
                f"{file}: key '{where}': unknown metric '{name}' (a report may name "
                "built-in metrics and those installed through the 'harness.metrics' entry "
                "point, never an import path)"
            )
    return report


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)[:60] if _jsonable(value) else type(value).__name__
    return text


def _jsonable(value: object) -> bool:
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
    slim: bool = False,
) -> Report:
    """The validated report, given its file or the run folder holding it (``report.file``
    says which file was read).

    ``known_metric`` says whether a metric name is one the harness knows without importing
    anything the report names (``METRICS.registered``); ``slim``: segments keep only what
    comparisons read (:meth:`SegmentEntry.slim`)."""
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
    return validate_report(file, document, required, known_metric, slim)
