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


def input_grid(resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A ``resolution x resolution`` grid over ``[0, 1]^2``: meshgrid arrays and the points ``(N, 2)``."""
    axis = np.linspace(0.0, 1.0, resolution)
    xx, yy = np.meshgrid(axis, axis)
    points = torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)
    return xx, yy, points


