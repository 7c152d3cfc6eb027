"""The convnet's budget curve: validation macro accuracy against the epoch
cap, for S1 and S1+S2.

A budget here is an epoch cap with an early-stopping patience of about a
quarter of it. :func:`convnet_budget_curves` trains the paper's convnet at
each budget of the running preset (:data:`CONVNET_BUDGETS`) for a few
training seeds (:data:`BUDGET_SEEDS`), through
:func:`xaiaudio.experiments.technique_convnets.trained_convnet` with a
settings override, so every run is cached and the budget equal to the
preset's own settings reuses the chapter's and the scorecard's models. On
the CPU the runs are trained in parallel processes first, one per core with
one torch thread each, as the scorecard does for its seeds.
:func:`knee_budget` reads the knee off a curve with
:func:`xaiaudio.experiments.budgets.knee`. Chapter "Training the convnet"
(``book/training.md``).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from xaiaudio.core.parallel import (
    default_workers,
    run_in_processes,
    worker_shared,
)
from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.experiments.budgets import budget_curve, knee
from xaiaudio.experiments.technique_convnets import (
    FEATURE_SETS,
    TechniqueFeatures,
    trained_convnet,
)
from xaiaudio.training.classifier import (
    TRAINING_SETTINGS,
    TrainingSettings,
)


def _budgets(*caps_and_patiences: tuple[int, int]) -> list[dict]:
    return [
        {"max_epochs": cap, "patience": patience}
        for cap, patience in caps_and_patiences
    ]


#: Budgets swept at each preset, in increasing order: epoch cap and
#: patience, which override the preset's
#: :data:`~xaiaudio.training.classifier.TRAINING_SETTINGS` (warm-up, batch
#: size and optimiser stay). Each preset's own settings are one of its
#: budgets, so that point of the curve comes from the cache, and a larger
#: budget follows it, so that :func:`headroom` is defined. ``smoke`` keeps
#: two tiny budgets so that CI stays fast; ``paper`` keeps the paper's
#: patience.
CONVNET_BUDGETS = {
    "smoke": _budgets((4, 2), (8, 2)),
    "book": _budgets(
        (5, 2),
        (10, 3),
        (20, 5),
        (40, 10),
        (60, 15),
        (100, 25),
        (200, 50),
        (300, 75),
    ),
    "paper": _budgets(
        (20, 5), (50, 12), (100, 20), (200, 20), (500, 20), (1000, 50)
    ),
}

#: Training seeds of the sweep (``0 .. n - 1``) at each preset.
BUDGET_SEEDS = {"smoke": 2, "book": 3, "paper": 3}

#: What "more budget stops paying" means for the convnet: points of
#: validation macro accuracy.
KNEE_TOLERANCE = 1.0


def _train_in_worker(
    config: RunConfig, feature_set: str, settings: TrainingSettings
) -> None:
    trained_convnet(
        config,
        worker_shared(),
        feature_set,
        progress=False,
        settings=settings,
    )


def convnet_budget_curves(
    config: RunConfig,
    features: TechniqueFeatures,
    budgets=None,
    n_seeds: int | None = None,
    workers: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Validation macro accuracy (%) of the best checkpoint at each budget,
    seed and feature set.

    Each run is
    :func:`~xaiaudio.experiments.technique_convnets.trained_convnet` with
    training seed ``0 .. n_seeds - 1`` (the data fixed by ``config.seed``,
    as in the scorecard) and the preset's training settings with the
    budget's ``max_epochs`` and ``patience``; the score is the validation
    macro accuracy of the restored epoch, read from the run's history.
    Chapter "Training the convnet" (``book/training.md``).

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (budgets, seeds, base settings), device and data seed.
    features : TechniqueFeatures
        The normalised features
        (:func:`xaiaudio.experiments.technique_convnets.technique_features`).
    budgets : sequence of dict, optional
        Overrides of the training settings in increasing order (default
        :data:`CONVNET_BUDGETS` of the preset).
    n_seeds : int, optional
        Training seeds per budget (default :data:`BUDGET_SEEDS` of the
        preset).
    workers : int, optional
        Processes that train the runs before the curves are read from the
        cache (1: every run in this process); default
        :func:`xaiaudio.core.parallel.default_workers`, one per CPU core on
        the CPU beyond the smoke preset.

    Returns
    -------
    dict of str to pandas.DataFrame
        For each feature set of
        :data:`~xaiaudio.experiments.technique_convnets.FEATURE_SETS`, the
        table of :func:`xaiaudio.experiments.budgets.budget_curve`: one row
        per budget with its settings, ``mean``, ``std`` and one column per
        seed, in percentage points.
    """
    budgets = (
        settings_for(CONVNET_BUDGETS, config)
        if budgets is None
        else budgets
    )
    n_seeds = (
        settings_for(BUDGET_SEEDS, config)
        if n_seeds is None
        else int(n_seeds)
    )
    base = settings_for(TRAINING_SETTINGS, config)

    def run(budget: dict, seed: int, feature_set: str) -> tuple:
        """The arguments of one run: training seed, feature set,
        settings."""
        return (
            dataclasses.replace(config, seed=int(seed)),
            feature_set,
            dataclasses.replace(base, **budget),
        )

    runs = [
        run(budget, seed, feature_set)
        for budget in reversed(budgets)
        for feature_set in FEATURE_SETS
        for seed in range(n_seeds)
    ]
    workers = (
        default_workers(config, len(runs))
        if workers is None
        else int(workers)
    )
    if workers > 1:
        # Fill the cache, the largest budgets (the longest runs) first; the
        # curves then load the runs.
        run_in_processes(_train_in_worker, runs, workers, shared=features)

    def curve(feature_set: str) -> pd.DataFrame:
        def train_and_score(budget: dict, seed: int) -> float:
            seed_config, _, settings = run(budget, seed, feature_set)
            trained = trained_convnet(
                seed_config,
                features,
                feature_set,
                progress=False,
                settings=settings,
            )
            return (
                100.0
                * trained.history["val_macro_accuracy"][trained.best_epoch]
            )

        return budget_curve(train_and_score, budgets, range(n_seeds))

    return {name: curve(name) for name in FEATURE_SETS}


def knee_budget(
    curve: pd.DataFrame, tolerance: float = KNEE_TOLERANCE
) -> pd.Series:
    """The row of a budget curve at its knee
    (:func:`xaiaudio.experiments.budgets.knee` of ``mean``).

    Chapter "Training the convnet" (``book/training.md``).

    Parameters
    ----------
    curve : pandas.DataFrame
        A table of :func:`convnet_budget_curves` (budgets in increasing
        order, a ``mean`` column).
    tolerance : float
        Points of mean validation score that a larger budget may add past
        the knee.

    Returns
    -------
    pandas.Series
        The knee's row: its settings (``max_epochs``, ``patience``),
        ``mean``, ``std`` and seeds.
    """
    return curve.iloc[knee(curve["mean"].to_numpy(), tolerance)]


def still_rising(
    curve: pd.DataFrame, tolerance: float = KNEE_TOLERANCE
) -> bool:
    """Whether a budget curve still rises at its largest budget, so the
    sweep shows no knee.

    :func:`xaiaudio.experiments.budgets.knee` returns the last budget both
    when the curve flattens there and when it still climbs; this tells the
    two apart. Chapter "Training the convnet" (``book/training.md``).

    Parameters
    ----------
    curve : pandas.DataFrame
        A table of :func:`convnet_budget_curves`.
    tolerance : float
        As in :func:`knee_budget`.

    Returns
    -------
    bool
        True when the largest budget's mean is more than ``tolerance``
        above the one before it.
    """
    means = curve["mean"].to_numpy()
    return len(means) > 1 and means[-1] - means[-2] > tolerance


def headroom(curve: pd.DataFrame, settings: TrainingSettings) -> float:
    """How much a larger budget than ``settings`` raises the mean
    validation score of a budget curve.

    The knee says whether more budget stops paying; this says how much it
    would still pay, in the curve's unit, to set beside an effect the
    budget could bias (chapter "Training the convnet",
    ``book/training.md``, sets it beside the interval of claim A1).

    Parameters
    ----------
    curve : pandas.DataFrame
        A table of :func:`convnet_budget_curves`.
    settings : xaiaudio.training.classifier.TrainingSettings
        The budget in question; its ``max_epochs`` and ``patience`` must be
        a row of ``curve``.

    Returns
    -------
    float
        The largest mean of the budgets after that row minus the row's mean
        (negative when every larger budget scores lower); NaN when it is
        the largest budget swept.

    Raises
    ------
    ValueError
        If ``settings`` is not one of the curve's budgets.
    """
    rows = (curve["max_epochs"] == settings.max_epochs) & (
        curve["patience"] == settings.patience
    )
    if not rows.any():
        raise ValueError(
            f"{settings.max_epochs} epochs with a patience of "
            f"{settings.patience} "
            "is not a budget of the curve"
        )
    position = int(rows.to_numpy().argmax())
    later = curve["mean"].to_numpy()[position + 1 :]
    return (
        float(later.max() - curve["mean"].iloc[position])
        if len(later)
        else float("nan")
    )
