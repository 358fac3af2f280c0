"""A time limit on one call into a system, so a hung model costs a failed output, not the run.

The limit is a POSIX interval timer (SIGALRM) whose handler raises :class:`CallTimeout` in the
main thread: it interrupts Python code (a generation loop between tokens, a sleep, a socket
read), not a single long C call, which is interrupted when it returns. Where there is no
SIGALRM, or off the main thread, the call runs without a limit and a log line says so.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)


class CallTimeout(BaseException):
    """Raised inside a call that ran past its limit.

    A BaseException, so a system's own ``except Exception`` cannot swallow it.
    """


def _can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CallTimeout` in the block if it runs longer than ``seconds``."""
    if seconds is None:
        yield
        return
    if not _can_interrupt():
        log.warning("timeout of %s s not enforced: needs SIGALRM and the main thread", seconds)
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise CallTimeout(f"call exceeded its timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
