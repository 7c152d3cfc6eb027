"""Log-mel front end of the playable-prototype model, and its inversion back to audio.

Used by the chapters *Playable prototypes* (``book/prototypes.md``) and
*Playable prototypes: voices* (``book/prototypes_voices.md``).

Forward: power mel spectrogram (Hann window, hop 512, HTK mel bands from 0 Hz to
the Nyquist frequency), then ``x = (log10(power + 1e-10) + 10) / 17``, so digital
silence maps to 0 and a full-scale partial to about 1.  Inverse (what makes a
prototype *playable*): undo the normalisation, map mel to a linear-frequency
magnitude spectrogram with a non-negative least-squares solve
(:func:`librosa.feature.inverse.mel_to_stft`), and recover a phase with
Griffin-Lim.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import librosa
import numpy as np

#: Floor added to the power before the logarithm (silence maps to x = 0).
POWER_FLOOR = 1e-10
#: Normalisation x = (log10(power + floor) + OFFSET) / SCALE.
LOG_OFFSET = 10.0
LOG_SCALE = 17.0
HOP_LENGTH = 512


@dataclass(frozen=True)
class MelSettings:
    """Parameters of the log-mel front end (all chapters derive them with :func:`mel_settings`)."""

    sample_rate: int
    n_fft: int
    hop_length: int
    n_mels: int

    @property
    def fmax(self) -> float:
        return self.sample_rate / 2


def mel_settings(sample_rate: int, n_mels: int = 128) -> MelSettings:
    """The paper's STFT for a sample rate: n_fft 2048 at 44.1 kHz, 1024 at 16 (and 22.05) kHz, hop 512."""
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    if n_mels < 16 or n_mels % 16:
        raise ValueError(f"n_mels must be a multiple of 16 (the encoder pools 4 times), got {n_mels}")
    n_fft = 2048 if sample_rate >= 32000 else 1024
    return MelSettings(int(sample_rate), n_fft, HOP_LENGTH, int(n_mels))


def check_clip(y, sample_rate: int, settings: MelSettings, name: str = "clip") -> np.ndarray:
    """Validate one mono clip and bring it to ``settings.sample_rate``.

    Raises ``ValueError`` with the clip's ``name`` for a non-1-D, non-finite,
    silent or too-short (fewer than ``n_fft`` samples) clip; resamples a clip
    given at another rate instead of silently mis-reading it.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a mono 1-D signal, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name}: contains NaN or infinite samples")
    if sample_rate != settings.sample_rate:

        y = librosa.resample(y, orig_sr=sample_rate, target_sr=settings.sample_rate).astype(np.float32)
    if y.size < settings.n_fft:
        raise ValueError(
            f"{name}: {y.size} samples at {settings.sample_rate} Hz is shorter than "
            f"one analysis window ({settings.n_fft} samples)"
        )
    if float(np.max(np.abs(y))) < 1e-7:
        raise ValueError(f"{name}: the clip is silent (peak below 1e-7)")
    return y


def mel_filterbank(settings: MelSettings) -> np.ndarray:
    """The (n_mels, 1 + n_fft/2) HTK mel filterbank from 0 Hz to Nyquist (librosa's Slaney area norm)."""

    with warnings.catch_warnings():  # low HTK bands can be narrower than one FFT bin
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
    """Centre of each mel band, in mel units (uniformly spaced; used by the pitch transformation)."""
    top = 2595.0 * np.log10(1.0 + settings.fmax / 700.0)
    return np.linspace(0.0, top, settings.n_mels + 2)[1:-1]


def normalise_power(power: np.ndarray) -> np.ndarray:
    """x = (log10(power + 1e-10) + 10) / 17."""
    return ((np.log10(np.maximum(power, 0.0) + POWER_FLOOR) + LOG_OFFSET) / LOG_SCALE).astype(np.float32)


def denormalise(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`normalise_power`: mel power (clipped at 0)."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(10.0 ** (x * LOG_SCALE - LOG_OFFSET) - POWER_FLOOR, 0.0)


def log_mel(y, sample_rate: int, settings: MelSettings, name: str = "clip") -> np.ndarray:
    """Normalised log-mel ``x`` (n_mels, frames) of one clip, checked by :func:`check_clip`."""
    y = check_clip(y, sample_rate, settings, name)
    spectrum = np.abs(_stft(y, settings)) ** 2
    return normalise_power(mel_filterbank(settings) @ spectrum)


def _stft(y: np.ndarray, settings: MelSettings) -> np.ndarray:

    return librosa.stft(y, n_fft=settings.n_fft, hop_length=settings.hop_length, window="hann", center=True)


def to_audio(x, settings: MelSettings, n_iter: int = 32, seed: int = 0, peak: float = 0.9) -> np.ndarray:
    """Play a normalised log-mel spectrogram (n_mels, frames) or a single frame (n_mels,).

    Undo the normalisation, solve mel -> linear magnitude by NNLS
    (``librosa.feature.inverse.mel_to_stft``), estimate a phase with Griffin-Lim
    ({cite}`griffin1984signal`), and scale to ``peak`` (a silent input gives zeros).
    A single frame is repeated over 2 s, which is how a prototype sounds.
    """

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        frames = int(2.0 * settings.sample_rate / settings.hop_length)
        x = np.repeat(x[:, None], frames, axis=1)
    if x.shape[0] != settings.n_mels:
        raise ValueError(f"expected {settings.n_mels} mel bins, got {x.shape[0]}")
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
    return (y * (peak / top)).astype(np.float32) if top > 0 else y.astype(np.float32)
