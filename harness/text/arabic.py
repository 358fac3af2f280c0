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
   Porter stemmer, exactly as rouge-score does.

Optionally (``stem_arabic``), Arabic-script tokens longer than 3 characters are stemmed by
nltk's ``ISRIStemmer`` or Snowball ``ArabicStemmer`` (neither needs downloaded data) between
steps 3 and 4: the stemmers read hamza forms and teh marbuta in their affix rules, so they see
each token after diacritic removal and before folding; the stem is then folded.

On ASCII text this is token-for-token rouge-score's own tokenizer, so English ROUGE numbers
equal rouge-score's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from importlib.metadata import version

from harness.text.langid import is_arabic

NORMALIZATION_VERSION = "ar-v1"

_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
#: Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits → ASCII digits
ARABIC_DIGITS = {
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}
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
        **ARABIC_DIGITS,
    }
)
_NOT_WORD = re.compile(r"[\W_]+")
_LATIN_TOKEN = re.compile(r"^[a-z0-9]+$")

ARABIC_STEMMERS = ("isri", "snowball")


def strip_marks(text: str) -> str:
    """Steps 1–3: NFKC, lowercasing, no diacritics or tatweel (letters not yet folded)."""
    return _DIACRITICS.sub("", unicodedata.normalize("NFKC", text).lower())


def normalize_arabic(text: str) -> str:
    """Apply steps 1–5 of the module's normalization (no punctuation removal)."""
    return strip_marks(text).translate(_FOLD)


@cache
def arabic_stemmer(name: str) -> Callable[[str], str]:
    """nltk's ISRI or Snowball Arabic stemmer, with one cache of stems per process (news
    repeats its words, and nltk's stemmers are slow)."""
    if name == "isri":
        from nltk.stem.isri import ISRIStemmer

        stem: Callable[[str], str] = ISRIStemmer().stem
    elif name == "snowball":
        from nltk.stem.snowball import ArabicStemmer

        stem = ArabicStemmer(ignore_stopwords=False).stem
    else:
        raise ValueError(f"stem_arabic must be one of {', '.join(ARABIC_STEMMERS)}")
    return lru_cache(maxsize=1 << 16)(stem)


class ArabicAwareTokenizer:
    """A rouge-score tokenizer (an object with ``tokenize``) that keeps Arabic script."""

    def __init__(self, stem_latin: bool = False, stem_arabic: str | None = None) -> None:
        self.stem_latin = stem_latin
        self.stem_arabic = stem_arabic
        self._stemmer = None
        if stem_latin:
            from nltk.stem import porter

            self._stemmer = porter.PorterStemmer()
        self._arabic_stem = None if stem_arabic is None else arabic_stemmer(stem_arabic)

    @property
    def signature(self) -> str:
        """Short description of the tokenization, for metric signatures."""
        stems = ["porter-latin"] if self.stem_latin else []
        if self.stem_arabic is not None:
            stems.append(f"{self.stem_arabic}-arabic-nltk-{version('nltk')}")
        return f"tok:{NORMALIZATION_VERSION}|stem:{'+'.join(stems) or 'none'}"

    def tokenize(self, text: str) -> list[str]:
        if self._arabic_stem is None:
            tokens = _NOT_WORD.sub(" ", normalize_arabic(text)).split()
        else:
            stem = self._arabic_stem
            unfolded = _NOT_WORD.sub(" ", strip_marks(text)).split()
            stemmed = [
                (stem(t) or t) if len(t) > 3 and t.isalpha() and all(map(is_arabic, t)) else t
                for t in unfolded
            ]
            tokens = " ".join(stemmed).translate(_FOLD).split()
        if self._stemmer is not None:
            tokens = [
                self._stemmer.stem(t) if len(t) > 3 and _LATIN_TOKEN.match(t) else t for t in tokens
            ]
        return tokens
