"""What work forked off this process needs: how many cores it may use, and standard streams
of its own."""

from __future__ import annotations

import os
import sys


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def own_std_streams() -> None:
    """Give a forked child stdout/stderr objects of its own: another thread of the parent
    (the progress display) may have held the inherited ones' locks at the fork, and a lock
    held at a fork stays held in the child (a library warning would then hang it)."""
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
