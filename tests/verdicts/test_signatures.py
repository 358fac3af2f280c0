"""Baselines stay comparable: definitions must match, versions and resampling need not."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app
from harness.verdicts.signatures import check_signatures, parse_signature

# what harness reports wrote before this change: sacrebleu 2.4.0, and the resampling choice
# inside the signature
PREVIOUS_BLEU = "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0|bs:1000|rs:12345"


def _with_signature(run: Path, tmp_path: Path, name: str, **signatures: str) -> Path:
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    report["provenance"]["metrics"].update(signatures)
    path = tmp_path / name
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_a_baseline_made_with_the_previous_sacrebleu_still_compares(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """Before: "bleu signature differs", exit 2, after any sacrebleu upgrade."""
    baseline = _with_signature(
        runs["base"], tmp_path, "old.json", bleu=PREVIOUS_BLEU + "|resample:article"
    )
    result = CliRunner().invoke(app, ["compare", str(baseline), str(runs["same"])])
    assert result.exit_code == 0, result.output
    assert (
        "warning: bleu: computed with other library versions (version '2.4.0' in the baseline, "
        f"'{version('sacrebleu')}' in the candidate)" in result.output
    )


def test_a_different_definition_is_refused_naming_each_field(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    baseline = _with_signature(
        runs["base"],
        tmp_path,
        "intl.json",
        bleu=PREVIOUS_BLEU.replace("tok:13a", "tok:intl").replace("case:mixed", "case:lc"),
    )
    result = CliRunner().invoke(app, ["compare", str(baseline), str(runs["same"])])
    assert result.exit_code == 2, result.output
    assert "not comparable: case: 'lc' (baseline) vs 'mixed' (candidate); tok: 'intl'" in (
        result.output.replace("\n", "")
    )
    assert "version" not in result.output.split("not comparable")[-1]


def test_fields_by_kind() -> None:
    signature = parse_signature(
        "rouge1|nrefs:1|tok:ar-v1|stem:isri-arabic-nltk-3.9.1|agg:mean-f"
        "|version:rouge-score-0.1.2|bs:1000|rs:12345|resample:article"
    )
    assert signature.definition == {
        "#0": "rouge1",
        "nrefs": "1",
        "tok": "ar-v1",
        "stem": "isri-arabic-nltk",
        "agg": "mean-f",
    }
    assert signature.versions == {"nltk": "3.9.1", "version": "rouge-score-0.1.2"}
    assert signature.resampling == {"bs": "1000", "rs": "12345", "resample": "article"}


def test_an_nltk_upgrade_warns_and_another_stemmer_refuses() -> None:
    base = "rouge1|nrefs:1|tok:ar-v1|stem:isri-arabic-nltk-3.8|agg:mean-f|version:rouge-score-0.1.2"
    upgraded = check_signatures("rouge1", base, base.replace("3.8", "3.9"))
    assert not upgraded.refusals and upgraded.versions == [("nltk", "3.8", "3.9")]
    other = check_signatures("rouge1", base, base.replace("isri", "snowball"))
    assert other.refusals == [("stem", "isri-arabic-nltk", "snowball-arabic-nltk")]


def test_same_fingerprint_other_numeric_environment_is_named(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """Before: provenance held only the CPU name; a baseline made on an AMX machine could not
    be told apart from one made here."""
    base = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    environment = base["provenance"]["systems"]["mt"]["environment"]
    assert isinstance(environment["cpu_flags"], list)  # recorded by every run
    other = {**environment, "cpu_flags": [*environment["cpu_flags"], "xop"]}  # never recorded
    other["torch_threads"] = 64
    base["provenance"]["systems"]["mt"]["environment"] = other
    path = tmp_path / "amx.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(path), str(runs["same"])])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "system 'mt' has the baseline's fingerprint but ran in another numeric environment" in text
    assert "cpu_flags -xop in the candidate" in text and "torch_threads 64 vs None" in text
