"""The shared artefacts of the playing-technique chapters: normalised
features and trained convnets.

Each playing-technique chapter calls :func:`technique_features` then
:func:`trained_convnet`; whichever chapter runs first computes and caches
them (features via :mod:`xaiaudio.features.extraction`, weights via
:func:`xaiaudio.core.cache.cached_state_dict`), so each chapter runs on its
own.
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
from xaiaudio.features.scattering import (
    Normaliser,
    ScatteringPaths,
    fit_normaliser,
    scattering_paths,
)
from xaiaudio.models.convnet import PlayingTechniqueConvNet
from xaiaudio.training.classifier import (
    TRAINING_SETTINGS,
    TrainingSettings,
    evaluate_classifier,
    train_classifier,
)

#: Feature sets compared in the training chapter: scattering orders kept.
FEATURE_SETS = {"S1": (1,), "S1+S2": (1, 2)}


@dataclass
class TechniqueFeatures:
    """Normalised scattering features of every row of ``dataset.table`` and
    their paths.

    Made by :func:`technique_features`.

    Parameters
    ----------
    dataset : xaiaudio.data.tables.SolDataset
        The playing-technique dataset (table with ``label``, ``split`` and
        ground truth).
    features : numpy.ndarray, shape (rows, paths, frames), float32
        Normalised scattering coefficients of every table row, S1 paths
        first.
    paths : xaiaudio.features.scattering.ScatteringPaths
        Order and centre frequencies of each path.
    normaliser : xaiaudio.features.scattering.Normaliser
        The normalisation, fitted on the training split.
    """

    dataset: SolDataset
    # (rows, paths, frames), normalised, S1 paths first
    features: np.ndarray
    paths: ScatteringPaths
    normaliser: Normaliser

    def rows(self, split: str) -> np.ndarray:
        """Row indices of one split, in table order.

        Used by :meth:`subset`.

        Parameters
        ----------
        split : str
            ``"train"``, ``"val"`` or ``"test"``.

        Returns
        -------
        numpy.ndarray of int
            Indices into ``dataset.table`` and ``features``.
        """
        return np.flatnonzero(
            self.dataset.table["split"].to_numpy() == split
        )

    def subset(
        self, split: str, feature_set: str = "S1+S2"
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(features, labels)`` of one split, restricted to a feature
        set.

        Parameters
        ----------
        split : str
            ``"train"``, ``"val"`` or ``"test"``.
        feature_set : str, default "S1+S2"
            A key of :data:`FEATURE_SETS`: ``"S1"`` keeps the first-order
            paths only.

        Returns
        -------
        features : numpy.ndarray, shape (clips, paths, frames)
            The split's normalised features.
        labels : numpy.ndarray of int, shape (clips,)
            Their class indices.

        Raises
        ------
        KeyError
            If ``feature_set`` is not a key of :data:`FEATURE_SETS`.
        """
        rows = self.rows(split)
        n_paths = self.n_paths(feature_set)
        return self.features[rows, :n_paths], self.dataset.table[
            "label"
        ].to_numpy()[rows]

    def n_paths(self, feature_set: str) -> int:
        """Number of input paths of a feature set (S1 paths come first, so
        it is a prefix).

        Parameters
        ----------
        feature_set : str
            ``"S1"`` or ``"S1+S2"``.

        Returns
        -------
        int
            The number of S1 paths, or of all paths.

        Raises
        ------
        KeyError
            If ``feature_set`` is not a key of :data:`FEATURE_SETS`.
        """
        if FEATURE_SETS[feature_set] == (1,):
            return int((self.paths.order == 1).sum())
        return len(self.paths.order)


def technique_features(
    config: RunConfig,
    dataset: SolDataset | None = None,
    progress: bool = True,
) -> TechniqueFeatures:
    """Scatter the playing-technique dataset (cached) and normalise it with
    training-split statistics.

    The raw scattering coefficients come from the cache
    (:func:`xaiaudio.features.extraction.extract_dataset_features`); the
    normaliser (:func:`xaiaudio.features.scattering.fit_normaliser`) reads
    training rows only and is refitted on each call.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset, device, data folder and seed.
    dataset : xaiaudio.data.tables.SolDataset, optional
        The dataset (``None``:
        :func:`xaiaudio.experiments.datasets.load_pmt_dataset`).
    progress : bool, default True
        Show a progress bar while scattering.

    Returns
    -------
    TechniqueFeatures
        Features of every table row, with their paths and normaliser.
    """
    dataset = dataset or load_pmt_dataset(config)
    raw = extract_dataset_features(dataset, config, progress=progress)
    normaliser = fit_normaliser(raw, dataset.table["split"].to_numpy())
    return TechniqueFeatures(
        dataset,
        normaliser(raw),
        scattering_paths(config.preset),
        normaliser,
    )


@dataclass
class TrainedConvnet:
    """A trained convnet (best validation checkpoint, in eval mode) and its
    training history.

    Made by :func:`trained_convnet`.

    Parameters
    ----------
    model : xaiaudio.models.convnet.PlayingTechniqueConvNet
        The network, on ``config.device``.
    feature_set : str
        The feature set it was trained on (``"S1"`` or ``"S1+S2"``).
    history : dict
        Per-epoch ``train_loss``, ``val_loss`` and ``val_macro_accuracy``
        (:class:`xaiaudio.training.classifier.TrainingResult`).
    best_epoch : int
        Index (from 0) of the restored epoch.
    """

    model: PlayingTechniqueConvNet
    feature_set: str
    history: dict
    best_epoch: int


def trained_convnet(
    config: RunConfig,
    features: TechniqueFeatures,
    feature_set: str = "S1+S2",
    progress: bool = True,
    settings: TrainingSettings | None = None,
) -> TrainedConvnet:
    """Train (or load from the cache) the paper's convnet on one feature
    set.

    Training is :func:`xaiaudio.training.classifier.train_classifier` with
    the preset's :data:`~xaiaudio.training.classifier.TRAINING_SETTINGS`,
    on the training split, with early stopping on the validation split. The
    cache key holds the training and validation arrays themselves, the
    training settings, the seed and the source of the model and training
    code. The convnet's budget curves train through it too.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (training settings), device and seed.
    features : TechniqueFeatures
        The normalised features (:func:`technique_features`).
    feature_set : str, default "S1+S2"
        ``"S1"`` or ``"S1+S2"``.
    progress : bool, default True
        Show a tqdm bar over epochs (when training).
    settings : xaiaudio.training.classifier.TrainingSettings, optional
        Train with these settings instead of the preset's (a budget of the
        budget curve).

    Returns
    -------
    TrainedConvnet
        The restored best model, on ``config.device`` in eval mode, and its
        history.

    Raises
    ------
    KeyError
        If ``feature_set`` is unknown or the preset has no training
        settings.
    """
    settings = (
        settings_for(TRAINING_SETTINGS, config)
        if settings is None
        else settings
    )
    train_x, train_y = features.subset("train", feature_set)
    val_x, val_y = features.subset("val", feature_set)
    n_paths = features.n_paths(feature_set)
    key = cache.content_key(
        "convnet",
        feature_set,
        train_x,
        train_y,
        val_x,
        val_y,
        settings,
        config.seed,
    )

    def fit() -> dict:
        torch.manual_seed(config.seed)
        model = PlayingTechniqueConvNet(n_paths)
        result = train_classifier(
            model,
            train_x,
            train_y,
            val_x,
            val_y,
            settings,
            config.device,
            config.seed,
            progress,
        )
        return {
            "state_dict": result.state_dict,
            "history": result.history,
            "best_epoch": result.best_epoch,
        }

    stored = cache.cached_state_dict("convnets", key, fit)
    model = PlayingTechniqueConvNet(n_paths)
    model.load_state_dict(stored["state_dict"])
    return TrainedConvnet(
        model.eval().to(config.device),
        feature_set,
        stored["history"],
        stored["best_epoch"],
    )


def score_on_test(
    config: RunConfig, features: TechniqueFeatures, trained: TrainedConvnet
):
    """Scores of ``trained`` on every test clip (none dropped).

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Gives the device.
    features : TechniqueFeatures
        The normalised features.
    trained : TrainedConvnet
        The model and the feature set it expects.

    Returns
    -------
    xaiaudio.training.classifier.Evaluation
        Labels, predictions, logits, macro accuracy, per-class recall and
        confusion matrix.
    """
    test_x, test_y = features.subset("test", trained.feature_set)
    return evaluate_classifier(
        trained.model, test_x, test_y, config.device
    )
