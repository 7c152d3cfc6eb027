"""Reading audio: any sample rate, bit depth or channel count in; mono, fixed length, standardised out.

Used by every chapter through :func:`load_clip` (via :mod:`xaiaudio.data.tables`) and by
the SOL and LibriSpeech loaders through :func:`check_audio_file`.

Bad files never crash deep inside torch and never produce NaN: they raise
:class:`AudioError`, whose message names the file and the reason.  Loading a
whole list with :func:`load_clips` lets the caller choose between raising on the
first bad file and skipping bad files with a report.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

#: Clips shorter than this carry no modulation period worth classifying.
MIN_SECONDS = 0.25


class AudioError(ValueError):
    """A file that cannot be used as audio; the message names the file and why."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def wav_truncation(path: Path) -> tuple[int, int] | None:
    """Return (declared, present) data bytes when a RIFF/WAVE file is truncated, else None.

    libsndfile silently reads what is present in a truncated WAV; a truncated
    recording is a damaged file, so the loaders report it instead.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
            return None
        position = 12
        while position + 8 <= size:
            handle.seek(position)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"data":
                present = size - position - 8
                if chunk_size != 0xFFFFFFFF and present < chunk_size:
                    return chunk_size, present
                return None
            position += 8 + chunk_size + (chunk_size & 1)
    return None


def read_audio(path, sample_rate: int) -> np.ndarray:
    """Read ``path`` as mono float32 at ``sample_rate`` (channels averaged, resampled with soxr).

    Raises :class:`AudioError` for unreadable, truncated, empty or non-finite files.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "file not found")
    try:
        if path.suffix.lower() == ".wav" and (truncated := wav_truncation(path)):
            raise AudioError(path, f"truncated WAV: header declares {truncated[0]} data bytes, "
                                   f"file holds {truncated[1]}")
        samples, native_rate = sf.read(path, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as error:  # libsndfile raises several types for unreadable files
        raise AudioError(path, f"not readable as audio ({error})") from None
    if samples.shape[0] == 0:
        raise AudioError(path, "holds no samples")
    if not np.isfinite(samples).all():
        raise AudioError(path, "holds NaN or infinite samples")
    mono = samples.mean(axis=1)
    if native_rate != sample_rate:
        mono = librosa.resample(mono, orig_sr=native_rate, target_sr=sample_rate, res_type="soxr_hq")
    return mono.astype(np.float32)


def standardise(samples: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """Divide by the standard deviation plus ``eps``: unit variance, and zeros stay zeros."""
    return (samples / (samples.std(axis=-1, keepdims=True) + eps)).astype(np.float32)


def check_audio_file(path, sample_rate: int, min_seconds: float = MIN_SECONDS) -> float:
    """Read ``path`` and return its duration in seconds, or raise :class:`AudioError`.

    Besides :func:`read_audio`'s checks, refuses silent files (a silent clip has
    no technique to recognise) and clips shorter than ``min_seconds``.
    """
    samples = read_audio(path, sample_rate)
    duration = samples.size / sample_rate
    if duration < min_seconds:
        raise AudioError(path, f"too short: {duration:.3f} s < {min_seconds} s")
    if not np.any(samples):
        raise AudioError(path, "silent: every sample is zero")
    return duration


def load_clip(path, preset) -> np.ndarray:
    """The model input of one file: mono at the preset's rate, fixed length, standardised."""
    # Truncated or zero-padded at the end, as the paper's code does.
    samples = read_audio(path, preset.sample_rate)
    return standardise(librosa.util.fix_length(samples, size=preset.clip_samples))


@dataclass
class LoadReport:
    """Files :func:`load_clips` skipped, with the reason for each."""

    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.skipped)


def load_clips(paths, preset, on_error: str = "raise") -> tuple[np.ndarray, list[int], LoadReport]:
    """Load several files with :func:`load_clip`.

    ``on_error="raise"`` raises the first :class:`AudioError`; ``"skip"`` leaves
    the file out and records it in the returned :class:`LoadReport`.  Returns the
    stacked clips, the indices (into ``paths``) that were loaded, and the report.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    clips, kept, report = [], [], LoadReport()
    for index, path in enumerate(paths):
        try:
            clips.append(load_clip(path, preset))
            kept.append(index)
        except AudioError as error:
            if on_error == "raise":
                raise
            report.skipped.append((str(path), error.reason))
    stacked = np.stack(clips) if clips else np.zeros((0, preset.clip_samples), np.float32)
    return stacked, kept, report
