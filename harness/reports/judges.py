"""What the judges did, for report.md and report.html: per judge metric its settings, the
unscored share and how segments were scored; per judged segment its verdict (MQM error spans,
unsupported claims) and, when unscored, why and the judge's raw replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: judged segments shown in a report (the rest are in report.json)
SHOWN = 200


@dataclass(frozen=True)
class JudgeSummary:
    metrics: str
    judge: str
    model: str
    rubric: str
    scoring: str
    segments: int
    unscored: int
    unscored_share: float
    methods: str
    cached: int
    fresh: int

    @property
    def share_text(self) -> str:
        return f"{self.unscored_share:.1%}"


@dataclass(frozen=True)
class JudgedSegment:
    system: str
    where: str
    rubric: str
    scores: str
    method: str
    findings: list[str]
    unscored: str | None
    replies: list[str]


@dataclass(frozen=True)
class PairwiseRow:
    """A candidate against a baseline, judged pairwise in both orders."""

    system: str
    baseline: str
    where: str  # task (on corpus)
    segments: int
    unscored: str
    counts: str  # wins / ties / losses
    win_rate: str
    tie_rate: str
    loss_rate: str
    p_value: str
    consistency: str
    judge: str

    @staticmethod
    def header() -> tuple[str, ...]:
        return PAIRWISE_HEADER

    def cells(self) -> tuple[object, ...]:
        return (self.system, self.baseline, self.segments, self.unscored, self.counts,
                self.win_rate, self.tie_rate, self.loss_rate, self.p_value, self.consistency,
                self.judge)  # fmt: skip


PAIRWISE_HEADER = (
    "candidate", "baseline", "segments", "unscored", "wins / ties / losses", "win rate",
    "tie rate", "loss rate", "sign test p", "position consistency", "judge",
)  # fmt: skip


def _rate(entry: dict[str, Any], name: str) -> str:
    value, interval = entry.get(f"{name}_rate"), entry.get(f"{name}_ci")
    if not isinstance(value, int | float):
        return "–"
    text = f"{value:.0%}"
    if isinstance(interval, list) and len(interval) == 2:
        text += f" [{interval[0]:.0%}, {interval[1]:.0%}]"
    return text


def pairwise_rows(report: dict[str, Any]) -> list[PairwiseRow]:
    rows = []
    for entry in report.get("pairwise") or []:
        if not isinstance(entry, dict):
            continue
        p_value = entry.get("sign_test_p")
        consistency = entry.get("position_consistency")
        share = entry.get("unscored_share", 0.0)
        rows.append(
            PairwiseRow(
                system=str(entry.get("system", "")),
                baseline=str(entry.get("baseline", "")),
                where=f"{entry.get('task', '')} on {entry.get('corpus', '')}",
                segments=int(entry.get("segments", 0)),
                unscored=f"{entry.get('unscored', 0)} ({share:.1%})",
                counts=" / ".join(str(entry.get(k, 0)) for k in ("wins", "ties", "losses")),
                win_rate=_rate(entry, "win"),
                tie_rate=_rate(entry, "tie"),
                loss_rate=_rate(entry, "loss"),
                p_value="n/a"
                if p_value is None
                else f"{p_value:.4f} ({entry.get('sign_test_units')})",
                consistency="n/a" if consistency is None else f"{consistency:.0%}",
                judge=f"{entry.get('judge', '')} ({entry.get('rubric', '')})",
            )
        )
    return rows


def judge_summaries(report: dict[str, Any]) -> list[JudgeSummary]:
    judges = (report.get("provenance") or {}).get("judges") or {}
    summaries, seen = [], set()
    for info in judges.values():
        names = tuple(info.get("scores") or ())
        if names in seen:
            continue
        seen.add(names)
        methods = info.get("methods") or {}
        summaries.append(
            JudgeSummary(
                metrics=", ".join(names),
                judge=str(info.get("judge", "")),
                model=str(info.get("model", "")),
                rubric=str(info.get("rubric", "")),
                scoring=f"{info.get('scoring', '')} (samples {info.get('samples', 1)})",
                segments=int(info.get("segments", 0)),
                unscored=int(info.get("unscored", 0)),
                unscored_share=float(info.get("unscored_share", 0.0)),
                methods=", ".join(f"{k} {v}" for k, v in methods.items()),
                cached=int(info.get("cached_replies", 0)),
                fresh=int(info.get("fresh_replies", 0)),
            )
        )
    return summaries


def _findings(verdict: dict[str, Any]) -> list[str]:
    found = []
    for error in verdict.get("errors") or []:
        if isinstance(error, dict):
            where = "" if error.get("in_output", True) else " (not in the output)"
            found.append(
                f"{error.get('severity')} {error.get('category')}: “{error.get('span')}”{where}"
            )
    for claim in verdict.get("unsupported") or []:
        found.append(f"unsupported: “{claim}”")
    return found


def _scores_text(scores: Any) -> str:
    if not isinstance(scores, dict):
        return "unscored"
    return ", ".join(
        f"{name} {value:.2f}" if isinstance(value, int | float) else f"{name} {value}"
        for name, value in scores.items()
    )


def _outcome_text(verdict: dict[str, Any]) -> str:
    """A pairwise verdict: the outcome for the candidate and what each order preferred."""
    text = str(verdict.get("outcome") or "unscored")
    picks = verdict.get("picks")
    if isinstance(picks, list) and len(picks) == 2:
        text += f" (candidate first: {picks[0]}; baseline first: {picks[1]})"
    return text


def judged_segments(report: dict[str, Any], limit: int = SHOWN) -> list[JudgedSegment]:
    """Judged segments, unscored ones first (each with its raw replies)."""
    rows = []
    for segment in report.get("segments") or []:
        for rubric, verdict in (segment.get("judge") or {}).items():
            if not isinstance(verdict, dict):
                continue
            where = str(segment.get("article_id", ""))
            if segment.get("segment_id"):
                where += f"/{segment['segment_id']}"
            unscored = verdict.get("unscored")
            rows.append(
                JudgedSegment(
                    system=str(segment.get("system", "")),
                    where=where,
                    rubric=str(rubric),
                    scores=_outcome_text(verdict)
                    if "outcome" in verdict
                    else _scores_text(verdict.get("scores")),
                    method=str(verdict.get("method", "")),
                    findings=_findings(verdict),
                    unscored=None if unscored is None else str(unscored),
                    replies=[str(r) for r in verdict.get("replies") or []]
                    if unscored is not None
                    else [],
                )
            )
    rows.sort(key=lambda row: row.unscored is None)
    return rows[:limit]


def judges_markdown(report: dict[str, Any]) -> list[str]:
    """The "Judges" section of report.md (nothing when the run had no judge)."""
    summaries = judge_summaries(report)
    pairwise = pairwise_rows(report)
    if not summaries and not pairwise:
        return []
    from harness.reports.cells import md_cell

    lines = [
        "",
        "## Judges",
        "",
        "Unscored segments (the judge's reply could not be read, even when asked again) are "
        "left out of the mean and the tests: never counted as 0 or as the minimum.",
        "",
    ]
    if summaries:
        lines += [
            "| scores | judge | rubric | scoring | segments | unscored | methods "
            "| cached replies |",
            "|---|---|---|---|---|---|---|---|",
        ]
    for s in summaries:
        cells = (
            s.metrics,
            f"{s.judge} ({s.model})",
            s.rubric,
            s.scoring,
            s.segments,
            f"{s.unscored} ({s.share_text})",
            s.methods,
            f"{s.cached} of {s.cached + s.fresh}",
        )
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    if pairwise:
        lines += [
            "",
            "Pairwise: each segment judged in both orders; a win or a loss only when both "
            "orders agree, otherwise a tie. Position consistency: the share of segments where "
            "both orders preferred the same output.",
            "",
            "| " + " | ".join(PAIRWISE_HEADER) + " |",
            "|" + "|".join("---" for _ in PAIRWISE_HEADER) + "|",
        ]
        lines += ["| " + " | ".join(md_cell(c) for c in row.cells()) + " |" for row in pairwise]
    segments = judged_segments(report)
    if segments:
        lines += [
            "",
            "| system | segment | rubric | scores | method | findings |",
            "|---|---|---|---|---|---|",
        ]
        for row in segments:
            findings = "; ".join(row.findings)
            if row.unscored is not None:
                replies = " / ".join(reply[:200] for reply in row.replies)
                findings = f"{row.unscored}; replies: {replies}"
            cells = (row.system, row.where, row.rubric, row.scores, row.method, findings)
            lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return lines
