"""The diagram of class-wise aggregation (chapter "Class-wise
aggregation").

:func:`classwise_vote_diagram` draws Wang et al.'s Eq. 13 on tiny
synthetic maps: three clips of one class, each a time-averaged relevance
map on a small carrier-modulation grid, each voting for its top-n paths
(the marked cells); the votes summed over the clips make the class map.
The clips share a modulation rate but not a pitch, so each clip's band
sits at another carrier and the class map collects a vertical band. The
votes are counted by the package's own
:func:`xaiaudio.explain.statistics.classwise_top_n`, not typed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xaiaudio.explain.statistics import classwise_top_n, top_n_indicator
from xaiaudio.report.plane import outline_cells

#: The tiny plane: carriers (rows, low to high) and modulation rates
#: (columns, slow to fast), in Hz.
DIAGRAM_CARRIERS_HZ = (250, 500, 1000, 2000)
DIAGRAM_MODULATIONS_HZ = (2, 4, 8, 16, 32)
#: The class's modulation rate: the column every clip's band sits in.
DIAGRAM_RATE_COLUMN = 2
#: Each clip's pitch: the carrier row its strongest path sits in.
DIAGRAM_PITCH_ROWS = (0, 1, 3)
#: n of Eq. 13 in the diagram.
DIAGRAM_N_TOP = 3


def synthetic_maps(seed: int = 3) -> np.ndarray:
    """Three tiny time-averaged relevance maps, ``(clips, carriers,
    modulations)``: a band at the class's rate, strongest at the clip's
    pitch, plus weak noise."""
    rng = np.random.default_rng(seed)
    shape = (len(DIAGRAM_CARRIERS_HZ), len(DIAGRAM_MODULATIONS_HZ))
    rows = np.arange(shape[0])[:, None]
    maps = []
    for pitch in DIAGRAM_PITCH_ROWS:
        relevance = 0.25 * rng.random(shape)
        band = np.exp(-0.5 * (rows - pitch) ** 2)[:, 0]
        relevance[:, DIAGRAM_RATE_COLUMN] += band
        maps.append(relevance)
    return np.array(maps)


def _draw_map(ax, values, cmap, votes=None, numbers=False):
    ax.imshow(values, origin="lower", cmap=cmap, aspect="auto")
    ax.set_xticks(
        range(len(DIAGRAM_MODULATIONS_HZ)),
        [str(m) for m in DIAGRAM_MODULATIONS_HZ],
        fontsize=8,
    )
    ax.set_yticks(
        range(len(DIAGRAM_CARRIERS_HZ)),
        [
            f"{c / 1000:g}k" if c >= 1000 else str(c)
            for c in DIAGRAM_CARRIERS_HZ
        ],
        fontsize=8,
    )
    if votes is not None:
        outline_cells(ax, votes, "white")
    if numbers:
        top = values.max()
        for (row, col), count in np.ndenumerate(values):
            ax.text(
                col,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=9,
                color="black" if count > top / 2 else "white",
            )


def classwise_vote_diagram(figsize=(7.0, 3.0)):
    """Class-wise aggregation in one picture: three clips' relevance
    maps, each voting for its top-n paths, and the class map, the sum of
    the votes.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels titled "clip 1", "clip 2", "clip 3" (relevance, the
        voted cells outlined) and "class map" (the vote counts written in
        the cells).
    """
    maps = synthetic_maps()
    flat = maps.reshape(len(maps), -1)
    votes = top_n_indicator(flat, DIAGRAM_N_TOP).reshape(maps.shape)
    counts = classwise_top_n(
        flat, np.zeros(len(maps), dtype=int), 1, DIAGRAM_N_TOP
    )[0].reshape(maps.shape[1:])
    fig, axes = plt.subplots(
        1,
        len(maps) + 1,
        figsize=figsize,
        gridspec_kw={"width_ratios": [1] * len(maps) + [1.25]},
    )
    for i, (ax, relevance) in enumerate(zip(axes, maps)):
        _draw_map(ax, relevance, "Reds", votes=votes[i])
        ax.set_title(f"clip {i + 1}", fontsize=10)
        ax.text(
            1.12 if i < len(maps) - 1 else 1.16,
            0.5,
            "+" if i < len(maps) - 1 else "=",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
        )
        if i:
            ax.set_yticklabels([])
    _draw_map(axes[-1], counts, "viridis", numbers=True)
    axes[-1].set_title("class map", fontsize=10)
    axes[-1].set_yticklabels([])
    axes[0].set_ylabel("carrier $\\lambda_1$ (Hz)", fontsize=10)
    fig.supxlabel("modulation $\\lambda_2$ (Hz)", fontsize=10, y=0.1)
    fig.suptitle(
        f"each clip votes for its top-{DIAGRAM_N_TOP} paths (outlined); "
        "the class map counts the votes",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
