"""Is an explanation right?  Two measures against what we know.

* :func:`rate_localisation`: the embedded corpus knows each clip's
  modulation rate, so an explanation of a modulation classifier should put
  its highest relevance on an S2 path whose modulation frequency lambda2 is
  near that rate (within half an octave by default).
* :func:`deletion_curve` / :func:`aopc` (Samek et al., 2017): remove input
  paths in decreasing order of relevance and watch the explained class's
  probability fall; a faithful explanation makes it fall fast, so the area
  over the perturbation curve (AOPC) is large.

Used by :func:`xaiaudio.experiments.relevance.faithfulness_table`.
"""

from __future__ import annotations

import numpy as np
import torch

from xaiaudio.core import work_ledger


def path_relevance(relevance) -> np.ndarray:
    """Time-averaged relevance per path: ``(n, paths, frames) -> (n,
    paths)``.

    Input of any other dimensionality (e.g. relevance already averaged) is
    returned unchanged, as a NumPy array. Used by
    :func:`rate_localisation`, :func:`deletion_curve` and
    :func:`xaiaudio.experiments.relevance.explain_time_averaged`.

    Parameters
    ----------
    relevance : tensor or array, shape (n, paths, frames) or (n, paths)
        Relevance of every input value (a tensor is detached and copied to
        the CPU).

    Returns
    -------
    numpy.ndarray, shape (n, paths)
        The mean over the last (time) axis.
    """
    relevance = (
        relevance.detach().cpu().numpy()
        if torch.is_tensor(relevance)
        else np.asarray(relevance)
    )
    return relevance.mean(axis=-1) if relevance.ndim == 3 else relevance


def rate_localisation(
    relevance,
    modulation_hz: np.ndarray,
    true_rates: np.ndarray,
    tolerance_octaves: float = 0.5,
) -> np.ndarray:
    """Per example: is the highest-relevance second-order path within
    ``tolerance_octaves`` of the rate?

    Only second-order paths compete; the distance is ``|log2(lambda2 /
    rate)|`` in octaves. Used by
    :func:`xaiaudio.experiments.relevance.faithfulness_table`.

    Parameters
    ----------
    relevance : tensor or array, shape (n, paths, frames) or (n, paths)
        Relevance of each example (time-averaged by
        :func:`path_relevance`).
    modulation_hz : numpy.ndarray, shape (paths,)
        Each path's modulation frequency lambda2 in Hz; NaN for first-order
        paths, which are ignored.
    true_rates : array-like, shape (n,)
        The examples' modulation rates in Hz (a NaN rate is never
        localised).
    tolerance_octaves : float, default 0.5
        Largest accepted distance, in octaves.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        Whether each example is localised.

    Raises
    ------
    ValueError
        If no path is of second order (localisation needs S2 features).
    """
    scores = path_relevance(relevance).copy()
    second_order = np.isfinite(modulation_hz)
    if not second_order.any():
        raise ValueError(
            "no second-order path: localisation needs S2 features"
        )
    scores[:, ~second_order] = -np.inf
    top = scores.argmax(axis=1)
    distance = np.abs(
        np.log2(modulation_hz[top] / np.asarray(true_rates, dtype=float))
    )
    return distance <= tolerance_octaves


@torch.no_grad()
def deletion_curve(
    model,
    features,
    relevance,
    classes,
    steps: int = 20,
    baseline=None,
    batch_size: int = 64,
    device="cpu",
) -> np.ndarray:
    """Class probability after deleting the top ``k`` paths, for ``k`` on
    ``steps + 1`` fractions.

    Paths are deleted in decreasing order of time-averaged relevance (ties
    in path order); column ``c`` deletes ``round(c * paths / steps)`` of
    them, replacing each deleted path's whole time series by its
    ``baseline`` value. Runs without gradients, in batches; the model is
    put in eval mode on ``device``. Used by
    :func:`xaiaudio.experiments.relevance.faithfulness_table`.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    features : array-like, shape (n, paths, frames)
        The inputs (converted to float32).
    relevance : tensor or array, shape (n, paths, frames) or (n, paths)
        Relevance of each example, ranking its paths.
    classes : array-like of int, shape (n,)
        The explained class of each example.
    steps : int, default 20
        Number of deletion steps (the curve has ``steps + 1`` points).
    baseline : array-like, shape (paths,), optional
        Value that replaces each deleted path (``None``: zero, the
        normalised features' floor).
    batch_size : int, default 64
        Examples per forward pass.
    device : str or torch.device, default "cpu"
        Where the forward passes run.

    Returns
    -------
    numpy.ndarray, shape (n, steps + 1)
        Softmax probability of the explained class; column 0 is the
        unperturbed input and the last column has every path deleted.
    """
    features = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    n, n_paths = features.shape[:2]
    order = np.argsort(-path_relevance(relevance), axis=1, kind="stable")
    classes = torch.as_tensor(np.asarray(classes)).long()
    fill = (
        torch.zeros(n_paths)
        if baseline is None
        else torch.as_tensor(baseline, dtype=torch.float32)
    )
    counts = np.round(np.linspace(0, n_paths, steps + 1)).astype(int)
    model.eval().to(device)
    work_ledger.count(
        "classifier forward example",
        n * len(counts),
        features.shape[1:],
    )
    curve = np.zeros((n, steps + 1))
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size)
        batch = features[rows]
        for column, count in enumerate(counts):
            perturbed = batch.clone()
            for local, example_order in enumerate(order[rows]):
                perturbed[local, example_order[:count]] = fill[
                    example_order[:count], None
                ]
            probabilities = (
                model(perturbed.to(device)).softmax(dim=1).cpu()
            )
            curve[rows, column] = probabilities.gather(
                1, classes[rows, None]
            )[:, 0].numpy()
    return curve


def aopc(curve: np.ndarray) -> np.ndarray:
    """Area over the perturbation curve (AOPC) of each example, as defined
    by Samek et al. (2017).

    ``AOPC = 1 / (L + 1) * sum_{k=0}^{L} (p_0 - p_k)`` over the ``L + 1``
    points of a deletion curve (``k = 0`` is the unperturbed input, whose
    term is zero). The normalisation is ``1 / (L + 1)``, the number of
    points, not ``1 / L``. Used by
    :func:`xaiaudio.experiments.relevance.faithfulness_table`.

    Parameters
    ----------
    curve : numpy.ndarray, shape (examples, L + 1)
        Class probability after deleting the top ``k``-th fraction of
        paths, column 0 unperturbed (:func:`deletion_curve`).

    Returns
    -------
    numpy.ndarray, shape (examples,)
        Larger when the probability falls faster.
    """
    curve = np.asarray(curve, dtype=float)
    return (curve[:, :1] - curve).sum(axis=1) / curve.shape[1]
