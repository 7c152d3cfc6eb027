"""Model size: the number of trainable parameters, as the papers count it.

The paper's convnet on 1200 paths has 2,068,289 (the paper's "2.1 M");
:func:`xaiaudio.training.baseline_training.train_direct_classifier` also
reports it.
"""

from __future__ import annotations

from torch import nn


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        Any network.

    Returns
    -------
    int
        The sum of ``numel`` over the parameters that require a gradient
        (batch-norm running statistics are buffers and do not count).
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
