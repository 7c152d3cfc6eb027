"""Figures of modulation rates: how one clip's rate is found, and the
corpus's rates beside their truth.

The numbers come from :func:`xaiaudio.features.modulation.rate_analysis`
and :func:`xaiaudio.experiments.rates.measured_rates`; these functions only
draw them.
"""

from __future__ import annotations

import librosa
import librosa.display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    MaxNLocator,
    NullFormatter,
)

from xaiaudio.features.modulation import RateAnalysis
from xaiaudio.synth.technique_physics import RATE_RANGES

#: Axis label of each kind of track
#: (:data:`xaiaudio.features.modulation.TRACK_OF_TECHNIQUE`).
TRACK_LABELS = {
    "pitch": "pitch about the median (cents)",
    "envelope": "level (dB)",
    "centroid": "spectral centroid (octaves re 1 Hz)",
}

#: Rate ticks (Hz) on logarithmic rate axes: one per octave over the five
#: techniques' rates.
RATE_TICKS = (4, 8, 16, 32)


def draw_spectrogram(
    ax,
    audio: np.ndarray,
    sample_rate: int,
    n_fft: int,
    y_axis: str,
    floor_db: float,
) -> None:
    """Draw ``audio``'s power spectrogram on ``ax``, in dB under its peak
    down to ``floor_db``, with a hop of ``n_fft / 8`` and a time axis in
    seconds; ``y_axis`` is librosa's (``"log"``, ``"linear"``)."""
    hop = n_fft // 8
    power_db = librosa.amplitude_to_db(
        np.abs(librosa.stft(audio, n_fft=n_fft, hop_length=hop)),
        ref=np.max,
    )
    librosa.display.specshow(
        power_db,
        sr=sample_rate,
        hop_length=hop,
        x_axis="s",
        y_axis=y_axis,
        ax=ax,
        vmin=floor_db,
    )
    # librosa's time locator crowds a short clip's axis with labels
    ax.xaxis.set_major_locator(MaxNLocator(4))


def plot_rate_analysis(
    audio: np.ndarray, sample_rate: int, analysis: RateAnalysis, clip
) -> plt.Figure:
    """Spectrogram, modulation track and rate spectrum of one clip, side by
    side.

    The rate spectrum marks the measured rate and, when the clip has one,
    its ground-truth rate (dashed).

    Parameters
    ----------
    audio : numpy.ndarray
        The clip.
    sample_rate : int
        Its sample rate (Hz).
    analysis : RateAnalysis
        The clip's :func:`xaiaudio.features.modulation.rate_analysis`.
    clip : mapping
        The clip's table row: ``instrument``, ``technique``, ``midi``,
        ``dynamics`` and ``rate_hz`` (NaN when unknown).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, laid out and not yet shown.
    """
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(9.5, 3.2),
        gridspec_kw={"width_ratios": [1.2, 1.2, 1]},
    )
    draw_spectrogram(axes[0], audio, sample_rate, 2048, "log", -80)
    axes[0].set(
        title=(
            f"{clip['instrument']} {clip['technique']}, "
            f"MIDI {clip['midi']} {clip['dynamics']}"
        ),
        xlabel="time (s)",
        ylabel="frequency (Hz)",
    )
    axes[1].plot(analysis.times, analysis.values, lw=1)
    axes[1].set(
        title=f"tracked {analysis.track}",
        xlabel="time (s)",
        ylabel=TRACK_LABELS[analysis.track],
    )
    axes[2].plot(analysis.frequencies, analysis.explained, lw=1)
    axes[2].axvline(
        analysis.rate_hz,
        color="C1",
        label=f"measured {analysis.rate_hz:.2f} Hz",
    )
    if np.isfinite(clip["rate_hz"]):
        axes[2].axvline(
            clip["rate_hz"],
            color="k",
            ls="--",
            label=f"ground truth {clip['rate_hz']:.2f} Hz",
        )
    axes[2].set(
        title="rate spectrum of the track",
        xlabel="modulation frequency (Hz)",
        ylabel="explained variance",
    )
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _log_rate_axis(axis) -> None:
    # Rates span 3 to 45 Hz: octave ticks read better than matplotlib's
    # decades.
    axis.set_major_locator(FixedLocator(RATE_TICKS))
    axis.set_major_formatter(
        FixedFormatter([str(tick) for tick in RATE_TICKS])
    )
    axis.set_minor_formatter(NullFormatter())


def plot_corpus_rates(
    table: pd.DataFrame, rates: pd.DataFrame, techniques
) -> plt.Figure:
    """Rates per technique beside the ranges they were drawn from, and
    measured against true rates.

    Left: every clip's ground-truth rate per technique (the measured rates
    of ``rates`` when the table has none, as for real SOL) with a bar over
    the range of :data:`xaiaudio.synth.technique_physics.RATE_RANGES`.
    Right, only with ground truth: measured against true rate, one colour
    per technique, with the diagonal.

    Parameters
    ----------
    table : pandas.DataFrame
        Every clip: ``technique`` and ``rate_hz``.
    rates : pandas.DataFrame
        The measured sample, as returned by
        :func:`xaiaudio.experiments.rates.measured_rates`.
    techniques : sequence of str
        The techniques, bottom to top on the left panel.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, laid out and not yet shown; its right panel is hidden
        without ground truth.
    """
    ground_truth = bool(table["rate_hz"].notna().any())
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    for position, technique in enumerate(techniques):
        if ground_truth:
            values = table.loc[
                table["technique"] == technique, "rate_hz"
            ].dropna()
        else:
            values = rates.loc[
                rates["technique"] == technique, "measured_hz"
            ]
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(values))
        axes[0].scatter(values, position + jitter, s=8, alpha=0.6)
        low, high = RATE_RANGES[technique]
        axes[0].plot(
            [low, high], [position + 0.3, position + 0.3], color="k", lw=2
        )
    axes[0].set_xscale("log")
    axes[0].set_xticks(RATE_TICKS, [str(tick) for tick in RATE_TICKS])
    axes[0].xaxis.set_minor_formatter(NullFormatter())
    axes[0].set_yticks(range(len(techniques)), techniques)
    axes[0].set(
        xlabel="modulation rate (Hz)",
        title="Rates per technique (bar: range drawn from)",
    )
    if ground_truth:
        for technique in techniques:
            chosen = rates.loc[rates["technique"] == technique]
            axes[1].scatter(
                chosen["rate_hz"],
                chosen["measured_hz"],
                s=14,
                label=technique,
            )
        axes[1].plot([3, 45], [3, 45], color="k", lw=1)
        axes[1].set_xscale("log")
        axes[1].set_yscale("log")
        _log_rate_axis(axes[1].xaxis)
        _log_rate_axis(axes[1].yaxis)
        axes[1].set(
            xlabel="ground-truth rate (Hz)",
            ylabel="measured rate (Hz)",
            title="Measured from the audio vs ground truth",
        )
        axes[1].legend(fontsize=8)
    else:
        axes[1].set_visible(False)
    fig.tight_layout()
    return fig


def plot_technique_spectrograms(
    rows: dict[str, dict[str, np.ndarray]],
    sample_rate: int,
    title: str,
    max_hz: float = 5000.0,
) -> plt.Figure:
    """Linear-frequency spectrograms of notes, one row per source (say,
    synthetic and recorded) and one column per technique, on one colour
    scale (dB under each note's peak, floor -55 dB).

    Parameters
    ----------
    rows : dict of str to (dict of str to numpy.ndarray)
        Row label -> technique -> mono audio; every row has the same
        techniques, in the same order.
    sample_rate : int
        Hz.
    title : str
        The figure's title.
    max_hz : float
        Top of the frequency axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = list(rows)
    techniques = list(rows[labels[0]])
    fig, axes = plt.subplots(
        len(labels),
        len(techniques),
        figsize=(7, 0.4 + 2.2 * len(labels)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for axis_row, label in zip(axes, labels, strict=True):
        for ax, technique in zip(axis_row, techniques, strict=True):
            draw_spectrogram(
                ax,
                rows[label][technique],
                sample_rate,
                1024,
                "linear",
                -55,
            )
            ax.set_ylim(0, max_hz)
            ax.set_xlabel("time (s)" if label == labels[-1] else "")
            ax.set_ylabel("")
            ax.tick_params(labelsize=8)
            ax.xaxis.label.set_size(9)
            if label == labels[0]:
                ax.set_title(technique, fontsize=10)
        axis_row[0].set_ylabel(
            f"{label}\nfrequency (Hz)"
            if len(labels) > 1
            else "frequency (Hz)",
            fontsize=9,
        )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
