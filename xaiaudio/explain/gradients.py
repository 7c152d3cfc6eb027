"""Gradient-based attribution baselines, each a few lines so the chapter
can show them.

Every method has the signature of ``AttributionMethod.explain``
(:class:`xaiaudio.explain.registry.AttributionMethod`): ``f(model, inputs,
target, generator)`` returns a relevance tensor of the inputs' shape for
class ``target`` (``None``: each example's predicted class). The methods
are gradient (saliency; Simonyan et al., 2014), gradient x input,
SmoothGrad (Smilkov et al., 2017), integrated gradients (Sundararajan et
al., 2017) and a random baseline that any method must beat. The first line
of each docstring is the method's description in
:data:`xaiaudio.explain.registry.METHODS`.

:func:`xaiaudio.experiments.relevance.faithfulness_table` compares them
with LRP against ground truth.
"""

from __future__ import annotations

import torch
from torch import nn

from xaiaudio.core import work_ledger


def target_classes(
    model: nn.Module, inputs: torch.Tensor, target=None
) -> torch.Tensor:
    """One class index per example: ``target`` broadcast, or the predicted
    class when ``None``.

    Used by every method of this module.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (only run when ``target`` is ``None``, without
        gradients).
    inputs : torch.Tensor, shape (batch, ...)
        The inputs.
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class(es).

    Returns
    -------
    torch.Tensor, shape (batch,), int64
        The class of each example, on the inputs' device.
    """
    if target is None:
        with torch.no_grad():
            return model(inputs).argmax(dim=1)
    return (
        torch.as_tensor(target, device=inputs.device)
        .expand(len(inputs))
        .long()
    )


def class_score_gradient(
    model: nn.Module, inputs: torch.Tensor, classes: torch.Tensor
) -> torch.Tensor:
    """Gradient of each example's logit for its class with respect to its
    input.

    The logits of the chosen classes are summed over the batch before
    differentiation, which gives each example its own gradient because
    examples do not interact (the model must be in eval mode: batch norm in
    training mode would mix them). Used by every gradient method of this
    module.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    inputs : torch.Tensor, shape (batch, ...)
        The inputs (not modified; a detached copy is differentiated).
    classes : torch.Tensor, shape (batch,), int64
        The class of each example (:func:`target_classes`).

    Returns
    -------
    torch.Tensor
        The gradient, shaped like ``inputs``.
    """
    work_ledger.count(
        f"relevance pass, {type(model).__name__}",
        len(inputs),
        inputs.shape[1:],
    )
    x = inputs.detach().clone().requires_grad_(True)
    scores = model(x).gather(1, classes[:, None]).sum()
    (gradient,) = torch.autograd.grad(scores, x)
    return gradient


def gradient(model, inputs, target=None, generator=None):
    """Saliency: the gradient of the class logit.

    Registry name "gradient".

    Parameters
    ----------
    model : torch.nn.Module
        The classifier, in eval mode.
    inputs : torch.Tensor, shape (batch, ...)
        The inputs, e.g. ``(batch, paths, frames)``.
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class (``None``: the predicted one).
    generator : torch.Generator, optional
        Unused (the registry's common signature).

    Returns
    -------
    torch.Tensor
        ``d logit / d input``, shaped like ``inputs``.
    """
    return class_score_gradient(
        model, inputs, target_classes(model, inputs, target)
    )


def gradient_times_input(model, inputs, target=None, generator=None):
    """Gradient x input (equals LRP-0 for bias-free ReLU networks).

    Registry name "gradient x input". On the toy network without biases
    (:func:`xaiaudio.models.toy_network.toy_mlp`) it equals LRP-0.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier, in eval mode.
    inputs : torch.Tensor, shape (batch, ...)
        The inputs.
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class (``None``: the predicted one).
    generator : torch.Generator, optional
        Unused (the registry's common signature).

    Returns
    -------
    torch.Tensor
        ``inputs * d logit / d input``, shaped like ``inputs``.
    """
    return gradient(model, inputs, target) * inputs


def smoothgrad(
    model,
    inputs,
    target=None,
    generator=None,
    n_samples: int = 16,
    noise: float = 0.1,
):
    """Mean gradient over ``n_samples`` noisy copies (noise std ``noise`` x
    the input's range).

    The noise of each example is Gaussian with standard deviation ``noise``
    times that example's ``max - min``; the classes are fixed on the clean
    input. Registry name "SmoothGrad" (sample counts per preset in
    :data:`xaiaudio.experiments.relevance.SAMPLE_COUNTS`).

    Parameters
    ----------
    model : torch.nn.Module
        The classifier, in eval mode.
    inputs : torch.Tensor, shape (batch, ...)
        The inputs.
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class (``None``: the predicted one).
    generator : torch.Generator, optional
        CPU generator of the noise (``None``: torch's global one).
    n_samples : int, default 16
        Number of noisy copies.
    noise : float, default 0.1
        Noise level as a fraction of each example's range.

    Returns
    -------
    torch.Tensor
        The averaged gradient, shaped like ``inputs``.
    """
    classes = target_classes(model, inputs, target)
    scale = noise * (
        inputs.amax(dim=tuple(range(1, inputs.ndim)), keepdim=True)
        - inputs.amin(dim=tuple(range(1, inputs.ndim)), keepdim=True)
    )
    total = torch.zeros_like(inputs)
    for _ in range(n_samples):
        perturbation = torch.randn(
            inputs.shape, generator=generator, dtype=inputs.dtype
        ).to(inputs.device)
        total += class_score_gradient(
            model, inputs + scale * perturbation, classes
        )
    return total / n_samples


def integrated_gradients(
    model,
    inputs,
    target=None,
    generator=None,
    n_steps: int = 32,
    baseline=None,
):
    """Path integral of gradients from ``baseline`` (zeros) to the input,
    times (input - baseline).

    The integral over ``alpha`` in [0, 1] of the gradient at ``baseline +
    alpha (x - baseline)`` is approximated by the midpoint rule with
    ``n_steps`` points, so the relevance sums to about ``f(x) -
    f(baseline)`` for the explained logit. Registry name "integrated
    gradients" (step counts per preset in
    :data:`xaiaudio.experiments.relevance.SAMPLE_COUNTS`).

    Parameters
    ----------
    model : torch.nn.Module
        The classifier, in eval mode.
    inputs : torch.Tensor, shape (batch, ...)
        The inputs.
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class (``None``: the predicted one, at the input).
    generator : torch.Generator, optional
        Unused (the registry's common signature).
    n_steps : int, default 32
        Points of the midpoint rule.
    baseline : torch.Tensor, optional
        The reference input, broadcastable to ``inputs`` (``None``: zeros).

    Returns
    -------
    torch.Tensor
        The attribution, shaped like ``inputs``.
    """
    classes = target_classes(model, inputs, target)
    baseline = torch.zeros_like(inputs) if baseline is None else baseline
    total = torch.zeros_like(inputs)
    # midpoint rule
    for alpha in (
        torch.arange(n_steps, dtype=inputs.dtype) + 0.5
    ) / n_steps:
        total += class_score_gradient(
            model, baseline + alpha * (inputs - baseline), classes
        )
    return (inputs - baseline) * total / n_steps


def random_relevance(model, inputs, target=None, generator=None):
    """Uniform noise: the floor every attribution method must beat.

    Registry name "random".

    Parameters
    ----------
    model : torch.nn.Module
        Unused.
    inputs : torch.Tensor, shape (batch, ...)
        Gives the shape, dtype and device.
    target : optional
        Unused.
    generator : torch.Generator, optional
        CPU generator of the noise (``None``: torch's global one).

    Returns
    -------
    torch.Tensor
        Values drawn uniformly in [0, 1), shaped like ``inputs``.
    """
    return torch.rand(
        inputs.shape, generator=generator, dtype=inputs.dtype
    ).to(inputs.device)
