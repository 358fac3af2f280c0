"""Running a pipeline's step systems through the run's output cache.

The runner caches what the plan asks for; a composite system (``harness.systems.pipeline``)
asks its steps for more (each paragraph's translation, then the summary). This gives those
calls the same cache, keyed by the step's own fingerprint, so each step is cached on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.records import Example
from harness.run.cache import OutputCache, input_sha256
from harness.systems.base import StepRunner, System, generate_in_batches, run_uncached


def step_runner(cache: OutputCache | None) -> StepRunner:
    """``run_step(system, examples)``: stored outputs reused, new ones stored. As in the runner,
    an output that is a string (empty too) is stored; a missing or failed one is not, so a
    rerun tries it again."""
    if cache is None:
        return run_uncached
    registered: set[str] = set()

    def run_step(system: System, examples: Sequence[Example]) -> list[str | Exception | None]:
        if not system.cacheable:
            return generate_in_batches(system, examples)
        fingerprint = system.fingerprint()
        if fingerprint not in registered:
            cache.register(fingerprint, system.name, system.describe())
            registered.add(fingerprint)
        keys = [input_sha256(system.cache_input(example)) for example in examples]
        stored = cache.get_many(fingerprint, keys)
        todo = [i for i, key in enumerate(keys) if key not in stored]
        outputs: list[str | Exception | None] = [stored.get(key) for key in keys]
        if todo:
            fresh = generate_in_batches(system, [examples[i] for i in todo])
            for i, output in zip(todo, fresh, strict=True):
                outputs[i] = output
            cache.put_many(
                fingerprint,
                [
                    (keys[i], output)
                    for i, output in zip(todo, fresh, strict=True)
                    if isinstance(output, str)
                ],
            )
        return outputs

    return run_step
