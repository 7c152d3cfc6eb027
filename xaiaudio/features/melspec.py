"""Log-mel front end of the playable-prototype model, and its inversion
back to audio.

Forward: power mel spectrogram (Hann window, hop 512, HTK mel bands from 0
Hz to the Nyquist frequency), then ``x = (log10(power + 1e-10) + 10) /
17``, so digital silence maps to 0 and a full-scale sinusoid to about 0.8.
Inverse (what makes a prototype *playable*): undo the normalisation, map
mel to a linear-frequency magnitude spectrogram with a non-negative
least-squares solve (:func:`librosa.feature.inverse.mel_to_stft`), and
recover a phase with Griffin-Lim.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import librosa
import numpy as np

from xaiaudio.core import work_ledger

#: Floor added to the power before the logarithm (silence maps to x = 0).
POWER_FLOOR = 1e-10
#: Normalisation x = (log10(power + floor) + OFFSET) / SCALE.
LOG_OFFSET = 10.0
#: Divisor of the normalisation (see :data:`LOG_OFFSET`).
LOG_SCALE = 17.0
#: STFT hop, samples, at every sample rate.
HOP_LENGTH = 512


@dataclass(frozen=True)
class MelSettings:
    """Parameters of the log-mel front end (all chapters derive them with
    :func:`mel_settings`).

    Attributes
    ----------
    sample_rate : int
        Hz.
    n_fft : int
        STFT window and FFT length, samples.
    hop_length : int
        STFT hop, samples.
    n_mels : int
        Number of mel bands.
    """

    sample_rate: int
    n_fft: int
    hop_length: int
    n_mels: int

    @property
    def fmax(self) -> float:
        """Top of the highest mel band: the Nyquist frequency, Hz."""
        return self.sample_rate / 2


def mel_settings(sample_rate: int, n_mels: int = 128) -> MelSettings:
    """The paper's STFT for a sample rate: n_fft 2048 at 44.1 kHz, 1024 at
    16 (and 22.05) kHz, hop 512.

    Any rate of at least 32 kHz gets 2048, any lower rate 1024. Used by
    :func:`xaiaudio.features.spectrograms.spectrogram_set` and by the
    prototype model.

    Parameters
    ----------
    sample_rate : int
        Hz.
    n_mels : int
        Number of mel bands: a positive multiple of 16 (the encoder pools
        by 2 four times).

    Returns
    -------
    MelSettings

    Raises
    ------
    ValueError
        For a non-positive sample rate or an ``n_mels`` that is not a
        positive multiple of 16.
    """
    if sample_rate <= 0:
        raise ValueError(
            f"sample rate must be positive, got {sample_rate}"
        )
    if n_mels < 16 or n_mels % 16:
        raise ValueError(
            "n_mels must be a multiple of 16 (the encoder pools 4 "
            f"times), got {n_mels}"
        )
    n_fft = 2048 if sample_rate >= 32000 else 1024
    return MelSettings(int(sample_rate), n_fft, HOP_LENGTH, int(n_mels))


def check_clip(
    y, sample_rate: int, settings: MelSettings, name: str = "clip"
) -> np.ndarray:
    """Validate one mono clip and bring it to ``settings.sample_rate``.

    Raises ``ValueError`` with the clip's ``name`` for a non-1-D,
    non-finite, silent or too-short (fewer than ``n_fft`` samples) clip;
    resamples a clip given at another rate instead of silently mis-reading
    it. Called by :func:`log_mel` for every clip.

    Parameters
    ----------
    y : array_like
        Mono audio, shape ``(samples,)``.
    sample_rate : int
        Rate of ``y``, Hz.
    settings : MelSettings
        Target rate and window length.
    name : str
        How error messages name the clip.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(samples',)`` at ``settings.sample_rate`` (``y``
        itself, as float32, when no resampling is needed).

    Raises
    ------
    ValueError
        For a clip that is not 1-D, holds NaN or infinite samples, is
        shorter than ``settings.n_fft`` samples after resampling, or is
        silent (peak below 1e-7).
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(
            f"{name}: expected a mono 1-D signal, got shape {y.shape}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name}: contains NaN or infinite samples")
    if sample_rate != settings.sample_rate:
        y = librosa.resample(
            y, orig_sr=sample_rate, target_sr=settings.sample_rate
        ).astype(np.float32)
    if y.size < settings.n_fft:
        raise ValueError(
            f"{name}: {y.size} samples at {settings.sample_rate} Hz is "
            "shorter than "
            f"one analysis window ({settings.n_fft} samples)"
        )
    if float(np.max(np.abs(y))) < 1e-7:
        raise ValueError(f"{name}: the clip is silent (peak below 1e-7)")
    return y


def mel_filterbank(settings: MelSettings) -> np.ndarray:
    """The (n_mels, 1 + n_fft/2) HTK mel filterbank from 0 Hz to Nyquist
    (librosa's Slaney area norm).

    Used by :func:`log_mel`; :func:`to_audio` inverts the same filterbank.

    Parameters
    ----------
    settings : MelSettings
        Sample rate, FFT length and number of bands.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n_mels, 1 + n_fft // 2)``: triangular filters,
        each of unit area in Hz (``norm="slaney"``).
    """

    # low HTK bands can be narrower than one FFT bin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return librosa.filters.mel(
            sr=settings.sample_rate,
            n_fft=settings.n_fft,
            n_mels=settings.n_mels,
            fmin=0.0,
            fmax=settings.fmax,
            htk=True,
        )


def mel_centres(settings: MelSettings) -> np.ndarray:
    """Centre of each mel band, in mel units (uniformly spaced; used by the
    pitch transformation).

    HTK mels, ``2595 log10(1 + f / 700)``, of the filterbank of
    :func:`mel_filterbank`. Used by the prototype model's pitch shift
    (:mod:`xaiaudio.models.prototype_model`).

    Parameters
    ----------
    settings : MelSettings
        Sample rate and number of bands.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_mels,)``, increasing, mels.
    """
    top = 2595.0 * np.log10(1.0 + settings.fmax / 700.0)
    return np.linspace(0.0, top, settings.n_mels + 2)[1:-1]


def normalise_power(power: np.ndarray) -> np.ndarray:
    """x = (log10(power + 1e-10) + 10) / 17.

    Digital silence maps to 0; each factor of 10 in power adds 1/17 (10 dB
    per 0.059). Negative inputs (rounding errors) count as 0. Used by
    :func:`log_mel`.

    Parameters
    ----------
    power : numpy.ndarray
        Mel power spectrogram, any shape.

    Returns
    -------
    numpy.ndarray
        float32, same shape.
    """
    return (
        (np.log10(np.maximum(power, 0.0) + POWER_FLOOR) + LOG_OFFSET)
        / LOG_SCALE
    ).astype(np.float32)


def denormalise(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`normalise_power`: mel power (clipped at 0).

    Used by :func:`to_audio`.

    Parameters
    ----------
    x : array_like
        Normalised log-mel values, any shape.

    Returns
    -------
    numpy.ndarray
        float64, same shape: ``max(10 ** (17 x - 10) - 1e-10, 0)``.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(
        10.0 ** (x * LOG_SCALE - LOG_OFFSET) - POWER_FLOOR, 0.0
    )


def log_mel(
    y, sample_rate: int, settings: MelSettings, name: str = "clip"
) -> np.ndarray:
    """Normalised log-mel ``x`` (n_mels, frames) of one clip, checked by
    :func:`check_clip`.

    Power spectrogram of a centred Hann-window STFT (``n_fft``, hop 512),
    mel filterbank (:func:`mel_filterbank`), then :func:`normalise_power`.
    Used by :func:`xaiaudio.features.spectrograms.spectrogram_set` for
    every clip.

    Parameters
    ----------
    y : array_like
        Mono audio, shape ``(samples,)``.
    sample_rate : int
        Rate of ``y``, Hz (resampled to ``settings.sample_rate`` when it
        differs).
    settings : MelSettings
        The front end.
    name : str
        How error messages name the clip.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n_mels, 1 + samples // hop_length)`` (samples
        after resampling); values from 0 (silence) to about 0.8 (a
        full-scale sinusoid).

    Raises
    ------
    ValueError
        For the clips :func:`check_clip` refuses.
    """
    y = check_clip(y, sample_rate, settings, name)
    spectrum = np.abs(_stft(y, settings)) ** 2
    work_ledger.count("log-mel note", 1)
    return normalise_power(mel_filterbank(settings) @ spectrum)


def _stft(y: np.ndarray, settings: MelSettings) -> np.ndarray:

    return librosa.stft(
        y,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        window="hann",
        center=True,
    )


def to_audio(
    x,
    settings: MelSettings,
    n_iter: int = 32,
    seed: int = 0,
    peak: float = 0.9,
) -> np.ndarray:
    """Play a normalised log-mel spectrogram (n_mels, frames) or a single
    frame (n_mels,).

    Undo the normalisation, solve mel -> linear magnitude by NNLS
    (``librosa.feature.inverse.mel_to_stft``), estimate a phase with
    Griffin-Lim (:cite:p:`griffin1984signal`), and scale to ``peak`` (a
    silent input gives zeros). A single frame is repeated over 2 s, which
    is how a prototype sounds. Used to listen to prototypes, class means
    and reconstructions.

    Parameters
    ----------
    x : array_like
        Normalised log-mel, ``(n_mels, frames)`` or ``(n_mels,)``.
    settings : MelSettings
        The front end that made ``x``.
    n_iter : int
        Griffin-Lim iterations.
    seed : int
        Seed of Griffin-Lim's random initial phase.
    peak : float
        Peak amplitude of the result.

    Returns
    -------
    numpy.ndarray
        float32 audio at ``settings.sample_rate``: ``hop_length * (frames -
        1)`` samples (just under 2 s for a single frame).

    Raises
    ------
    ValueError
        When ``x`` does not have ``settings.n_mels`` rows.
    """

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        frames = int(2.0 * settings.sample_rate / settings.hop_length)
        x = np.repeat(x[:, None], frames, axis=1)
    if x.shape[0] != settings.n_mels:
        raise ValueError(
            f"expected {settings.n_mels} mel bins, got {x.shape[0]}"
        )
    power = denormalise(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        magnitude = librosa.feature.inverse.mel_to_stft(
            power,
            sr=settings.sample_rate,
            n_fft=settings.n_fft,
            power=2.0,
            htk=True,
            fmin=0.0,
            fmax=settings.fmax,
        )
    y = librosa.griffinlim(
        magnitude,
        n_iter=n_iter,
        hop_length=settings.hop_length,
        win_length=settings.n_fft,
        n_fft=settings.n_fft,
        window="hann",
        random_state=seed,
    )
    top = float(np.max(np.abs(y))) if y.size else 0.0
    return (
        (y * (peak / top)).astype(np.float32)
        if top > 0
        else y.astype(np.float32)
    )
