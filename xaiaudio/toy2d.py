"""A two-dimensional toy classifier and the figures of the chapter "Deep Taylor decomposition".

The toy problem lives in the positive quadrant ``[0, 1]^2`` (like the input of a
layer that follows a ReLU, or like scattering coefficients): class 1 is the wedge
of points whose polar angle lies between 30 and 60 degrees, class 0 is the rest.
A wedge suits a bias-free ReLU network, which is positively homogeneous
(``f(t x) = t f(x)`` for ``t > 0``), so its decision regions are cones from the origin.

Per-preset sizes are in :data:`TOY_SETTINGS`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from xaiaudio import lrp

#: Per-preset settings of the chapter: toy training set, steps, grid resolution, hidden width,
#: and the number of scattering paths of the convnet used to compare with zennit.
TOY_SETTINGS = {
    "smoke": {"n_train": 256, "steps": 150, "grid": 41, "hidden": 16, "convnet_paths": 74},
    "book": {"n_train": 2048, "steps": 600, "grid": 101, "hidden": 32, "convnet_paths": 1200},
    "paper": {"n_train": 2048, "steps": 600, "grid": 101, "hidden": 32, "convnet_paths": 1200},
}

WEDGE = (math.pi / 6, math.pi / 3)


def wedge_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points uniform in ``[0, 1]^2`` and their labels (1 inside the 30-60 degree wedge)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g)
    angle = torch.atan2(x[:, 1], x[:, 0])
    y = ((angle > WEDGE[0]) & (angle < WEDGE[1])).long()
    return x, y


def toy_mlp(hidden: int = 16, bias: bool = False) -> nn.Sequential:
    """A 2 -> hidden -> hidden -> 2 ReLU network (bias-free by default)."""
    return nn.Sequential(
        nn.Linear(2, hidden, bias=bias), nn.ReLU(),
        nn.Linear(hidden, hidden, bias=bias), nn.ReLU(),
        nn.Linear(hidden, 2, bias=bias),
    )


def train_toy_mlp(settings: dict, seed: int = 0) -> tuple[nn.Sequential, float]:
    """Train :func:`toy_mlp` on :func:`wedge_data` with full-batch Adam.

    Returns the model (eval mode) and its accuracy on fresh points.  Used by "Deep Taylor decomposition".
    """
    torch.manual_seed(seed)
    x, y = wedge_data(settings["n_train"], seed)
    model = toy_mlp(settings["hidden"])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add overhead
    try:
        for _ in range(settings["steps"]):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
    x_test, y_test = wedge_data(2048, seed + 1)
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return model.eval(), accuracy


def input_grid(resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A ``resolution x resolution`` grid over ``[0, 1]^2``: meshgrid arrays and the points ``(N, 2)``."""
    axis = np.linspace(0.0, 1.0, resolution)
    xx, yy = np.meshgrid(axis, axis)
    points = torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)
    return xx, yy, points


def toy_composites(epsilon: float = 0.1) -> dict:
    """The three rules drawn in the chapter, as from-scratch composites (a visible eps for the eps rule)."""
    return {
        "LRP-0": lrp.COMPOSITES["lrp0"](),
        f"LRP-eps (eps = {epsilon:g})": lrp.make_composite(lrp.Epsilon(epsilon), lrp.Epsilon(epsilon)),
        "LRP-z+": lrp.COMPOSITES["zplus"](),
    }


def plot_neuron_roots(ax, weight, bias: float, y, limits=(-0.1, 1.1)):
    """Draw one ReLU neuron ``relu(w @ y + b)`` in the plane: hyperplane, root points, z+ segment.

    Shades the half-plane where the neuron is active, marks the point ``y``, the
    root point for ``d = y`` (LRP-0, Eq. 9; the search line passes through the
    origin), and the z+ segment from ``y`` to ``y * 1[w <= 0]`` with its root point
    (Eq. 10).  Returns the two root points.
    """
    weight = torch.as_tensor(weight, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64)
    lo, hi = limits
    grid = np.linspace(lo, hi, 200)
    gx, gy = np.meshgrid(grid, grid)
    z = weight[0].item() * gx + weight[1].item() * gy + bias
    ax.contourf(gx, gy, z > 0, levels=[0.5, 1.5], colors=["#fde0c5"], alpha=0.8)
    ax.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.5)
    root_0 = lrp.root_point(weight, bias, y, lrp.search_direction(weight, y, "0"))
    root_plus = lrp.root_point(weight, bias, y, lrp.search_direction(weight, y, "zplus"))
    end_plus = y * (weight <= 0)
    ax.plot([0, y[0]], [0, y[1]], ls="--", color="tab:blue", lw=1, label="search line d = y (LRP-0)")
    ax.plot([end_plus[0], y[0]], [end_plus[1], y[1]], color="tab:green", lw=3, alpha=0.7,
            label="z+ segment (y 1[w<=0], y)")
    ax.plot(*y, "ko", ms=7, label="input y")
    ax.plot(*root_0, "s", color="tab:blue", ms=8, label="root point, d = y")
    ax.plot(*root_plus, "D", color="tab:green", ms=8, label="root point, z+")
    ax.annotate("", xy=(0.5 + 0.15 * weight[0].item(), 0.9 + 0.15 * weight[1].item()), xytext=(0.5, 0.9),
                arrowprops={"arrowstyle": "->"})
    ax.text(0.5, 0.93, "w", ha="right")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("input y[1] (arbitrary units)")
    ax.set_ylabel("input y[2] (arbitrary units)")
    ax.set_title("one ReLU neuron: root points", fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    return root_0, root_plus


def plot_relevance_maps(model: nn.Module, maps: dict, xx: np.ndarray, yy: np.ndarray):
    """Figure with one row per rule and one column per input coordinate: relevance over the input plane.

    ``maps`` maps a rule name to relevance ``(N, 2)`` on the grid ``(xx, yy)``; the
    model's decision boundary is drawn on every panel.  Returns the figure.
    """
    import matplotlib.pyplot as plt

    shape = xx.shape
    points = torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)
    with torch.no_grad():
        margin = (model(points) @ torch.tensor([-1.0, 1.0])).reshape(shape).numpy()
    fig, axes = plt.subplots(len(maps), 2, figsize=(7, 3.2 * len(maps)), squeeze=False,
                             constrained_layout=True)
    for row, (name, relevance) in zip(axes, maps.items()):
        relevance = relevance.detach().numpy()
        vmax = float(np.quantile(np.abs(relevance), 0.99)) or 1.0
        for column, ax in enumerate(row):
            image = ax.pcolormesh(xx, yy, relevance[:, column].reshape(shape), cmap="RdBu_r",
                                  vmin=-vmax, vmax=vmax, shading="auto")
            ax.contour(xx, yy, margin, levels=[0.0], colors="k", linewidths=1)
            ax.set_aspect("equal")
            ax.set_title(f"{name}: relevance of x[{column + 1}]", fontsize=9)
            ax.set_xlabel("x[1] (arbitrary units)")
            ax.set_ylabel("x[2] (arbitrary units)")
        fig.colorbar(image, ax=row.tolist(), shrink=0.8, label="relevance (logit units)")
    return fig
