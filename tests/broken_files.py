"""Builders of deliberately awkward audio files, shared by the loader and robustness tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def tone(seconds: float, sample_rate: int, frequency: float = 440.0, rate_hz: float = 6.0) -> np.ndarray:
    """A vibrato-like test tone (sinusoidal FM) at 0.3 peak amplitude."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    phase = 2 * np.pi * frequency * t + 3.0 * np.sin(2 * np.pi * rate_hz * t)
    return (0.3 * np.sin(phase)).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sample_rate, subtype=subtype)
    return path


def write_awkward_files(folder: Path, sample_rate: int) -> dict[str, str | None]:
    """Write awkward files into ``folder``; return ``{file name: expected skip reason or None}``.

    ``None`` means the file is valid (it must be loaded, not skipped); otherwise the
    value is a word the skip reason must contain.
    """
    expected = {}
    good = tone(1.0, sample_rate)

    write_wav(folder / "Bn-vib-A4-mf.wav", good, sample_rate)
    expected["Bn-vib-A4-mf.wav"] = None
    stereo = np.stack([tone(1.0, 48000), tone(1.0, 48000, 442.0)], axis=1)
    write_wav(folder / "Bn-vib-B4-ff.wav", stereo, 48000, "PCM_24")
    expected["Bn-vib-B4-ff.wav"] = None
    write_wav(folder / "Bn-vib-C5-pp.wav", good, 8000, "PCM_U8")
    expected["Bn-vib-C5-pp.wav"] = None

    full = folder / "Bn-vib-D5-mf.wav"
    write_wav(full, good, sample_rate)
    full.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    expected[full.name] = "truncated"
    (folder / "Bn-vib-E5-mf.wav").write_text("this is not audio\n")
    expected["Bn-vib-E5-mf.wav"] = "not readable"
    (folder / "Bn-vib-F5-mf.wav").write_bytes(b"")
    expected["Bn-vib-F5-mf.wav"] = "not readable"
    write_wav(folder / "Bn-vib-G5-mf.wav", np.zeros(sample_rate, np.float32), sample_rate)
    expected["Bn-vib-G5-mf.wav"] = "silent"
    with_nan = good.copy()
    with_nan[100:200] = np.nan
    write_wav(folder / "Bn-vib-A5-mf.wav", with_nan, sample_rate, "FLOAT")
    expected["Bn-vib-A5-mf.wav"] = "NaN"
    write_wav(folder / "Bn-vib-B5-mf.wav", tone(0.1, sample_rate), sample_rate)
    expected["Bn-vib-B5-mf.wav"] = "too short"
    write_wav(folder / "Bn-nonvib-A4-mf.wav", good, sample_rate)
    expected["Bn-nonvib-A4-mf.wav"] = "non-vibrato"
    write_wav(folder / "Bn-ord-A4-mf.wav", good, sample_rate)
    expected["Bn-ord-A4-mf.wav"] = "ordinario"
    write_wav(folder / "Bn-glissando-A4-mf.wav", good, sample_rate)
    expected["Bn-glissando-A4-mf.wav"] = "unknown technique"
    (folder / "notes.txt").write_text("a distractor\n")
    expected["notes.txt"] = "not a .wav"
    return expected
