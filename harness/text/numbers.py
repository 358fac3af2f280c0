"""Numbers written with digits, in Arabic or English text, as comparable canonical strings.

The fidelity metrics ask whether the numbers of a source survive in a translation or a summary,
so ``٣٫٥٪`` in an Arabic sentence and ``3.5%`` in its English translation must compare equal.
:func:`extract_numbers` first rewrites the text:

- Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, and full-width digits (NFKC),
  become ASCII digits;
- the Arabic decimal separator ``٫`` (U+066B) becomes ``.``, the Arabic thousands separator
  ``٬`` (U+066C) becomes ``,``;

then reads every run of digits, with

- ``,`` thousands groups (``1,250,000``; a comma followed by anything but exactly three digits
  separates two numbers, as in a list ``1,2``);
- a decimal part after ``.`` (``3.50``; a sentence-final ``2019.`` is the integer 2019);
- a percent sign (``%`` or ``٪``) or an ordinal suffix written after digits (``1st``, ``2nd``,
  ``3rd``, ``25th``) which do not change the number: ``45%`` and ``45 percent`` both give
  ``45``, ``الـ25`` and ``25th`` both give ``25``.

The canonical form drops leading zeros and trailing decimal zeros: ``007`` → ``7``,
``3.50`` → ``3.5``, ``2.0`` → ``2``. Signs are not read (a hyphen is more often a range or a
date separator than a minus), so ``2010-2015`` gives ``2010`` and ``2015``, and ``10:30`` gives
``10`` and ``30``.

Out of scope: numbers written as words (``three``, ``ثلاثة``, ``عشرات``), scale words
(``5 million`` against ``5,000,000``), Roman numerals, and European decimal commas (``3,5``
reads as 3 and 5). Such numbers are simply not seen, in the source and the output alike.
"""

from __future__ import annotations

import re
import unicodedata

from harness.text.arabic import ARABIC_DIGITS

_TO_ASCII = str.maketrans(
    {
        **ARABIC_DIGITS,
        "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
        "\u066c": ",",  # ARABIC THOUSANDS SEPARATOR
    }
)
# thousands groups first (longest match), then a plain digit run; an optional decimal part
_NUMBER = re.compile(r"(?<![\d])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")


def to_ascii_digits(text: str) -> str:
    """``text`` with Arabic digits and separators written as ASCII digits, ``.`` and ``,``,
    character for character: position ``i`` of the result is position ``i`` of ``text``, so a
    number found in the result can be marked in ``text`` (the HTML report does)."""
    normal = unicodedata.normalize("NFKC", text)
    if len(normal) != len(text):  # NFKC expanded or composed something: fold one by one
        normal = "".join(_nfkc_char(c) for c in text)
    return normal.translate(_TO_ASCII)


def _nfkc_char(char: str) -> str:
    normal = unicodedata.normalize("NFKC", char)
    return normal if len(normal) == 1 else char


def canonical_number(integer: str, fraction: str = "") -> str:
    """The canonical string of a number given its digit strings (no separators)."""
    integer = integer.replace(",", "").lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{integer}.{fraction}" if fraction else integer


def number_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, canonical number)`` of every number written with digits in ``text``."""
    return [
        (m.start(), m.end(), canonical_number(m.group(1), m.group(2) or ""))
        for m in _NUMBER.finditer(to_ascii_digits(text))
    ]


def extract_numbers(text: str) -> list[str]:
    """The canonical numbers written with digits in ``text``, in order, repeats kept."""
    return [number for _, _, number in number_spans(text)]
