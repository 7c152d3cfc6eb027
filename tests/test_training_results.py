"""Table 1 beside one run (xaiaudio.report.training_results); the budget curves' sentences and figure
are tested with xaiaudio.report.budget_figures in test_budgets."""

import numpy as np
import pytest

from xaiaudio.report.training_results import MACRO_ROW, PUBLISHED_TABLE1, table1_comparison
from xaiaudio.training.classifier import Evaluation

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
