"""A labelled, split collection of normalised log-mel spectrograms.

:class:`SpectrogramSet` is what the playable-prototype models and their
baselines train on; :func:`spectrogram_set` computes it from clips with
:func:`xaiaudio.features.melspec.log_mel`. It is made for instruments and
voices by :func:`xaiaudio.experiments.datasets.instrument_set` and
:func:`xaiaudio.experiments.datasets.voice_set`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xaiaudio.core.cache import content_key
from xaiaudio.features.melspec import MelSettings, log_mel, mel_settings


@dataclass
class SpectrogramSet:
    """Normalised log-mels (each (n_mels, frames)) with labels, splits,
    class names and clip names.

    Made by :func:`spectrogram_set`.

    Attributes
    ----------
    features : list of numpy.ndarray
        float32 log-mels, each ``(n_mels, frames)`` (clips may differ in
        length).
    labels : numpy.ndarray
        int64, shape ``(clips,)``: index into ``class_names``.
    split : numpy.ndarray
        str, shape ``(clips,)``: ``"train"``, ``"val"`` or ``"test"``.
    class_names : list of str
        Instrument or speaker names, in label order.
    settings : MelSettings
        The front end (play a log-mel with
        :func:`xaiaudio.features.melspec.to_audio`).
    names : list of str
        A readable name per clip (for tables and figures).
    kind : str
        ``"instruments"`` or ``"speech"``: which experiment the set is for.
    """

    features: list
    labels: np.ndarray
    split: np.ndarray
    class_names: list
    settings: MelSettings
    names: list = field(default_factory=list)
    kind: str = "instruments"

    def indices(self, split: str) -> np.ndarray:
        """Indices of the clips in ``split`` ("train", "val" or "test").

        Parameters
        ----------
        split : str
            The split name.

        Returns
        -------
        numpy.ndarray
            int, increasing (empty for an unknown name).
        """
        return np.flatnonzero(self.split == split)

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    def fingerprint(self) -> str:
        """Content hash of features, labels, splits and front-end settings
        (the cache key of a run).

        Clip ``names`` and ``kind`` are not included. The prototype and
        baseline runs put it in their cache keys
        (:mod:`xaiaudio.training.prototype_curriculum`,
        :mod:`xaiaudio.training.baseline_training`).

        Returns
        -------
        str
            Hex SHA-256 (:func:`xaiaudio.core.cache.content_key`).
        """

        return content_key(
            "spectrogram-set",
            self.settings,
            self.features,
            self.labels,
            [str(s) for s in self.split],
            list(self.class_names),
        )

    def class_mean(self, k: int, split: str = "train") -> np.ndarray:
        """Average log-mel frame of class ``k`` over a split (Fig. 4's left
        column).

        Every frame of every clip of the class counts once (longer clips
        weigh more).

        Parameters
        ----------
        k : int
            Class index.
        split : str
            ``"train"``, ``"val"`` or ``"test"``.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(n_mels,)``: normalised log-mel values.

        Raises
        ------
        ValueError
            When the class has no clip in that split.
        """
        rows = [
            self.features[i]
            for i in self.indices(split)
            if self.labels[i] == k
        ]
        if not rows:
            raise ValueError(f"class {k} has no {split} clip")
        return np.concatenate(rows, axis=1).mean(axis=1)


def spectrogram_set(
    clips,
    sample_rates,
    labels,
    split,
    class_names,
    n_mels: int,
    sample_rate: int,
    names=None,
    kind: str = "instruments",
) -> SpectrogramSet:
    """Compute the log-mels of ``clips`` (each resampled to ``sample_rate``
    if needed, checked for silence and length by
    :func:`xaiaudio.features.melspec.check_clip`) into a
    :class:`SpectrogramSet`.

    Called by :func:`xaiaudio.experiments.datasets.instrument_set` and
    :func:`xaiaudio.experiments.datasets.voice_set`.

    Parameters
    ----------
    clips : sequence of array_like
        Mono clips, any lengths of at least ``n_fft`` samples.
    sample_rates : int or sequence of int
        The clips' rate (one for all, or one per clip), Hz.
    labels : array_like of int
        Class index per clip, in ``0..len(class_names)-1``.
    split : array_like of str
        ``"train"``, ``"val"`` or ``"test"`` per clip.
    class_names : sequence of str
        Class names, in label order.
    n_mels : int
        Mel bands (a multiple of 16).
    sample_rate : int
        Rate of the front end, Hz
        (:func:`xaiaudio.features.melspec.mel_settings`).
    names : sequence of str, optional
        A name per clip, used in error messages; default ``"clip 0"``,
        ``"clip 1"``...
    kind : str
        ``"instruments"`` or ``"speech"``.

    Returns
    -------
    SpectrogramSet

    Raises
    ------
    ValueError
        For an invalid ``sample_rate`` or ``n_mels``, a clip
        :func:`~xaiaudio.features.melspec.check_clip` refuses (named in the
        message), clips, labels and splits of different lengths, or a label
        outside ``class_names``.
    """
    settings = mel_settings(sample_rate, n_mels)
    names = (
        list(names)
        if names is not None
        else [f"clip {i}" for i in range(len(clips))]
    )
    if np.isscalar(sample_rates):
        sample_rates = [int(sample_rates)] * len(clips)
    features = [
        log_mel(y, sr, settings, name)
        for y, sr, name in zip(clips, sample_rates, names)
    ]
    labels = np.asarray(labels, dtype=np.int64)
    split = np.asarray([str(s) for s in split])
    if not (len(features) == len(labels) == len(split)):
        raise ValueError(
            "clips, labels and split must have the same length"
        )
    if labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError("labels must index class_names")
    return SpectrogramSet(
        features, labels, split, list(class_names), settings, names, kind
    )
