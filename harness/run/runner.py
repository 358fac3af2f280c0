"""Executes a plan: batches work items per system and isolates failures.

A system that raises on a batch is retried one example at a time, so one bad segment costs only
itself; a failed or missing output is recorded with its reason and scored as an empty string,
so a failing model can never look better than it is; so is an output that is not a string
(a plug-in's mistake), with its type in the error. A call that runs past the system's
``timeout`` fails the same way. The timeout times generation only: the runner calls
:meth:`~harness.systems.base.System.load` first, outside it (under ``load_timeout``, if set);
a system that cannot load fails all of its outputs, and the other systems still run. A
:class:`HarnessError` (a user mistake, such as a model that cannot be found) still stops the
run, and so do more than ``max_failures`` failed outputs.

With an :class:`~harness.run.cache.OutputCache`, outputs already stored are reused, and each batch
is committed as soon as it finishes: a killed run, rerun, continues where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence

from harness.errors import HarnessError
from harness.records import Generation, Status
from harness.run.cache import OutputCache, input_sha256
from harness.run.plan import WorkItem
from harness.run.timeouts import CallTimeout, time_limit
from harness.systems.base import System

log = logging.getLogger(__name__)


class TooManyFailures(HarnessError):
    """More outputs failed than the config's ``max_failures`` allows; what was done is kept."""

    exit_code = 3


def _batches(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _generate(system: System, batch: Sequence[WorkItem]) -> list[Generation]:
    examples = [item.example for item in batch]
    try:
        with time_limit(system.params.timeout):
            outputs = system.generate(examples)
        if not isinstance(outputs, list | tuple):
            raise TypeError(f"generate returned {type(outputs).__name__}, not a list of str")
        if len(outputs) != len(examples):
            raise RuntimeError(f"returned {len(outputs)} outputs for {len(examples)} inputs")
    except HarnessError:
        raise
    except (Exception, CallTimeout) as exc:
        if len(batch) > 1:
            log.info("%s: batch of %d failed (%s); one by one", system.name, len(batch), exc)
            return [g for item in batch for g in _generate(system, [item])]
        reason = f"{type(exc).__name__}: {exc}"
        return [Generation(system.name, examples[0], "", Status.FAILED, reason)]
    generations = []
    for example, output in zip(examples, outputs, strict=True):
        if isinstance(output, Exception):  # this input failed alone; the others are kept
            reason = f"{type(output).__name__}: {output}"
            generations.append(Generation(system.name, example, "", Status.FAILED, reason))
        elif output is None:
            generations.append(Generation(system.name, example, "", Status.MISSING, "no output"))
        elif not isinstance(output, str):  # a plug-in's mistake: this output fails, not the run
            reason = f"TypeError: output is {type(output).__name__}, not str"
            generations.append(Generation(system.name, example, "", Status.FAILED, reason))
        elif not output.strip():
            generations.append(Generation(system.name, example, output, Status.EMPTY))
        else:
            generations.append(Generation(system.name, example, output, Status.GENERATED))
    return generations


def _load(system: System) -> str | None:
    """Load the system before its first timed call: ``timeout`` times generation only, and
    ``load_timeout`` (if set) the load. Returns why loading failed, or None."""
    started = time.perf_counter()
    try:
        with time_limit(system.params.load_timeout):
            system.load()
    except HarnessError:
        raise
    except CallTimeout:
        limit = system.params.load_timeout
        reason = f"loading the system took longer than its load_timeout of {limit:g} s"
        log.info("%s: %s", system.name, reason)
        return reason
    except Exception as exc:
        log.info("%s: loading failed: %s: %s", system.name, type(exc).__name__, exc)
        return f"loading the system failed: {type(exc).__name__}: {exc}"
    log.info("%s: loaded in %.2f s", system.name, time.perf_counter() - started)
    return None


def _from_cache(
    system: System, items: Sequence[WorkItem], cache: OutputCache
) -> dict[int, Generation]:
    """The cached generations among ``items``, by position."""
    keys = [input_sha256(system.cache_input(item.example)) for item in items]
    with cache.errors():
        stored = cache.get_many(system.fingerprint(), keys)
    found = {}
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        if key in stored:
            output = stored[key]
            status = Status.GENERATED if output.strip() else Status.EMPTY
            found[index] = Generation(system.name, item.example, output, status, cached=True)
    return found


def _store(system: System, generations: Sequence[Generation], cache: OutputCache) -> None:
    """Commit a finished batch; failed and missing outputs are not stored, so they are retried."""
    with cache.errors():
        cache.put_many(
            system.fingerprint(),
            [
                (input_sha256(system.cache_input(g.example)), g.output)
                for g in generations
                if g.status in (Status.GENERATED, Status.EMPTY)
            ],
        )


def run_plan(
    plan: Sequence[WorkItem],
    systems: dict[str, System],
    advance: Callable[[int], None] = lambda n: None,
    *,
    cache: OutputCache | None = None,
    on_outputs: Callable[[Sequence[Generation]], None] = lambda generations: None,
    max_failures: int | None = None,
) -> list[Generation]:
    """Run every work item and return one generation per item, in plan order per system.

    ``advance(n)`` is called as items complete (for progress bars); ``on_outputs`` receives
    each batch of generations once it is final (and committed to ``cache``). More than
    ``max_failures`` failed outputs in the run raise :class:`TooManyFailures`.
    """
    generations: list[Generation] = []
    failures = 0
    for name, system in systems.items():
        items = [item for item in plan if item.system == name]
        use_cache = cache if system.cacheable else None
        done: dict[int, Generation] = {}
        if use_cache is not None:
            with use_cache.errors():
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
        load_error = _load(system) if todo else None
        for positions in _batches(todo, system.params.batch_size):
            started = time.perf_counter()
            if load_error is None:
                results = _generate(system, [items[i] for i in positions])
            else:  # every output of a system that could not load fails; other systems go on
                results = [
                    Generation(name, items[i].example, "", Status.FAILED, load_error)
                    for i in positions
                ]
            if use_cache is not None:
                _store(system, results, use_cache)
            done.update(zip(positions, results, strict=True))
            log.info(
                "%s: %d/%d done (batch of %d in %.2f s)",
                name,
                len(done),
                len(items),
                len(positions),
                time.perf_counter() - started,
            )
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
            with cache.errors():
                count += len(cache.get_many(system.fingerprint(), keys))
    return count


def _batch_order(system: System, items: Sequence[WorkItem]) -> list[int]:
    """The system's preferred feeding order (e.g. length-sorted), checked to be a permutation."""
    order = list(system.batch_order([item.example for item in items]))
    if sorted(order) != list(range(len(items))):
        raise RuntimeError(f"{system.name}: batch_order is not a permutation of its examples")
    return order
