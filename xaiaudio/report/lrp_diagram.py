"""The diagram of LRP's backward pass on a tiny network (chapter "Comparing
LRP rules").

:func:`lrp_backward_diagram` draws a hand-set network of three layers
(three inputs, two ReLU neurons, one output) twice: once explained with
LRP-eps on both layers, once with the published composite's ordering (z+
on the first layer, eps on the last). The activations flow left to
right; the relevance flows back right to left, one arrow per connection,
its width the relevance it carries. The numbers are computed, not typed:
the relevance comes from the package's own rules
(:class:`xaiaudio.explain.lrp.Epsilon`,
:class:`xaiaudio.explain.lrp.ZPlus`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Circle, FancyArrowPatch
from torch import nn

from xaiaudio.explain import lrp

#: The tiny network: a centred input (one value negative, as after the
#: input batch norm), the first layer's weights (inputs, neurons), the
#: last layer's weights (neurons, outputs). No biases: relevance is
#: conserved.
TINY_INPUT = (1.0, -0.8, 0.5)
TINY_FIRST = ((0.8, 0.9), (-0.5, 0.5), (0.4, -0.4))
TINY_LAST = ((0.5,), (1.0,))

#: Panel title -> (rule of the first layer, rule of the last layer).
DIAGRAM_RULES = {
    "LRP-eps": (lrp.Epsilon(), lrp.Epsilon()),
    "LRP-[eps, z+]: z+ first layer": (lrp.ZPlus(), lrp.Epsilon()),
}

POSITIVE, NEGATIVE = "tab:red", "tab:blue"


def _linear(weights) -> nn.Linear:
    weight = torch.tensor(weights, dtype=torch.float64).T
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    layer.weight = nn.Parameter(weight, requires_grad=False)
    return layer


def _backward(first_rule, last_rule):
    """Activations and per-connection relevance of the tiny network.

    Returns ``(activations, links)``: three activation vectors (input,
    hidden, output) and two matrices ``links[m][i, j]``, the relevance that
    neuron ``j`` of layer ``m + 1`` sends to neuron ``i`` of layer ``m``
    (the explained output's relevance is its own value).
    """
    layers = [_linear(TINY_FIRST), _linear(TINY_LAST)]
    a0 = torch.tensor([TINY_INPUT], dtype=torch.float64)
    a1 = torch.relu(layers[0](a0))
    a2 = layers[1](a1)
    activations = [a0, a1, a2]
    relevance = a2.clone()  # the output's relevance: its value
    links = [None, None]
    for m, rule in ((1, last_rule), (0, first_rule)):
        upper = relevance[0]
        # the rules are linear in the upper relevance: send each neuron's
        # relevance alone to get what every connection carries
        columns = [
            rule(layers[m], activations[m], upper * onehot)[0]
            for onehot in torch.eye(len(upper), dtype=torch.float64)
        ]
        links[m] = torch.stack(columns, dim=1).numpy()
        relevance = torch.tensor(links[m].sum(1))[None]
    return [a[0].numpy() for a in activations], links


def lrp_backward_diagram(figsize=(7.0, 3.0)):
    """LRP's backward pass on a tiny network, for LRP-eps and for the
    published composite's ordering, side by side.

    Each panel shows the same network (input, hidden ReLU layer, output):
    grey lines are the forward connections, each neuron shows its
    activation, and coloured arrows carry the relevance back from the
    output (width: the relevance on the connection; red positive, blue
    negative). Each neuron's relevance ``R`` is written beside it and each
    layer's total under it: the totals are equal (conservation). The input
    holds one negative value, as the first convolution's input does after
    the input batch norm: z+ keeps only positive products ``a_i w_ij``, so
    it still gives that input relevance through a negative weight.

    Parameters
    ----------
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, titled with the rules (:data:`DIAGRAM_RULES`).
    """
    fig, axes = plt.subplots(1, len(DIAGRAM_RULES), figsize=figsize)
    for ax, (title, rules) in zip(axes, DIAGRAM_RULES.items()):
        activations, links = _backward(*rules)
        _draw_panel(ax, activations, links)
        ax.set_title(title, fontsize=10)
    fig.text(
        0.5,
        0.01,
        "grey: forward (activation in each neuron)    arrows: relevance "
        "back (width = |R|; red +, blue -)",
        ha="center",
        va="bottom",
        fontsize=8,
        color="0.3",
    )
    fig.subplots_adjust(
        left=0.01, right=0.99, top=0.92, bottom=0.07, wspace=0.05
    )
    return fig


def _positions(activations) -> list[np.ndarray]:
    """(x, y) of every neuron: layers left to right, centred vertically."""
    return [
        np.column_stack(
            [
                np.full(len(a), float(m)),
                (len(a) - 1) / 2 - np.arange(len(a)),
            ]
        )
        for m, a in enumerate(activations)
    ]


def _draw_panel(ax, activations, links, radius: float = 0.2) -> None:
    positions = _positions(activations)
    relevance = [links[0].sum(1), links[1].sum(1), activations[2]]
    widest = max(np.abs(link).max() for link in links)
    for m, link in enumerate(links):
        for i, start in enumerate(positions[m]):
            for j, end in enumerate(positions[m + 1]):
                ax.plot(*zip(start, end), color="0.8", lw=1, zorder=1)
                value = link[i, j]
                if abs(value) < 1e-9:
                    continue
                ax.add_patch(
                    FancyArrowPatch(
                        end,
                        start,
                        connectionstyle="arc3,rad=0.18",
                        arrowstyle="-|>",
                        mutation_scale=8,
                        shrinkA=radius * 60,
                        shrinkB=radius * 60,
                        lw=0.6 + 4.5 * abs(value) / widest,
                        color=POSITIVE if value > 0 else NEGATIVE,
                        alpha=0.8,
                        zorder=2,
                    )
                )
    names = ("input", "hidden", "output")
    for m, (where, values) in enumerate(zip(positions, activations)):
        for (x, y), a, r in zip(where, values, relevance[m]):
            ax.add_patch(
                Circle((x, y), radius, fc="white", ec="black", zorder=3)
            )
            ax.text(
                x,
                y,
                f"{a:.1f}",
                ha="center",
                va="center",
                fontsize=9,
                zorder=4,
            )
            if m == 0:  # left of the inputs
                where_r = dict(x=x - radius - 0.05, y=y, ha="right")
            elif m == 2:  # right of the output
                where_r = dict(x=x + radius + 0.05, y=y, ha="left")
            else:  # above the upper neurons, below the lower ones
                up = y >= 0
                where_r = dict(
                    x=x,
                    y=y + (1 if up else -1) * (radius + 0.14),
                    ha="center",
                )
            ax.text(
                s=f"R={r:.2f}",
                va="center",
                fontsize=8,
                color=POSITIVE if r >= 0 else NEGATIVE,
                zorder=4,
                **where_r,
            )
        ax.text(
            m,
            -1.4,
            names[m] + "\n" + rf"$\sum R$ = {relevance[m].sum():.2f}",
            ha="center",
            va="top",
            fontsize=9,
        )
    ax.set(xlim=(-0.8, 2.75), ylim=(-2.05, 1.25), aspect="equal")
    ax.axis("off")
