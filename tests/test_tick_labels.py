"""Overlapping tick labels are found in a drawn figure, and the pyplot hook records them."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.report import tick_labels  # noqa: E402

LABELS = [f"label {i}" for i in range(12)]


def crowded(rotation=0, **tick_options):
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.set_xticks(range(12), LABELS, rotation=rotation, **tick_options)
    return figure, axes


def test_a_crowded_axis_is_reported_and_a_plain_one_is_not():
    figure, _ = crowded()
    problems = tick_labels.overlapping_tick_labels(figure)
    assert problems and all("x axis" in problem for problem in problems)
    plain, axes = plt.subplots(figsize=(4, 3))
    axes.plot([0, 1, 2], [3, 1, 2])
    assert tick_labels.overlapping_tick_labels(plain) == []
    plt.close("all")


def test_rotated_labels_are_compared_as_rotated_rectangles():
    # at 45 degrees twelve labels on a 4-inch axis do not touch, although
    # their axis-aligned boxes overlap; upright they collide
    figure, axes = plt.subplots(figsize=(4, 2))
    axes.set_xticks(range(12), LABELS, rotation=45, ha="right")
    figure.canvas.draw()
    boxes = [label.get_window_extent() for label in axes.get_xticklabels()]
    assert any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    assert tick_labels.overlapping_tick_labels(figure) == []
    axes.set_xticks(range(12), LABELS, rotation=0)
    assert tick_labels.overlapping_tick_labels(figure) != []
    plt.close("all")


@pytest.mark.parametrize("hide", ["axes off", "axis hidden", "axes hidden"])
def test_labels_that_are_not_drawn_are_not_checked(hide):
    figure, axes = crowded()
    {"axes off": axes.set_axis_off,
     "axis hidden": lambda: axes.xaxis.set_visible(False),
     "axes hidden": lambda: axes.set_visible(False)}[hide]()
    assert tick_labels.overlapping_tick_labels(figure) == []
    plt.close("all")


def test_ticks_outside_the_view_are_not_checked():
    figure, axes = plt.subplots(figsize=(4, 2))
    axes.set_xticks([0, 1, 2, 100, 100.2], ["0", "1", "2", "far", "farther"])
    axes.set_xlim(-0.5, 2.5)
    assert tick_labels.overlapping_tick_labels(figure) == []
    plt.close("all")


def test_the_hook_records_what_a_draw_shows_and_leaves_the_figure_fresh(monkeypatch):
    monkeypatch.setattr(tick_labels, "_found", {})
    monkeypatch.setattr(tick_labels, "_draws_checked", [0])
    with matplotlib.rc_context({"figure.hooks": [tick_labels.HOOK]}):
        figure, _ = crowded()
    assert tick_labels.raise_if_overlapping() == 0  # not drawn yet
    figure.canvas.draw()
    assert not figure.stale  # checking changed nothing in the figure
    with pytest.raises(AssertionError, match="overlap"):
        tick_labels.raise_if_overlapping()
    plt.close("all")
