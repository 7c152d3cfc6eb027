"""The five periodic modulation techniques as what each one modulates.

:func:`technique_diagram` draws one second of each technique's control
curve, one row per technique on a shared time axis: the pitch of a vibrato,
the pitch of a trill jumping between two notes, the level of a tremolo
restarting at every stroke, the timbre of a bisbigliando alternating on one
pitch, and the level (with the noise) of a flatterzunge. The curves are the
synthesiser's own (:data:`xaiaudio.synth.technique_physics.MODULATORS`),
made at the middle of each technique's rate range
(:data:`~xaiaudio.synth.technique_physics.RATE_RANGES`), which each row
also names.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xaiaudio.synth.technique_physics import (
    DEPTH_RANGES,
    MODULATORS,
    RATE_RANGES,
)

#: Row order of the diagram, slowest to fastest typical rate.
DIAGRAM_TECHNIQUES = (
    "vibrato",
    "bisbigliando",
    "trill",
    "tremolo",
    "flatterzunge",
)

#: What each technique modulates: the control curve drawn
#: (:class:`~xaiaudio.synth.technique_physics.Modulation` field), the
#: excitation of the instrument it is drawn for, and the row's label.
MODULATED = {
    "vibrato": ("cents", "bowed", "pitch"),
    "trill": ("cents", "blown", "pitch: two notes"),
    "tremolo": ("gain_db", "bowed", "level: re-struck"),
    "bisbigliando": ("timbre_mix", "blown", "timbre, one pitch"),
    "flatterzunge": ("gain_db", "blown", "level + noise"),
}

#: Line colour of each modulated attribute: pitch, level, timbre.
ATTRIBUTE_COLOURS = {"cents": "C0", "gain_db": "C1", "timbre_mix": "C2"}


def technique_tracks(
    seconds: float = 1.0, sample_rate: int = 2000, seed: int = 0
) -> dict:
    """One control curve per technique, at the middle of its rate range.

    Parameters
    ----------
    seconds : float
        Length of the curves.
    sample_rate : int
        Samples per second of the curves.
    seed : int
        Seeds the curves' random parts (jitter, start phase, drift).

    Returns
    -------
    dict
        Technique -> ``(t, curve, rate_hz)``: times (s), the modulated
        quantity of :data:`MODULATED` scaled to 0..1, and the rate (Hz)
        it was made at. For flatterzunge also ``noise``: the noise level,
        scaled to 0..1, under the key ``"flatterzunge noise"``.
    """
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    tracks = {}
    for technique in DIAGRAM_TECHNIQUES:
        field, excitation, _ = MODULATED[technique]
        rate_hz = float(np.mean(RATE_RANGES[technique]))
        depth = float(np.mean(DEPTH_RANGES[technique]))
        rng = np.random.default_rng(seed)
        curves = MODULATORS[technique](t, rate_hz, depth, rng, excitation)
        tracks[technique] = (t, _unit(getattr(curves, field)), rate_hz)
        if technique == "flatterzunge":
            tracks["flatterzunge noise"] = (
                t,
                _unit(curves.noise_db),
                rate_hz,
            )
    return tracks


def _unit(curve: np.ndarray) -> np.ndarray:
    """``curve`` scaled to span 0..1 (a flat curve gives zeros)."""
    span = float(np.ptp(curve))
    return (curve - curve.min()) / span if span > 0 else curve * 0.0


def technique_diagram(seconds: float = 1.0, seed: int = 0) -> plt.Figure:
    """Five rows, one per technique: what it modulates, over one second.

    Each row is the technique's control curve (:func:`technique_tracks`)
    at the middle of its rate range; the left names the technique and
    what it modulates (line colour: pitch, level or timbre), the right the
    range of rates the embedded corpus draws from; flatterzunge's noise is
    the grey band under its level.

    Parameters
    ----------
    seconds : float
        Length of the time axis.
    seed : int
        Seeds the curves' random parts.

    Returns
    -------
    matplotlib.figure.Figure
        7 x 3 inches, one axes per technique (labelled with the
        technique's name), not yet shown.
    """
    tracks = technique_tracks(seconds, seed=seed)
    fig, axes = plt.subplots(
        len(DIAGRAM_TECHNIQUES), 1, figsize=(7.0, 3.0), sharex=True
    )
    fig.subplots_adjust(
        left=0.22, right=0.84, top=0.9, bottom=0.15, hspace=0.25
    )
    for ax, technique in zip(axes, DIAGRAM_TECHNIQUES):
        t, curve, rate_hz = tracks[technique]
        ax.set_label(technique)
        if technique == "flatterzunge":
            _, noise, _ = tracks["flatterzunge noise"]
            # the noise, drawn small under the level: it swells as the
            # tongue lets the air through
            ax.fill_between(
                t, -0.15, 0.3 * noise - 0.15, color="0.7", lw=0
            )
        colour = ATTRIBUTE_COLOURS[MODULATED[technique][0]]
        ax.plot(t, curve, color=colour, lw=1)
        ax.set_ylim(-0.2, 1.15)
        ax.set_yticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.text(
            -0.02,
            0.5,
            f"{technique}\n{MODULATED[technique][2]}",
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=9,
        )
        low, high = RATE_RANGES[technique]
        ax.text(
            1.02,
            0.5,
            f"{low:g}\u2013{high:g} Hz",
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=9,
        )
    axes[-1].set_xlabel("time (s)", fontsize=10)
    axes[-1].tick_params(labelsize=9)
    fig.suptitle(
        "What each technique modulates, and how fast", fontsize=10
    )
    fig.text(
        0.99,
        0.93,
        "rate range",
        ha="right",
        va="bottom",
        fontsize=9,
    )
    return fig
