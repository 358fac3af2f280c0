"""Running a pipeline's step systems through the run's output cache.

The runner caches what the plan asks for; a composite system (``harness.systems.pipeline``)
asks its steps for more (each paragraph's translation, then the summary). This gives those
calls the same cache, keyed by the step's own fingerprint, so each step is cached on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.records import Example
from harness.run.cache import OutputCache, input_sha256
from harness.systems.base import StepRunner, System, run_uncached


def step_runner(cache: OutputCache | None) -> StepRunner:
    """``run_step(system, examples)``: stored outputs reused, new non-empty ones stored."""
    if cache is None:
        return run_uncached

    def run_step(system: System, examples: Sequence[Example]) -> list[str | None]:
        if not system.cacheable:
            return system.generate(examples)
        fingerprint = system.fingerprint()
        cache.register(fingerprint, system.name, system.describe())
        keys = [input_sha256(system.cache_input(example)) for example in examples]
        stored = cache.get_many(fingerprint, keys)
        todo = [i for i, key in enumerate(keys) if key not in stored]
        outputs: list[str | None] = [stored.get(key) for key in keys]
        if todo:
            fresh = system.generate([examples[i] for i in todo])
            if len(fresh) != len(todo):
                raise RuntimeError(
                    f"step '{system.name}' returned {len(fresh)} outputs for {len(todo)} inputs"
                )
            for i, output in zip(todo, fresh, strict=True):
                outputs[i] = output
            cache.put_many(
                fingerprint,
                [(keys[i], output) for i, output in zip(todo, fresh, strict=True) if output],
            )
        return outputs

    return run_step
