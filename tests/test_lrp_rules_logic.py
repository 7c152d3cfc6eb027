"""The logic behind chapter "Comparing LRP rules": the clips of Fig. 1, generated tables and conclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xaiaudio.experiments.examples import clips_nearest_pitch, common_pitch
from xaiaudio.explain import statistics
from xaiaudio.report import rule_comparison

TECHNIQUES = ["vibrato", "trill", "tremolo"]


def _table(rows, index=None) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["technique", "midi"], index=index)


# ----------------------------------------------------------------------------- pitch matching
def test_common_pitch_minimises_the_summed_distance_to_every_technique():
    table = _table([("vibrato", 60), ("vibrato", 72), ("trill", 62), ("trill", 71), ("tremolo", 70)])
    # Cost of 70: |72-70| + |71-70| + 0 = 3, of 71: 1 + 0 + 1 = 2, of 72: 0 + 1 + 2 = 3, of 60: 0 + 2 + 10.
    assert common_pitch(table, TECHNIQUES) == 71


def test_common_pitch_breaks_ties_towards_the_reference_and_ignores_absent_techniques():
    table = _table([("vibrato", 64), ("vibrato", 69), ("trill", 64), ("trill", 69)])
    assert common_pitch(table, TECHNIQUES) == 69                          # tremolo has no clip
    assert common_pitch(table, TECHNIQUES, reference_midi=60) == 64
    assert common_pitch(table, ["bisbigliando", "trill"]) == 69


def test_clips_nearest_pitch_gives_positions_one_per_technique():
    table = _table([("trill", 60), ("vibrato", 67), ("vibrato", 71), ("trill", 69), ("trill", 69)],
                   index=[50, 51, 52, 53, 54])
    chosen = clips_nearest_pitch(table, TECHNIQUES, 69)
    # Vibrato: 67 and 71 are equally far, the first wins; trill: the first of the two at 69.
    assert chosen == {"vibrato": 1, "trill": 3}
    assert list(chosen) == ["vibrato", "trill"]                           # in the order asked


# ----------------------------------------------------------------------------- tables
def test_kurtosis_table_gives_mean_and_std_overall_and_per_true_class():
    kurtosis = {"A": np.array([1.0, 3.0, 10.0, 20.0]), "B": np.array([2.0, 2.0, np.nan, 5.0])}
    labels = np.array([0, 0, 1, 1])
    table = rule_comparison.kurtosis_table(kurtosis, labels, ["x", "y", "z"], {"A": "13.82 ± 8.81"})
    assert list(table.index) == ["A", "B"] and table.index.name == "method"
    assert list(table.columns) == ["published (paper, SOL)", "all test clips", "x", "y", "z"]
    assert table.loc["A", "published (paper, SOL)"] == "13.82 ± 8.81"
    assert table.loc["B", "published (paper, SOL)"] == "-"
    assert table.loc["A", "all test clips"] == f"8.50 ± {np.std([1, 3, 10, 20], ddof=1):.2f}"
    assert table.loc["A", "x"] == "2.00 ± 1.41"
    assert table.loc["A", "y"] == "15.00 ± 7.07"
    assert table.loc["B", "y"] == "5.00 ± -"                              # one finite value: no std
    assert table.loc["A", "z"] == "-"                                     # no clip of class z


def test_paired_test_table_orders_columns_and_names_the_baseline():
    a, b = np.arange(8.0), np.arange(8.0) + np.linspace(0.5, 2.0, 8)
    tests = {"B": statistics.paired_test(a, b), "C": statistics.paired_test(a, a - np.linspace(0.5, 1.5, 8))}
    table = rule_comparison.paired_test_table(tests, baseline="A")
    assert list(table.columns) == list(rule_comparison.PAIRED_TEST_COLUMNS)
    assert list(table.index) == ["B", "C"]
    assert table.index.name == "kurtosis of ... minus A"
    assert table.loc["B", "mean_difference"] == pytest.approx(1.25)
    assert table.loc["C", "mean_difference"] == pytest.approx(-1.0)
    assert table.loc["B", "n"] == 8


def test_order_share_table_on_known_relevance():
    # Two S1 paths then two S2 paths: shares on S1 of 1/4 and 3/4 (signs do not matter).
    relevance = {"A": np.array([[1.0, 0.0, -2.0, 1.0], [0.0, -3.0, 1.0, 0.0]])}
    table = rule_comparison.order_share_table(relevance, n_s1=2)
    assert table.loc["A", "share on S1 (%)"] == pytest.approx(50.0)
    assert table.loc["A", "std (%)"] == pytest.approx(100 * np.std([0.25, 0.75], ddof=1))
    assert table.loc["A", "share on S2 (%)"] == pytest.approx(50.0)
    only_s1 = rule_comparison.order_share_table({"B": np.array([[2.0, 1.0, 0.0, 0.0]] * 2)}, n_s1=2)
    assert only_s1.loc["B", "share on S1 (%)"] == pytest.approx(100.0)


# ----------------------------------------------------------------------------- the composite taken apart
def _row(name, state, verdict, estimate=1.0, low=0.5, high=1.5, n_seeds=3, kurtosis=(9.0, 8.0)):
    return {"id": name, "variant": state, "factor": "layers", "estimate": estimate, "ci_low": low,
            "ci_high": high, "n_seeds": n_seeds, "verdict": verdict, "kurtosis": kurtosis[0],
            "baseline_kurtosis": kurtosis[1], "positive_s2": 99.6, "baseline_positive_s2": 58.2,
            "input_correlation": 0.974}


def test_drivers_table_reads_each_verdict_as_peakier_flatter_or_not_told_apart():
    rows = [_row("pub", "trained", "holds", 2.345, 1.0, 3.6789, kurtosis=(10.0, 7.655)),
            _row("pub", "untrained", "fails", -2, -3, -1),
            _row("abs", "trained", "inconclusive", 0.1, -1, 1.2)]
    table = rule_comparison.drivers_table(rows)
    assert table.index.names == ["variant", "network"]
    assert table.loc[("pub", "trained"), "kurtosis difference [95 % interval]"] == "2.35 [1.00, 3.68]"
    assert list(table["[eps, z+] maps"]) == ["peakier", "flatter", "not told apart"]
    assert table.loc[("pub", "trained"), "kurtosis, [eps, z+]"] == 10.0
    assert table.loc[("pub", "trained"), "kurtosis, LRP-eps"] == 7.66
    assert table.loc[("pub", "trained"), "positive S2 paths, [eps, z+] (%)"] == 100
    assert table.loc[("pub", "trained"), "positive S2 paths, LRP-eps (%)"] == 58
    assert table.loc[("abs", "trained"), "correlation with input"] == 0.97


def test_drivers_conclusion_lists_verdicts_says_which_map_moved_and_when():
    rows = [_row("pub", "trained", "inconclusive", kurtosis=(9.5, 9.5)),
            _row("written", "trained", "inconclusive", kurtosis=(9.7, 9.6)),
            _row("unmerged", "trained", "holds", kurtosis=(9.6, 6.7)),
            _row("input eps", "trained", "fails", kurtosis=(3.3, 8.9)),
            _row("pub", "untrained", "fails", n_seeds=2, kurtosis=(0.9, 6.6))]
    links = {"trained": {"n_clips": 40, "spearman": 0.5512, "agreement": 0.7, "published_peakier": 0.46},
             "untrained": {"n_clips": 40, "spearman": 0.92, "agreement": 0.975, "published_peakier": 0.03}}
    parts = rule_comparison.drivers_conclusion(rows, links, reference="pub")
    assert parts["verdicts"] == (
        'On the trained networks, over 3 seeds, the [eps, z+] maps are peakier (the whole 95 % interval '
        'above zero) for "unmerged"; flatter (the whole interval below zero) for "input eps"; not told '
        'apart from LRP-eps (the interval containing zero) for "pub", "written". Before training, over 2 '
        'seeds, the [eps, z+] maps are flatter (the whole interval below zero) for "pub".')
    assert ('Against the published pair on the trained networks (mean kurtosis 9.50 for [eps, z+], 9.50 for '
            'LRP-eps), the variants with another verdict move mainly the LRP-eps map: "unmerged" ([eps, z+] '
            '9.60, LRP-eps 6.70); and mainly the [eps, z+] map: "input eps" ([eps, z+] 3.30, LRP-eps 8.90), '
            '"pub" before training ([eps, z+] 0.90, LRP-eps 6.60).') in parts["maps"]
    assert "100 % of the S2 paths receive positive relevance (LRP-eps: 58 %)" in parts["maps"]
    assert parts["maps"].endswith("input at 0.97 on average.")
    trained = ("Clip by clip on the trained networks (40 clips), the rank correlation of the published "
               "composite's kurtosis with that of the input magnitude is 0.55, and whether it exceeds the "
               "kurtosis of LRP-eps matches whether the input's does for 70 % of the clips, so the input's "
               "own peakedness decides it only in part (the published map is the peakier for 46 % of them).")
    assert parts["clips"].startswith(trained)
    assert parts["clips"].endswith("for 98 % of the clips: there LRP-[eps, z+] is peakier than LRP-eps when "
                                   "the normalised input that the first convolution reads is itself peakier "
                                   "than the LRP-eps map (the published map is the peakier for 3 % of them).")
    same = rule_comparison.drivers_conclusion(
        [_row("pub", "trained", "fails"), _row("z+", "trained", "fails")], {}, reference="pub")
    assert same["maps"].startswith("Every variant has the verdict of the published pair.")
    assert "Before training" not in same["verdicts"] and same["clips"] == ""


def test_the_best_explainers_are_named_with_their_ties_at_the_printed_precision():
    tied_leaders, names_and = rule_comparison.tied_leaders, rule_comparison.names_and
    aopc = pd.Series({"integrated gradients": 0.8281, "gradient x input": 0.8279, "LRP-eps": 0.735})
    assert tied_leaders(aopc, 3) == ["integrated gradients", "gradient x input"]
    assert tied_leaders(aopc, 4) == ["integrated gradients"]
    assert names_and(["A"]) == "A"
    assert names_and(["A", "B"]) == "A and B"
    assert names_and(["A", "B", "C"]) == "A, B and C"
