"""Relevance over a test set: kurtosis, S1/S2 shares, class-wise top-n aggregation, faithfulness.

Wang, Lostanlen and Lagrange (ICASSP 2023) explain every test clip with LRP, average the
relevance over time (one value per scattering path) and then summarise it three ways; the
functions here do each step once, cached, for any method of
:data:`xaiaudio.explain.registry.EXPLAINERS`:

* :func:`clip_relevance`: time-averaged relevance of every test clip, cached
  (chapters "Comparing LRP rules" and "Class-wise aggregation");
* :func:`kurtosis_per_example`, :func:`mean_std`, :func:`paired_test`, :func:`order_shares`
  (chapter "Comparing LRP rules");
* :func:`top_n_indicator`, :func:`classwise_top_n`, :func:`group_labels` and
  :func:`faithfulness` (chapter "Class-wise aggregation").

The explained class is always the *predicted* class (a one-hot output seed), as published.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from xaiaudio.explain.faithfulness import path_relevance

#: Ways of assigning a test clip to a class for aggregation.
GROUPINGS = ("predicted", "true")


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


