"""Measuring a clip's modulation rate from its audio alone.

Each periodic modulation technique moves one attribute of the sound, so
each has a track: pitch for vibrato and trill (:func:`pitch_track`), level
for tremolo and flatterzunge (:func:`amplitude_envelope`), brightness for
bisbigliando (:func:`centroid_track`). :func:`dominant_rate` finds the
strongest periodicity of a track (:func:`rate_spectrum` shows all of them),
and :func:`measure_modulation_rate` puts the two together;
:func:`rate_analysis` keeps every step (track, rate spectrum and rate) for
a figure.

The tests use it to check that the embedded corpus's ground truth
(``rate_hz``) is true of its audio.
"""

from __future__ import annotations

from typing import NamedTuple

import librosa
import numpy as np

#: Which track shows each technique's modulation.
TRACK_OF_TECHNIQUE = {
    "vibrato": "pitch",
    "trill": "pitch",
    "tremolo": "envelope",
    "flatterzunge": "envelope",
    "bisbigliando": "centroid",
}

#: Frequency band (Hz) searched for each technique's rate: wider than the
#: corpus's own ranges
#: (:data:`xaiaudio.synth.technique_physics.RATE_RANGES`), so a wrong rate
#: is not hidden.
RATE_BANDS = {
    "vibrato": (2.0, 16.0),
    "trill": (3.0, 20.0),
    "tremolo": (4.0, 30.0),
    "flatterzunge": (10.0, 60.0),
    "bisbigliando": (2.5, 20.0),
}

#: Bisbigliando's brightness alternates once per cycle, but a harp
#: re-plucks twice per cycle (once per string), which brightens every
#: attack: a half-rate component this strong (share of the strongest one's
#: variance) is the timbral cycle.
SUBHARMONIC_SHARE = {"bisbigliando": 0.25}

#: Track frame rate: one value every HOP_SECONDS (about 2.9 ms, 345
#: values/s).
HOP_SECONDS = 0.0029


def _hop(sample_rate: int) -> int:
    return max(1, int(round(HOP_SECONDS * sample_rate)))


def _frame_times(n_frames: int, hop: int, sample_rate: int) -> np.ndarray:
    return np.arange(n_frames) * hop / sample_rate


def sounding_frames(
    audio: np.ndarray,
    sample_rate: int,
    threshold_db: float = -30.0,
    margin_seconds: float = 0.06,
) -> tuple[int, int]:
    """First and last sample of the note: where the level is within
    ``threshold_db`` of its maximum, minus ``margin_seconds`` of attack and
    release at both ends."""
    hop = _hop(sample_rate)
    frames = len(audio) // hop
    power = (
        np.square(audio[: frames * hop].astype(np.float64))
        .reshape(frames, hop)
        .mean(axis=1)
    )
    level_db = 10.0 * np.log10(power + 1e-20)
    loud = np.flatnonzero(level_db > level_db.max() + threshold_db)
    margin = int(margin_seconds * sample_rate)
    start, stop = loud[0] * hop + margin, (loud[-1] + 1) * hop - margin
    # too short to trim: keep the whole loud part
    if stop - start < sample_rate // 4:
        start, stop = loud[0] * hop, (loud[-1] + 1) * hop
    return int(start), int(stop)


def reference_pitch(
    audio: np.ndarray,
    sample_rate: int,
    fmin: float = 30.0,
    fmax: float = 4200.0,
    floor_db: float = -25.0,
) -> float:
    """The lowest clear partial (Hz) of the note's average spectrum: its
    (lower) fundamental.

    A long-window YIN is unreliable here: over a fast trill every window
    holds both notes and locks onto a common subharmonic. The average
    spectrum instead shows both notes' partials; the lowest peak within
    ``floor_db`` of the strongest is the lower note.
    """

    start, stop = sounding_frames(audio, sample_rate)
    # ~2.7 Hz bins: resolves C#1's partials
    n_fft = int(2 ** np.ceil(np.log2(0.37 * sample_rate)))
    note = audio[start:stop].astype(np.float32)
    # a short note: zero-padded, one frame
    note = np.pad(note, (0, max(0, n_fft - len(note))))
    magnitude = np.abs(
        librosa.stft(
            note, n_fft=n_fft, hop_length=n_fft // 4, center=False
        )
    ).mean(axis=1)
    level_db = 20.0 * np.log10(magnitude + 1e-12)
    frequencies = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    inside = np.flatnonzero((frequencies >= fmin) & (frequencies <= fmax))
    inside = inside[(inside > 0) & (inside < len(level_db) - 1)]
    peaks = inside[
        (level_db[inside] > level_db[inside - 1])
        & (level_db[inside] >= level_db[inside + 1])
        & (level_db[inside] > level_db[inside].max() + floor_db)
    ]
    lowest = int(peaks[0])
    left, centre, right = level_db[lowest - 1 : lowest + 2]
    # parabolic interpolation of the peak
    offset = 0.5 * (left - right) / (left - 2.0 * centre + right)
    return float((lowest + offset) * sample_rate / n_fft)


def pitch_track(
    audio: np.ndarray,
    sample_rate: int,
    fmin: float = 30.0,
    fmax: float = 4200.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Fundamental frequency (Hz) over time with YIN (librosa), NaN where
    the note is silent.

    Returns ``(times, f0)``; frames are ``HOP_SECONDS`` apart. YIN searches
    from a sixth below to a ninth above :func:`reference_pitch` with a
    window of only two periods, so that a vibrato is not averaged away by a
    window as long as its own period.
    """

    audio = audio.astype(np.float32)
    start, stop = sounding_frames(audio, sample_rate)
    reference = reference_pitch(audio, sample_rate, fmin, fmax)
    low, high = reference / 1.6, min(reference * 2.25, 0.45 * sample_rate)
    window = max(64, int(round(2.0 * sample_rate / reference)))
    hop = _hop(sample_rate)
    f0 = librosa.yin(
        audio,
        fmin=low,
        fmax=high,
        sr=sample_rate,
        hop_length=hop,
        center=True,
        frame_length=window + int(np.ceil(sample_rate / low)) + 2,
    )
    times = _frame_times(len(f0), hop, sample_rate)
    f0[(times < start / sample_rate) | (times > stop / sample_rate)] = (
        np.nan
    )
    return times, f0


def amplitude_envelope(
    audio: np.ndarray,
    sample_rate: int,
    f0: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Level (dB) over time: the RMS over a sliding window of whole pitch
    periods.

    A window of exactly one period (or a whole number of periods, at least
    4 ms) of the note's median f0 cancels the ripple of the waveform
    itself, which for low notes (40-100 Hz) would otherwise sit among the
    modulation rates. ``f0=None`` estimates it.
    """
    if f0 is None:
        f0 = float(np.nanmedian(pitch_track(audio, sample_rate)[1]))
    period = sample_rate / f0
    length = max(
        1, int(round(period * np.ceil(0.004 * sample_rate / period)))
    )
    power = np.concatenate(
        [[0.0], np.cumsum(np.square(audio.astype(np.float64)))]
    )
    # centred at i + length / 2
    moving_mean = (power[length:] - power[:-length]) / length
    hop = _hop(sample_rate)
    centres = np.arange(0, len(moving_mean), hop)
    times = (centres + length / 2.0) / sample_rate
    return times, 10.0 * np.log10(moving_mean[centres] + 1e-12)


def centroid_track(
    audio: np.ndarray, sample_rate: int
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral centroid (Hz) over time from a 23 ms STFT: the brightness
    of the sound.

    Weighted by power rather than magnitude, so that the partials, not the
    breath or bow noise spread thinly over all frequencies, decide the
    brightness.
    """

    hop = _hop(sample_rate)
    n_fft = int(2 ** np.round(np.log2(0.023 * sample_rate)))
    power = (
        np.abs(
            librosa.stft(
                audio.astype(np.float32), n_fft=n_fft, hop_length=hop
            )
        )
        ** 2
    )
    frequencies = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    centroid = (frequencies @ power) / (power.sum(axis=0) + 1e-20)
    return _frame_times(power.shape[1], hop, sample_rate), centroid


def modulation_track(
    audio: np.ndarray,
    sample_rate: int,
    technique: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The track that shows ``technique``, restricted to the sounding part
    of the note.

    Pitch in cents about its median (vibrato, trill), level in dB (tremolo,
    flatterzunge), log2 of the centroid (bisbigliando: brightness in
    octaves).
    """
    kind = TRACK_OF_TECHNIQUE[technique]
    if kind == "pitch":
        times, f0 = pitch_track(audio, sample_rate)
        values = 1200.0 * np.log2(f0 / np.nanmedian(f0))
    elif kind == "envelope":
        times, values = amplitude_envelope(audio, sample_rate)
    else:
        times, centroid = centroid_track(audio, sample_rate)
        values = np.log2(np.maximum(centroid, 1.0))
    start, stop = sounding_frames(audio, sample_rate)
    keep = (
        (times >= start / sample_rate)
        & (times <= stop / sample_rate)
        & np.isfinite(values)
    )
    return times[keep], values[keep]


def rate_spectrum(
    times: np.ndarray,
    values: np.ndarray,
    band: tuple[float, float],
    resolution_hz: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Variance of ``values`` explained by a sinusoid at each frequency of
    ``band`` (least squares).

    The track is detrended (a straight line removed: decays and drifts are
    not modulation), then for every candidate frequency a sine, a cosine
    and a constant are fitted. Unlike an FFT this needs no window and no
    zero-padding, stays accurate over the 3-4 periods of a short, slow
    vibrato, and accepts tracks with gaps (unvoiced frames removed).
    Returns ``(frequencies, explained_variance)``.
    """
    values = values - np.polyval(np.polyfit(times, values, 1), times)
    frequencies = np.arange(
        band[0], band[1] + resolution_hz, resolution_hz
    )
    angle = 2.0 * np.pi * frequencies[:, None] * times[None, :]
    cos, sin = np.cos(angle), np.sin(angle)
    # Normal equations of [cos, sin, 1] for every frequency at once.
    gram = np.empty((len(frequencies), 3, 3))
    gram[:, 0, 0] = (cos * cos).sum(1)
    gram[:, 1, 1] = (sin * sin).sum(1)
    gram[:, 0, 1] = gram[:, 1, 0] = (cos * sin).sum(1)
    gram[:, 0, 2] = gram[:, 2, 0] = cos.sum(1)
    gram[:, 1, 2] = gram[:, 2, 1] = sin.sum(1)
    gram[:, 2, 2] = len(times)
    projection = np.stack(
        [
            cos @ values,
            sin @ values,
            np.full(len(frequencies), values.sum()),
        ],
        axis=1,
    )
    coefficients = np.linalg.solve(gram, projection[..., None])[..., 0]
    explained = np.einsum("fi,fi->f", coefficients, projection) / len(
        times
    )
    return frequencies, explained


def dominant_rate(
    times: np.ndarray,
    values: np.ndarray,
    band: tuple[float, float],
    resolution_hz: float = 0.05,
    subharmonic_share: float | None = None,
) -> float:
    """Frequency (Hz) in ``band`` of the sinusoid that best fits ``values``
    (see :func:`rate_spectrum`).

    ``subharmonic_share``: when the best frequency's half explains at least
    this share of its variance, the half wins (a harp bisbigliando
    re-plucks twice per timbre cycle).
    """
    frequencies, explained = rate_spectrum(
        times, values, band, resolution_hz
    )
    best = int(np.argmax(explained))
    if subharmonic_share is not None:
        # Local maximum of explained variance within +-10 % of half the
        # best frequency.
        half_best = frequencies[best] / 2.0
        near_half = np.flatnonzero(
            np.abs(frequencies - half_best) <= 0.1 * half_best
        )
        if len(near_half):
            half = near_half[np.argmax(explained[near_half])]
            if explained[half] >= subharmonic_share * explained[best]:
                best = half
    return float(frequencies[best])


def measure_modulation_rate(
    audio: np.ndarray, sample_rate: int, technique: str
) -> float:
    """The modulation rate (Hz) of a clip played with ``technique``,
    measured from its audio.

    Rates mean what :mod:`xaiaudio.synth.technique_physics` says: full
    periods per second (a trill's lower+upper cycle, one tremolo stroke,
    one fingering A+B cycle).
    """
    times, values = modulation_track(audio, sample_rate, technique)
    share = SUBHARMONIC_SHARE.get(technique)
    return dominant_rate(
        times, values, RATE_BANDS[technique], subharmonic_share=share
    )


class RateAnalysis(NamedTuple):
    """Every step of one clip's rate measurement (see
    :func:`rate_analysis`)."""

    #: Which attribute was tracked: ``"pitch"``, ``"envelope"`` or
    #: ``"centroid"``.
    track: str
    #: Frame times (s) of the track, sounding part only
    #: (:func:`modulation_track`).
    times: np.ndarray
    #: The track's values at ``times`` (cents, dB or octaves).
    values: np.ndarray
    #: Candidate modulation frequencies (Hz) over the technique's
    #: :data:`RATE_BANDS`.
    frequencies: np.ndarray
    #: Variance of the track each candidate explains
    #: (:func:`rate_spectrum`).
    explained: np.ndarray
    #: The measured rate (Hz): what :func:`measure_modulation_rate`
    #: returns.
    rate_hz: float


def rate_analysis(
    audio: np.ndarray, sample_rate: int, technique: str
) -> RateAnalysis:
    """Track, rate spectrum and measured rate of a clip played with
    ``technique``.

    The same measurement as :func:`measure_modulation_rate`, with the
    intermediate steps kept so that a figure can show how the rate was
    found.

    Parameters
    ----------
    audio : numpy.ndarray
        The clip, mono, one dimension.
    sample_rate : int
        Its sample rate (Hz).
    technique : str
        A key of :data:`TRACK_OF_TECHNIQUE`: it decides the track and the
        band searched.

    Returns
    -------
    RateAnalysis
        The track's name, times and values, the rate spectrum over
        :data:`RATE_BANDS` and the rate (Hz), which equals
        ``measure_modulation_rate(audio, sample_rate, technique)``.
    """
    times, values = modulation_track(audio, sample_rate, technique)
    band = RATE_BANDS[technique]
    frequencies, explained = rate_spectrum(times, values, band)
    # The rate comes from dominant_rate, not the spectrum's maximum: a harp
    # bisbigliando's half-rate preference must apply here exactly as in
    # measure_modulation_rate.
    rate = dominant_rate(
        times,
        values,
        band,
        subharmonic_share=SUBHARMONIC_SHARE.get(technique),
    )
    return RateAnalysis(
        TRACK_OF_TECHNIQUE[technique],
        times,
        values,
        frequencies,
        explained,
        rate,
    )
