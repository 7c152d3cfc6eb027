"""Figures of the two-dimensional toy classifier of deep Taylor
decomposition.

:func:`toy_composites` names the three rules drawn;
:func:`plot_neuron_roots` draws one ReLU neuron's hyperplane and root
points; :func:`plot_relevance_maps` draws the relevance of each rule over
the input square. The data and network are in
:mod:`xaiaudio.models.toy_network`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from xaiaudio.explain import lrp


def toy_composites(epsilon: float = 0.1) -> dict:
    """The three rules drawn on the toy problem, as from-scratch
    composites.

    The eps rule gets a visible ``epsilon`` so that its effect shows on the
    toy problem.

    Parameters
    ----------
    epsilon : float, default 0.1
        The stabiliser of the eps rule.

    Returns
    -------
    dict
        Display name (``"LRP-0"``, ``"LRP-eps (eps = 0.1)"``, ``"LRP-z+"``)
        -> composite for :func:`xaiaudio.explain.lrp.lrp`.
    """
    return {
        "LRP-0": lrp.lrp0_composite(),
        f"LRP-eps (eps = {epsilon:g})": lrp.epsilon_composite(epsilon),
        "LRP-z+": lrp.zplus_composite(),
    }


def plot_neuron_roots(ax, weight, bias: float, y, limits=(-0.1, 1.1)):
    """Draw one ReLU neuron ``relu(w @ y + b)`` in the plane: hyperplane,
    root points, z+ segment.

    Shades the half-plane where the neuron is active, marks the point
    ``y``, the root point for ``d = y`` (LRP-0, Eq. 9; the search line
    passes through the origin), and the z+ segment from ``y`` to ``y * 1[w
    <= 0]`` with its root point (Eq. 10), using
    :func:`xaiaudio.explain.lrp.root_point`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    weight : array-like, shape (2,)
        The neuron's weights ``w``.
    bias : float
        Its bias ``b``.
    y : array-like, shape (2,)
        The input point.
    limits : tuple of float, default (-0.1, 1.1)
        Range of both axes.

    Returns
    -------
    root_0, root_plus : torch.Tensor, shape (2,), float64
        The root points for ``d = y`` and for z+.
    """
    weight = torch.as_tensor(weight, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64)
    lo, hi = limits
    grid = np.linspace(lo, hi, 200)
    gx, gy = np.meshgrid(grid, grid)
    z = weight[0].item() * gx + weight[1].item() * gy + bias
    ax.contourf(
        gx, gy, z > 0, levels=[0.5, 1.5], colors=["#fde0c5"], alpha=0.8
    )
    ax.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.5)
    root_0 = lrp.root_point(
        weight, bias, y, lrp.search_direction(weight, y, "0")
    )
    root_plus = lrp.root_point(
        weight, bias, y, lrp.search_direction(weight, y, "zplus")
    )
    end_plus = y * (weight <= 0)
    ax.plot(
        [0, y[0]],
        [0, y[1]],
        ls="--",
        color="tab:blue",
        lw=1,
        label="search line d = y (LRP-0)",
    )
    ax.plot(
        [end_plus[0], y[0]],
        [end_plus[1], y[1]],
        color="tab:green",
        lw=3,
        alpha=0.7,
        label="z+ segment (y 1[w<=0], y)",
    )
    ax.plot(*y, "ko", ms=7, label="input y")
    ax.plot(
        *root_0, "s", color="tab:blue", ms=8, label="root point, d = y"
    )
    ax.plot(
        *root_plus, "D", color="tab:green", ms=8, label="root point, z+"
    )
    ax.annotate(
        "",
        xy=(0.5 + 0.15 * weight[0].item(), 0.9 + 0.15 * weight[1].item()),
        xytext=(0.5, 0.9),
        arrowprops={"arrowstyle": "->"},
    )
    ax.text(0.5, 0.93, "w", ha="right")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("input y[1] (arbitrary units)")
    ax.set_ylabel("input y[2] (arbitrary units)")
    ax.set_title("one ReLU neuron: root points", fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    return root_0, root_plus


def plot_relevance_maps(
    model: nn.Module, maps: dict, xx: np.ndarray, yy: np.ndarray
):
    """Figure with one row per rule and one column per input coordinate:
    relevance over the plane.

    The model's decision boundary (equal logits) is drawn on every panel;
    each row has its own symmetric colour scale, clipped at the 99th
    percentile of the absolute relevance.

    Parameters
    ----------
    model : torch.nn.Module
        The toy network (2 inputs, 2 logits).
    maps : dict
        Rule name -> relevance, a torch tensor ``(N, 2)`` on the grid
        points (row-major order of ``xx.ravel()``).
    xx, yy : numpy.ndarray, shape (resolution, resolution)
        The grid (:func:`xaiaudio.models.toy_network.input_grid`), ``N =
        resolution ** 2``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """

    shape = xx.shape
    points = torch.tensor(
        np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32
    )
    with torch.no_grad():
        margin = (
            (model(points) @ torch.tensor([-1.0, 1.0]))
            .reshape(shape)
            .numpy()
        )
    fig, axes = plt.subplots(
        len(maps),
        2,
        figsize=(7, 3.2 * len(maps)),
        squeeze=False,
        constrained_layout=True,
    )
    for row, (name, relevance) in zip(axes, maps.items()):
        relevance = relevance.detach().numpy()
        vmax = float(np.quantile(np.abs(relevance), 0.99)) or 1.0
        for column, ax in enumerate(row):
            image = ax.pcolormesh(
                xx,
                yy,
                relevance[:, column].reshape(shape),
                cmap="RdBu_r",
                vmin=-vmax,
                vmax=vmax,
                shading="auto",
            )
            ax.contour(
                xx, yy, margin, levels=[0.0], colors="k", linewidths=1
            )
            ax.set_aspect("equal")
            ax.set_title(
                f"{name}: relevance of x[{column + 1}]", fontsize=9
            )
            ax.set_xlabel("x[1] (arbitrary units)")
            ax.set_ylabel("x[2] (arbitrary units)")
        fig.colorbar(
            image,
            ax=row.tolist(),
            shrink=0.8,
            label="relevance (logit units)",
        )
    return fig
