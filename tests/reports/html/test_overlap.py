"""Word overlap for the summary view uses the ROUGE tokenizer's notion of a word."""

from __future__ import annotations

from harness.reports.html.overlap import mark_overlap, vocabulary


def shared_words(text: str, other: str) -> list[str]:
    return [p.text for p in mark_overlap(text, vocabulary([other])) if p.shared]


def test_pieces_join_back_to_the_text():
    text = 'قال "بوتين"، في 3 سبتمبر: العلاقاتُ — تتطور!\nسطر ثانٍ'
    assert "".join(p.text for p in mark_overlap(text, vocabulary(["بوتين"]))) == text


def test_arabic_matches_after_normalization():
    # Hamza forms, diacritics, tatweel, ta marbuta and punctuation do not prevent a match;
    # a clitic does (no stemming, as in the metric): "ومدرسة" is not "مدرسه".
    assert shared_words("الأخيرُ «روسيـا»، مدرسة ومدرسة", "الاخير روسيا مدرسه") == [
        "الأخيرُ",
        "روسيـا",
        "مدرسة",
    ]


def test_only_words_of_the_other_text_are_marked():
    assert shared_words("العلاقات بين روسيا والصين", "روسيا والهند") == ["روسيا"]
    assert shared_words("Putin met Kim", "kim and putin") == ["Putin", "Kim"]
    assert shared_words("٣ سبتمبر", "3 سبتمبر") == ["٣", "سبتمبر"]


def test_punctuation_is_never_marked():
    pieces = mark_overlap("روسيا، روسيا.", vocabulary(["روسيا"]))
    assert [p.text for p in pieces if not p.shared] == ["، ", "."]
