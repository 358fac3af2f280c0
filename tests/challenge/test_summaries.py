"""Summaries (Arabic and English) get their own perturbations: a changed number, an
unsupported sentence, a negation; ROUGE and chrF score them through the same machinery."""

from harness.challenge.detection import detection_rates, score_pairs
from harness.challenge.generate import Item, generate_pairs
from harness.metrics import make_metric
from harness.records import Task

ARTICLE = "قال الوزير إن 45 شخصا أصيبوا في الحادث. وأضاف أن الشرطة لم تعتقل أحدا."
ITEMS = [
    Item(
        "a",
        Task.SUMMARIZATION,
        ARTICLE,
        ("أصيب 45 شخصا في الحادث.",),
        "أصيب 45 شخصا في الحادث. لم تعتقل الشرطة أحدا.",
    ),
    Item(
        "b",
        Task.SUMMARIZATION,
        "نص آخر عن الطقس.",
        ("الطقس حار.",),
        "يتوقع أن يكون الطقس حارا غدا.",
    ),
    Item(
        "c",
        Task.SUMMARIZATION_EN,
        ARTICLE,
        ("45 people were injured.",),
        "45 people were injured; police did not arrest anyone.",
    ),
]


def test_summary_phenomena_apply_and_are_scored():
    pairs, applied = generate_pairs(ITEMS, seed=2)
    by_id = {p.id: p for p in pairs}
    assert {a.phenomenon for a in applied} == {
        "summary_number",
        "unsupported_sentence",
        "summary_negation",
    }
    assert "45" not in by_id["a/summary_number"].bad.split("شخصا")[0]
    assert by_id["a/summary_negation"].bad == "أصيب 45 شخصا في الحادث. تعتقل الشرطة أحدا."
    assert by_id["c/summary_negation"].bad == "45 people were injured; police did arrest anyone."
    # the added sentence comes from another item, never from this item's own article
    added = by_id["b/unsupported_sentence"].bad.removeprefix(ITEMS[1].text).strip()
    assert added and added in ITEMS[0].text and added not in ITEMS[1].source
    metrics = [make_metric("rouge1"), make_metric("rougeL")]
    rates = detection_rates(score_pairs(pairs, metrics), metrics)
    overall = {r.metric: r for r in rates if r.by == "all"}
    assert overall["rouge1"].pairs == overall["rougeL"].pairs == len(pairs)
