import numpy as np
import pytest
import torch

from xaiaudio.models.convnet import PlayingTechniqueConvNet
from xaiaudio.training.classifier import (
    TrainingSettings,
    class_weights,
    evaluate_classifier,
    improves,
    predict,
    train_classifier,
)
from xaiaudio.training.metrics import confusion_matrix, macro_accuracy


def _separable(n, n_paths=32, frames=16, seed=0):
    """Each class lights up its own band of paths: a convnet must learn it."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 5
    features = rng.normal(size=(n, n_paths, frames)).astype(np.float32)
    for k in range(5):
        features[labels == k, 6 * k:6 * k + 6] += 3.0
    return features, labels


def test_class_weights_and_macro_accuracy():
    weights = class_weights(np.array([0, 0, 0, 1, 2, 2]), 4)
    assert weights.tolist() == [1.0, 3.0, 1.5, 0.0]
    labels = np.array([0, 0, 0, 0, 1])
    assert macro_accuracy(labels, np.zeros(5, int)) == pytest.approx(0.5)
    assert confusion_matrix(labels, np.zeros(5, int), 2).tolist() == [[4, 0], [1, 0]]


def test_every_example_is_scored_including_a_last_batch_of_one():
    model = PlayingTechniqueConvNet(32)
    features, labels = _separable(65)
    assert predict(model, features, batch_size=32).shape == (65, 5)
    assert len(evaluate_classifier(model, features[:1], labels[:1]).predictions) == 1


def test_training_learns_restores_the_best_epoch_and_is_deterministic():
    train, train_labels = _separable(80, seed=1)
    val, val_labels = _separable(40, seed=2)
    settings = TrainingSettings(max_epochs=12, patience=12, warmup_epochs=1, batch_size=16)
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        model = PlayingTechniqueConvNet(32)
        result = train_classifier(model, train, train_labels, val, val_labels, settings,
                                  seed=3, progress=False)
        results.append((model, result))
    (model, result), (_, again) = results
    best = _best_epoch(result.history)
    assert result.best_epoch == best
    assert evaluate_classifier(model, val, val_labels).macro_accuracy == pytest.approx(
        result.history["val_macro_accuracy"][best])
    assert result.history["val_macro_accuracy"][best] >= 0.9
    assert result.history == again.history
    for name, tensor in result.state_dict.items():
        assert torch.equal(tensor, again.state_dict[name]), name


def _best_epoch(history) -> int:
    """The highest validation accuracy; among its epochs, the lowest validation loss."""
    accuracy, loss = np.asarray(history["val_macro_accuracy"]), np.asarray(history["val_loss"])
    at_max = np.flatnonzero(accuracy == accuracy.max())
    return int(at_max[np.argmin(loss[at_max])])


def test_an_accuracy_tie_is_broken_by_the_validation_loss():
    assert improves((0.8, 0.5), (0.8, 0.6)) and not improves((0.8, 0.7), (0.8, 0.6))
    assert improves((0.9, 2.0), (0.8, 0.1)) and not improves((0.7, 0.0), (0.8, 0.6))
    # separable data: validation accuracy reaches its ceiling early and stays there while the
    # loss keeps falling; the restored network is the most confident one, not the first to get there
    train, train_labels = _separable(80, seed=1)
    val, val_labels = _separable(40, seed=2)
    settings = TrainingSettings(max_epochs=12, patience=12, warmup_epochs=1, batch_size=16)
    torch.manual_seed(0)
    result = train_classifier(PlayingTechniqueConvNet(32), train, train_labels, val, val_labels,
                              settings, seed=3, progress=False)
    accuracy = result.history["val_macro_accuracy"]
    first_at_ceiling = int(np.argmax(accuracy))
    assert result.best_epoch == _best_epoch(result.history)
    assert result.best_epoch > first_at_ceiling
    assert result.history["val_loss"][result.best_epoch] < result.history["val_loss"][first_at_ceiling]


def test_early_stopping_stops_after_patience():
    train, train_labels = _separable(20)
    settings = TrainingSettings(max_epochs=50, patience=2, warmup_epochs=1, batch_size=8, learning_rate=0.0)
    result = train_classifier(PlayingTechniqueConvNet(32), train, train_labels, train, train_labels,
                              settings, progress=False)
    assert len(result.history["train_loss"]) == result.best_epoch + 3


def _weights_trained_with_torch_threads(threads: int, cpu_threads) -> dict:
    train, train_labels = _separable(80, seed=1)
    settings = TrainingSettings(max_epochs=6, patience=6, warmup_epochs=1, batch_size=16,
                                cpu_threads=cpu_threads)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        model = PlayingTechniqueConvNet(32)
        result = train_classifier(model, train, train_labels, train, train_labels, settings, seed=3,
                                  progress=False)
        assert torch.get_num_threads() == threads  # restored after training
    finally:
        torch.set_num_threads(before)
    return result.state_dict


def test_a_model_does_not_depend_on_the_callers_thread_count():
    one, two = _weights_trained_with_torch_threads(1, 1), _weights_trained_with_torch_threads(2, 1)
    assert all(torch.equal(one[name], two[name]) for name in one)
