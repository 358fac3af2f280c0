"""Whether two reports' scores of one metric are comparable, read from their signatures.

A signature (``BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0|bs:1000|rs:12345``)
mixes three kinds of field:

- the metric's *definition* (tokenizer, n-gram orders, case, smoothing, stemmer, references…):
  scores made under different definitions are different numbers, so a difference refuses the
  comparison, naming each differing field;
- *library versions* (``version``, and the nltk version inside ``stem``): the gate recomputes
  every score from the stored statistics with the code running now, so an upgrade of
  sacrebleu, rouge-score or nltk is a warning naming both versions, not a refusal;
- *resampling settings* (``bs``, ``rs``, ``ar``, ``resample``): how intervals and tests are
  drawn, a setting of the comparison made now, not of the metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: fields that say how a comparison resamples, not what the metric computes
RESAMPLING_FIELDS = frozenset({"bs", "rs", "ar", "resample", "seed"})
VERSION_FIELD = "version"
#: a library version written inside a definition field (``stem:isri-arabic-nltk-3.9``)
_EMBEDDED_VERSION = re.compile(r"-(?P<library>nltk)-(?P<version>[0-9][^+|]*)")


@dataclass(frozen=True)
class Signature:
    """A signature split into its definition, its library versions and its resampling."""

    definition: dict[str, str]
    versions: dict[str, str]
    resampling: dict[str, str] = field(default_factory=dict)


def parse_signature(text: str) -> Signature:
    """Fields ``key:value`` by key; a field without a key (the metric's display name,
    ``grusky2018-greedy``) is kept under its position."""
    definition: dict[str, str] = {}
    versions: dict[str, str] = {}
    resampling: dict[str, str] = {}
    for position, part in enumerate(text.split("|")):
        key, sep, value = part.partition(":")
        if not sep:
            definition[f"#{position}"] = part
            continue
        if key in RESAMPLING_FIELDS:
            resampling[key] = value
        elif key == VERSION_FIELD:
            versions[key] = value
        else:
            for found in _EMBEDDED_VERSION.finditer(value):
                versions[found["library"]] = found["version"]
            definition[key] = _EMBEDDED_VERSION.sub("-\\g<library>", value)
    return Signature(definition, versions, resampling)


@dataclass(frozen=True)
class SignatureCheck:
    """What differs between a baseline's and a candidate's signature of one metric."""

    metric: str
    #: definition fields that differ: (field, baseline value, candidate value); None = absent
    refusals: list[tuple[str, str | None, str | None]]
    #: library versions that differ: (library field, baseline, candidate)
    versions: list[tuple[str, str | None, str | None]]

    def refusal(self) -> str:
        """The exact differing fields, for a one-line error."""
        return "; ".join(
            f"{key}: {_show(base)} (baseline) vs {_show(cand)} (candidate)"
            for key, base, cand in self.refusals
        )

    def warning(self) -> str:
        return (
            f"{self.metric}: computed with other library versions ("
            + "; ".join(
                f"{key} {_show(base)} in the baseline, {_show(cand)} in the candidate"
                for key, base, cand in self.versions
            )
            + "); the definitions match, so the scores are compared (each recomputed from its "
            "stored statistics), but a library change to how those are counted would show here"
        )


def _show(value: str | None) -> str:
    return "absent" if value is None else repr(value)


def _differences(
    base: dict[str, str], cand: dict[str, str]
) -> list[tuple[str, str | None, str | None]]:
    return [
        (f"field {key[1:]}" if key.startswith("#") else key, base.get(key), cand.get(key))
        for key in dict.fromkeys([*base, *cand])
        if base.get(key) != cand.get(key)
    ]


def check_signatures(metric: str, baseline: str | None, candidate: str | None) -> SignatureCheck:
    """Compare two signatures of ``metric`` (a report without one is compared as empty)."""
    if baseline is None or candidate is None:
        differs = [("signature", baseline, candidate)] if baseline != candidate else []
        return SignatureCheck(metric, differs, [])
    base, cand = parse_signature(baseline), parse_signature(candidate)
    return SignatureCheck(
        metric,
        _differences(base.definition, cand.definition),
        _differences(base.versions, cand.versions),
    )
