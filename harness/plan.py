"""A run is a plan of (corpus, system, example) work items.

The plan is plain data, so it can be executed in one process today and sharded across workers
later; nothing in it refers to a loaded model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.corpus.loader import Corpus
from harness.errors import HarnessError
from harness.systems.base import SystemParams
from harness.tasks import Example, Task, summarization_examples, translation_examples


@dataclass(frozen=True)
class WorkItem:
    system: str
    example: Example


def task_examples(corpus: Corpus, task: Task) -> list[Example]:
    if task is Task.TRANSLATION:
        if corpus.references is None:
            raise HarnessError(
                f"corpus '{corpus.name}': translation systems need 'references' in the config"
            )
        return list(translation_examples(corpus.name, corpus.articles, corpus.references))
    return list(summarization_examples(corpus.name, corpus.articles))


def build_plan(corpus: Corpus, systems: Sequence[SystemParams]) -> list[WorkItem]:
    """One work item per system and example, systems in config order."""
    examples = {task: task_examples(corpus, task) for task in {s.task for s in systems}}
    return [
        WorkItem(system.name, example) for system in systems for example in examples[system.task]
    ]
