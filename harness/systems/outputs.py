"""``outputs``: scores outputs produced elsewhere, read from a file.

A ``.jsonl`` file has translation lines ``{"article_id", "segment_id", "output"}`` and summary
lines ``{"article_id", "output"}``; a line may add ``"corpus"`` when a run has several corpora
with the same ids. Any other file is plain text, one translation per line, aligned with a
line-aligned corpus: line N is the output for segment ``"N"``. An example without an output is
*missing*: it is counted, reported and scored as an empty output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.jsonl import read_jsonl, require_str
from harness.paths import resolve
from harness.provenance import file_sha256
from harness.records import Example, Task
from harness.systems.base import System, SystemParams

# (corpus, article_id, segment_id); None matches any corpus (or, for text files, any article)
OutputKey = tuple[str | None, str | None, str | None]


class OutputsParams(SystemParams):
    path: str


class Outputs(System):
    params_model = OutputsParams
    params: OutputsParams
    # The file already stores the outputs; its sha256 is in the fingerprint all the same.
    cacheable = False

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self.path = resolve(self.params.path, base_dir)
        self._outputs = self._read()
        self._used: set[OutputKey] = set()
        self.sha256 = file_sha256(self.path)

    def _read(self) -> dict[OutputKey, str]:
        if self.path.suffix != ".jsonl":
            return self._read_text()
        outputs: dict[OutputKey, str] = {}
        for number, obj in read_jsonl(self.path):
            article_id = require_str(self.path, number, obj, "article_id")
            output = require_str(self.path, number, obj, "output")
            corpus = require_str(self.path, number, obj, "corpus") if "corpus" in obj else None
            segment_id: str | None = None
            if self.task is Task.TRANSLATION:
                segment_id = require_str(self.path, number, obj, "segment_id")
            key = (corpus, article_id, segment_id)
            if key in outputs:
                where = article_id if segment_id is None else f"{article_id}/{segment_id}"
                raise HarnessError(f"{self.path}:{number}: second output for {where}")
            outputs[key] = output
        return outputs

    def _read_text(self) -> dict[OutputKey, str]:
        if self.task is not Task.TRANSLATION:
            raise HarnessError(
                f"{self.path}: a plain-text outputs file holds translations, one per line; "
                'give summaries as JSONL lines {"article_id", "output"}'
            )
        if not self.path.is_file():
            raise HarnessError(f"{self.path}: cannot read: No such file")
        from harness.corpus.parallel import read_lines

        return {(None, None, str(n)): line for n, line in enumerate(read_lines(self.path), 1)}

    def _lookup(self, example: Example) -> OutputKey | None:
        for key in (
            (example.corpus, example.article_id, example.segment_id),
            (None, example.article_id, example.segment_id),
            (None, None, example.segment_id),
        ):
            if key in self._outputs:
                return key
        return None

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "sha256": self.sha256}

    def input_files(self) -> dict[str, str]:
        return {str(self.path): self.sha256}

    def cache_input(self, example: Example) -> str:
        # Outputs are looked up by id, not by source text.
        return json.dumps([example.article_id, example.segment_id])

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        keys = [self._lookup(e) for e in examples]
        self._used.update(k for k in keys if k is not None)
        return [None if key is None else self._outputs[key] for key in keys]

    def finish(self) -> list[str]:
        unused = sorted(self._outputs.keys() - self._used, key=lambda k: tuple(str(p) for p in k))
        if not unused:
            return []
        shown = ", ".join("/".join(p for p in key if p is not None) for key in unused[:5])
        more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
        return [
            f"{self.path}: {len(unused)} output line(s) match no example and were ignored: "
            f"{shown}{more}"
        ]
