"""The statements of a chapter's "What we found", checked against the
computation.

A chapter's findings are written prose: what the figures and numbers mean
and why. Every data-dependent statement in that prose is also passed to
:func:`check_findings` as a :class:`Finding`, with the computed fact that
makes it true. At the preset the prose was written for
(:data:`~xaiaudio.report.preset_notice.PROSE_PRESET`, the published book)
a statement that the computation contradicts raises
:class:`FindingContradicted`, so the build fails rather than publish a
sentence its own figures disprove. At any other preset the prose may not
hold (a smoke run has two seeds and a handful of clips), so the page shows
this run's own verdict on each statement instead; and so does a run on
other data than the prose's (the other embedded corpus, a reader's SOL
folder: :func:`~xaiaudio.report.preset_notice.runs_on_prose_data`), whose
findings are the reader's to read, not the book's to assert.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from IPython.display import HTML

from xaiaudio.core.presets import RunConfig
from xaiaudio.report.preset_notice import (
    PROSE_PRESET,
    corpus_words,
    data_words,
    runs_on_prose_data,
)


class FindingContradicted(AssertionError):
    """A statement of "What we found" that the computation contradicts at
    the preset the prose describes."""


@dataclass(frozen=True)
class Finding:
    """One data-dependent statement of a chapter's prose.

    Attributes
    ----------
    statement : str
        The statement, as the prose makes it (short).
    holds : bool
        Whether this run's computation supports it.
    evidence : str
        The computed number or verdict it rests on (a generated sentence).
    """

    statement: str
    holds: bool
    evidence: str = ""


def check_findings(
    findings: Sequence[Finding],
    config: RunConfig,
    prose_corpus: str | None = None,
) -> HTML | None:
    """Assert a chapter's findings at the prose preset on the prose's data
    (see the module's docstring; ``prose_corpus``: the embedded corpus the
    chapter's text describes, None where it reads neither); elsewhere, show
    this run's verdict on each.

    Returns
    -------
    IPython.display.HTML or None
        None at the prose preset on the prose's data (every statement
        holds); otherwise a note listing each statement as supported or not
        by this run, with its evidence.

    Raises
    ------
    FindingContradicted
        At the prose preset on the prose's data, naming every statement
        that does not hold and its evidence.
    """
    findings = list(findings)
    if config.preset.name == PROSE_PRESET and runs_on_prose_data(
        config, prose_corpus
    ):
        wrong = [f for f in findings if not bool(f.holds)]
        if wrong:
            raise FindingContradicted(
                "the computation contradicts what the text says: "
                + "; ".join(
                    f"{f.statement!r} ({f.evidence or 'no evidence'})"
                    for f in wrong
                )
            )
        return None
    items = "".join(
        f"<li>{'supported' if f.holds else '<b>not supported</b>'}: "
        f"{html.escape(f.statement, quote=False)}"
        + (
            f" ({html.escape(f.evidence, quote=False)})"
            if f.evidence
            else ""
        )
        + "</li>"
        for f in findings
    )
    name = html.escape(config.preset.name)
    data = html.escape(data_words(config), quote=False)
    return HTML(
        '<div class="admonition note"><p class="admonition-title">'
        f"This run ({name} preset, {data}) and the text above</p><p>The "
        f"text was checked against the {PROSE_PRESET} preset on "
        f"{corpus_words(prose_corpus)}. In this run:"
        f"</p><ul>{items}</ul></div>"
    )
