"""The vectorised bootstrap statistics equal the statistic recomputed on each resample built
by hand, and the permutation test behaves as a test should."""

import numpy as np
import pytest

from harness.meta.correlation import acc_eq, kendall_tau_b, pearson
from harness.meta.resample import (
    acc_eq_bootstrap,
    flat_acc_eq_bootstrap,
    item_counts,
    permutation_p,
    tau_b_bootstrap,
)


def grid(seed, items=9, systems=3):
    rng = np.random.default_rng(seed)
    human = rng.integers(0, 4, (items, systems)).astype(float)
    metric = human + rng.integers(-2, 3, (items, systems)) / 2
    return human, metric


@pytest.mark.parametrize("seed", range(4))
def test_tau_b_bootstrap_equals_recomputed_resamples(seed):
    human, metric = grid(seed)
    human[0, 1] = np.nan  # an unrated output
    rated = ~np.isnan(human)
    item = np.nonzero(rated)[0]
    counts = item_counts(len(human), 25, seed)
    fast = tau_b_bootstrap(metric[rated], human[rated], item, counts)
    for r, row in enumerate(counts):
        drawn = np.repeat(np.arange(len(row)), row)
        h = np.concatenate([human[i][rated[i]] for i in drawn])
        m = np.concatenate([metric[i][rated[i]] for i in drawn])
        np.testing.assert_allclose(fast[r], kendall_tau_b(m, h), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_acc_eq_bootstrap_equals_recomputed_resamples(seed):
    human, metric = grid(seed)
    counts = item_counts(len(human), 25, seed)
    fast = acc_eq_bootstrap(human, metric, counts)
    for r, row in enumerate(counts):
        drawn = np.repeat(np.arange(len(row)), row)
        assert fast[r] == pytest.approx(acc_eq(human[drawn], metric[drawn])[0], abs=1e-12)
    flat = flat_acc_eq_bootstrap(human[:, 0], metric[:, 0], counts[:3])
    for r, row in enumerate(counts[:3]):
        drawn = np.repeat(np.arange(len(row)), row)
        assert flat[r] == pytest.approx(acc_eq(human[drawn, 0][None], metric[drawn, 0][None])[0])


def test_permutation_test_separates_a_good_metric_from_noise():
    rng = np.random.default_rng(3)
    human = rng.normal(size=(40, 4))
    good = human + rng.normal(scale=0.3, size=human.shape)
    noise = rng.normal(size=human.shape)
    statistic = lambda m: acc_eq(human, m)[0]  # noqa: E731
    p, delta = permutation_p(noise, good, statistic, trials=200)
    assert delta > 0 and p < 0.01
    p_same, _ = permutation_p(good, good + 0.0, statistic, trials=200)
    assert p_same == 1.0  # identical metrics: every trial ties the observed difference of 0
    systems = human.mean(axis=0)
    p_sys, _ = permutation_p(
        noise.mean(axis=0), good.mean(axis=0), lambda m: pearson(systems, m), trials=200
    )
    assert 0 <= p_sys <= 1
