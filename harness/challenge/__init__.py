"""Challenge sets of minimal pairs: does a metric prefer the good translation to the one with
one error in it (a changed number, a negation, an untranslated span)?

Pairs are either generated from a system's outputs (:mod:`harness.challenge.perturb`) or read
from a JSONL file (:mod:`harness.challenge.pairs`); :mod:`harness.challenge.detection` scores
both sides with every configured metric and reports the share of pairs each metric gets right.
"""
