"""Plain-text sides of parallel corpora are read without ``datasets``, line for line as its
text reader reads them (the reference: what earlier runs read, hashed and scored)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.corpus.parallel import read_lines
from harness.errors import HarnessError

from ..conftest import REPO, SHARED


def _datasets_lines(path: Path) -> list[str]:
    import datasets

    datasets.disable_progress_bars()
    if path.stat().st_size == 0:
        return []  # datasets cannot infer a schema from no rows
    table = datasets.load_dataset("text", data_files=str(path), split="train", cache_dir=None)
    return table.data.column("text").to_pylist()


CASES = {
    "plain": "one\ntwo\nthree\n",
    "no final newline": "one\ntwo",
    "empty lines": "\n\nmiddle\n\n",
    "windows line ends": "one\r\ntwo\r\n",
    "byte-order mark": "\ufeffone\ntwo\n",
    "arabic and spaces": "  مرحبا بالعالم  \n\tالسطر الثاني\t\n",
    "unicode separators": "a\u2028b\x0bc\x1cd\u0085e\n",
    "empty": "",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_the_lines_are_datasets_lines(tmp_path: Path, text: str) -> None:
    path = tmp_path / "side.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_lines(path) == _datasets_lines(path)


@pytest.mark.parametrize(
    "name", ["flores/flores101.devtest.ara", "tatoeba/tatoeba-test-v2021-08-07.eng"]
)
def test_real_test_sets(shared: Path, name: str) -> None:
    path = shared / "external" / name
    assert read_lines(path) == _datasets_lines(path)


def test_a_lone_carriage_return_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "side.txt"
    path.write_bytes(b"one\rtwo\n")
    with pytest.raises(HarnessError, match="carriage returns"):
        read_lines(path)


def test_bad_utf8_and_missing_files_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "side.txt"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(HarnessError, match="not valid UTF-8"):
        read_lines(path)
    with pytest.raises(HarnessError, match="file not found"):
        read_lines(tmp_path / "absent.txt")


def test_a_parallel_corpus_does_not_import_datasets(tmp_path: Path) -> None:
    flores = SHARED / "external" / "flores"
    config = tmp_path / "c.yaml"
    config.write_text(
        "corpus:\n"
        f"  - {{name: f, format: parallel, source: {flores}/flores101.devtest.ara,"
        f" references: [{flores}/flores101.devtest.eng], limit: 5}}\n"
        "systems: [{name: copy, type: identity, task: translation}]\nmetrics: [bleu]\n",
        encoding="utf-8",
    )
    code = (
        "import sys\nfrom pathlib import Path\nfrom harness.config import load_config\n"
        "from harness.run.evaluate import prepare\n"
        f"prepare(load_config(Path({str(config)!r})))\n"
        "print('datasets' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"},
    )
    assert out.stdout.split() == ["False", "False"]
