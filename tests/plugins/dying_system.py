"""A user plug-in system for the Ray tests (``dying_system:Dying``): it "translates" by
reversing the source, like ``counting_system``, and kills its own process on chosen segments,
as a model that segfaults or runs out of memory would kill a Ray actor.

``die_once_on`` kills the process the first time only (a marker file in ``markers`` says it
happened); ``die_on`` kills it every time; ``hang_on`` loops for a minute (a hung model, for
the ``timeout``). Each call appends ``PID SEGMENT`` lines to ``calls``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task


class DyingParams(SystemParams):
    calls: str
    markers: str
    die_once_on: tuple[str, ...] = ()
    die_on: tuple[str, ...] = ()
    hang_on: tuple[str, ...] = ()  # segments whose call loops for a minute (in Python)


class Dying(System):
    params_model = DyingParams
    params: DyingParams
    tasks = frozenset({Task.TRANSLATION})

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        ids = [e.segment_id or "" for e in examples]
        with Path(self.params.calls).open("a", encoding="utf-8") as log:
            log.writelines(f"{os.getpid()} {i}\n" for i in ids)
        for segment in ids:
            marker = Path(self.params.markers) / segment
            if segment in self.params.die_once_on and not marker.exists():
                marker.touch()
                os._exit(1)
            if segment in self.params.die_on:
                os._exit(1)
        if any(i in self.params.hang_on for i in ids):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.05)
        return [e.source[::-1] for e in examples]
