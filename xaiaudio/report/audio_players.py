"""A row of labelled audio players, for a chapter's hook: the players wrap
onto several lines in a narrow column instead of overflowing it."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import numpy as np
from IPython.display import HTML, Audio

#: The narrowest a player may get before the row wraps, pixels.
PLAYER_MIN_WIDTH = 120


def audio_row(
    players: Iterable[tuple[str, np.ndarray]], rate: int
) -> HTML:
    """One row of players, each under its label.

    Parameters
    ----------
    players : iterable of (str, numpy.ndarray)
        Label and mono audio of each player, in order.
    rate : int
        Sample rate of every audio, Hz.

    Returns
    -------
    IPython.display.HTML
        A flex row that wraps, each player as wide as its cell.
    """
    cell = f"flex:1 1 {PLAYER_MIN_WIDTH}px;min-width:{PLAYER_MIN_WIDTH}px"
    cells = "".join(
        f'<div style="{cell}"><div>{escape(label)}</div>'
        + Audio(audio, rate=rate)
        ._repr_html_()
        .replace("<audio ", '<audio style="width:100%" ')
        + "</div>"
        for label, audio in players
    )
    row = "display:flex;flex-wrap:wrap;gap:6px"
    return HTML(f'<div style="{row}">{cells}</div>')
