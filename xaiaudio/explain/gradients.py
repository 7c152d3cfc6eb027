"""Gradient-based attribution baselines, each a few lines so the chapter can show them.

Every function has the signature of :data:`xaiaudio.explain.registry.METHODS`:
``f(model, inputs, target, generator)`` returns a relevance tensor of the inputs' shape for
class ``target`` (``None``: each example's predicted class).  The methods are
gradient (saliency; Simonyan et al., 2014), gradient x input, SmoothGrad
(Smilkov et al., 2017), integrated gradients (Sundararajan et al., 2017)
and a random baseline that any method must beat.

Used by the chapter "Class-wise aggregation" (faithfulness against ground truth).
"""

from __future__ import annotations

import torch
from torch import nn


def target_classes(model: nn.Module, inputs: torch.Tensor, target=None) -> torch.Tensor:
    """One class index per example: ``target`` broadcast, or the predicted class when ``None``."""
    if target is None:
        with torch.no_grad():
            return model(inputs).argmax(dim=1)
    return torch.as_tensor(target, device=inputs.device).expand(len(inputs)).long()


def class_score_gradient(model: nn.Module, inputs: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """Gradient of each example's logit for its class with respect to its input."""
    x = inputs.detach().clone().requires_grad_(True)
    scores = model(x).gather(1, classes[:, None]).sum()
    (gradient,) = torch.autograd.grad(scores, x)
    return gradient


def gradient(model, inputs, target=None, generator=None):
    """Saliency: the gradient of the class logit."""
    return class_score_gradient(model, inputs, target_classes(model, inputs, target))


def gradient_times_input(model, inputs, target=None, generator=None):
    """Gradient x input (equals LRP-0 for bias-free ReLU networks)."""
    return gradient(model, inputs, target) * inputs


def smoothgrad(model, inputs, target=None, generator=None, n_samples: int = 16, noise: float = 0.1):
    """Mean gradient over ``n_samples`` noisy copies (noise std ``noise`` x the input's range)."""
    classes = target_classes(model, inputs, target)
    scale = noise * (inputs.amax(dim=tuple(range(1, inputs.ndim)), keepdim=True)
                     - inputs.amin(dim=tuple(range(1, inputs.ndim)), keepdim=True))
    total = torch.zeros_like(inputs)
    for _ in range(n_samples):
        perturbation = torch.randn(inputs.shape, generator=generator, dtype=inputs.dtype).to(inputs.device)
        total += class_score_gradient(model, inputs + scale * perturbation, classes)
    return total / n_samples


def integrated_gradients(model, inputs, target=None, generator=None, n_steps: int = 32, baseline=None):
    """Path integral of gradients from ``baseline`` (zeros) to the input, times (input - baseline)."""
    classes = target_classes(model, inputs, target)
    baseline = torch.zeros_like(inputs) if baseline is None else baseline
    total = torch.zeros_like(inputs)
    for alpha in (torch.arange(n_steps, dtype=inputs.dtype) + 0.5) / n_steps:  # midpoint rule
        total += class_score_gradient(model, baseline + alpha * (inputs - baseline), classes)
    return (inputs - baseline) * total / n_steps


def random_relevance(model, inputs, target=None, generator=None):
    """Uniform noise: the floor every attribution method must beat."""
    return torch.rand(inputs.shape, generator=generator, dtype=inputs.dtype).to(inputs.device)


