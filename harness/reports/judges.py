"""What the judges did, for report.md and report.html: per judge metric its settings, the
unscored share and how segments were scored; per judged segment its verdict (MQM error spans,
unsupported claims) and, when unscored, why and the judge's raw replies."""

from __future__ import annotations

from dataclasses import dataclass

from harness.report_model import JudgeVerdict, PairwiseEntry, Report

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


def _rate(value: float | None, interval: list[float] | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.0%}"
    if interval is not None and len(interval) == 2:
        text += f" [{interval[0]:.0%}, {interval[1]:.0%}]"
    return text


def _pairwise_row(entry: PairwiseEntry) -> PairwiseRow:
    p_value, consistency = entry.sign_test_p, entry.position_consistency
    return PairwiseRow(
        system=entry.system,
        baseline=entry.baseline,
        where=f"{entry.task} on {entry.corpus or ''}",
        segments=entry.segments,
        unscored=f"{entry.unscored} ({entry.unscored_share:.1%})",
        counts=f"{entry.wins} / {entry.ties} / {entry.losses}",
        win_rate=_rate(entry.win_rate, entry.win_ci),
        tie_rate=_rate(entry.tie_rate, entry.tie_ci),
        loss_rate=_rate(entry.loss_rate, entry.loss_ci),
        p_value="n/a" if p_value is None else f"{p_value:.4f} ({entry.sign_test_units})",
        consistency="n/a" if consistency is None else f"{consistency:.0%}",
        judge=f"{entry.judge} ({entry.rubric})",
    )


def pairwise_rows(report: Report) -> list[PairwiseRow]:
    return [_pairwise_row(entry) for entry in report.pairwise or []]


def judge_summaries(report: Report) -> list[JudgeSummary]:
    summaries, seen = [], set()
    for info in report.provenance.judges.values():
        names = tuple(info.scores)
        if names in seen:
            continue
        seen.add(names)
        summaries.append(
            JudgeSummary(
                metrics=", ".join(names),
                judge=info.judge,
                model=info.model,
                rubric=info.rubric,
                scoring=f"{info.scoring} (samples {info.samples})",
                segments=info.segments,
                unscored=info.unscored,
                unscored_share=info.unscored_share,
                methods=", ".join(f"{k} {v}" for k, v in info.methods.items()),
                cached=info.cached_replies,
                fresh=info.fresh_replies,
            )
        )
    return summaries


def _findings(verdict: JudgeVerdict) -> list[str]:
    found = []
    for error in verdict.errors:
        where = "" if error.in_output else " (not in the output)"
        found.append(f"{error.severity} {error.category}: “{error.span}”{where}")
    for claim in verdict.unsupported:
        found.append(f"unsupported: “{claim}”")
    return found


def _scores_text(scores: dict[str, float] | None) -> str:
    if scores is None:
        return "unscored"
    return ", ".join(f"{name} {value:.2f}" for name, value in scores.items())


def _outcome_text(verdict: JudgeVerdict) -> str:
    """A pairwise verdict: the outcome for the candidate and what each order preferred."""
    text = verdict.outcome or "unscored"
    picks = verdict.picks
    if picks is not None and len(picks) == 2:
        text += f" (candidate first: {picks[0]}; baseline first: {picks[1]})"
    return text


def judged_segments(report: Report, limit: int = SHOWN) -> list[JudgedSegment]:
    """Judged segments, unscored ones first (each with its raw replies)."""
    rows = []
    for segment in report.segments:
        for rubric, verdict in segment.judge.items():
            unscored = verdict.unscored
            rows.append(
                JudgedSegment(
                    system=segment.system,
                    where=segment.where,
                    rubric=rubric,
                    scores=_outcome_text(verdict)
                    if "outcome" in verdict.model_fields_set
                    else _scores_text(verdict.scores),
                    method=verdict.method,
                    findings=_findings(verdict),
                    unscored=unscored,
                    replies=list(verdict.replies) if unscored is not None else [],
                )
            )
    rows.sort(key=lambda row: row.unscored is None)
    return rows[:limit]


def judges_markdown(report: Report) -> list[str]:
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
            "PairwiseEntry: each segment judged in both orders; a win or a loss only when both "
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
