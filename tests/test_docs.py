"""Every example in README.md and docs/*.md runs, so the docs cannot rot.

The convention is in :mod:`tests.docs_blocks` and docs/extending.md: configs go through
``harness validate``, ``harness`` commands run (or, marked ``parse-only``, are parsed by the
CLI), Python is executed, TOML parsed, gate files and pytest specs loaded. A block that cannot
run says why in its marker; nothing is left out silently.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from harness.cli import app

from .docs_blocks import DOC_FILES, REPO, Block, all_blocks, blocks

BLOCKS = all_blocks()

#: pages linked before they exist (none now: every page of the Documentation table is written)
PENDING_PAGES: set[str] = set()

#: what a yaml block is laid over: the seed, and one system (the block's keys win)
BASE_CONFIG = {
    "name": "docs-example",
    "articles": "../seeds/",
    "references": "../references/",
    "systems": [{"name": "copy", "type": "identity", "task": "translation"}],
}


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working copy of the repository (links to its folders) with ../shared beside it, as
    the working folder: what a command writes (runs/, .cache/) lands here, not in the repo."""
    tree = tmp_path / "repo"
    tree.mkdir()
    for entry in REPO.iterdir():
        if entry.name == "configs":  # a copy: the examples write configs there
            shutil.copytree(entry, tree / entry.name)
        elif entry.name not in {".git", ".venv", "runs", ".cache", ".pytest_cache"}:
            (tree / entry.name).symlink_to(entry)
    shared = REPO.parent / "shared"
    if shared.exists():
        (tmp_path / "shared").symlink_to(shared)
    monkeypatch.chdir(tree)
    return tree


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, args, catch_exceptions=False)


def _harness_args(block: Block, command: str) -> list[str]:
    args = shlex.split(command)
    if not args or args[0] != "harness":
        pytest.fail(
            f"{block.id}: '{command}' is not a harness command; mark the block "
            "'<!-- docs-test: skip REASON -->' if it cannot run here"
        )
    return args[1:]


def test_every_fence_is_well_formed() -> None:
    for path in DOC_FILES:
        blocks(path)  # raises on an unknown language or mode, a missing reason, an open fence
    for block in BLOCKS:
        if block.mode == "display":
            assert not re.search(r"^\$ harness", block.text, re.M), (
                f"{block.id}: a harness command in a text block; use a console block"
            )


def test_the_readme_fits_on_a_page() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


def _config_validates(block: Block, scratch: Path) -> None:
    given = yaml.safe_load(block.text)
    assert isinstance(given, dict), f"{block.id}: a config block must be a mapping"
    config = {**BASE_CONFIG, **given}
    if "corpus" in given:
        del config["articles"], config["references"]
    path = scratch / "configs" / "docs-example.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = _invoke(["validate", str(path)])
    assert result.exit_code == 0, f"{block.id}:\n{result.output}"


def _gate_file_loads(block: Block, tmp_path: Path) -> None:
    from harness.verdicts.gate.rules import load_gate

    path = tmp_path / "gate.yaml"
    path.write_text(block.text, encoding="utf-8")
    gate = load_gate(path)
    assert gate.metrics, block.id


def _pytest_spec_loads(block: Block, tmp_path: Path, runs: dict[str, Path]) -> None:
    """The spec's layout is the one the docs show: configs/, baselines/, tests/."""
    from harness.verdicts.gate.specs import load_spec

    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "mt.yaml").write_text(
        yaml.safe_dump({**BASE_CONFIG, "articles": str(REPO / "seeds"),
                        "references": str(REPO / "references")}),
        encoding="utf-8",
    )
    (tmp_path / "baselines" / "mt").mkdir(parents=True)
    shutil.copy(runs["base"] / "report.json", tmp_path / "baselines" / "mt" / "report.json")
    (tmp_path / "tests").mkdir()
    path = tmp_path / "tests" / "harness_mt.yaml"
    path.write_text(block.text, encoding="utf-8")
    spec = load_spec(path)
    assert spec.config is not None and spec.config.is_file(), block.id
    assert spec.gate.metrics, block.id


def _commands_run(block: Block, scratch: Path) -> None:
    commands = block.commands()
    assert commands, f"{block.id}: a command block without commands"
    for command in commands:
        result = _invoke(_harness_args(block, command))
        assert result.exit_code == 0, f"{block.id}: $ {command}\n{result.output}"


def _command(words: list[str]) -> tuple[Any, Any]:
    """The command that ``words`` name (typer's own click: duck-typed) and its parent context;
    the command's words are taken off ``words``."""
    command, context = typer.main.get_command(app), None
    while hasattr(command, "list_commands"):  # a group: the next word names a subcommand
        context = command.context_class(command, parent=context)
        found = command.get_command(context, words.pop(0))
        assert found is not None, f"no such command in {command.list_commands(context)}"
        command = found
    return command, context


def _parse(args: list[str]) -> None:
    """What the CLI does before running a command: find it and parse its arguments (unknown
    options, missing arguments and bad choices raise click's UsageError)."""
    command, context = _command(args)
    command.make_context(command.name or "", args, parent=context)


def _commands_parse(block: Block) -> None:
    commands = block.commands()
    assert commands, f"{block.id}: a command block without commands"
    for command in commands:
        _parse(_harness_args(block, command))


def _python_runs(block: Block) -> None:
    exec(compile(block.text, block.id, "exec"), {"__name__": "docs_example"})


def _toml_parses(block: Block) -> None:
    assert tomllib.loads(block.text), block.id


COMMANDS = {"console", "sh", "bash"}


def _tested_how(block: Block) -> str | None:
    """Which check runs the block; None for one no check runs."""
    if block.language == "yaml" and block.mode in {"run", "gate", "spec"}:
        return f"yaml-{block.mode}"
    if block.language in COMMANDS and block.mode in {"run", "parse-only"}:
        return f"commands-{block.mode}"
    if block.language in {"python", "toml"} and block.mode == "run":
        return block.language
    return None


#: every block a check runs; skipped blocks (with their reasons) and displays are not items,
#: plug-in files are run by tests/test_plugin_package.py
RUNNABLE = [pytest.param(b, id=b.id) for b in BLOCKS if _tested_how(b) is not None]


@pytest.mark.parametrize("block", RUNNABLE)
def test_example(block: Block, request: pytest.FixtureRequest) -> None:
    how = _tested_how(block)
    if how == "yaml-run":
        _config_validates(block, request.getfixturevalue("scratch"))
    elif how == "yaml-gate":
        _gate_file_loads(block, request.getfixturevalue("tmp_path"))
    elif how == "yaml-spec":
        tmp_path = request.getfixturevalue("tmp_path")
        _pytest_spec_loads(block, tmp_path, request.getfixturevalue("runs"))
    elif how == "commands-run":
        _commands_run(block, request.getfixturevalue("scratch"))
    elif how == "commands-parse-only":
        _commands_parse(block)
    elif how == "python":
        _python_runs(block)
    else:
        _toml_parses(block)


def test_no_block_is_left_out_silently() -> None:
    """Each block is run by test_example, or is a display, a plug-in file or says why not."""
    for block in BLOCKS:
        if block.mode == "skip":
            assert block.argument, block.id
        elif block.mode == "file":
            assert block.path.name == "extending.md", f"{block.id}: plug-in files live there"
        elif block.mode != "display":
            assert _tested_how(block) is not None, (
                f"{block.id}: no check runs a '{block.language}' block in mode '{block.mode}'"
            )


_SYNOPSIS = re.compile(r"^\| `(harness [^`]*)`(?: / `(harness [^`]*)`)? \|", re.M)


def test_the_commands_table_names_real_commands_and_options() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    synopses = [s for match in _SYNOPSIS.finditer(readme) for s in match.groups() if s]
    assert len(synopses) >= 12
    for synopsis in synopses:
        words = synopsis.replace("[", " ").replace("]", " ").replace("\\|", "|").split()[1:]
        command, _ = _command(words)
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        for word in words:
            if word.startswith("--"):
                assert word in options, f"{synopsis}: {command.name} has no option {word}"


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {_slug(m) for m in re.findall(r"^#+ (.*)$", text, re.M)}


def test_links_resolve() -> None:
    for page in DOC_FILES:
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        for target in _LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            file, _, anchor = target.partition("#")
            path = (page.parent / file).resolve() if file else page
            where = f"{page.relative_to(REPO)}: link {target}"
            if not path.exists():
                assert str(path.relative_to(REPO)) in PENDING_PAGES, f"{where}: no such file"
                continue
            if anchor:
                assert anchor in _anchors(path), f"{where}: no such heading"


def test_every_slow_file_exists() -> None:
    """`make check` leaves out the files conftest.SLOW_FILES names: a renamed file would
    silently join the fast loop, so each must exist."""
    from .conftest import SLOW_FILES

    for name in SLOW_FILES:
        assert (REPO / "tests" / name).is_file(), name
