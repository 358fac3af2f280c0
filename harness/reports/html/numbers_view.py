"""Numbers that went wrong, for the side-by-side view: in an output, the numbers that are not
in the source (new: marked in the text) and the source's numbers that the output lacks
(missing: listed under it), so a reader sees *which* number changed. Numbers are read, and
compared by value, as the fidelity metrics read them (:mod:`harness.text.numbers`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from harness.text.numbers import number_spans


def numbers_in(text: str) -> Counter[str]:
    return Counter(number for _, _, number in number_spans(text))


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
    for start, end, value in number_spans(output):
        if start > position:
            pieces.append(NumberPiece(output[position:start]))
        pieces.append(NumberPiece(output[start:end], new=available[value] == 0))
        available[value] -= 1
        position = end
    if position < len(output):
        pieces.append(NumberPiece(output[position:]))
    missing = numbers_in(source) - numbers_in(output)
    return pieces, sorted(missing.elements(), key=lambda v: (len(v), v))
