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
                    scores=_scores_text(verdict.get("scores")),
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
    if not summaries:
        return []
    from harness.reports.markdown import md_cell

    lines = [
        "",
        "## Judges",
        "",
        "Unscored segments (the judge's reply could not be read, even when asked again) are "
        "left out of the mean and the tests: never counted as 0 or as the minimum.",
        "",
        "| scores | judge | rubric | scoring | segments | unscored | methods | cached replies |",
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
