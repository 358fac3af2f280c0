"""Opening a large output cache: the constant-cost open against a full ``PRAGMA quick_check``.

Builds a cache of about ``--megabytes`` MB (outputs of 1 KB under random input hashes, written
through ``OutputCache.put_many`` in batches), then, side by side on the same file with a cold
and a warm OS page cache: the time of ``OutputCache(folder)`` (this checkout: header pragmas and
a size check) and of ``PRAGMA quick_check`` on the same database (what every open ran before).

    .venv/bin/python benchmarks/bench_cache_open.py [--megabytes 1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import time
from pathlib import Path

from harness.run.cache import DATABASE_NAME, OutputCache


def build(folder: Path, megabytes: int) -> None:
    if (folder / DATABASE_NAME).is_file():
        return
    rows = megabytes * 1024  # about 1 KB a row
    text = "word " * 200
    with OutputCache(folder) as cache:
        for start in range(0, rows, 20_000):
            batch = [
                (hashlib.sha256(str(i).encode()).hexdigest(), f"{i} {text}")
                for i in range(start, min(rows, start + 20_000))
            ]
            cache.put_many("f" * 64, batch)
    with sqlite3.connect(folder / DATABASE_NAME) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/bench-cache-open"))
    args = parser.parse_args()
    build(args.folder, args.megabytes)
    size = (args.folder / DATABASE_NAME).stat().st_size / 2**20

    def quick_check() -> None:
        with sqlite3.connect(args.folder / DATABASE_NAME) as db:
            assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    opens, checks = [], []
    for _ in range(args.rounds):
        opens.append(_timed(lambda: OutputCache(args.folder).close()))
        checks.append(_timed(quick_check))
    print(f"cache of {size:.0f} MiB ({args.folder / DATABASE_NAME}), {args.rounds} rounds:")
    print(f"  OutputCache open (header + size check): median {statistics.median(opens)*1e3:.1f} ms")
    print(f"  PRAGMA quick_check (every open before):  median {statistics.median(checks):.2f} s")


if __name__ == "__main__":
    main()
