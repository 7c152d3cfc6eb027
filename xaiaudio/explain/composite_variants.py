"""Variations on the LRP composites of :mod:`xaiaudio.explain.lrp`, for
taking a composite apart.

The published composites merge every batch norm that follows a convolution
into it and let the input batch norm pass relevance unchanged. To measure
what those two choices do to a map, this module builds the alternatives
from the from-scratch rules:

* :func:`unmerged_copy`: a copy of a network whose batch norms are *not*
  merged, so that :func:`xaiaudio.explain.lrp.lrp` passes relevance through
  them (as zennit does without its canonizer) and the convolutions, which
  have no bias, conserve it;
* :func:`with_batchnorm_rule`: a composite in which the batch norms left
  unmerged (the input batch norm of the paper's convnet) get a rule of
  their own, e.g. LRP-eps, instead of passing relevance.

Used by :mod:`xaiaudio.experiments.kurtosis_drivers`.
"""

from __future__ import annotations

import copy

from torch import nn


def unmerged_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in which no batch norm follows a linear layer
    directly, so none is merged.

    Each batch norm is replaced by ``Sequential(Identity(), norm)``: the
    forward pass is unchanged, but
    :func:`xaiaudio.explain.lrp.merge_batchnorm` only merges a batch norm
    that directly follows a Conv1d or Linear leaf, so it leaves every one
    in place and composites give it
    :class:`~xaiaudio.explain.lrp.PassThrough`.

    Parameters
    ----------
    model : torch.nn.Module
        A network whose leaves, in registration order, are its forward
        order; not modified.

    Returns
    -------
    torch.nn.Module
        The copy, in the mode ``model`` was in.
    """
    unmerged = copy.deepcopy(model)
    for parent in list(unmerged.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                # Re-assigning an existing child keeps its place, hence the
                # forward order of the leaves.
                setattr(parent, name, nn.Sequential(nn.Identity(), child))
    return unmerged


def with_batchnorm_rule(composite: dict, rule) -> dict:
    """``composite`` with ``rule`` for every batch norm that stays unmerged
    (the input batch norm).

    In eval mode a batch norm is affine in its input, so
    :class:`~xaiaudio.explain.lrp.Epsilon` applies to it: each path keeps
    the share of its normalised value that comes from the input rather than
    from the shift, ``x s / (x s + b)``. The published composites pass
    relevance through it unchanged instead.

    Parameters
    ----------
    composite : dict
        Layer types -> rules (:func:`xaiaudio.explain.lrp.make_composite`);
        not modified.
    rule : callable
        The rule of the batch norms, e.g. ``Epsilon(1e-6)``.

    Returns
    -------
    dict
        A new composite whose first entry (the first match wins) maps batch
        norms to ``rule``.
    """
    return {(nn.modules.batchnorm._BatchNorm,): rule, **composite}
