from __future__ import annotations

import pytest

from harness.text.arabic import ArabicAwareTokenizer, normalize_arabic


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آخر", "اخر"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مُدَرِّسَةٌ", "مدرسه"),
        ("كـــبير", "كبير"),
        ("٢٠٢٤", "2024"),
        ("۱۲", "12"),
        ("ﻻ", "لا"),
        ("NATO", "nato"),
    ],
)
def test_normalize_arabic(raw, normalized):
    assert normalize_arabic(raw) == normalized


def test_tokenizer_drops_punctuation_keeps_arabic_and_digits():
    tokens = ArabicAwareTokenizer().tokenize('قال: "ندعم روسيا"، في 9 سبتمبر/ أيلول.')
    assert tokens == ["قال", "ندعم", "روسيا", "في", "9", "سبتمبر", "ايلول"]


def test_porter_stemming_touches_only_latin_tokens():
    tokens = ArabicAwareTokenizer(stem_latin=True).tokenize("meeting الاجتماعات friends")
    assert tokens == ["meet", "الاجتماعات", "friend"]
