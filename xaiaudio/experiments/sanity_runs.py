"""Sanity checks of every compared explainer on the playing-technique
convnet, cached.

The two randomisation tests of Adebayo et al. (NeurIPS 2018) with the parts
of :mod:`xaiaudio.explain.sanity`: every method of
:func:`xaiaudio.explain.registry.compared_methods` explains the same test
clips with the trained S1+S2 convnet, with each step of its cascading
randomisation, and with a convnet trained on shuffled labels
(:func:`label_randomised_convnet`, through the cached training path); the
time-averaged maps are compared with Spearman's rank correlation. Every
model explains the class the *trained* model predicts, so a map changes
only because the weights do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from xaiaudio.core import cache
from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.experiments.examples import seeded_subset
from xaiaudio.experiments.relevance import method_options
from xaiaudio.experiments.technique_convnets import (
    TechniqueFeatures,
    TrainedConvnet,
    trained_convnet,
)
from xaiaudio.explain.faithfulness import path_relevance
from xaiaudio.explain.registry import compared_methods, explain_batches
from xaiaudio.explain.sanity import (
    cascading_randomisation,
    rank_similarity,
)
from xaiaudio.training.classifier import evaluate_classifier, predict

#: Test clips explained by every model (``None``: all of them, never
#: limited at ``paper``).
SANITY_SETTINGS = {
    "smoke": {"max_clips": 8},
    "book": {"max_clips": 40},
    "paper": {"max_clips": None},
}

#: Name of the network trained on shuffled labels in :class:`SanityChecks`.
LABELS_SHUFFLED = "labels shuffled"


def sanity_clips(n_clips: int, config: RunConfig) -> np.ndarray:
    """Indices of the test clips the sanity checks explain: all, or a
    subset seeded by ``config.seed``.

    Parameters
    ----------
    n_clips : int
        Number of test clips.
    config : RunConfig
        The preset (:data:`SANITY_SETTINGS`) and the seed.

    Returns
    -------
    numpy.ndarray of int
        Sorted clip indices.
    """
    return seeded_subset(
        n_clips,
        settings_for(SANITY_SETTINGS, config)["max_clips"],
        config.seed,
    )


def shuffled_labels(
    features: TechniqueFeatures, seed: int
) -> TechniqueFeatures:
    """A copy of ``features`` whose training and validation labels are
    permuted within each split.

    The features, the test labels and the class counts of every split are
    unchanged; only which clip carries which label is random, so a network
    trained on the copy can learn nothing about the techniques. Validation
    labels are shuffled too, so early stopping selects on the same random
    task.

    Parameters
    ----------
    features : TechniqueFeatures
        The normalised features (not modified).
    seed : int
        Seed of the permutations.

    Returns
    -------
    TechniqueFeatures
        The copy, sharing the feature array.
    """
    table = features.dataset.table.copy()
    labels = table["label"].to_numpy().copy()
    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        rows = features.rows(split)
        labels[rows] = labels[rng.permutation(rows)]
    table["label"] = labels
    return dataclasses.replace(
        features,
        dataset=dataclasses.replace(features.dataset, table=table),
    )


def label_randomised_convnet(
    config: RunConfig, features: TechniqueFeatures, progress: bool = False
) -> TrainedConvnet:
    """The S1+S2 convnet trained, with the usual recipe and cache, on
    :func:`shuffled_labels`.

    Parameters
    ----------
    config : RunConfig
        Preset (training settings), device and seed (also the seed of the
        permutation).
    features : TechniqueFeatures
        The normalised features with their true labels.
    progress : bool, default False
        Show a bar over epochs when training.

    Returns
    -------
    TrainedConvnet
        The model
        (:func:`xaiaudio.experiments.technique_convnets.trained_convnet`).
    """
    return trained_convnet(
        config, shuffled_labels(features, config.seed), "S1+S2", progress
    )


@dataclass
class SanityChecks:
    """Similarity of each method's maps to those of the trained network,
    for every randomised network.

    Returned by :func:`sanity_checks`.

    Parameters
    ----------
    similarity : pandas.DataFrame
        Indexed by (``model``, ``method``): ``signed`` and ``absolute``,
        the mean over clips of the Spearman correlation of the
        time-averaged maps. ``model`` is the layer randomised last in the
        cascade (every layer above it is random too), then
        :data:`LABELS_SHUFFLED`.
    agreement : pandas.Series
        Per model, the share of the clips on which it predicts the trained
        network's class.
    layers : list of str
        The cascade's layers, output layer first.
    n_clips : int
        Test clips explained.
    shuffled_train_accuracy : float
        Macro accuracy of the label-randomised network on its shuffled
        training labels.
    shuffled_test_accuracy : float
        Its macro accuracy on the true test labels.
    """

    similarity: pd.DataFrame
    agreement: pd.Series
    layers: list
    n_clips: int
    shuffled_train_accuracy: float
    shuffled_test_accuracy: float


def _maps(
    method: str, model, x, target: torch.Tensor, config: RunConfig
) -> np.ndarray:
    """Time-averaged maps of ``method`` for class ``target``; the generator
    is seeded the same for every model, so SmoothGrad's noise and the
    random baseline do not change between models."""
    relevance = explain_batches(
        method,
        model,
        x,
        target,
        device=config.device,
        seed=config.seed,
        **method_options(method, config.preset.name),
    )
    return path_relevance(relevance).astype(np.float64)


def _measure(
    methods, model, shuffled, x, calibration, config: RunConfig
) -> dict:
    target = torch.as_tensor(
        predict(model, x, device=config.device).argmax(1)
    )
    models = [
        *cascading_randomisation(model, calibration, config.seed),
        (LABELS_SHUFFLED, shuffled),
    ]
    original = {
        method: _maps(method, model, x, target, config)
        for method in methods
    }
    shape = (len(models), len(methods), len(x))
    out = {
        "signed": np.empty(shape),
        "absolute": np.empty(shape),
        "agreement": np.empty(len(models)),
        "models": np.array([name for name, _ in models]),
    }
    for i, (_, other) in enumerate(models):
        out["agreement"][i] = np.mean(
            predict(other, x, device=config.device).argmax(1)
            == target.numpy()
        )
        for j, method in enumerate(methods):
            similarity = rank_similarity(
                original[method], _maps(method, other, x, target, config)
            )
            out["signed"][i, j], out["absolute"][i, j] = (
                similarity["signed"],
                similarity["absolute"],
            )
    return out


def sanity_checks(
    config: RunConfig,
    features: TechniqueFeatures,
    trained: TrainedConvnet,
    methods=None,
) -> SanityChecks:
    """Cascading model-parameter randomisation and label randomisation for
    every method, cached.

    The clips are :func:`sanity_clips` of the test split; the cascade
    (:func:`xaiaudio.explain.sanity.cascading_randomisation`) re-estimates
    the batch-norm statistics of the randomised layers on the training
    clips; the label-randomised network comes from
    :func:`label_randomised_convnet`. The cache key holds both networks'
    weights, the clips, the methods and their options, the seed and the
    source of this module and of every module it imports.

    Parameters
    ----------
    config : RunConfig
        Preset (clips, method options, training), device and seed.
    features : TechniqueFeatures
        The normalised features.
    trained : TrainedConvnet
        The trained S1+S2 network.
    methods : sequence of str, optional
        Keys of :data:`xaiaudio.explain.registry.METHODS` (``None``:
        :func:`~xaiaudio.explain.registry.compared_methods`).

    Returns
    -------
    SanityChecks
        The similarity table and what describes the randomised networks.
    """
    methods = list(methods or compared_methods())
    x_test, _ = features.subset("test", trained.feature_set)
    x = x_test[sanity_clips(len(x_test), config)]
    calibration, _ = features.subset("train", trained.feature_set)
    shuffled = label_randomised_convnet(config, features)
    weights = [
        {
            name: value.detach().cpu().numpy()
            for name, value in m.state_dict().items()
        }
        for m in (trained.model, shuffled.model)
    ]
    options = [method_options(m, config.preset.name) for m in methods]
    key = cache.content_key(
        "sanity",
        methods,
        options,
        weights,
        x,
        calibration,
        config.seed,
    )
    stored = cache.cached_arrays(
        "sanity",
        key,
        lambda: _measure(
            methods, trained.model, shuffled.model, x, calibration, config
        ),
    )
    models = [str(name) for name in stored["models"]]
    index = pd.MultiIndex.from_product(
        [models, methods], names=["model", "method"]
    )
    means = {
        kind: np.nanmean(stored[kind], axis=2).ravel()
        for kind in ("signed", "absolute")
    }
    similarity = pd.DataFrame(means, index=index)
    train_x, train_y = shuffled_labels(features, config.seed).subset(
        "train", trained.feature_set
    )
    test_x, test_y = features.subset("test", trained.feature_set)
    return SanityChecks(
        similarity,
        pd.Series(
            stored["agreement"], index=pd.Index(models, name="model")
        ),
        models[:-1],
        len(x),
        evaluate_classifier(
            shuffled.model, train_x, train_y, config.device
        ).macro_accuracy,
        evaluate_classifier(
            shuffled.model, test_x, test_y, config.device
        ).macro_accuracy,
    )
