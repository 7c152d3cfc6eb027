"""Model size: the number of trainable parameters, as the papers count it.

Chapters "Training the convnet" (2,068,289 for 1200 paths, the paper's "2.1 M"),
"Deep Taylor decomposition" and "Playable prototypes" (about 0.5 M).
"""

from __future__ import annotations

from torch import nn


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    int
        The sum of ``numel`` over parameters that require a gradient.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
