"""Perturbations: each changes one thing in a good text and returns the bad one, or ``None``
when it cannot apply to that text (no number to change, no auxiliary to negate).

Every function takes the good text, its source, a seeded :class:`random.Random` and the
:class:`Pool` of material drawn from the whole corpus (names, sentences), so the same seed gives
the same pairs. Translation perturbations follow DEMETR (Karpinska et al. 2022); the summary
ones are the errors that matter in news summaries: a wrong number, an unsupported sentence,
a flipped polarity.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from harness.challenge.lexicon import (
    ADDED_PHRASES,
    ADDED_SENTENCES,
    ANTONYMS,
    ARABIC_NEGATIONS,
    AUXILIARIES,
    CONTRACTIONS,
    PLACES,
)
from harness.metrics.fidelity import NAME_STOP_WORDS
from harness.text.langid import script_of
from harness.text.numbers import number_spans
from harness.text.sentences import split_sentences


class Severity(StrEnum):
    """MQM's severities, as DEMETR labels its perturbations."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


@dataclass
class Pool:
    """What perturbations borrow from the rest of the corpus."""

    #: entity type → name spans as written (type: ``place`` or ``name<k>`` for k words)
    entities: dict[str, list[str]] = field(default_factory=dict)
    #: language (``en``/``ar``) → sentences of other items (for unsupported additions)
    sentences: dict[str, list[str]] = field(default_factory=dict)


Perturb = Callable[[str, str, random.Random, Pool], "str | None"]

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_FINAL = ".!?؟。"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_EASTERN = "۰۱۲۳۴۵۶۷۸۹"


def _match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# --- numbers ----------------------------------------------------------------------------


def nearby_number(canonical: str, rng: random.Random) -> str:
    """A different, plausible number near ``canonical`` (same number of decimals): a year
    moves by 1-3, a small count to another small count, anything else by 15-60%."""
    integer, _, fraction = canonical.partition(".")
    decimals = len(fraction)
    value = float(canonical)
    if not decimals and 1800 <= value <= 2100:
        return str(int(value) + rng.choice((-3, -2, -1, 1, 2, 3)))
    if not decimals and value < 10:
        return str(rng.choice([v for v in range(1, 13) if v != int(value)]))
    zeros = len(integer) - len(integer.rstrip("0")) if not decimals else 0
    step = 10 ** min(zeros, max(len(integer) - 2, 0))  # keep round numbers round
    for _ in range(20):
        factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.15, 0.6)
        new = value * factor
        if decimals:
            text = f"{new:.{decimals}f}"
        else:
            text = str(max(1, round(new / step) * step))
        if float(text) != value and float(text) > 0:
            return text
    return str(int(value) + 1)


def _write_like(number: str, original: str) -> str:
    """``number`` written as ``original`` was: thousands commas, Arabic digits."""
    integer, dot, fraction = number.partition(".")
    if "," in original or "٬" in original:
        integer = f"{int(integer):,}"
    text = integer + (dot + fraction if dot else "")
    if any(c in _ARABIC_INDIC for c in original):
        text = text.translate(str.maketrans("0123456789.,", _ARABIC_INDIC + "٫٬"))
    elif any(c in _EASTERN for c in original):
        text = text.translate(str.maketrans("0123456789", _EASTERN))
    return text


def change_number(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """One number written with digits changed to a nearby value."""
    spans = number_spans(text)
    if not spans:
        return None
    start, end, canonical = rng.choice(spans)
    present = {number for _, _, number in spans}
    for _ in range(10):
        new = nearby_number(canonical, rng)
        if new not in present:
            return text[:start] + _write_like(new, text[start:end]) + text[end:]
    return None


# --- names ------------------------------------------------------------------------------


def name_runs(text: str) -> list[tuple[int, int]]:
    """Character spans of runs of capitalised words that are not sentence-initial and not
    stop words (the spans :class:`harness.metrics.fidelity.Names` reads as names)."""
    runs: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        end = match.start() + len(word)
        before = text[: match.start()].rstrip()
        initial = not before or before[-1] in _FINAL + ':"“'
        is_name = word[:1].isupper() and not initial and word.lower() not in NAME_STOP_WORDS
        if is_name and current is not None and text[current[1] : match.start()] == " ":
            current = (current[0], end)
            continue
        if current is not None:
            runs.append(current)
        current = (match.start(), end) if is_name else None
    if current is not None:
        runs.append(current)
    return runs


def entity_type(span: str) -> str:
    """``place`` for a known place, else ``name<k>`` for a name of k words."""
    return "place" if span in PLACES else f"name{len(span.split())}"


def swap_entity(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """One name replaced by another name of the same type from the corpus."""
    runs = name_runs(text)
    rng.shuffle(runs)
    for start, end in runs:
        span = text[start:end]
        lowered = text.lower()
        choices = [
            name for name in pool.entities.get(entity_type(span), []) if name.lower() not in lowered
        ]
        if choices:
            return text[:start] + rng.choice(sorted(choices)) + text[end:]
    return None


# --- polarity and meaning ---------------------------------------------------------------


def _english_negation(text: str, rng: random.Random) -> str | None:
    words = list(_WORD.finditer(text))
    removals: list[tuple[int, int, str]] = []
    for index, match in enumerate(words):
        lower = match.group().lower()
        if lower in CONTRACTIONS:
            positive = _match_case(CONTRACTIONS[lower], match.group())
            removals.append((match.start(), match.end(), positive))
        elif lower == "not" and index and words[index - 1].group().lower() in AUXILIARIES:
            removals.append((words[index - 1].end(), match.end(), ""))
    if removals:
        start, end, replacement = rng.choice(removals)
        return text[:start] + replacement + text[end:]
    # be and the modals: ``has``/``do`` may be main verbs ("have rats" ≠ "have not rats")
    sites = [m.end() for m in words if m.group().lower() in NEGATABLE]
    if not sites:
        return None
    at = rng.choice(sites)
    return text[:at] + " not" + text[at:]


def _arabic_negation(text: str, rng: random.Random) -> str | None:
    tokens = list(re.finditer(r"\S+", text))
    negations = [t for t in tokens if t.group() in ARABIC_NEGATIONS]
    if negations:
        chosen = rng.choice(negations)
        return (text[: chosen.start()] + text[chosen.end() :].lstrip(" ")).strip()
    # an imperfect verb (third person: يـ) negated with لا
    verbs = [t for t in tokens[1:] if t.group().startswith("ي") and len(t.group()) > 3]
    if not verbs:
        return None
    chosen = rng.choice(verbs)
    return text[: chosen.start()] + "لا " + text[chosen.start() :]


def is_arabic(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(script_of(c) == "ARABIC" for c in letters) * 2 > len(letters)


def negate(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """Negation removed where there is one, else added (``not`` after an auxiliary; in Arabic
    ``لا`` before an imperfect verb)."""
    return _arabic_negation(text, rng) if is_arabic(text) else _english_negation(text, rng)


def antonym(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """One word replaced by its antonym."""
    sites = [m for m in _WORD.finditer(text) if m.group().lower() in ANTONYMS]
    if not sites:
        return None
    chosen = rng.choice(sites)
    replacement = _match_case(ANTONYMS[chosen.group().lower()], chosen.group())
    return text[: chosen.start()] + replacement + text[chosen.end() :]


# --- content ------------------------------------------------------------------------------

NEGATABLE = AUXILIARIES - {"has", "have", "had", "do", "does", "did"}
_PREPOSITIONS = frozenset("in on at for with from by during after before since under".split())


def omit(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """A clause between commas, or a prepositional phrase, left out."""
    body, final = _split_final(text)
    chunks = body.split(", ")
    candidates: list[tuple[int, int]] = []
    offset = 0
    for index, chunk in enumerate(chunks):
        if index and len(chunk.split()) >= 2:
            candidates.append((offset - 2, offset + len(chunk)))  # with the comma before it
        offset += len(chunk) + 2
    if not candidates:
        words = list(re.finditer(r"\S+", body))
        for index, word in enumerate(words[2:], start=2):
            if word.group().lower() in _PREPOSITIONS:
                stop = re.search(r"[,;:]", body[word.start() :])
                end = word.start() + stop.start() if stop else len(body)
                removed = body[word.start() : end].split()
                if 2 <= len(removed) <= len(words) - 3:
                    candidates.append((words[index - 1].end(), end))
    if not candidates:
        return None
    start, end = rng.choice(candidates)
    return body[:start] + body[end:] + final


def _split_final(text: str) -> tuple[str, str]:
    stripped = text.rstrip()
    if stripped and stripped[-1] in _FINAL:
        return stripped[:-1], stripped[-1] + text[len(stripped) :]
    return stripped, text[len(stripped) :]


def add_content(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """A phrase no source supports inserted before the final punctuation."""
    body, final = _split_final(text)
    if not body:
        return None
    return f"{body} {rng.choice(ADDED_PHRASES)}{final}"


def add_sentence(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """A sentence from another item's text (so unsupported by this source) appended."""
    language = "ar" if is_arabic(text) else "en"
    own = set(split_sentences(text)) | set(split_sentences(source))
    choices = [s for s in pool.sentences.get(language, []) if s not in own and s not in source]
    sentence = rng.choice(choices) if choices else ADDED_SENTENCES[language]
    return f"{text.rstrip()} {sentence}"


def untranslated(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """One to three words replaced by the Arabic words at the same place in the source."""
    words = list(re.finditer(r"\S+", text))
    arabic = [w for w in source.split() if is_arabic(w)]
    if len(words) < 4 or not arabic:
        return None
    size = rng.randint(1, min(3, len(arabic), len(words) - 1))
    first = rng.randrange(0, len(words) - size + 1)
    at = min(round(first / len(words) * len(arabic)), len(arabic) - size)
    span = " ".join(arabic[at : at + size])
    last = words[first + size - 1].group()
    trailing = last[len(last.rstrip(_FINAL + ",;:")) :]
    return text[: words[first].start()] + span + trailing + text[words[first + size - 1].end() :]


# --- form ---------------------------------------------------------------------------------


def shuffle_words(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """The words put in a random order (the final punctuation stays last)."""
    body, final = _split_final(text)
    words = body.split()
    if len(set(words)) < 3:
        return None
    shuffled = list(words)
    while shuffled == words:
        rng.shuffle(shuffled)
    return " ".join(shuffled) + final


def repeat_word(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """One word written twice."""
    words = [m for m in _WORD.finditer(text) if len(m.group()) > 3] or list(_WORD.finditer(text))
    if not words:
        return None
    chosen = rng.choice(words)
    return text[: chosen.end()] + " " + chosen.group() + text[chosen.end() :]


def drop_final_punctuation(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """The sentence-final punctuation mark removed."""
    body, final = _split_final(text)
    return body + final[1:] if final.strip() else None


def lowercase(text: str, source: str, rng: random.Random, pool: Pool) -> str | None:
    """The whole text lowercased."""
    lowered = text.lower()
    return lowered if lowered != text else None


@dataclass(frozen=True)
class Phenomenon:
    name: str
    severity: Severity
    perturb: Perturb
    description: str


TRANSLATION_PHENOMENA: Sequence[Phenomenon] = (
    Phenomenon("number", Severity.CRITICAL, change_number, "a number changed"),
    Phenomenon("named_entity", Severity.CRITICAL, swap_entity, "a name swapped"),
    Phenomenon("negation", Severity.CRITICAL, negate, "negation added or removed"),
    Phenomenon("antonym", Severity.CRITICAL, antonym, "a word replaced by its antonym"),
    Phenomenon("omission", Severity.MAJOR, omit, "a clause or phrase left out"),
    Phenomenon("addition", Severity.MAJOR, add_content, "unsupported content added"),
    Phenomenon("untranslated", Severity.MAJOR, untranslated, "an Arabic span left in"),
    Phenomenon("word_order", Severity.MAJOR, shuffle_words, "the words shuffled"),
    Phenomenon("repetition", Severity.MINOR, repeat_word, "a word repeated"),
    Phenomenon("punctuation", Severity.MINOR, drop_final_punctuation, "final punctuation dropped"),
    Phenomenon("lowercase", Severity.MINOR, lowercase, "the sentence lowercased"),
)

#: named apart from the translation ones, so a run with both tasks keeps them in their own rows
SUMMARY_PHENOMENA: Sequence[Phenomenon] = (
    Phenomenon("summary_number", Severity.CRITICAL, change_number, "a number changed"),
    Phenomenon("unsupported_sentence", Severity.CRITICAL, add_sentence, "a sentence added"),
    Phenomenon("summary_negation", Severity.CRITICAL, negate, "negation added or removed"),
)
