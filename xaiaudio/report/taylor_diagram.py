"""One ReLU neuron's deep Taylor expansion, drawn in the plane (chapter
"Deep Taylor decomposition").

:func:`taylor_expansion_diagram` draws a neuron with two inputs,
``relu(w @ y + b)``, with a hand-set weight vector (:data:`NEURON_WEIGHT`,
:data:`NEURON_BIAS`, :data:`NEURON_INPUT`). On the left, the input plane:
the half-plane where the neuron is active, its hyperplane ``w @ y + b =
0``, the input point ``y`` and the two root points on the hyperplane that
the search directions of LRP-0 (``d = y``) and z+ (``d = y * 1[w > 0]``)
reach from ``y``. The step from the LRP-0 root point to ``y`` is drawn
as its two legs, one per input: each leg times its weight is a
first-order Taylor term, the relevance of that input. On the right, the
terms of both rules as bars, with the neuron's output they add up to.
Every number is computed from the weights
(:func:`xaiaudio.explain.lrp.root_point`,
:func:`xaiaudio.explain.lrp.search_direction`), none is typed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from xaiaudio.explain import lrp

#: The neuron's weights ``w``: one positive, one negative.
NEURON_WEIGHT = (1.0, -0.6)
#: The neuron's bias ``b``.
NEURON_BIAS = -0.2
#: The input point ``y`` (non-negative, as after a ReLU).
NEURON_INPUT = (0.9, 0.3)

#: Rule name -> search-direction name of
#: :func:`xaiaudio.explain.lrp.search_direction`.
TAYLOR_RULES = {"LRP-0": "0", "z+": "zplus"}
COLOURS = {"LRP-0": "tab:blue", "z+": "tab:green"}


def taylor_terms(weight, bias: float, y, rule: str = "0") -> dict:
    """The root point of one ReLU neuron and the first-order Taylor terms
    at it.

    Parameters
    ----------
    weight : array-like, shape (n,)
        The neuron's weights ``w``.
    bias : float
        Its bias ``b``.
    y : array-like, shape (n,)
        The input point (the neuron must be active there).
    rule : str, default "0"
        The search direction, ``"0"`` or ``"zplus"``
        (:func:`xaiaudio.explain.lrp.search_direction`).

    Returns
    -------
    dict
        ``"output"``: the neuron's output ``relu(w @ y + b)`` (float);
        ``"root"``: the root point (numpy, shape (n,)); ``"terms"``:
        ``w * (y - root)``, the relevance of each input (numpy, shape
        (n,)), which adds up to the output.
    """
    weight = torch.as_tensor(weight, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64)
    direction = lrp.search_direction(weight, y, rule)
    root = lrp.root_point(weight, bias, y, direction)
    return {
        "output": torch.relu(weight @ y + bias).item(),
        "root": root.numpy(),
        "terms": (weight * (y - root)).numpy() + 0.0,  # no -0.0
    }


def taylor_expansion_diagram(
    weight=NEURON_WEIGHT,
    bias: float = NEURON_BIAS,
    y=NEURON_INPUT,
    figsize=(7.0, 3.0),
):
    """One ReLU neuron's deep Taylor expansion: input, root points and
    relevance as first-order terms.

    Left panel, the input plane: the shaded half-plane is where the neuron
    is active, the black line its hyperplane ``w @ y + b = 0`` (the
    arrow is ``w``). From the input ``y`` (black dot) each rule walks
    along its search direction to a root point on the hyperplane: LRP-0
    along the line through the origin (square), z+ moving only the
    inputs with a positive weight (diamond). The two legs from the LRP-0
    root point to ``y`` are labelled with their Taylor terms ``R_i = w_i
    (y_i - root_i)``. Right panel: the terms of both rules, one bar per
    input, and the neuron's output (dashed) that each rule's terms add
    up to.

    Parameters
    ----------
    weight : array-like, shape (2,), default :data:`NEURON_WEIGHT`
        The neuron's weights.
    bias : float, default :data:`NEURON_BIAS`
        Its bias.
    y : array-like, shape (2,), default :data:`NEURON_INPUT`
        The input point, where the neuron must be active.
    figsize : tuple of float, default (7, 3)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the plane and the bars.

    Raises
    ------
    ValueError
        If the neuron is not active at ``y`` (its output is zero: no
        relevance to share).
    """
    weight = np.asarray(weight, dtype=float)
    y = np.asarray(y, dtype=float)
    found = {
        name: taylor_terms(weight, bias, y, rule)
        for name, rule in TAYLOR_RULES.items()
    }
    output = found["LRP-0"]["output"]
    if output <= 0:
        raise ValueError("the neuron is not active at y: nothing to share")
    fig, (plane, bars) = plt.subplots(
        1,
        2,
        figsize=figsize,
        gridspec_kw={"width_ratios": [1.15, 1]},
    )
    _draw_plane(plane, weight, bias, y, found)
    _draw_bars(bars, found, output)
    fig.subplots_adjust(
        left=0.08, right=0.98, top=0.9, bottom=0.17, wspace=0.3
    )
    return fig


def _draw_plane(ax, weight, bias, y, found, limits=(-0.2, 1.05)):
    lo, hi = limits
    grid = np.linspace(lo, hi, 200)
    gx, gy = np.meshgrid(grid, grid)
    z = weight[0] * gx + weight[1] * gy + bias
    ax.contourf(
        gx, gy, z > 0, levels=[0.5, 1.5], colors=["#fde0c5"], alpha=0.8
    )
    ax.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.5)
    ax.text(
        0.97,
        0.94,
        "neuron active",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        color="0.35",
    )
    # the search line of LRP-0 passes through the origin
    ax.plot([0, y[0]], [0, y[1]], ls=":", color=COLOURS["LRP-0"], lw=1)
    root_0, root_plus = found["LRP-0"]["root"], found["z+"]["root"]
    r1, r2 = found["LRP-0"]["terms"]
    corner = (y[0], root_0[1])
    ax.plot(
        [root_0[0], corner[0], corner[0]],
        [root_0[1], corner[1], y[1]],
        color=COLOURS["LRP-0"],
        lw=2,
    )
    ax.text(
        (root_0[0] + y[0]) / 2,
        root_0[1] - 0.04,
        rf"$R_1 = w_1(y_1 - \tilde y_1)$ = {r1:.2f}",
        ha="center",
        va="top",
        fontsize=9,
        color=COLOURS["LRP-0"],
    )
    ax.text(
        y[0] + 0.02,
        (root_0[1] + y[1]) / 2,
        rf"$R_2$ =" f"\n{r2:.2f}",
        ha="left",
        va="center",
        fontsize=9,
        color=COLOURS["LRP-0"],
    )
    ax.plot(
        [root_plus[0], y[0]],
        [root_plus[1], y[1]],
        color=COLOURS["z+"],
        lw=3,
        alpha=0.7,
    )
    ax.plot(*y, "ko", ms=7, zorder=5)
    ax.text(y[0], y[1] + 0.05, "input $y$", ha="center", fontsize=9)
    ax.plot(*root_0, "s", color=COLOURS["LRP-0"], ms=7, zorder=5)
    ax.text(
        root_0[0] - 0.03,
        root_0[1] + 0.03,
        r"root $\tilde y$, LRP-0",
        ha="right",
        fontsize=9,
        color=COLOURS["LRP-0"],
    )
    ax.plot(*root_plus, "D", color=COLOURS["z+"], ms=7, zorder=5)
    ax.text(
        root_plus[0] - 0.03,
        root_plus[1] + 0.04,
        "root, z+",
        ha="right",
        fontsize=9,
        color=COLOURS["z+"],
    )
    # the weight vector, normal to the hyperplane, from a point on it
    foot = np.array([0.0, 0.75])
    foot[0] = -(weight[1] * foot[1] + bias) / weight[0]
    tip = foot + 0.2 * weight / np.linalg.norm(weight)
    ax.annotate("", xy=tip, xytext=foot, arrowprops={"arrowstyle": "->"})
    ax.text(*tip, " $w$", va="center", fontsize=9)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("input $y_1$", fontsize=9)
    ax.set_ylabel("input $y_2$", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_title("input, hyperplane, root points", fontsize=10)


def _draw_bars(ax, found, output):
    width = 0.38
    positions = np.arange(2)
    for k, (name, values) in enumerate(found.items()):
        terms = values["terms"]
        offset = (k - 0.5) * width
        ax.bar(
            positions + offset,
            terms,
            width,
            color=COLOURS[name],
            label=f"{name} (sum {terms.sum():.2f})",
        )
        for x, value in zip(positions + offset, terms):
            ax.text(
                x,
                value + (0.02 if value >= 0 else -0.02),
                f"{value:.2f}",
                ha="center",
                va="bottom" if value >= 0 else "top",
                fontsize=8,
            )
    ax.axhline(0, color="k", lw=0.8)
    ax.axhline(output, color="k", ls="--", lw=1)
    ax.text(
        1.5 - 0.02,
        output - 0.02,
        f"neuron output {output:.2f}",
        ha="right",
        va="top",
        fontsize=9,
    )
    ax.set_xticks(
        positions, ["$R_1$ (input $y_1$)", "$R_2$ (input $y_2$)"]
    )
    ax.set_xlim(-0.5, 1.5)
    lowest = min(min(v["terms"].min() for v in found.values()), 0)
    ax.set_ylim(lowest - 0.12, 1.7 * output)
    ax.set_ylabel("relevance", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title("relevance = first-order terms", fontsize=10)
