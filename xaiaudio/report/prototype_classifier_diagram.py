"""Classifying by reconstruction: one frame per class, bent to fit a note.

:func:`prototype_classifier_diagram` draws, from three toy instruments (no
data), the idea of the playable-prototype classifier:

(a) a note: one toy instrument's frame, made to glide in pitch and swell in
    level by the model's own transformations
    (:func:`~xaiaudio.models.prototype_model.apply_transformations`);
(b) the prototypes, one log-mel frame per class;
(c) each prototype bent to fit the note as well as a per-frame pitch scale
    and gain allow, with its reconstruction error: the lowest error names
    the class.

The model's decoders predict the per-frame parameters from the note; here
they are fitted by a grid search (:func:`best_fit`), which is what the
decoders learn to approximate.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from xaiaudio.features.melspec import (
    mel_centres,
    mel_filterbank,
    mel_settings,
    normalise_power,
)
from xaiaudio.models.prototype_model import (
    apply_transformations,
    identity_parameters,
)

#: Sample rate (Hz) and mel bands of the toy instruments.
DIAGRAM_RATE = 16000
DIAGRAM_N_MELS = 64
#: Fundamental frequency (Hz) of every toy instrument's frame.
DIAGRAM_F0 = 220.0
#: The toy instruments: name -> (amplitude exponent, odd harmonics only).
#: Harmonic ``h`` has amplitude ``h ** -exponent``: a bright spectrum
#: falls slowly, a dark one fast; a hollow one lacks its even harmonics
#: (as a clarinet's low register does).
TOY_INSTRUMENTS = {
    "bright": (1.0, False),
    "dark": (2.5, False),
    "hollow": (1.0, True),
}
#: The instrument that plays the diagram's note.
NOTE_INSTRUMENT = "hollow"
#: Frames of the note.
NOTE_FRAMES = 40
#: Pitch scales the grid search of :func:`best_fit` tries.
SCALE_GRID = np.exp(np.linspace(-0.3, 0.3, 61))
#: The gain's bounds in the model (``0.5 tanh``).
GAIN_BOUND = 0.5


def _settings():
    return mel_settings(DIAGRAM_RATE, DIAGRAM_N_MELS)


def _centres() -> torch.Tensor:
    return torch.as_tensor(mel_centres(_settings()), dtype=torch.float32)


def toy_prototypes() -> dict[str, np.ndarray]:
    """One normalised log-mel frame per toy instrument: its harmonics (up
    to Nyquist) through the book's mel filterbank.

    Returns
    -------
    dict
        name -> float32 array ``(DIAGRAM_N_MELS,)``, in the order of
        :data:`TOY_INSTRUMENTS`.
    """
    settings = _settings()
    bank = mel_filterbank(settings)
    bin_hz = settings.sample_rate / settings.n_fft
    harmonics = np.arange(1, int(settings.fmax / DIAGRAM_F0) + 1)
    frames = {}
    for name, (exponent, odd_only) in TOY_INSTRUMENTS.items():
        # a noise floor 90 dB below the fundamental between the partials
        spectrum = np.full(bank.shape[1], 1e-9)
        for h in harmonics:
            if odd_only and h % 2 == 0:
                continue
            spectrum[int(round(h * DIAGRAM_F0 / bin_hz))] += h ** (
                -2 * exponent
            )
        # a loud note: its strongest band near 0.8, as a real note's
        frames[name] = normalise_power(1e5 * bank @ spectrum)
    return frames


def transform(frame: np.ndarray, scale, gain) -> np.ndarray:
    """``frame`` through the model's pitch and gain with per-frame
    ``scale`` and ``gain`` (arrays of one length): ``(frames, bands)``."""
    n_frames = len(scale)
    params = identity_parameters(1, 1, n_frames)
    params["scale"] = torch.as_tensor(scale, dtype=torch.float32).view(
        1, 1, -1
    )
    params["gain"] = torch.as_tensor(gain, dtype=torch.float32).view(
        1, 1, -1
    )
    frames = torch.as_tensor(frame, dtype=torch.float32)[None, None]
    out = apply_transformations(
        frames, params, _centres(), ("pitch", "gain")
    )
    return out[0, 0].numpy()


def diagram_note(prototypes: dict[str, np.ndarray]) -> np.ndarray:
    """The note of panel (a): :data:`NOTE_INSTRUMENT`'s frame gliding up
    about two semitones while it swells and fades, ``(frames, bands)``."""
    t = np.linspace(0.0, 1.0, NOTE_FRAMES)
    scale = 2 ** (2 * t / 12)
    gain = -0.3 + 0.3 * np.sin(np.pi * t) - 0.1 * t
    return transform(prototypes[NOTE_INSTRUMENT], scale, gain)


def best_fit(frame: np.ndarray, note: np.ndarray) -> tuple:
    """The reconstruction of ``note`` from ``frame`` with the best pitch
    scale of :data:`SCALE_GRID` and the best gain (within the model's
    bounds) in every frame.

    Returns
    -------
    tuple
        ``(reconstruction, error)``: ``(frames, bands)`` and its mean
        squared error over frames and bands.
    """
    shifted = transform(
        frame, SCALE_GRID, np.zeros_like(SCALE_GRID)
    )  # (scales, bands)
    # per note frame and scale, the least-squares gain, then its bound
    gain = np.clip(
        note.mean(1)[:, None] - shifted.mean(1)[None, :],
        -GAIN_BOUND,
        GAIN_BOUND,
    )
    candidates = shifted[None, :, :] + gain[:, :, None]
    errors = ((candidates - note[:, None, :]) ** 2).mean(-1)
    best = errors.argmin(1)
    reconstruction = candidates[np.arange(len(note)), best]
    return reconstruction, float(((reconstruction - note) ** 2).mean())


def prototype_classifier_diagram() -> plt.Figure:
    """A note, the prototypes, and each prototype's best fit to the note.

    Returns
    -------
    matplotlib.figure.Figure
        7 x 3.2 inches; axes labelled ``"note"``, ``"prototypes"`` and
        ``"fit <name>"`` for each toy instrument (the lowest error's
        frame drawn green), not yet shown.
    """
    prototypes = toy_prototypes()
    note = diagram_note(prototypes)
    fits = {name: best_fit(p, note) for name, p in prototypes.items()}
    winner = min(fits, key=lambda name: fits[name][1])

    fig = plt.figure(figsize=(7.0, 3.2))
    grid = fig.add_gridspec(
        len(prototypes),
        3,
        width_ratios=[1.0, 1.1, 1.0],
        wspace=0.45,
        hspace=0.55,
    )
    image = {
        "origin": "lower",
        "aspect": "auto",
        "vmin": 0,
        "vmax": 1,
        "cmap": "magma",
    }
    note_ax = fig.add_subplot(grid[:, 0], label="note")
    note_ax.imshow(note.T, **image)
    note_ax.set_title("(a) a note $x$", fontsize=10)
    note_ax.set_xlabel("frame", fontsize=9)
    note_ax.set_ylabel("mel band", fontsize=9)

    # the prototypes as narrow strips: one frame each, repeated in time
    proto_ax = fig.add_subplot(grid[:, 1], label="prototypes")
    width, gap = 4, 2
    strips = np.full(
        (DIAGRAM_N_MELS, len(prototypes) * (width + gap)), np.nan
    )
    for k, frame in enumerate(prototypes.values()):
        start = k * (width + gap)
        strips[:, start : start + width] = frame[:, None]
    proto_ax.imshow(strips, **image)
    proto_ax.set_xticks(
        [
            k * (width + gap) + (width - 1) / 2
            for k in range(len(prototypes))
        ],
        list(prototypes),
        fontsize=8,
    )
    for colour, label in zip(
        ("C0", "C1", "C2"), proto_ax.get_xticklabels()
    ):
        label.set_color(colour)
    proto_ax.set_title("(b) one frame $p_k$ per class", fontsize=10)
    proto_ax.set_ylabel("mel band", fontsize=9)
    for side in proto_ax.spines.values():
        side.set_visible(False)

    for row, (colour, (name, (reconstruction, error))) in enumerate(
        zip(("C0", "C1", "C2"), fits.items())
    ):
        ax = fig.add_subplot(grid[row, 2], label=f"fit {name}")
        ax.imshow(reconstruction.T, **image)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(name, fontsize=8, color=colour)
        ax.set_title(f"error {100 * error:.2f}", fontsize=8, pad=2)
        if name == winner:
            for side in ax.spines.values():
                side.set(color="green", linewidth=3)
        if row == 0:
            ax.annotate(
                "(c) each $p_k$ bent to fit $x$",
                (0.5, 1.45),
                xycoords="axes fraction",
                ha="center",
                fontsize=10,
            )
    fig.subplots_adjust(left=0.09, right=0.97, top=0.86, bottom=0.14)
    return fig
