"""Plug-in systems named by import path (``module:Class``) in a config."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from harness.config import load_config
from harness.errors import HarnessError
from harness.registry import Registry

from .conftest import REPO

PLUGINS = Path(__file__).resolve().parent / "plugins"


def _config(tmp_path: Path, system_type: str) -> Path:
    path = tmp_path / "plugin.yaml"
    system = {"name": "p", "type": system_type, "task": "translation", "calls": "calls.txt"}
    data = {"articles": str(REPO / "seeds"), "references": str(REPO / "references"),
            "systems": [system]}  # fmt: skip
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_plugin_is_loaded_by_import_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    config = load_config(_config(tmp_path, "counting_system:Counting"))
    (params,) = config.systems
    assert type(params).__name__ == "CountingParams"
    assert params.calls == "calls.txt"
    sys.modules.pop("counting_system", None)


@pytest.mark.parametrize(
    ("system_type", "message"),
    [
        ("no_such_module:Thing", "cannot import system type 'no_such_module:Thing'"),
        ("counting_system:Nope", "module 'counting_system' has no attribute 'Nope'"),
        ("counting_system:expected_output", "'counting_system:expected_output' is not a System"),
    ],
)
def test_a_bad_plugin_path_is_a_one_line_error_naming_the_line(
    tmp_path, monkeypatch, system_type, message
):
    monkeypatch.syspath_prepend(str(PLUGINS))
    path = _config(tmp_path, system_type)
    with pytest.raises(HarnessError) as error:
        load_config(path)
    text = str(error.value)
    assert text.startswith(f"{path}:5: systems[0].type: ")
    assert message in text
    assert "\n" not in text
    sys.modules.pop("counting_system", None)


def test_registry_knows_names_and_import_paths():
    registry: Registry[object] = Registry("thing")
    registry.register("json", "json:dumps")
    assert registry.knows("json") and registry.knows("os.path:join")
    assert not registry.knows("jsno") and not registry.knows(":x") and not registry.knows("x:")
    import os.path

    assert registry.get("os.path:join") is os.path.join
    with pytest.raises(HarnessError, match="did you mean 'json'"):
        registry.get("jsno")
