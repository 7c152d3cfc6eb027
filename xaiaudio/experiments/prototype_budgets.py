"""Budget curves of the playable-prototype models: validation OA against
the training budget.

A prototype model trained with too small a budget can make the paper's
comparison with the direct CNN look false. :func:`prototype_budget_curves`
trains each of the four models of :data:`MODELS` (supervised and
unsupervised prototypes, the direct CNN, autoencoder + k-means) at every
budget of :data:`BUDGETS` for the seeds of :data:`BUDGET_SEEDS` with
:func:`xaiaudio.experiments.budgets.sweep_budgets`, through the cache (so a
budget equal to the preset's finds the chapter's own run). A prototype
budget is an epoch cap per curriculum stage with a patience; a baseline
budget is its number of epochs. The curves are
:class:`~xaiaudio.experiments.budgets.BudgetCurve`, read like every other
model's. :func:`initialisation_runs` compares where the supervised
prototypes start: from their own class, or from the paper's unlabelled
k-means++ seeds.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.experiments.budgets import (
    KNEE_TOLERANCE,
    BudgetCurve,
    sweep_budgets,
)
from xaiaudio.experiments.seeds import SeedSummary, seed_summary
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.training.baseline_training import (
    autoencoder_kmeans,
    train_direct_classifier,
)
from xaiaudio.training.prototype_curriculum import (
    train_prototypes,
    training_settings,
)


def _caps(*pairs) -> list:
    return [
        {"max_stage_epochs": cap, "patience": patience}
        for cap, patience in pairs
    ]


def _epochs(name: str, *counts) -> list:
    return [{name: count} for count in counts]


#: The budgets swept at each preset, smallest first: ``"prototypes"``
#: (epoch cap per curriculum stage and patience), ``"direct"`` (the CNN's
#: epochs) and ``"autoencoder"`` (its epochs). ``smoke`` has two tiny
#: budgets (a test of the code path). ``book`` sweeps what the chapter can
#: afford next to five seeds of every model: the prototypes at the book's
#: budget and at twice it.
BUDGETS = {
    "smoke": {
        "prototypes": _caps((1, 1), (2, 1)),
        "direct": _epochs("baseline_epochs", 2, 3),
        "autoencoder": _epochs("autoencoder_epochs", 2, 3),
    },
    "book": {
        "prototypes": _caps((6, 2), (12, 3)),
        "direct": _epochs("baseline_epochs", 24, 48, 96, 192),
        "autoencoder": _epochs("autoencoder_epochs", 6, 12, 24, 48),
    },
    "paper": {
        "prototypes": _caps((25, 5), (50, 10), (100, 10), (None, 10)),
        "direct": _epochs("baseline_epochs", 50, 100, 200, 400),
        "autoencoder": _epochs("autoencoder_epochs", 50, 100, 200, 400),
    },
}

#: Training seeds of every budget (``0 .. n - 1``) at each preset.
BUDGET_SEEDS = {"smoke": 2, "book": 2, "paper": 2}

#: The models of the budget curves and the family of their budgets (a key
#: of a :data:`BUDGETS` entry).
MODELS = {
    "supervised prototypes": "prototypes",
    "unsupervised prototypes": "prototypes",
    "direct CNN": "direct",
    "autoencoder + k-means": "autoencoder",
}


def validation_oa(
    data: SpectrogramSet,
    config: RunConfig,
    model: str,
    budget: dict,
    seed: int,
) -> float:
    """Validation OA of one model trained (or loaded from the cache) with
    one budget and seed.

    Parameters
    ----------
    data : SpectrogramSet
        Log-mels with labels and splits.
    config : RunConfig
        Preset, device and data; ``config.seed`` is replaced by ``seed``.
    model : str
        A key of :data:`MODELS`.
    budget : dict
        Settings that replace the preset's (see
        :func:`xaiaudio.training.prototype_curriculum.training_settings`),
        e.g. ``{"max_stage_epochs": 12, "patience": 3}``.
    seed : int
        The training seed.

    Returns
    -------
    float
        Overall accuracy on the validation split, in percent (the
        prototypes' after their last curriculum stage).
    """
    config = dataclasses.replace(config, seed=int(seed))
    if model == "direct CNN":
        return float(
            train_direct_classifier(data, config, False, budget)["val"][
                "OA"
            ]
        )
    if model == "autoencoder + k-means":
        return float(
            autoencoder_kmeans(data, config, False, budget)["val"]["OA"]
        )
    if model not in MODELS:
        raise KeyError(
            f"unknown model {model!r}; choose one of {', '.join(MODELS)}"
        )
    mode = model.split()[0]
    run = train_prototypes(
        data, config, mode, mode == "supervised", False, budget
    )
    return float(run.history[-1]["val_OA"])


def preset_budget(config: RunConfig, model: str) -> dict:
    """The budget the preset trains ``model`` with, in the form of a
    :data:`BUDGETS` entry.

    Parameters
    ----------
    config : RunConfig
        The preset.
    model : str
        A key of :data:`MODELS`.

    Returns
    -------
    dict
        The settings its :data:`BUDGETS` family sweeps
        (``max_stage_epochs`` and ``patience`` for the prototypes,
        ``baseline_epochs`` for the CNN, ``autoencoder_epochs`` for the
        autoencoder).
    """
    settings = training_settings(config)
    return {
        name: settings[name]
        for name in settings_for(BUDGETS, config)[MODELS[model]][0]
    }


def _epochs_at_most(model: str, budget: dict) -> float:
    """An upper bound of a run's epochs (six curriculum stages for
    prototypes), to start long runs first."""
    if MODELS[model] != "prototypes":
        return next(iter(budget.values()))
    return 6 * (budget["max_stage_epochs"] or float("inf"))


def prototype_budget_curves(
    data: SpectrogramSet,
    config: RunConfig,
    workers: int | None = None,
    progress: bool = False,
    tolerance: float = KNEE_TOLERANCE,
) -> dict[str, BudgetCurve]:
    """Validation OA of every model of :data:`MODELS` at every budget of
    the preset.

    Parameters
    ----------
    data : SpectrogramSet
        Log-mels with labels and splits (the instruments in the chapter).
    config : RunConfig
        Preset (its :data:`BUDGETS` and :data:`BUDGET_SEEDS`), device and
        data.
    workers : int, optional
        Processes that train at once (the longest runs first); default
        :func:`xaiaudio.core.parallel.default_workers`.
    progress : bool
        Show a progress bar over the runs.
    tolerance : float
        Points of validation OA below which more budget "stops paying"
        (:func:`xaiaudio.experiments.budgets.knee`).

    Returns
    -------
    dict of str to BudgetCurve
        One curve per model (:func:`validation_oa` of every run), with
        :func:`preset_budget` as its preset budget.
    """
    budgets = settings_for(BUDGETS, config)
    return sweep_budgets(
        validation_oa,
        data,
        config,
        {model: budgets[family] for model, family in MODELS.items()},
        {model: preset_budget(config, model) for model in MODELS},
        settings_for(BUDGET_SEEDS, config),
        workers,
        cost=_epochs_at_most,
        progress=progress,
        tolerance=tolerance,
    )


#: The two starts of the supervised prototypes
#: (:data:`xaiaudio.training.prototype_curriculum.COMMON`'s
#: ``supervised_init``): their own class's mean crop, or the paper's
#: unlabelled k-means++ seeds.
INITIALISATIONS = ("class", "kmeans++")


def initialisation_runs(
    data: SpectrogramSet, config: RunConfig, progress: bool = False
) -> dict:
    """Validation OA after every curriculum stage of the supervised
    prototypes (with cross-entropy) from each start of
    :data:`INITIALISATIONS`, for the seeds of :data:`BUDGET_SEEDS`, at the
    preset's budget (runs through the cache: the class start is the
    chapter's own model).

    Returns
    -------
    dict
        ``stages`` (names, in order), ``val_OA`` (start -> array (seeds,
        stages), percent), and the per-seed differences class minus
        k-means++ summarised over seeds
        (:class:`~xaiaudio.experiments.seeds.SeedSummary`):
        ``first_stage`` (after the first stage: which converges faster) and
        ``final`` (after the last: which ends higher).
    """
    seeds = range(settings_for(BUDGET_SEEDS, config))
    val_oa, stages = {}, []
    for start in INITIALISATIONS:
        rows = []
        for seed in seeds:
            run = train_prototypes(
                data,
                dataclasses.replace(config, seed=seed),
                "supervised",
                True,
                progress,
                {"supervised_init": start},
            )
            stages = [row["stage"] for row in run.history]
            rows.append([row["val_OA"] for row in run.history])
        val_oa[start] = np.asarray(rows, dtype=float)
    difference = val_oa["class"] - val_oa["kmeans++"]
    summaries: dict[str, SeedSummary] = {
        "first_stage": seed_summary(difference[:, 0]),
        "final": seed_summary(difference[:, -1]),
    }
    return {"stages": stages, "val_OA": val_oa, **summaries}
