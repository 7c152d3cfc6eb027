"""Layer-wise relevance propagation (LRP) from scratch, following the
equations of the paper.

Equation numbers refer to Wang, Lostanlen and Lagrange (ICASSP 2023),
section 2 (deep Taylor decomposition, after Montavon et al. 2017 and 2019):

* Eq. 1: layer recursion ``y_m[j] = rho(sum_i W_m[i, j] y_{m-1}[i] +
  b_m[j])``;
* Eq. 2-3: relevance is redistributed by a link matrix whose columns sum to
  the upper relevance (conservation);
* Eq. 5-6: root point ``y~ = y + alpha d`` on the neuron's hyperplane along
  a search direction ``d``;
* Eq. 7-8: first-order Taylor expansion at the root point, the generic
  rule;
* Eq. 9: LRP-0 (``d = y``), and LRP-eps (``eps`` added to the denominator);
* Eq. 10: LRP-z+ (``d = y`` restricted to positive weights).

Design: a *rule* is a small callable object ``rule(layer, a, relevance) ->
relevance`` mapping the relevance of a layer's output to its input ``a``; a
*composite* is a dict mapping tuples of layer types to rules. Batch norms
are merged into the layer before them (:func:`merge_batchnorm`), and
:func:`lrp` walks the leaves of a network from the output back to the
input. Stabilisers follow zennit exactly (``z + eps * sign(z)`` with
``sign(0) = +1``) so that :mod:`xaiaudio.explain.composites` (zennit) and
this module give the same relevance; ``tests/test_lrp.py`` checks it, and
:data:`xaiaudio.explain.registry.METHODS` pairs each composite with its
zennit twin.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

#: Stabiliser of LRP-0: only there so that 0 / 0 never happens (LRP-0 is
#: LRP-eps as eps -> 0).
LRP0_EPSILON = 1e-12

#: Layer types whose relevance passes through unchanged (ReLU, batch norms
#: left unmerged, reshapes).
PASS_TYPES = (
    nn.ReLU,
    nn.modules.batchnorm._BatchNorm,
    nn.Dropout,
    nn.Flatten,
    nn.Identity,
)
#: Average pools, including the global (adaptive) one: linear layers with
#: fixed positive weights.
POOL_TYPES = (nn.AvgPool1d, nn.AdaptiveAvgPool1d)
#: Convolutions: the layers that get a composite's ``conv`` rule.
CONV_TYPES = (nn.Conv1d,)
#: Dense (fully connected) layers: the layers that get a composite's
#: ``dense`` rule.
DENSE_TYPES = (nn.Linear,)


# -------------------------------------------------------------------------
# Deep Taylor decomposition of one layer (Eq. 5, 6, 8): used to draw and
# check the chapter.
# -------------------------------------------------------------------------


def root_point(
    weight: torch.Tensor,
    bias: float,
    y: torch.Tensor,
    direction: torch.Tensor,
) -> torch.Tensor:
    """Root point of one ReLU neuron along a search direction (Eq. 5-6).

    The neuron computes ``relu(weight @ y + bias)``. The root point is ``y~
    = y - (weight @ y + bias) / (weight @ d) * d``: the point of the line
    ``y + alpha d`` on the hyperplane ``weight @ y~ + bias = 0``.
    :func:`xaiaudio.report.toy_figures.plot_neuron_roots` draws it.

    Parameters
    ----------
    weight : torch.Tensor, shape (n,)
        The neuron's incoming weights.
    bias : float
        Its bias.
    y : torch.Tensor, shape (n,)
        The layer input.
    direction : torch.Tensor, shape (n,)
        The search direction ``d`` (:func:`search_direction`).

    Returns
    -------
    torch.Tensor, shape (n,)
        The root point (infinite or NaN when ``weight @ d == 0``: the line
        never meets the hyperplane).
    """
    z = weight @ y + bias
    return y - z / (weight @ direction) * direction


def search_direction(
    weight: torch.Tensor, y: torch.Tensor, rule: str = "0"
) -> torch.Tensor:
    """Search direction of one neuron: ``d = y`` for LRP-0 (Eq. 9), ``d = y
    * 1[w > 0]`` for z+ (Eq. 10).

    Parameters
    ----------
    weight : torch.Tensor, shape (n,)
        The neuron's incoming weights (only their signs matter).
    y : torch.Tensor, shape (n,)
        The layer input.
    rule : str, default "0"
        ``"0"`` or ``"zplus"``.

    Returns
    -------
    torch.Tensor, shape (n,)
        The direction ``d`` (a new tensor).

    Raises
    ------
    ValueError
        If ``rule`` is neither ``"0"`` nor ``"zplus"``.
    """
    if rule == "0":
        return y.clone()
    if rule == "zplus":
        return y * (weight > 0)
    raise ValueError(f"unknown rule {rule!r}; use '0' or 'zplus'")


def link_matrix(
    weight: torch.Tensor,
    y: torch.Tensor,
    relevance: torch.Tensor,
    rule: str = "0",
) -> torch.Tensor:
    """Link matrix ``L[i, j]`` of a dense layer (Eq. 8), without any
    stabiliser.

    Column ``j`` distributes ``relevance[j]`` over the inputs in proportion
    to ``W[i, j] d_j[i]``, so ``L.sum(0) == relevance`` (Eq. 3) and the
    lower relevance is ``L.sum(1)`` (Eq. 2). A column whose contributions
    sum to zero is not normalised: it holds ``W[i, j] d_j[i] relevance[j]``
    (for z+ and a non-negative input, every contribution is then zero, and
    so is the column).

    Parameters
    ----------
    weight : torch.Tensor, shape (n_out, n_in)
        Weights in torch's layout (the paper's ``W[i, j]`` is ``weight[j,
        i]``).
    y : torch.Tensor, shape (n_in,)
        The layer input.
    relevance : torch.Tensor, shape (n_out,)
        The upper relevance.
    rule : str, default "0"
        Search direction of every neuron (:func:`search_direction`).

    Returns
    -------
    torch.Tensor, shape (n_in, n_out)
        The link matrix.

    Raises
    ------
    ValueError
        If ``rule`` is neither ``"0"`` nor ``"zplus"``.
    """
    W = weight.T  # (n_in, n_out), the paper's W[i, j]
    d = torch.stack(
        [search_direction(W[:, j], y, rule) for j in range(W.shape[1])],
        dim=1,
    )
    contributions = W * d
    total = contributions.sum(0, keepdim=True)
    # no contribution: nothing to share
    total = torch.where(total == 0, torch.ones_like(total), total)
    return contributions / total * relevance[None, :]


# -------------------------------------------------------------------------
# Rules: relevance of a layer's output -> relevance of its input.
# -------------------------------------------------------------------------


def stabilise(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """Sign-aware stabiliser ``z + eps * sign(z)`` with ``sign(0) = +1``
    (as in zennit).

    Moves every denominator away from zero; used by :class:`Epsilon` and
    :class:`ZPlus`.

    Parameters
    ----------
    z : torch.Tensor
        Denominators, any shape.
    epsilon : float
        Size of the shift.

    Returns
    -------
    torch.Tensor
        Same shape and dtype as ``z``.
    """
    sign = torch.where(z >= 0, 1.0, -1.0).to(z)
    return z + epsilon * sign


def _linear_forward(
    layer: nn.Module,
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
) -> torch.Tensor:
    """Apply a Linear or Conv1d ``layer`` with substituted ``weight``
    and ``bias``."""
    if isinstance(layer, nn.Linear):
        return F.linear(x, weight, bias)
    if isinstance(layer, nn.Conv1d):
        if layer.padding_mode != "zeros":
            raise NotImplementedError(
                "only zero-padded convolutions are supported"
            )
        return F.conv1d(
            x,
            weight,
            bias,
            layer.stride,
            layer.padding,
            layer.dilation,
            layer.groups,
        )
    raise TypeError(f"not a linear layer: {type(layer).__name__}")


@dataclass(frozen=True)
class Epsilon:
    """LRP-eps: Eq. 9 with ``eps`` added, sign-aware, to the denominator.

    ``R_i = a_i * sum_j w_ij R_j / (z_j + eps sign(z_j))`` with ``z_j =
    sum_i a_i w_ij + b_j`` (the bias is part of ``z_j`` and absorbs its
    share). With ``epsilon=LRP0_EPSILON`` this is LRP-0. Works for any
    layer that is linear (affine) in its input: Linear, Conv1d and average
    pools. The four steps are those of Montavon et al. (2019): forward,
    divide, backward (the transposed layer, computed by autograd),
    multiply. Calling ``rule(layer, a, relevance)`` returns the relevance
    of the layer input ``a`` (same shape as ``a``) from the relevance of
    the layer output (same shape as ``layer(a)``).

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser ``eps``.
    """

    epsilon: float = 1e-6

    def __call__(
        self, layer: nn.Module, a: torch.Tensor, relevance: torch.Tensor
    ) -> torch.Tensor:
        with torch.enable_grad():
            a = a.detach().requires_grad_()
            z = layer(a)  # step 1: z_j = sum_i a_i w_ij + b_j
            # step 2: s_j = R_j / z_j
            s = relevance / stabilise(z.detach(), self.epsilon)
            # step 3: c_i = sum_j w_ij s_j
            (c,) = torch.autograd.grad(z, a, s)
        return (a * c).detach()  # step 4: R_i = a_i c_i


@dataclass(frozen=True)
class ZPlus:
    """LRP-z+ (Eq. 10): only positive contributions ``z_ij^+`` take part.

    For non-negative inputs (the paper's case, after a ReLU) the
    contribution of input ``i`` to neuron ``j`` is ``a_i w_ij^+``. Like
    zennit (alpha = 1, beta = 0), negative inputs contribute through
    negative weights, ``a_i^- w_ij^-``, which is also a positive product;
    the positive part of the bias joins the denominator. Layers without
    weights (average pools) fall back to :class:`Epsilon` with the same
    stabiliser, whose weights are all positive anyway. Called like
    :class:`Epsilon`.

    Parameters
    ----------
    stabilizer : float, default 1e-6
        The sign-aware stabiliser of the denominator (zennit's name for
        it).

    Raises
    ------
    TypeError
        When called on a layer with weights that is neither Linear nor
        Conv1d.
    NotImplementedError
        When called on a convolution whose padding mode is not ``"zeros"``.
    """

    stabilizer: float = 1e-6

    def __call__(
        self, layer: nn.Module, a: torch.Tensor, relevance: torch.Tensor
    ) -> torch.Tensor:
        if getattr(layer, "weight", None) is None:
            return Epsilon(self.stabilizer)(layer, a, relevance)
        weight = layer.weight.detach()
        bias = (
            None
            if layer.bias is None
            else layer.bias.detach().clamp(min=0)
        )
        with torch.enable_grad():
            a_pos = a.detach().clamp(min=0).requires_grad_()
            a_neg = a.detach().clamp(max=0).requires_grad_()
            # sum_i a_i^+ w_ij^+ + b_j^+
            z_pos = _linear_forward(
                layer, a_pos, weight.clamp(min=0), bias
            )
            # sum_i a_i^- w_ij^-
            z_neg = _linear_forward(
                layer, a_neg, weight.clamp(max=0), None
            )
            s = relevance / stabilise(
                (z_pos + z_neg).detach(), self.stabilizer
            )
            c_pos, c_neg = torch.autograd.grad(
                (z_pos, z_neg), (a_pos, a_neg), (s, s)
            )
        return (a_pos * c_pos + a_neg * c_neg).detach()


@dataclass(frozen=True)
class PassThrough:
    """Relevance passes unchanged (ReLU, unmerged batch norm, dropout in
    eval, flatten).

    ReLU passes relevance because Eq. 4 makes relevance proportional to the
    activation; reshapes only change the layout (the relevance is reshaped
    to the input's shape). An input batch norm, which follows no linear
    layer and so cannot be merged, is treated the same way, as zennit's
    ``Pass`` rule does. Called like :class:`Epsilon`; it has no parameter.
    """

    def __call__(
        self, layer: nn.Module, a: torch.Tensor, relevance: torch.Tensor
    ) -> torch.Tensor:
        return relevance.reshape(a.shape)


# -------------------------------------------------------------------------
# Composites: which rule for which layer type.
# -------------------------------------------------------------------------


def make_composite(conv, dense, pool=Epsilon(1e-6)) -> dict:
    """A composite: a dict from tuples of layer types to rules (first match
    wins).

    Layers of :data:`PASS_TYPES` get :class:`PassThrough`, then average
    pools, convolutions and dense layers get the given rules.

    Parameters
    ----------
    conv : callable
        Rule for Conv1d layers (:data:`CONV_TYPES`), e.g. ``ZPlus()``.
    dense : callable
        Rule for Linear layers (:data:`DENSE_TYPES`).
    pool : callable, default ``Epsilon(1e-6)``
        Rule for average pools (:data:`POOL_TYPES`).

    Returns
    -------
    dict
        ``{PASS_TYPES: PassThrough(), POOL_TYPES: pool, CONV_TYPES: conv,
        DENSE_TYPES: dense}``, for :func:`lrp`.
    """
    return {
        PASS_TYPES: PassThrough(),
        POOL_TYPES: pool,
        CONV_TYPES: conv,
        DENSE_TYPES: dense,
    }


def lrp0_composite() -> dict:
    """LRP-0 (Eq. 9) on Conv1d, Linear and pools (epsilon only a
    stabiliser, :data:`LRP0_EPSILON`).

    The from-scratch twin of
    :func:`xaiaudio.explain.composites.lrp0_composite` (registry name
    "LRP-0").

    Returns
    -------
    dict
        A composite for :func:`lrp`.
    """
    return make_composite(
        Epsilon(LRP0_EPSILON), Epsilon(LRP0_EPSILON), Epsilon(LRP0_EPSILON)
    )


def epsilon_composite(epsilon: float = 1e-6) -> dict:
    """ "LRP-eps" as published: ``Epsilon(epsilon)`` on Conv1d, Linear and
    average pools.

    The from-scratch twin of
    :func:`xaiaudio.explain.composites.epsilon_composite` (registry name
    "LRP-eps").

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of every layer.

    Returns
    -------
    dict
        A composite for :func:`lrp`.
    """
    return make_composite(
        Epsilon(epsilon), Epsilon(epsilon), Epsilon(epsilon)
    )


def zplus_composite() -> dict:
    """z+ (Eq. 10) on Conv1d and Linear; average pools get
    ``Epsilon(1e-6)``.

    The from-scratch twin of
    :func:`xaiaudio.explain.composites.zplus_composite` (registry name
    "LRP-z+").

    Returns
    -------
    dict
        A composite for :func:`lrp`.
    """
    return make_composite(ZPlus(), ZPlus())


def epsilon_plus_composite(epsilon: float = 1e-6) -> dict:
    """ "[eps, z+] as published" (zennit's ``EpsilonPlus``): z+ on
    convolutions, eps on dense layers.

    Average pools get ``Epsilon(1e-6)``. The from-scratch twin of
    :func:`xaiaudio.explain.composites.epsilon_plus_composite` (registry
    name "LRP-[eps, z+] published").

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of the dense layers' eps rule.

    Returns
    -------
    dict
        A composite for :func:`lrp`.
    """
    return make_composite(conv=ZPlus(), dense=Epsilon(epsilon))


def epsilon_plus_as_written_composite(epsilon: float = 1e-6) -> dict:
    """ "[eps, z+] as written" in the paper: eps on convolutions, z+ on
    dense layers.

    Average pools get ``Epsilon(1e-6)``. The from-scratch twin of
    :func:`xaiaudio.explain.composites.epsilon_plus_as_written_composite`
    (registry name "LRP-[eps, z+] as written").

    Parameters
    ----------
    epsilon : float, default 1e-6
        The stabiliser of the convolutions' eps rule.

    Returns
    -------
    dict
        A composite for :func:`lrp`.
    """
    return make_composite(conv=Epsilon(epsilon), dense=ZPlus())


def rule_for(composite: dict, layer: nn.Module):
    """The rule of ``composite`` for ``layer``: the first entry whose layer
    types match.

    Used by :func:`lrp`.

    Parameters
    ----------
    composite : dict
        Tuples of layer types -> rules (:func:`make_composite`).
    layer : torch.nn.Module
        A leaf layer.

    Returns
    -------
    callable
        The rule.

    Raises
    ------
    TypeError
        If no entry matches the layer's type.
    """
    for types, rule in composite.items():
        if isinstance(layer, types):
            return rule
    raise TypeError(
        f"the composite has no rule for {type(layer).__name__}"
    )


# -------------------------------------------------------------------------
# Batch-norm merging and the backward walk.
# -------------------------------------------------------------------------


def leaf_layers(model: nn.Module) -> list[nn.Module]:
    """The leaf modules of ``model`` (those without children), in
    registration order.

    :func:`lrp` treats this list as the forward order, which holds for the
    sequential networks of the book
    (:class:`~xaiaudio.models.convnet.PlayingTechniqueConvNet`, the toy
    network) but not for a model whose ``forward`` reorders or reuses its
    modules. Used by :func:`merge_batchnorm`.

    Parameters
    ----------
    model : torch.nn.Module
        The network.

    Returns
    -------
    list of torch.nn.Module
        The leaves themselves (not copies).
    """
    return [
        module for module in model.modules() if not list(module.children())
    ]


def merge_into(
    layer: nn.Module, norm: nn.modules.batchnorm._BatchNorm
) -> nn.Module:
    """A copy of a Linear or Conv1d ``layer`` that also applies the batch
    norm ``norm`` after it.

    In eval mode ``norm(z) = (z - mean) * gamma / sqrt(var + eps) + beta``
    is affine per output channel, so it folds into the weights (scaled by
    ``gamma / sqrt(var + eps)``) and the bias (``(b - mean) * scale +
    beta``, with ``b = 0`` when the layer has no bias). The running
    statistics are used, whatever mode ``norm`` is in. Used by
    :func:`merge_batchnorm`.

    Parameters
    ----------
    layer : torch.nn.Linear or torch.nn.Conv1d
        The layer before the batch norm; not modified.
    norm : torch.nn.BatchNorm1d
        The batch norm, with one channel per output channel of ``layer``.

    Returns
    -------
    torch.nn.Module
        The merged layer, always with a bias.
    """
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.affine:
        scale = scale * norm.weight.detach()
    shift = norm.bias.detach() if norm.affine else torch.zeros_like(scale)
    old_bias = (
        layer.bias.detach()
        if layer.bias is not None
        else torch.zeros_like(scale)
    )
    merged = copy.deepcopy(layer)
    shape = (-1,) + (1,) * (layer.weight.ndim - 1)
    merged.weight = nn.Parameter(
        layer.weight.detach() * scale.reshape(shape)
    )
    merged.bias = nn.Parameter(
        (old_bias - norm.running_mean) * scale + shift
    )
    return merged


def merge_batchnorm(model: nn.Module) -> nn.Sequential:
    """An equivalent, flat, eval-mode copy of ``model`` with batch norms
    merged (like zennit's canonizer).

    Every batch norm that directly follows a Linear or Conv1d layer is
    folded into it (:func:`merge_into`). A batch norm after anything else
    (the input batch norm of the paper's convnet) stays as it is;
    composites give it :class:`PassThrough`, as zennit's
    ``SequentialMergeBatchNorm`` plus ``Pass`` do. ``model`` itself is not
    modified.

    Parameters
    ----------
    model : torch.nn.Module
        A network whose leaves, in registration order, are its forward
        order (:func:`leaf_layers`).

    Returns
    -------
    torch.nn.Sequential
        The leaves, copied and merged, in eval mode.
    """
    layers: list[nn.Module] = []
    for layer in leaf_layers(copy.deepcopy(model).eval()):
        if (
            isinstance(layer, nn.modules.batchnorm._BatchNorm)
            and layers
            and isinstance(layers[-1], CONV_TYPES + DENSE_TYPES)
        ):
            layers[-1] = merge_into(layers[-1], layer)
        else:
            layers.append(layer)
    return nn.Sequential(*layers).eval()


def one_hot_seed(output: torch.Tensor, target=None) -> torch.Tensor:
    """Output relevance as published: one-hot at ``target`` (default: the
    predicted class).

    Used by :func:`lrp`, :func:`xaiaudio.explain.composites.explain` and
    ``xaiaudio.explain.zennit_parts.gradient_attribution`` (zennit's
    attributor).

    Parameters
    ----------
    output : torch.Tensor, shape (batch, classes)
        The logits.
    target : None, int or torch.Tensor of shape (batch,), optional
        ``None``: the argmax of each row; an int: the same class for every
        example; a tensor: one class per example.

    Returns
    -------
    torch.Tensor, shape (batch, classes)
        One at the target class of each row, zero elsewhere; dtype and
        device of ``output``.
    """
    if target is None:
        target = output.argmax(dim=1)
    target = torch.as_tensor(target, device=output.device).expand(
        output.shape[0]
    )
    return F.one_hot(target.long(), output.shape[1]).to(output)


def lrp(
    model: nn.Module,
    inputs: torch.Tensor,
    composite: dict,
    target=None,
    seed: str = "one_hot",
) -> torch.Tensor:
    """Relevance of every input value for the output ``target`` (default:
    the predicted class).

    Steps: merge batch norms (:func:`merge_batchnorm`), run forward keeping
    every layer's input, then apply each layer's rule from the output back
    (Eq. 2). ``seed="one_hot"`` starts from a one-hot vector (as the
    published experiments do); ``seed="output"`` starts from the logit
    itself, ``R_M = f(x)`` as in the paper's text.

    Parameters
    ----------
    model : torch.nn.Module
        A sequential network (:func:`leaf_layers`); not modified.
    inputs : torch.Tensor, shape (batch, ...)
        Inputs of the model's dtype, e.g. ``(batch, paths, frames)`` for
        the convnet or ``(batch, 2)`` for the toy network.
    composite : dict
        Layer types -> rules, from :func:`make_composite` (e.g.
        :func:`epsilon_composite`;
        :data:`xaiaudio.explain.registry.METHODS` names them all).
    target : None, int or torch.Tensor of shape (batch,), optional
        The explained class (:func:`one_hot_seed`).
    seed : str, default "one_hot"
        ``"one_hot"`` or ``"output"``.

    Returns
    -------
    torch.Tensor
        Relevance shaped like ``inputs``.

    Raises
    ------
    ValueError
        If ``seed`` is neither ``"one_hot"`` nor ``"output"``.
    TypeError
        If the composite has no rule for one of the model's layers.
    """
    network = merge_batchnorm(model)
    activations = [inputs.detach()]
    with torch.no_grad():
        for layer in network:
            activations.append(layer(activations[-1]))
    output = activations.pop()
    relevance = one_hot_seed(output, target)
    if seed == "output":
        relevance = relevance * output
    elif seed != "one_hot":
        raise ValueError(
            f"seed must be 'one_hot' or 'output', got {seed!r}"
        )
    for layer, a in zip(list(network)[::-1], activations[::-1]):
        relevance = rule_for(composite, layer)(layer, a, relevance)
    return relevance
