"""One run at a time in a run folder: an exclusive lock held from start to finish.

Two runs given the same ``--out`` both passed the "no report.json yet" check and then wrote the
same ``outputs.jsonl``. The lock is an ``flock`` on ``.lock`` in the folder, taken before
anything is written there; the OS releases it when the holder exits, however it exits, so a
crashed run never leaves the folder locked. A finished run deletes the file (a crashed one
leaves it, unlocked, and the next run takes it over); a taker checks that the file it locked
is still the one at the path, so a run that opened it just before the holder deleted it does
not believe itself alone.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from harness.errors import HarnessError

LOCK_NAME = ".lock"


class FolderLock:
    """Held while a run writes ``folder``; a second taker is refused at once."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if not self._still_at_path(handle):  # deleted by a holder that just finished
                raise BlockingIOError
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise HarnessError(
                f"--out {self.path.parent}: another run is writing into this folder "
                f"({holder}); wait for it to finish or choose another folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def _still_at_path(self, handle: IO[str]) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        if self._handle is not None:
            self.path.unlink(missing_ok=True)  # while still held: no one can take it between
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
