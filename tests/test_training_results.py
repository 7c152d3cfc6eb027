"""Table 1 beside one run, and the budget sentence and figure (xaiaudio.report.training_results)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.report.training_results import (  # noqa: E402
    MACRO_ROW,
    PUBLISHED_TABLE1,
    budget_position,
    budget_sentence,
    plot_budget_curves,
    table1_comparison,
)
from xaiaudio.training.classifier import Evaluation, TrainingSettings  # noqa: E402

CLASSES = ["vibrato", "trill", "tremolo", "bisbigliando", "flatterzunge"]


def evaluation(labels, predictions):
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    return Evaluation(labels, predictions, np.zeros((len(labels), len(CLASSES))), len(CLASSES))


def test_table1_puts_this_run_beside_the_paper():
    # S1 gets vibrato wrong on both of its clips; S1+S2 gets everything right.
    labels = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    s1 = evaluation(labels, [1, 1, 1, 1, 2, 2, 3, 3, 4, 4])
    s1s2 = evaluation(labels, labels)
    table = table1_comparison({"S1": s1, "S1+S2": s1s2}, CLASSES)
    assert list(table.columns) == ["S1", "S1+S2", "S1 (published)", "S1+S2 (published)"]
    assert list(table.index) == CLASSES + [MACRO_ROW]
    assert table.index.name == "technique"
    assert table.loc["vibrato", "S1"] == 0.0 and table.loc["trill", "S1"] == 100.0
    assert table.loc[MACRO_ROW, "S1"] == pytest.approx(80.0)
    assert (table["S1+S2"] == 100.0).all()
    assert table.loc["trill", "S1 (published)"] == 70.33
    published_s1 = list(PUBLISHED_TABLE1["S1"].values())
    assert table.loc[MACRO_ROW, "S1 (published)"] == pytest.approx(np.mean(published_s1))
    assert table.loc[MACRO_ROW, "S1+S2 (published)"] == pytest.approx(98.838)


def test_table1_follows_the_class_order_of_the_run():
    order = ["flatterzunge", "tremolo", "trill", "vibrato", "bisbigliando"]
    labels = [0, 1, 2, 3, 4]
    table = table1_comparison({"S1": evaluation(labels, labels)}, order)
    assert list(table.columns) == ["S1", "S1 (published)"]
    assert list(table.index[:5]) == order
    assert table.loc["flatterzunge", "S1 (published)"] == 79.61
    assert table.loc["vibrato", "S1 (published)"] == 72.50


def curve(means, caps=(5, 10, 20, 40, 60, 100)):
    """A budget curve of two seeds, each 1 point either side of ``means``."""
    means = np.asarray(means, dtype=float)
    return pd.DataFrame({"max_epochs": list(caps), "patience": [max(1, c // 4) for c in caps], "mean": means,
                         "std": np.sqrt(2.0), "seed 0": means - 1, "seed 1": means + 1})


SETTINGS = TrainingSettings(max_epochs=60, patience=15)


def test_budget_position_against_a_knee():
    assert budget_position(SETTINGS, {"max_epochs": 60, "patience": 15}) == "at"
    assert budget_position(SETTINGS, {"max_epochs": 20, "patience": 5}) == "past"
    assert budget_position(SETTINGS, {"max_epochs": 100, "patience": 25}) == "before"
    # A larger cap with a shorter patience may stop earlier than the knee's run: not past it.
    assert budget_position(SETTINGS, {"max_epochs": 40, "patience": 20}) == "before"


def test_budget_sentence_when_the_budget_is_past_both_knees():
    curves = {"S1": curve([50, 60, 70, 70.5, 70, 70.2]), "S1+S2": curve([60, 80, 88, 95, 95.5, 95.8])}
    assert budget_sentence(curves, SETTINGS, "book", 1.0) == (
        "The book preset trains for at most 60 epochs with a patience of 15. Past its knee a curve gains "
        "at most 1 point of mean validation macro accuracy: the S1 curve reaches its knee at 20 epochs "
        "(patience 5) and the S1+S2 curve reaches its knee at 40 epochs (patience 10). So the book budget "
        "is past the knee for both feature sets.")


def test_budget_sentence_at_or_past_and_with_another_tolerance():
    curves = {"S1": curve([50, 60, 70, 70.5, 70, 70.2]), "S1+S2": curve([60, 80, 88, 90, 95, 95.8])}
    sentence = budget_sentence(curves, SETTINGS, "book", 1.0)
    assert sentence.endswith("So the book budget is at or past the knee for both feature sets.")
    assert "S1+S2 curve reaches its knee at 60 epochs (patience 15)" in sentence
    assert "gains at most 6 points" in budget_sentence(curves, SETTINGS, "book", 6.0)


def test_budget_sentence_names_what_falls_short_and_what_cannot_be_placed():
    rising = curve([50, 60, 70, 80, 90, 99])
    late = curve([50, 60, 70, 80, 90, 90.5])
    sentence = budget_sentence({"S1": late, "S1+S2": rising}, SETTINGS, "book", 1.0)
    assert "the S1 curve reaches its knee at 60 epochs" in sentence
    assert "the S1+S2 curve still rises at the largest budget swept (100 epochs)" in sentence
    assert sentence.endswith("So the book budget stops before the knee for S1+S2, where a larger budget "
                             "would still raise the validation accuracy.")
    # The largest budget itself, on a curve still rising there: no knee to be past.
    largest = TrainingSettings(max_epochs=100, patience=25)
    assert budget_sentence({"S1": late, "S1+S2": rising}, largest, "paper", 1.0).endswith(
        "So the paper budget cannot be placed against a knee for S1+S2.")
    both = budget_sentence({"S1": curve([50, 60, 70, 80, 90, 90.5], caps=(5, 10, 20, 40, 80, 100)),
                            "S1+S2": rising}, TrainingSettings(max_epochs=60, patience=15), "book", 1.0)
    assert both.endswith("So the book budget stops before the knee for S1 and S1+S2, where a larger budget "
                         "would still raise the validation accuracy.")


def test_plot_marks_each_knee_and_the_preset_budget():
    curves = {"S1": curve([50, 60, 70, 70.5, 70, 70.2]), "S1+S2": curve([60, 80, 88, 95, 95.5, 95.8])}
    ax = plot_budget_curves(curves, SETTINGS, "book")
    labels = ax.get_legend_handles_labels()[1]
    assert "S1: knee at 20 epochs" in labels and "S1+S2: knee at 40 epochs" in labels
    assert "book preset: 60 epochs" in labels
    stars = {line.get_label(): (line.get_xdata()[0], line.get_ydata()[0]) for line in ax.get_lines()
             if line.get_marker() == "*"}
    assert stars == {"S1: knee at 20 epochs": (20, 70.0), "S1+S2: knee at 40 epochs": (40, 95.0)}
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["5", "10", "20", "40", "60", "100"]
    plt.close(ax.figure)
