"""The convnet's budget curves: validation macro accuracy against the epoch
cap, for S1 and S1+S2.

A budget here is an epoch cap with an early-stopping patience of about a
quarter of it. :func:`convnet_budget_curves` trains the paper's convnet at
each budget of the running preset (:data:`CONVNET_BUDGETS`) for a few
training seeds (:data:`BUDGET_SEEDS`) with
:func:`xaiaudio.experiments.budgets.sweep_budgets`, each run through
:func:`xaiaudio.experiments.technique_convnets.trained_convnet` with a
settings override, so every run is cached and the budget equal to the
preset's own settings reuses the chapter's and the scorecard's models. The
curves are :class:`~xaiaudio.experiments.budgets.BudgetCurve`, read like
every other model's.
"""

from __future__ import annotations

import dataclasses

from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.experiments.budgets import (
    KNEE_TOLERANCE,
    BudgetCurve,
    sweep_budgets,
)
from xaiaudio.experiments.technique_convnets import (
    FEATURE_SETS,
    TechniqueFeatures,
    trained_convnet,
)
from xaiaudio.training.classifier import TRAINING_SETTINGS


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
#: budget follows it, so that the curve's
#: :attr:`~xaiaudio.experiments.budgets.BudgetCurve.headroom` is defined.
#: ``smoke`` keeps two tiny budgets so that CI stays fast; ``paper`` keeps
#: the paper's patience.
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


def validation_macro_accuracy(
    features: TechniqueFeatures,
    config: RunConfig,
    feature_set: str,
    budget: dict,
    seed: int,
) -> float:
    """Validation macro accuracy (%) of the best checkpoint of one convnet
    trained (or loaded from the cache) with one budget and seed.

    Parameters
    ----------
    features : TechniqueFeatures
        The normalised features
        (:func:`xaiaudio.experiments.technique_convnets.technique_features`).
    config : RunConfig
        Preset, device and data; ``config.seed`` (which fixes the data, as
        in the scorecard) is replaced by ``seed`` for the training.
    feature_set : str
        A key of
        :data:`~xaiaudio.experiments.technique_convnets.FEATURE_SETS`.
    budget : dict
        ``max_epochs`` and ``patience``, replacing the preset's
        :data:`~xaiaudio.training.classifier.TRAINING_SETTINGS` (warm-up,
        batch size and optimiser stay).
    seed : int
        The training seed.

    Returns
    -------
    float
        The validation macro accuracy of the restored epoch, read from the
        run's history, in percent.
    """
    trained = trained_convnet(
        dataclasses.replace(config, seed=int(seed)),
        features,
        feature_set,
        progress=False,
        settings=dataclasses.replace(
            settings_for(TRAINING_SETTINGS, config), **budget
        ),
    )
    return (
        100.0 * trained.history["val_macro_accuracy"][trained.best_epoch]
    )


def convnet_budget_curves(
    config: RunConfig,
    features: TechniqueFeatures,
    budgets=None,
    n_seeds: int | None = None,
    workers: int | None = None,
    tolerance: float = KNEE_TOLERANCE,
) -> dict[str, BudgetCurve]:
    """The convnet's budget curve for each feature set: validation macro
    accuracy (%) of the best checkpoint at each budget and seed.

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
    tolerance : float
        The knee's tolerance, in points of validation macro accuracy.

    Returns
    -------
    dict of str to BudgetCurve
        One curve per feature set of
        :data:`~xaiaudio.experiments.technique_convnets.FEATURE_SETS`
        (:func:`validation_macro_accuracy` of every run), with the preset's
        own ``max_epochs`` and ``patience`` as its preset budget.
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
    preset = {name: getattr(base, name) for name in budgets[0]}
    return sweep_budgets(
        validation_macro_accuracy,
        features,
        config,
        {name: budgets for name in FEATURE_SETS},
        {name: preset for name in FEATURE_SETS},
        n_seeds,
        workers,
        tolerance=tolerance,
    )
