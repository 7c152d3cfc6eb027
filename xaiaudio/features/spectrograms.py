"""A labelled, split collection of normalised log-mel spectrograms.

:class:`SpectrogramSet` is what the playable-prototype models and their baselines train
on; :func:`spectrogram_set` computes it from clips with :func:`xaiaudio.features.melspec.log_mel`.
Chapters "Playable prototypes" and "Playable prototypes: voices".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xaiaudio.core.cache import content_key
from xaiaudio.features.melspec import MelSettings, log_mel, mel_settings


@dataclass
class SpectrogramSet:
    """Normalised log-mels (each (n_mels, frames)) with labels, splits, class names and clip names."""

    features: list
    labels: np.ndarray
    split: np.ndarray
    class_names: list
    settings: MelSettings
    names: list = field(default_factory=list)
    kind: str = "instruments"

    def indices(self, split: str) -> np.ndarray:
        """Indices of the clips in ``split`` ("train", "val" or "test")."""
        return np.flatnonzero(self.split == split)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def fingerprint(self) -> str:
        """Content hash of features, labels, splits and front-end settings (the cache key of a run)."""

        return content_key(
            "spectrogram-set",
            self.settings,
            self.features,
            self.labels,
            [str(s) for s in self.split],
            list(self.class_names),
        )

    def class_mean(self, k: int, split: str = "train") -> np.ndarray:
        """Average log-mel frame of class ``k`` over a split (Fig. 4's left column)."""
        rows = [self.features[i] for i in self.indices(split) if self.labels[i] == k]
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
    """Compute the log-mels of ``clips`` (each resampled to ``sample_rate`` if needed, checked for silence
    and length by :func:`xaiaudio.features.melspec.check_clip`) into a :class:`SpectrogramSet`."""
    settings = mel_settings(sample_rate, n_mels)
    names = list(names) if names is not None else [f"clip {i}" for i in range(len(clips))]
    if np.isscalar(sample_rates):
        sample_rates = [int(sample_rates)] * len(clips)
    features = [log_mel(y, sr, settings, name) for y, sr, name in zip(clips, sample_rates, names)]
    labels = np.asarray(labels, dtype=np.int64)
    split = np.asarray([str(s) for s in split])
    if not (len(features) == len(labels) == len(split)):
        raise ValueError("clips, labels and split must have the same length")
    if labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError("labels must index class_names")
    return SpectrogramSet(features, labels, split, list(class_names), settings, names, kind)
