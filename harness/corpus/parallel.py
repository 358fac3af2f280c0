"""Line-aligned parallel test sets (FLORES, NTREX, Tatoeba, TICO-19): a source file, one or
more reference files, and optionally a document-id file that groups lines into articles.

Segment ids are the 1-based line numbers, as strings, so outputs and scores can be matched
back to the files. Without a document-id file the whole set is one article named after the
corpus. Files are read as ``datasets``' text reader reads them (universal newlines, split on
``\n``) without importing it; a file whose line count differs from the source's is an error,
never a silent misalignment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from harness.corpus.article import Article, Segment, SegmentKind
from harness.corpus.corpus import Corpus
from harness.corpus.hub import stream_hub
from harness.corpus.selection import describe_selection, select_indices
from harness.corpus.spec import HubColumn, ParallelCorpus
from harness.errors import HarnessError
from harness.paths import resolve
from harness.provenance import file_sha256
from harness.text.langid import detect_lang


def _newline_count(path: Path) -> int:
    """Lines as ``wc -l`` counts them, plus a last line without a newline."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, split on newlines only (as `wc -l` counts them)."""
    if not path.is_file():
        raise HarnessError(f"{path}: file not found")
    try:  # universal newlines, then split on "\n": datasets' text reader, without its import
        with path.open(encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
    except UnicodeDecodeError:
        raise HarnessError(f"{path}: not valid UTF-8") from None
    expected = _newline_count(path)
    if len(lines) != expected:
        raise HarnessError(
            f"{path}: {expected} lines by newline but {len(lines)} after reading; "
            "it contains carriage returns inside lines, which would misalign segments"
        )
    return lines


def _hub_lines(column: HubColumn) -> list[str]:
    lines = []
    for number, row in enumerate(
        stream_hub(column.hub, column.config, column.split, column.revision), start=1
    ):
        if column.field not in row:
            raise HarnessError(
                f"hub dataset '{column.hub}': row {number}: no field '{column.field}'"
            )
        lines.append(str(row[column.field]))
    return lines


def read_side(side: str | HubColumn, base: Path, corpus: Corpus) -> tuple[list[str], str]:
    """The lines of one side and a label for messages; records file hashes in ``corpus``."""
    if isinstance(side, HubColumn):
        label = f"{side.hub}{f'/{side.config}' if side.config else ''}:{side.split}:{side.field}"
        return _hub_lines(side), label
    path = resolve(side, base)
    lines = read_lines(path)
    corpus.files[str(path)] = file_sha256(path)
    return lines, str(path)


def _doc_ids(spec: str, base: Path, corpus: Corpus) -> list[str]:
    path = resolve(spec, base)
    ids = [line.split("\t", 1)[0].strip() for line in read_lines(path)]
    corpus.files[str(path)] = file_sha256(path)
    return ids


def _group(ids: list[str], indices: list[int]) -> Iterator[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for index in indices:
        groups.setdefault(ids[index], []).append(index)
    yield from groups.items()


def load_parallel(spec: ParallelCorpus, base: Path) -> Corpus:
    corpus = Corpus(name=spec.name, articles=[], references={})
    source, source_label = read_side(spec.source, base, corpus)
    if not source:
        raise HarnessError(f"corpus '{spec.name}': source {source_label} has no lines")
    streams = []
    for side in spec.references:
        lines, label = read_side(side, base, corpus)
        if len(lines) != len(source):
            raise HarnessError(
                f"corpus '{spec.name}': ragged line counts: source {source_label} has "
                f"{len(source)} lines, reference {label} has {len(lines)}"
            )
        streams.append(lines)
    doc_ids = [spec.name] * len(source)
    if spec.doc_ids is not None:
        doc_ids = _doc_ids(spec.doc_ids, base, corpus)
        if len(doc_ids) != len(source):
            raise HarnessError(
                f"corpus '{spec.name}': ragged line counts: source {source_label} has "
                f"{len(source)} lines, doc_ids {spec.doc_ids} has {len(doc_ids)}"
            )

    corpus.line_count = len(source)
    indices = select_indices(len(source), spec.limit, spec.sample, f"corpus '{spec.name}'")
    assert corpus.references is not None
    for article_id, members in _group(doc_ids, indices):
        segments = []
        for index in members:
            segment_id = str(index + 1)
            text = source[index]
            segments.append(
                Segment(article_id, segment_id, SegmentKind.SENTENCE, detect_lang(text), text)
            )
            corpus.references[(article_id, segment_id)] = tuple(stream[index] for stream in streams)
        corpus.articles.append(Article(article_id, tuple(segments), source_label))
    corpus.selection = describe_selection(
        len(source), [str(i + 1) for i in indices], spec.limit, spec.sample
    )
    return corpus
