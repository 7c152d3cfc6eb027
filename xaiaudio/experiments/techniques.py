"""The shared artefacts of the playing-technique chapters: normalised features and trained convnets.

"Training the convnet", "Comparing LRP rules" and "Class-wise aggregation" each call
:func:`technique_features` then :func:`trained_convnet`; whichever chapter runs first
computes and caches them (features via :mod:`xaiaudio.features.extraction`, weights via
:func:`xaiaudio.core.cache.cached_state_dict`), so each chapter runs on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from xaiaudio.core import cache
from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.data.tables import SolDataset
from xaiaudio.experiments.datasets import load_pmt_dataset
from xaiaudio.features.extraction import extract_dataset_features
from xaiaudio.features.scattering import Normaliser, ScatteringPaths, fit_normaliser, scattering_paths
from xaiaudio.models import convnet
from xaiaudio.models.convnet import PlayingTechniqueConvNet
from xaiaudio.training import classifier
from xaiaudio.training.classifier import TRAINING_SETTINGS, evaluate_classifier, train_classifier

#: Feature sets compared in the training chapter: scattering orders kept.
FEATURE_SETS = {"S1": (1,), "S1+S2": (1, 2)}


@dataclass
class TechniqueFeatures:
    """Normalised scattering features of every row of ``dataset.table`` and their paths."""

    dataset: SolDataset
    features: np.ndarray  # (rows, paths, frames), normalised, S1 paths first
    paths: ScatteringPaths
    normaliser: Normaliser

    def rows(self, split: str) -> np.ndarray:
        """Row indices of ``split`` in table order."""
        return np.flatnonzero(self.dataset.table["split"].to_numpy() == split)

    def subset(self, split: str, feature_set: str = "S1+S2") -> tuple[np.ndarray, np.ndarray]:
        """``(features, labels)`` of one split, restricted to a feature set (``"S1"`` or ``"S1+S2"``)."""
        rows = self.rows(split)
        n_paths = self.n_paths(feature_set)
        return self.features[rows, :n_paths], self.dataset.table["label"].to_numpy()[rows]

    def n_paths(self, feature_set: str) -> int:
        """Number of input paths of a feature set (S1 paths come first)."""
        if FEATURE_SETS[feature_set] == (1,):
            return int((self.paths.order == 1).sum())
        return len(self.paths.order)


def technique_features(config: RunConfig, dataset: SolDataset | None = None,
                       progress: bool = True) -> TechniqueFeatures:
    """Scatter the playing-technique dataset (cached) and normalise it with training-split statistics."""
    dataset = dataset or load_pmt_dataset(config)
    raw = extract_dataset_features(dataset, config, progress=progress)
    normaliser = fit_normaliser(raw, dataset.table["split"].to_numpy())
    return TechniqueFeatures(dataset, normaliser(raw), scattering_paths(config.preset), normaliser)


@dataclass
class TrainedConvnet:
    """A trained convnet (best validation checkpoint, in eval mode) and its training history."""

    model: PlayingTechniqueConvNet
    feature_set: str
    history: dict
    best_epoch: int


def trained_convnet(config: RunConfig, features: TechniqueFeatures, feature_set: str = "S1+S2",
                    progress: bool = True) -> TrainedConvnet:
    """Train (or load from the cache) the paper's convnet on one feature set.

    The cache key holds the training and validation arrays themselves, the preset's
    training settings, the seed and the source of the model and training code.
    """
    settings = settings_for(TRAINING_SETTINGS, config)
    train_x, train_y = features.subset("train", feature_set)
    val_x, val_y = features.subset("val", feature_set)
    n_paths = features.n_paths(feature_set)
    key = cache.content_key("convnet", feature_set, train_x, train_y, val_x, val_y, settings,
                            config.seed, cache.source_fingerprint(convnet, classifier))

    def fit() -> dict:
        torch.manual_seed(config.seed)
        model = PlayingTechniqueConvNet(n_paths)
        result = train_classifier(model, train_x, train_y, val_x, val_y, settings, config.device,
                                  config.seed, progress)
        return {"state_dict": result.state_dict, "history": result.history, "best_epoch": result.best_epoch}

    stored = cache.cached_state_dict("convnets", key, fit)
    model = PlayingTechniqueConvNet(n_paths)
    model.load_state_dict(stored["state_dict"])
    return TrainedConvnet(model.eval().to(config.device), feature_set, stored["history"],
                          stored["best_epoch"])


def score_on_test(config: RunConfig, features: TechniqueFeatures, trained: TrainedConvnet):
    """Scores of ``trained`` on every test clip (none dropped)."""
    test_x, test_y = features.subset("test", trained.feature_set)
    return evaluate_classifier(trained.model, test_x, test_y, config.device)
