"""Language detection by writing system.

Segments in an Arabic news article are Arabic, or embeds quoted from elsewhere (a Russian tweet,
an English attribution line). Counting letters per script is deterministic and exact for that
job, unlike statistical detectors that guess on short lines. URLs and @handles are ignored so a
link does not make a Russian line look English.

Mapping: Arabic script → ``ar``, Cyrillic → ``ru``, Latin → ``en``, Greek → ``el``,
Hebrew → ``he``; no letters at all → ``und``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_URL_OR_HANDLE = re.compile(r"(https?://\S+|\b(?:pic\.twitter\.com|t\.co)/\S+|@\w+)")

_SCRIPT_LANG = {
    "ARABIC": "ar",
    "CYRILLIC": "ru",
    "LATIN": "en",
    "GREEK": "el",
    "HEBREW": "he",
}


@cache  # text holds few distinct characters; their names are looked up once
def script_of(char: str) -> str | None:
    """The script of ``char`` by its Unicode name (``ARABIC LETTER BEH`` → ``ARABIC``)."""
    name = unicodedata.name(char, "")
    for script in _SCRIPT_LANG:
        if name.startswith(script):
            return script
    return None


def is_arabic(char: str) -> bool:
    """Whether ``char`` is of the Arabic script: the one definition that language detection,
    the ``untranslated`` metric and Arabic stemming share (the Arabic block and its
    supplements and presentation forms: every character whose Unicode name says ARABIC)."""
    return script_of(char) == "ARABIC"


def script_counts(text: str) -> dict[str, int]:
    """Count letters per script, ignoring URLs and @handles."""
    counts: dict[str, int] = {}
    for char in _URL_OR_HANDLE.sub(" ", text):
        if not char.isalpha():
            continue
        script = script_of(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


def detect_lang(text: str) -> str:
    """Return the language code of the script with the most letters, or ``und``."""
    counts = script_counts(text)
    if not counts:
        return "und"
    script = max(counts, key=lambda s: (counts[s], s == "ARABIC"))
    return _SCRIPT_LANG[script]
