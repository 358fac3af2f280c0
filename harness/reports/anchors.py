"""The HTML id of a segment's row in report.html's side-by-side view, so other pages (a
comparison's largest differences) can link straight to it."""

from __future__ import annotations

import hashlib


def segment_anchor(corpus: str | None, task: str, article_id: str, segment_id: str | None) -> str:
    """``seg-`` and a short hash of the row's identity: ids from a corpus may hold any
    character, and an HTML id must not."""
    key = "\x1f".join((corpus or "", task, article_id, segment_id or ""))
    return "seg-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
