"""A user plug-in system for the tests, loaded by import path (``counting_system:Counting``).

It "translates" by reversing the source, appends every input it computes to the file named by
``calls`` (so a test can see what was computed, even across processes), and can be slow, fail
or hang on chosen segments.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task


class CountingParams(SystemParams):
    calls: str
    prefix: str = ""  # stands for a generation setting: it changes every output
    delay: float = 0.0  # seconds per example
    fail_on: tuple[str, ...] = ()  # segment ids whose batch raises
    hang_on: tuple[str, ...] = ()  # segment ids whose batch sleeps for a minute
    empty_on: tuple[str, ...] = ()  # segment ids that get an empty output
    refuse_on: tuple[str, ...] = ()  # segment ids whose output alone fails (a server's 400)


def expected_output(source: str, prefix: str = "") -> str:
    return prefix + source[::-1]


class Counting(System):
    params_model = CountingParams
    params: CountingParams
    tasks = frozenset({Task.TRANSLATION})

    def generate(self, examples: Sequence[Example]) -> list[str | Exception | None]:
        ids = [e.segment_id or "" for e in examples]
        with Path(self.params.calls).open("a", encoding="utf-8") as log:
            log.writelines(f"{e.article_id}/{e.segment_id}\n" for e in examples)
        if any(i in self.params.hang_on for i in ids):
            time.sleep(60)
        if any(i in self.params.fail_on for i in ids):
            raise RuntimeError("model crashed")
        time.sleep(self.params.delay * len(examples))
        return [
            ValueError(f"refused {i}")
            if i in self.params.refuse_on
            else "" if i in self.params.empty_on
            else expected_output(e.source, self.params.prefix)
            for i, e in zip(ids, examples, strict=True)
        ]  # fmt: skip
