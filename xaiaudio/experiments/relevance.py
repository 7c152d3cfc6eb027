"""Relevance of every test clip, cached: the pipeline behind the LRP
chapters.

Wang, Lostanlen and Lagrange (ICASSP 2023) explain every test clip with LRP
and average the relevance over time (one value per scattering path);
:func:`clip_relevance` does it once, cached, for any method of
:data:`xaiaudio.explain.registry.METHODS`, and :func:`faithfulness_table`
scores the methods against ground truth (localisation) and by deletion
(AOPC) with :mod:`xaiaudio.explain.faithfulness`.

The explained class is always the *predicted* class (a one-hot output
seed), as published.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from xaiaudio.core import cache, work_ledger
from xaiaudio.core.presets import settings_for
from xaiaudio.experiments.examples import seeded_subset
from xaiaudio.explain.faithfulness import (
    aopc,
    deletion_curve,
    path_relevance,
    rate_localisation,
)
from xaiaudio.explain.registry import METHODS, compared_methods

#: Noise samples of SmoothGrad and integration steps of integrated
#: gradients, per preset.
SAMPLE_COUNTS = {
    "smoke": {
        "SmoothGrad": {"n_samples": 4},
        "integrated gradients": {"n_steps": 8},
    },
    "book": {
        "SmoothGrad": {"n_samples": 8},
        "integrated gradients": {"n_steps": 8},
    },
    "paper": {
        "SmoothGrad": {"n_samples": 50},
        "integrated gradients": {"n_steps": 64},
    },
}


#: Test clips scored by deletion curves (``None``: all of them; never
#: limited at ``paper``), and the number of deletion steps of each curve.
DELETION_SETTINGS = {
    "smoke": {"max_clips": 8, "steps": 10},
    "book": {"max_clips": None, "steps": 10},
    "paper": {"max_clips": None, "steps": 20},
}


def method_options(method: str, preset: str) -> dict:
    """Keyword arguments of ``method`` at ``preset``: sample counts of
    SmoothGrad and integrated gradients.

    Parameters
    ----------
    method : str
        A key of :data:`xaiaudio.explain.registry.METHODS`.
    preset : str, Preset or RunConfig
        The preset (:func:`xaiaudio.core.presets.settings_for`).

    Returns
    -------
    dict
        A new dict from :data:`SAMPLE_COUNTS` (``{"n_samples": ...}`` or
        ``{"n_steps": ...}``), empty for methods without options.

    Raises
    ------
    KeyError
        If :data:`SAMPLE_COUNTS` has no entry for the preset.
    """
    return dict(settings_for(SAMPLE_COUNTS, preset).get(method, {}))


def _explainer(method: str, preset: str):
    return functools.partial(
        METHODS[method].explain, **method_options(method, preset)
    )


def _weights(model: torch.nn.Module) -> dict:
    return {
        name: value.detach().cpu().numpy()
        for name, value in model.state_dict().items()
    }


@torch.no_grad()
def _predicted(
    model, features, device, batch_size: int = 64
) -> np.ndarray:
    work_ledger.count(
        "classifier forward example", len(features), features.shape[1:]
    )
    parts = [
        model(torch.as_tensor(features[i : i + batch_size], device=device))
        .argmax(1)
        .cpu()
        for i in range(0, len(features), batch_size)
    ]
    return torch.cat(parts).numpy()


def explain_time_averaged(
    method: str,
    model,
    features,
    preset: str,
    device="cpu",
    seed: int = 0,
    batch_size: int = 32,
) -> dict:
    """Explain every example's predicted class with ``method``; average the
    relevance over time.

    Batches of ``batch_size`` examples share one seeded generator (for the
    stochastic methods). Used by :func:`clip_relevance`.

    Parameters
    ----------
    method : str
        A key of :data:`xaiaudio.explain.registry.METHODS`.
    model : torch.nn.Module
        The classifier (put in eval mode and moved to ``device``).
    features : numpy.ndarray, shape (n, paths, frames)
        The inputs.
    preset : str
        Preset name, for :func:`method_options`.
    device : str or torch.device, default "cpu"
        Where the explanation runs.
    seed : int, default 0
        Seed of the generator of stochastic methods.
    batch_size : int, default 32
        Examples per batch.

    Returns
    -------
    dict
        ``{"relevance": float64 array (n, paths), "predicted": int array
        (n,)}``: time-averaged relevance of the explained (predicted) class
        and that class.
    """
    explain = _explainer(method, preset)
    generator = torch.Generator().manual_seed(seed)
    model.eval().to(device)
    predicted = _predicted(model, features, device)
    parts = []
    for start in range(0, len(features), batch_size):
        inputs = torch.as_tensor(
            np.asarray(features[start : start + batch_size]), device=device
        )
        target = torch.as_tensor(
            predicted[start : start + batch_size], device=device
        )
        parts.append(
            path_relevance(explain(model, inputs, target, generator))
        )
    n_paths = features.shape[1]
    relevance = np.concatenate(parts) if parts else np.zeros((0, n_paths))
    return {
        "relevance": relevance.astype(np.float64),
        "predicted": predicted,
    }


def clip_relevance(
    config, features, trained, method: str, split: str = "test"
) -> dict:
    """Time-averaged relevance ``(clips, paths)`` of ``method`` for every
    clip of ``split``, cached.

    The key holds the model weights, the split's features, the method and
    its options, the seed and the source of the attribution code.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (method options), device and seed.
    features : xaiaudio.experiments.technique_convnets.TechniqueFeatures
        The normalised features.
    trained : xaiaudio.experiments.technique_convnets.TrainedConvnet
        The model and its feature set.
    method : str
        A key of :data:`xaiaudio.explain.registry.METHODS`.
    split : str, default "test"
        The clips to explain.

    Returns
    -------
    dict
        ``{"relevance": (clips, paths) float64, "predicted": (clips,)
        explained (= predicted) class, "labels": (clips,) true class}``.
    """
    x, y = features.subset(split, trained.feature_set)
    preset = config.preset.name
    key = cache.content_key(
        "relevance",
        method,
        method_options(method, preset),
        _weights(trained.model),
        x,
        config.seed,
    )
    stored = cache.cached_arrays(
        "relevance",
        key,
        lambda: explain_time_averaged(
            method, trained.model, x, preset, config.device, config.seed
        ),
    )
    return {**stored, "labels": np.asarray(y)}


@dataclass
class Faithfulness:
    """Faithfulness of every method: the summary table and the mean
    deletion curve of each.

    Returned by :func:`faithfulness_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by method: ``localisation share`` (fraction of clips
        localised), ``clips localised`` (clips with a known rate), ``mean
        AOPC``, ``AOPC std`` (sample standard deviation, NaN for one clip)
        and ``clips deleted`` (clips with a deletion curve).
    fractions : numpy.ndarray, shape (steps + 1,)
        Fraction of the paths deleted at each step, from 0 to 1.
    mean_curves : dict
        Method -> mean probability of the explained class at each step,
        shape ``(steps + 1,)``.
    """

    table: pd.DataFrame
    fractions: np.ndarray  # fraction of paths deleted at each step
    mean_curves: dict  # method -> mean class probability per step


def deletion_clips(n_clips: int, preset: str, seed: int = 0) -> np.ndarray:
    """Indices of the test clips scored by deletion curves: all of them, or
    a seeded subset.

    Only the ``smoke`` preset limits them (:data:`DELETION_SETTINGS`). Used
    by :func:`faithfulness_table`.

    Parameters
    ----------
    n_clips : int
        Number of test clips.
    preset : str, Preset or RunConfig
        The preset.
    seed : int, default 0
        Seed of the subset.

    Returns
    -------
    numpy.ndarray of int
        Sorted clip indices.
    """
    return seeded_subset(
        n_clips, settings_for(DELETION_SETTINGS, preset)["max_clips"], seed
    )


def _deletion_curves(
    config, trained, method, x, relevance, classes, steps
) -> np.ndarray:
    """Deletion curves of ``x`` for one method's relevance, cached (see
    :func:`faithfulness`)."""
    key = cache.content_key(
        "deletion",
        method,
        method_options(method, config.preset.name),
        _weights(trained.model),
        x,
        relevance,
        classes,
        steps,
    )
    return cache.cached_arrays(
        "deletion",
        key,
        lambda: {
            "curve": deletion_curve(
                trained.model,
                x,
                relevance,
                classes,
                steps=steps,
                device=config.device,
            )
        },
    )["curve"]


def faithfulness_table(
    config, features, trained, methods=None
) -> Faithfulness:
    """For each method: share of test clips localised at their true rate,
    and mean AOPC.

    Localisation
    (:func:`~xaiaudio.explain.faithfulness.rate_localisation`): the
    highest-relevance S2 path is within half an octave of the clip's
    modulation rate (clips without a known rate are skipped). AOPC
    (:func:`~xaiaudio.explain.faithfulness.aopc`): deletion of paths in
    decreasing order of relevance, the predicted class's probability
    followed (:func:`~xaiaudio.explain.faithfulness.deletion_curve`, clips
    and steps from :data:`DELETION_SETTINGS`; curves cached). Relevance
    comes from :func:`clip_relevance`.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset, device and seed.
    features : xaiaudio.experiments.technique_convnets.TechniqueFeatures
        The normalised features, with the test clips' rates in
        ``dataset.table["rate_hz"]``.
    trained : xaiaudio.experiments.technique_convnets.TrainedConvnet
        A model with S2 paths (``"S1+S2"``).
    methods : sequence of str, optional
        Keys of :data:`xaiaudio.explain.registry.METHODS` (``None``:
        :func:`~xaiaudio.explain.registry.compared_methods`).

    Returns
    -------
    Faithfulness
        The table, the deleted fractions and the mean deletion curve of
        each method.

    Raises
    ------
    ValueError
        If the model has no S2 path (localisation needs them).
    """
    methods = list(methods or compared_methods())
    preset = config.preset.name
    x, _ = features.subset("test", trained.feature_set)
    n_paths = x.shape[1]
    modulation_hz = features.paths.lambda2[:n_paths]
    rates = features.dataset.split("test")["rate_hz"].to_numpy(dtype=float)
    known = np.isfinite(rates)
    chosen = deletion_clips(len(x), preset, config.seed)
    steps = settings_for(DELETION_SETTINGS, preset)["steps"]
    rows, curves = [], {}
    for method in methods:
        result = clip_relevance(config, features, trained, method)
        relevance = result["relevance"]
        localised = rate_localisation(
            relevance[known], modulation_hz, rates[known]
        )
        curve = _deletion_curves(
            config,
            trained,
            method,
            x[chosen],
            relevance[chosen],
            result["predicted"][chosen],
            steps,
        )
        scores = aopc(curve)
        curves[method] = curve.mean(axis=0)
        rows.append(
            {
                "method": method,
                "localisation share": float(localised.mean()),
                "clips localised": int(len(localised)),
                "mean AOPC": float(scores.mean()),
                "AOPC std": float(scores.std(ddof=1))
                if len(scores) > 1
                else float("nan"),
                "clips deleted": int(len(chosen)),
            }
        )
    fractions = np.round(np.linspace(0, n_paths, steps + 1)) / n_paths
    return Faithfulness(
        pd.DataFrame(rows).set_index("method"), fractions, curves
    )
