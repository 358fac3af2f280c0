"""A user plug-in system for the tests (``slow_loading_system:SlowLoading``): its model takes
``load_seconds`` to load (a cold model), after which each generate call is fast. Like
``HFSystem``, ``generate`` loads lazily if nobody called ``load`` first."""

from __future__ import annotations

import time
from collections.abc import Sequence

from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task


class SlowLoadingParams(SystemParams):
    load_seconds: float = 1.0
    fail_load: bool = False


class SlowLoading(System):
    params_model = SlowLoadingParams
    params: SlowLoadingParams
    tasks = frozenset({Task.TRANSLATION})
    loads = 0  # class-wide: how many times a model was loaded

    def load(self) -> object:
        if not getattr(self, "_loaded", False):
            type(self).loads += 1
            time.sleep(self.params.load_seconds)
            if self.params.fail_load:
                raise RuntimeError("weights file is corrupt")
            self._loaded = True
        return None

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        self.load()
        return [example.source[::-1] for example in examples]
