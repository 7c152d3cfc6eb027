"""Classification scores, one definition each, from scikit-learn.

Both papers report a "macro" or "average" accuracy: the mean over classes
of each class's recall (balanced accuracy). Every function takes ``(labels,
predictions)`` in that order, as scikit-learn does. Wang et al.'s convnet
is scored in fractions (:func:`macro_accuracy`, :func:`per_class_recall`,
:func:`confusion_matrix`); Loiseau et al.'s tables use percentages
(:func:`overall_and_average_accuracy`). Clusters are turned into classes by
:func:`majority_mapping` over *training* assignments.
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn.metrics


def macro_accuracy(labels, predictions) -> float:
    """Balanced accuracy: the mean recall over the classes present in
    ``labels``.

    A class that is predicted but absent from ``labels`` does not count
    (scikit-learn's warning about it is silenced). Used by
    :attr:`xaiaudio.training.classifier.Evaluation.macro_accuracy`; also
    the AA of :func:`overall_and_average_accuracy`.

    Parameters
    ----------
    labels, predictions : array-like of int, shape (n,)
        True and predicted class indices.

    Returns
    -------
    float
        A fraction in [0, 1] (``sklearn.metrics.balanced_accuracy_score``).

    Raises
    ------
    ValueError
        If ``labels`` is empty or the two shapes differ.
    """
    labels, predictions = _checked(labels, predictions)
    # a predicted class absent from labels is not an error here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(
            sklearn.metrics.balanced_accuracy_score(labels, predictions)
        )


def per_class_recall(labels, predictions, n_classes: int) -> np.ndarray:
    """Recall of each class ``0 .. n_classes - 1``: the fraction of its
    examples predicted as it.

    Used by
    :attr:`xaiaudio.training.classifier.Evaluation.per_class_recall`.

    Parameters
    ----------
    labels, predictions : array-like of int, shape (n,)
        True and predicted class indices.
    n_classes : int
        Number of classes.

    Returns
    -------
    numpy.ndarray, shape (n_classes,)
        Fractions in [0, 1]; NaN for a class with no example in ``labels``.

    Raises
    ------
    ValueError
        If ``labels`` is empty or the two shapes differ.
    """
    labels, predictions = _checked(labels, predictions)
    return sklearn.metrics.recall_score(
        labels,
        predictions,
        labels=np.arange(n_classes),
        average=None,
        zero_division=np.nan,
    )


def confusion_matrix(labels, predictions, n_classes: int) -> np.ndarray:
    """Confusion matrix: counts ``[true class, predicted class]`` over
    classes ``0 .. n_classes - 1``.

    Used by :attr:`xaiaudio.training.classifier.Evaluation.confusion`.

    Parameters
    ----------
    labels, predictions : array-like of int, shape (n,)
        True and predicted class indices.
    n_classes : int
        Number of classes.

    Returns
    -------
    numpy.ndarray of int, shape (n_classes, n_classes)
        Entry ``[i, j]`` counts the examples of class ``i`` predicted as
        ``j``.

    Raises
    ------
    ValueError
        If ``labels`` is empty or the two shapes differ.
    """
    labels, predictions = _checked(labels, predictions)
    return sklearn.metrics.confusion_matrix(
        labels, predictions, labels=np.arange(n_classes)
    )


def overall_and_average_accuracy(labels, predictions) -> dict:
    """The OA and AA columns of Loiseau et al.'s tables, in percent.

    Used by
    :func:`xaiaudio.training.prototype_curriculum.evaluate_prototypes` and
    :mod:`xaiaudio.training.baseline_training`.

    Parameters
    ----------
    labels, predictions : array-like of int, shape (n,)
        True and predicted class indices.

    Returns
    -------
    dict
        ``{"OA": percentage of correct predictions, "AA": mean per-class
        recall in percent}`` (AA is 100 x :func:`macro_accuracy`).

    Raises
    ------
    ValueError
        If ``labels`` is empty or the two shapes differ.
    """
    labels, predictions = _checked(labels, predictions)
    return {
        "OA": 100.0
        * float(sklearn.metrics.accuracy_score(labels, predictions)),
        "AA": 100.0 * macro_accuracy(labels, predictions),
    }


def majority_mapping(
    assignments, labels, n_clusters: int, n_classes: int
) -> np.ndarray:
    """Class of each cluster by majority vote over (training) assignments.

    The unsupervised prototypes and the k-means baseline are scored through
    this mapping.

    Parameters
    ----------
    assignments : array-like of int, shape (n,)
        Cluster of each example, in ``0 .. n_clusters - 1``.
    labels : array-like of int, shape (n,)
        True class of each example, in ``0 .. n_classes - 1``.
    n_clusters : int
        Number of clusters.
    n_classes : int
        Number of classes.

    Returns
    -------
    numpy.ndarray of int, shape (n_clusters,)
        The class of each cluster (ties go to the smaller class index); a
        cluster no example is assigned to gets the most frequent class of
        ``labels``.
    """
    assignments, labels = np.asarray(assignments), np.asarray(labels)
    fallback = int(np.bincount(labels, minlength=n_classes).argmax())
    mapping = np.full(n_clusters, fallback, dtype=np.int64)
    for k in range(n_clusters):
        members = labels[assignments == k]
        if members.size:
            mapping[k] = int(
                np.bincount(members, minlength=n_classes).argmax()
            )
    return mapping


def _checked(labels, predictions) -> tuple[np.ndarray, np.ndarray]:
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.size == 0:
        raise ValueError("no labelled examples to score")
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels {labels.shape} and predictions {predictions.shape} "
            "differ in shape"
        )
    return labels, predictions
