"""Summaries of the chapter "Class-wise aggregation" (xaiaudio.explain.statistics) with known answers."""

import numpy as np
import pandas as pd
import pytest

from xaiaudio.explain import statistics


def test_classwise_mean_averages_examples_and_time_and_blanks_empty_classes():
    values = np.array([[[1.0, 3.0], [0.0, 0.0]],
                       [[5.0, 7.0], [2.0, 2.0]],
                       [[9.0, 9.0], [1.0, 3.0]]])  # (examples, paths, frames)
    means = statistics.classwise_mean(values, [0, 0, 2], n_classes=3)
    np.testing.assert_allclose(means[0], [4.0, 1.0])
    assert np.isnan(means[1]).all()
    np.testing.assert_allclose(means[2], [9.0, 2.0])
    # a time-averaged (examples, paths) input gives the same answer
    np.testing.assert_allclose(statistics.classwise_mean(values.mean(-1), [0, 0, 2], 3), means)


def test_s1_vote_percent_overall_per_class_and_without_votes():
    counts = np.array([[3, 1, 0, 0], [0, 0, 2, 2], [0, 0, 0, 0]])
    second_order = np.array([False, False, True, True])
    assert statistics.s1_vote_percent(counts, second_order) == pytest.approx(50.0)
    assert statistics.s1_vote_percent(counts[0], second_order) == pytest.approx(100.0)
    assert statistics.s1_vote_percent(counts[1], second_order) == 0.0
    assert np.isnan(statistics.s1_vote_percent(counts[2], second_order))


def test_vote_summary_pools_carriers_per_modulation_frequency():
    # two S1 paths, then four S2 paths; the first two S2 paths share lambda2 once rounded to 0.01 Hz
    lambda2 = np.array([np.nan, np.nan, 4.001, 4.004, 8.0, 16.0])
    second_order = np.isfinite(lambda2)
    counts = np.array([[1, 0, 2, 2, 3, 0],    # pooled, 4 Hz has 4 votes and beats 8 Hz's 3
                       [0, 0, 0, 0, 0, 0],    # no vote at all
                       [0, 2, 0, 0, 1, 1]])   # a tie between 8 and 16 Hz goes to the lower
    labels = np.array([0, 0, 1, 2, 2, 2])
    rates = np.array([4.0, 6.0, np.nan, 8.0, np.nan, 10.0])
    names = ["trill", "tremolo", "vibrato"]
    table = statistics.vote_summary(counts, lambda2, second_order, names, labels, rates)
    assert isinstance(table, pd.DataFrame) and list(table.index) == names
    assert table.index.name == "technique"
    modal = table["modal lambda2 of top-n votes (Hz)"]
    assert modal["trill"] == pytest.approx(4.0) and np.isnan(modal["tremolo"]) and modal["vibrato"] == 8.0
    median = table["true rate, median (Hz)"]
    assert median["trill"] == pytest.approx(5.0) and np.isnan(median["tremolo"]) and median["vibrato"] == 9.0
    s1 = table["votes on S1 (%)"]
    assert s1["trill"] == pytest.approx(12.5) and np.isnan(s1["tremolo"])
    assert s1["vibrato"] == pytest.approx(50.0)


def _scores():
    return pd.DataFrame({"method": ["A", "B", "paper", "C", "random"],
                         "localisation share": [0.9, 0.5, 0.6, 0.2, 0.3],
                         "mean AOPC": [0.20, 0.40, 0.30, 0.35, 0.10]}).set_index("method")


def test_method_ranking_names_the_best_and_places_the_reference():
    ranking = statistics.method_ranking(_scores(), reference="paper")
    assert ranking["best_localisation"] == "A" and ranking["best_localisation_share"] == pytest.approx(0.9)
    assert ranking["best_aopc"] == "B" and ranking["best_aopc_value"] == pytest.approx(0.40)
    assert ranking["baseline_share"] == pytest.approx(0.3)
    assert ranking["baseline_aopc"] == pytest.approx(0.10)
    assert ranking["reference_share"] == pytest.approx(0.6)
    assert ranking["reference_aopc"] == pytest.approx(0.30)
    assert ranking["reference_aopc_rank"] == 3  # after B (0.40) and C (0.35)
    assert ranking["beat_baseline"] == ["A", "B", "paper"]  # C localises worse than random
    assert ranking["n_methods"] == 4


def test_method_ranking_ties_share_the_better_rank_and_need_the_baseline():
    scores = _scores()
    scores.loc[["B", "C"], "mean AOPC"] = 0.30  # three methods tied with the reference at the top
    ranking = statistics.method_ranking(scores, reference="paper")
    assert ranking["reference_aopc_rank"] == 1  # an average rank would say 2
    assert ranking["best_aopc"] == "B"  # the first of the tied methods, in table order
    with pytest.raises(KeyError):
        statistics.method_ranking(scores.drop(index="random"), reference="paper")
