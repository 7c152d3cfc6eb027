"""The convnet's layers as a table drawn from the model itself.

:func:`convnet_diagram` runs one dummy clip through a network built as a
named :class:`torch.nn.Sequential` (such as
:class:`xaiaudio.models.convnet.PlayingTechniqueConvNet`), records the
output shape of each top-level block with forward hooks and counts its
trainable parameters, then draws one row per block: its name, what it
does, its output shape and its parameter count with a bar for its share of
the total. Nothing is typed by hand, so the table follows the model.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

#: Colour of the parameter-share bars.
BAR_COLOUR = "tab:blue"


def describe_layer(module: nn.Module) -> str:
    """A short description of one layer or block, read from its modules.

    Parameters
    ----------
    module : torch.nn.Module
        A leaf layer or a :class:`torch.nn.Sequential` of them.

    Returns
    -------
    str
        E.g. ``"conv 7, batch norm, ReLU, pool 2"``.
    """
    if isinstance(module, nn.Sequential):
        return ", ".join(describe_layer(child) for child in module)
    if isinstance(module, nn.Conv1d):
        return f"conv {module.kernel_size[0]}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return "batch norm"
    if isinstance(module, nn.AdaptiveAvgPool1d):
        return "mean over time"
    if isinstance(module, nn.AvgPool1d):
        return f"pool {module.kernel_size[0]}"
    if isinstance(module, nn.Dropout):
        return f"dropout {module.p:g}"
    if isinstance(module, nn.Linear):
        return "dense"
    if isinstance(module, nn.ReLU):
        return "ReLU"
    return type(module).__name__.lower()


def layer_table(
    model: nn.Sequential, n_frames: int = 32
) -> list[tuple[str, str, tuple[int, ...], int]]:
    """Name, description, output shape and parameter count of each
    top-level block of ``model``, for one clip of ``n_frames`` frames.

    Parameters
    ----------
    model : torch.nn.Sequential
        A network whose first layer has ``num_features`` or
        ``in_channels`` input channels (the scattering paths); it is run
        once in eval mode on zeros, on the device of its parameters, and
        left in the mode it was in.
    n_frames : int, default 32
        Frames of the dummy clip.

    Returns
    -------
    list of (str, str, tuple of int, int)
        The input first (``"input"``, no parameters), then one row per
        block; shapes leave out the batch axis.
    """
    first = next(
        module
        for module in model.modules()
        if not isinstance(module, nn.Sequential)
    )
    n_paths = getattr(first, "num_features", None) or first.in_channels
    parameter = next(model.parameters())
    clip = torch.zeros(
        1,
        n_paths,
        n_frames,
        device=parameter.device,
        dtype=parameter.dtype,
    )
    shapes = {}
    hooks = [
        child.register_forward_hook(
            lambda _module, _input, output, name=name: shapes.__setitem__(
                name, tuple(output.shape[1:])
            )
        )
        for name, child in model.named_children()
    ]
    training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(clip)
    finally:
        model.train(training)
        for hook in hooks:
            hook.remove()
    rows = [("input", "paths \u00d7 frames", (n_paths, n_frames), 0)]
    for name, child in model.named_children():
        count = sum(
            p.numel() for p in child.parameters() if p.requires_grad
        )
        rows.append((name, describe_layer(child), shapes[name], count))
    return rows


def convnet_diagram(
    model: nn.Sequential, n_frames: int = 32, title: str | None = None
) -> Figure:
    """Draw the network's layers as a table: block, operation, output shape
    and parameters, with a bar for each block's share of the parameters.

    Parameters
    ----------
    model : torch.nn.Sequential
        The network, e.g.
        :class:`xaiaudio.models.convnet.PlayingTechniqueConvNet`
        (:func:`layer_table` reads it).
    n_frames : int, default 32
        Frames of the input clip.
    title : str, optional
        Figure title (``None``: the input shape and the total number of
        trainable parameters).

    Returns
    -------
    matplotlib.figure.Figure
        About 7 x 3.6 inches; its axes hold one text per cell, the header
        ``"block"``, ``"operation"``, ``"output shape"`` and
        ``"parameters"`` included.
    """
    rows = layer_table(model, n_frames)
    total = sum(row[3] for row in rows)
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.26 * len(rows)))
    ax.set_axis_off()
    n = len(rows)
    ax.set(xlim=(0, 1), ylim=(n + 0.2, -1.2))
    columns = {"block": 0.0, "operation": 0.155, "output shape": 0.565}
    number_right, bar_left, bar_width = 0.895, 0.91, 0.09
    for label, x in columns.items():
        ax.text(x, -0.6, label, fontsize=10, weight="bold", va="center")
    ax.text(
        number_right,
        -0.6,
        "parameters",
        fontsize=10,
        weight="bold",
        va="center",
        ha="right",
    )
    ax.text(
        bar_left, -0.6, "share", fontsize=10, weight="bold", va="center"
    )
    ax.axhline(-0.1, color="0.3", lw=0.8)
    for i, (name, what, shape, count) in enumerate(rows):
        y = i + 0.4
        if i % 2:
            ax.axhspan(i - 0.1, i + 0.9, color="0.94", zorder=0)
        shape_text = " \u00d7 ".join(str(size) for size in shape)
        ax.text(columns["block"], y, name, fontsize=10, va="center")
        ax.text(columns["operation"], y, what, fontsize=10, va="center")
        ax.text(
            columns["output shape"],
            y,
            shape_text,
            fontsize=10,
            va="center",
        )
        ax.text(
            number_right,
            y,
            f"{count:,d}" if count else "-",
            fontsize=10,
            va="center",
            ha="right",
        )
        if count:
            ax.barh(
                y,
                bar_width * count / total,
                left=bar_left,
                height=0.55,
                color=BAR_COLOUR,
            )
    ax.axhline(n - 0.1, color="0.3", lw=0.8)
    if title is None:
        title = (
            f"input {rows[0][2][0]} paths \u00d7 {n_frames} frames: "
            f"{total:,d} trainable parameters"
        )
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
