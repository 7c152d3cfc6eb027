"""The book's two pipelines, stage by stage, with the chapter that teaches
each stage.

:func:`pipeline_diagram` draws, for the introduction, the path from a sound
to an explanation in each paper: Wang et al.'s (audio, scattering, a
convnet, LRP, the carrier-modulation plane) and Loiseau et al.'s (audio,
log-mel, prototypes bent by transformations, the best reconstruction, a
prototype you can play).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

#: Each pipeline: its title, then its stages as (what, chapter names).
PIPELINES = (
    (
        "Explaining a convnet (Wang et al.)",
        (
            ("audio", ("listening",)),
            ("scattering\n$S_1$, $S_2$", ("scattering",)),
            ("convnet", ("training",)),
            ("LRP", ("deep_taylor", "lrp_rules")),
            (
                "carrier-\nmodulation\nplane",
                ("listening_relevance", "aggregation"),
            ),
        ),
    ),
    (
        "A model that explains itself (Loiseau et al.)",
        (
            ("audio", ("listening",)),
            ("log-mel", ("prototypes",)),
            ("prototypes,\nbent to fit", ("prototypes",)),
            ("best\nreconstruction", ("prototypes", "prototypes_voices")),
            (
                "listen to\nthe prototype",
                ("prototypes", "prototypes_voices"),
            ),
        ),
    ),
)

_COLOURS = ("#dbe8f6", "#f6e7d6")


def pipeline_chapters() -> list[str]:
    """Every chapter the diagram names, once each."""
    names = []
    for _, stages in PIPELINES:
        for _, chapters in stages:
            names += [c for c in chapters if c not in names]
    return names


def routes_figure(routes, label: str, caption_font: str = "monospace"):
    """Rows of boxes joined by arrows: one row per route, each box a stage
    with its caption lines under it.

    Parameters
    ----------
    routes : sequence of (str, sequence of (str, sequence of str))
        Each route's title, then its stages: what the stage is, and the
        lines of its caption.
    label : str
        The axes' label.
    caption_font : str, default "monospace"
        Font family of the captions (chapter names read as file names).

    Returns
    -------
    matplotlib.figure.Figure
        7 inches wide, 1.7 inches per route, one axes, not yet shown; one
        text per stage, per caption and per route title, one empty text
        per arrow.
    """
    fig, ax = plt.subplots(figsize=(7.0, 1.7 * len(routes)))
    ax.set_label(label)
    height_units = 3.4 * len(routes)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height_units)
    ax.axis("off")
    width, height, step = 1.55, 1.05, 2.05
    for row, ((title, stages), colour) in enumerate(
        zip(routes, _COLOURS * len(routes))
    ):
        top = height_units - 0.4 - row * 3.4
        ax.text(0.1, top, title, fontsize=10, weight="bold", va="center")
        y = top - 1.45
        for i, (what, caption) in enumerate(stages):
            x = 0.1 + i * step
            ax.add_patch(
                FancyBboxPatch(
                    (x, y - height / 2),
                    width,
                    height,
                    boxstyle="round,pad=0.04",
                    facecolor=colour,
                    edgecolor="0.3",
                )
            )
            ax.text(
                x + width / 2,
                y,
                what,
                ha="center",
                va="center",
                fontsize=9,
            )
            if caption:
                ax.text(
                    x + width / 2,
                    y - height / 2 - 0.12,
                    "\n".join(caption),
                    ha="center",
                    va="top",
                    fontsize=7,
                    color="0.35",
                    family=caption_font,
                )
            if i:
                ax.annotate(
                    "",
                    (x - 0.02, y),
                    (x - step + width + 0.1, y),
                    arrowprops={"arrowstyle": "->", "color": "0.3"},
                )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig


def pipeline_diagram() -> plt.Figure:
    """Both pipelines as rows of boxes joined by arrows, each box captioned
    with its chapters.

    Returns
    -------
    matplotlib.figure.Figure
        7 x 3.4 inches, one axes labelled ``"pipelines"``, not yet shown;
        one text per stage, per caption and per pipeline title.
    """
    return routes_figure(PIPELINES, "pipelines")
