"""Numbers that went wrong, for the side-by-side view: in an output, the numbers that are not
in the source (new: marked in the text) and the source's numbers that the output lacks
(missing: listed under it), so a reader sees *which* number changed.

Numbers are compared by value as written in digits: Arabic-Indic (٠–٩) and Eastern
Arabic-Indic (۰–۹) digits read as ASCII, the Arabic decimal separator (U+066B) as ``.``, and
thousands separators (``,``, U+066C) dropped, so ``١٬٢٠٠`` in the source matches ``1,200``.
Numbers written as words are not seen.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# digits in any of the three scripts, with thousands groups and a decimal part
_NUMBER = re.compile(
    r"[0-9٠-٩۰-۹]{1,3}(?:[,٬][0-9٠-٩۰-۹]{3})+(?:[.٫][0-9٠-٩۰-۹]+)?"
    r"|[0-9٠-٩۰-۹]+(?:[.٫][0-9٠-٩۰-۹]+)?"
)


def number_value(written: str) -> str:
    """The value of a number as written: ASCII digits, no thousands separators, ``.``."""
    value = written.translate(_DIGITS).replace("٫", ".").replace(",", "").replace("٬", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def numbers_in(text: str) -> Counter[str]:
    return Counter(number_value(m.group()) for m in _NUMBER.finditer(text))


@dataclass(frozen=True)
class NumberPiece:
    """A run of the output; ``new`` when it is a number the source does not have."""

    text: str
    new: bool = False


def mark_numbers(output: str, source: str) -> tuple[list[NumberPiece], list[str]]:
    """The output split into pieces (numbers not in the source marked ``new``; joining the
    pieces gives the output back) and the source's numbers missing from the output."""
    available = numbers_in(source)
    pieces: list[NumberPiece] = []
    position = 0
    for match in _NUMBER.finditer(output):
        if match.start() > position:
            pieces.append(NumberPiece(output[position : match.start()]))
        value = number_value(match.group())
        pieces.append(NumberPiece(match.group(), new=available[value] == 0))
        available[value] -= 1
        position = match.end()
    if position < len(output):
        pieces.append(NumberPiece(output[position:]))
    missing = numbers_in(source) - numbers_in(output)
    return pieces, sorted(missing.elements(), key=lambda v: (len(v), v))
