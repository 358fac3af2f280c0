"""The output cache: storage, fingerprints, and what a rerun does and does not recompute."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.run.cache import DATABASE_NAME, DEFAULT_CACHE_DIR, OutputCache, resolve_cache_dir
from harness.systems.base import System, SystemParams
from harness.systems.outputs import Outputs, OutputsParams
from harness.tasks import Task

from ..conftest import REPO

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


# --- the store -------------------------------------------------------------------------------


def test_outputs_round_trip_and_survive_reopening(tmp_path):
    with OutputCache(tmp_path) as cache:
        cache.put_many("fp-a", [("h1", "one"), ("h2", "")])
        assert cache.get_many("fp-a", ["h1", "h2", "h3"]) == {"h1": "one", "h2": ""}
        assert cache.get_many("fp-b", ["h1"]) == {}  # another system's outputs are not reused
    with OutputCache(tmp_path) as cache:
        assert cache.get_many("fp-a", ["h1"]) == {"h1": "one"}


def test_database_is_in_wal_mode(tmp_path):
    OutputCache(tmp_path).close()
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_batch_that_fails_midway_leaves_none_of_its_rows(tmp_path):
    """One BEGIN…COMMIT per batch: in autocommit mode the first rows would have stayed."""
    with OutputCache(tmp_path) as cache:
        cache.put_many("fp", [("kept", "from an earlier batch")])
        batch = [("h1", "one"), ("h2", "two"), ("h3", None), ("h4", "four")]  # h3: NOT NULL
        with pytest.raises(HarnessError, match="NOT NULL constraint failed"):  # one line
            cache.put_many("fp", batch)  # type: ignore[arg-type]
        assert cache.get_many("fp", ["kept", "h1", "h2", "h4"]) == {"kept": "from an earlier batch"}
        cache.put_many("fp", [("h5", "five")])  # the connection is usable after the rollback
    with OutputCache(tmp_path) as cache:  # and nothing of the failed batch was on disk
        assert cache.get_many("fp", ["h1", "h2", "h5"]) == {"h5": "five"}


def test_a_batch_is_one_transaction(tmp_path):
    """Another connection sees none of a batch until it is committed, then all of it."""
    with OutputCache(tmp_path) as cache:
        seen: list[int] = []
        original = cache._db

        class Spy:
            def __getattr__(self, name):
                return getattr(original, name)

            def executemany(self, sql, rows):
                result = original.executemany(sql, rows)
                with sqlite3.connect(tmp_path / DATABASE_NAME) as other:
                    seen.append(other.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])
                return result

        cache._db = Spy()  # type: ignore[assignment]
        cache.put_many("fp", [("h1", "one"), ("h2", "two")])
        cache._db = original
        assert seen == [0]
        assert cache.get_many("fp", ["h1", "h2"]) == {"h1": "one", "h2": "two"}


def test_many_keys_are_looked_up_in_chunks(tmp_path):
    pairs = [(f"h{i}", f"out {i}") for i in range(1234)]
    with OutputCache(tmp_path) as cache:
        cache.put_many("fp", pairs)
        assert cache.get_many("fp", [k for k, _ in pairs]) == dict(pairs)


def test_stats_and_clear(tmp_path):
    with OutputCache(tmp_path) as cache:
        cache.register("fp-a", "gemma", {"type": "hf-causal"})
        cache.put_many("fp-a", [("h1", "x"), ("h2", "y")])
        cache.put_many("fp-b", [("h1", "z")])
        stats = cache.stats()
        assert stats.outputs == 3
        assert [(s.fingerprint, s.name, s.outputs) for s in stats.systems] == [("fp-a", "gemma", 2)]
        assert stats.size_bytes > 0
        assert cache.clear() == 3
        assert cache.stats().outputs == 0
        assert cache.get_many("fp-a", ["h1"]) == {}


def test_unwritable_cache_folder_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(Exception, match="cannot open the output cache"):
        OutputCache(blocker / "cache")


def test_cache_dir_precedence(tmp_path):
    base = tmp_path / "configs"
    assert resolve_cache_dir(tmp_path / "opt", "c", base) == tmp_path / "opt"
    assert resolve_cache_dir(None, "c", base) == base / "c"
    assert resolve_cache_dir(None, "/abs/c", base) == Path("/abs/c")
    assert resolve_cache_dir(None, None, base) == DEFAULT_CACHE_DIR


# --- fingerprints ----------------------------------------------------------------------------


class Tunable(System):
    class Params(SystemParams):
        temperature: float = 0.0

    params_model = Params

    def generate(self, examples):
        return [e.source for e in examples]


def _tunable(**overrides) -> Tunable:
    values = {"name": "t", "type": "tunable", "task": Task.TRANSLATION, **overrides}
    return Tunable(Tunable.Params(**values), Path("."))


def test_fingerprint_covers_settings_but_not_name_or_timeout():
    base = _tunable().fingerprint()
    assert len(base) == 64
    assert _tunable(temperature=0.7).fingerprint() != base
    assert _tunable(batch_size=4).fingerprint() != base  # padding can change greedy outputs
    assert _tunable(name="renamed").fingerprint() == base
    assert _tunable(timeout=5).fingerprint() == base


def test_fingerprint_covers_the_backend_version():
    class Patched(Tunable):
        backend_version = "2"

    system = Patched(Tunable.Params(name="t", type="tunable", task=Task.TRANSLATION), Path("."))
    assert system.fingerprint() != _tunable().fingerprint()


def test_fingerprint_covers_library_versions():
    """A backend reports the versions of the libraries that compute its outputs (the hook
    llama.cpp or CTranslate2 backends fill in): an upgrade never reuses older outputs."""

    class Engine(Tunable):
        version = "1.0"

        def library_versions(self) -> dict[str, str]:
            return {"engine": self.version}

    def engine(version: str) -> Engine:
        system = Engine(Tunable.Params(name="t", type="tunable", task=Task.TRANSLATION), Path("."))
        system.version = version
        return system

    assert engine("1.0").fingerprint() == engine("1.0").fingerprint()
    assert engine("1.0").fingerprint() != engine("1.1").fingerprint()
    assert engine("1.0").fingerprint() != _tunable().fingerprint()


def test_a_system_without_libraries_keeps_its_fingerprint():
    """No ``libraries`` key when there are none: caches filled before the hook stay valid."""
    import hashlib

    identity = {"type": "tunable", "task": "translation", "batch_size": 16, "temperature": 0.0}
    document = {"backend_version": "1", "system": identity}
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
    assert _tunable(load_timeout=30).fingerprint() == hashlib.sha256(canonical.encode()).hexdigest()


def test_outputs_fingerprint_covers_the_file_content(tmp_path):
    path = tmp_path / "out.jsonl"
    line = {"article_id": "a", "segment_id": "title", "output": "x"}
    path.write_text(json.dumps(line) + "\n")
    params = OutputsParams(name="o", type="outputs", task=Task.TRANSLATION, path=str(path))
    first = Outputs(params, tmp_path)
    path.write_text(json.dumps({**line, "output": "y"}) + "\n")
    second = Outputs(params, tmp_path)
    assert first.describe()["sha256"] != second.describe()["sha256"]
    assert first.fingerprint() != second.fingerprint()
    assert second.input_files() == {str(path): second.describe()["sha256"]}


# --- reruns through the CLI ------------------------------------------------------------------


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    yield
    sys.modules.pop("counting_system", None)


def _config(tmp_path: Path, systems: list[dict]) -> Path:
    path = tmp_path / "run.yaml"
    data = {
        "name": "cached",
        "articles": str(REPO / "seeds"),
        "references": str(REPO / "references"),
        "cache_dir": "cache",
        "systems": systems,
        "metrics": ["chrf"],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _counting(name: str, calls: Path, **settings) -> dict:
    return {
        "name": name,
        "type": "counting_system:Counting",
        "task": "translation",
        "calls": str(calls),
        **settings,
    }


def _run(config: Path, out: Path, *options: str) -> dict:
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_unchanged_rerun_does_no_inference(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _config(tmp_path, [_counting("a", calls)])
    first = _run(config, tmp_path / "r1")
    assert len(_lines(calls)) == 9
    assert first["provenance"]["systems"]["a"]["counts"]["generated"] == 9
    assert first["provenance"]["cache"] == str(tmp_path / "cache" / DATABASE_NAME)

    second = _run(config, tmp_path / "r2")
    assert len(_lines(calls)) == 9  # not one more call
    counts = second["provenance"]["systems"]["a"]["counts"]
    assert counts == {"generated": 0, "cached": 9, "empty": 0, "missing": 0, "failed": 0}
    assert all(s["cached"] for s in second["segments"])
    assert [s["output"] for s in second["segments"]] == [s["output"] for s in first["segments"]]
    assert second["results"] == first["results"]


def test_changing_one_systems_setting_reruns_that_system_only(tmp_path, plugins):
    calls_a, calls_b = tmp_path / "a.txt", tmp_path / "b.txt"
    systems = [_counting("a", calls_a), _counting("b", calls_b)]
    _run(_config(tmp_path, systems), tmp_path / "r1")
    systems[1]["prefix"] = "v2: "
    report = _run(_config(tmp_path, systems), tmp_path / "r2")
    assert len(_lines(calls_a)) == 9 and len(_lines(calls_b)) == 18
    counts = {name: info["counts"] for name, info in report["provenance"]["systems"].items()}
    assert (counts["a"]["cached"], counts["a"]["generated"]) == (9, 0)
    assert (counts["b"]["cached"], counts["b"]["generated"]) == (0, 9)
    outputs_b = [s["output"] for s in report["segments"] if s["system"] == "b"]
    assert all(o.startswith("v2: ") for o in outputs_b)


def test_renaming_a_system_reuses_its_outputs(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    _run(_config(tmp_path, [_counting("a", calls)]), tmp_path / "r1")
    report = _run(_config(tmp_path, [_counting("renamed", calls)]), tmp_path / "r2")
    assert len(_lines(calls)) == 9
    assert report["provenance"]["systems"]["renamed"]["counts"]["cached"] == 9


def test_no_cache_neither_reads_nor_writes(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _config(tmp_path, [_counting("a", calls)])
    report = _run(config, tmp_path / "r1", "--no-cache")
    assert not (tmp_path / "cache").exists()
    assert report["provenance"]["cache"] is None
    _run(config, tmp_path / "r2")
    report = _run(config, tmp_path / "r3", "--no-cache")
    assert len(_lines(calls)) == 27
    assert report["provenance"]["systems"]["a"]["counts"]["cached"] == 0


def test_cache_dir_option_overrides_the_config(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _config(tmp_path, [_counting("a", calls)])
    _run(config, tmp_path / "r1", "--cache-dir", str(tmp_path / "other"))
    assert (tmp_path / "other" / DATABASE_NAME).is_file()
    assert not (tmp_path / "cache").exists()


def test_runs_without_cacheable_systems_create_no_cache(tmp_path):
    config = _config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    _run(config, tmp_path / "r1")
    assert not (tmp_path / "cache").exists()


def test_cache_stats_and_clear_commands(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _config(tmp_path, [_counting("a", calls, prefix="p")])
    _run(config, tmp_path / "r1")
    cache_dir = str(tmp_path / "cache")
    runner = CliRunner()
    stats = runner.invoke(app, ["cache", "stats", "--cache-dir", cache_dir])
    assert stats.exit_code == 0, stats.output
    assert "9 output(s), 1 system fingerprint(s)" in stats.output
    assert "counting_system:Counting" in stats.output
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", cache_dir])
    assert cleared.exit_code == 0 and "removed 9 output(s)" in cleared.output
    report = _run(config, tmp_path / "r2")
    assert report["provenance"]["systems"]["a"]["counts"]["generated"] == 9
    assert len(_lines(calls)) == 18


def test_cache_commands_on_a_missing_cache_are_one_line_errors(tmp_path):
    result = CliRunner().invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no output cache here" in result.output
    assert not (tmp_path / "none").exists()


# --- a damaged database ------------------------------------------------------------------------


def _damaged(tmp_path: Path, how: str) -> Path:
    """A cache folder whose database is garbage bytes or a real database cut short."""
    folder = tmp_path / "cache"
    with OutputCache(folder) as cache:  # a real database of several pages
        cache.put_many("f" * 64, [(f"{i:064d}", "output " * 40) for i in range(1000)])
    path = folder / DATABASE_NAME
    data = path.read_bytes()
    path.write_bytes(b"\x00garbage bytes\xff" * 500 if how == "garbage" else data[: len(data) // 2])
    return folder


@pytest.mark.parametrize(("how", "reason"), [("garbage", "file is not a database"), ("truncated", "malformed")])
def test_a_damaged_database_is_one_line_naming_the_file_and_the_fix(tmp_path, plugins, how, reason):
    folder = _damaged(tmp_path, how)
    config = _config(tmp_path, [_counting("a", tmp_path / "calls.txt")])
    runner = CliRunner()
    for command in (["run", str(config), "--out", str(tmp_path / "out")], ["cache", "stats"]):
        result = runner.invoke(app, [*command, "--cache-dir", str(folder)])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output
        assert f"{folder / DATABASE_NAME}: the output cache database is corrupted" in lines[0]
        assert reason in lines[0] and f"harness cache clear --cache-dir {folder}" in lines[0]
    # the fix it names works, and the next run starts from an empty cache
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(folder)])
    assert cleared.exit_code == 0 and "deleted the corrupted cache database" in cleared.output
    report = _run(config, tmp_path / "out2", "--cache-dir", str(folder))
    assert report["provenance"]["systems"]["a"]["counts"]["generated"] == 9


def test_damage_found_at_first_use_is_the_same_one_line_error(tmp_path):
    from harness.errors import HarnessError
    from harness.run.cache import CorruptCache

    with OutputCache(tmp_path) as cache:
        with pytest.raises(CorruptCache, match=r"corrupted \(database disk image is malformed\); delete it with `harness cache clear"):
            with cache.errors():
                raise sqlite3.DatabaseError("database disk image is malformed")
        with pytest.raises(HarnessError, match=r"output cache error: database is locked") as busy:
            with cache.errors():
                raise sqlite3.OperationalError("database is locked")
        assert not isinstance(busy.value, CorruptCache)  # not the file's fault: do not delete it


def test_empty_outputs_are_not_cached_as_successes(tmp_path, plugins):
    """Before: the empty reply was stored and reused on every rerun."""
    calls = tmp_path / "calls.txt"
    config = _config(tmp_path, [_counting("a", calls, empty_on=["title"])])
    first = _run(config, tmp_path / "r1")
    assert first["provenance"]["systems"]["a"]["counts"]["empty"] == 1 and len(_lines(calls)) == 9
    second = _run(config, tmp_path / "r2")
    assert _lines(calls)[9:] == ["000_e6a39a29327ab8d5/title"]  # asked again, only that one
    counts = second["provenance"]["systems"]["a"]["counts"]
    assert counts["cached"] == 8 and counts["empty"] == 1 and counts["generated"] == 0


def test_an_empty_output_stored_by_an_older_harness_is_retried(tmp_path):
    from harness.records import Example
    from harness.run.generation import _from_cache

    class Fake:
        name = "fake"

        def cache_input(self, example):
            return example.source

        def fingerprint(self):
            return "fp"

    class Item:
        def __init__(self, source):
            self.example = Example("c", Task.TRANSLATION, "a", source, source, ())

    from harness.run.cache import input_sha256

    with OutputCache(tmp_path) as cache:
        cache.put_many("fp", [(input_sha256("x"), ""), (input_sha256("y"), "why")])
        found = _from_cache(Fake(), [Item("x"), Item("y")], cache)  # type: ignore[arg-type]
    assert list(found) == [1] and found[1].output == "why"


def test_opening_reads_no_more_than_the_header(tmp_path, monkeypatch):
    """Before: every open ran PRAGMA quick_check, which reads the whole database (seconds on a
    large cache, every run); now only header pragmas run (benchmarks/bench_cache_open.py)."""
    import harness.run.cache as cache_module

    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        db = connect(*args, **kwargs)
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(cache_module.sqlite3, "connect", traced)
    OutputCache(tmp_path).close()
    statements.clear()
    OutputCache(tmp_path).close()
    assert not [s for s in statements if "check" in s.lower()], statements
