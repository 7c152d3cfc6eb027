"""Budget curves, their knee, whether they still rise, and where the preset sits
(xaiaudio.experiments.budgets), and the one sentence builder and figure of every model's curves
(xaiaudio.report.budget_figures)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.core.presets import setup  # noqa: E402
from xaiaudio.experiments.budgets import (  # noqa: E402
    BudgetCurve,
    at_least,
    budget_curve,
    knee,
    still_rising,
    sweep_budgets,
)
from xaiaudio.report.budget_figures import budget_label, budget_sentences, plot_budget_curves  # noqa: E402

CAPS = [{"max_epochs": cap, "patience": cap // 4} for cap in (4, 8, 16, 32)]


def curve(means, preset=None, budgets=CAPS, tolerance=1.0):
    """A curve of two seeds, each 1 point either side of ``means``."""
    means = np.asarray(means, dtype=float)
    budgets = budgets[:len(means)]
    return BudgetCurve(tuple(budgets), (0, 1), np.stack([means - 1, means + 1], axis=1),
                       preset or budgets[0], tolerance)


def test_knee_is_where_more_budget_stops_paying():
    assert knee([50, 70, 80, 80.5, 81]) == 2          # 80 -> at most 81: within one point
    assert knee([50, 70, 80, 80.5, 83]) == 4          # a late gain of 3 points moves the knee
    assert knee([60, 60, 60]) == 0
    assert knee([10, 20, 30], tolerance=15) == 1
    with pytest.raises(ValueError):
        knee([1.0, np.nan])
    with pytest.raises(ValueError):
        still_rising([])


def test_the_reviewer_s_curve_has_its_knee_first_and_is_not_still_rising():
    reviewer = curve([80, 81, 70, 75])
    assert reviewer.knee == 0 and not reviewer.still_rising
    text = budget_sentences({"S1": reviewer}, "validation macro accuracy", "book")
    assert "the knee is at cap 4, patience 1" in text
    assert "largest" not in text and "still rises" not in text


def test_a_rising_curve_is_still_rising_with_its_knee_at_the_last_budget():
    rising = curve([60, 70, 80, 90])
    assert rising.still_rising and rising.knee == 3
    text = budget_sentences({"S1": rising}, "validation macro accuracy", "book")
    assert "it still rises by 10.0 points into the largest budget swept (cap 32, patience 8)" in text


@pytest.mark.parametrize("means", [[80, 81, 70, 75], [60, 70, 80, 90], [60, 90, 85, 91.5], [60, 90, 85, 90.9],
                                   [50, 50.5, 51], [70], [3, 1, 2, 2.5, 5]])
def test_still_rising_holds_exactly_when_the_knee_is_the_last_of_several_budgets(means):
    assert still_rising(means) == (len(means) > 1 and knee(means) == len(means) - 1)


def test_still_rising_compares_the_last_budget_with_every_smaller_one():
    assert still_rising([60.0, 70.0, 80.0, 90.0])
    assert not still_rising([60.0, 70.0, 90.0, 90.5])
    assert not still_rising([60.0, 70.0, 80.0, 90.0], tolerance=20.0)
    assert not still_rising([60.0])
    assert not still_rising([80, 81, 70, 75])  # rises by 5 into the last budget, but not above 81


def test_at_least_compares_every_setting_and_no_cap_is_the_largest():
    assert at_least({"max_epochs": 60, "patience": 15}, {"max_epochs": 20, "patience": 5})
    assert not at_least({"max_epochs": 60, "patience": 15}, {"max_epochs": 40, "patience": 20})
    assert at_least({"max_stage_epochs": None, "patience": 10}, {"max_stage_epochs": 100, "patience": 10})
    assert not at_least({"max_stage_epochs": 100, "patience": 10}, {"max_stage_epochs": None, "patience": 10})


def test_position_of_the_preset_against_the_knee():
    flat = [60, 80, 85, 85.5]  # knee at cap 16
    assert curve(flat, CAPS[2]).position == "at"
    assert curve(flat, CAPS[3]).position == "past"
    assert curve(flat, CAPS[1]).position == "before"
    # a larger cap with a shorter patience may stop earlier than the knee's run: not past it
    assert curve(flat, {"max_epochs": 20, "patience": 2}).position == "before"
    rising = [60, 70, 80, 90]
    assert curve(rising, CAPS[2]).position == "before"
    assert curve(rising, CAPS[3]).position == "unplaced"
    assert curve(rising, {"max_epochs": 64, "patience": 16}).position == "unplaced"


def test_headroom_is_what_larger_budgets_still_add_to_the_preset():
    assert curve([60, 70, 80, 79], CAPS[1]).headroom == pytest.approx(10.0)
    assert curve([60, 70, 69, 68.5], CAPS[1]).headroom == pytest.approx(-1.0)
    assert np.isnan(curve([60, 70, 80, 79], CAPS[3]).headroom)                     # the largest budget
    assert np.isnan(curve([60, 70, 80, 79], {"max_epochs": 8, "patience": 3}).headroom)  # not swept


def test_a_curve_checks_its_shape_and_that_budgets_increase():
    with pytest.raises(ValueError, match="increase"):
        curve([1, 2], budgets=[CAPS[1], CAPS[0]])
    with pytest.raises(ValueError, match="shape"):
        BudgetCurve((CAPS[0],), (0, 1), np.zeros((2, 2)), CAPS[0])


def test_budget_curve_trains_every_budget_and_seed():
    calls = []

    def train(budget, seed):
        calls.append((budget["epochs"], seed))
        return 100 - 50 / budget["epochs"] + seed

    result = budget_curve(train, [{"epochs": 1}, {"epochs": 10}], seeds=[0, 2], preset={"epochs": 10})
    assert calls == [(1, 0), (1, 2), (10, 0), (10, 2)]
    assert list(result.mean) == [51.0, 96.0] and list(result.scores[:, 1]) == [52.0, 97.0]
    assert result.std[0] == pytest.approx(np.std([50, 52], ddof=1))
    assert result.preset_index == 1 and result.still_rising and result.position == "unplaced"
    table = result.table()
    assert list(table.columns) == ["epochs", "mean", "std", "seed 0", "seed 2"]
    assert list(table["seed 2"]) == [52.0, 97.0]


def test_sweep_budgets_gives_every_model_its_curve():
    # (its worker processes are tested through both sweeps, in test_convnet_budgets and
    # test_prototype_budgets)
    def score(data, config, model, budget, seed):
        return data[model] * budget["epochs"] + seed

    data = {"a": 1.0, "b": 2.0}
    budgets = {"a": [{"epochs": 1}, {"epochs": 2}], "b": [{"epochs": 3}]}
    presets = {"a": {"epochs": 2}, "b": {"epochs": 3}}
    curves = sweep_budgets(score, data, setup("smoke", "cpu"), budgets, presets, 2, workers=1, tolerance=0.5)
    assert list(curves) == ["a", "b"]
    np.testing.assert_array_equal(curves["a"].scores, [[1, 2], [2, 3]])
    assert curves["a"].seeds == (0, 1) and curves["b"].preset == {"epochs": 3}
    assert curves["a"].tolerance == 0.5 and curves["a"].position == "unplaced"


def test_budget_label_names_caps_patience_and_epochs():
    assert budget_label({"max_stage_epochs": 12, "patience": 3}) == "cap 12, patience 3"
    assert budget_label({"max_stage_epochs": None, "patience": 10}) == "no cap, patience 10"
    assert budget_label({"max_epochs": 60, "patience": 15}) == "cap 60, patience 15"
    assert budget_label({"baseline_epochs": 48}) == "48 epochs"


def epochs_curve(means, preset, sizes=(12, 24, 48, 96)):
    budgets = [{"baseline_epochs": size} for size in sizes[:len(means)]]
    return curve(means, preset, budgets)


def test_sentences_say_where_the_preset_stands():
    rising = curve([55.0, 58.5], CAPS[0])
    flat = epochs_curve([61.0, 69.0, 74.0, 73.5], {"baseline_epochs": 48})
    falling = epochs_curve([15.0, 11.0, 12.0], {"baseline_epochs": 24})
    text = budget_sentences({"supervised prototypes": rising, "direct CNN": flat,
                             "autoencoder + k-means": falling}, "validation OA", "book")
    assert text.startswith("Supervised prototypes: mean validation OA 55.0 % (cap 4, patience 1), "
                           "58.5 % (cap 8, patience 2); it still rises by 3.5 points into the largest "
                           "budget swept (cap 8, patience 2), so the sweep does not show its knee. The book "
                           "preset trains it with cap 4, patience 1 (55.0 %), before the knee: a larger "
                           "budget swept scores up to 3.5 points more.")
    assert "Direct CNN: mean validation OA 61.0 % (12 epochs)" in text and "the knee is at 48 epochs" in text
    assert "48 epochs (74.0 %), at the knee." in text
    assert "the knee is at 12 epochs" in text and "24 epochs (11.0 %), past the knee." in text
    at_the_end = budget_sentences({"m": curve([55.0, 58.5], CAPS[1])}, "validation OA", "smoke")
    assert at_the_end.endswith("The smoke preset trains it with cap 8, patience 2 (58.5 %), at the largest "
                               "budget swept, which cannot be placed against a knee the sweep does not show.")
    unswept = budget_sentences({"m": epochs_curve([61.0, 74.0, 74.5], {"baseline_epochs": 18})}, "OA", "book")
    assert unswept.endswith("trains it with 18 epochs, before the knee.")


def test_plot_marks_knees_and_the_preset_budget():
    cnn = epochs_curve([61.0, 74.0, 74.5], {"baseline_epochs": 36})
    prototypes = curve([55.0, 58.5], CAPS[0])
    curves = {"direct CNN": cnn, "supervised prototypes": prototypes}
    axes = plot_budget_curves(curves, "validation OA", "book")
    assert len(axes) == 2
    star = [line for line in axes[0].lines if line.get_marker() == "*"]
    assert len(star) == 1 and star[0].get_xdata()[0] == 1
    dashed = [line for line in axes[0].lines if line.get_linestyle() == "--"]
    assert dashed[0].get_xdata()[0] == pytest.approx(1.5)  # 36 epochs: half-way from 24 to 48
    assert not [line for line in axes[1].lines if line.get_marker() == "*"]  # still rising: no knee swept
    assert any("still rising" in text.get_text() for text in axes[1].texts)
    assert "book preset's budget" in [text.get_text() for text in axes[0].get_legend().get_texts()]
    ticks = [tick.get_text() for tick in axes[1].get_xticklabels()]
    assert ticks == ["cap 4\npatience 1", "cap 8\npatience 2"]
    plt.close(axes[0].figure)
