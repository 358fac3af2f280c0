"""Report documents that tests build by hand, turned into the model the writers and verdicts
take (validated as a report.json file would be)."""

from __future__ import annotations

from typing import Any

from harness.report_model import Report


def as_report(document: dict[str, Any]) -> Report:
    return Report.model_validate(document)
