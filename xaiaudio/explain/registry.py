"""The one registry of attribution methods: every method the book compares, by display name.

Each :class:`AttributionMethod` holds the callable that explains a batch
(``method.explain(model, inputs, target, generator, **options)`` returns relevance shaped
like ``inputs`` for class ``target``; ``None`` means each example's predicted class), a
description for tables and legends, and for the LRP methods the zennit composite and its
from-scratch twin of :mod:`xaiaudio.explain.lrp`.  Chapters, benchmarks and tests read
:data:`METHODS`; a new method is added with :func:`register_method` and appears everywhere.

Used by the chapters "Deep Taylor decomposition", "Comparing LRP rules" and
"Class-wise aggregation".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from xaiaudio.explain import composites, gradients, lrp


@dataclass(frozen=True)
class AttributionMethod:
    """One attribution method.

    Attributes
    ----------
    name : str
        Display name, used in tables and as the key of :data:`METHODS` (``"LRP-eps"``).
    slug : str
        Identifier for file names and glue keys (``"epsilon"``).
    description : str
        One line saying which rule goes where.
    explain : callable
        ``explain(model, inputs, target=None, generator=None, **options) -> relevance``.
    zennit_composite : callable or None
        Factory of the zennit composite (LRP methods only).
    from_scratch_composite : callable or None
        Factory of the from-scratch composite of :mod:`xaiaudio.explain.lrp` (LRP methods only).
    compared : bool
        Whether the faithfulness comparison of "Class-wise aggregation" includes it.
    """

    name: str
    slug: str
    description: str
    explain: Callable
    zennit_composite: Callable | None = None
    from_scratch_composite: Callable | None = None
    compared: bool = True

    def zennit(self, model: nn.Module, inputs: torch.Tensor, target=None, **kwargs) -> torch.Tensor:
        """Relevance from the zennit composite (:func:`xaiaudio.explain.composites.explain`)."""
        return composites.explain(model, inputs, self._factory(self.zennit_composite)(), target, **kwargs)

    def from_scratch(self, model: nn.Module, inputs: torch.Tensor, target=None, **kwargs) -> torch.Tensor:
        """Relevance from the from-scratch twin (:func:`xaiaudio.explain.lrp.lrp`)."""
        return lrp.lrp(model, inputs, self._factory(self.from_scratch_composite)(), target, **kwargs)

    def _factory(self, factory: Callable | None) -> Callable:
        if factory is None:
            raise ValueError(f"{self.name} is not an LRP method: it has no composite")
        return factory


#: Every registered method, by display name, in registration order.
METHODS: dict[str, AttributionMethod] = {}


def register_method(method: AttributionMethod) -> AttributionMethod:
    """Add ``method`` to :data:`METHODS` (names and slugs must be new) and return it."""
    if method.name in METHODS or any(m.slug == method.slug for m in METHODS.values()):
        raise ValueError(f"an attribution method named {method.name!r} or {method.slug!r} exists")
    METHODS[method.name] = method
    return method


def _zennit_explain(factory: Callable) -> Callable:
    def explain(model, inputs, target=None, generator=None):
        return composites.explain(model, inputs, factory(), target)

    return explain


def _register_lrp(name, slug, description, zennit_factory, scratch_factory, compared=True):
    register_method(AttributionMethod(name, slug, description, _zennit_explain(zennit_factory),
                                      zennit_factory, scratch_factory, compared))


_register_lrp("LRP-0", "lrp0", "LRP-0 everywhere", composites.lrp0_composite, lrp.lrp0_composite,
              compared=False)
_register_lrp("LRP-eps", "epsilon", "LRP-eps (eps = 1e-6) everywhere, as published",
              composites.epsilon_composite, lrp.epsilon_composite)
_register_lrp("LRP-z+", "zplus", "LRP-z+ on conv and dense layers", composites.zplus_composite,
              lrp.zplus_composite, compared=False)
_register_lrp("LRP-[eps, z+] published", "epsilon_plus",
              "[eps, z+] as published (zennit EpsilonPlus: z+ on conv, eps on dense)",
              composites.epsilon_plus_composite, lrp.epsilon_plus_composite)
_register_lrp("LRP-[eps, z+] as written", "epsilon_plus_as_written",
              "[eps, z+] as the paper's text says (eps on conv, z+ on dense)",
              composites.epsilon_plus_as_written_composite, lrp.epsilon_plus_as_written_composite)
for _name, _slug, _function in (
        ("gradient", "gradient", gradients.gradient),
        ("gradient x input", "gradient_x_input", gradients.gradient_times_input),
        ("SmoothGrad", "smoothgrad", gradients.smoothgrad),
        ("integrated gradients", "integrated_gradients", gradients.integrated_gradients),
        ("random", "random", gradients.random_relevance)):
    register_method(AttributionMethod(_name, _slug, _function.__doc__.splitlines()[0], _function))


def method_by_slug(slug: str) -> AttributionMethod:
    """The registered method whose slug is ``slug`` (``"epsilon"``, ``"epsilon_plus"``, ...)."""
    for method in METHODS.values():
        if method.slug == slug:
            return method
    raise KeyError(f"no attribution method {slug!r}; known: {', '.join(m.slug for m in METHODS.values())}")


def lrp_methods() -> list[AttributionMethod]:
    """The LRP methods: those with a zennit composite and a from-scratch twin."""
    return [m for m in METHODS.values() if m.zennit_composite is not None]


def compared_methods() -> list[str]:
    """Display names of the methods compared for faithfulness, in registration order."""
    return [name for name, method in METHODS.items() if method.compared]


def explain_batches(name: str, model: nn.Module, features, target=None, batch_size: int = 32,
                    device="cpu", seed: int = 0, **options) -> torch.Tensor:
    """Relevance of method ``name`` for every example of ``features``, batch by batch.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    model : torch.nn.Module
        The classifier to explain (put in eval mode).
    features : array-like, shape (n, paths, frames)
        The inputs.
    target : None, int or tensor of shape (n,)
        Class explained: ``None`` for each example's predicted class.
    batch_size, device, seed
        Examples per batch, torch device, seed of the generator of stochastic methods.
    **options
        Passed to the method (``n_samples`` of SmoothGrad, ``n_steps`` of integrated gradients).

    Returns
    -------
    torch.Tensor
        Relevance shaped like ``features``, on the CPU.
    """
    explain = functools.partial(METHODS[name].explain, **options)
    generator = torch.Generator().manual_seed(seed)
    model.eval().to(device)
    parts = []
    for start in range(0, len(features), batch_size):
        inputs = torch.as_tensor(features[start:start + batch_size], device=device)
        batch_target = target[start:start + batch_size] if torch.is_tensor(target) else target
        parts.append(explain(model, inputs, batch_target, generator).detach().cpu())
    return torch.cat(parts)
