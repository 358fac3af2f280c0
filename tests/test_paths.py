"""Config paths: one rule everywhere (``~`` expanded, relative = under the config's folder)."""

from __future__ import annotations

from pathlib import Path

from harness.corpus.spec import SeedCorpus, absolute_paths
from harness.paths import resolve


def test_resolve(tmp_path):
    assert resolve("seeds/", tmp_path) == tmp_path / "seeds"
    assert resolve("~/data", tmp_path) == Path.home() / "data"
    assert resolve(str(tmp_path / "x"), Path("/elsewhere")) == tmp_path / "x"


def test_run_folder_config_names_the_files_that_were_read(tmp_path):
    spec = SeedCorpus(name="s", format="seed", path="~/news", references="refs")
    recorded = absolute_paths(spec, tmp_path)
    assert recorded["path"] == str(resolve(spec.path, tmp_path).resolve())
    assert recorded["path"] == str((Path.home() / "news").resolve())
    assert recorded["references"] == str((tmp_path / "refs").resolve())
