"""`harness leaderboard`: one table across runs and systems, with CIs and comparability notes."""

from __future__ import annotations

import copy
import json
import re

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.reports.leaderboard import build_leaderboard, load_run, load_runs, render_markdown

from .html.reports import EVIL_SYSTEM, make_report, without_statistics


def write_run(folder, report):
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return folder


@pytest.fixture
def two_runs(tmp_path):
    first = make_report(with_statistics=True)
    second = without_statistics(make_report())
    for result in second["results"]:
        result["score"] += 1.0
    return [write_run(tmp_path / "run-a", first), write_run(tmp_path / "run-b", second)]


def test_rows_for_every_run_and_system_best_first(two_runs):
    board = build_leaderboard(load_runs(two_runs))
    assert board.header[:5] == ["run", "corpus", "task", "system", "n"]
    assert board.header[5:] == ["bleu ↑", "chrf ↑", "ter ↓", "rouge1 ↑"]
    translation = [row for row in board.rows if row[2] == "translation"]
    assert [(row[0], row[3]) for row in translation] == [
        ("run-b", "good"),  # 31 BLEU
        ("run-a", "good"),  # 30
        ("run-b", "base"),
        ("run-a", "base"),
        ("run-b", EVIL_SYSTEM),
        ("run-a", EVIL_SYSTEM),
    ]
    run_a_good = translation[1]
    assert run_a_good[5] == "30.00 [27.50, 31.50]"  # with the run's CI
    assert translation[0][5] == "31.00"  # run-b has no CIs
    assert run_a_good[8] == ""  # rouge1 does not apply to translation


def test_sort_respects_metric_direction(two_runs):
    board = build_leaderboard(load_runs(two_runs), sort_by="ter")
    translation = [row for row in board.rows if row[2] == "translation"]
    assert [row[3] for row in translation][:2] == ["good", "good"]  # lowest TER first
    assert translation[0][7] == "45.00 [42.50, 46.50]"


def test_notes_flag_runs_that_are_not_comparable(tmp_path):
    first = make_report()
    second = copy.deepcopy(first)
    second["provenance"]["metrics"]["bleu"] = "BLEU|nrefs:1|tok:intl"
    second["provenance"]["corpus"]["files"] = {"seeds/000_article.txt": "cd" * 32}
    runs = load_runs([write_run(tmp_path / "a", first), write_run(tmp_path / "b", second)])
    notes = build_leaderboard(runs).notes
    assert any(n.startswith("⚠ bleu: signatures differ") and "tok:intl" in n for n in notes)
    assert any(n.startswith("⚠ corpus 'seeds'") for n in notes)
    assert "chrf: `chrF2++|nrefs:1`" in notes


def test_the_same_files_read_from_another_folder_are_the_same_data(tmp_path):
    """Corpora are compared by content (sha256), as harness compare does, not by path."""
    first = make_report()
    second = copy.deepcopy(first)
    files = second["provenance"]["corpus"]["files"]
    second["provenance"]["corpus"]["files"] = {f"/elsewhere/{k}": v for k, v in files.items()}
    runs = load_runs([write_run(tmp_path / "a", first), write_run(tmp_path / "b", second)])
    assert not any(n.startswith("⚠ corpus") for n in build_leaderboard(runs).notes)


def test_markdown_escapes_pipes_and_keeps_one_table(two_runs):
    text = render_markdown(build_leaderboard(load_runs(two_runs)))
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 2 * 5  # header, rule, 5 systems in each of 2 runs
    assert all(line.count(" | ") == table[0].count(" | ") for line in table[2:])


def test_same_folder_name_twice_gets_distinct_labels(tmp_path):
    report = make_report()
    runs = load_runs(
        [write_run(tmp_path / "x" / "run", report), write_run(tmp_path / "y" / "run", report)]
    )
    assert [r.label for r in runs] == ["run", "run#2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no report.json here"),
        ("{not json", ":1: not valid JSON"),
        ('{"results": 3}', "key 'results': Input should be a valid list (got 3)"),
        ('{"results": [{"system": "a"}]}', "key 'results[0].task': Field required"),
        ('{"results": [7]}', "key 'results[0]': Input should be a JSON object (got 7)"),
        ('{"results": null}', "key 'results': must not be null"),
        ("[]", "not a harness report (a JSON object is expected)"),
        (
            '{"results": [{"system": "a", "task": "t", "metric": "bleu", "score": "5"}]}',
            "key 'results[0].score': Input should be a valid number (got \"5\")",
        ),
        ('{"schema_version": 2, "results": []}', "schema_version 2 is not one this harness"),
    ],
)
def test_bad_runs_are_one_line_errors(tmp_path, content, message):
    folder = tmp_path / "run"
    folder.mkdir()
    if content is not None:
        (folder / "report.json").write_text(content, encoding="utf-8")
    with pytest.raises(HarnessError, match=re.escape(message)):
        load_run(folder)


def test_cli_prints_the_table_and_rejects_unknown_metrics(two_runs, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["leaderboard", *map(str, two_runs)])
    assert result.exit_code == 0, result.output
    assert "| run-a | seeds | translation | good | 4 | 30.00 [27.50, 31.50] |" in result.output
    out = tmp_path / "board.md"
    assert runner.invoke(app, ["leaderboard", str(two_runs[0]), "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("| run |")
    bad = runner.invoke(app, ["leaderboard", str(two_runs[0]), "--sort", "blue"])
    assert bad.exit_code == 2 and "did you mean 'bleu'" in bad.output
