"""An Arabic-aware sentence splitter.

NLTK's Punkt has no Arabic model, and general-purpose splitters treat the Arabic comma (،) or
the colon as a boundary. Here a sentence ends at a run of ``.``, ``!``, ``?``, the Arabic
question mark ``؟``, the Arabic semicolon ``؛`` or ``…`` that is followed by white space or the
end of the text, and at every line break. So ``3.5`` and ``pic.twitter.com`` are not split, and
closing quotes or brackets after the mark stay with the sentence they close.
"""

from __future__ import annotations

import re

TERMINATORS = ".!?؟؛…"
_CLOSERS = "\"'”’»)]}"
_BOUNDARY = re.compile(rf"[{re.escape(TERMINATORS)}]+[{re.escape(_CLOSERS)}]*(?=\s|$)")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into stripped, non-empty sentences, in order."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _BOUNDARY.finditer(line):
            sentences.append(line[start : match.end()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]
