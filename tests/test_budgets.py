"""Budget curves and their knee (xaiaudio.experiments.budgets)."""

import numpy as np
import pytest

from xaiaudio.experiments.budgets import budget_curve, knee


def test_knee_is_where_more_budget_stops_paying():
    assert knee([50, 70, 80, 80.5, 81]) == 2          # 80 -> at most 81: within one point
    assert knee([50, 70, 80, 80.5, 83]) == 4          # a late gain of 3 points moves the knee
    assert knee([60, 60, 60]) == 0
    assert knee([10, 20, 30], tolerance=15) == 1
    with pytest.raises(ValueError):
        knee([1.0, np.nan])


def test_budget_curve_trains_every_budget_and_seed():
    calls = []

    def train(budget, seed):
        calls.append((budget["epochs"], seed))
        return 100 - 50 / budget["epochs"] + seed

    curve = budget_curve(train, [{"epochs": 1}, {"epochs": 10}], seeds=[0, 2])
    assert calls == [(1, 0), (1, 2), (10, 0), (10, 2)]
    assert list(curve["mean"]) == [51.0, 96.0] and list(curve["seed 2"]) == [52.0, 97.0]
    assert curve["std"].iloc[0] == pytest.approx(np.std([50, 52], ddof=1))
