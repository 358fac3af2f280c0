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
from harness.tasks import (
    english_summarization_examples,
    summarization_examples,
    translation_examples,
)


@dataclass(frozen=True)
class WorkItem:
    system: str
    example: Example


def task_examples(corpus: Corpus, task: Task) -> list[Example]:
    if task is Task.TRANSLATION:
        assert corpus.references is not None  # build_plan only asks corpora that fit
        return list(translation_examples(corpus.name, corpus.articles, corpus.references))
    if task is Task.SUMMARIZATION_EN:
        examples, warnings = english_summarization_examples(
            corpus.name, corpus.articles, corpus.references
        )
        corpus.warnings.extend(warnings)
        return examples
    return list(summarization_examples(corpus.name, corpus.articles))


def _fits(corpus: Corpus, task: Task) -> bool:
    if task is Task.TRANSLATION:
        return corpus.has_references
    if task is Task.SUMMARIZATION_EN:
        return corpus.has_summaries and corpus.has_references
    return corpus.has_summaries


def _need(task: Task) -> str:
    return {
        Task.TRANSLATION: "references",
        Task.SUMMARIZATION: "articles with summaries",
        Task.SUMMARIZATION_EN: "articles with summaries and English references",
    }[task]


def chosen_corpora(corpora: Sequence[Corpus], system: SystemParams) -> list[Corpus]:
    """The corpora ``system`` runs on: those it names, or else every corpus that fits its task
    (translation needs references, summarization needs reference summaries)."""
    by_name = {corpus.name: corpus for corpus in corpora}
    task = system.example_task
    if system.corpora is not None:
        chosen = [by_name[name] for name in system.corpora]
        for corpus in chosen:
            if not _fits(corpus, task):
                raise HarnessError(
                    f"system '{system.name}' ({task.value}): corpus '{corpus.name}' "
                    f"has no {_need(task)}"
                )
        return chosen
    chosen = [corpus for corpus in corpora if _fits(corpus, task)]
    if not chosen:
        raise HarnessError(
            f"system '{system.name}' ({task.value}): no corpus has "
            f"{_need(task)}"
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
        task = system.example_task
        for corpus in chosen_corpora(corpora, system):
            key = (corpus.name, task)
            if key not in examples:
                examples[key] = task_examples(corpus, task)
            plan.extend(WorkItem(system.name, example) for example in examples[key])
    return plan
