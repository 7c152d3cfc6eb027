"""LibriSpeech folder loader for speaker identification.

Reads a LibriSpeech subset (for example ``train-clean-360``, as in Loiseau
et al. 2022).

Layout: ``<root>/<speaker>/<chapter>/<speaker>-<chapter>-<utterance>.flac``
with one ``<speaker>-<chapter>.trans.txt`` transcript per chapter folder.
The loader keeps the ``n_speakers`` speakers with the largest total
duration (ties broken by speaker id), splits each speaker's files at random
70 / 10 / 20 with a seed (so every speaker is in every split), and raises
on unreadable files or, with ``strict=False``, skips and reports them;
never drops one silently. :func:`xaiaudio.experiments.datasets.voice_set`
calls it when its ``data_dir`` is a LibriSpeech folder and turns the
utterances into log-mels.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import soundfile as sf

from xaiaudio.data.splits import split_table

#: Speakers kept per preset (the paper: the 128 speakers with most audio in
#: train-clean-360). Read with :func:`xaiaudio.core.presets.settings_for`.
LIBRISPEECH_SPEAKERS = {"smoke": 4, "book": 12, "paper": 128}
#: LibriSpeech's sample rate, Hz.
LIBRISPEECH_RATE = 16000
_NAME = re.compile(r"^(\d+)-(\d+)-(\d+)\.flac$")


class LibriSpeechError(ValueError):
    """A LibriSpeech folder that cannot be used (missing, empty, with
    unreadable files, or with fewer speakers than requested).

    A subclass of ``ValueError``; the message says what to fix.
    """


@dataclass
class LibriSpeechCorpus:
    """Selected utterances: paths, speaker labels (0..K-1 by decreasing
    duration), splits, transcripts.

    Made by :func:`load_librispeech`.

    Attributes
    ----------
    root : pathlib.Path
        The LibriSpeech folder.
    paths : list of pathlib.Path
        One ``.flac`` file per utterance, in sorted path order.
    labels : numpy.ndarray
        int, shape ``(utterances,)``: speaker class ``0..K-1``, 0 for the
        speaker with the most audio.
    split : numpy.ndarray
        str, shape ``(utterances,)``: ``"train"``, ``"val"`` or ``"test"``.
    speakers : list of str
        LibriSpeech speaker id of each class, in label order.
    durations : numpy.ndarray
        float, shape ``(utterances,)``: each file's full duration, seconds.
    transcripts : dict of str to str
        Utterance id (``<speaker>-<chapter>-<utterance>``) to its
        transcript.
    skipped : list of (pathlib.Path, str)
        ``(path, reason)`` of each file skipped as unreadable (only with
        ``strict=False``; otherwise they raise).
    sample_rate : int
        Rate of :meth:`load_audio`'s output, Hz (16 000).
    max_seconds : float or None
        :meth:`load_audio` truncates utterances to this many seconds
        (``None``: whole files).
    """

    root: Path
    paths: list
    labels: np.ndarray
    split: np.ndarray
    speakers: list
    durations: np.ndarray
    transcripts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    sample_rate: int = LIBRISPEECH_RATE
    max_seconds: float | None = None

    def load_audio(self, i: int) -> np.ndarray:
        """Mono float32 utterance ``i`` at 16 kHz (resampled if needed),
        truncated to ``max_seconds``.

        Channels are averaged; nothing else is checked here (the log-mel
        front end, :func:`xaiaudio.features.melspec.check_clip`, refuses
        silent, short or non-finite clips).

        Parameters
        ----------
        i : int
            Index into ``paths``.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(samples,)`` at ``sample_rate``, at most
            ``max_seconds * sample_rate`` samples.

        Raises
        ------
        soundfile.LibsndfileError
            When the file cannot be read.
        """

        y, rate = sf.read(
            str(self.paths[i]), dtype="float32", always_2d=True
        )
        y = y.mean(axis=1)
        if rate != self.sample_rate:
            y = librosa.resample(
                y, orig_sr=rate, target_sr=self.sample_rate
            ).astype(np.float32)
        if self.max_seconds is not None:
            y = y[: int(self.max_seconds * self.sample_rate)]
        return y


def scan_librispeech(root) -> tuple:
    """Every ``*.flac`` under ``root`` with its speaker id and duration,
    plus the unreadable files.

    Returns ``(rows, unreadable)``: rows are ``(path, speaker,
    duration_s)``; unreadable is a list of ``(path, reason)``. Raises
    :class:`LibriSpeechError` for a missing folder or one without ``.flac``
    files. Only file headers are read (durations come from
    ``soundfile.info``), so a scan is fast. Called by
    :func:`load_librispeech`.

    Parameters
    ----------
    root : str or pathlib.Path
        A LibriSpeech subset folder, e.g.
        ``.../LibriSpeech/train-clean-360``.

    Returns
    -------
    rows : list of (pathlib.Path, str, float)
        ``(path, speaker id, duration in seconds)`` of each readable file,
        in sorted path order.
    unreadable : list of (pathlib.Path, str)
        ``(path, reason)`` of each file whose name does not fit
        ``<speaker>-<chapter>-<utterance>.flac``, that cannot be read, or
        that is empty.

    Raises
    ------
    LibriSpeechError
        When ``root`` is not a folder or holds no ``.flac`` file.
    """

    root = Path(root)
    if not root.is_dir():
        raise LibriSpeechError(f"LibriSpeech folder not found: {root}")
    files = sorted(root.rglob("*.flac"))
    if not files:
        raise LibriSpeechError(
            f"no .flac file under {root}; expected "
            "<speaker>/<chapter>/<spk>-<ch>-<utt>.flac"
        )
    rows, unreadable = [], []
    for path in files:
        match = _NAME.match(path.name)
        if not match:
            unreadable.append(
                (
                    path,
                    "file name is not "
                    "<speaker>-<chapter>-<utterance>.flac",
                )
            )
            continue
        try:
            info = sf.info(str(path))
            duration = info.frames / info.samplerate
        # soundfile raises several types for broken files
        except Exception as error:
            unreadable.append((path, f"unreadable: {error}"))
            continue
        if info.frames == 0:
            unreadable.append((path, "empty file"))
            continue
        rows.append((path, match.group(1), duration))
    return rows, unreadable


def read_transcripts(root) -> dict:
    """Utterance id -> transcript, from every ``*.trans.txt`` under
    ``root``.

    Called by :func:`load_librispeech`.

    Parameters
    ----------
    root : str or pathlib.Path
        A LibriSpeech subset folder.

    Returns
    -------
    dict of str to str
        ``"<speaker>-<chapter>-<utterance>"`` to the transcript text (upper
        case, as LibriSpeech writes it); empty when there is no transcript
        file.
    """
    out = {}
    for path in Path(root).rglob("*.trans.txt"):
        for line in path.read_text().splitlines():
            if line.strip():
                utterance, _, text = line.partition(" ")
                out[utterance] = text
    return out


def load_librispeech(
    root,
    n_speakers: int,
    seed: int = 0,
    max_seconds: float | None = 8.0,
    strict: bool = True,
) -> LibriSpeechCorpus:
    """The ``n_speakers`` speakers with the most audio, each speaker's
    files split 70/10/20 at random with ``seed``.

    ``strict``: raise :class:`LibriSpeechError` listing the unreadable
    files (the default); otherwise they are skipped, listed in
    ``corpus.skipped`` and counted in a warning. Speakers are ranked by the
    total duration of their readable files (ties: smaller speaker id
    first); every file of a chosen speaker is kept. The split is stratified
    by speaker (:func:`xaiaudio.data.splits.split_table`): each speaker's
    files are shuffled and dealt 70/10/20 to within about one file, so
    every speaker with ten files or more is in every split, as the
    classifier's evaluation needs. Called by
    :func:`xaiaudio.experiments.datasets.voice_set` when its ``data_dir``
    is a LibriSpeech folder.

    Parameters
    ----------
    root : str or pathlib.Path
        A LibriSpeech subset folder
        (``<speaker>/<chapter>/<speaker>-<chapter>-<utterance>.flac``).
    n_speakers : int
        Number of speakers to keep (:data:`LIBRISPEECH_SPEAKERS` per
        preset).
    seed : int
        Seed of the split.
    max_seconds : float or None
        :meth:`LibriSpeechCorpus.load_audio` truncates utterances to this
        many seconds; ``None`` keeps whole files.
    strict : bool
        Raise on unreadable files (True) or skip and list them (False).

    Returns
    -------
    LibriSpeechCorpus

    Raises
    ------
    LibriSpeechError
        When the folder is missing or has no ``.flac`` file, when
        ``strict`` and some files are unreadable (the first 20 are listed),
        or when it has fewer than ``n_speakers`` speakers.
    """

    rows, unreadable = scan_librispeech(root)
    if unreadable:
        listing = "\n".join(
            f"  {path}: {reason}" for path, reason in unreadable[:20]
        )
        if strict:
            raise LibriSpeechError(
                f"{len(unreadable)} unreadable file(s) under "
                f"{root}:\n{listing}\n"
                "fix or remove them, or pass strict=False to skip them"
            )
        warnings.warn(
            f"skipped {len(unreadable)} unreadable file(s) under {root} "
            f"(listed in corpus.skipped):\n{listing}",
            stacklevel=2,
        )
    totals = {}
    for _, speaker, duration in rows:
        totals[speaker] = totals.get(speaker, 0.0) + duration
    if len(totals) < n_speakers:
        raise LibriSpeechError(
            f"{root} has {len(totals)} speaker(s), fewer than the "
            f"{n_speakers} requested"
        )
    chosen = sorted(totals, key=lambda s: (-totals[s], int(s)))[
        :n_speakers
    ]
    index = {speaker: k for k, speaker in enumerate(chosen)}
    kept = [
        (path, index[speaker], duration)
        for path, speaker, duration in rows
        if speaker in index
    ]
    files = pd.DataFrame(
        {
            "path": [str(path) for path, _, _ in kept],
            "speaker": [k for _, k, _ in kept],
        }
    )
    split = split_table(files, seed, (0.7, 0.1, 0.2), ("speaker",))
    return LibriSpeechCorpus(
        Path(root),
        [p for p, _, _ in kept],
        files["speaker"].to_numpy(),
        split.to_numpy(dtype="<U5"),
        chosen,
        np.array([d for _, _, d in kept]),
        read_transcripts(root),
        unreadable,
        LIBRISPEECH_RATE,
        max_seconds,
    )
