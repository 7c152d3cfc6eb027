"""Relevance over a test set: kurtosis, S1/S2 shares, class-wise top-n
aggregation, method rankings.

Wang, Lostanlen and Lagrange (ICASSP 2023) explain every test clip with
LRP, average the relevance over time (one value per scattering path) and
then summarise it; the relevance itself comes from
:func:`xaiaudio.experiments.relevance.clip_relevance`, for any method of
:data:`xaiaudio.explain.registry.METHODS`. The summaries here:

* :func:`kurtosis_per_example`, :func:`mean_std`, :func:`paired_test`,
  :func:`order_shares`: how peaked the maps are and where their relevance
  lies, to compare rules;
* :func:`top_n_indicator`, :func:`classwise_top_n`, :func:`group_labels`,
  :func:`classwise_mean`, :func:`s1_vote_percent` and
  :func:`vote_summary`: class-wise aggregation;
* :func:`method_ranking`, which reads the table of
  :func:`xaiaudio.experiments.relevance.faithfulness_table`.

The explained class is always the *predicted* class (a one-hot output
seed), as published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

from xaiaudio.explain.faithfulness import path_relevance

#: Ways of assigning a test clip to a class for aggregation.
GROUPINGS = ("predicted", "true")


# -------------------------------------------------------------------------
# peakedness
def kurtosis_per_example(relevance) -> np.ndarray:
    """Excess kurtosis of each example's signed, time-averaged relevance
    vector over all paths.

    Exactly as published: ``scipy.stats.kurtosis(v, fisher=True,
    bias=True)`` per row of ``(examples, paths)`` (a ``(examples, paths,
    frames)`` array is averaged over time first). A one-hot vector of
    length N gives ``(N**2 - 6 (N - 1)) / (N - 1)``; a flat ramp about
    -1.2.
    """
    values = path_relevance(relevance)
    return scipy.stats.kurtosis(values, axis=1, fisher=True, bias=True)


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of finite values,
    as in "13.82 +- 8.81"."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return float(values.mean()), std


def paired_test(a, b) -> dict:
    """Paired comparison of two per-example scores (e.g. kurtosis under two
    LRP rules).

    Wilcoxon signed-rank test and paired t-test (two-sided, scipy). Returns
    ``n``, ``mean_difference`` (``b - a``; the t statistic has its sign),
    ``wilcoxon_statistic``, ``wilcoxon_p``, ``t_statistic`` and ``t_p``;
    statistics are NaN with fewer than two pairs or no difference at all.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    result = {
        "n": int(len(a)),
        "mean_difference": float(np.mean(b - a))
        if len(a)
        else float("nan"),
        "wilcoxon_statistic": float("nan"),
        "wilcoxon_p": float("nan"),
        "t_statistic": float("nan"),
        "t_p": float("nan"),
    }
    if len(a) < 2 or np.all(a == b):
        return result
    wilcoxon = scipy.stats.wilcoxon(b, a)
    t_test = scipy.stats.ttest_rel(b, a)
    result.update(
        wilcoxon_statistic=float(wilcoxon.statistic),
        wilcoxon_p=float(wilcoxon.pvalue),
        t_statistic=float(t_test.statistic),
        t_p=float(t_test.pvalue),
    )
    return result


def order_shares(relevance, n_s1: int) -> np.ndarray:
    """Per example, the share of absolute relevance on S1 (the first
    ``n_s1`` paths) and on S2.

    ``(examples, paths)`` -> ``(examples, 2)``; each row sums to 1 (NaN for
    an all-zero row).
    """
    magnitude = np.abs(path_relevance(relevance))
    total = magnitude.sum(axis=1)
    s1 = magnitude[:, :n_s1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.stack([s1, total - s1], axis=1) / total[:, None]
    return shares


# -------------------------------------------------------------------------
# aggregation
def top_n_indicator(relevance, n: int = 5) -> np.ndarray:
    """Indicator ``(examples, paths)`` of each example's ``n`` paths of
    largest (signed) relevance.

    Eq. 13 of the paper; ties are broken by path order.
    """
    values = path_relevance(relevance)
    if not 1 <= n <= values.shape[1]:
        raise ValueError(
            f"n must be between 1 and {values.shape[1]}, got {n}"
        )
    top = np.argsort(-values, axis=1, kind="stable")[:, :n]
    indicator = np.zeros(values.shape, dtype=bool)
    np.put_along_axis(indicator, top, True, axis=1)
    return indicator


def group_labels(predicted, labels, by: str = "predicted") -> np.ndarray:
    """The class each example is aggregated under: its predicted class or
    its true class.

    The paper grouped by true class while explaining the predicted class (a
    known defect: a misclassified clip then adds evidence for another class
    to its true class's map).
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    return np.asarray(predicted if by == "predicted" else labels)


def classwise_top_n(
    relevance, groups, n_classes: int, n: int = 5
) -> np.ndarray:
    """Class-wise aggregated map: per class, the sum over its examples of
    the top-``n`` indicators.

    ``groups`` gives each example's class (see :func:`group_labels`);
    returns integer counts ``(n_classes, paths)``; each class's counts sum
    to ``n`` x its number of examples.
    """
    indicator = top_n_indicator(relevance, n).astype(int)
    groups = np.asarray(groups)
    counts = np.zeros((n_classes, indicator.shape[1]), dtype=int)
    np.add.at(counts, groups, indicator)
    return counts


def classwise_mean(values, groups, n_classes: int) -> np.ndarray:
    """Per class, the mean over its examples (and over time) of per-path
    values.

    Used for the mean scattering input of each class, shown beside its
    top-n map.

    Parameters
    ----------
    values : array_like
        ``(examples, paths)`` or ``(examples, paths, frames)``.
    groups : array_like of int
        Each example's class, ``(examples,)``.
    n_classes : int
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``(n_classes, paths)``; a class without examples gets a row of NaN
        (drawn blank, not as zero).
    """
    values = np.asarray(values)
    groups = np.asarray(groups)
    axes = (0,) + tuple(range(2, values.ndim))
    return np.stack(
        [
            values[groups == c].mean(axis=axes)
            if (groups == c).any()
            else np.full(values.shape[1], np.nan)
            for c in range(n_classes)
        ]
    )


def s1_vote_percent(counts, second_order) -> float:
    """Share, in per cent, of the top-n votes of ``counts`` that fall on
    first-order (S1) paths.

    Parameters
    ----------
    counts : array_like
        Vote counts per path, ``(paths,)`` for one class or ``(classes,
        paths)`` for all of them (:func:`classwise_top_n`).
    second_order : array_like of bool
        ``(paths,)``: which paths are S2; the others are S1.

    Returns
    -------
    float
        ``100 x`` votes on S1 / all votes; NaN when there is no vote.
    """
    counts = np.asarray(counts)
    second_order = np.asarray(second_order, dtype=bool)
    total = counts.sum()
    return (
        float(100 * counts[..., ~second_order].sum() / total)
        if total
        else float("nan")
    )


def vote_summary(
    counts, modulation_hz, second_order, class_names, labels, rates
) -> pd.DataFrame:
    """Per class, where its top-n votes sit on the modulation axis, beside
    the class's true rates.

    Votes on S2 paths are summed over carriers for each modulation
    frequency ``lambda2`` (rounded to 0.01 Hz, so that paths sharing a
    second-order wavelet pool their votes); the modal frequency is the one
    with the most votes (the lowest, on a tie).

    Parameters
    ----------
    counts : array_like of int
        ``(classes, paths)`` top-n votes (:func:`classwise_top_n`).
    modulation_hz : array_like
        ``(paths,)`` each path's ``lambda2`` in Hz (NaN on S1 paths).
    second_order : array_like of bool
        ``(paths,)``: which paths are S2.
    class_names : sequence of str
        One name per class, the table's index.
    labels : array_like of int
        The true class of each clip whose rate is given.
    rates : array_like of float
        Each clip's modulation rate in Hz (NaN when unknown).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``technique``: ``true rate, median (Hz)`` over the
        class's clips of known rate, ``modal lambda2 of top-n votes (Hz)``
        and ``votes on S1 (%)`` (:func:`s1_vote_percent`); NaN where a
        class has no clip of known rate or no vote.
    """
    counts = np.asarray(counts)
    second_order = np.asarray(second_order, dtype=bool)
    labels = np.asarray(labels)
    rates = np.asarray(rates, dtype=float)
    lambda2 = np.round(
        np.asarray(modulation_hz, dtype=float)[second_order], 2
    )
    rows = []
    for c, name in enumerate(class_names):
        by_rate = pd.Series(counts[c, second_order]).groupby(lambda2).sum()
        known = rates[(labels == c) & np.isfinite(rates)]
        rows.append(
            {
                "technique": name,
                "true rate, median (Hz)": float(np.median(known))
                if len(known)
                else np.nan,
                "modal lambda2 of top-n votes (Hz)": by_rate.idxmax()
                if by_rate.sum()
                else np.nan,
                "votes on S1 (%)": s1_vote_percent(
                    counts[c], second_order
                ),
            }
        )
    return pd.DataFrame(rows).set_index("technique")


# -------------------------------------------------------------------------
# ranking
def method_ranking(
    table: pd.DataFrame, reference: str, baseline: str = "random"
) -> dict:
    """Which method localises best, which has the best AOPC, and how
    ``reference`` and the rest fare.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per method, with columns ``localisation share`` (a
        fraction) and ``mean AOPC``
        (:func:`xaiaudio.experiments.relevance.faithfulness_table`).
    reference : str
        The method under study (the published composite).
    baseline : str
        The method every other is compared with (random relevance).

    Returns
    -------
    dict
        ``best_localisation`` and ``best_aopc`` (method names, the baseline
        included in the contest) with ``best_localisation_share`` and
        ``best_aopc_value``; ``baseline_share``, ``baseline_aopc``,
        ``reference_share`` and ``reference_aopc``; ``reference_aopc_rank``
        (1 is best; tied methods share the better rank); ``beat_baseline``,
        the methods above the baseline on both measures; ``n_methods``, the
        number of methods other than the baseline.
    """
    share, score = table["localisation share"], table["mean AOPC"]
    best_local, best_aopc = share.idxmax(), score.idxmax()
    others = [m for m in table.index if m != baseline]
    return {
        "best_localisation": best_local,
        "best_localisation_share": float(share[best_local]),
        "best_aopc": best_aopc,
        "best_aopc_value": float(score[best_aopc]),
        "baseline_share": float(share[baseline]),
        "baseline_aopc": float(score[baseline]),
        "reference_share": float(share[reference]),
        "reference_aopc": float(score[reference]),
        "reference_aopc_rank": int(
            score.rank(ascending=False, method="min")[reference]
        ),
        "beat_baseline": [
            m
            for m in others
            if share[m] > share[baseline] and score[m] > score[baseline]
        ],
        "n_methods": len(others),
    }
