"""Relevance over a test set: kurtosis, S1/S2 shares, class-wise top-n aggregation, faithfulness.

Wang, Lostanlen and Lagrange (ICASSP 2023) explain every test clip with LRP, average the
relevance over time (one value per scattering path) and then summarise it three ways; the
functions here do each step once, cached, for any method of
:data:`xaiaudio.explainers.EXPLAINERS`:

* :func:`clip_relevance`: time-averaged relevance of every test clip, cached
  (chapters "Comparing LRP rules" and "Class-wise aggregation");
* :func:`kurtosis_per_example`, :func:`mean_std`, :func:`paired_test`, :func:`order_shares`
  (chapter "Comparing LRP rules");
* :func:`top_n_indicator`, :func:`classwise_top_n`, :func:`group_labels` and
  :func:`faithfulness` (chapter "Class-wise aggregation").

The explained class is always the *predicted* class (a one-hot output seed), as published.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats
import torch

from xaiaudio import cache
from xaiaudio.explainers import EXPLAINERS
from xaiaudio.faithfulness import aopc, deletion_curve, path_relevance, rate_localisation

#: Noise samples of SmoothGrad and integration steps of integrated gradients, per preset.
SAMPLE_COUNTS = {
    "smoke": {"SmoothGrad": {"n_samples": 4}, "integrated gradients": {"n_steps": 8}},
    "book": {"SmoothGrad": {"n_samples": 8}, "integrated gradients": {"n_steps": 8}},
    "paper": {"SmoothGrad": {"n_samples": 50}, "integrated gradients": {"n_steps": 64}},
}

#: Test clips scored by deletion curves (``None``: all of them; never limited at ``paper``),
#: and the number of deletion steps of each curve.
DELETION_SETTINGS = {
    "smoke": {"max_clips": 8, "steps": 10},
    "book": {"max_clips": None, "steps": 10},
    "paper": {"max_clips": None, "steps": 20},
}

#: Ways of assigning a test clip to a class for aggregation.
GROUPINGS = ("predicted", "true")

_SOURCES = [Path(__file__).parent / name for name in ("explainers.py", "attribution.py", "lrp.py")]


def method_options(method: str, preset: str) -> dict:
    """Keyword arguments of ``method`` at ``preset``: sample counts of SmoothGrad and integrated gradients."""
    return dict(SAMPLE_COUNTS[preset].get(method, {}))


def _explainer(method: str, preset: str):
    return functools.partial(EXPLAINERS[method], **method_options(method, preset))


def _weights(model: torch.nn.Module) -> dict:
    return {name: value.detach().cpu().numpy() for name, value in model.state_dict().items()}


@torch.no_grad()
def _predicted(model, features, device, batch_size: int = 64) -> np.ndarray:
    parts = [model(torch.as_tensor(features[i:i + batch_size], device=device)).argmax(1).cpu()
             for i in range(0, len(features), batch_size)]
    return torch.cat(parts).numpy()


def explain_time_averaged(method: str, model, features, preset: str, device="cpu", seed: int = 0,
                          batch_size: int = 32) -> dict:
    """Explain every example's predicted class with ``method``; average the relevance over time.

    Returns ``{"relevance": (n, paths), "predicted": (n,)}``.  Used by :func:`clip_relevance`.
    """
    explain = _explainer(method, preset)
    generator = torch.Generator().manual_seed(seed)
    model.eval().to(device)
    predicted = _predicted(model, features, device)
    parts = []
    for start in range(0, len(features), batch_size):
        inputs = torch.as_tensor(np.asarray(features[start:start + batch_size]), device=device)
        target = torch.as_tensor(predicted[start:start + batch_size], device=device)
        parts.append(path_relevance(explain(model, inputs, target, generator)))
    n_paths = features.shape[1]
    relevance = np.concatenate(parts) if parts else np.zeros((0, n_paths))
    return {"relevance": relevance.astype(np.float64), "predicted": predicted}


def clip_relevance(config, features, trained, method: str, split: str = "test") -> dict:
    """Time-averaged relevance ``(clips, paths)`` of ``method`` for every clip of ``split``, cached.

    The key holds the model weights, the split's features, the method and its options, the
    seed and the source of the attribution code.  Returns ``{"relevance", "predicted",
    "labels"}`` (explained = predicted class; ``labels`` are the true classes).
    Chapters "Comparing LRP rules" and "Class-wise aggregation".
    """
    x, y = features.subset(split, trained.feature_set)
    preset = config.preset.name
    key = cache.content_key("relevance", method, method_options(method, preset), _weights(trained.model),
                            x, config.seed, *_SOURCES)
    stored = cache.cached_arrays("relevance", key, lambda: explain_time_averaged(
        method, trained.model, x, preset, config.device, config.seed))
    return {**stored, "labels": np.asarray(y)}


# ----------------------------------------------------------------------------- peakedness
def kurtosis_per_example(relevance) -> np.ndarray:
    """Excess kurtosis of each example's signed, time-averaged relevance vector over all paths.

    Exactly as published: ``scipy.stats.kurtosis(v, fisher=True, bias=True)`` per row of
    ``(examples, paths)`` (a ``(examples, paths, frames)`` array is averaged over time first).
    A one-hot vector of length N gives ``(N**2 - 6 (N - 1)) / (N - 1)``; a flat ramp about -1.2.
    Chapter "Comparing LRP rules".
    """
    values = path_relevance(relevance)
    return scipy.stats.kurtosis(values, axis=1, fisher=True, bias=True)


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of finite values, as in "13.82 +- 8.81"."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return float(values.mean()), std


def paired_test(a, b) -> dict:
    """Paired comparison of two per-example scores (e.g. kurtosis under two LRP rules).

    Wilcoxon signed-rank test and paired t-test (two-sided, scipy).  Returns ``n``,
    ``mean_difference`` (``b - a``; the t statistic has its sign), ``wilcoxon_statistic``,
    ``wilcoxon_p``, ``t_statistic`` and ``t_p``; statistics are NaN with fewer than two pairs
    or no difference at all.
    Chapter "Comparing LRP rules".
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    result = {"n": int(len(a)), "mean_difference": float(np.mean(b - a)) if len(a) else float("nan"),
              "wilcoxon_statistic": float("nan"), "wilcoxon_p": float("nan"),
              "t_statistic": float("nan"), "t_p": float("nan")}
    if len(a) < 2 or np.all(a == b):
        return result
    wilcoxon = scipy.stats.wilcoxon(b, a)
    t_test = scipy.stats.ttest_rel(b, a)
    result.update(wilcoxon_statistic=float(wilcoxon.statistic), wilcoxon_p=float(wilcoxon.pvalue),
                  t_statistic=float(t_test.statistic), t_p=float(t_test.pvalue))
    return result


def order_shares(relevance, n_s1: int) -> np.ndarray:
    """Per example, the share of absolute relevance on S1 (the first ``n_s1`` paths) and on S2.

    ``(examples, paths)`` -> ``(examples, 2)``; each row sums to 1 (NaN for an all-zero row).
    Chapter "Comparing LRP rules".
    """
    magnitude = np.abs(path_relevance(relevance))
    total = magnitude.sum(axis=1)
    s1 = magnitude[:, :n_s1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.stack([s1, total - s1], axis=1) / total[:, None]
    return shares


# ----------------------------------------------------------------------------- aggregation
def top_n_indicator(relevance, n: int = 5) -> np.ndarray:
    """Indicator ``(examples, paths)`` of each example's ``n`` paths of largest (signed) relevance.

    Eq. 13 of the paper; ties are broken by path order.  Chapter "Class-wise aggregation".
    """
    values = path_relevance(relevance)
    if not 1 <= n <= values.shape[1]:
        raise ValueError(f"n must be between 1 and {values.shape[1]}, got {n}")
    top = np.argsort(-values, axis=1, kind="stable")[:, :n]
    indicator = np.zeros(values.shape, dtype=bool)
    np.put_along_axis(indicator, top, True, axis=1)
    return indicator


def group_labels(predicted, labels, by: str = "predicted") -> np.ndarray:
    """The class each example is aggregated under: its predicted class or its true class.

    The paper grouped by true class while explaining the predicted class (a known defect:
    a misclassified clip then adds evidence for another class to its true class's map).
    Chapter "Class-wise aggregation".
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    return np.asarray(predicted if by == "predicted" else labels)


def classwise_top_n(relevance, groups, n_classes: int, n: int = 5) -> np.ndarray:
    """Class-wise aggregated map: per class, the sum over its examples of the top-``n`` indicators.

    ``groups`` gives each example's class (see :func:`group_labels`); returns integer counts
    ``(n_classes, paths)``; each class's counts sum to ``n`` x its number of examples.
    Chapter "Class-wise aggregation".
    """
    indicator = top_n_indicator(relevance, n).astype(int)
    groups = np.asarray(groups)
    counts = np.zeros((n_classes, indicator.shape[1]), dtype=int)
    np.add.at(counts, groups, indicator)
    return counts


# ----------------------------------------------------------------------------- faithfulness
@dataclass
class Faithfulness:
    """Faithfulness of every method: the summary table and the mean deletion curve of each."""

    table: pd.DataFrame
    fractions: np.ndarray  # fraction of paths deleted at each step
    mean_curves: dict  # method -> mean class probability per step


def deletion_clips(n_clips: int, preset: str, seed: int = 0) -> np.ndarray:
    """Indices of the test clips scored by deletion curves (all, or a seeded subset at smoke)."""
    limit = DELETION_SETTINGS[preset]["max_clips"]
    if limit is None or n_clips <= limit:
        return np.arange(n_clips)
    return np.sort(np.random.default_rng(seed).choice(n_clips, limit, replace=False))


def _deletion_curves(config, trained, method, x, relevance, classes, steps) -> np.ndarray:
    """Deletion curves of ``x`` for one method's relevance, cached (see :func:`faithfulness`)."""
    key = cache.content_key("deletion", method, method_options(method, config.preset.name),
                            _weights(trained.model), x, relevance, classes, steps, *_SOURCES,
                            Path(__file__).parent / "faithfulness.py")
    return cache.cached_arrays("deletion", key, lambda: {"curve": deletion_curve(
        trained.model, x, relevance, classes, steps=steps, device=config.device)})["curve"]


def faithfulness(config, features, trained, methods=None) -> Faithfulness:
    """For each method: share of test clips localised at their true rate, and mean AOPC.

    Localisation (:func:`~xaiaudio.faithfulness.rate_localisation`): the highest-relevance S2 path
    is within half an octave of the clip's modulation rate (clips without a known rate are
    skipped).  AOPC (:func:`~xaiaudio.faithfulness.aopc`): deletion of paths in decreasing order
    of relevance, the predicted class's probability followed (:data:`DELETION_SETTINGS`).
    Needs a model with S2 paths.  Chapter "Class-wise aggregation".
    """
    methods = list(methods or EXPLAINERS)
    preset = config.preset.name
    x, _ = features.subset("test", trained.feature_set)
    n_paths = x.shape[1]
    modulation_hz = features.paths.lambda2[:n_paths]
    rates = features.dataset.split("test")["rate_hz"].to_numpy(dtype=float)
    known = np.isfinite(rates)
    chosen = deletion_clips(len(x), preset, config.seed)
    steps = DELETION_SETTINGS[preset]["steps"]
    rows, curves = [], {}
    for method in methods:
        result = clip_relevance(config, features, trained, method)
        relevance = result["relevance"]
        localised = rate_localisation(relevance[known], modulation_hz, rates[known])
        curve = _deletion_curves(config, trained, method, x[chosen], relevance[chosen],
                                 result["predicted"][chosen], steps)
        scores = aopc(curve)
        curves[method] = curve.mean(axis=0)
        rows.append({"method": method, "localisation share": float(localised.mean()),
                     "clips localised": int(len(localised)), "mean AOPC": float(scores.mean()),
                     "AOPC std": float(scores.std(ddof=1)) if len(scores) > 1 else float("nan"),
                     "clips deleted": int(len(chosen))})
    fractions = np.round(np.linspace(0, n_paths, steps + 1)) / n_paths
    return Faithfulness(pd.DataFrame(rows).set_index("method"), fractions, curves)
