"""Table 1 of Wang et al. beside one training run, and the convnet's budget
curves with their knees.

The chapter "Training the convnet" (``book/training.md``) trains the
paper's convnet on first-order scattering (S1) and on first- plus
second-order scattering (S1+S2). :func:`table1_comparison` sets one run's
per-class recalls beside the published ones (whether S2 helps is answered
over seeds, by the scorecard's claim A1). :func:`budget_sentence` and
:func:`plot_budget_curves` say and show where the preset's training budget
sits on the budget curves of
:func:`xaiaudio.experiments.convnet_budgets.convnet_budget_curves`, so the
prose never states a result by hand.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xaiaudio.core.published import WANG_TABLE1
from xaiaudio.experiments.convnet_budgets import (
    KNEE_TOLERANCE,
    knee_budget,
    still_rising,
)
from xaiaudio.training.classifier import TrainingSettings

#: Table 1 of Wang, Lostanlen and Lagrange (ICASSP 2023): per-class
#: accuracy (%) on SOL, by feature set and technique
#: (:data:`xaiaudio.core.published.WANG_TABLE1`, where the paper's numbers
#: live).
PUBLISHED_TABLE1 = WANG_TABLE1

#: Label of the last row of :func:`table1_comparison`: the mean of the
#: per-class values above it.
MACRO_ROW = "macro average"


def table1_comparison(evaluations, classes) -> pd.DataFrame:
    """This run's per-class recall (%) beside the paper's Table 1, with a
    macro-average row.

    Used by the chapter "Training the convnet".

    Parameters
    ----------
    evaluations : dict
        Test-split scores by feature set name (``"S1"``, ``"S1+S2"``), each
        with ``per_class_recall`` (one value per class, in ``classes``
        order) and ``macro_accuracy`` (fractions in [0, 1]), like
        :class:`xaiaudio.training.classifier.Evaluation`.
    classes : sequence of str
        The technique names, in the order of the class indices.

    Returns
    -------
    pandas.DataFrame
        Index ``classes`` plus :data:`MACRO_ROW`, named ``"technique"``.
        One column per feature set of ``evaluations`` (this run, in %),
        then ``"<name> (published)"`` for each of those feature sets that
        :data:`PUBLISHED_TABLE1` holds. The paper gives no average, so the
        macro row of a published column is the mean of its per-class
        values.
    """
    classes = list(classes)
    results = pd.DataFrame(
        {
            name: 100 * evaluation.per_class_recall
            for name, evaluation in evaluations.items()
        },
        index=classes,
    )
    results.loc[MACRO_ROW] = [
        100 * evaluation.macro_accuracy
        for evaluation in evaluations.values()
    ]
    # Reindexed to this run's class order so that rows line up; a class the
    # paper did not have stays NaN and is left out of the published mean.
    published = pd.DataFrame(
        {
            f"{name} (published)": PUBLISHED_TABLE1[name]
            for name in evaluations
            if name in PUBLISHED_TABLE1
        }
    ).reindex(classes)
    published.loc[MACRO_ROW] = published.mean()
    table = pd.concat([results, published], axis=1)
    table.index.name = "technique"
    return table


def budget_position(settings: TrainingSettings, knee_row) -> str:
    """Where a training budget sits against the knee of a budget curve.

    Chapter "Training the convnet" (``book/training.md``), through
    :func:`budget_sentence`.

    Parameters
    ----------
    settings : xaiaudio.training.classifier.TrainingSettings
        The budget in question (its ``max_epochs`` and ``patience``).
    knee_row : mapping
        The knee's budget, with ``max_epochs`` and ``patience``
        (:func:`xaiaudio.experiments.convnet_budgets.knee_budget`).

    Returns
    -------
    str
        ``"at"`` when both settings equal the knee's, ``"past"`` when
        neither is smaller and one is larger, ``"before"`` otherwise (a
        smaller cap or a shorter patience).
    """
    ours = (int(settings.max_epochs), int(settings.patience))
    knee = (int(knee_row["max_epochs"]), int(knee_row["patience"]))
    if ours == knee:
        return "at"
    return (
        "past" if ours[0] >= knee[0] and ours[1] >= knee[1] else "before"
    )


def budget_sentence(
    curves: dict,
    settings: TrainingSettings,
    preset_name: str,
    tolerance: float = KNEE_TOLERANCE,
) -> str:
    """The preset's training budget, the knee of each budget curve, and
    whether the budget is past them.

    Chapter "Training the convnet" (``book/training.md``), which glues it
    into the prose.

    Parameters
    ----------
    curves : dict
        Feature set name -> budget curve, from
        :func:`xaiaudio.experiments.convnet_budgets.convnet_budget_curves`.
    settings : xaiaudio.training.classifier.TrainingSettings
        The preset's training settings.
    preset_name : str
        The running preset, named in the sentence.
    tolerance : float
        The knee's tolerance, in points of mean validation macro accuracy
        (:func:`xaiaudio.experiments.convnet_budgets.knee_budget`).

    Returns
    -------
    str
        Three sentences: the budget; where each curve's knee is (or that it
        still rises at the largest budget swept); and the verdict, "at or
        past the knee for both feature sets" or for which feature sets the
        budget stops before the knee or cannot be placed.
    """
    described, before, unknown, places = [], [], [], set()
    for name, curve in curves.items():
        row = knee_budget(curve, tolerance)
        position = budget_position(settings, row)
        if still_rising(curve, tolerance):
            described.append(
                f"the {name} curve still rises at the largest budget "
                "swept "
                f"({int(row['max_epochs'])} epochs)"
            )
        else:
            described.append(
                f"the {name} curve reaches its knee at "
                f"{int(row['max_epochs'])} epochs "
                f"(patience {int(row['patience'])})"
            )
        if position == "before":
            before.append(name)
        elif still_rising(curve, tolerance):
            unknown.append(name)
        else:
            places.add(position)
    unit = "point" if tolerance == 1 else "points"
    if not before and not unknown:
        place = places.pop() if len(places) == 1 else "at or past"
        scope = (
            "both feature sets"
            if len(curves) == 2
            else "every feature set"
        )
        verdict = (
            f"So the {preset_name} budget is {place} the knee for {scope}."
        )
    else:
        clauses = []
        if before:
            clauses.append(
                f"stops before the knee for {' and '.join(before)}, where "
                "a larger budget "
                "would still raise the validation accuracy"
            )
        if unknown:
            clauses.append(
                "cannot be placed against a knee for "
                f"{' and '.join(unknown)}"
            )
        verdict = f"So the {preset_name} budget {'; it '.join(clauses)}."
    return (
        f"The {preset_name} preset trains for at most "
        f"{settings.max_epochs} epochs with a patience of "
        f"{settings.patience}. Past its knee a curve gains at most "
        f"{tolerance:g} {unit} of mean "
        f"validation macro accuracy: {' and '.join(described)}. {verdict}"
    )


def plot_budget_curves(
    curves: dict,
    settings: TrainingSettings,
    preset_name: str,
    tolerance: float = KNEE_TOLERANCE,
    ax=None,
):
    """Validation macro accuracy against the epoch cap: seeds, mean, knee
    and the preset's budget.

    Chapter "Training the convnet" (``book/training.md``).

    Parameters
    ----------
    curves : dict
        Feature set name -> budget curve (``max_epochs``, ``mean`` and
        ``seed <n>`` columns, in points), from
        :func:`xaiaudio.experiments.convnet_budgets.convnet_budget_curves`.
    settings : xaiaudio.training.classifier.TrainingSettings
        The preset's training settings, drawn as a vertical line at its
        epoch cap.
    preset_name : str
        The running preset, in the legend.
    tolerance : float
        The knee's tolerance
        (:func:`xaiaudio.experiments.convnet_budgets.knee_budget`).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for name, curve in curves.items():
        caps = curve["max_epochs"].to_numpy()
        seeds = [
            column
            for column in curve.columns
            if column.startswith("seed ")
        ]
        (line,) = ax.plot(
            caps,
            curve["mean"],
            "-o",
            label=f"{name}: mean of {len(seeds)} seeds",
        )
        for column in seeds:
            ax.plot(
                caps, curve[column], ".", alpha=0.4, color=line.get_color()
            )
        knee = knee_budget(curve, tolerance)
        label = (
            f"{name}: still rising"
            if still_rising(curve, tolerance)
            else f"{name}: knee at {int(knee['max_epochs'])} epochs"
        )
        ax.plot(
            knee["max_epochs"],
            knee["mean"],
            "*",
            ms=16,
            color=line.get_color(),
            markeredgecolor="black",
            label=label,
        )
    ax.axvline(
        settings.max_epochs,
        color="black",
        ls="--",
        lw=1,
        label=f"{preset_name} preset: {settings.max_epochs} epochs",
    )
    caps = np.unique(
        np.concatenate(
            [curve["max_epochs"].to_numpy() for curve in curves.values()]
        )
    )
    ax.set_xscale("log")
    ax.set_xticks(caps, [str(int(cap)) for cap in caps])
    ax.minorticks_off()
    ax.set(
        xlabel="epoch cap (maximum number of epochs)",
        ylabel="validation macro accuracy (%)",
        title="budget curve of the convnet",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
