from __future__ import annotations

from harness.text.sentences import split_sentences


def test_arabic_marks_split():
    text = "هل حضر الوزير؟ نعم حضر. وقال: شكراً! ثم غادر؛ وانتهى الحفل"
    assert split_sentences(text) == [
        "هل حضر الوزير؟",
        "نعم حضر.",
        "وقال: شكراً!",
        "ثم غادر؛",
        "وانتهى الحفل",
    ]


def test_arabic_comma_and_colon_do_not_split():
    text = "من جهته، نقل السفير كلمة الزعيم، وجاء فيها: ندعم روسيا."
    assert split_sentences(text) == [text]


def test_decimals_and_domains_do_not_split():
    assert split_sentences("ارتفع المؤشر 3.5 بالمئة. انظر pic.twitter.com/abc للتفاصيل.") == [
        "ارتفع المؤشر 3.5 بالمئة.",
        "انظر pic.twitter.com/abc للتفاصيل.",
    ]


def test_closing_quote_stays_with_its_sentence():
    text = 'وقال: "تتطور علاقاتنا بصورة ديناميكية." وأضاف أن اللقاء مهم.'
    assert split_sentences(text) == ['وقال: "تتطور علاقاتنا بصورة ديناميكية."', "وأضاف أن اللقاء مهم."]


def test_line_breaks_are_boundaries_and_blanks_dropped():
    assert split_sentences("سطر أول\n\n  سطر ثان  \n") == ["سطر أول", "سطر ثان"]


def test_seed_paragraph_with_quoted_speech(repo):
    paragraph = (repo / "seeds" / "000_e6a39a29327ab8d5.txt").read_text(encoding="utf-8").split("\n")[10]
    sentences = split_sentences(paragraph)
    assert len(sentences) == 4
    assert sentences[0].endswith("الحرب العالمية الثانية.")
    assert "".join(sentences).replace(" ", "") == paragraph.replace(" ", "")
