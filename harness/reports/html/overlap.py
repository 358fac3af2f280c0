"""Word overlap between a summary and the article's bullets, for highlighting.

Words are compared after the same normalization the ROUGE tokenizer applies
(:class:`harness.text.arabic.ArabicAwareTokenizer`), so a highlighted word is one that ROUGE-1
would count as shared: ``الأخير`` matches ``الاخير``, ``"روسيا"،`` matches ``روسيا``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from harness.text.arabic import ArabicAwareTokenizer

# Letters and digits plus the Arabic combining marks that normalization removes, so a word
# written with diacritics stays one piece of the original text.
_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]+")
_TOKENIZER = ArabicAwareTokenizer()


@dataclass(frozen=True)
class Piece:
    """A run of the original text; ``shared`` when it is a word found in the other text."""

    text: str
    shared: bool = False


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The normalized tokens of ``texts``."""
    return {token for text in texts for token in _TOKENIZER.tokenize(text)}


def mark_overlap(text: str, words: set[str]) -> list[Piece]:
    """Split ``text`` into pieces, marking each word whose normalized tokens are all in ``words``.

    Joining the pieces' text gives back ``text`` unchanged.
    """
    pieces: list[Piece] = []
    position = 0
    for match in _WORD.finditer(text):
        if match.start() > position:
            pieces.append(Piece(text[position : match.start()]))
        tokens = _TOKENIZER.tokenize(match.group())
        pieces.append(Piece(match.group(), bool(tokens) and all(t in words for t in tokens)))
        position = match.end()
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces
