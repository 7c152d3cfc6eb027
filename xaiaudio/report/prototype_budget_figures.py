"""The budget curves of the playable-prototype models as a figure and as
generated sentences.

:func:`plot_budget_curves` draws validation OA against budget for each
model, with the knee and the preset's budget marked;
:func:`budget_sentences` states, per model, what more budget buys and where
the preset stands, from the numbers of
:func:`xaiaudio.experiments.prototype_budgets.prototype_budget_curves`.
Chapter "Playable prototypes".
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from xaiaudio.experiments.prototype_budgets import budget_label


def _size(budget) -> float:
    """How much a budget trains: its epoch cap per stage, or its epochs
    (no cap is infinite)."""
    if "max_stage_epochs" not in budget:
        return float(next(iter(budget.values())))
    cap = budget["max_stage_epochs"]
    return math.inf if cap is None else float(cap)


def _axis_position(size: float, sizes: list) -> float:
    """Where a budget of ``size`` falls on an axis of budgets ``sizes``
    (ascending) drawn at 0, 1, 2...: its index when swept, else
    interpolated between the finite sizes (clamped at the ends)."""
    if size in sizes:
        return float(sizes.index(size))
    finite = [s for s in sizes if math.isfinite(s)]
    return float(np.interp(size, finite, np.arange(len(finite))))


def _settings(row, preset: dict) -> dict:
    """The budget of a curve's row, in the form of ``preset`` (pandas
    stores no cap as NaN)."""
    return {
        name: None
        if row[name] is None or math.isnan(row[name])
        else int(row[name])
        for name in preset
    }


def _seed_columns(curve) -> list:
    return [
        column for column in curve.columns if column.startswith("seed ")
    ]


def knee_reached(entry: dict) -> bool:
    """Whether the sweep shows a knee, i.e. the knee is not its largest
    budget.

    :func:`xaiaudio.experiments.budgets.knee` returns the largest budget
    when no smaller one is a knee: the curve still rose by more than the
    tolerance into it, and the sweep cannot tell whether a larger budget
    would pay too.

    Parameters
    ----------
    entry : dict
        One model's entry of
        :func:`~xaiaudio.experiments.prototype_budgets.prototype_budget_curves`
        (``curve``, ``knee``).

    Returns
    -------
    bool
    """
    return entry["knee"] < len(entry["curve"]) - 1


def preset_position(entry: dict) -> str:
    """Where the preset's budget stands on a model's curve: ``"at"``,
    ``"past"`` or ``"short of"`` the knee.

    A preset at or below the largest budget swept is ``"short of"`` a knee
    the sweep did not reach (:func:`knee_reached`).

    Parameters
    ----------
    entry : dict
        One model's entry of
        :func:`~xaiaudio.experiments.prototype_budgets.prototype_budget_curves`
        (``curve``, ``knee``, ``preset``, ``tolerance``).

    Returns
    -------
    str
    """
    curve, preset = entry["curve"], entry["preset"]
    here = _size(preset)
    if not knee_reached(entry):
        return (
            "past"
            if here > _size(_settings(curve.iloc[-1], preset))
            else "short of"
        )
    there = _size(_settings(curve.iloc[entry["knee"]], preset))
    return (
        "at" if here == there else ("past" if here > there else "short of")
    )


def budget_sentences(curves: dict, digits: int = 1) -> str:
    """One sentence per model: validation OA along its budget curve, its
    knee (or that the sweep did not reach one) and where the preset's
    budget stands, with the points it leaves when short of the knee.

    Parameters
    ----------
    curves : dict
        As returned by
        :func:`~xaiaudio.experiments.prototype_budgets.prototype_budget_curves`.
    digits : int
        Decimals of the accuracies.

    Returns
    -------
    str
        The sentences, separated by spaces.
    """
    return " ".join(
        _model_sentence(model, entry, digits)
        for model, entry in curves.items()
    )


def _model_sentence(model: str, entry: dict, digits: int) -> str:
    curve, k, preset = entry["curve"], entry["knee"], entry["preset"]
    means = curve["mean"].to_numpy()
    budgets = [_settings(row, preset) for _, row in curve.iterrows()]
    steps = ", ".join(
        f"{mean:.{digits}f} % ({budget_label(b)})"
        for mean, b in zip(means, budgets)
    )
    reached = knee_reached(entry)
    if reached:
        where = f"the knee is at {budget_label(budgets[k])}"
    else:
        where = (
            f"it still rises by {means[-1] - means[-2]:.{digits}f} points "
            "into the largest budget "
            "swept, so its knee lies beyond the sweep"
        )
    position = preset_position(entry)
    swept = [i for i, b in enumerate(budgets) if b == preset]
    preset_text = budget_label(preset) + (
        f" ({means[swept[0]]:.{digits}f} %)" if swept else ""
    )
    gap = ""
    if (
        position == "short of"
        and swept
        and (reached or swept[0] < len(means) - 1)
    ):
        best, target = (
            (means[k], "at the knee")
            if reached
            else (means[-1], "at the largest budget swept")
        )
        below = best - means[swept[0]]
        gap = f", {below:.{digits}f} points below its score {target}"
    return (
        f"{model[0].upper() + model[1:]}: mean validation OA {steps}; "
        f"{where}. The preset trains it with "
        f"{preset_text}, {position} the knee{gap}."
    )


def plot_budget_curves(curves: dict, axes=None):
    """Validation OA against budget, one panel per model: per-seed dots,
    the mean, the knee (star, or a note when the sweep did not reach it,
    :func:`knee_reached`) and the preset's budget (dashed line).

    Parameters
    ----------
    curves : dict
        As returned by
        :func:`~xaiaudio.experiments.prototype_budgets.prototype_budget_curves`.
    axes : sequence of matplotlib.axes.Axes, optional
        One per model (default: a new row of panels).

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
    means = np.concatenate(
        [entry["curve"]["mean"].to_numpy() for entry in curves.values()]
    )
    for ax, (model, entry) in zip(axes, curves.items()):
        curve, k, preset = entry["curve"], entry["knee"], entry["preset"]
        x = np.arange(len(curve))
        for column in _seed_columns(curve):
            ax.plot(
                x, curve[column], "o", ms=4, alpha=0.5, color="tab:blue"
            )
        ax.plot(x, curve["mean"], "-", color="tab:blue")
        if knee_reached(entry):
            ax.plot(k, curve["mean"].iloc[k], "*", ms=14, color="tab:red")
        else:
            last = curve["mean"].iloc[-1]
            # keep the note inside the shared y range
            below = last > np.mean([min(means), max(means)])
            ax.annotate(
                "knee beyond\nthe sweep",
                (x[-1], last),
                xytext=(-10, -30 if below else 20),
                textcoords="offset points",
                ha="right",
                va="top" if below else "bottom",
                fontsize=8,
                color="tab:red",
                arrowprops={"arrowstyle": "->", "color": "tab:red"},
            )
        budgets = [_settings(row, preset) for _, row in curve.iterrows()]
        ax.axvline(
            _axis_position(_size(preset), [_size(b) for b in budgets]),
            ls="--",
            color="black",
            lw=1,
        )
        ax.set_xticks(
            x,
            [budget_label(b).replace(", ", "\n") for b in budgets],
            fontsize=8,
        )
        ax.set(title=model, xlabel="budget")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("validation OA (%)")
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
            [], [], color="black", ls="--", lw=1, label="preset's budget"
        ),
    ]
    axes[0].legend(handles=handles, fontsize=8)
    return axes
