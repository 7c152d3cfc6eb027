"""The convolutional network of Wang, Lostanlen and Lagrange (ICASSP 2023).

The network classifies playing techniques from scattering coefficients
shaped ``(batch, paths, frames)``. It is built only from ``torch.nn``
layers, held in named :class:`torch.nn.Sequential` blocks in forward order,
so that

* zennit's :class:`~zennit.canonizers.SequentialMergeBatchNorm` finds every
  batch norm that directly follows a convolution (it walks the leaves in
  order), and zennit composites assign rules by layer type
  (:mod:`xaiaudio.explain.composites`);
* the from-scratch LRP of :mod:`xaiaudio.explain.lrp` can walk the same
  leaves.

With ``c = C // 4`` for ``C`` input paths the widths are ``c/2, c, 2c``;
for ``C = 1200`` the network has 2,068,289 trainable parameters and for ``C
= 74`` it has 10,383 (the paper's "2.1 M" and "10.3 K"). Unlike the
published code, the global average pool keeps the batch dimension, so a
batch of one example works.

Trained networks come from
:func:`xaiaudio.experiments.technique_convnets.trained_convnet`.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

#: Number of playing-technique classes (vibrato, trill, tremolo,
#: bisbigliando, flatterzunge).
N_CLASSES = 5


def _conv_block(
    in_channels: int, out_channels: int, kernel_size: int, pool: bool
) -> nn.Sequential:
    """Conv1d ('same' padding, no bias) + BatchNorm1d + ReLU, optionally
    + AvgPool1d(2)."""
    layers = OrderedDict(
        conv=nn.Conv1d(
            in_channels,
            out_channels,
            kernel_size,
            padding="same",
            bias=False,
        ),
        norm=nn.BatchNorm1d(out_channels),
        relu=nn.ReLU(),
    )
    if pool:
        layers["pool"] = nn.AvgPool1d(2)
    return nn.Sequential(layers)


class PlayingTechniqueConvNet(nn.Sequential):
    """The paper's convnet: scattering paths in, one logit per playing
    technique out.

    Blocks, in forward order, with ``c = n_paths // 4``: ``input_norm``
    BatchNorm1d(n_paths); ``block1`` Conv1d(n_paths -> c/2, kernel 7),
    BN, ReLU, AvgPool1d(2); ``block2`` Conv1d(c/2 -> c, kernel 5), BN,
    ReLU, AvgPool1d(2); ``block3`` Conv1d(c -> 2c, kernel 3), BN, ReLU;
    ``global_pool`` AdaptiveAvgPool1d(1) (the mean over time); ``flatten``;
    ``dropout``; ``dense`` Linear(2c -> 64) + ReLU; ``classifier``
    Linear(64 -> n_classes). Convolutions use "same" padding and no bias
    (the batch norm after them has one).

    The input is ``(batch, n_paths, frames)``: normalised scattering
    coefficients, 32 frames in the paper; any ``frames >= 4`` works (two
    poolings by 2). The output is ``(batch, n_classes)`` logits. The
    attributes ``n_paths`` and ``n_classes`` keep the arguments (training
    and evaluation read ``n_classes``).

    Parameters
    ----------
    n_paths : int
        Number of input scattering paths ``C`` (74 for S1 only and 1200 for
        S1 + S2 at the ``paper`` preset).
    n_classes : int, default :data:`N_CLASSES`
        Number of output logits.
    dropout : float, default 0.5
        Dropout probability before the dense layer (active in training mode
        only).

    Raises
    ------
    ValueError
        If ``n_paths < 8`` (the first block would have no channel).
    """

    def __init__(
        self,
        n_paths: int,
        n_classes: int = N_CLASSES,
        dropout: float = 0.5,
    ):
        c = n_paths // 4
        if c < 2:
            raise ValueError(f"n_paths must be at least 8, got {n_paths}")
        super().__init__(
            OrderedDict(
                input_norm=nn.BatchNorm1d(n_paths),
                block1=_conv_block(n_paths, c // 2, 7, pool=True),
                block2=_conv_block(c // 2, c, 5, pool=True),
                block3=_conv_block(c, 2 * c, 3, pool=False),
                global_pool=nn.AdaptiveAvgPool1d(1),
                flatten=nn.Flatten(1),
                dropout=nn.Dropout(dropout),
                dense=nn.Sequential(
                    OrderedDict(
                        linear=nn.Linear(2 * c, 64), relu=nn.ReLU()
                    )
                ),
                classifier=nn.Linear(64, n_classes),
            )
        )
        self.n_paths = n_paths
        self.n_classes = n_classes


def randomise_batchnorm(
    model: nn.Module, generator: torch.Generator | None = None
) -> nn.Module:
    """Give every batch norm of ``model`` non-trivial running statistics
    and affine parameters.

    An untrained network has running mean 0 and variance 1, which would
    make batch-norm merging look trivially correct. This draws running
    means ``0.5 N(0, 1)``, running variances ``0.5 + U[0, 1)``, and, where
    the norm is affine, scales ``0.5 + U[0, 1)`` and shifts ``0.2 N(0,
    1)``. Call it before comparing LRP implementations on an untrained
    network.

    Parameters
    ----------
    model : torch.nn.Module
        Any network; every subclass of torch's ``_BatchNorm`` in it is
        changed in place.
    generator : torch.Generator, optional
        Source of the random numbers (``None``: torch's global generator).

    Returns
    -------
    torch.nn.Module
        ``model`` itself, modified in place (returned for chaining).
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                shape = module.running_mean.shape
                dtype = module.running_mean.dtype
                module.running_mean.copy_(
                    0.5
                    * torch.randn(shape, generator=generator, dtype=dtype)
                )
                module.running_var.copy_(
                    0.5
                    + torch.rand(shape, generator=generator, dtype=dtype)
                )
                if module.affine:
                    module.weight.copy_(
                        0.5
                        + torch.rand(
                            shape, generator=generator, dtype=dtype
                        )
                    )
                    module.bias.copy_(
                        0.2
                        * torch.randn(
                            shape, generator=generator, dtype=dtype
                        )
                    )
    return model
