"""Holm's step-down adjustment on p-values worked out by hand."""

from __future__ import annotations

import pytest

from harness.stats.multiple import holm


def test_holm_on_known_p_values() -> None:
    # sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → monotone: 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_untested_buckets_out_of_the_family() -> None:
    # m = 2 (the None is no test): 0.02·2 = 0.04, then max(0.04, 0.6·1) = 0.6
    assert holm([0.6, None, 0.02]) == [pytest.approx(0.6), None, pytest.approx(0.04)]
    assert holm([0.5, 0.7]) == [1.0, 1.0]
    assert holm([]) == []


def test_holm_lies_between_the_raw_p_and_bonferroni() -> None:
    p = [0.001, 0.2, 0.013, 0.04, 0.5, 0.0031]
    for raw, adjusted in zip(p, holm(p), strict=True):
        assert raw <= adjusted <= min(1.0, len(p) * raw)
