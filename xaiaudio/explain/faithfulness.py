"""Is an explanation right?  Two measures against what we know.

* :func:`rate_localisation`: the embedded corpus knows each clip's modulation rate,
  so an explanation of a modulation classifier should put its highest relevance on
  an S2 path whose modulation frequency lambda2 is near that rate (within half an
  octave by default).
* :func:`deletion_curve` / AOPC (Samek et al., 2017): remove input paths
  in decreasing order of relevance and watch the explained class's score fall; a
  faithful explanation makes it fall fast, so the area over the perturbation curve
  (AOPC) is large.

Used by the chapter "Class-wise aggregation".
"""

from __future__ import annotations

import numpy as np
import torch


def path_relevance(relevance) -> np.ndarray:
    """Time-averaged relevance per path: ``(n, paths, frames) -> (n, paths)``."""
    relevance = relevance.detach().cpu().numpy() if torch.is_tensor(relevance) else np.asarray(relevance)
    return relevance.mean(axis=-1) if relevance.ndim == 3 else relevance


def rate_localisation(relevance, modulation_hz: np.ndarray, true_rates: np.ndarray,
                      tolerance_octaves: float = 0.5) -> np.ndarray:
    """Per example: is the highest-relevance second-order path within ``tolerance_octaves`` of the rate?

    ``modulation_hz[p]`` is path ``p``'s lambda2 in Hz (NaN for first-order paths,
    which are ignored); ``true_rates`` are the examples' modulation rates in Hz.
    """
    scores = path_relevance(relevance).copy()
    second_order = np.isfinite(modulation_hz)
    if not second_order.any():
        raise ValueError("no second-order path: localisation needs S2 features")
    scores[:, ~second_order] = -np.inf
    top = scores.argmax(axis=1)
    distance = np.abs(np.log2(modulation_hz[top] / np.asarray(true_rates, dtype=float)))
    return distance <= tolerance_octaves


@torch.no_grad()
def deletion_curve(model, features, relevance, classes, steps: int = 20, baseline=None,
                   batch_size: int = 64, device="cpu") -> np.ndarray:
    """Class probability after deleting the top ``k`` paths, for ``k`` on ``steps + 1`` fractions.

    Deleting a path replaces its whole time series by ``baseline`` (per path,
    default zero, i.e. the normalised features' floor).  Returns an array
    ``(n, steps + 1)`` whose column 0 is the unperturbed probability.
    """
    features = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    n, n_paths = features.shape[:2]
    order = np.argsort(-path_relevance(relevance), axis=1, kind="stable")
    classes = torch.as_tensor(np.asarray(classes)).long()
    fill = torch.zeros(n_paths) if baseline is None else torch.as_tensor(baseline, dtype=torch.float32)
    counts = np.round(np.linspace(0, n_paths, steps + 1)).astype(int)
    model.eval().to(device)
    curve = np.zeros((n, steps + 1))
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size)
        batch = features[rows]
        for column, count in enumerate(counts):
            perturbed = batch.clone()
            for local, example_order in enumerate(order[rows]):
                perturbed[local, example_order[:count]] = fill[example_order[:count], None]
            probabilities = model(perturbed.to(device)).softmax(dim=1).cpu()
            curve[rows, column] = probabilities.gather(1, classes[rows, None])[:, 0].numpy()
    return curve


def aopc(curve: np.ndarray) -> np.ndarray:
    """Area over the perturbation curve (AOPC) of each example, as defined by Samek et al. (2017).

    ``AOPC = 1 / (L + 1) * sum_{k=0}^{L} (p_0 - p_k)`` over the ``L + 1`` points of a deletion
    curve (``k = 0`` is the unperturbed input, whose term is zero).  The normalisation is
    ``1 / (L + 1)``, the number of points, not ``1 / L``.

    Parameters
    ----------
    curve : numpy.ndarray, shape (examples, L + 1)
        Class probability after deleting the top ``k``-th fraction of paths, column 0 unperturbed
        (:func:`deletion_curve`).

    Returns
    -------
    numpy.ndarray, shape (examples,)
        Larger when the probability falls faster.  Chapter "Class-wise aggregation".
    """
    curve = np.asarray(curve, dtype=float)
    return (curve[:, :1] - curve).sum(axis=1) / curve.shape[1]
