"""Tick labels that overlap, found in a drawn figure.

A crowded axis prints its numbers on top of each other, and a reader
cannot tell them apart. :func:`overlapping_tick_labels` lists the
overlapping pairs of one drawn figure. :func:`watch` is an entry for
matplotlib's ``figure.hooks``: every figure pyplot makes is then checked
each time it is drawn (as a notebook's inline backend draws it to show
it), and :func:`raise_if_overlapping` fails a run that drew any.
``tools.notebooks`` runs chapters that way (the chapter tests, at the
smoke preset; ``--check-ticks`` at any preset).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.text import Text

#: How far two labels may intrude into each other, in pixels, before
#: they count as overlapping (antialiased edges touch, hiding nothing).
TOLERANCE_PX = 1.0

#: The ``figure.hooks`` entry that installs :func:`watch`.
HOOK = f"{__name__}:watch"

_found: dict[str, None] = {}
_draws_checked = [0]


def _drawn_labels(axes, axis, along: int) -> list:
    """The non-empty tick labels ``axis`` draws inside its view, each
    once (``along``: 0 for the x axis, 1 for the y axis)."""
    if not (axes.get_visible() and axes.axison and axis.get_visible()):
        return []
    low, high = sorted(axis.get_view_interval())
    span = 1e-9 * max(abs(low), abs(high), 1.0)
    labels = {}
    # the ticks as the last draw left them (asking for the tick labels
    # would update the ticks and mark the figure stale)
    ticks = axis.get_major_ticks() + axis.get_minor_ticks()
    for label in [
        label
        for tick in ticks
        if tick.get_visible()
        for label in (tick.label1, tick.label2)
        if label.get_visible()
    ]:
        position = label.get_position()[along]
        inside = low - span <= position <= high + span
        if label.get_text().strip() and inside:
            # a label drawn twice on itself (boxplots on a shared axis
            # repeat their ticks) hides nothing
            place = tuple(np.round(label.get_position(), 6))
            labels[label.get_text(), place] = label
    return list(labels.values())


def _rectangle(label, renderer) -> tuple[np.ndarray, float, float]:
    """A label's centre in pixels and its unrotated width and height."""
    extent = label.get_window_extent(renderer).get_points()
    # the upright size from a copy: changing the label would mark the
    # figure stale and make an interactive backend draw it again
    upright = Text(
        text=label.get_text(),
        fontproperties=label.get_fontproperties(),
        figure=label.get_figure(),
    ).get_window_extent(renderer)
    return np.mean(extent, axis=0), upright.width, upright.height


def _overlap(first, second, angle: float) -> bool:
    """Whether two labels' rectangles, both turned by ``angle`` degrees,
    overlap (separating axes: along the text and across it)."""
    (centre_a, width_a, height_a) = first
    (centre_b, width_b, height_b) = second
    offset = centre_b - centre_a
    turn = math.radians(angle)
    along = abs(offset @ [math.cos(turn), math.sin(turn)])
    across = abs(offset @ [-math.sin(turn), math.cos(turn)])
    return (
        along < (width_a + width_b) / 2 - TOLERANCE_PX
        and across < (height_a + height_b) / 2 - TOLERANCE_PX
    )


def overlapping_tick_labels(figure, renderer=None) -> list[str]:
    """One line per pair of tick labels of one axis that overlap in
    ``figure`` (drawn now unless a ``renderer`` has just drawn it)."""
    if renderer is None:
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
    problems = []
    for number, axes in enumerate(figure.axes):
        title = axes.get_title() or f"axes {number}"
        for along, (name, axis) in enumerate(
            (("x", axes.xaxis), ("y", axes.yaxis))
        ):
            by_angle: dict[float, list] = {}
            for label in _drawn_labels(axes, axis, along):
                by_angle.setdefault(label.get_rotation(), []).append(label)
            for angle, group in by_angle.items():
                boxes = [_rectangle(label, renderer) for label in group]
                for i, j in zip(*np.triu_indices(len(group), 1)):
                    if _overlap(boxes[i], boxes[j], angle):
                        problems.append(
                            f"{title!r}, {name} axis: tick labels "
                            f"{group[i].get_text()!r} and "
                            f"{group[j].get_text()!r} overlap"
                        )
    return problems


def _check_on_draw(event) -> None:
    figure = event.canvas.figure
    _draws_checked[0] += 1
    name = figure.get_label() or f"figure {figure.number}"
    for problem in overlapping_tick_labels(figure, event.renderer):
        _found[f"{name}: {problem}"] = None


def watch(figure) -> None:
    """A ``figure.hooks`` entry: check ``figure``'s tick labels each time
    it is drawn."""
    figure.canvas.mpl_connect("draw_event", _check_on_draw)


def raise_if_overlapping() -> int:
    """Raise ``AssertionError`` listing every overlap found so far in the
    figures :func:`watch` checks; else return how many draws it checked."""
    if _found:
        raise AssertionError(
            "figures with overlapping tick labels:\n" + "\n".join(_found)
        )
    return _draws_checked[0]
