"""``pipeline``: two systems of the same config chained, for English summaries of Arabic news.

- **translate → summarize** (``steps: [TRANSLATOR, SUMMARIZER]``): each paragraph of the
  article is translated on its own, and the English text (one translated paragraph per line)
  is summarized.
- **summarize → translate** (``steps: [SUMMARIZER, TRANSLATOR]``): the article is summarized in
  Arabic and each sentence of the summary translated.

Either way the output is an English summary (``task: summarization``, ``target_lang: en``),
scored against the English translations of the bullets. Each step's outputs go through the
output cache under that step's own fingerprint, so changing the summarizer reuses the cached
translations; the pipeline itself is never cached (recombining cached steps is cheap). The steps
are ordinary systems of the config and are also run and scored on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.base import StepRunner, System, SystemParams, run_uncached


class PipelineParams(SystemParams):
    steps: list[str] = Field(min_length=2, max_length=2)
    task: Literal[Task.SUMMARIZATION] = Task.SUMMARIZATION
    target_lang: Literal["en"] = "en"  # both orders end with an English summary


class Pipeline(System):
    params_model = PipelineParams
    params: PipelineParams
    tasks = frozenset({Task.SUMMARIZATION})
    cacheable = False  # its steps are cached, each on its own

    _steps: tuple[System, System] | None = None
    _run_step: StepRunner = staticmethod(run_uncached)

    def connect(self, systems: Mapping[str, System], run_step: StepRunner = run_uncached) -> None:
        first, second = (self._step(name, systems) for name in self.params.steps)
        tasks = (first.task, second.task)
        if tasks not in (
            (Task.TRANSLATION, Task.SUMMARIZATION),
            (Task.SUMMARIZATION, Task.TRANSLATION),
        ):
            raise HarnessError(
                f"pipeline '{self.name}': steps must be a translator and a summarizer, in either "
                f"order; got {first.name} ({first.task.value}) then {second.name} "
                f"({second.task.value})"
            )
        self._steps = (first, second)
        self._run_step = run_step
        self._intermediate: dict[tuple[str, str], dict[str, str]] = {}

    def _step(self, name: str, systems: Mapping[str, System]) -> System:
        step = systems.get(name)
        if step is None:
            raise HarnessError(
                f"pipeline '{self.name}': step '{name}' is not a system of this config "
                f"(systems: {', '.join(systems)})"
            )
        if isinstance(step, Pipeline):
            raise HarnessError(f"pipeline '{self.name}': step '{name}' is itself a pipeline")
        return step

    @property
    def translate_first(self) -> bool:
        assert self._steps is not None, "Pipeline.connect was not called"
        return self._steps[0].task is Task.TRANSLATION

    def describe(self) -> dict[str, Any]:
        """The steps' own descriptions: what the pipeline's outputs depend on."""
        described = super().describe()
        if self._steps is not None:
            described["step_systems"] = [
                {"name": step.name, "fingerprint": step.fingerprint()} for step in self._steps
            ]
        return described

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        """Each step runs once for the whole batch (the step batches its inputs itself, by its
        own ``batch_size`` and order); a part that fails fails the batch, which the runner then
        retries example by example (parts already done come from the cache)."""
        assert self._steps is not None, "Pipeline.connect was not called"
        first, second = self._steps
        if self.translate_first:
            paragraphs = [
                [line for line in example.source.split("\n") if line.strip()]
                for example in examples
            ]
            translated = self._outputs(
                first,
                [
                    [_part(example, Task.TRANSLATION, i, text) for i, text in enumerate(texts, 1)]
                    for example, texts in zip(examples, paragraphs, strict=True)
                ],
            )
            english = ["\n".join(lines) for lines in translated]
            summaries = self._outputs(
                second,
                [
                    [_part(example, Task.SUMMARIZATION_EN, None, text)]
                    for example, text in zip(examples, english, strict=True)
                ],
            )
            for example, text in zip(examples, english, strict=True):
                self._intermediate[(example.corpus, example.article_id)] = {first.name: text}
            return [summary for (summary,) in summaries]
        articles = [[_part(ex, Task.SUMMARIZATION, None, ex.source)] for ex in examples]
        arabic = [summary for (summary,) in self._outputs(first, articles)]
        sentences = [[line for line in text.split("\n") if line.strip()] for text in arabic]
        translated = self._outputs(
            second,
            [
                [_part(example, Task.TRANSLATION, i, s) for i, s in enumerate(texts, 1)]
                for example, texts in zip(examples, sentences, strict=True)
            ],
        )
        for example, text in zip(examples, arabic, strict=True):
            self._intermediate[(example.corpus, example.article_id)] = {first.name: text}
        return ["\n".join(lines) for lines in translated]

    def _outputs(self, step: System, parts: list[list[Example]]) -> list[list[str]]:
        """The step's outputs for each example's parts, in one call to the step runner; a part
        it failed on (an exception) or has none for is an error, with the step's reason."""
        flat = [part for example_parts in parts for part in example_parts]
        outputs = self._run_step(step, flat)
        for part, output in zip(flat, outputs, strict=True):
            if isinstance(output, Exception):
                raise RuntimeError(
                    f"step '{step.name}' failed on {part.where}: {type(output).__name__}: {output}"
                )
        lost = [part.where for part, output in zip(flat, outputs, strict=True) if output is None]
        if lost:
            raise RuntimeError(f"step '{step.name}' gave no output for {', '.join(lost[:3])}")
        texts = iter(output for output in outputs if isinstance(output, str))
        return [[next(texts) for _ in example_parts] for example_parts in parts]

    def intermediate(self, example: Example) -> dict[str, str] | None:
        return self._intermediate.get((example.corpus, example.article_id))


def _part(example: Example, task: Task, index: int | None, text: str) -> Example:
    """A step's input: one paragraph or sentence (``part-N``), or the whole text."""
    return Example(
        example.corpus,
        task,
        example.article_id,
        f"part-{index}" if index is not None else None,
        text,
        (),
    )
