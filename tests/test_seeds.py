"""Intervals over seeds and verdicts read off them (xaiaudio.experiments.seeds)."""

import numpy as np
import pytest
import scipy.stats

from xaiaudio.experiments.seeds import (
    bootstrap_interval,
    compare_with_paper,
    holm_adjusted,
    not_measurable,
    seed_summary,
    t_interval,
    verdict_from_interval,
)


def test_a_clear_effect_holds_a_reversed_one_fails_noise_is_inconclusive():
    rng = np.random.default_rng(0)
    assert seed_summary(5.0 + rng.normal(0, 1, 5)).verdict == "holds"
    assert seed_summary(-5.0 + rng.normal(0, 1, 5)).verdict == "fails"
    assert seed_summary([1.0, -1.2, 0.8, -0.9, 0.1]).verdict == "inconclusive"


def test_t_interval_matches_a_one_sample_t_test():
    values = np.array([0.3, 1.1, 0.7, 1.9, 0.2])
    low, high = t_interval(values)
    # zero lies exactly on the bound when the t-test's p-value is 0.05
    assert (low > 0) == (scipy.stats.ttest_1samp(values, 0).pvalue < 0.05)
    mean, sem = values.mean(), scipy.stats.sem(values)
    t = scipy.stats.t.ppf(0.975, len(values) - 1)
    assert (low, high) == pytest.approx((mean - t * sem, mean + t * sem))


def test_bootstrap_interval_agrees_with_scipy_percentile_bootstrap():
    values = np.random.default_rng(1).normal(2.0, 1.0, 12)
    ours = bootstrap_interval(values, resamples=20_000)
    theirs = scipy.stats.bootstrap((values,), np.mean, n_resamples=20_000, method="percentile",
                                   random_state=0).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), abs=0.05)
    # with few seeds the bootstrap is narrower than the t interval: why the book uses t
    few = values[:4]
    assert np.diff(bootstrap_interval(few)) < np.diff(t_interval(few))


def test_failed_seeds_are_reported_not_dropped_silently():
    summary = seed_summary([2.0, np.nan, 2.5, 3.0, np.inf])
    assert summary.n_seeds == 3 and summary.verdict == "holds"
    assert "2 of 5 seeds failed" in summary.reason
    assert np.isnan(summary.per_seed[1]) and len(summary.per_seed) == 5
    lonely = seed_summary([1.0, np.nan])
    assert lonely.verdict == "inconclusive" and "fewer than the 2" in lonely.reason


def test_verdict_edges_and_not_measurable():
    assert verdict_from_interval(0.0, 1.0) == "inconclusive"
    assert verdict_from_interval(np.nan, 1.0) == "inconclusive"
    assert seed_summary([1.0, 1.0, 1.0]).verdict == "holds"   # zero spread, positive: holds
    summary = not_measurable("no ground-truth rates in this folder", 3)
    assert summary.verdict == "not measurable" and summary.n_seeds == 0 and len(summary.per_seed) == 3


def test_as_well_as_is_non_inferiority_with_a_margin():
    rng = np.random.default_rng(3)
    equal = rng.normal(0.0, 0.3, 5)                   # a clearly equal pair
    worse = -10.0 + rng.normal(0.0, 1.0, 5)           # a clearly worse one
    assert seed_summary(equal, margin=2.5).verdict == "non-inferior"
    assert seed_summary(worse, margin=2.5).verdict == "inferior"
    # the same equal pair read as superiority proves nothing either way
    assert seed_summary(equal).verdict == "inconclusive"
    # an interval that reaches past the margin is inconclusive, however close its mean is to 0
    assert seed_summary([-4.0, 1.0, -2.0, 0.5, -3.5], margin=2.5).verdict == "inconclusive"
    assert "-2.5 (the margin)" in seed_summary(worse, margin=2.5).reason
    assert verdict_from_interval(-2.0, 1.0, margin=2.5) == "non-inferior"
    assert verdict_from_interval(-4.0, -3.0, margin=2.5) == "inferior"


def test_p_value_agrees_with_the_interval_it_inverts():
    rng = np.random.default_rng(4)
    for _ in range(50):
        values = rng.normal(rng.uniform(-4, 4), 2.0, 5)
        for margin in (None, 2.5):
            summary = seed_summary(values, margin=margin)
            decided = summary.verdict != "inconclusive"
            assert decided == (summary.p_value < 0.05)
    assert seed_summary([1.0, 1.0, 1.0]).p_value == 0.0


def test_holm_adjusted_p_values():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, then the running maximum
    adjusted = holm_adjusted([0.01, 0.04, 0.03, 0.005, np.nan])
    assert adjusted[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])                        # no test: not counted in the family
    assert holm_adjusted([0.5, 0.9]) == pytest.approx([1.0, 1.0])   # capped at 1
    # one test is its own family: Holm changes nothing
    assert holm_adjusted([0.03]) == pytest.approx([0.03])


def test_the_paper_value_is_placed_against_our_interval():
    assert compare_with_paper(1.0, 3.0, 2.0) == "contains"
    assert compare_with_paper(1.0, 3.0, 18.2) == "below"     # holds, but far short of the paper
    assert compare_with_paper(1.0, 3.0, 0.5) == "above"
    assert compare_with_paper(1.0, 3.0, None) is None
    assert compare_with_paper(np.nan, np.nan, 2.0) is None
