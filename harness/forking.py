"""What work forked off this process needs: how many cores it may use, standard streams of its
own, and a parent heap it does not copy."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fork_gains_a_core() -> bool:
    """Whether work forked off runs beside this process: ``fork`` exists, and this process may
    use a second core for it."""
    return hasattr(os, "fork") and usable_cores() >= 2


def own_std_streams() -> None:
    """Give a forked child stdout/stderr objects of its own: another thread of the parent
    (the progress display) may have held the inherited ones' locks at the fork, and a lock
    held at a fork stays held in the child (a library warning would then hang it)."""
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave the objects alive now out of the garbage collector's walks (``gc.freeze``) inside
    this block; they are put back after it (unless an outer block froze them).

    Two uses. Make many objects inside it (a report's segments): each full collection they
    trigger would walk the run's data again and free nothing. And let a library fork children
    inside it (a process pool: its children never return into the block, so they keep the
    objects frozen): see :func:`fork_frozen`."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()


def fork_frozen() -> int:
    """``os.fork()``, the child keeping every object it inherits out of the collector's walks.

    A forked child shares its parent's memory until it writes to a page, and the collector
    writes to every object it walks: a child's first full collection would copy the whole
    inherited heap (the corpus, every output), page by page, though it reads a few of those
    objects. On the 10k-segment Tatoeba run, freezing saves 14k page faults and 0.4 s of CPU
    (benchmarks/RESULTS.md). The parent collects as before."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    pid = os.fork()
    if pid and outermost:
        gc.unfreeze()
    return pid
