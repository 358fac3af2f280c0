"""Small word lists the perturbations draw on: auxiliaries (for negation), antonyms, places
(the one entity type told apart without a tagger), and phrases that add unsupported content.

They are deliberately short and common: a perturbation that does not find its word skips the
item, which the report counts, rather than guessing.
"""

from __future__ import annotations

#: auxiliaries after which English negation takes ``not``
AUXILIARIES = frozenset(
    """is are was were am has have had can could will would should may might must does do did
    shall""".split()
)

#: contracted negations and what removing the negation leaves
CONTRACTIONS = {
    "can't": "can",
    "cannot": "can",
    "won't": "will",
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "doesn't": "does",
    "don't": "do",
    "didn't": "did",
    "hasn't": "has",
    "haven't": "have",
    "hadn't": "had",
    "couldn't": "could",
    "wouldn't": "would",
    "shouldn't": "should",
}

_ANTONYM_PAIRS = """
increase decrease  increased decreased  increases decreases  rise fall  rose fell  risen fallen
high low  higher lower  highest lowest  large small  larger smaller  largest smallest
big small  more less  most least  many few  first last  before after  early late
earlier later  north south  northern southern  east west  eastern western  win lose  won lost
open closed  opened closed  old new  older newer  strong weak  stronger weaker  positive negative
best worst  better worse  long short  major minor  good bad  cheap expensive
easy difficult  hot cold  warm cool  wet dry  rich poor  young old  above below  inside outside
accept reject  accepted rejected  allow forbid  allowed forbidden  support oppose
supported opposed  increase reduce  legal illegal  possible impossible  common rare
always never  full empty  fast slow  heavy light  safe dangerous  public private  true false
""".split()

#: antonyms, both directions (the first listing of a word wins)
ANTONYMS: dict[str, str] = {}
for _a, _b in zip(_ANTONYM_PAIRS[::2], _ANTONYM_PAIRS[1::2], strict=True):
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)

#: places: a name from this list is swapped only for another place
PLACES = frozenset(
    """Afghanistan Africa Albania Algeria America Amsterdam Argentina Asia Athens Australia
    Austria Baghdad Bahrain Bangkok Beijing Beirut Belgium Berlin Brazil Britain Brussels Cairo
    California Canada Chicago Chile China Colombia Cuba Cyprus Damascus Denmark Dubai Egypt
    England Europe Finland France Gaza Germany Greece Haiti Hungary India Indonesia Iran Iraq
    Ireland Israel Istanbul Italy Japan Jerusalem Jordan Kenya Korea Kuwait Lebanon Libya
    London Madrid Malaysia Mexico Morocco Moscow Nepal Netherlands Nigeria Norway Oman Pakistan
    Palestine Paris Peru Poland Portugal Qatar Riyadh Rome Russia Scotland Singapore Somalia
    Spain Sudan Sweden Switzerland Syria Texas Tokyo Tunisia Turkey Ukraine Venezuela Vietnam
    Washington Yemen Zimbabwe""".split()
)

#: content no source supports, inserted before the final punctuation
ADDED_PHRASES = (
    "for the first time",
    "according to local officials",
    "last year",
    "in the capital",
    "despite strong opposition",
    "after a long delay",
)

#: Arabic negation particles (removed when present)
ARABIC_NEGATIONS = ("لا", "لم", "لن", "ليس", "ليست", "ما")

#: unsupported sentences for summaries, by language (used when the corpus lends none)
ADDED_SENTENCES = {
    "en": "Officials said the decision would be reviewed next year.",
    "ar": "وقال مسؤولون إن القرار سيخضع للمراجعة العام المقبل.",
}
