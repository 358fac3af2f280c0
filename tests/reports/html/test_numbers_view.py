"""Numbers that went wrong, marked in the side-by-side view."""

from __future__ import annotations

import copy
import re

import pytest

from harness.reports.html import render_html
from harness.reports.html.numbers_view import mark_numbers, numbers_in
from tests.report_documents import as_report

from .reports import make_report


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2024", "2024"),
        ("٢٠٢٤", "2024"),
        ("۲۰۲۴", "2024"),
        ("١٬٢٠٠", "1200"),
        ("1,200", "1200"),
        ("3٫5", "3.5"),
        ("3.50", "3.5"),
        ("007", "7"),
    ],
)
def test_number_values_read_every_script_and_separator(written, value):
    assert numbers_in(f"رقم {written} هنا") == {value: 1}


def test_a_changed_number_is_marked_new_and_the_right_one_missing():
    source = "قتل ٤٥ شخصا في عام ٢٠٢٤"
    pieces, missing = mark_numbers("54 people were killed in 2024", source)
    assert "".join(p.text for p in pieces) == "54 people were killed in 2024"
    assert [p.text for p in pieces if p.new] == ["54"]
    assert missing == ["45"]


def test_a_correct_output_marks_nothing():
    pieces, missing = mark_numbers("45 people were killed in 2024", "قتل ٤٥ شخصا في عام ٢٠٢٤")
    assert not any(p.new for p in pieces)
    assert missing == []


def test_marks_land_on_the_written_digits_in_any_script():
    output = "ﷺ قتل ٤٥ شخصا و١٬٢٠٠ جريح"  # a ligature NFKC expands comes first
    pieces, missing = mark_numbers(output, "45")
    assert "".join(p.text for p in pieces) == output
    assert [p.text for p in pieces if p.new] == ["١٬٢٠٠"]
    assert missing == []


def test_repeated_numbers_are_counted():
    pieces, missing = mark_numbers("5 and 5 and 5", "5 و 5")
    assert [p.new for p in pieces if p.text == "5"] == [False, False, True]
    assert missing == []


def test_report_html_shows_which_number_changed():
    report = make_report()
    report = copy.deepcopy(report)
    (segment,) = [
        s for s in report["segments"] if s["system"] == "good" and s["segment_id"] == "paragraph-2"
    ]
    segment["output"] = "Relations gained momentum since 2042."
    html = render_html(as_report(report))
    assert re.search(r'<mark class="number-new"[^>]*>2042</mark>', html)
    assert re.search(r'<span class="number-missing">2024</span>', html)
    # "base" kept 2024: nothing marked for it; the third system's output is empty, so it
    # misses 2024 too
    assert html.count('<span class="number-missing">2024</span>') == 2
