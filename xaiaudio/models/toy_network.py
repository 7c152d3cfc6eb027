"""The two-dimensional toy problem of deep Taylor decomposition: data and
network.

The toy problem lives in the positive quadrant ``[0, 1]^2`` (like the input
of a layer that follows a ReLU, or like scattering coefficients): class 1
is the wedge of points whose polar angle lies between 30 and 60 degrees,
class 0 is the rest. A wedge suits a bias-free ReLU network, which is
positively homogeneous (``f(t x) = t f(x)`` for ``t > 0``), so its decision
regions are cones from the origin.

Per-preset sizes are in :data:`TOY_SETTINGS`; the network is trained by
:func:`xaiaudio.training.toy_training.train_toy_mlp` and drawn by
:mod:`xaiaudio.report.toy_figures`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

#: Per-preset settings of the chapter: toy training set, steps, grid
#: resolution, hidden width, and the number of scattering paths of the
#: convnet used to compare with zennit.
TOY_SETTINGS = {
    "smoke": {
        "n_train": 256,
        "steps": 150,
        "grid": 41,
        "hidden": 16,
        "convnet_paths": 74,
    },
    "book": {
        "n_train": 2048,
        "steps": 600,
        "grid": 101,
        "hidden": 32,
        "convnet_paths": 1200,
    },
    "paper": {
        "n_train": 2048,
        "steps": 600,
        "grid": 101,
        "hidden": 32,
        "convnet_paths": 1200,
    },
}

#: Polar angles (radians) that bound class 1: 30 and 60 degrees.
WEDGE = (math.pi / 6, math.pi / 3)


def wedge_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random points of the unit square and their wedge labels.

    Used by :func:`xaiaudio.training.toy_training.train_toy_mlp`.

    Parameters
    ----------
    n : int
        Number of points.
    seed : int, default 0
        Seed of the points (a generator of their own: the global torch
        state is untouched).

    Returns
    -------
    x : torch.Tensor, shape (n, 2), float32
        Points drawn uniformly in ``[0, 1)^2``.
    y : torch.Tensor, shape (n,), int64
        1 where the polar angle lies strictly between 30 and 60 degrees
        (:data:`WEDGE`), else 0.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g)
    angle = torch.atan2(x[:, 1], x[:, 0])
    y = ((angle > WEDGE[0]) & (angle < WEDGE[1])).long()
    return x, y


def toy_mlp(hidden: int = 16, bias: bool = False) -> nn.Sequential:
    """An untrained ReLU network 2 -> ``hidden`` -> ``hidden`` -> 2,
    bias-free by default.

    Without biases the network is positively homogeneous, so LRP-0 equals
    gradient x input and conserves the logit exactly.

    Parameters
    ----------
    hidden : int, default 16
        Width of the two hidden layers.
    bias : bool, default False
        Whether the three linear layers have biases.

    Returns
    -------
    torch.nn.Sequential
        Linear, ReLU, Linear, ReLU, Linear, initialised from torch's global
        generator; output ``(N, 2)`` logits for input ``(N, 2)``.
    """
    return nn.Sequential(
        nn.Linear(2, hidden, bias=bias),
        nn.ReLU(),
        nn.Linear(hidden, hidden, bias=bias),
        nn.ReLU(),
        nn.Linear(hidden, 2, bias=bias),
    )


def input_grid(
    resolution: int,
) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A regular ``resolution x resolution`` grid over ``[0, 1]^2``, for
    drawing relevance maps.

    Parameters
    ----------
    resolution : int
        Points per axis (``TOY_SETTINGS[preset]["grid"]``).

    Returns
    -------
    xx, yy : numpy.ndarray, shape (resolution, resolution)
        The coordinates as :func:`numpy.meshgrid` gives them (``xx`` varies
        along columns).
    points : torch.Tensor, shape (resolution ** 2, 2), float32
        The grid points in the row-major order of ``xx.ravel()`` and
        ``yy.ravel()``.
    """
    axis = np.linspace(0.0, 1.0, resolution)
    xx, yy = np.meshgrid(axis, axis)
    points = torch.tensor(
        np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32
    )
    return xx, yy, points
