"""Reading audio: any sample rate, bit depth or channel count in; mono,
fixed length, standardised out.

The SOL-layout corpus is read through :func:`load_clip` (via
:mod:`xaiaudio.data.tables` and :mod:`xaiaudio.features.extraction`), and
the SOL folder scan (:func:`xaiaudio.data.sol.scan_sol_folder`) checks each
file with :func:`check_audio_file`.

Bad files never crash deep inside torch and never produce NaN: they raise
:class:`AudioError`, whose message names the file and the reason. Loading a
whole list with :func:`load_clips` lets the caller choose between raising
on the first bad file and skipping bad files with a report.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

#: Clips shorter than this (seconds) carry no modulation period worth
#: classifying.
MIN_SECONDS = 0.25


class AudioError(ValueError):
    """A file that cannot be used as audio; the message names the file and
    why.

    A subclass of ``ValueError``. :func:`xaiaudio.data.sol.scan_sol_folder`
    catches it and lists the file among the skipped ones with its
    ``reason``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    reason : str
        Why it cannot be used (``"file not found"``, ``"holds no
        samples"``...).

    Attributes
    ----------
    path : pathlib.Path
        The file.
    reason : str
        Why it cannot be used; the message is ``"<path>: <reason>"``.
    """

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def wav_truncation(path: Path) -> tuple[int, int] | None:
    """Return (declared, present) data bytes when a RIFF/WAVE file is
    truncated, else None.

    libsndfile silently reads what is present in a truncated WAV; a
    truncated recording is a damaged file, so the loaders report it
    instead. Walks the RIFF chunks to the ``data`` chunk and compares its
    declared size with the bytes left in the file; an RF64 file (declared
    size ``0xFFFFFFFF``) is never reported. Called by :func:`read_audio`
    for every ``.wav`` file.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    tuple of (int, int) or None
        ``(declared, present)`` sizes of the ``data`` chunk in bytes when
        fewer bytes are present than declared; ``None`` for a complete WAV,
        for a file that is not RIFF/WAVE and for one without a ``data``
        chunk.

    Raises
    ------
    OSError
        When the file cannot be opened or read.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(12)
        if (
            len(header) < 12
            or header[:4] not in (b"RIFF", b"RF64")
            or header[8:12] != b"WAVE"
        ):
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
    """Read ``path`` as mono float32 at ``sample_rate`` (channels averaged,
    resampled with soxr).

    Any format libsndfile reads (WAV, FLAC, AIFF, OGG...), any bit depth
    and channel count. Used by :func:`load_clip` and
    :func:`check_audio_file`.

    Parameters
    ----------
    path : str or pathlib.Path
        The audio file.
    sample_rate : int
        Target sample rate, Hz; the file is resampled (``soxr_hq``) when
        its rate differs.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(samples,)``: the channels' mean, at
        ``sample_rate``, unscaled.

    Raises
    ------
    AudioError
        For a missing, unreadable, truncated (WAV), empty or non-finite
        (NaN, inf) file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "file not found")
    try:
        if path.suffix.lower() == ".wav" and (
            truncated := wav_truncation(path)
        ):
            raise AudioError(
                path,
                f"truncated WAV: header declares {truncated[0]} data "
                "bytes, "
                f"file holds {truncated[1]}",
            )
        samples, native_rate = sf.read(
            path, dtype="float32", always_2d=True
        )
    except AudioError:
        raise
    # libsndfile raises several types for unreadable files
    except Exception as error:
        raise AudioError(
            path, f"not readable as audio ({error})"
        ) from None
    if samples.shape[0] == 0:
        raise AudioError(path, "holds no samples")
    if not np.isfinite(samples).all():
        raise AudioError(path, "holds NaN or infinite samples")
    mono = samples.mean(axis=1)
    if native_rate != sample_rate:
        mono = librosa.resample(
            mono,
            orig_sr=native_rate,
            target_sr=sample_rate,
            res_type="soxr_hq",
        )
    return mono.astype(np.float32)


def standardise(samples: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """Divide by the standard deviation plus ``eps``: unit variance, and
    zeros stay zeros.

    The mean is not removed (audio clips have a mean close to zero
    already). The last axis is time, so a batch ``(clips, samples)`` is
    standardised clip by clip.

    Parameters
    ----------
    samples : numpy.ndarray
        Audio, shape ``(..., samples)``.
    eps : float
        Added to the standard deviation, so an all-zero clip stays zero
        instead of NaN.

    Returns
    -------
    numpy.ndarray
        float32, same shape as ``samples``.
    """
    return (samples / (samples.std(axis=-1, keepdims=True) + eps)).astype(
        np.float32
    )


def check_audio_file(
    path, sample_rate: int, min_seconds: float = MIN_SECONDS
) -> float:
    """Read ``path`` and return its duration in seconds, or raise
    :class:`AudioError`.

    Besides :func:`read_audio`'s checks, refuses silent files (a silent
    clip has no technique to recognise) and clips shorter than
    ``min_seconds``. Called by :func:`xaiaudio.data.sol.scan_sol_folder`
    for every file of a SOL-layout folder.

    Parameters
    ----------
    path : str or pathlib.Path
        The audio file.
    sample_rate : int
        Rate at which the file is read, Hz (the preset's).
    min_seconds : float
        Shortest accepted duration, seconds (default :data:`MIN_SECONDS`).

    Returns
    -------
    float
        Duration in seconds at ``sample_rate``.

    Raises
    ------
    AudioError
        For the reasons of :func:`read_audio`, and for a clip shorter than
        ``min_seconds`` or one whose samples are all zero.
    """
    samples = read_audio(path, sample_rate)
    duration = samples.size / sample_rate
    if duration < min_seconds:
        raise AudioError(
            path, f"too short: {duration:.3f} s < {min_seconds} s"
        )
    if not np.any(samples):
        raise AudioError(path, "silent: every sample is zero")
    return duration


def load_clip(path, preset) -> np.ndarray:
    """The model input of one file: mono at the preset's rate, fixed
    length, standardised.

    The file is read with :func:`read_audio`, truncated or zero-padded at
    the end to ``preset.clip_samples``, then divided by its standard
    deviation (:func:`standardise`). Used by
    :meth:`xaiaudio.data.tables.SolDataset.load_audio` and
    :func:`xaiaudio.features.extraction.extract_features`.

    Parameters
    ----------
    path : str or pathlib.Path
        The audio file.
    preset : Preset
        Gives ``sample_rate`` (Hz) and ``clip_samples`` (samples).

    Returns
    -------
    numpy.ndarray
        float32, shape ``(preset.clip_samples,)``.

    Raises
    ------
    AudioError
        For the reasons of :func:`read_audio`.
    """
    # Truncated or zero-padded at the end, as the paper's code does.
    samples = read_audio(path, preset.sample_rate)
    return standardise(
        librosa.util.fix_length(samples, size=preset.clip_samples)
    )


@dataclass
class LoadReport:
    """Files :func:`load_clips` skipped, with the reason for each.

    True (``bool(report)``) when at least one file was skipped.

    Attributes
    ----------
    skipped : list of (str, str)
        ``(path, reason)`` of each skipped file, in the order of the input
        list.
    """

    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when at least one file was skipped."""
        return bool(self.skipped)


#: Samples quieter than this fraction of a file's peak (-80 dB) at its
#: start and end are digital silence (padding, not a recording's noise
#: floor, which lies far above it).
SILENCE_FRACTION = 1e-4


def trim_silence(samples: np.ndarray) -> np.ndarray:
    """``samples`` without the digital silence before the first and after
    the last sample louder than :data:`SILENCE_FRACTION` of the peak
    (an all-silent array comes back empty)."""
    loud = np.flatnonzero(
        np.abs(samples) > SILENCE_FRACTION * np.abs(samples).max(initial=0)
    )
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def load_note(path, preset) -> np.ndarray:
    """A whole note: mono at the preset's rate, its leading and trailing
    digital silence trimmed (:func:`trim_silence`), standardised; any
    length.

    Loiseau et al. evaluate whole, unpadded files: a note padded to a
    fixed clip length gives every prototype the same silent frames to
    reconstruct, and their error decides nothing about the class.

    Raises
    ------
    AudioError
        For the reasons of :func:`read_audio`, or when the file is silent.
    """
    samples = trim_silence(read_audio(path, preset.sample_rate))
    if len(samples) == 0:
        raise AudioError(path, "the file is silent")
    return standardise(samples)


def load_clips(
    paths, preset, on_error: str = "raise"
) -> tuple[np.ndarray, list[int], LoadReport]:
    """Load several files with :func:`load_clip`.

    ``on_error="raise"`` raises the first :class:`AudioError`; ``"skip"``
    leaves the file out and records it in the returned :class:`LoadReport`.
    Returns the stacked clips, the indices (into ``paths``) that were
    loaded, and the report. The chapters load clips one by one through
    their dataset; this is for a reader's own list of files (and the
    tests).

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The audio files.
    preset : Preset
        Gives the sample rate (Hz) and clip length (samples).
    on_error : {"raise", "skip"}
        What to do with a file :func:`load_clip` refuses.

    Returns
    -------
    clips : numpy.ndarray
        float32, shape ``(loaded, preset.clip_samples)`` (``(0,
        clip_samples)`` when none loaded).
    kept : list of int
        Index into ``paths`` of each row of ``clips``.
    report : LoadReport
        The skipped files and why (empty with ``on_error="raise"``).

    Raises
    ------
    ValueError
        When ``on_error`` is neither ``"raise"`` nor ``"skip"``.
    AudioError
        With ``on_error="raise"``, for the first file that cannot be
        loaded.
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
    stacked = (
        np.stack(clips)
        if clips
        else np.zeros((0, preset.clip_samples), np.float32)
    )
    return stacked, kept, report
