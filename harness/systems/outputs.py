"""``outputs``: scores outputs produced elsewhere, read from a JSONL file.

Translation lines are ``{"article_id", "segment_id", "output"}``; summary lines are
``{"article_id", "output"}``. An example without a line is *missing*: it is counted, reported
and scored as an empty output.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.jsonl import read_jsonl, require_str
from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task

OutputKey = tuple[str, str | None]


class OutputsParams(SystemParams):
    path: str


class Outputs(System):
    params_model = OutputsParams
    params: OutputsParams
    # The file already stores the outputs; its sha256 is in the fingerprint all the same.
    cacheable = False

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        path = Path(self.params.path)
        self.path = path if path.is_absolute() else base_dir / path
        self._outputs = self._read()
        self._used: set[OutputKey] = set()
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()

    def _read(self) -> dict[OutputKey, str]:
        outputs: dict[OutputKey, str] = {}
        for number, obj in read_jsonl(self.path):
            article_id = require_str(self.path, number, obj, "article_id")
            output = require_str(self.path, number, obj, "output")
            segment_id: str | None = None
            if self.task is Task.TRANSLATION:
                segment_id = require_str(self.path, number, obj, "segment_id")
            key = (article_id, segment_id)
            if key in outputs:
                where = article_id if segment_id is None else f"{article_id}/{segment_id}"
                raise HarnessError(f"{self.path}:{number}: second output for {where}")
            outputs[key] = output
        return outputs

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "sha256": self.sha256}

    def input_files(self) -> list[Path]:
        return [self.path]

    def cache_input(self, example: Example) -> str:
        # Outputs are looked up by id, not by source text.
        return json.dumps([example.article_id, example.segment_id])

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        keys = [(e.article_id, e.segment_id) for e in examples]
        self._used.update(keys)
        return [self._outputs.get(key) for key in keys]

    def finish(self) -> list[str]:
        unused = sorted(self._outputs.keys() - self._used, key=lambda k: (k[0], k[1] or ""))
        if not unused:
            return []
        shown = ", ".join(a if s is None else f"{a}/{s}" for a, s in unused[:5])
        more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
        return [
            f"{self.path}: {len(unused)} output line(s) match no example and were ignored: "
            f"{shown}{more}"
        ]
