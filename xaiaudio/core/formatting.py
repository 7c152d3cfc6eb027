"""How the book writes a computed number: the one formatter of tables and
generated sentences."""

from __future__ import annotations

import math


def format_number(value, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals, or ``"-"`` when there is no
    number to show (``None``, NaN, an infinity).

    Parameters
    ----------
    value : float, int or None
        The number.
    digits : int, default 1
        Decimals.

    Returns
    -------
    str
        E.g. ``"12.3"``, ``"-0.5"``, ``"-"``; a value that rounds to zero
        is ``"0.0"``, never ``"-0.0"``.
    """
    if value is None or not math.isfinite(value):
        return "-"
    # z: a negative value that rounds to zero prints without its sign
    return f"{value:z.{digits}f}"
