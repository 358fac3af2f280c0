"""Config errors are one line naming the file, the line and the key."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_config
from harness.errors import HarnessError

from .conftest import REPO

GOOD = """\
articles: {repo}/seeds/
references: {repo}/references/
systems:
  - {{name: lead-2, type: lead, task: summarization, n: 2}}
  - name: copy
    type: identity
    task: translation
metrics: [bleu, rougeL]
"""


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text.format(repo=REPO), encoding="utf-8")
    return path


def test_default_config_loads():
    config = load_config(REPO / "configs" / "default.yaml")
    assert [s.name for s in config.systems] == ["lead-2", "copy", "gemma-translate", "gemma-summarize"]
    assert config.metrics == ("bleu", "chrf", "ter", "rouge1", "rouge2", "rougeL", "rougeLsum")
    assert len(config.sha256) == 64


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("metrics:", "metric:"), r"c\.yaml:8: metric: unknown key 'metric' \(did you mean 'metrics'\?\)"),
        (("    task: translation\n", "    task: translation\n    beams: 4\n"),
         r"c\.yaml:8: systems\[1\]\.beams: unknown key 'beams'"),
        (("n: 2", "nn: 2"), r"c\.yaml:4: systems\[0\]\.nn: unknown key 'nn' \(did you mean 'n'\?\)"),
        (("type: identity", "type: identiy"),
         r"c\.yaml:6: systems\[1\]\.type: unknown system type 'identiy' \(did you mean 'identity'\?\)"),
        (("    type: identity\n", ""), r"c\.yaml:5: systems\[1\]: missing required key 'type'"),
        (("articles: {repo}/seeds/\n", ""), r"c\.yaml: missing required key 'corpus' \(or 'articles'\)"),
        (("[bleu, rougeL]", "[bleu, rougel]"),
         r"c\.yaml:8: metrics\[1\]: unknown metric 'rougel' \(did you mean 'rougeL'\?\)"),
        (("name: copy", "name: lead-2"), r"c\.yaml:5: systems\[1\]\.name: duplicate system name 'lead-2'"),
        (("task: summarization, n: 2", "task: translation, n: 2"),
         r"c\.yaml:4: systems\[0\]\.task: system type 'lead' does summarization, not translation"),
        (("n: 2", "n: 0"), r"c\.yaml:4: systems\[0\]\.n: Input should be greater than or equal to 1"),
        (("task: translation", "task: qa"), r"c\.yaml:7: systems\[1\]\.task: Input should be"),
        (("metrics: [bleu, rougeL]", "metrics: [bleu, rougeL"), r"c\.yaml:\d+: invalid YAML"),
        # a system no configured metric scores would run for nothing and be missing from the tables
        (("[bleu, rougeL]", "[rougeL]"),
         r"c\.yaml:7: systems\[1\]\.task: no configured metric \(rougeL\) scores system 'copy' "
         r"\(translation\); metrics that would: bleu, chrf, comet, metricx, names, numbers, "
         r"offtarget, similarity, ter, untranslated, xsim$"),
        (("[bleu, rougeL]", "[bleu, ter]"),
         r"c\.yaml:4: systems\[0\]\.task: no configured metric \(bleu, ter\) scores system 'lead-2' "
         r"\(summarization\); metrics that would: compression, coverage, density, novel_numbers, "
         r"repetition, rouge1, rouge2, rougeL, rougeLsum, similarity, xsim$"),
    ],
)
def test_config_errors(tmp_path, edit, message):
    old, new = edit
    assert old in GOOD
    with pytest.raises(HarnessError, match=message):
        load_config(write(tmp_path, GOOD.replace(old, new)))


def test_missing_config_file(tmp_path):
    with pytest.raises(HarnessError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_cli_reports_config_error_in_one_line_with_exit_2(tmp_path):
    path = write(tmp_path, GOOD.replace("n: 2", "nn: 2"))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown key 'nn'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_validate_command(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "ok: 1 article(s) in 1 corpus(es), 2 system(s), 2 metric(s), 10 work item(s)" in result.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('"../escape"', r"c\.yaml:1: name: must not contain '/'"),
        ('"a/b"', r"c\.yaml:1: name: must not contain '/'"),
        ('".."', r"c\.yaml:1: name: must not be '\.' or contain '\.\.'"),
        ('"a\\\\b"', r"c\.yaml:1: name: must not contain '/' or '\\'"),
        ('"two\\nlines"', r"c\.yaml:1: name: must not contain line breaks"),
        ('"nul\\0"', r"c\.yaml:1: name: must not contain line breaks or control characters"),
        ('"-rf"', r"c\.yaml:1: name: must not start with '-'"),
        ('"  "', r"c\.yaml:1: name: must not be empty"),
    ],
)
def test_run_name_must_be_a_safe_folder_name(tmp_path, name, message):
    """The name becomes runs/NAME-TIME: it must stay one component inside runs/."""
    with pytest.raises(HarnessError, match=message):
        load_config(write(tmp_path, f"name: {name}\n" + GOOD))


def test_a_safe_run_name_is_kept(tmp_path):
    assert load_config(write(tmp_path, "name: nightly-2026.01_a b\n" + GOOD)).name == (
        "nightly-2026.01_a b"
    )


@pytest.mark.parametrize("name", ['"copy\\nNext"', '"copy\\r"', '"copy\\u2028x"', '"tab\\there"'])
def test_system_name_must_be_one_line(tmp_path, name):
    """A system name is a row in report.md's tables: a line break would break them."""
    text = GOOD.replace("  - name: copy", f"  - name: {name}")
    with pytest.raises(HarnessError, match=r"c\.yaml:5: systems\[1\]\.name: .*line breaks"):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize("tokenize", ["flores200", "flores101", "spm"])
def test_a_tokenizer_that_needs_the_network_is_refused_in_one_line(tmp_path, monkeypatch, tokenize):
    """sacrebleu would download its sentencepiece model: offline, a 300-line traceback."""
    from sacrebleu.tokenizers import tokenizer_spm

    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path / "sacrebleu"))
    path = write(tmp_path, GOOD.replace("[bleu, rougeL]", f"[{{{{name: bleu, tokenize: {tokenize}}}}}, rougeL]"))
    for command in ("validate", "run"):
        result = CliRunner().invoke(app, [command, str(path), "--no-cache"] if command == "run" else [command, str(path)])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output
        assert f"c.yaml:8: metrics[0]: metric 'bleu': tokenize: {tokenize} needs sacrebleu's sentencepiece model" in lines[0]
        assert str(tmp_path / "sacrebleu" / "models") in lines[0]
