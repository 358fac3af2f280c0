"""``outputs``: scores outputs produced elsewhere, read from a file.

A ``.jsonl`` file has translation lines ``{"article_id", "segment_id", "output"}`` and summary
lines ``{"article_id", "output"}``; a line may add ``"corpus"`` when a run has several corpora
with the same ids. Any other file is plain text, one translation per line, aligned with a
line-aligned corpus: line N is the output for segment ``"N"``. An example without an output is
*missing*: it is counted, reported and scored as an empty output.

Misalignment never scores: a plain-text file must have exactly as many lines as its corpus
(counted before ``limit``/``sample``) and run on one corpus, and a JSONL file must cover exactly
the corpus's ids: a missing id, or a line for an id the corpus does not have, is an error naming
them (exit 2). ``allow_missing: true`` accepts missing ids, which then count as lost outputs
(status ``missing``, scored as empty, counted by the gate's ``max_failures``); a file matching
nothing at all still needs ``allow_empty: true``. Extra lines are only a warning when a
``limit``/``sample`` selected part of the corpus (the file may rightly hold the rest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.corpus.corpus import Corpus
from harness.errors import HarnessError
from harness.jsonl import read_jsonl, require_str
from harness.paths import resolve
from harness.provenance import file_sha256
from harness.records import Example, Task
from harness.systems.base import System, SystemParams, lost_outputs_warning

# (corpus, article_id, segment_id); None matches any corpus (or, for text files, any article)
OutputKey = tuple[str | None, str | None, str | None]


class OutputsParams(SystemParams):
    path: str
    #: accept a JSONL file that lacks some of the corpus's ids: they are lost outputs
    allow_missing: bool = False


class Outputs(System):
    params_model = OutputsParams
    params: OutputsParams
    # The file already stores the outputs; its sha256 is in the fingerprint all the same.
    cacheable = False

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self.path = resolve(self.params.path, base_dir)
        self.plain_text = self.path.suffix != ".jsonl"
        self._outputs = self._read()
        self.sha256 = file_sha256(self.path)

    def _read(self) -> dict[OutputKey, str]:
        if self.plain_text:
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
        return [None if key is None else self._outputs[key] for key in keys]

    def check_inputs(self, corpora: Sequence[Corpus], examples: Sequence[Example]) -> list[str]:
        """Refuse a file that cannot be aligned with the examples; warn about partial matches."""
        if self.plain_text:
            self._check_lines(corpora)
            return []
        keys = [self._lookup(example) for example in examples]
        matched = sum(key is not None for key in keys)
        warnings: list[str] = []
        errors: list[str] = []
        if examples and not matched:
            message = (
                f"{self.path}: none of its {len(self._outputs)} output line(s) matches any of "
                f"the {len(examples)} example(s) of system '{self.name}' "
                f"(the file has e.g. {_shown(self._outputs)}; the examples are e.g. "
                f"{', '.join(f'{e.corpus}:{e.where}' for e in examples[:3])})"
            )
            if not self.params.allow_empty:
                raise HarnessError(f"{message}; check the ids (or set allow_empty: true)")
            warnings.append(message)
        elif matched < len(examples):
            pairs = zip(examples, keys, strict=True)
            lost = [(example.where, "no output") for example, key in pairs if key is None]
            if not self.params.allow_missing:
                errors.append(
                    f"{len(lost)} id(s) of the corpus have no line: "
                    f"{', '.join(where for where, _ in lost[:5])}"
                    + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
                )
            warnings.append(lost_outputs_warning(self.name, "missing", lost))
        unused = sorted(self._outputs.keys() - set(keys), key=lambda k: tuple(map(str, k)))
        if unused:
            shown = ", ".join("/".join(p for p in key if p is not None) for key in unused[:5])
            more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
            if any(corpus.selection is None for corpus in corpora) and matched:
                errors.append(f"{len(unused)} line(s) name ids it does not have: {shown}{more}")
            warnings.append(
                f"{self.path}: {len(unused)} of {len(self._outputs)} output line(s) match no "
                f"example and were ignored: {shown}{more}"
            )
        if errors:
            raise HarnessError(
                f"{self.path}: does not cover exactly the ids of system '{self.name}''s corpus: "
                + "; ".join(errors)
                + " (set allow_missing: true to score missing ids as lost outputs)"
            )
        return warnings

    def _check_lines(self, corpora: Sequence[Corpus]) -> None:
        """A plain-text file is aligned by line number, so it needs exactly one line-aligned
        corpus with exactly as many lines: one line short would shift every later output."""
        if len(corpora) != 1:
            raise HarnessError(
                f"system '{self.name}': {self.path} is a plain-text outputs file, aligned by line "
                f"number with one corpus, but the system runs on {len(corpora)} corpora "
                f"({', '.join(c.name for c in corpora)}); name its corpus with corpora: [NAME]"
            )
        (corpus,) = corpora
        if corpus.line_count is None:
            raise HarnessError(
                f"system '{self.name}': {self.path} is a plain-text outputs file, aligned by line "
                f"number, but corpus '{corpus.name}' is not line-aligned (format: parallel); "
                'give its outputs as JSONL lines {"article_id", "segment_id", "output"}'
            )
        if len(self._outputs) != corpus.line_count:
            raise HarnessError(
                f"{self.path}: {len(self._outputs)} line(s), but corpus '{corpus.name}' has "
                f"{corpus.line_count} (counted before limit/sample); line N is the output for "
                "line N, so every line after a missing or extra one would be misaligned"
            )


def _shown(outputs: dict[OutputKey, str], count: int = 3) -> str:
    """The first few keys of an outputs file, as ``[corpus:]article/segment``."""
    shown = []
    for corpus, article_id, segment_id in list(outputs)[:count]:
        where = "/".join(p for p in (article_id, segment_id) if p is not None)
        shown.append(where if corpus is None else f"{corpus}:{where}")
    return ", ".join(shown) or "nothing: it is empty"
