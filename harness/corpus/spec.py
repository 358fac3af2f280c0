"""Corpus entries of a run config (``corpus:``), one pydantic model per ``format``.

```yaml
corpus:
  - {name: seed, format: seed, path: seeds/, references: references/}
  - {name: flores101-devtest, format: parallel, source: PATH.ara, references: [PATH.eng]}
  - {name: ntrex, format: parallel, source: SRC, references: [REF], doc_ids: DOCUMENT_IDS.tsv}
  - {name: xlsum-ar, format: jsonl, path: PATH.jsonl, fields: {text: text, summary: summary}}
  - {name: xlsum-hub, format: hub, dataset: csebuetnlp/xlsum, config: arabic, split: test}
```

A side of a parallel corpus is a local file or a hub dataset column
(``{hub: ID, config: NAME, split: SPLIT, field: COLUMN}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.paths import resolve


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sample(_Strict):
    n: int = Field(ge=1)
    seed: int = 0


class HubColumn(_Strict):
    """One text column of a Hugging Face hub dataset, read in row order."""

    hub: str
    config: str | None = None
    split: str
    field: str
    revision: str | None = None


class Fields(_Strict):
    """Which record fields hold an article's id, title, body and reference summary."""

    id: str = "id"
    title: str | None = "title"
    text: str = "text"
    summary: str = "summary"


class CorpusEntry(_Strict):
    """What every ``corpus:`` entry has; each format's model adds ``format`` (a literal) and
    its own keys (see :mod:`harness.corpus.formats`)."""

    name: str = Field(min_length=1)
    limit: int | None = Field(default=None, ge=1)
    sample: Sample | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> CorpusEntry:
        if self.limit is not None and self.sample is not None:
            raise ValueError("use either 'limit' or 'sample', not both")
        return self


class SeedCorpus(CorpusEntry):
    format: Literal["seed"]
    path: str
    references: str | None = None


class ParallelCorpus(CorpusEntry):
    format: Literal["parallel"]
    source: str | HubColumn
    references: list[str | HubColumn] = Field(min_length=1)
    doc_ids: str | None = None


class CollectionCorpus(CorpusEntry):
    format: Literal["jsonl", "csv", "parquet"]
    path: str
    fields: Fields = Field(default_factory=Fields)


class HubCollection(CorpusEntry):
    format: Literal["hub"]
    dataset: str
    config: str | None = None
    split: str = "test"
    revision: str | None = None
    fields: Fields = Field(default_factory=Fields)


CorpusSpec = SeedCorpus | ParallelCorpus | CollectionCorpus | HubCollection

_PATH_KEYS = ("path", "source", "references", "doc_ids")


def absolute_paths(spec: CorpusEntry, base_dir: Path) -> dict[str, object]:
    """The spec as a plain dict with every local path made absolute (for resolved configs)."""

    def absolute(value: object) -> object:
        if isinstance(value, str):
            return str(resolve(value, base_dir).resolve())
        if isinstance(value, list):
            return [absolute(v) for v in value]
        return value  # a hub column stays as it is

    data = spec.model_dump(mode="json", exclude_none=True)
    return {key: absolute(value) if key in _PATH_KEYS else value for key, value in data.items()}
