"""The four plug-in tables answer the same way: built-ins by name, "did you mean" for a typo,
and a one-line error for an import path that is not the right kind of class."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import EXECUTORS, load_config
from harness.corpus.formats import CORPUS_FORMATS
from harness.errors import HarnessError
from harness.metrics import METRICS
from harness.systems import SYSTEMS

from .conftest import REPO


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(body, encoding="utf-8")
    return path


SEED = f"articles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
COPY = "systems: [{name: copy, type: identity, task: translation}]\n"


def test_every_table_has_an_entry_point_group() -> None:
    groups = {t.entry_point_group for t in (SYSTEMS, METRICS, CORPUS_FORMATS, EXECUTORS)}
    assert groups == {"harness.systems", "harness.metrics", "harness.corpus_formats",
                      "harness.executors"}
    assert {"seed", "parallel", "jsonl", "csv", "parquet", "hub"} <= set(CORPUS_FORMATS.names())
    assert {"local", "ray"} <= set(EXECUTORS.names())


def test_a_misspelt_corpus_format_gets_a_suggestion(tmp_path: Path) -> None:
    path = _config(tmp_path, "corpus: [{name: x, format: jsnol, path: x.jsonl}]\n" + COPY)
    with pytest.raises(HarnessError, match=r"c.yaml:1: .*unknown corpus format 'jsnol'.*'jsonl'"):
        load_config(path)


def test_a_misspelt_executor_gets_a_suggestion(tmp_path: Path) -> None:
    path = _config(tmp_path, SEED + COPY + "executor: {type: rey}\n")
    with pytest.raises(HarnessError, match=r"unknown executor 'rey'.*did you mean 'ray'"):
        load_config(path)


def test_ray_keys_need_the_ray_executor(tmp_path: Path) -> None:
    path = _config(tmp_path, SEED + COPY + "executor: {type: local, num_actors: 2}\n")
    with pytest.raises(HarnessError, match="num_actors: only for executor type 'ray'"):
        load_config(path)


def test_an_import_path_that_is_not_a_corpus_format_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, "corpus: [{name: x, format: 'pathlib:Path'}]\n" + COPY)
    with pytest.raises(HarnessError, match="'pathlib:Path' is not a CorpusFormat subclass"):
        load_config(path)


def test_an_import_path_that_is_not_an_executor_is_refused(tmp_path: Path) -> None:
    from harness.run.executors import make_executor

    config = load_config(_config(tmp_path, SEED + COPY + "executor: {type: 'pathlib:Path'}\n"))
    with pytest.raises(HarnessError, match="executor 'pathlib:Path' is not an Executor subclass"):
        make_executor(config.executor)
