"""The output cache: a content-addressed SQLite store of system outputs.

An output is stored under ``(fingerprint, input_sha256)``: the system's fingerprint (type, model
and its revision or file hash, generation settings, prompt template, backend version; see
:meth:`harness.systems.base.System.fingerprint`) and the sha256 of the input text. Nothing is
keyed on names or paths, so a stale output is never reused and a renamed system reuses its own.

The database runs in WAL mode and each batch is committed in its own transaction (an explicit
BEGIN … COMMIT: all of a batch's outputs are stored, or none), so a run
killed at any point loses at most the batch it was computing, and a second process may read
while one writes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import HarnessError
from harness.paths import resolve

DEFAULT_CACHE_DIR = Path(".cache") / "harness"
DATABASE_NAME = "outputs-v1.sqlite"  # the version names the table layout

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    fingerprint TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    output TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, input_sha256)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS systems (
    fingerprint TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    last_name TEXT NOT NULL,
    last_used TEXT NOT NULL
);
"""

# SQLite limits the number of bound parameters per statement; look keys up in chunks.
_LOOKUP_CHUNK = 500


def input_sha256(text: str) -> str:
    """The content address of an input text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SystemEntry:
    """What the cache holds for one fingerprint."""

    fingerprint: str
    name: str
    description: dict[str, Any]
    outputs: int
    last_used: str


@dataclass(frozen=True)
class CacheStats:
    path: Path
    size_bytes: int
    outputs: int
    systems: list[SystemEntry]


class CorruptCache(HarnessError):
    """The cache database is damaged; ``harness cache clear`` deletes it."""


def _corrupt(path: Path, reason: str) -> CorruptCache:
    return CorruptCache(
        f"{path}: the output cache database is corrupted ({reason}); delete it with "
        f"`harness cache clear --cache-dir {path.parent}` (its outputs are recomputed)"
    )


def _is_corruption(exc: sqlite3.Error) -> bool:
    """Damage, as opposed to a busy or read-only database (which are not the file's fault)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return any(word in str(exc) for word in ("malformed", "not a database"))


def delete_database(folder: Path) -> list[Path]:
    """Remove the cache database and its WAL files (for a corrupted cache); returns them."""
    removed = []
    for path in sorted(folder.glob(DATABASE_NAME + "*")):
        if path.name in (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm"):
            path.unlink()
            removed.append(path)
    return removed


F = TypeVar("F", bound=Callable[..., Any])


def _one_line_errors(method: F) -> F:
    """Every public use of the database turns an SQLite error into one line naming it
    (:meth:`OutputCache.errors`), whoever calls: the runner, a pipeline's steps, the CLI."""

    @functools.wraps(method)
    def wrapper(self: OutputCache, *args: Any, **kwargs: Any) -> Any:
        with self.errors():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class OutputCache:
    """Outputs keyed by system fingerprint and input hash, in ``FOLDER/outputs-v1.sqlite``.

    Opening it costs the same however large it is: SQLite reads the header (a file that is not
    a database fails there) and the file must hold every page the header counts (a truncated
    copy fails there). ``PRAGMA quick_check`` used to run on every open, reading the whole
    database each time; damage it would have found now shows at first use, where any error
    that means damage is reported as :class:`CorruptCache`: one line naming the file and
    ``harness cache clear``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DATABASE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HarnessError(f"{self.path}: cannot open the output cache: {exc}") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed batch survives the process being killed.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check_size()
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            if _is_corruption(exc):
                raise _corrupt(self.path, str(exc)) from None
            raise HarnessError(f"{self.path}: cannot open the output cache: {exc}") from None
        except CorruptCache:
            self._db.close()
            raise

    def _check_size(self) -> None:
        """A file shorter than the pages its header counts was cut short (a copy, a full disk).
        Skipped while a write-ahead log holds frames: pages not yet checkpointed live there."""
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        page_count = self._db.execute("PRAGMA page_count").fetchone()[0]
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return
        size = self.path.stat().st_size
        if size < page_size * page_count:
            raise _corrupt(
                self.path,
                f"database disk image is malformed: the file is truncated ({size} of "
                f"{page_size * page_count} bytes)",
            )

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn an SQLite error inside the block into one line naming the database (damage
        that ``quick_check`` did not see on opening shows up here, at first use)."""
        try:
            yield
        except sqlite3.Error as exc:
            if _is_corruption(exc):
                raise _corrupt(self.path, str(exc)) from None
            raise HarnessError(f"{self.path}: output cache error: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> OutputCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One real transaction: BEGIN … COMMIT, or ROLLBACK when the block raises.

        The connection is in autocommit mode (``isolation_level=None``), where ``with db:``
        would commit each statement on its own; this makes a batch all-or-nothing.
        """
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @_one_line_errors
    def register(self, fingerprint: str, name: str, description: dict[str, Any]) -> None:
        """Record which system a fingerprint stands for (shown by ``harness cache stats``)."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO systems VALUES (?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE "
                "SET last_name = excluded.last_name, last_used = excluded.last_used",
                (fingerprint, json.dumps(description, sort_keys=True), name, _now()),
            )

    @_one_line_errors
    def get_many(self, fingerprint: str, input_hashes: Iterable[str]) -> dict[str, str]:
        """The stored outputs among ``input_hashes``, by input hash."""
        wanted = list(dict.fromkeys(input_hashes))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT input_sha256, output FROM outputs "
                f"WHERE fingerprint = ? AND input_sha256 IN ({marks})",
                (fingerprint, *chunk),
            )
            found.update(rows)
        return found

    @_one_line_errors
    def put_many(self, fingerprint: str, outputs: Sequence[tuple[str, str]]) -> None:
        """Store ``(input_hash, output)`` pairs in one transaction: all of them or none."""
        if not outputs:
            return
        created = _now()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
                [(fingerprint, key, output, created) for key, output in outputs],
            )

    @_one_line_errors
    def stats(self) -> CacheStats:
        counts = dict(
            self._db.execute("SELECT fingerprint, COUNT(*) FROM outputs GROUP BY fingerprint")
        )
        systems = [
            SystemEntry(fingerprint, name, json.loads(description), counts.get(fingerprint, 0), at)
            for fingerprint, description, name, at in self._db.execute(
                "SELECT fingerprint, description, last_name, last_used FROM systems "
                "ORDER BY last_used DESC"
            )
        ]
        size = sum(
            p.stat().st_size for p in self.folder.glob(DATABASE_NAME + "*") if p.is_file()
        )
        return CacheStats(self.path, size, sum(counts.values()), systems)

    @_one_line_errors
    def clear(self) -> int:
        """Delete every stored output; returns how many there were."""
        with self._transaction():
            removed = self._db.execute("DELETE FROM outputs").rowcount
            self._db.execute("DELETE FROM systems")
        self._db.execute("VACUUM")
        return removed


def resolve_cache_dir(option: Path | None, configured: str | None, base_dir: Path) -> Path:
    """``--cache-dir`` wins over the config's ``cache_dir`` (relative to the config's folder),
    which wins over ``.cache/harness`` in the current folder."""
    if option is not None:
        return option
    if configured is not None:
        return resolve(configured, base_dir)
    return DEFAULT_CACHE_DIR
