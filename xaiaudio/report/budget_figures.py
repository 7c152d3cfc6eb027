"""Budget curves as generated sentences and as a figure, for every trained
model (the convnet's S1 and S1+S2, the prototypes, the direct CNN, the
autoencoder).

The curves are :class:`xaiaudio.experiments.budgets.BudgetCurve`, which
hold the interpretation (knee, whether the sweep ends still rising, where
the preset's budget sits, the headroom above it); this module only words
and draws it. :func:`budget_sentences` states, per curve, the mean score
at each budget, the knee (or that the sweep does not show it) and where
the preset's budget stands; :func:`plot_budget_curves` draws one panel per
curve with the seeds, the mean, the knee and the preset's budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from xaiaudio.core.formatting import format_number
from xaiaudio.experiments.budgets import BudgetCurve


def budget_label(budget: Mapping) -> str:
    """A budget in a few words: ``"cap 12, patience 3"`` (``"no cap"``
    for ``None``) or ``"24 epochs"``.

    Parameters
    ----------
    budget : mapping
        Training settings: caps (``max_...``, possibly ``None``), a
        ``patience``, or a number of epochs (``..._epochs``).

    Returns
    -------
    str
    """
    words = []
    for name, value in budget.items():
        if name.startswith("max_"):
            words.append(
                "no cap" if value is None else f"cap {int(value)}"
            )
        elif name.endswith("epochs"):
            words.append(f"{int(value)} epochs")
        else:
            words.append(f"{name} {int(value)}")
    return ", ".join(words)


def budget_sentences(
    curves: Mapping[str, BudgetCurve],
    score_name: str,
    preset_name: str,
    digits: int = 1,
) -> str:
    """One sentence pair per curve: its mean score at each budget, its
    knee (or that it still rises at the largest budget swept), and where
    the preset's budget stands against the knee.

    Parameters
    ----------
    curves : mapping of str to BudgetCurve
        Curves by model name (e.g. ``"S1"``, ``"direct CNN"``).
    score_name : str
        What the curves score, e.g. ``"validation OA"``.
    preset_name : str
        The running preset, named in the sentences.
    digits : int
        Decimals of the scores.

    Returns
    -------
    str
        The sentences, separated by spaces.
    """
    return " ".join(
        _curve_sentences(name, curve, score_name, preset_name, digits)
        for name, curve in curves.items()
    )


def _curve_sentences(
    name: str,
    curve: BudgetCurve,
    score_name: str,
    preset_name: str,
    digits: int,
) -> str:
    def points(value: float) -> str:
        return format_number(value, digits)

    means, labels = curve.mean, [budget_label(b) for b in curve.budgets]
    steps = ", ".join(
        f"{points(mean)} % ({label})" for mean, label in zip(means, labels)
    )
    if curve.still_rising:
        where = (
            f"it still rises by {points(means[-1] - means[:-1].max())} "
            f"points into the largest budget swept ({labels[-1]}), so "
            "the sweep does not show its knee"
        )
    else:
        where = f"the knee is at {labels[curve.knee]}"
    index = curve.preset_index
    preset = budget_label(curve.preset) + (
        "" if index is None else f" ({points(means[index])} %)"
    )
    position = {
        "at": "at the knee",
        "past": "past the knee",
        "before": "before the knee",
        "unplaced": (
            "at the largest budget swept"
            if index is not None
            else "past the largest budget swept"
        )
        + ", which cannot be placed against a knee the sweep does "
        "not show",
    }[curve.position]
    if curve.position == "before" and math.isfinite(curve.headroom):
        position += (
            f": a larger budget swept scores up to "
            f"{points(curve.headroom)} points more"
        )
    return (
        f"{name[0].upper() + name[1:]}: mean {score_name} {steps}; "
        f"{where}. The {preset_name} preset trains it with {preset}, "
        f"{position}."
    )


def _size(value) -> float:
    return math.inf if value is None else float(value)


def _axis_position(curve: BudgetCurve) -> float:
    """Where the preset's budget falls on an axis of the curve's budgets
    drawn at 0, 1, 2...: its index when swept, else interpolated on the
    first setting between the finite ones (clamped at the ends)."""
    if curve.preset_index is not None:
        return float(curve.preset_index)
    first = next(iter(curve.preset))
    sizes = [_size(budget[first]) for budget in curve.budgets]
    finite = [size for size in sizes if math.isfinite(size)]
    return float(
        np.interp(
            _size(curve.preset[first]), finite, np.arange(len(finite))
        )
    )


def plot_budget_curves(
    curves: Mapping[str, BudgetCurve],
    score_name: str,
    preset_name: str,
    axes=None,
):
    """Score against budget, one panel per curve: per-seed dots, the mean,
    the knee (a star, or a note when the curve is still rising at the
    largest budget swept) and the preset's budget (dashed line).

    Parameters
    ----------
    curves : mapping of str to BudgetCurve
        Curves by model name, each panel's title.
    score_name : str
        What the curves score (the y label, in percent).
    preset_name : str
        The running preset, in the legend.
    axes : sequence of matplotlib.axes.Axes, optional
        One per curve (default: a new row of panels sharing the y axis).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    if axes is None:
        _, axes = plt.subplots(
            1,
            len(curves),
            figsize=(3.6 * len(curves), 3.2),
            sharey=True,
            squeeze=False,
        )
    axes = np.ravel(axes)
    means = np.concatenate([curve.mean for curve in curves.values()])
    middle = np.mean([means.min(), means.max()])
    for ax, (name, curve) in zip(axes, curves.items()):
        x = np.arange(len(curve.budgets))
        ax.plot(x, curve.scores, "o", ms=4, alpha=0.5, color="tab:blue")
        ax.plot(x, curve.mean, "-", color="tab:blue")
        if curve.still_rising:
            last = curve.mean[-1]
            # keep the note inside the shared y range
            below = last > middle
            ax.annotate(
                "still rising:\nno knee swept",
                (x[-1], last),
                xytext=(-10, -30 if below else 20),
                textcoords="offset points",
                ha="right",
                va="top" if below else "bottom",
                fontsize=8,
                color="tab:red",
                arrowprops={"arrowstyle": "->", "color": "tab:red"},
            )
        else:
            ax.plot(
                curve.knee,
                curve.mean[curve.knee],
                "*",
                ms=14,
                color="tab:red",
            )
        ax.axvline(_axis_position(curve), ls="--", color="black", lw=1)
        ax.set_xticks(
            x,
            [
                budget_label(budget).replace(", ", "\n")
                for budget in curve.budgets
            ],
            fontsize=8,
        )
        ax.set(title=name, xlabel="budget")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{score_name} (%)")
    # Proxies: a panel without a knee has no star of its own to label.
    handles = [
        Line2D(
            [],
            [],
            color="tab:blue",
            marker="o",
            alpha=0.5,
            ls="",
            label="a seed",
        ),
        Line2D([], [], color="tab:blue", label="mean over seeds"),
        Line2D(
            [], [], color="tab:red", marker="*", ms=12, ls="", label="knee"
        ),
        Line2D(
            [],
            [],
            color="black",
            ls="--",
            lw=1,
            label=f"{preset_name} preset's budget",
        ),
    ]
    axes[0].legend(handles=handles, fontsize=8)
    return axes


_START_VERDICTS = {
    "holds": "the class start is ahead",
    "fails": "the k-means++ start is ahead",
    "inconclusive": "the seeds do not tell the two starts apart",
}


def initialisation_sentences(runs: Mapping, digits: int = 1) -> str:
    """Two sentences comparing the supervised prototypes' two starts, after
    the first curriculum stage (which converges faster) and after the last
    (which ends higher), from the intervals of
    :func:`xaiaudio.experiments.prototype_budgets.initialisation_runs`."""
    parts = []
    for key, when in (("first_stage", "first"), ("final", "last")):
        summary = runs[key]
        stage = runs["stages"][0 if key == "first_stage" else -1]
        what = (
            "the validation OA from the class start minus that from "
            "k-means++ seeds"
            if not parts
            else "the difference"
        )
        parts.append(
            f"After the {when} stage ({stage}), {what} is "
            f"{format_number(summary.estimate, digits)} points, 95 % "
            f"interval [{format_number(summary.ci_low, digits)}, "
            f"{format_number(summary.ci_high, digits)}] over "
            f"{summary.n_seeds} seeds: {_START_VERDICTS[summary.verdict]}."
        )
    return " ".join(parts)


def plot_initialisations(runs: Mapping, ax=None):
    """Validation OA after each curriculum stage, one line per seed and
    start (from
    :func:`~xaiaudio.experiments.prototype_budgets.initialisation_runs`)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3))
    stages = runs["stages"]
    for (start, values), colour in zip(
        runs["val_OA"].items(), ("tab:blue", "tab:orange"), strict=False
    ):
        for seed, row in enumerate(values):
            ax.plot(
                range(len(stages)),
                row,
                "o-",
                color=colour,
                alpha=0.7,
                label=f"{start} start" if seed == 0 else None,
            )
    ax.set_xticks(range(len(stages)), stages)
    ax.set_xlabel("curriculum stage")
    ax.set_ylabel("validation OA (%)")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
