"""LibriSpeech folder loader for speaker identification.

Used by the chapter *Playable prototypes: voices* (``book/prototypes_voices.md``)
when its ``data_dir`` parameter points at a LibriSpeech subset (for example
``train-clean-360``, as in Loiseau et al. 2022).

Layout: ``<root>/<speaker>/<chapter>/<speaker>-<chapter>-<utterance>.flac`` with
one ``<speaker>-<chapter>.trans.txt`` transcript per chapter folder.  The loader
keeps the ``n_speakers`` speakers with the largest total duration (ties broken by
speaker id), splits their files at random 70 / 10 / 20 with a seed, and reports
every unreadable file instead of dropping it silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from xaiaudio.data.splits import split_files

#: Speakers kept per preset (the paper: the 128 speakers with most audio in train-clean-360).
LIBRISPEECH_SPEAKERS = {"smoke": 4, "book": 12, "paper": 128}
#: LibriSpeech's sample rate.
LIBRISPEECH_RATE = 16000
_NAME = re.compile(r"^(\d+)-(\d+)-(\d+)\.flac$")


class LibriSpeechError(ValueError):
    """A LibriSpeech folder that cannot be used (missing, empty, or with unreadable files)."""


@dataclass
class LibriSpeechCorpus:
    """Selected utterances: paths, speaker labels (0..K-1 by decreasing duration), splits, transcripts."""

    root: Path
    paths: list
    labels: np.ndarray
    split: np.ndarray
    speakers: list
    durations: np.ndarray
    transcripts: dict = field(default_factory=dict)
    sample_rate: int = LIBRISPEECH_RATE
    max_seconds: float | None = None

    def load_audio(self, i: int) -> np.ndarray:
        """Mono float32 utterance ``i`` at 16 kHz (resampled if needed), truncated to ``max_seconds``."""

        y, rate = sf.read(str(self.paths[i]), dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        if rate != self.sample_rate:

            y = librosa.resample(y, orig_sr=rate, target_sr=self.sample_rate).astype(np.float32)
        if self.max_seconds is not None:
            y = y[: int(self.max_seconds * self.sample_rate)]
        return y


def scan_librispeech(root) -> tuple:
    """Every ``*.flac`` under ``root`` with its speaker id and duration, plus the unreadable files.

    Returns ``(rows, unreadable)``: rows are ``(path, speaker, duration_s)``;
    unreadable is a list of ``(path, reason)``.  Raises
    :class:`LibriSpeechError` for a missing folder or one without ``.flac`` files.
    """

    root = Path(root)
    if not root.is_dir():
        raise LibriSpeechError(f"LibriSpeech folder not found: {root}")
    files = sorted(root.rglob("*.flac"))
    if not files:
        raise LibriSpeechError(
            f"no .flac file under {root}; expected <speaker>/<chapter>/<spk>-<ch>-<utt>.flac"
        )
    rows, unreadable = [], []
    for path in files:
        match = _NAME.match(path.name)
        if not match:
            unreadable.append((path, "file name is not <speaker>-<chapter>-<utterance>.flac"))
            continue
        try:
            info = sf.info(str(path))
            duration = info.frames / info.samplerate
        except Exception as error:  # soundfile raises several types for broken files
            unreadable.append((path, f"unreadable: {error}"))
            continue
        if info.frames == 0:
            unreadable.append((path, "empty file"))
            continue
        rows.append((path, match.group(1), duration))
    return rows, unreadable


def read_transcripts(root) -> dict:
    """Utterance id -> transcript, from every ``*.trans.txt`` under ``root``."""
    out = {}
    for path in Path(root).rglob("*.trans.txt"):
        for line in path.read_text().splitlines():
            if line.strip():
                utterance, _, text = line.partition(" ")
                out[utterance] = text
    return out


def load_librispeech(
    root, n_speakers: int, seed: int = 0, max_seconds: float | None = 8.0, strict: bool = True
) -> LibriSpeechCorpus:
    """The ``n_speakers`` speakers with the most audio, their files split 70/10/20 at random with ``seed``.

    ``strict``: raise :class:`LibriSpeechError` listing the unreadable files (the
    default); otherwise they are skipped but listed in the error-free report
    ``corpus.transcripts['__unreadable__']``.
    """

    rows, unreadable = scan_librispeech(root)
    if unreadable and strict:
        listing = "\n".join(f"  {path}: {reason}" for path, reason in unreadable[:20])
        raise LibriSpeechError(
            f"{len(unreadable)} unreadable file(s) under {root}:\n{listing}\n"
            "fix or remove them, or pass strict=False to skip them"
        )
    totals = {}
    for _, speaker, duration in rows:
        totals[speaker] = totals.get(speaker, 0.0) + duration
    if len(totals) < n_speakers:
        raise LibriSpeechError(f"{root} has {len(totals)} speaker(s), fewer than the {n_speakers} requested")
    chosen = sorted(totals, key=lambda s: (-totals[s], int(s)))[:n_speakers]
    index = {speaker: k for k, speaker in enumerate(chosen)}
    kept = [(path, index[speaker], duration) for path, speaker, duration in rows if speaker in index]
    split = split_files(len(kept), np.random.default_rng(seed))
    transcripts = read_transcripts(root)
    if unreadable:
        transcripts["__unreadable__"] = "\n".join(f"{path}: {reason}" for path, reason in unreadable)
    return LibriSpeechCorpus(
        Path(root),
        [p for p, _, _ in kept],
        np.array([k for _, k, _ in kept]),
        split,
        chosen,
        np.array([d for _, _, d in kept]),
        transcripts,
        LIBRISPEECH_RATE,
        max_seconds,
    )
