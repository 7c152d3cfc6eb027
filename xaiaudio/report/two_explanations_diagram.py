"""The two accounts of one decision that "Two ways to explain" compares, as
two routes from a note to a value per mel band
(:mod:`xaiaudio.experiments.two_explanations` computes both)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from xaiaudio.report.pipeline_diagram import routes_figure

#: Each account: its title, then its stages as (what, caption lines).
ACCOUNTS = (
    (
        "After the fact: LRP on a convnet",
        (
            ("a note $x$", ()),
            ("convnet", ("trained on the notes",)),
            ("its answer:\nthe top logit", ()),
            ("LRP, back\nthrough layers", ("one rule per layer",)),
            ("relevance per\nband $r(f)$", ("summed over time",)),
        ),
    ),
    (
        "By design: the prototype classifier",
        (
            ("a note $x$", ()),
            ("each prototype\nbent to fit", ("pitch, gain, filters",)),
            ("its answer:\nthe lowest error", ()),
            ("winner against\nrunner-up", ("squared errors, per band",)),
            ("evidence per\nband $e(f)$", ("averaged over time",)),
        ),
    ),
)


def two_explanations_diagram() -> plt.Figure:
    """Both accounts as rows of boxes joined by arrows.

    Returns
    -------
    matplotlib.figure.Figure
        7 x 3.4 inches, one axes labelled ``"accounts"``, not yet shown.
    """
    return routes_figure(ACCOUNTS, "accounts", caption_font="sans-serif")
