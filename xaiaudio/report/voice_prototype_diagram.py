"""A speaker's prototype: one spectral frame, and what the transformations
do to it.

:func:`voice_prototype_diagram` draws, from a tiny synthetic voice (no
data), the three steps of the playable-prototype model on speakers:

(a) the source-filter view: the harmonics of a glottal source (their
    level falling with frequency) shaped by the vocal tract's formant
    envelope, the same parallel resonator bank as
    :mod:`xaiaudio.synth.voices`;
(b) the prototype ``p_k``, that envelope on the mel axis in the normalised
    log-mel units of :mod:`xaiaudio.features.melspec`, and what the
    pitch, gain and high-shelf transformations make of it (the model's own
    :func:`~xaiaudio.models.prototype_model.apply_transformations`);
(c) the frames of an "utterance" made from that one frame by a pitch and
    a gain that change over time.
"""

from __future__ import annotations

import librosa
import matplotlib.pyplot as plt
import numpy as np
import torch

from xaiaudio.features.melspec import LOG_SCALE, mel_centres, mel_settings
from xaiaudio.models.prototype_model import (
    apply_transformations,
    identity_parameters,
)
from xaiaudio.synth.voices import VOICE_RATE, VOWELS

#: Fundamental frequency (Hz) of the harmonics drawn in panel (a).
DIAGRAM_F0 = 120.0
#: Source tilt: harmonic ``h`` has amplitude ``h ** -tilt``.
DIAGRAM_TILT = 1.6
#: Mel bands of the diagram's frame.
DIAGRAM_N_MELS = 64
#: The transformations of panel (b): label -> parameters changed from the
#: identity (see :func:`~xaiaudio.models.prototype_model.shelf`).
DIAGRAM_TRANSFORMS = {
    "pitch (s = 0.8)": {"scale": 0.8},
    "gain (+0.1)": {"gain": 0.1},
    "high shelf (\u22120.2)": {"high_gain": -0.2, "high_cutoff": 0.4},
}


def vocal_tract_db(hz: np.ndarray, vowel: str = "a") -> np.ndarray:
    """Level (dB) of the vocal-tract filter of one vowel at ``hz``.

    The magnitude response of the synthesiser's parallel bank of four
    second-order resonators (formant ``j`` weighted ``0.6 ** j``), each
    with unit gain at 0 Hz, for a 17.5 cm tract.
    """
    z = np.exp(-2j * np.pi * np.asarray(hz, dtype=float) / VOICE_RATE)
    response = np.zeros_like(z)
    for j, (freq, bandwidth) in enumerate(zip(*VOWELS[vowel])):
        r = np.exp(-np.pi * bandwidth / VOICE_RATE)
        c = 2 * r * np.cos(2 * np.pi * freq / VOICE_RATE)
        response += (
            (0.6**j) * (1 - c + r * r) / (1 - c * z + r * r * z * z)
        )
    return 20 * np.log10(np.abs(response) + 1e-12)


def source_db(hz: np.ndarray, tilt: float = DIAGRAM_TILT) -> np.ndarray:
    """Level (dB) of the glottal source's harmonics at ``hz`` (multiples
    of the F0): ``h ** -tilt``, 6 x ``tilt`` dB per octave."""
    return -20 * tilt * np.log10(np.asarray(hz, dtype=float) / DIAGRAM_F0)


def diagram_prototype(
    n_mels: int = DIAGRAM_N_MELS, vowel: str = "a"
) -> tuple:
    """The diagram's prototype: source tilt plus vocal tract on the mel
    axis, in normalised log-mel units (10 dB is 1/17).

    Returns
    -------
    tuple
        ``(hz, frame)``: band centres (Hz) and the frame (peak 0.8).
    """
    settings = mel_settings(VOICE_RATE, n_mels)
    hz = librosa.mel_to_hz(mel_centres(settings), htk=True)
    level = vocal_tract_db(hz, vowel) + source_db(np.maximum(hz, 60.0))
    frame = 0.8 + (level - level.max()) / (10 * LOG_SCALE)
    return hz, np.maximum(frame, 0.0)


def _transform(frame: np.ndarray, changed: dict, n_frames: int = 1):
    """``frame`` through the model's transformations, the parameters of
    ``changed`` (scalars or per-frame arrays) replacing the identity's."""
    params = identity_parameters(1, 1, n_frames)
    for name, value in changed.items():
        params[name] = torch.as_tensor(
            np.broadcast_to(value, (1, 1, n_frames)).copy(),
            dtype=torch.float32,
        )
    settings = mel_settings(VOICE_RATE, frame.size)
    centres = torch.as_tensor(mel_centres(settings), dtype=torch.float32)
    frames = torch.as_tensor(frame, dtype=torch.float32)[None, None]
    out = apply_transformations(frames, params, centres)
    return out[0, 0].numpy()


def voice_prototype_diagram(vowel: str = "a") -> plt.Figure:
    """Source x vocal tract = a speaker's prototype; its transformations;
    the utterance they make of it.

    Parameters
    ----------
    vowel : str
        Which vowel of :data:`xaiaudio.synth.voices.VOWELS` the tract
        says.

    Returns
    -------
    matplotlib.figure.Figure
        7 x 3 inches, three axes labelled ``"source-filter"``,
        ``"transformations"`` and ``"utterance"``, not yet shown.
    """
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(7.0, 3.0),
        gridspec_kw={"width_ratios": [1.15, 1.15, 0.8]},
    )
    source_ax, transform_ax, utterance_ax = axes
    for ax, label in zip(
        axes, ("source-filter", "transformations", "utterance")
    ):
        ax.set_label(label)
        ax.tick_params(labelsize=8)

    # (a) harmonics of the source, shaped by the formant envelope
    top = 4000.0
    fine = np.linspace(20.0, top, 800)
    tract = vocal_tract_db(fine, vowel)
    harmonics = np.arange(DIAGRAM_F0, top, DIAGRAM_F0)
    voiced = source_db(harmonics) + vocal_tract_db(harmonics, vowel)
    shift = tract.max() - voiced.max()
    source_ax.vlines(
        harmonics,
        -80,
        voiced + shift,
        colors="0.55",
        linewidth=0.8,
        label="source \u00d7 tract",
    )
    source_ax.plot(fine, tract, color="C0", label="vocal tract")
    for j, freq in enumerate(VOWELS[vowel][0][:3]):
        level = vocal_tract_db(np.array([freq]), vowel)[0]
        source_ax.annotate(
            f"F{j + 1}",
            (freq, level),
            xytext=(-6 if j == 0 else 6 if j == 1 else 0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            color="C0",
        )
    source_ax.set(ylim=(-60, tract.max() + 12), xlim=(0, top))
    source_ax.set_xticks([0, 1000, 2000, 3000, 4000], [0, 1, 2, 3, 4])
    source_ax.set_xlabel("frequency (kHz)", fontsize=9)
    source_ax.set_ylabel("level (dB)", fontsize=9)
    source_ax.set_title("(a) source \u00d7 vocal tract", fontsize=10)
    source_ax.legend(fontsize=7, loc="lower left", frameon=False)

    # (b) the prototype on the mel axis, and its transformations
    hz, frame = diagram_prototype(vowel=vowel)
    bands = np.arange(frame.size)
    transform_ax.plot(bands, frame, color="k", lw=2, label="prototype")
    for colour, (label, changed) in zip(
        ("C1", "C2", "C3"), DIAGRAM_TRANSFORMS.items()
    ):
        transform_ax.plot(
            bands,
            _transform(frame, changed)[0],
            color=colour,
            lw=1,
            label=label,
        )
    kilohertz = [500, 1000, 2000, 4000, 8000]
    transform_ax.set_xticks(
        np.interp(kilohertz, hz, bands),
        ["0.5", "1", "2", "4", "8"],
    )
    transform_ax.set_xlabel("mel band (kHz)", fontsize=9)
    transform_ax.set_ylabel("log-mel (normalised)", fontsize=9)
    transform_ax.set_title("(b) prototype $p_k$", fontsize=10)
    transform_ax.legend(fontsize=7, loc="upper right", frameon=False)

    # (c) one frame made into many: pitch and gain change over time
    n_frames = 48
    t = np.linspace(0.0, 1.0, n_frames)
    scale = np.exp(-0.15 * np.sin(2 * np.pi * 1.5 * t))
    gain = -0.25 * (1 - np.abs(np.sin(np.pi * 3 * t))) ** 2
    frames = _transform(frame, {"scale": scale, "gain": gain}, n_frames)
    utterance_ax.imshow(
        frames.T,
        origin="lower",
        aspect="auto",
        vmin=0,
        vmax=1,
        extent=[0, n_frames, 0, frame.size],
    )
    utterance_ax.set_xlabel("frame", fontsize=9)
    utterance_ax.set_ylabel("mel band", fontsize=9)
    utterance_ax.set_title(r"(c) $\mathcal{T}_{\beta}(p_k)$", fontsize=10)
    fig.tight_layout()
    return fig
