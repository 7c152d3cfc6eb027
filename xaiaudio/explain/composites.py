"""LRP with zennit: the composites used for real work (Anders et al.,
2021).

Every composite here merges batch norms into the layer before them with
zennit's ``SequentialMergeBatchNorm`` canonizer (the input batch norm of
the paper's convnet follows no linear layer, stays, and gets ``Pass``),
then assigns rules by layer type. The registry
:data:`xaiaudio.explain.registry.METHODS` names each one and pairs it with
its from-scratch twin in :mod:`xaiaudio.explain.lrp`; the two give the same
relevance (``tests/test_lrp.py``):

* :func:`lrp0_composite`: LRP-0 (Eq. 9) everywhere, with only a numerical
  stabiliser;
* :func:`epsilon_composite`: "LRP-eps" as published, Epsilon(1e-6) on
  Conv1d, Linear and average pools, Pass on activations and batch norms;
* :func:`zplus_composite`: z+ (Eq. 10) on Conv1d and Linear;
* :func:`epsilon_plus_composite`: zennit's ``EpsilonPlus``, "[eps, z+] as
  published": z+ on convolutions, eps on dense layers. The published
  numbers come from this one;
* :func:`epsilon_plus_as_written_composite`: the ordering the paper's text
  describes, eps on convolutions, z+ on dense layers.

:func:`explain` runs any of them.
"""

from __future__ import annotations

import torch
from torch import nn

from xaiaudio.core import work_ledger
from xaiaudio.core.compat import import_zennit
from xaiaudio.explain.lrp import LRP0_EPSILON, one_hot_seed

zennit = import_zennit()
from zennit.canonizers import SequentialMergeBatchNorm  # noqa: E402
from zennit.composites import Composite, EpsilonPlus, LayerMapComposite  # noqa: E402
from zennit.rules import Epsilon, Norm, Pass, ZPlus  # noqa: E402
from zennit.types import Activation, AvgPool, BatchNorm, Convolution  # noqa: E402


def _layer_map_composite(conv, dense, pool) -> LayerMapComposite:
    """A zennit composite: Pass on activations and batch norms, the
    given rules elsewhere, BN merged."""
    layer_map = [
        (Activation, Pass()),
        (BatchNorm, Pass()),
        (AvgPool, pool),
        (Convolution, conv),
        (nn.Linear, dense),
    ]
    return LayerMapComposite(
        layer_map=layer_map, canonizers=[SequentialMergeBatchNorm()]
    )


def lrp0_composite() -> LayerMapComposite:
    """LRP-0 on Conv1d, Linear and pools: an eps rule whose epsilon is only
    a stabiliser.

    The epsilon is :data:`~xaiaudio.explain.lrp.LRP0_EPSILON`. Registry
    name "LRP-0"; its from-scratch twin is
    :func:`xaiaudio.explain.lrp.lrp0_composite`.

    Returns
    -------
    zennit.composites.LayerMapComposite
        A new composite, for :func:`explain`.
    """
    return _layer_map_composite(
        Epsilon(LRP0_EPSILON), Epsilon(LRP0_EPSILON), Epsilon(LRP0_EPSILON)
    )


def epsilon_composite(epsilon: float = 1e-6) -> LayerMapComposite:
    """ "LRP-eps" as published: Epsilon(epsilon) on Conv1d, Linear and
    average pools.

    Registry name "LRP-eps".

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of every layer.

    Returns
    -------
    zennit.composites.LayerMapComposite
        A new composite, for :func:`explain`.
    """
    return _layer_map_composite(
        Epsilon(epsilon), Epsilon(epsilon), Epsilon(epsilon)
    )


def zplus_composite(stabilizer: float = 1e-6) -> LayerMapComposite:
    """z+ on Conv1d and Linear; pools get Norm (an eps rule), as in
    zennit's built-in composites.

    Registry name "LRP-z+".

    Parameters
    ----------
    stabilizer : float, default 1e-6
        The stabiliser of every rule (zennit's name for it).

    Returns
    -------
    zennit.composites.LayerMapComposite
        A new composite, for :func:`explain`.
    """
    return _layer_map_composite(
        ZPlus(stabilizer), ZPlus(stabilizer), Norm(stabilizer)
    )


def epsilon_plus_composite(
    epsilon: float = 1e-6, stabilizer: float = 1e-6
):
    """zennit's own ``EpsilonPlus`` ("[eps, z+] as published"): z+ on
    convolutions, eps on dense layers.

    The composite behind the published numbers; average pools get zennit's
    Norm rule. Registry name "LRP-[eps, z+] published".

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of the dense layers' eps rule.
    stabilizer : float, default 1e-6
        The stabiliser of the other rules (zennit's name for it).

    Returns
    -------
    zennit.composites.EpsilonPlus
        A new composite, for :func:`explain`.
    """
    return EpsilonPlus(
        epsilon=epsilon,
        stabilizer=stabilizer,
        canonizers=[SequentialMergeBatchNorm()],
    )


def epsilon_plus_as_written_composite(
    epsilon: float = 1e-6, stabilizer: float = 1e-6
) -> LayerMapComposite:
    """ "[eps, z+] as written" in the paper: eps on convolutions, z+ on
    dense layers.

    Average pools get Norm. Registry name "LRP-[eps, z+] as written".

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of the convolutions' eps rule.
    stabilizer : float, default 1e-6
        The stabiliser of z+ and Norm (zennit's name for it).

    Returns
    -------
    zennit.composites.LayerMapComposite
        A new composite, for :func:`explain`.
    """
    return _layer_map_composite(
        Epsilon(epsilon), ZPlus(stabilizer), Norm(stabilizer)
    )


def explain(
    model: nn.Module,
    inputs: torch.Tensor,
    composite: Composite,
    target=None,
    return_output: bool = False,
):
    """LRP relevance of ``inputs`` for class ``target`` with a zennit
    composite.

    The output relevance is a one-hot vector at the target class
    (:func:`xaiaudio.explain.lrp.one_hot_seed`), propagated back by the
    composite's rules through autograd. The model is put in eval mode for
    the explanation and restored afterwards; the composite is a context
    manager, so its hooks and the batch-norm merge are undone on exit.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier; its weights are unchanged on return.
    inputs : torch.Tensor, shape (batch, ...)
        Inputs of the model's dtype and device, e.g. ``(batch, paths,
        frames)``.
    composite : zennit.composites.Composite
        A composite of this module (a fresh one per call is safest).
    target : None, int or torch.Tensor of shape (batch,), optional
        ``None`` explains each example's predicted class (as published); an
        int the same class for every example; a tensor one class per
        example.
    return_output : bool, default False
        Also return the logits of the model under the composite (batch
        norms merged).

    Returns
    -------
    torch.Tensor or tuple of torch.Tensor
        Relevance shaped like ``inputs``; with ``return_output=True``,
        ``(logits, relevance)`` with logits ``(batch, classes)``.

    Raises
    ------
    ValueError
        When ``inputs`` are not on the model's device (say, CPU features
        for a model on the GPU).
    """
    parameter = next(model.parameters(), None)
    if parameter is not None and parameter.device != inputs.device:
        raise ValueError(
            f"the inputs are on {inputs.device}, the model on "
            f"{parameter.device}: move them with inputs.to(device)"
        )
    work_ledger.count(
        f"relevance pass, {type(model).__name__}",
        len(inputs),
        inputs.shape[1:],
    )
    was_training = model.training
    model.eval()
    try:
        x = inputs.detach().clone().requires_grad_(True)
        with composite.context(model) as modified:
            output = modified(x)
            (relevance,) = torch.autograd.grad(
                output, x, one_hot_seed(output.detach(), target)
            )
    finally:
        model.train(was_training)
    if return_output:
        return output.detach(), relevance
    return relevance
