"""Two partials whose levels are a point of the toy network's plane: the
sound of the deep Taylor chapter.

The toy network of :mod:`xaiaudio.models.toy_network` classifies points
``x = (x[1], x[2])`` of the unit square by their angle. Heard as the
amplitudes of two partials a fifth apart, the angle is the balance of the
two partials whatever the loudness, and the toy's wedge between 30 and 60
degrees holds the sounds in which neither partial is more than
``tan(60 deg)`` (about 4.8 dB) above the other.
"""

from __future__ import annotations

import numpy as np

#: Frequencies (Hz) of the two partials: A4 and the fifth above it.
PAIR_HZ = (440.0, 660.0)
#: Raised-cosine fade at each end, seconds (no click).
FADE_SECONDS = 0.02


def partial_pair(
    levels, seconds: float = 1.5, sample_rate: int = 16000
) -> np.ndarray:
    """A tone of the two partials of :data:`PAIR_HZ` with amplitudes
    ``levels``.

    Parameters
    ----------
    levels : sequence of two floats
        Amplitudes of the lower and the upper partial (a point of the toy
        network's input plane), each finite and non-negative.
    seconds : float
        Duration.
    sample_rate : int
        Hz; above twice the upper partial.

    Returns
    -------
    numpy.ndarray
        float32, ``round(seconds * sample_rate)`` samples, faded in and
        out.

    Raises
    ------
    ValueError
        For levels that are not two finite non-negative numbers, a
        non-positive duration, or a rate that cannot carry the upper
        partial.
    """
    levels = np.asarray(levels, dtype=float)
    if levels.shape != (2,) or not np.all(np.isfinite(levels)):
        raise ValueError(
            f"levels must be two finite numbers, got {levels}"
        )
    if np.any(levels < 0):
        raise ValueError(f"levels must be non-negative, got {levels}")
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if sample_rate <= 2 * max(PAIR_HZ):
        raise ValueError(
            f"sample rate {sample_rate} Hz cannot carry a partial at "
            f"{max(PAIR_HZ):.0f} Hz"
        )
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    tone = sum(
        level * np.sin(2 * np.pi * hz * t)
        for level, hz in zip(levels, PAIR_HZ)
    )
    fade = min(round(FADE_SECONDS * sample_rate), len(t) // 2)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    tone[:fade] *= ramp
    tone[len(t) - fade :] *= ramp[::-1]
    return tone.astype(np.float32)
