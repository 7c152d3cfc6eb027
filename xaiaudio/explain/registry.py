"""The one registry of attribution methods: every method the book compares,
by display name.

Each :class:`AttributionMethod` holds the callable that explains a batch
(``method.explain(model, inputs, target, generator, **options)`` returns
relevance shaped like ``inputs`` for class ``target``; ``None`` means each
example's predicted class), a description for tables and legends, and for
the LRP methods the zennit composite of :mod:`xaiaudio.explain.composites`
and its from-scratch twin of :mod:`xaiaudio.explain.lrp`. The gradient
methods come from :mod:`xaiaudio.explain.gradients`. Chapters, benchmarks
and tests read :data:`METHODS`; a new method is added with
:func:`register_method` and appears everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from xaiaudio.explain import composites, gradients, lrp


@dataclass(frozen=True)
class AttributionMethod:
    """One attribution method: its names, its description and how to run
    it.

    For an LRP method, :meth:`zennit` and :meth:`from_scratch` compute the
    same relevance with zennit and with the from-scratch code.

    Parameters
    ----------
    name : str
        Display name, used in tables and as the key of :data:`METHODS`
        (``"LRP-eps"``).
    slug : str
        Identifier for file names and glue keys (``"epsilon"``).
    description : str
        One line saying which rule goes where.
    explain : callable
        ``explain(model, inputs, target=None, generator=None, **options) ->
        relevance``.
    zennit_composite : callable or None, default None
        Factory of the zennit composite (LRP methods only).
    from_scratch_composite : callable or None, default None
        Factory of the from-scratch composite of
        :mod:`xaiaudio.explain.lrp` (LRP methods only).
    compared : bool, default True
        Whether the faithfulness comparison includes it
        (:func:`compared_methods`).
    """

    name: str
    slug: str
    description: str
    explain: Callable
    zennit_composite: Callable | None = None
    from_scratch_composite: Callable | None = None
    compared: bool = True

    def zennit(
        self, model: nn.Module, inputs: torch.Tensor, target=None, **kwargs
    ) -> torch.Tensor:
        """Relevance from the zennit composite
        (:func:`xaiaudio.explain.composites.explain`).

        Parameters
        ----------
        model : torch.nn.Module
            The classifier.
        inputs : torch.Tensor, shape (batch, ...)
            The inputs.
        target : None, int or torch.Tensor of shape (batch,), optional
            The explained class (``None``: the predicted one).
        ``**kwargs``
            Passed to :func:`~xaiaudio.explain.composites.explain`
            (``return_output``).

        Returns
        -------
        torch.Tensor
            Relevance shaped like ``inputs`` (or ``(logits, relevance)``
            with ``return_output=True``).

        Raises
        ------
        ValueError
            If the method is not an LRP method (it has no zennit
            composite).
        """
        return composites.explain(
            model,
            inputs,
            self._factory(self.zennit_composite)(),
            target,
            **kwargs,
        )

    def from_scratch(
        self, model: nn.Module, inputs: torch.Tensor, target=None, **kwargs
    ) -> torch.Tensor:
        """Relevance from the from-scratch twin
        (:func:`xaiaudio.explain.lrp.lrp`).

        Parameters
        ----------
        model : torch.nn.Module
            The classifier (not modified).
        inputs : torch.Tensor, shape (batch, ...)
            The inputs.
        target : None, int or torch.Tensor of shape (batch,), optional
            The explained class (``None``: the predicted one).
        ``**kwargs``
            Passed to :func:`~xaiaudio.explain.lrp.lrp` (``seed``).

        Returns
        -------
        torch.Tensor
            Relevance shaped like ``inputs``.

        Raises
        ------
        ValueError
            If the method is not an LRP method (it has no from-scratch
            composite).
        """
        return lrp.lrp(
            model,
            inputs,
            self._factory(self.from_scratch_composite)(),
            target,
            **kwargs,
        )

    def _factory(self, factory: Callable | None) -> Callable:
        if factory is None:
            raise ValueError(
                f"{self.name} is not an LRP method: it has no composite"
            )
        return factory


#: Every registered method, by display name, in registration order.
METHODS: dict[str, AttributionMethod] = {}


def register_method(method: AttributionMethod) -> AttributionMethod:
    """Add ``method`` to :data:`METHODS` and return it.

    Every method of the book is registered when this module is imported;
    chapters and tests read :data:`METHODS`.

    Parameters
    ----------
    method : AttributionMethod
        The method, with a new name and a new slug.

    Returns
    -------
    AttributionMethod
        ``method`` itself.

    Raises
    ------
    ValueError
        If a registered method already has its name or its slug.
    """
    if method.name in METHODS or any(
        m.slug == method.slug for m in METHODS.values()
    ):
        raise ValueError(
            f"an attribution method named {method.name!r} or "
            f"{method.slug!r} exists"
        )
    METHODS[method.name] = method
    return method


def _zennit_explain(factory: Callable) -> Callable:
    def explain(model, inputs, target=None, generator=None):
        return composites.explain(model, inputs, factory(), target)

    return explain


def _register_lrp(
    name, slug, description, zennit_factory, scratch_factory, compared=True
):
    register_method(
        AttributionMethod(
            name,
            slug,
            description,
            _zennit_explain(zennit_factory),
            zennit_factory,
            scratch_factory,
            compared,
        )
    )


_register_lrp(
    "LRP-0",
    "lrp0",
    "LRP-0 everywhere",
    composites.lrp0_composite,
    lrp.lrp0_composite,
    compared=False,
)
_register_lrp(
    "LRP-eps",
    "epsilon",
    "LRP-eps (eps = 1e-6) everywhere, as published",
    composites.epsilon_composite,
    lrp.epsilon_composite,
)
_register_lrp(
    "LRP-z+",
    "zplus",
    "LRP-z+ on conv and dense layers",
    composites.zplus_composite,
    lrp.zplus_composite,
    compared=False,
)
_register_lrp(
    "LRP-[eps, z+] published",
    "epsilon_plus",
    "[eps, z+] as published (zennit EpsilonPlus: z+ on conv, eps on "
    "dense)",
    composites.epsilon_plus_composite,
    lrp.epsilon_plus_composite,
)
_register_lrp(
    "LRP-[eps, z+] as written",
    "epsilon_plus_as_written",
    "[eps, z+] as the paper's text says (eps on conv, z+ on dense)",
    composites.epsilon_plus_as_written_composite,
    lrp.epsilon_plus_as_written_composite,
)
for _name, _slug, _function in (
    ("gradient", "gradient", gradients.gradient),
    (
        "gradient x input",
        "gradient_x_input",
        gradients.gradient_times_input,
    ),
    ("SmoothGrad", "smoothgrad", gradients.smoothgrad),
    (
        "integrated gradients",
        "integrated_gradients",
        gradients.integrated_gradients,
    ),
    ("random", "random", gradients.random_relevance),
):
    register_method(
        AttributionMethod(
            _name, _slug, _function.__doc__.splitlines()[0], _function
        )
    )


def method_by_slug(slug: str) -> AttributionMethod:
    """The registered method whose slug is ``slug`` (``"epsilon"``,
    ``"epsilon_plus"``, ...).

    Not called by a chapter; the tests and ``benchmarks/bench_lrp.py`` use
    it.

    Parameters
    ----------
    slug : str
        The method's identifier.

    Returns
    -------
    AttributionMethod
        The method.

    Raises
    ------
    KeyError
        If no method has that slug (the message lists the known ones).
    """
    for method in METHODS.values():
        if method.slug == slug:
            return method
    raise KeyError(
        f"no attribution method {slug!r}; known: "
        f"{', '.join(m.slug for m in METHODS.values())}"
    )


def lrp_methods() -> list[AttributionMethod]:
    """The LRP methods: those with a zennit composite and a from-scratch
    twin.

    Returns
    -------
    list of AttributionMethod
        In registration order: LRP-0, LRP-eps, LRP-z+ and the two "[eps,
        z+]" orderings.
    """
    return [m for m in METHODS.values() if m.zennit_composite is not None]


def compared_methods() -> list[str]:
    """Display names of the methods compared for faithfulness, in
    registration order.

    The default of
    :func:`xaiaudio.experiments.relevance.faithfulness_table`.

    Returns
    -------
    list of str
        Names of the methods whose ``compared`` is true: LRP-eps, both
        "[eps, z+]" orderings, the four gradient methods and the random
        baseline.
    """
    return [name for name, method in METHODS.items() if method.compared]


def explain_batches(
    name: str,
    model: nn.Module,
    features,
    target=None,
    batch_size: int = 32,
    device="cpu",
    seed: int = 0,
    **options,
) -> torch.Tensor:
    """Relevance of method ``name`` for every example of ``features``,
    batch by batch.

    One generator, seeded once, serves every batch, so stochastic methods
    are reproducible. Not called by a chapter (the chapters go through
    :func:`xaiaudio.experiments.relevance.clip_relevance`); the tests use
    it.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    model : torch.nn.Module
        The classifier to explain (put in eval mode and moved to
        ``device``).
    features : array-like, shape (n, paths, frames)
        The inputs.
    target : None, int or array-like of int, shape (n,), optional
        Class explained: ``None`` for each example's predicted class, an
        int for one class for all, or one class per example (a tensor,
        array or list, sliced per batch).
    batch_size : int, default 32
        Examples per batch.
    device : str or torch.device, default "cpu"
        Where the explanation runs.
    seed : int, default 0
        Seed of the generator of stochastic methods.
    ``**options``
        Passed to the method (``n_samples`` of SmoothGrad, ``n_steps`` of
        integrated gradients).

    Returns
    -------
    torch.Tensor, shape (n, paths, frames)
        Relevance shaped like ``features``, on the CPU.

    Raises
    ------
    KeyError
        If ``name`` is not a registered method.
    ValueError
        If ``target`` gives a class per example but not one for each of
        them.
    """
    if target is not None and not isinstance(target, (int, np.integer)):
        target = torch.as_tensor(np.asarray(target), dtype=torch.long)
        if target.shape != (len(features),):
            raise ValueError(
                f"target has shape {tuple(target.shape)}: give one class "
                "per example "
                f"({len(features)}), one int, or None"
            )
    explain = functools.partial(METHODS[name].explain, **options)
    generator = torch.Generator().manual_seed(seed)
    model.eval().to(device)
    parts = []
    for start in range(0, len(features), batch_size):
        inputs = torch.as_tensor(
            features[start : start + batch_size], device=device
        )
        batch_target = (
            target[start : start + batch_size]
            if torch.is_tensor(target)
            else target
        )
        parts.append(
            explain(model, inputs, batch_target, generator).detach().cpu()
        )
    return torch.cat(parts)
