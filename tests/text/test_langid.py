from __future__ import annotations

import pytest

from harness.text.langid import detect_lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("وزير الدفاع الروسي يشارك في الاحتفال", "ar"),
        ("Белоусов принял участие в торжественном приеме:https://t.co/UWz9SJueIn", "ru"),
        ("Видео: Минобороны России/ТАСС pic.twitter.com/suYiURCNTd", "ru"),
        ("— ТАСС (@tass_agency) September 5, 2025", "en"),
        ("The minister attended the ceremony.", "en"),
        ("2025 — 77 (@x)", "und"),
        ("", "und"),
        ("شارك 3 وزراء في 9 سبتمبر/ أيلول with NATO", "ar"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_links_and_handles_do_not_count():
    # Without ignoring the link, its Latin letters would outnumber the Cyrillic word.
    assert detect_lang("Видео https://t.co/AbCdEfGhIjKlMnOp @verylonghandle") == "ru"
