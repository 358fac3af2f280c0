"""report.html's charts, drawn ahead by a child forked when a run starts.

A chart needs matplotlib, a third of a second of CPU to import, and tens of milliseconds to
draw; it depends on the corpus scores alone. So ``harness run`` forks a child once it has
imported its own modules; the child imports matplotlib while the run loads its corpus on the
other core, then waits. When the scores are final the run sends them (a report without
segments, a few kilobytes); the child draws every chart of the page while the run builds its
report and writes report.json, and hands the SVGs over a pipe to whichever process renders
report.html. A chart the child did not draw (it failed, or the final report asks for another
one) is drawn there as before, so the page is the same bytes either way.
"""

from __future__ import annotations

import json
import os
import signal

from harness.forking import fork_frozen, fork_gains_a_core, own_std_streams
from harness.report_model import Report
from harness.reports.html.charts import MetricChart, load_matplotlib
from harness.reports.html.view import build_page


class ChartsAhead:
    """The charts child of one run: :meth:`start` it, :meth:`send` it the scores, take the
    charts with :meth:`draw` (in this process or one forked from it), and :meth:`close` it."""

    def __init__(
        self, pid: int | None = None, scores_pipe: int | None = None, charts_pipe: int | None = None
    ) -> None:
        self._pid: int | None = pid
        self._scores_pipe: int | None = scores_pipe  # written here, read by the child
        self._charts_pipe: int | None = charts_pipe  # written by the child, read here
        self._drawn: dict[str, str] | None = None

    @classmethod
    def start(cls) -> ChartsAhead:
        """Fork the child. Where there is no fork, or one core to run it on, there is no child
        and every chart is drawn where the page is."""
        if not fork_gains_a_core():
            return cls()
        opened: list[int] = []
        try:
            scores_read, scores_write = os.pipe()
            opened += [scores_read, scores_write]
            charts_read, charts_write = os.pipe()
            opened += [charts_read, charts_write]
            pid = fork_frozen()
        except OSError:  # out of descriptors or processes: the run goes on without a child
            for fd in opened:
                os.close(fd)
            return cls()
        if pid == 0:  # the child: draw, send, then leave without the parent's exit handlers
            code = 1
            try:
                os.close(scores_write)
                os.close(charts_read)
                own_std_streams()
                _draw_charts(scores_read, charts_write)
                code = 0
            finally:
                os._exit(code)
        os.close(scores_read)
        os.close(charts_write)
        return cls(pid, scores_write, charts_read)

    def send(self, scores: Report) -> None:
        """Give the child the final scores (once); it draws from here on."""
        if self._scores_pipe is None:
            return
        line = json.dumps(scores.to_document(), ensure_ascii=False) + "\n"
        try:
            with open(self._scores_pipe, "w", encoding="utf-8") as pipe:  # closes the pipe
                pipe.write(line)
        except OSError:  # the child is gone: every chart is drawn where the page is
            pass
        self._scores_pipe = None

    def draw(self, chart: MetricChart) -> str:
        """The chart's SVG as the child drew it (the first call waits for the child), else
        drawn here."""
        if self._drawn is None:
            self._drawn = self._receive()
        return self._drawn.get(chart.key) or chart.svg()

    def _receive(self) -> dict[str, str]:
        if self._charts_pipe is None or self._scores_pipe is not None:
            return {}  # closed, or never sent the scores: nothing will come
        with open(self._charts_pipe, encoding="utf-8", closefd=False) as pipe:
            text = pipe.read()  # to the end: the child has exited
        try:
            drawn = json.loads(text)
        except ValueError:  # the child failed half-way, or another process read it first
            return {}
        return drawn if isinstance(drawn, dict) else {}

    def __enter__(self) -> ChartsAhead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child if it still runs (a run that failed before its reports), and reap
        it."""
        for fd in (self._scores_pipe, self._charts_pipe):
            if fd is not None:
                os.close(fd)
        self._scores_pipe = self._charts_pipe = None
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)  # a no-op for a child that has exited
            os.waitpid(self._pid, 0)
            self._pid = None


def _draw_charts(scores_pipe: int, charts_pipe: int) -> None:
    """The child's work: load the renderer, wait for the scores, draw every chart of the page."""
    load_matplotlib()
    with open(scores_pipe, encoding="utf-8") as pipe:
        line = pipe.readline()
    if not line:  # the run ended without scores
        return
    scores = Report.model_validate(json.loads(line), strict=False)
    drawn: dict[str, str] = {}

    def draw(chart: MetricChart) -> str:
        drawn[chart.key] = chart.svg()
        return drawn[chart.key]

    build_page(scores, draw)
    with open(charts_pipe, "w", encoding="utf-8") as pipe:
        json.dump(drawn, pipe)
