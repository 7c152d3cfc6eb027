"""Sanity checks for attribution maps (Adebayo et al., NeurIPS 2018): does
a map depend on the model?

An explanation of a network's decision must change when the network does.
Adebayo et al. test it two ways: *cascading model-parameter randomisation*
re-initialises the layers one more at a time, from the output layer down,
and *label randomisation* trains the same architecture on shuffled labels.
A method whose maps stay similar to those of the trained network fails the
check: it describes the input (or its own construction), not what the
network learnt.

This module holds the parts that need no data: which layers a cascade walks
(:func:`cascade_layers`), a copy of a model with some layers re-initialised
(:func:`randomised_copy`, batch norms handled by
:func:`recalibrate_batchnorm`), the cascade itself
(:func:`cascading_randomisation`), the rank similarity of two sets of maps
(:func:`rank_similarity`), the threshold of a failure
(:data:`SIMILARITY_THRESHOLD`, :func:`pair_concordance`) and the methods
that fail (:func:`failing_methods`). The cached pipeline on the
playing-technique convnet is :mod:`xaiaudio.experiments.sanity_runs`.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import scipy.stats
import torch
from torch import nn

#: A method fails a randomisation test when the mean Spearman correlation
#: between its maps of the trained and of the randomised network is at
#: least this (signed or absolute maps). At 0.5 about two pairs of paths in
#: three keep their order (:func:`pair_concordance`).
SIMILARITY_THRESHOLD = 0.5


def _has_state(module: nn.Module) -> bool:
    return any(True for _ in module.parameters()) or any(
        True for _ in module.buffers()
    )


def cascade_layers(model: nn.Module) -> list[str]:
    """Names of the layers a cascading randomisation re-initialises, output
    layer first.

    A layer is a direct child of ``model`` that holds parameters or
    buffers; for :class:`~xaiaudio.models.convnet.PlayingTechniqueConvNet`
    these are ``classifier``, ``dense``, ``block3``, ``block2``, ``block1``
    and ``input_norm`` (a convolution block counts once, with its batch
    norm).

    Parameters
    ----------
    model : torch.nn.Module
        A network whose children run in order (an
        :class:`torch.nn.Sequential`).

    Returns
    -------
    list of str
        The layers' names, from the output to the input.
    """
    return [
        name
        for name, child in reversed(list(model.named_children()))
        if _has_state(child)
    ]


@torch.no_grad()
def recalibrate_batchnorm(
    model: nn.Module,
    norms: Sequence[nn.Module],
    inputs,
    batch_size: int = 64,
) -> None:
    """Re-estimate the running statistics of ``norms`` from ``inputs``;
    nothing else changes.

    The statistics a trained batch norm keeps describe the outputs of the
    trained layer before it; once that layer is re-drawn they would scale
    its outputs arbitrarily, and resetting them to mean 0, variance 1 would
    not normalise at all. So they are measured again: only ``norms`` run in
    training mode (a cumulative average over the batches), every other
    layer in eval mode, and the model is left in eval mode. Used by
    :func:`randomised_copy`.

    Parameters
    ----------
    model : torch.nn.Module
        The network, changed in place.
    norms : sequence of torch.nn.Module
        Batch norms of ``model`` to recalibrate (other modules in it are
        skipped).
    inputs : array-like, shape (n, ...)
        Calibration inputs of the model's dtype, on the CPU (moved to the
        model's device).
    batch_size : int, default 64
        Examples per forward pass.
    """
    norms = [
        m for m in norms if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    if not norms:
        return
    device = next(model.parameters()).device
    model.eval()
    momenta = [m.momentum for m in norms]
    for norm in norms:
        norm.reset_running_stats()
        # None: a cumulative average, so every batch counts equally
        norm.momentum = None
        norm.train()
    try:
        for start in range(0, len(inputs), batch_size):
            model(
                torch.as_tensor(
                    np.asarray(inputs[start : start + batch_size]),
                    device=device,
                )
            )
    finally:
        for norm, momentum in zip(norms, momenta):
            norm.momentum = momentum
        model.eval()


def randomised_copy(
    model: nn.Module, layers: Sequence[str], calibration, seed: int = 0
) -> nn.Module:
    """A copy of ``model`` whose ``layers`` are re-initialised, in eval
    mode, on ``model``'s device.

    Every submodule of the named layers that has ``reset_parameters`` draws
    its weights again from torch's initial distribution (convolutions and
    dense layers: Kaiming-uniform; batch norms: scale 1, shift 0), with a
    CPU generator seeded by ``seed`` and in the order of ``layers``, so a
    layer gets the same random weights whichever layers are re-drawn before
    it. The running statistics of the batch norms in those layers are then
    re-estimated on ``calibration`` (:func:`recalibrate_batchnorm`). Every
    other parameter and buffer is an exact copy.

    Parameters
    ----------
    model : torch.nn.Module
        The trained network (not modified).
    layers : sequence of str
        Names of direct children of ``model`` (:func:`cascade_layers`).
    calibration : array-like, shape (n, ...)
        Inputs for the batch-norm statistics (the training clips).
    seed : int, default 0
        Seed of the new weights.

    Returns
    -------
    torch.nn.Module
        The randomised copy.

    Raises
    ------
    KeyError
        If a name is not a child of ``model``.
    """
    device = next(model.parameters()).device
    children = dict(model.named_children())
    missing = [name for name in layers if name not in children]
    if missing:
        raise KeyError(
            f"{missing} are not layers of the model; it has "
            f"{list(children)}"
        )
    randomised = copy.deepcopy(model).cpu()
    children = dict(randomised.named_children())
    # the global generator, seeded here, is left as it was
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for name in layers:
            for module in children[name].modules():
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()
    randomised.to(device)
    norms = [
        module for name in layers for module in children[name].modules()
    ]
    recalibrate_batchnorm(randomised, norms, calibration)
    return randomised.eval()


def cascading_randomisation(
    model: nn.Module, calibration, seed: int = 0
) -> Iterator[tuple[str, nn.Module]]:
    """The cascade of Adebayo et al.: copies of ``model`` with one more
    layer re-initialised each time.

    Step ``k`` re-initialises the first ``k`` layers of
    :func:`cascade_layers` (output layer first) with
    :func:`randomised_copy`; a layer keeps the same random weights at every
    later step. The last step randomises every layer.

    Parameters
    ----------
    model : torch.nn.Module
        The trained network (not modified).
    calibration : array-like, shape (n, ...)
        Inputs for the batch-norm statistics.
    seed : int, default 0
        Seed of the new weights.

    Yields
    ------
    (str, torch.nn.Module)
        The layer randomised last and the copy.
    """
    layers = cascade_layers(model)
    for k in range(1, len(layers) + 1):
        yield (
            layers[k - 1],
            randomised_copy(model, layers[:k], calibration, seed),
        )


def rank_similarity(original, other) -> dict:
    """Per example, the Spearman rank correlation of two maps, signed and
    absolute.

    ``scipy.stats.spearmanr`` over the paths of each example. A constant
    map has no ranks; its correlation is NaN.

    Parameters
    ----------
    original, other : numpy.ndarray, shape (examples, paths)
        Time-averaged relevance of the same examples.

    Returns
    -------
    dict
        ``{"signed": (examples,), "absolute": (examples,)}`` float arrays
        in [-1, 1].

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    original, other = (
        np.asarray(original, dtype=float),
        np.asarray(other, dtype=float),
    )
    if original.shape != other.shape:
        raise ValueError(
            f"maps of shapes {original.shape} and {other.shape} cannot be "
            "compared"
        )
    out = {}
    with warnings.catch_warnings():
        # NaN says it
        warnings.simplefilter("ignore", scipy.stats.ConstantInputWarning)
        for kind, transform in (
            ("signed", np.asarray),
            ("absolute", np.abs),
        ):
            a, b = transform(original), transform(other)
            out[kind] = np.array(
                [
                    scipy.stats.spearmanr(a[i], b[i]).statistic
                    for i in range(len(a))
                ]
            )
    return out


def pair_concordance(spearman: float) -> float:
    """Share of pairs of paths that keep their order, for maps with this
    Spearman correlation.

    For jointly Gaussian values, Pearson's ``r = 2 sin(pi rho / 6)``
    (Spearman's ``rho``), Kendall's ``tau = 2 arcsin(r) / pi``, and a pair
    is concordant with probability ``(1 + tau) / 2``: 0.5 for unrelated
    maps, 1 for maps in the same order. It gives
    :data:`SIMILARITY_THRESHOLD` a meaning.

    Parameters
    ----------
    spearman : float
        A rank correlation in [-1, 1].

    Returns
    -------
    float
        The probability in [0, 1].
    """
    pearson = 2.0 * np.sin(np.pi * spearman / 6.0)
    return float(
        (1.0 + 2.0 * np.arcsin(np.clip(pearson, -1.0, 1.0)) / np.pi) / 2.0
    )


def failing_methods(
    similarity: pd.DataFrame, threshold: float = SIMILARITY_THRESHOLD
) -> list[str]:
    """The methods whose maps stay similar: mean signed or absolute
    similarity at least ``threshold``.

    Parameters
    ----------
    similarity : pandas.DataFrame
        Indexed by method, with columns ``signed`` and ``absolute`` (mean
        Spearman correlations with the trained network's maps).
    threshold : float, default :data:`SIMILARITY_THRESHOLD`
        The failure threshold.

    Returns
    -------
    list of str
        The failing methods, in the table's order (a NaN similarity never
        fails).
    """
    stays = (similarity["signed"] >= threshold) | (
        similarity["absolute"] >= threshold
    )
    return list(similarity.index[stays])
