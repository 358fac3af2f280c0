"""Durable files: a write that is seen whole or not at all, and a lock between processes.

A reader (or a second run) never sees a half-written report or model folder: the text goes to a
temporary file in the same folder, which is then renamed over the target (``os.replace`` is
atomic on one file system). A process killed mid-write leaves the old file, or none, plus at
most a ``.tmp`` file; never a truncated one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(
    path: Path, *, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """A text handle whose content replaces ``path`` only when the block ends without error."""
    # O_EXCL with a random name, mode 0666 less the umask (mkstemp would make it 0600)
    temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (temp file in the same folder, then rename)."""
    with atomic_open(path, encoding=encoding) as handle:
        handle.write(text)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed) for the block.

    The OS releases it when the process dies, so a killed holder never leaves a stale lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def build_once(target: Path, build: Callable[[Path], None], *, complete: str) -> Path:
    """Return folder ``target``, building it first with ``build(temp_folder)`` if needed.

    ``target`` counts as built when it holds the file ``complete``, which ``build`` must write
    last. Building happens in a temporary sibling folder that is renamed into place, under a
    lock file next to ``target``: two processes asking at once build it once, and neither sees
    a half-built folder. A folder left without ``complete`` (an interrupted older run) is
    replaced, and temporary folders of killed builds are removed.
    """
    if (target / complete).is_file():
        return target
    with file_lock(target.with_name(f".{target.name}.lock")):
        if (target / complete).is_file():  # another process built it while we waited
            return target
        # Only the lock holder builds: any temporary sibling is left from a killed build.
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            partial.mkdir()
            build(partial)
            if not (partial / complete).is_file():
                raise RuntimeError(f"building {target.name} did not write {complete}")
            if target.exists():
                shutil.rmtree(target)
            partial.rename(target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return target
