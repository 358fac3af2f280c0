"""Arabic normalization and the ROUGE tokenizer that keeps Arabic script.

rouge-score's default tokenizer lowercases and then deletes everything outside ``[a-z0-9]``, so
Arabic text becomes empty and identical Arabic strings score 0. :class:`ArabicAwareTokenizer`
is passed to ``rouge_score.rouge_scorer.RougeScorer(tokenizer=...)`` instead. It applies, in order:

1. Unicode NFKC (presentation forms such as ﻻ become base letters);
2. lowercasing (Latin, Cyrillic, …);
3. removal of Arabic diacritics (tashkeel U+064B–U+065F, dagger alef U+0670, Quranic marks
   U+06D6–U+06ED) and of tatweel (U+0640);
4. letter folding: أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي;
5. Arabic-Indic and Eastern Arabic-Indic digits → ASCII digits;
6. every character that is not a letter or a digit (punctuation, symbols, ``_``) → space;
7. split on white space; optionally stem Latin-script tokens longer than 3 characters with the
   Porter stemmer, exactly as rouge-score does (Arabic tokens are never stemmed).

On ASCII text this is token-for-token rouge-score's own tokenizer, so English ROUGE numbers
equal rouge-score's.
"""

from __future__ import annotations

import re
import unicodedata

NORMALIZATION_VERSION = "ar-v1"

_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_NOT_WORD = re.compile(r"[\W_]+")
_LATIN_TOKEN = re.compile(r"^[a-z0-9]+$")


def normalize_arabic(text: str) -> str:
    """Apply steps 1–5 of the module's normalization (no punctuation removal)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIACRITICS.sub("", text)
    return text.translate(_FOLD)


class ArabicAwareTokenizer:
    """A rouge-score tokenizer (an object with ``tokenize``) that keeps Arabic script."""

    def __init__(self, stem_latin: bool = False) -> None:
        self.stem_latin = stem_latin
        self._stemmer = None
        if stem_latin:
            from nltk.stem import porter

            self._stemmer = porter.PorterStemmer()

    @property
    def signature(self) -> str:
        """Short description of the tokenization, for metric signatures."""
        return f"tok:{NORMALIZATION_VERSION}|stem:{'porter-latin' if self.stem_latin else 'none'}"

    def tokenize(self, text: str) -> list[str]:
        tokens = _NOT_WORD.sub(" ", normalize_arabic(text)).split()
        if self._stemmer is not None:
            tokens = [
                self._stemmer.stem(t) if len(t) > 3 and _LATIN_TOKEN.match(t) else t for t in tokens
            ]
        return tokens
