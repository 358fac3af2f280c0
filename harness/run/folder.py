"""Run folders (as in HELM): everything one run produced, in one place, kept as it happens.

``runs/<config-name>-<UTC timestamp>/`` holds

- ``config.yaml``: the config as resolved (every default explicit, top-level paths absolute);
- ``outputs.jsonl``: one line per output, appended as each batch finishes, so even a run that
  was killed or stopped shows what it had done;
- ``run.log``: what happened and when (cache hits, batches, failures, warnings, the end);
- ``report.json``, ``report.md`` and the other renderings
  (:func:`~harness.reports.write.write_report`).

``harness report RUN_DIR`` re-renders the reports from ``report.json`` alone
(:func:`~harness.reports.write.rerender`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import yaml

from harness.config import RunConfig
from harness.corpus.spec import absolute_paths
from harness.errors import HarnessError
from harness.records import Generation
from harness.report_model import REPORT_NAME, Report
from harness.reports.html.charts_ahead import ChartsAhead
from harness.reports.write import remove_reports, write_report
from harness.run.lock import FolderLock
from harness.run.secrets import RedactingFilter, redact, redact_report, secret_values

CONFIG_NAME = "config.yaml"
OUTPUTS_NAME = "outputs.jsonl"
LOG_NAME = "run.log"


def default_run_dir(run_name: str, root: Path = Path("runs")) -> Path:
    """Create and return ``runs/NAME-YYYYmmddTHHMMSSZ``, or ``…-2``, ``…-3`` when taken.

    The folder is claimed with an exclusive ``mkdir`` (no ``exist_ok``), so two runs started in
    the same second, even in two processes, never share a folder.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        root.mkdir(parents=True, exist_ok=True)
        for suffix in range(1, 10_000):
            candidate = root / (f"{run_name}-{stamp}" + (f"-{suffix}" if suffix > 1 else ""))
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    except OSError as exc:
        raise HarnessError(f"{root}: cannot create a run folder: {exc.strerror or exc}") from None
    raise HarnessError(f"{root}: no free run folder name for {run_name}-{stamp}")


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse ``--out`` when it already holds a report (unless ``force``) or is not a folder.

    With ``force``, the old reports are deleted when the run folder is opened
    (:class:`RunFolder` with ``replace=True``), after the config has been checked."""
    if out.exists() and not out.is_dir():
        raise HarnessError(f"--out {out}: exists and is not a folder")
    if (out / REPORT_NAME).exists() and not force:
        raise HarnessError(
            f"--out {out}: already holds a {REPORT_NAME} from an earlier run; "
            "choose another folder or pass --force to overwrite it"
        )


def resolved_config(config: RunConfig, cache_dir: Path | None) -> dict[str, Any]:
    """The config as the run used it: defaults explicit, top-level paths absolute; keys this
    module does not know are kept as written."""
    base = config.base_dir
    data = {k: v for k, v in config.data.items() if k not in ("articles", "references")}
    return {
        **data,
        "name": config.name,
        "corpus": [absolute_paths(spec, base) for spec in config.corpora],
        "systems": [params.model_dump(mode="json") for params in config.systems],
        "metrics": list(config.metrics),
        "cache_dir": str(cache_dir.resolve()) if cache_dir is not None else None,
        "max_failures": config.max_failures,
    }


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime


class RunFolder:
    """Writes one run's folder; use as a context manager around the run.

    On the way out, an exception (a stopped or crashed run) is logged before it propagates.
    """

    def __init__(
        self,
        path: Path,
        config: RunConfig,
        cache_dir: Path | None,
        *,
        replace: bool = False,
        charts: ChartsAhead | None = None,
    ) -> None:
        self.path = path
        self.replace = replace  # delete an earlier run's reports first (``--force``)
        self.config = config
        self.cache_dir = cache_dir
        self._outputs: IO[str] | None = None
        self._handler: logging.Handler | None = None
        self._logger = logging.getLogger("harness")
        self._previous_level = self._logger.level
        #: env_vars values and api_key_env variables' values: masked in everything written
        self._secrets = secret_values(config.data)
        self._lock = FolderLock(path)
        #: report.html's charts, drawn ahead by the run's charts child (or here, without one)
        self._charts = charts if charts is not None else ChartsAhead()

    def __enter__(self) -> RunFolder:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()  # before anything is written: a second run is refused here
            if self.replace:
                remove_reports(self.path)
            header = (
                f"# resolved from {self.config.path.resolve()} (sha256 {self.config.sha256}).\n"
                "# Relative paths inside systems resolve against "
                f"{self.config.base_dir.resolve()}\n"
            )
            body = yaml.safe_dump(
                redact(resolved_config(self.config, self.cache_dir), self._secrets),
                allow_unicode=True,
                sort_keys=False,
            )
            (self.path / CONFIG_NAME).write_text(header + body, encoding="utf-8")
            self._outputs = (self.path / OUTPUTS_NAME).open("w", encoding="utf-8")
            self._handler = logging.FileHandler(self.path / LOG_NAME, mode="w", encoding="utf-8")
        except OSError as exc:
            self._lock.release()
            raise HarnessError(f"{self.path}: cannot write the run folder: {exc}") from None
        self._handler.addFilter(RedactingFilter(self._secrets))
        self._handler.setFormatter(
            _UTCFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        )
        self._logger.addHandler(self._handler)
        self._logger.setLevel(logging.INFO)
        self._logger.info(
            "run '%s' started: config %s, cache %s",
            self.config.name,
            self.config.path,
            self.cache_dir if self.cache_dir is not None else "off",
        )
        return self

    def add_outputs(self, generations: Sequence[Generation]) -> None:
        """Append a finished batch to ``outputs.jsonl`` and flush it to the OS."""
        assert self._outputs is not None, "RunFolder used outside its with-block"
        for generation in generations:
            record = generation.to_json()
            if self._secrets:
                record = redact(record, self._secrets)
            self._outputs.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._outputs.flush()

    def send_scores(self, scores: Report) -> None:
        """Let the charts child draw from the final scores (``evaluate``'s ``on_scores``)."""
        self._charts.send(self._redacted(scores))

    def write_reports(self, report: Report) -> None:
        write_report(self._redacted(report), self.path, self._charts.draw)
        counts = {name: info.counts for name, info in report.provenance.systems.items()}
        self._logger.info("reports written; outputs per system: %s", json.dumps(counts))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._logger.error("run stopped: %s: %s", exc_type.__name__ if exc_type else "", exc)
        else:
            self._logger.info("run finished")
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
        self._logger.setLevel(self._previous_level)
        if self._outputs is not None:
            self._outputs.close()
        self._lock.release()

    def _redacted(self, report: Report) -> Report:
        return redact_report(report, self._secrets) if self._secrets else report
