"""The correlation code against scipy (pearsonr, kendalltau variant b) and against a
brute-force O(n²) acc_eq with tie calibration, on small cases with ties on both sides."""

import itertools

import numpy as np
import pytest
from scipy import stats

from harness.meta.correlation import acc_eq, kendall_tau_b, pairwise_accuracy, pearson


def cases():
    rng = np.random.default_rng(0)
    for n in (3, 5, 8, 13, 40):
        # integer scores on a small range: many ties on both sides
        yield rng.integers(0, 4, n).astype(float), rng.integers(0, 3, n).astype(float)
        yield rng.normal(size=n), rng.normal(size=n)
    yield np.array([1.0, 2, 2, 3, 3, 3]), np.array([0.5, 0.5, 1, 1, 2, 2])


@pytest.mark.parametrize(("x", "y"), list(cases()))
def test_pearson_and_kendall_b_match_scipy(x, y):
    expected_r = stats.pearsonr(x, y)[0] if np.ptp(x) and np.ptp(y) else np.nan
    np.testing.assert_allclose(pearson(x, y), expected_r, rtol=1e-12, atol=1e-12)
    expected_tau = stats.kendalltau(x, y, variant="b")[0]
    np.testing.assert_allclose(kendall_tau_b(x, y), expected_tau, rtol=1e-12, atol=1e-12)


def brute_acc_eq(human, metric):
    """Try every ε in {0} ∪ {|Δm|}: per row, count right pairs one by one; average rows."""
    gaps = {0.0} | {
        abs(row[i] - row[j])
        for row in metric
        for i, j in itertools.combinations(range(len(row)), 2)
    }
    best = (-1.0, 0.0)
    for eps in sorted(gaps):
        accuracies = []
        for h, m in zip(human, metric, strict=True):
            right = total = 0
            for i, j in itertools.combinations(range(len(h)), 2):
                if np.isnan(h[i]) or np.isnan(h[j]):
                    continue
                metric_tie = abs(m[i] - m[j]) <= eps
                human_tie = h[i] == h[j]
                if metric_tie or human_tie:
                    right += metric_tie and human_tie
                else:
                    right += (h[i] > h[j]) == (m[i] > m[j])
                total += 1
            if total:
                accuracies.append(right / total)
        if not accuracies:
            return (float("nan"), 0.0)  # no rated pair at all
        value = sum(accuracies) / len(accuracies)
        if value > best[0] + 1e-12:
            best = (value, eps)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_acc_eq_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    items, systems = rng.integers(1, 7), rng.integers(2, 6)
    human = rng.integers(0, 3, (items, systems)).astype(float)  # ties among humans
    metric = rng.integers(0, 5, (items, systems)) / 4.0  # ties among metric scores
    if seed % 2:
        human[rng.random(human.shape) < 0.2] = np.nan  # unrated outputs
    expected = brute_acc_eq(human, metric)
    got = acc_eq(human, metric)
    assert got[0] == pytest.approx(expected[0], abs=1e-12, nan_ok=True)
    assert got[1] == pytest.approx(expected[1])


def test_acc_eq_one_group_is_the_flat_version_and_ties_pay():
    human = np.array([[1.0, 1.0, 2.0, 3.0]])
    exact = np.array([[0.5, 0.5, 0.7, 0.9]])  # ties where the humans tie
    near = np.array([[0.50, 0.51, 0.7, 0.9]])  # a small gap the calibration turns into a tie
    assert acc_eq(human, exact) == (pytest.approx(1.0), 0.0)
    accuracy, epsilon = acc_eq(human, near)
    assert accuracy == pytest.approx(1.0) and epsilon == pytest.approx(0.01)
    assert acc_eq(human, near * 0 + np.array([[0.5, 0.9, 0.7, 0.6]]))[0] < 0.5


def test_pairwise_accuracy_counts_ties_as_agreement_only_with_ties():
    assert pairwise_accuracy(np.array([1, 2, 3.0]), np.array([10, 20, 30.0])) == 1.0
    assert pairwise_accuracy(np.array([1, 1, 3.0]), np.array([10, 20, 30.0])) == pytest.approx(
        2 / 3
    )
