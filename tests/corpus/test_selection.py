"""``limit`` and ``sample``: a sample larger than the corpus is an error, not "all of them"."""

from __future__ import annotations

import pytest

from harness.corpus.selection import select_indices
from harness.corpus.spec import Sample
from harness.errors import HarnessError


def test_a_sample_keeps_original_order_and_is_seeded():
    chosen = select_indices(100, None, Sample(n=10, seed=1))
    assert len(chosen) == 10 and chosen == sorted(chosen)
    assert chosen == select_indices(100, None, Sample(n=10, seed=1))
    assert chosen != select_indices(100, None, Sample(n=10, seed=2))


def test_a_sample_of_the_whole_corpus_is_all_of_it():
    assert select_indices(5, None, Sample(n=5)) == [0, 1, 2, 3, 4]


def test_a_sample_larger_than_the_corpus_is_an_error():
    with pytest.raises(HarnessError, match=r"^corpus 'x': sample: n = 6 is more than the 5 item\(s\) it has$"):
        select_indices(5, None, Sample(n=6), "corpus 'x'")


def test_a_limit_is_at_most_n():
    assert select_indices(3, 10, None) == [0, 1, 2]
