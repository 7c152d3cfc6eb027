"""Training budgets past the knee: validation score against budget, and
where more stops paying.

A model trained "to be fast" can make a paper's claim look false.
:func:`budget_curve` trains a model at increasing budgets (an epoch cap and
a patience, or any settings a training function takes) for a few seeds and
records the validation score; :func:`knee` picks the smallest budget after
which no larger budget raises the mean score by more than ``tolerance``
points. The book preset's budgets are chosen at or past that knee. Chapters
"Training the convnet" and "Playable prototypes".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def knee(scores, tolerance: float = 1.0) -> int:
    """Index of the knee of a budget curve.

    The knee is the first budget ``i`` such that every larger budget scores
    at most ``tolerance`` above it: ``max(scores[i + 1:]) - scores[i] <=
    tolerance`` (the last budget when none does).

    Parameters
    ----------
    scores : array-like of float
        Mean validation score (in points) of each budget, budgets in
        increasing order.
    tolerance : float
        What "more budget stops paying" means, in the scores' unit.

    Returns
    -------
    int
        The index into ``scores``.
    """
    scores = np.asarray(scores, dtype=float)
    if (
        scores.ndim != 1
        or len(scores) == 0
        or not np.isfinite(scores).all()
    ):
        raise ValueError(
            "scores must be a non-empty 1-D array of finite numbers"
        )
    for i in range(len(scores) - 1):
        if scores[i + 1 :].max() - scores[i] <= tolerance:
            return i
    return len(scores) - 1


def budget_curve(
    train_and_score: Callable[[dict, int], float],
    budgets: Sequence[dict],
    seeds: Sequence[int],
) -> pd.DataFrame:
    """Validation score of a model at each budget and seed.

    Parameters
    ----------
    train_and_score : callable
        ``train_and_score(budget, seed) -> score``: trains (or loads from
        the cache) the model with the settings in ``budget`` and returns
        its validation score in points.
    budgets : sequence of dict
        Budgets in increasing order, e.g. ``[{"max_epochs": 10, "patience":
        3}, ...]``.
    seeds : sequence of int
        Training seeds.

    Returns
    -------
    pandas.DataFrame
        One row per budget: the budget's settings, ``mean``, ``std`` (ddof
        1) and one column per seed.
    """
    rows = []
    for budget in budgets:
        scores = [
            float(train_and_score(dict(budget), int(seed)))
            for seed in seeds
        ]
        rows.append(
            {
                **budget,
                "mean": float(np.mean(scores)),
                "std": float(np.std(scores, ddof=1))
                if len(scores) > 1
                else float("nan"),
                **{
                    f"seed {seed}": score
                    for seed, score in zip(seeds, scores)
                },
            }
        )
    return pd.DataFrame(rows)
