"""The diagram of relevance made audible (chapter "Listening to
relevance").

:func:`keep_top_k_diagram` draws the chapter's pipeline on tiny synthetic
arrays: a clip (an amplitude-modulated tone), its scattering on a small
carrier-modulation grid, a relevance map on that grid, the mask of its top
k paths (chosen by the package's own
:func:`xaiaudio.explain.resynthesis.top_k_paths`), and a render: a plane
found by gradient descent from noise that matches the clip on the masked
paths only, the rest left as it started. The last panel is the question
the chapter asks of every render: play it, and ask the network again.
The render panel is computed, not drawn by hand: the descent runs on the
tiny grid, so the masked cells match and the others do not.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from xaiaudio.explain.resynthesis import top_k_paths
from xaiaudio.report.plane import outline_cells

#: The tiny plane: carriers (rows, low to high) and modulation rates
#: (columns, slow to fast), in Hz.
DIAGRAM_CARRIERS_HZ = (250, 500, 1000, 2000)
DIAGRAM_MODULATIONS_HZ = (2, 4, 8, 16, 32)
#: The clip's modulation rate: the column of its strongest paths.
DIAGRAM_RATE_COLUMN = 2
#: Paths kept in the diagram.
DIAGRAM_K = 3
#: The panels' titles, left to right.
DIAGRAM_PANELS = (
    "clip",
    "scattering",
    "relevance",
    f"top {DIAGRAM_K}",
    "render",
    "ask again",
)
#: Steps and step size of the tiny descent.
DESCENT_STEPS, DESCENT_STEP = 40, 0.2


def tiny_clip(n: int = 400, seed: int = 0) -> np.ndarray:
    """A tone whose amplitude pulses four times in the window, with a
    little noise: the diagram's clip."""
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    envelope = 1.0 + 0.8 * np.sin(2 * np.pi * 4 * t)
    noise = 0.05 * np.random.default_rng(seed).standard_normal(n)
    return envelope * np.sin(2 * np.pi * 40 * t) + noise


def synthetic_planes(seed: int = 1) -> dict[str, np.ndarray]:
    """The diagram's arrays on the tiny plane ``(carriers, modulations)``.

    Returns
    -------
    dict
        ``scattering`` (the clip's: energy on the low carriers, a peak at
        :data:`DIAGRAM_RATE_COLUMN`), ``relevance`` (scattering times a
        weight that favours that column), ``mask`` (its top
        :data:`DIAGRAM_K` paths), ``start`` (the render's noise) and
        ``render`` (the start after a descent on the masked paths only).
    """
    rng = np.random.default_rng(seed)
    rows = np.arange(len(DIAGRAM_CARRIERS_HZ))[:, None]
    cols = np.arange(len(DIAGRAM_MODULATIONS_HZ))[None, :]
    energy = np.exp(-0.6 * rows)  # the note's partials, strongest low
    peak = np.exp(-0.5 * (cols - DIAGRAM_RATE_COLUMN) ** 2)
    scattering = energy * (0.15 + peak) + 0.05 * rng.random(peak.shape)
    weight = 0.3 + np.exp(-0.5 * ((cols - DIAGRAM_RATE_COLUMN) / 0.7) ** 2)
    relevance = scattering * weight
    mask = np.zeros(relevance.size, dtype=bool)
    mask[top_k_paths(relevance.ravel(), DIAGRAM_K)] = True
    mask = mask.reshape(relevance.shape)
    start = scattering.max() * rng.random(relevance.shape)
    render = start.copy()
    for _ in range(DESCENT_STEPS):  # descend the error on the mask only
        render -= DESCENT_STEP * 2 * mask * (render - scattering)
    return {
        "scattering": scattering,
        "relevance": relevance,
        "mask": mask,
        "start": start,
        "render": render,
    }


def _plane(ax, values, cmap, mask=None, **limits):
    ax.imshow(values, origin="lower", cmap=cmap, aspect="auto", **limits)
    ax.set_xticks([])
    ax.set_yticks([])
    if mask is not None:
        outline_cells(ax, mask, "tab:cyan")


def keep_top_k_diagram(figsize=(7.0, 3.0)):
    """Relevance made audible in one picture: clip, scattering,
    relevance, the top-k mask, a render that matches the clip on the mask
    (gradient descent from noise), and the question put to the network.

    Returns
    -------
    matplotlib.figure.Figure
        Six panels titled as :data:`DIAGRAM_PANELS`; the mask and render
        panels outline the :data:`DIAGRAM_K` kept paths.
    """
    planes = synthetic_planes()
    limits = {"vmin": 0.0, "vmax": planes["scattering"].max()}
    fig, axes = plt.subplots(1, len(DIAGRAM_PANELS), figsize=figsize)
    clip = tiny_clip()
    axes[0].plot(clip, color="0.2", lw=0.6)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    _plane(axes[1], planes["scattering"], "magma", **limits)
    _plane(axes[2], planes["relevance"], "Reds")
    _plane(axes[3], planes["mask"], "Greys", mask=planes["mask"])
    _plane(
        axes[4], planes["render"], "magma", mask=planes["mask"], **limits
    )
    ax = axes[5]
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (0.05, 0.2),
            0.9,
            0.6,
            boxstyle="round,pad=0.02",
            facecolor="0.93",
            edgecolor="0.4",
            transform=ax.transAxes,
        )
    )
    ax.text(
        0.5,
        0.5,
        "play it;\nconvnet:\np(class)?",
        ha="center",
        va="center",
        fontsize=10,
        transform=ax.transAxes,
    )
    notes = (
        "waveform",
        "$\\lambda_1$ up,\n$\\lambda_2$ across",
        "LRP",
        "keep k paths",
        "descent\nfrom noise",
        "",
    )
    for i, (ax, title, note) in enumerate(
        zip(axes, DIAGRAM_PANELS, notes)
    ):
        ax.set_title(title, fontsize=10)
        if note:
            ax.set_xlabel(note, fontsize=9)
        if i < len(axes) - 1:
            ax.annotate(
                "",
                xy=(1.32, 0.5),
                xytext=(1.04, 0.5),
                xycoords="axes fraction",
                arrowprops={"arrowstyle": "->", "lw": 1.2},
            )
    fig.suptitle(
        f"keep the top {DIAGRAM_K} paths: a sound that matches the clip "
        "there, and only there",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95), w_pad=2.0)
    return fig
