"""Training budgets past the knee: validation score against budget, and
where more stops paying.

A model trained "to be fast" can make a paper's claim look false. A
:class:`BudgetCurve` holds a model's validation score at increasing budgets
(an epoch cap and a patience, or any settings a training function takes)
for a few seeds, and the budget the running preset trains with. It reads
itself with one definition of each idea: :func:`knee`, the smallest budget
after which no larger budget raises the mean score by more than the
tolerance; :func:`still_rising`, whether the sweep ends before the knee;
:attr:`BudgetCurve.position`, where the preset's budget sits against the
knee; and :attr:`BudgetCurve.headroom`, what larger budgets add to it.
:func:`sweep_budgets` trains every model, budget and seed of a sweep
(through the cache, in parallel processes on the CPU) and returns the
curves; every budget sweep of the package goes through it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from xaiaudio.core.parallel import (
    default_workers,
    run_in_processes,
    worker_shared,
)
from xaiaudio.core.presets import RunConfig

#: What "more budget stops paying" means: points of mean validation score
#: (macro accuracy or OA, in percent) that a larger budget may add past the
#: knee.
KNEE_TOLERANCE = 1.0


def knee(scores, tolerance: float = KNEE_TOLERANCE) -> int:
    """Index of the knee of a budget curve.

    The knee is the first budget ``i`` such that every larger budget scores
    at most ``tolerance`` above it: ``max(scores[i + 1:]) - scores[i] <=
    tolerance`` (the last budget when none does).

    Parameters
    ----------
    scores : array-like of float
        Mean validation score (in points) of each budget, budgets in
        increasing order.
    tolerance : float
        What "more budget stops paying" means, in the scores' unit.

    Returns
    -------
    int
        The index into ``scores``.
    """
    scores = _finite_1d(scores)  # else ValueError
    for i in range(len(scores) - 1):
        if scores[i + 1 :].max() - scores[i] <= tolerance:
            return i
    return len(scores) - 1


def still_rising(scores, tolerance: float = KNEE_TOLERANCE) -> bool:
    """Whether a budget curve still rises at its largest budget, so the
    sweep does not show its knee.

    It does when the largest budget's mean beats every smaller budget's by
    more than ``tolerance``. That is exactly when :func:`knee` finds no
    knee before the last of several budgets: a curve whose knee is an
    earlier budget (however it ends) is not still rising.

    Parameters
    ----------
    scores : array-like of float
        Mean validation score of each budget, budgets in increasing order.
    tolerance : float
        As in :func:`knee`.

    Returns
    -------
    bool
    """
    scores = _finite_1d(scores)  # else ValueError
    return len(scores) > 1 and (scores[-1] - scores[:-1].max() > tolerance)


def _finite_1d(scores) -> np.ndarray:
    """``scores`` as a non-empty 1-D float array of finite numbers."""
    scores = np.asarray(scores, dtype=float)
    if (
        scores.ndim != 1
        or len(scores) == 0
        or not np.isfinite(scores).all()
    ):
        raise ValueError(
            "scores must be a non-empty 1-D array of finite numbers"
        )
    return scores


def at_least(budget: Mapping, other: Mapping) -> bool:
    """Whether ``budget`` trains at least as long as ``other``: no setting
    smaller (a cap of ``None`` is no cap, larger than any number).

    Parameters
    ----------
    budget, other : mapping
        Budgets with the same settings (e.g. ``max_epochs`` and
        ``patience``).

    Returns
    -------
    bool
    """

    def size(value) -> float:
        return math.inf if value is None else float(value)

    return all(size(budget[name]) >= size(other[name]) for name in other)


@dataclasses.dataclass(frozen=True)
class BudgetCurve:
    """A model's validation score at increasing training budgets, over
    seeds, and the running preset's own budget.

    Parameters
    ----------
    budgets : tuple of dict
        The budgets swept, each at least the one before in every setting
        (:func:`at_least`).
    seeds : tuple of int
        The training seeds.
    scores : numpy.ndarray
        Validation score (points, e.g. percent) of each budget (rows) and
        seed (columns).
    preset : dict
        The budget the running preset trains the model with, with the same
        settings as ``budgets``; it need not be one of them.
    tolerance : float
        The knee's tolerance (:func:`knee`), in the scores' unit.
    """

    budgets: tuple
    seeds: tuple
    scores: np.ndarray
    preset: dict
    tolerance: float = KNEE_TOLERANCE

    def __post_init__(self):
        scores = np.asarray(self.scores, dtype=float)
        if scores.shape != (len(self.budgets), len(self.seeds)):
            raise ValueError(
                f"scores of shape {scores.shape} for "
                f"{len(self.budgets)} budgets and {len(self.seeds)} seeds"
            )
        if not all(
            at_least(larger, smaller)
            for smaller, larger in zip(self.budgets, self.budgets[1:])
        ):
            raise ValueError("budgets must increase in every setting")
        object.__setattr__(self, "scores", scores)

    @property
    def mean(self) -> np.ndarray:
        """Mean score of each budget over the seeds."""
        return self.scores.mean(axis=1)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation (ddof 1) of each budget's scores; NaN with
        one seed."""
        if len(self.seeds) < 2:
            return np.full(len(self.budgets), np.nan)
        return self.scores.std(axis=1, ddof=1)

    @property
    def knee(self) -> int:
        """Index of the knee (:func:`knee` of :attr:`mean`)."""
        return knee(self.mean, self.tolerance)

    @property
    def still_rising(self) -> bool:
        """Whether the sweep ends before the knee (:func:`still_rising`
        of :attr:`mean`); then :attr:`knee` is the last budget."""
        return still_rising(self.mean, self.tolerance)

    @property
    def preset_index(self) -> int | None:
        """Index of the preset's budget among the budgets swept, or
        None."""
        matches = [
            i
            for i, budget in enumerate(self.budgets)
            if all(budget[name] == self.preset[name] for name in budget)
        ]
        return matches[0] if matches else None

    @property
    def position(self) -> str:
        """Where the preset's budget sits against the knee.

        ``"at"`` the knee's budget; ``"past"`` it (at least it in every
        setting, :func:`at_least`); ``"before"`` it otherwise (a smaller
        cap, or a shorter patience that may stop the run earlier). On a
        curve :attr:`still_rising` the knee lies at or beyond the largest
        budget: a preset short of that budget is ``"before"``, one at or
        past it ``"unplaced"``.
        """
        if self.still_rising:
            largest = self.budgets[-1]
            return (
                "unplaced" if at_least(self.preset, largest) else "before"
            )
        knee_budget = self.budgets[self.knee]
        if not at_least(self.preset, knee_budget):
            return "before"
        return "at" if at_least(knee_budget, self.preset) else "past"

    @property
    def headroom(self) -> float:
        """How much a larger budget swept raises the mean score above the
        preset's: the largest mean of the budgets after the preset's minus
        its mean (negative when they all score lower).

        NaN when the preset's budget is the largest swept or is not swept.
        """
        index = self.preset_index
        if index is None or index == len(self.budgets) - 1:
            return float("nan")
        means = self.mean
        return float(means[index + 1 :].max() - means[index])

    def table(self) -> pd.DataFrame:
        """One row per budget: its settings, ``mean``, ``std`` and one
        column ``seed <n>`` per seed."""
        columns = {
            f"seed {seed}": self.scores[:, i]
            for i, seed in enumerate(self.seeds)
        }
        return pd.DataFrame(
            {
                **pd.DataFrame(list(self.budgets)).to_dict("list"),
                "mean": self.mean,
                "std": self.std,
                **columns,
            }
        )


def budget_curve(
    train_and_score: Callable[[dict, int], float],
    budgets: Sequence[dict],
    seeds: Sequence[int],
    preset: dict,
    tolerance: float = KNEE_TOLERANCE,
) -> BudgetCurve:
    """Validation score of a model at each budget and seed.

    Parameters
    ----------
    train_and_score : callable
        ``train_and_score(budget, seed) -> score``: trains (or loads from
        the cache) the model with the settings in ``budget`` and returns
        its validation score in points.
    budgets : sequence of dict
        Budgets in increasing order, e.g. ``[{"max_epochs": 10, "patience":
        3}, ...]``.
    seeds : sequence of int
        Training seeds.
    preset : dict
        The budget the running preset trains with (same settings).
    tolerance : float
        The knee's tolerance.

    Returns
    -------
    BudgetCurve
    """
    seeds = tuple(int(seed) for seed in seeds)
    scores = [
        [float(train_and_score(dict(budget), seed)) for seed in seeds]
        for budget in budgets
    ]
    return BudgetCurve(
        tuple(dict(budget) for budget in budgets),
        seeds,
        np.array(scores, dtype=float).reshape(len(budgets), len(seeds)),
        dict(preset),
        float(tolerance),
    )


def _score_in_worker(score: Callable, config: RunConfig, *job) -> float:
    return score(worker_shared(), config, *job)


def sweep_budgets(
    score: Callable,
    data,
    config: RunConfig,
    budgets: Mapping[str, Sequence[dict]],
    presets: Mapping[str, dict],
    n_seeds: int,
    workers: int | None = None,
    cost: Callable[[str, dict], float] | None = None,
    progress: bool = False,
    tolerance: float = KNEE_TOLERANCE,
) -> dict:
    """The budget curves of several models: every budget and training
    seed ``0 .. n_seeds - 1`` of each.

    With ``workers > 1`` the runs are first trained in parallel processes
    (:func:`xaiaudio.core.parallel.run_in_processes`), the longest first,
    and the curves are then read back from the cache.

    Parameters
    ----------
    score : callable
        A module-level function (it is pickled to the processes),
        ``score(data, config, model, budget, seed) -> float``: trains (or
        loads from the cache) ``model`` with ``budget`` and training seed
        ``seed`` and returns its validation score.
    data : object
        What ``score`` trains on; sent once to each process.
    config : RunConfig
        Preset, device and data.
    budgets : mapping of str to sequence of dict
        Each model's budgets, in increasing order.
    presets : mapping of str to dict
        Each model's budget at the running preset.
    n_seeds : int
        Training seeds per budget.
    workers : int, optional
        Processes that train at once (1: every run in this process);
        default :func:`xaiaudio.core.parallel.default_workers`.
    cost : callable, optional
        ``cost(model, budget)``: how long a run takes, to start the longest
        first (default: the budget's rank in its model's sweep).
    progress : bool
        Show a progress bar over the parallel runs.
    tolerance : float
        The knee's tolerance.

    Returns
    -------
    dict of str to BudgetCurve
        One curve per model, in the order of ``budgets``.
    """
    seeds = range(int(n_seeds))
    jobs = [
        (model, dict(budget), seed)
        for model, sweep in budgets.items()
        for budget in sweep
        for seed in seeds
    ]
    workers = (
        default_workers(config, len(jobs))
        if workers is None
        else int(workers)
    )
    if workers > 1:
        if cost is None:

            def cost(model: str, budget: dict) -> float:
                return list(budgets[model]).index(budget)

        longest_first = sorted(jobs, key=lambda job: -cost(*job[:2]))
        with tqdm(
            total=len(jobs),
            desc="budgets",
            disable=not progress,
            leave=False,
        ) as bar:
            run_in_processes(
                _score_in_worker,
                [(score, config, *job) for job in longest_first],
                workers,
                shared=data,
                on_result=lambda *_: bar.update(1),
            )

    def curve(model: str) -> BudgetCurve:
        def train_and_score(budget: dict, seed: int) -> float:
            return score(data, config, model, budget, seed)

        return budget_curve(
            train_and_score,
            budgets[model],
            seeds,
            presets[model],
            tolerance,
        )

    return {model: curve(model) for model in budgets}
