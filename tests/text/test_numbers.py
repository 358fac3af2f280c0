"""Numbers in Arabic and English text compare equal when they name the same value."""

from __future__ import annotations

import pytest

from harness.text.numbers import canonical_number, extract_numbers, number_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتل ٤٥ شخصا", ["45"]),  # Arabic-Indic digits
        ("قتل ۴۵ شخصا", ["45"]),  # Eastern Arabic-Indic (Persian) digits
        ("نمو بنسبة ٣٫٥٪", ["3.5"]),  # Arabic decimal separator and percent sign
        ("بلغ ١٬٢٥٠٬٠٠٠ دولار", ["1250000"]),  # Arabic thousands separator
        ("It reached 1,250,000 dollars", ["1250000"]),
        ("growth of 3.50% in 2019.", ["3.5", "2019"]),  # trailing zero; sentence-final period
        ("the 1st, 2nd, 3rd and 25th", ["1", "2", "3", "25"]),  # ordinals written as digits
        ("الذكرى الـ25", ["25"]),
        ("between 2010-2015 at 10:30", ["2010", "2015", "10", "30"]),
        ("items 1,2 and 007", ["1", "2", "7"]),  # a list, not thousands; leading zeros
        ("45 percent and 45%", ["45", "45"]),
        ("three people, ثلاثة أشخاص", []),  # words are out of scope
        ("", []),
    ],
)
def test_extract_numbers(text: str, expected: list[str]) -> None:
    assert extract_numbers(text) == expected


def test_arabic_and_english_forms_of_a_sentence_agree() -> None:
    arabic = "نمت العلاقات بنسبة ٣٫٥٪ منذ عام ٢٠١٩ وبلغت ١٬٢٥٠ مليون"
    english = "Relations grew by 3.5% since 2019, reaching 1,250 million"
    assert extract_numbers(arabic) == extract_numbers(english) == ["3.5", "2019", "1250"]


def test_changed_number_differs() -> None:
    assert extract_numbers("45 dead") != extract_numbers("54 dead")


def test_canonical_number() -> None:
    assert canonical_number("0", "") == "0"
    assert canonical_number("2", "0") == "2"
    assert canonical_number("1,000", "250") == "1000.25"


def test_spans_index_the_text_as_written() -> None:
    # NFKC expands the ligature (one character to 18), the full-width digits fold one to one
    text = "ﷺ بلغ ١٬٢٥٠ و３٫５"
    spans = number_spans(text)
    assert [text[start:end] for start, end, _ in spans] == ["١٬٢٥٠", "３٫５"]
    assert [number for _, _, number in spans] == ["1250", "3.5"] == extract_numbers(text)
