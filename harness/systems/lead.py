"""``lead``: the first ``n`` sentences of the body, the classic extractive news baseline."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from harness.records import Example, Task
from harness.systems.base import System, SystemParams
from harness.text.sentences import split_sentences


class LeadParams(SystemParams):
    n: int = Field(default=3, ge=1)


class Lead(System):
    cacheable = False  # cheaper to recompute than to look up
    params_model = LeadParams
    tasks = frozenset({Task.SUMMARIZATION})
    params: LeadParams

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        return ["\n".join(split_sentences(e.source)[: self.params.n]) for e in examples]
