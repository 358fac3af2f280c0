"""pytest plugin: regression specs kept as YAML, one test item per gate rule.

Registered through the ``pytest11`` entry point, so installing harness is enough. pytest
collects every ``harness_*.yaml`` (or ``.yml``) file as a regression spec::

    config: ../configs/mt.yaml        # run this config… (or `report:` a report.json made earlier)
    baseline: baselines/mt.json       # the report to compare with (file or run folder)
    gate:                             # a gate file's path, or the gate itself
      alpha: 0.05
      metrics:
        bleu: {floor: 25, max_drop: 0.5}

Paths are relative to the spec file. Items are named ``SYSTEM/TASK/METRIC/floor`` and
``SYSTEM/TASK/METRIC/drop``, listed from the baseline, so ``--collect-only`` runs nothing; the
config runs once per spec, at the first item. A failing item shows the scores, the delta, its
interval and p-value; ``pytest --junitxml`` carries the same to any CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.report_model import Report
    from harness.verdicts.gate.specs import Spec

SPEC_PREFIX = "harness_"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.name.startswith(SPEC_PREFIX):
        return RegressionSpec.from_parent(parent, path=file_path)
    return None


class GateFailure(Exception):
    """A gate rule that did not hold; its message has the numbers."""


class RegressionSpec(pytest.File):
    """A ``harness_*.yaml`` file: a candidate (config or report), a baseline and a gate."""

    _outcome: Any = None
    _error: Exception | None = None

    def collect(self) -> Iterator[pytest.Item]:
        from harness.errors import HarnessError
        from harness.verdicts.gate.specs import expected_checks, load_spec

        try:
            self.spec = load_spec(self.path)
            names = expected_checks(self.spec.gate, self.spec.baseline)
        except HarnessError as exc:
            raise self.CollectError(str(exc)) from None
        for name in names:
            yield GateRuleItem.from_parent(self, name=name)

    def outcome(self) -> Any:
        """The candidate gated against the baseline, computed once for all items."""
        from harness.errors import HarnessError

        if self._error is not None:
            raise self._error
        if self._outcome is None:
            try:
                self._outcome = self.spec.check(_candidate(self.spec))
            except HarnessError as exc:  # every item fails with it, the run is not repeated
                self._error = exc
                raise
        return self._outcome


class GateRuleItem(pytest.Item):
    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, RegressionSpec)
        checks = {check.name: check for check in parent.outcome().checks}
        check = checks.get(self.name)
        if check is None:
            raise GateFailure(f"{self.name}: the candidate has no such result")
        if not check.passed:
            raise GateFailure(check.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from harness.errors import HarnessError

        if isinstance(excinfo.value, GateFailure | HarnessError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"gate rule {self.name}"


def _candidate(spec: Spec) -> Report:
    """The spec's candidate report: the report it names, or its config run now."""
    from harness.verdicts.compare import load_report

    if spec.report is not None:
        return load_report(spec.report)
    from harness.config import load_config
    from harness.run.evaluate import evaluate, prepare

    assert spec.config is not None  # a spec names a report or a config (load_spec)
    return evaluate(prepare(load_config(spec.config))).located(spec.config)
