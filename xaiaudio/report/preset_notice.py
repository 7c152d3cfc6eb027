"""The notice at the top of a chapter run at another preset than the one
its prose was written for.

Every number, figure, table and verdict sentence of a chapter is computed
at the preset it runs at; the written explanations around them were read
against the ``book`` preset (:data:`PROSE_PRESET`), the published one. A
student who runs a chapter at ``smoke`` gets numbers that can contradict
that prose (one test clip for a class, two seeds), so the chapter says so
at its top, under its setup cell.
"""

from __future__ import annotations

import html

from IPython.display import HTML

from xaiaudio.core.presets import RunConfig

#: The preset the book's written prose describes.
PROSE_PRESET = "book"

_CONSEQUENCES = {
    "smoke": (
        "Its corpus, models and seeds are tiny so that the code runs in "
        "seconds: its numbers mean little, and where the text explains a "
        "finding, the figures and generated sentences of this run can say "
        "the opposite."
    ),
    "paper": (
        "Its numbers, figures and verdict sentences are those of the "
        "papers' sizes; the text around them was read against the book "
        "preset, and may describe a smaller effect or another verdict."
    ),
}


def preset_notice(config: RunConfig) -> HTML | None:
    """A warning box (HTML, rendered in the book and in Jupyter alike) when
    ``config``'s preset is not :data:`PROSE_PRESET`; None (no output)
    when it is."""
    name = config.preset.name
    if name == PROSE_PRESET:
        return None
    consequence = _CONSEQUENCES.get(
        name, "Its numbers are those of that preset."
    )
    what = html.escape(config.preset.description, quote=False)
    text = (
        f"This page was run at the <code>{html.escape(name)}</code> "
        f"preset ({what}); its text was written for the "
        f"<code>{PROSE_PRESET}</code> preset. "
        f"{html.escape(consequence, quote=False)}"
    )
    return HTML(
        '<div class="admonition warning"><p class="admonition-title">'
        f"Preset: {html.escape(name)}</p><p>{text}</p></div>"
    )
