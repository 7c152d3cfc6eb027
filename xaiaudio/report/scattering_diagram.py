"""The scattering cascade as a block diagram, drawn from a tiny vibrato.

:func:`scattering_cascade_diagram` draws the two orders of the scattering
transform as blocks joined by the operations between them: the sound
``x``; one band's envelope ``|x * psi_lambda1|``; its average over the
frame, ``S1``; the envelope of that envelope's wobble,
``||x * psi_lambda1| * psi_lambda2|``; and the second order ``S2`` of
that band at every modulation rate ``lambda2``. The curves in the blocks
are computed (numpy and scipy only) from a short synthetic vibrato
(:func:`vibrato_tone`) with Gaussian (Morlet-like) band-pass filters
applied in the frequency domain (:func:`cascade_signals`); the scattering
of the book itself is kymatio's.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch
from scipy.ndimage import gaussian_filter1d

#: Sample rate (Hz) of the diagram's tone.
DIAGRAM_SR = 4000
#: The diagram's vibrato: pitch (Hz), rate (Hz), depth (relative
#: frequency deviation), length (s).
DIAGRAM_VIBRATO = (440.0, 6.0, 0.03, 1.0)
#: Second-order centre frequencies (Hz) drawn in the S2 block: half an
#: octave apart (Q2 = 2), as in the book's filterbanks.
DIAGRAM_RATES_HZ = tuple(float(2 ** (k / 2)) for k in range(1, 11))


def vibrato_tone(
    pitch_hz: float = DIAGRAM_VIBRATO[0],
    rate_hz: float = DIAGRAM_VIBRATO[1],
    depth: float = DIAGRAM_VIBRATO[2],
    seconds: float = DIAGRAM_VIBRATO[3],
    sr: int = DIAGRAM_SR,
) -> np.ndarray:
    """A vibrato note of three partials (levels 1, 1/2, 1/3).

    The instantaneous frequency of partial ``k`` is ``k pitch (1 + depth
    sin(2 pi rate t))``.

    Parameters
    ----------
    pitch_hz, rate_hz : float
        Fundamental and vibrato rate, Hz.
    depth : float
        Relative frequency deviation (0.03 is about half a semitone).
    seconds : float
        Length.
    sr : int
        Sample rate, Hz.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(round(seconds * sr),)``, unit standard
        deviation.
    """
    t = np.arange(int(round(seconds * sr))) / sr
    sweep = depth * (1 - np.cos(2 * np.pi * rate_hz * t)) / rate_hz
    phase = 2 * np.pi * pitch_hz * (t + sweep / (2 * np.pi))
    x = sum(np.cos(k * phase) / k for k in (1, 2, 3))
    return x / x.std()


def _band_pass(x, sr, centre_hz, q):
    """``x * psi``: an analytic Gaussian band-pass (a Morlet wavelet's
    frequency response) of ``q`` filters per octave, applied by FFT."""
    freqs = np.fft.fftfreq(len(x), 1 / sr)
    sigma = centre_hz * (2 ** (1 / q) - 1) / 2.355  # FWHM: one step
    response = np.exp(-0.5 * ((freqs - centre_hz) / sigma) ** 2)
    return np.fft.ifft(np.fft.fft(x) * 2 * response)


@dataclass(frozen=True)
class CascadeSignals:
    """The signals in the diagram's blocks (see
    :func:`cascade_signals`)."""

    t: np.ndarray
    x: np.ndarray
    u1: np.ndarray
    s1: np.ndarray
    u2: np.ndarray
    s2: np.ndarray
    rates_hz: np.ndarray
    carrier_hz: float
    rate_hz: float


def cascade_signals(
    carrier_hz: float | None = None,
    rates_hz=DIAGRAM_RATES_HZ,
    averaging_s: float = 0.15,
) -> CascadeSignals:
    """Two orders of scattering of :func:`vibrato_tone`, at one carrier.

    Parameters
    ----------
    carrier_hz : float, optional
        The first-order band ``lambda1`` (Q = 8). Default: a quarter of a
        semitone above the pitch, where the vibrato sweeps the band's
        flank, so its envelope wobbles once per vibrato period.
    rates_hz : sequence of float
        The second-order bands ``lambda2`` of the S2 block (Q = 2).
    averaging_s : float
        Width (standard deviation, s) of the Gaussian low-pass ``phi``.

    Returns
    -------
    CascadeSignals
        ``x``; ``u1 = |x * psi_lambda1|``; ``s1 = u1 * phi``; ``u2 =
        |u1 * psi_lambda2|`` at the band nearest the vibrato rate;
        ``s2``: the time average of ``|u1 * psi_lambda2|`` at every
        ``rates_hz`` (S2 of this carrier along the modulation axis).
    """
    pitch, rate, _, _ = DIAGRAM_VIBRATO
    sr = DIAGRAM_SR
    carrier = pitch * 2 ** (1 / 24) if carrier_hz is None else carrier_hz
    x = vibrato_tone()
    t = np.arange(len(x)) / sr
    u1 = np.abs(_band_pass(x, sr, carrier, 8))
    s1 = gaussian_filter1d(u1, averaging_s * sr, mode="nearest")
    rates = np.asarray(rates_hz, dtype=float)
    # S2 averages over the middle of the clip: the edges of a finite
    # clip add their own (slow) modulation
    middle = slice(len(x) // 8, len(x) - len(x) // 8)
    envelopes = [np.abs(_band_pass(u1, sr, r, 2)) for r in rates]
    s2 = np.array([e[middle].mean() for e in envelopes])
    u2 = envelopes[int(np.argmin(np.abs(np.log2(rates / rate))))]
    return CascadeSignals(t, x, u1, s1, u2, s2, rates, carrier, rate)


#: Where each block sits, in figure coordinates (left, bottom, width,
#: height), and its title.
_BLOCKS = {
    "x": ((0.02, 0.54, 0.19, 0.30), "$x$: a vibrato"),
    "u1": ((0.33, 0.54, 0.19, 0.30), r"$|x * \psi_{\lambda_1}|$"),
    "s1": ((0.79, 0.54, 0.19, 0.30), "$S_1$: the band's level"),
    "u2": (
        (0.45, 0.07, 0.19, 0.32),
        r"$||x * \psi_{\lambda_1}| * \psi_{\lambda_2}|$",
    ),
    "s2": ((0.79, 0.07, 0.19, 0.32), r"$S_2$ along $\lambda_2$"),
}


def _arrow(fig, start, end, label, label_xy, connection="arc3"):
    fig.patches.append(
        FancyArrowPatch(
            start,
            end,
            transform=fig.transFigure,
            arrowstyle="-|>",
            mutation_scale=12,
            lw=1.2,
            color="0.25",
            connectionstyle=connection,
        )
    )
    fig.text(*label_xy, label, ha="center", va="center", fontsize=10)


def scattering_cascade_diagram(figsize=(7.0, 3.0)):
    """The scattering cascade: ``x -> |x * psi_lambda1| -> phi -> S1`` and
    ``|x * psi_lambda1| -> |. * psi_lambda2| -> phi -> S2``.

    Every block holds its signal, computed by :func:`cascade_signals` from
    a 6 Hz vibrato: the waveform, the envelope of the band at
    ``lambda1`` (it wobbles at the vibrato rate), its average (the wobble
    is gone: ``S1``), the envelope of the wobble at the ``lambda2`` nearest
    the rate, and ``S2``, the averages of such envelopes at every
    ``lambda2``, which peak at the rate.

    Parameters
    ----------
    figsize : tuple of float
        Inches; the default fits a 650 px column.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per block, labelled (``Axes.get_label()``) ``"x"``,
        ``"u1"``, ``"s1"``, ``"u2"`` and ``"s2"``.
    """
    sig = cascade_signals()
    fig = plt.figure(figsize=figsize)
    axes = {}
    for name, (box, title) in _BLOCKS.items():
        ax = fig.add_axes(box, label=name)
        ax.set_title(title, fontsize=10, pad=3)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("0.4")
        axes[name] = ax
    shown = sig.t <= 0.5  # half a second: three vibrato periods
    t = sig.t[shown]
    axes["x"].plot(t, sig.x[shown], lw=0.3, color="C0")
    axes["x"].set_xlabel("0.5 s", fontsize=8, labelpad=1)
    axes["u1"].plot(t, sig.u1[shown], lw=1.2, color="C1")
    axes["u1"].set_xlabel(
        f"band at {sig.carrier_hz:.0f} Hz", fontsize=8, labelpad=1
    )
    axes["s1"].plot(t, sig.u1[shown], lw=0.8, color="0.75")
    axes["s1"].plot(t, sig.s1[shown], lw=2.0, color="C1")
    axes["s1"].set_ylim(0, None)
    axes["s1"].set_xlabel("wobble averaged away", fontsize=8)
    wobble = sig.u1 - sig.u1.mean()
    axes["u2"].plot(t, wobble[shown], lw=0.8, color="0.75")
    axes["u2"].plot(t, sig.u2[shown], lw=2.0, color="C2")
    axes["u2"].margins(y=0.15)
    axes["u2"].set_xlabel(
        rf"$\lambda_2$ = {sig.rates_hz[np.argmax(sig.s2)]:.1f} Hz",
        fontsize=8,
        labelpad=1,
    )
    peak = int(np.argmax(sig.s2))
    colours = ["0.6"] * len(sig.s2)
    colours[peak] = "C2"
    axes["s2"].bar(np.arange(len(sig.s2)), sig.s2, color=colours)
    axes["s2"].set_xlabel(
        rf"$\lambda_2$: {sig.rates_hz[0]:.1f} to "
        f"{sig.rates_hz[-1]:.0f} Hz",
        fontsize=8,
        labelpad=1,
    )
    _arrow(
        fig,
        (0.215, 0.69),
        (0.325, 0.69),
        r"$|\cdot * \psi_{\lambda_1}|$",
        (0.27, 0.77),
    )
    _arrow(fig, (0.525, 0.69), (0.785, 0.69), r"$* \phi_T$", (0.655, 0.76))
    _arrow(
        fig,
        (0.38, 0.53),
        (0.445, 0.23),
        r"$|\cdot * \psi_{\lambda_2}|$",
        (0.29, 0.30),
        connection="angle,angleA=-90,angleB=180,rad=8",
    )
    _arrow(fig, (0.645, 0.23), (0.785, 0.23), r"$* \phi_T$", (0.715, 0.30))
    fig.text(0.655, 0.62, "first order", ha="center", fontsize=8)
    fig.text(0.715, 0.15, "second order", ha="center", fontsize=8)
    return fig
