"""A claim is a distribution: per-seed values, a 95 % interval, and a
verdict read off the interval.

Every verdict the book prints comes from :func:`seed_summary`: the claim's
effect is measured once per training seed (positive when the paper's claim
holds, e.g. "S1+S2 minus S1 macro accuracy"). A claim that one method is
better is a superiority claim: the verdict is ``holds`` when the whole
interval is above zero, ``fails`` when it is below zero, and
``inconclusive`` when it straddles zero. A claim that one method does "as
well as" another is a non-inferiority claim with a stated margin ``m``: the
verdict is ``non-inferior`` when the whole interval is above ``-m``,
``inferior`` when it is below ``-m``, and ``inconclusive`` when it
straddles ``-m``. No verdict text is typed by hand.

Each summary also carries the two-sided p-value of the test its interval
inverts (the mean against ``0`` or ``-m``), so that a family of verdicts
can be corrected for multiplicity (:func:`holm_adjusted`).

The interval is Student's t interval of the mean over seeds, i.e. a paired
t-test across seeds when the effect is a difference of two methods measured
on the same clips. With the 5 to 10 seeds a chapter can afford, the
percentile bootstrap is known to be too narrow (it cannot be wider than the
range of the values); :func:`bootstrap_interval` is kept for comparison and
tested against SciPy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.stats

#: The verdicts a claim can get: superiority claims hold or fail,
#: non-inferiority claims are non-inferior or inferior.
VERDICTS = (
    "holds",
    "fails",
    "non-inferior",
    "inferior",
    "inconclusive",
    "not measurable",
)

#: Confidence level of every interval the book prints.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SeedSummary:
    """A claim's effect over seeds: values, mean, interval, verdict and
    why.

    Attributes
    ----------
    per_seed : list of float
        The effect of each seed, NaN where the run failed (diverged,
        produced NaN).
    estimate, ci_low, ci_high : float
        Mean over the finite seeds and its 95 % interval (NaN when not
        measurable).
    n_seeds : int
        Number of finite seeds the interval uses.
    verdict : str
        One of :data:`VERDICTS`.
    reason : str
        Why: the interval's position, failed seeds, or what could not be
        measured.
    p_value : float
        Two-sided p-value of Student's t-test of the mean against the
        verdict's bar (``0``, or ``-margin`` for a non-inferiority claim);
        NaN without an interval.
    """

    per_seed: list
    estimate: float
    ci_low: float
    ci_high: float
    n_seeds: int
    verdict: str
    reason: str
    p_value: float = float("nan")

    def as_dict(self) -> dict:
        """The summary as plain JSON types."""
        return asdict(self)


def t_interval(
    values, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Student's t interval of the mean of ``values`` (NaN with fewer than
    two values).

    Parameters
    ----------
    values : array-like of float
        Finite per-seed values.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    (float, float)
        Lower and upper bounds; both equal the mean when every value is the
        same.
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan"), float("nan")
    mean, sem = values.mean(), values.std(ddof=1) / np.sqrt(len(values))
    if sem == 0:
        return float(mean), float(mean)
    low, high = scipy.stats.t.interval(
        confidence, len(values) - 1, loc=mean, scale=sem
    )
    return float(low), float(high)


def bootstrap_interval(
    values,
    confidence: float = CONFIDENCE,
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (NaN with
    fewer than two values).

    Parameters
    ----------
    values : array-like of float
        Finite per-seed values.
    confidence : float
        Coverage of the interval.
    resamples : int
        Bootstrap resamples of the seeds.
    seed : int
        Seed of the resampling.

    Returns
    -------
    (float, float)
        Lower and upper bounds.
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[
        rng.integers(0, len(values), size=(resamples, len(values)))
    ].mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def verdict_from_interval(
    low: float, high: float, margin: float | None = None
) -> str:
    """Superiority (``margin`` None): ``holds`` if the interval lies above
    zero, ``fails`` below. Non-inferiority with ``margin`` m:
    ``non-inferior`` above ``-m``, ``inferior`` below. ``inconclusive`` if
    the interval straddles the bar or is not finite."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "inconclusive"
    bar = 0.0 if margin is None else -float(margin)
    above, below = (
        ("holds", "fails")
        if margin is None
        else ("non-inferior", "inferior")
    )
    if low > bar:
        return above
    if high < bar:
        return below
    return "inconclusive"


def compare_with_paper(
    low: float, high: float, paper_value: float | None
) -> str | None:
    """Where the paper's effect lies relative to our interval: ``contains``
    (the interval contains it), ``above`` (our whole interval is above the
    paper's effect) or ``below``; None without a paper value or an
    interval. A claim can hold and still fall far short of the paper."""
    if paper_value is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    if low > paper_value:
        return "above"
    if high < paper_value:
        return "below"
    return "contains"


def holm_adjusted(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values of a family of tests.

    The ``i``-th smallest p-value is multiplied by ``n - i`` (``i`` from 0)
    and the running maximum taken, capped at 1; a test is rejected at level
    ``alpha`` with the family-wise error rate held at ``alpha`` when its
    adjusted p-value is below ``alpha``. NaN entries (no test) stay NaN and
    do not count in ``n``.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (len(order) - np.arange(len(order)))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def _p_value(values: np.ndarray, bar: float) -> float:
    if values.std(ddof=1) == 0:
        return 0.0 if values.mean() != bar else 1.0
    return float(scipy.stats.ttest_1samp(values, bar).pvalue)


def seed_summary(
    per_seed, min_seeds: int = 2, margin: float | None = None
) -> SeedSummary:
    """Summarise a claim's per-seed effects (positive = the paper's claim
    holds).

    Parameters
    ----------
    per_seed : sequence of float
        One effect per training seed; NaN or inf marks a failed run, which
        is reported, never dropped silently.
    min_seeds : int
        Fewest finite seeds an interval may be drawn from.
    margin : float or None
        None for a superiority claim; for a non-inferiority claim, the
        margin (positive, in the effect's unit) by which the effect may
        fall below zero and still count as "as well as".

    Returns
    -------
    SeedSummary
    """
    values = np.asarray(per_seed, dtype=float)
    finite = values[np.isfinite(values)]
    failed = int(len(values) - len(finite))
    failed_note = (
        f"; {failed} of {len(values)} seeds failed (no finite value) and "
        "are left out"
        if failed
        else ""
    )
    if len(finite) < min_seeds:
        return SeedSummary(
            _plain(values),
            float(np.mean(finite)) if len(finite) else float("nan"),
            float("nan"),
            float("nan"),
            len(finite),
            "inconclusive",
            f"{len(finite)} finite seed(s), fewer than the {min_seeds} an "
            "interval needs" + failed_note,
        )
    low, high = t_interval(finite)
    verdict = verdict_from_interval(low, high, margin)
    bar = "zero" if margin is None else f"-{margin:g} (the margin)"
    where = {
        "holds": "the whole 95 % interval is above zero",
        "fails": (
            "the whole 95 % interval is below zero"
            " (the opposite of the paper)"
        ),
        "non-inferior": f"the whole 95 % interval is above {bar}",
        "inferior": f"the whole 95 % interval is below {bar}",
        "inconclusive": f"the 95 % interval contains {bar}",
    }[verdict]
    return SeedSummary(
        _plain(values),
        float(finite.mean()),
        low,
        high,
        len(finite),
        verdict,
        where + failed_note,
        _p_value(finite, 0.0 if margin is None else -float(margin)),
    )


def not_measurable(reason: str, n_planned: int = 0) -> SeedSummary:
    """The summary of a claim that cannot be measured here (e.g. no
    ground-truth rates), with why."""
    return SeedSummary(
        [float("nan")] * n_planned,
        float("nan"),
        float("nan"),
        float("nan"),
        0,
        "not measurable",
        reason,
    )


def _plain(values: np.ndarray) -> list:
    return [float(v) for v in values]
