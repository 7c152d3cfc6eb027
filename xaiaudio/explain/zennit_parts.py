"""zennit's parts at work on one model: a canonizer applied by hand, then
an attributor.

zennit (Anders et al., 2021) implements LRP with canonizers, composites and
attributors. This module runs the first and the last on the paper's
convnet: :func:`canonizer_effect` applies ``SequentialMergeBatchNorm`` by
hand and measures how much it changes the logits;
:func:`gradient_attribution` runs the ``Gradient`` attributor with a
composite and checks that the model comes back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from xaiaudio.core.compat import import_zennit
from xaiaudio.explain.lrp import one_hot_seed

zennit = import_zennit()
from zennit.attribution import Gradient  # noqa: E402
from zennit.canonizers import SequentialMergeBatchNorm  # noqa: E402
from zennit.composites import Composite  # noqa: E402


@dataclass(frozen=True)
class CanonizerEffect:
    """What merging the batch norms did: how many merges, and the
    largest relative logit change."""

    n_merged: int
    relative_change: float


def canonizer_effect(
    model: nn.Module, inputs: torch.Tensor
) -> CanonizerEffect:
    """Merge every batch norm that follows a linear layer with zennit's
    canonizer, compare, undo.

    Parameters
    ----------
    model : torch.nn.Module
        A network whose leaves come in forward order (e.g. the paper's
        convnet). It is scored in evaluation mode, in which a batch norm is
        an affine map, and its mode is restored.
    inputs : torch.Tensor
        A batch the model accepts.

    Returns
    -------
    CanonizerEffect
        ``n_merged``, the number of batch norms merged, and
        ``relative_change``, ``max |merged logits - logits| / max
        |logits|``. zennit leaves a merged batch norm as ``x / sqrt(1 +
        eps)`` rather than the identity, so the change is small but not
        zero.
    """
    was_training = model.training
    model.eval()
    try:
        logits = model(inputs).detach()
        merges = SequentialMergeBatchNorm().apply(model)
        try:
            logits_merged = model(inputs).detach()
        finally:
            # Undo the merges even if the forward pass fails: the caller's
            # model must come back intact.
            for merge in merges:
                merge.remove()
    finally:
        model.train(was_training)
    change = (logits_merged - logits).abs().max() / logits.abs().max()
    return CanonizerEffect(len(merges), change.item())


@dataclass(frozen=True)
class Attribution:
    """The logits, the relevance of the inputs, and whether the model's
    state survived unchanged."""

    output: torch.Tensor
    relevance: torch.Tensor
    model_unchanged: bool


def gradient_attribution(
    model: nn.Module,
    inputs: torch.Tensor,
    composite: Composite,
    target=None,
) -> Attribution:
    """Relevance from zennit's ``Gradient`` attributor with ``composite``,
    seeded with a one-hot vector.

    Parameters
    ----------
    model : torch.nn.Module
        The network to explain, in the mode it should be explained in.
    inputs : torch.Tensor
        A batch the model accepts.
    composite : zennit.composites.Composite
        The rules (and canonizers) to apply, e.g.
        :func:`xaiaudio.explain.composites.epsilon_plus_composite`.
    target : None, int or torch.Tensor
        The class to explain, as in
        :func:`xaiaudio.explain.lrp.one_hot_seed`; ``None`` explains each
        example's predicted class, as published.

    Returns
    -------
    Attribution
        ``output`` (the logits), ``relevance`` (shaped like ``inputs``) and
        ``model_unchanged``: whether every entry of the model's
        ``state_dict`` is the same after the ``with`` block as before it,
        i.e. whether the composite removed its hooks and undid its
        canonizers.
    """
    state_before = {
        name: value.clone() for name, value in model.state_dict().items()
    }
    with Gradient(model=model, composite=composite) as attributor:
        output, relevance = attributor(
            inputs, lambda out: one_hot_seed(out, target)
        )
    state_after = model.state_dict()
    unchanged = state_after.keys() == state_before.keys() and all(
        torch.equal(state_before[name], value)
        for name, value in state_after.items()
    )
    return Attribution(output.detach(), relevance, unchanged)
