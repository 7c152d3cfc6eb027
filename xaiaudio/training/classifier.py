"""Training and scoring the playing-technique classifier, as in Wang et al.
(and without its defects).

The recipe of the published code: cross-entropy weighted by ``max(count) /
count`` per class, AdamW (learning rate 1e-3, weight decay 0.1), batches of
32, gradient-norm clipping at 3, a linear warm-up for 3 epochs then cosine
annealing restarted every epoch, early stopping on the validation macro
(balanced) accuracy. Three defects of the published code are fixed: the
best checkpoint (not the last weights) is restored, evaluation scores every
example (no dropped last batch), and a batch of one example works.

The playing-technique convnets are trained through
:func:`xaiaudio.experiments.technique_convnets.trained_convnet`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from xaiaudio.core import work_ledger
from xaiaudio.core.threads import torch_threads
from xaiaudio.training.metrics import (
    confusion_matrix,
    macro_accuracy,
    per_class_recall,
)


@dataclass(frozen=True)
class TrainingSettings:
    """Optimisation settings of :func:`train_classifier`;
    :data:`TRAINING_SETTINGS` holds one per preset.

    Parameters
    ----------
    max_epochs : int
        Upper bound on the number of epochs.
    patience : int
        Early stopping: epochs without a better validation macro accuracy
        before training stops.
    warmup_epochs : int, default 3
        Epochs of linear learning-rate warm-up
        (:func:`warmup_cosine_schedule`).
    batch_size : int, default 32
        Examples per optimisation step.
    learning_rate : float, default 1e-3
        Peak learning rate of AdamW.
    weight_decay : float, default 0.1
        AdamW's decoupled weight decay.
    clip_norm : float, default 3.0
        Maximum norm of the gradient of all parameters together, per step.
    cpu_threads : int or None, default 1
        torch's intra-op threads while training on the CPU. The sums inside
        a layer are split among the threads, so 1 and 2 threads give
        slightly different weights that grow apart over the epochs: one
        fixed count makes a cached model the same whichever process (a
        chapter's kernel, a scorecard worker) trained it first. ``None``
        leaves torch's setting alone.
    """

    max_epochs: int
    patience: int
    warmup_epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 0.1
    clip_norm: float = 3.0
    cpu_threads: int | None = 1


#: Training settings per preset (``paper``: the published recipe, up to 500
#: epochs).
TRAINING_SETTINGS = {
    "smoke": TrainingSettings(max_epochs=4, patience=2, warmup_epochs=1),
    "book": TrainingSettings(max_epochs=200, patience=50),
    "paper": TrainingSettings(max_epochs=500, patience=20),
}


def class_weights(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    """Class weights of the cross-entropy: ``max(count) / count`` per
    class.

    Used by :func:`train_classifier`.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (n,)
        Class index of every training example.
    n_classes : int
        Number of classes.

    Returns
    -------
    torch.Tensor, shape (n_classes,), float32
        The weight of each class: 1 for the most frequent one, larger for
        rarer ones, 0 for a class absent from ``labels``.
    """
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    weights = np.divide(
        counts.max(), counts, out=np.zeros(n_classes), where=counts > 0
    )
    return torch.tensor(weights, dtype=torch.float32)


@torch.no_grad()
def predict(
    model: nn.Module, features, batch_size: int = 64, device="cpu"
) -> np.ndarray:
    """Logits of ``model`` for every example of ``features``, in batches,
    none dropped.

    Puts ``model`` in eval mode and moves it to ``device`` (both persist
    after the call); runs without gradients. Used by
    :func:`evaluate_classifier`.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier such as
        :class:`~xaiaudio.models.convnet.PlayingTechniqueConvNet`.
    features : array-like, shape (n, paths, frames)
        The inputs (a NumPy array or anything sliceable that
        :func:`numpy.asarray` accepts), of the model's dtype.
    batch_size : int, default 64
        Examples per forward pass (the last batch may be smaller, even of
        one example).
    device : str or torch.device, default "cpu"
        Where the forward passes run.

    Returns
    -------
    numpy.ndarray, shape (n, n_classes)
        The logits, on the CPU; ``(0, model.n_classes)`` zeros when
        ``features`` is empty.
    """
    model.eval().to(device)
    work_ledger.count(
        "classifier forward example",
        len(features),
        np.shape(features[:1])[1:],
    )
    logits = [
        model(
            torch.as_tensor(
                np.asarray(features[start : start + batch_size]),
                device=device,
            )
        ).cpu()
        for start in range(0, len(features), batch_size)
    ]
    return (
        torch.cat(logits).numpy()
        if logits
        else np.zeros((0, getattr(model, "n_classes", 0)))
    )


@dataclass
class Evaluation:
    """Scores of a model on one split: labels, predictions, logits and the
    scores derived from them.

    Returned by :func:`evaluate_classifier`.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (n,)
        True class of every example.
    predictions : numpy.ndarray of int, shape (n,)
        Predicted class (argmax of the logits).
    logits : numpy.ndarray, shape (n, n_classes)
        The model's outputs.
    n_classes : int
        Number of classes (sets the size of the recall vector and the
        confusion matrix).
    """

    labels: np.ndarray
    predictions: np.ndarray
    logits: np.ndarray
    n_classes: int

    @property
    def macro_accuracy(self) -> float:
        """Macro (balanced) accuracy: the mean recall over the classes
        present in ``labels``.

        The accuracy the paper reports.

        Returns
        -------
        float
            A fraction in [0, 1]
            (:func:`xaiaudio.training.metrics.macro_accuracy`).
        """
        return macro_accuracy(self.labels, self.predictions)

    @property
    def per_class_recall(self) -> np.ndarray:
        """Recall of each class.

        Returns
        -------
        numpy.ndarray, shape (n_classes,)
            Fractions in [0, 1]; NaN for a class without examples
            (:func:`xaiaudio.training.metrics.per_class_recall`).
        """
        return per_class_recall(
            self.labels, self.predictions, self.n_classes
        )

    @property
    def confusion(self) -> np.ndarray:
        """Confusion matrix: counts ``[true class, predicted class]``.

        Returns
        -------
        numpy.ndarray of int, shape (n_classes, n_classes)
            Rows are true classes, columns predicted ones
            (:func:`xaiaudio.training.metrics.confusion_matrix`).
        """
        return confusion_matrix(
            self.labels, self.predictions, self.n_classes
        )


def evaluate_classifier(
    model: nn.Module, features, labels, device="cpu", batch_size: int = 64
) -> Evaluation:
    """Score ``model`` on every example of a split.

    Used by :func:`train_classifier` (validation) and by
    :func:`xaiaudio.experiments.technique_convnets.score_on_test`.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier with an ``n_classes`` attribute; put in eval mode and
        moved to ``device``.
    features : array-like, shape (n, paths, frames)
        The inputs.
    labels : array-like of int, shape (n,)
        True class indices.
    device : str or torch.device, default "cpu"
        Where the forward passes run.
    batch_size : int, default 64
        Examples per forward pass.

    Returns
    -------
    Evaluation
        Labels, predicted classes (argmax), logits and the derived scores.
    """
    logits = predict(model, features, batch_size, device)
    labels = np.asarray(labels)
    return Evaluation(
        labels, logits.argmax(axis=1), logits, model.n_classes
    )


def warmup_cosine_schedule(
    optimizer, steps_per_epoch: int, warmup_epochs: int
):
    """Learning-rate schedule: linear warm-up, then cosine annealing
    restarted every epoch.

    The factor applied to the base learning rate at optimisation step ``t``
    is ``(t + 1) / W`` during the first ``W = max(1, warmup_epochs *
    steps_per_epoch)`` steps, then ``(1 + cos(pi p)) / 2`` where ``p`` in
    [0, 1) is the position of the step within its epoch. Call
    ``scheduler.step()`` after every optimiser step. Used by
    :func:`train_classifier`.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimiser whose learning rates are scheduled.
    steps_per_epoch : int
        Optimisation steps per epoch (at least 1).
    warmup_epochs : int
        Epochs of linear warm-up.

    Returns
    -------
    torch.optim.lr_scheduler.LambdaLR
        The scheduler.
    """
    warmup_steps = max(1, warmup_epochs * steps_per_epoch)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        position = (
            (step - warmup_steps) % steps_per_epoch
        ) / steps_per_epoch
        return 0.5 * (1 + np.cos(np.pi * position))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass
class TrainingResult:
    """What :func:`train_classifier` returns: the best model's weights and
    the per-epoch history.

    Stored in the cache by
    :func:`xaiaudio.experiments.technique_convnets.trained_convnet`.

    Parameters
    ----------
    state_dict : dict
        Weights of the best validation epoch, as CPU tensors.
    best_epoch : int
        Index (from 0) of that epoch.
    history : dict
        ``"train_loss"`` (weighted cross-entropy), ``"val_loss"``
        (unweighted cross-entropy) and ``"val_macro_accuracy"`` (fraction):
        lists with one value per epoch run.
    """

    state_dict: dict
    best_epoch: int
    history: dict = field(default_factory=dict)


def improves(candidate: tuple, best: tuple) -> bool:
    """Whether an epoch's ``(macro accuracy, loss)`` on the validation
    split beats the best so far.

    Macro accuracy over a few validation clips per class takes few values
    and saturates early: with ties kept at the first epoch that reached
    the ceiling, the restored network can be barely trained. At equal
    accuracy the lower cross-entropy wins (more confident on the same
    correct clips).
    """
    (score, loss), (best_score, best_loss) = candidate, best
    return score > best_score or (score == best_score and loss < best_loss)


def train_classifier(
    model: nn.Module,
    train_features,
    train_labels,
    val_features,
    val_labels,
    settings: TrainingSettings,
    device="cpu",
    seed: int = 0,
    progress: bool = True,
) -> TrainingResult:
    """Train ``model`` with the paper's recipe; restore and return the best
    validation checkpoint.

    Each epoch shuffles the training set (a generator seeded by ``seed``),
    takes batches of ``settings.batch_size`` (a last batch of one is joined
    with the example before it: batch norm needs two), and steps AdamW with
    clipped gradients and :func:`warmup_cosine_schedule`. The epoch ends
    with the validation macro accuracy and loss; an epoch improves on the
    best one when its accuracy is higher or, at equal accuracy, its loss is
    lower (:func:`improves`). Training stops after ``settings.patience``
    epochs without improvement or at ``settings.max_epochs``.
    Deterministic under ``seed`` on a given device
    (on the CPU, with ``settings.cpu_threads`` threads).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier with an ``n_classes`` attribute, trained in place; on
        return it holds the best weights, on ``device``, in eval mode.
    train_features, val_features : numpy.ndarray, shape (n, paths, frames)
        Training and validation inputs (indexed with integer arrays).
    train_labels, val_labels : array-like of int, shape (n,)
        Their class indices.
    settings : TrainingSettings
        Epochs, patience, warm-up, batch size, learning rate, weight decay,
        clipping.
    device : str or torch.device, default "cpu"
        Where training runs.
    seed : int, default 0
        Seed of torch's global generator (dropout masks) and of the
        shuffling.
    progress : bool, default True
        Show a tqdm bar over epochs.

    Returns
    -------
    TrainingResult
        The best weights (CPU), the best epoch and the per-epoch history.

    Raises
    ------
    FloatingPointError
        When the training loss stops being finite (the run diverged).
    """
    threads = (
        settings.cpu_threads
        if torch.device(device).type == "cpu"
        else None
    )
    with torch_threads(threads):
        torch.manual_seed(seed)
        shuffle = np.random.default_rng(seed)
        model.to(device)
        train_labels = np.asarray(train_labels)
        n_train = len(train_labels)
        loss_fn = nn.CrossEntropyLoss(
            weight=class_weights(train_labels, model.n_classes).to(device)
        )
        optimizer = torch.optim.AdamW(
            model.parameters(),
            lr=settings.learning_rate,
            weight_decay=settings.weight_decay,
        )
        steps_per_epoch = int(np.ceil(n_train / settings.batch_size))
        scheduler = warmup_cosine_schedule(
            optimizer, steps_per_epoch, settings.warmup_epochs
        )
        history = {
            "train_loss": [],
            "val_loss": [],
            "val_macro_accuracy": [],
        }
        best, best_epoch, best_state = (
            (-np.inf, np.inf),
            0,
            copy.deepcopy(model.state_dict()),
        )
        epochs = tqdm(
            range(settings.max_epochs), desc="epochs", disable=not progress
        )
        for epoch in epochs:
            model.train()
            order = shuffle.permutation(n_train)
            running = 0.0
            for start in range(0, n_train, settings.batch_size):
                rows = np.sort(order[start : start + settings.batch_size])
                if len(rows) == 1 and n_train > 1:
                    # batch norm needs two examples to train
                    rows = np.sort(order[start - 1 : start + 1])
                inputs = torch.as_tensor(
                    np.asarray(train_features[rows]), device=device
                )
                targets = torch.as_tensor(
                    train_labels[rows], device=device
                )
                optimizer.zero_grad()
                loss = loss_fn(model(inputs), targets)
                loss.backward()
                nn.utils.clip_grad_norm_(
                    model.parameters(), settings.clip_norm
                )
                optimizer.step()
                scheduler.step()
                running += loss.item() * len(rows)
            validation = evaluate_classifier(
                model, val_features, val_labels, device
            )
            val_loss = nn.functional.cross_entropy(
                torch.as_tensor(validation.logits),
                torch.as_tensor(validation.labels),
            ).item()
            score = validation.macro_accuracy
            if not np.isfinite(running):
                raise FloatingPointError(
                    f"training loss became {running / n_train} at epoch "
                    f"{epoch}"
                )
            history["train_loss"].append(running / n_train)
            history["val_loss"].append(val_loss)
            history["val_macro_accuracy"].append(score)
            epochs.set_postfix(val_macro_accuracy=f"{score:.3f}")
            if improves((score, val_loss), best):
                best, best_epoch, best_state = (
                    (score, val_loss),
                    epoch,
                    copy.deepcopy(model.state_dict()),
                )
            elif epoch - best_epoch >= settings.patience:
                break
        work_ledger.count(
            "convnet training example",
            (epoch + 1) * n_train,
            train_features.shape[1:],
        )
        model.load_state_dict(best_state)
        return TrainingResult(
            {k: v.detach().cpu() for k, v in best_state.items()},
            best_epoch,
            history,
        )
