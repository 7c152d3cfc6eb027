"""Overlapping tick labels are found in a drawn figure, and the pyplot hook records them."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.report import tick_labels  # noqa: E402


def crowded(rotation=0):
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.set_xticks(range(12), [f"label {i}" for i in range(12)], rotation=rotation)
    return figure


def test_a_crowded_axis_is_reported_and_a_plain_one_is_not():
    figure = crowded()
    problems = tick_labels.overlapping_tick_labels(figure)
    assert problems and all("x axis" in problem for problem in problems)
    plain, axes = plt.subplots(figsize=(4, 3))
    axes.plot([0, 1, 2], [3, 1, 2])
    assert tick_labels.overlapping_tick_labels(plain) == []
    plt.close("all")


def test_rotated_labels_are_compared_as_rotated_rectangles():
    # at 90 degrees twelve short labels fit side by side; upright they do not
    figure, axes = plt.subplots(figsize=(4, 2))
    axes.set_xticks(range(12), [f"label {i}" for i in range(12)], rotation=90)
    assert tick_labels.overlapping_tick_labels(figure) == []
    axes.set_xticks(range(12), [f"label {i}" for i in range(12)], rotation=0)
    assert tick_labels.overlapping_tick_labels(figure) != []
    plt.close("all")


def test_the_hook_records_what_a_draw_shows_and_the_check_fails_on_it(monkeypatch):
    monkeypatch.setattr(tick_labels, "_found", {})
    with matplotlib.rc_context({"figure.hooks": [tick_labels.HOOK]}):
        figure = crowded()
    tick_labels.raise_if_overlapping()  # not drawn yet
    figure.savefig(__import__("io").BytesIO(), format="png")
    with pytest.raises(AssertionError, match="overlap"):
        tick_labels.raise_if_overlapping()
    plt.close("all")
