"""The segment-score cache of learned metrics: SQLite, keyed by metric fingerprint and content.

A learned metric costs a forward pass per segment, so its scores are stored under
``(fingerprint, key)``: the fingerprint names the checkpoint (sha256), the architecture and
every setting that changes a number (device kind, dtype, batch size, library versions); the
key is the sha256 of the source, hypothesis and reference. A re-run, or a second candidate
that shares most outputs with the first, re-scores only what changed. As in the output cache
(:mod:`harness.run.cache`): WAL mode, one transaction per batch, and a damaged database is
one line naming the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

DEFAULT_FOLDER = Path(".cache") / "harness"
DATABASE_NAME = "segment-scores-v1.sqlite"
_LOOKUP_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    fingerprint TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, key)
) WITHOUT ROWID;
"""


def segment_key(*texts: str | None) -> str:
    """The content address of one segment's inputs (None: an absent reference)."""
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()


class ScoreCache:
    """Stored segment results (JSON values) in ``FOLDER/segment-scores-v1.sqlite``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DATABASE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> HarnessError:
        return HarnessError(
            f"{self.path}: the segment-score cache cannot be used ({exc}); delete the file "
            "to start it afresh (its scores are recomputed), or set the metric's "
            "'cache: false'"
        )

    def close(self) -> None:
        self._db.close()

    def get_many(self, fingerprint: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, value FROM scores WHERE fingerprint = ? AND key IN ({marks})",
                    (fingerprint, *chunk),
                )
                for key, value in rows:
                    try:
                        found[key] = json.loads(value)
                    except json.JSONDecodeError:
                        continue  # a damaged value is recomputed
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        return found

    def put_many(self, fingerprint: str, items: Sequence[tuple[str, Any]]) -> None:
        """Store ``(key, value)`` pairs in one transaction: all of them or none."""
        if not items:
            return
        created = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)",
                    [(fingerprint, k, json.dumps(v), created) for k, v in items],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
