"""A run is a plan of (corpus, system, example) work items.

The plan is plain data, so it can be executed in one process today and sharded across workers
later; nothing in it refers to a loaded model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.corpus.loader import Corpus
from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.base import SystemParams
from harness.tasks import summarization_examples, translation_examples


@dataclass(frozen=True)
class WorkItem:
    system: str
    example: Example


def task_examples(corpus: Corpus, task: Task) -> list[Example]:
    if task is Task.TRANSLATION:
        assert corpus.references is not None  # build_plan only asks corpora that fit
        return list(translation_examples(corpus.name, corpus.articles, corpus.references))
    return list(summarization_examples(corpus.name, corpus.articles))


def _fits(corpus: Corpus, task: Task) -> bool:
    return corpus.has_references if task is Task.TRANSLATION else corpus.has_summaries


def _need(task: Task) -> str:
    return "references" if task is Task.TRANSLATION else "articles with summaries"


def chosen_corpora(corpora: Sequence[Corpus], system: SystemParams) -> list[Corpus]:
    """The corpora ``system`` runs on: those it names, or else every corpus that fits its task
    (translation needs references, summarization needs reference summaries)."""
    by_name = {corpus.name: corpus for corpus in corpora}
    if system.corpora is not None:
        chosen = [by_name[name] for name in system.corpora]
        for corpus in chosen:
            if not _fits(corpus, system.task):
                raise HarnessError(
                    f"system '{system.name}' ({system.task.value}): corpus '{corpus.name}' "
                    f"has no {_need(system.task)}"
                )
        return chosen
    chosen = [corpus for corpus in corpora if _fits(corpus, system.task)]
    if not chosen:
        raise HarnessError(
            f"system '{system.name}' ({system.task.value}): no corpus has "
            f"{_need(system.task)}"
            + (" (add 'references' to the config)" if system.task is Task.TRANSLATION else "")
        )
    return chosen


def build_plan(corpora: Sequence[Corpus], systems: Sequence[SystemParams]) -> list[WorkItem]:
    """One work item per system, corpus and example; systems in config order.

    A system runs on the corpora :func:`chosen_corpora` gives it.
    """
    examples: dict[tuple[str, Task], list[Example]] = {}
    plan: list[WorkItem] = []
    for system in systems:
        for corpus in chosen_corpora(corpora, system):
            key = (corpus.name, system.task)
            if key not in examples:
                examples[key] = task_examples(corpus, system.task)
            plan.extend(WorkItem(system.name, example) for example in examples[key])
    return plan
