"""The notice at the top of a chapter run at another preset, or on other
data, than its prose was written for.

Every number, figure, table and verdict sentence of a chapter is computed
at the preset it runs at, on the data it reads; the written explanations
around them were read against the ``book`` preset (:data:`PROSE_PRESET`),
the published one, on the embedded corpus the chapter reads by default
(the classifier chapters: the recorded one; the listening and scattering
chapters, which teach the physics: the synthetic one), which the chapter
passes as ``prose_corpus``. A student
who runs a chapter at ``smoke`` gets numbers that can contradict that prose
(one test clip for a class, two seeds), and so can a reader who runs it on
the recorded-sample corpus or on SOL, so the chapter says so at its top,
under its setup cell.
"""

from __future__ import annotations

import html

from IPython.display import HTML

from xaiaudio.core.presets import RunConfig

#: The preset the book's written prose describes.
PROSE_PRESET = "book"


def runs_on_prose_data(
    config: RunConfig, prose_corpus: str | None
) -> bool:
    """Whether ``config`` reads the data the prose describes: no
    ``data_dir``, and the embedded corpus ``prose_corpus`` (None: a
    chapter that reads neither embedded corpus, whatever
    ``config.corpus`` says)."""
    if config.data_dir:
        return False
    return prose_corpus is None or config.corpus == prose_corpus


def corpus_words(corpus: str | None) -> str:
    """An embedded corpus in words: "the recorded corpus", or "the
    embedded corpus" for None (either)."""
    if corpus is None:
        return "the embedded corpus"
    return f"the {corpus} corpus"


def data_words(config: RunConfig) -> str:
    """What ``config`` reads, in words: "the synthetic corpus", "the
    recorded corpus" or the ``data_dir``."""
    if config.data_dir:
        return f"the data in {config.data_dir}"
    return corpus_words(config.corpus)


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


def preset_notice(
    config: RunConfig, prose_corpus: str | None = None
) -> HTML | None:
    """A warning box (HTML, rendered in the book and in Jupyter alike) when
    ``config``'s preset is not :data:`PROSE_PRESET` or its data are not
    the prose's (:func:`runs_on_prose_data`; ``prose_corpus``: the
    embedded corpus the chapter's text describes, None where it reads
    neither); None (no output) when both are."""
    name = config.preset.name
    same_data = runs_on_prose_data(config, prose_corpus)
    if name == PROSE_PRESET and same_data:
        return None
    parts = []
    if name != PROSE_PRESET:
        consequence = _CONSEQUENCES.get(
            name, "Its numbers are those of that preset."
        )
        what = html.escape(config.preset.description, quote=False)
        parts.append(
            f"This page was run at the <code>{html.escape(name)}</code> "
            f"preset ({what}); its text was written for the "
            f"<code>{PROSE_PRESET}</code> preset. "
            f"{html.escape(consequence, quote=False)}"
        )
    if not same_data:
        parts.append(
            f"It reads {html.escape(data_words(config), quote=False)}; "
            "its text was written for "
            f"{corpus_words(prose_corpus)}. Its "
            "numbers, figures and verdict sentences are those of these "
            "data, and where the text explains a finding they can say "
            'otherwise: the note after each "What we found" says which '
            "statements this run supports."
        )
    if name == PROSE_PRESET:
        title = "Data"
    elif same_data:
        title = f"Preset: {html.escape(name)}"
    else:
        title = f"Preset ({html.escape(name)}) and data"
    return HTML(
        '<div class="admonition warning"><p class="admonition-title">'
        f"{title}</p><p>{' '.join(parts)}</p></div>"
    )
