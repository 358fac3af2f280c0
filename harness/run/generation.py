"""Executes a plan: batches work items per system and isolates failures.

A system that raises on a batch is retried one example at a time, so one bad segment costs only
itself; a failed or missing output is recorded with its reason and scored as an empty string,
so a failing model can never look better than it is; so is an output that is not a string
(a plug-in's mistake), with its type in the error. A call that runs past the system's
``timeout`` fails the same way. The timeout times generation only: the executor calls
:meth:`~harness.systems.base.System.load` first (once per process), outside it (under
``load_timeout``, if set); a system that cannot load fails all of its outputs, and the
other systems still run. A :class:`HarnessError` (a user mistake, such as a model that cannot
be found) still stops the run, and so do more than ``max_failures`` failed outputs.

With an :class:`~harness.run.cache.OutputCache`, outputs already stored are reused, and each batch
is committed as soon as it finishes: a killed run, rerun, continues where it stopped.

Where the batches run is the executor's (:mod:`harness.run.executors`: this process, or Ray
actors); the cache, the ``on_outputs`` callback and failure counting are done here, in the
driver, the same way for every executor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from harness.errors import HarnessError
from harness.records import Generation, Status
from harness.run.cache import OutputCache, input_sha256
from harness.run.executors import Executor, LocalExecutor
from harness.run.plan import WorkItem
from harness.systems.base import System

log = logging.getLogger(__name__)

#: seconds between two progress lines of a system in run.log (its last batch is always logged):
#: a file of 10k outputs read in batches of 16 used to log 645 lines
PROGRESS_EVERY_S = 1.0


class TooManyFailures(HarnessError):
    """More outputs failed than the config's ``max_failures`` allows; what was done is kept."""

    exit_code = 3


def _from_cache(
    system: System, items: Sequence[WorkItem], cache: OutputCache
) -> dict[int, Generation]:
    """The cached generations among ``items``, by position."""
    keys = [input_sha256(system.cache_input(item.example)) for item in items]
    stored = cache.get_many(system.fingerprint(), keys)
    found = {}
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        output = stored.get(key)
        if output is not None and output.strip():  # an empty one (older caches) is retried
            found[index] = Generation(
                system.name, item.example, output, Status.GENERATED, cached=True
            )
    return found


def _store(system: System, generations: Sequence[Generation], cache: OutputCache) -> None:
    """Commit a finished batch; failed, missing and *empty* outputs are not stored, so they are
    retried: an empty reply of a generative engine (a served model's one-off hiccup, a
    truncated stream) is not a result to reuse forever."""
    cache.put_many(
        system.fingerprint(),
        [
            (input_sha256(system.cache_input(g.example)), g.output)
            for g in generations
            if g.status is Status.GENERATED
        ],
    )


def generate_outputs(
    plan: Sequence[WorkItem],
    systems: dict[str, System],
    advance: Callable[[int], None] = lambda n: None,
    *,
    cache: OutputCache | None = None,
    on_outputs: Callable[[Sequence[Generation]], None] = lambda generations: None,
    max_failures: int | None = None,
    executor: Executor | None = None,
) -> list[Generation]:
    """Run every work item and return one generation per item, in plan order per system.

    ``advance(n)`` is called as items complete (for progress bars); ``on_outputs`` receives
    each batch of generations once it is final (and committed to ``cache``). More than
    ``max_failures`` failed outputs in the run raise :class:`TooManyFailures`. Only uncached
    items are sent to ``executor`` (default: this process).
    """
    executor = executor if executor is not None else LocalExecutor()
    generations: list[Generation] = []
    failures = 0
    for name, system in systems.items():
        items = [item for item in plan if item.system == name]
        use_cache = cache if system.cacheable else None
        done: dict[int, Generation] = {}
        if use_cache is not None:
            use_cache.register(system.fingerprint(), name, system.describe())
            done = _from_cache(system, items, use_cache)
            if done:
                on_outputs([done[i] for i in sorted(done)])
                advance(len(done))
        log.info(
            "%s: %d item(s), %d from the cache%s",
            name,
            len(items),
            len(done),
            f" (fingerprint {system.fingerprint()})" if use_cache else " (not cached)",
        )
        todo = [i for i in _batch_order(system, items) if i not in done]
        batches = [todo[start : start + system.params.batch_size]
                   for start in range(0, len(todo), system.params.batch_size)]  # fmt: skip
        since, new = time.perf_counter(), 0  # the last progress line, and outputs since
        for positions, results in executor.run_batches(system, items, batches):
            if use_cache is not None:
                _store(system, results, use_cache)
            done.update(zip(positions, results, strict=True))
            new += len(positions)
            now = time.perf_counter()
            if now - since >= PROGRESS_EVERY_S or len(done) == len(items):
                log.info(
                    "%s: %d/%d done (%d in %.2f s)", name, len(done), len(items), new, now - since
                )
                since, new = now, 0
            on_outputs(results)
            advance(len(positions))
            failed = [g for g in results if g.status is Status.FAILED]
            for generation in failed:
                log.info("%s: failed on %s: %s", name, generation.where, generation.error)
            failures += len(failed)
            if failed and max_failures is not None and failures > max_failures:
                last = failed[-1]
                raise TooManyFailures(
                    f"run stopped: {failures} failed outputs, more than max_failures "
                    f"({max_failures}); last: {name} on {last.where}: {last.error}. "
                    "Finished outputs are kept; rerun to continue"
                )
        generations.extend(done[i] for i in range(len(items)))
    return generations


def cached_count(plan: Sequence[WorkItem], systems: dict[str, System], cache: OutputCache) -> int:
    """How many of the plan's outputs the cache holds (what a rerun will not recompute)."""
    count = 0
    for name, system in systems.items():
        if system.cacheable:
            keys = [input_sha256(system.cache_input(i.example)) for i in plan if i.system == name]
            count += len(cache.get_many(system.fingerprint(), keys))
    return count


def _batch_order(system: System, items: Sequence[WorkItem]) -> list[int]:
    """The system's preferred feeding order (e.g. length-sorted), checked to be a permutation."""
    order = list(system.batch_order([item.example for item in items]))
    if sorted(order) != list(range(len(items))):
        raise RuntimeError(f"{system.name}: batch_order is not a permutation of its examples")
    return order
