import numpy as np
import pytest
import torch
from torch import nn

from xaiaudio.explainers import EXPLAINERS, explain_batches
from xaiaudio.faithfulness import aopc, deletion_curve, path_relevance, rate_localisation


def test_localisation_finds_the_path_at_the_true_rate():
    modulation_hz = np.array([np.nan, np.nan, 2.0, 4.0, 8.0, 16.0])
    relevance = np.zeros((3, 6, 4))
    relevance[0, 4] = 1.0  # 8 Hz for a rate of 7 Hz: right
    relevance[1, 2] = 1.0  # 2 Hz for a rate of 7 Hz: wrong
    relevance[2, 0] = 9.0  # a first-order path is ignored; the S2 maximum (4 Hz, 0.8 octave off) counts
    relevance[2, 3] = 0.1
    hits = rate_localisation(relevance, modulation_hz, np.array([7.0, 7.0, 7.0]))
    assert hits.tolist() == [True, False, False]
    with pytest.raises(ValueError):
        rate_localisation(relevance, np.full(6, np.nan), np.ones(3))


class _LinearScorer(nn.Module):
    """Logit of class 1 = weighted sum of path means; class 0 fixed at 0."""

    n_classes = 2

    def __init__(self, weights):
        super().__init__()
        self.weights = torch.as_tensor(weights, dtype=torch.float32)

    def forward(self, x):
        score = (x.mean(dim=-1) * self.weights).sum(dim=1)
        return torch.stack([torch.zeros_like(score), score], dim=1)


def test_deletion_by_true_relevance_beats_random_order():
    rng = np.random.default_rng(0)
    weights = np.linspace(2.0, 0.0, 10)
    model = _LinearScorer(weights)
    features = np.abs(rng.normal(size=(8, 10, 5))).astype(np.float32) + 0.5
    true_relevance = features.mean(axis=-1) * weights
    classes = np.ones(8, int)
    good = aopc(deletion_curve(model, features, true_relevance, classes, steps=10))
    reverse = aopc(deletion_curve(model, features, -true_relevance, classes, steps=10))
    assert np.all(good > reverse)
    curve = deletion_curve(model, features, true_relevance, classes, steps=10)
    assert np.allclose(curve[:, -1], 0.5)  # everything deleted: logits tie
    assert np.all(np.diff(curve, axis=1) <= 1e-6)  # removing positive evidence only lowers the score


def test_gradient_methods_on_a_linear_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3, bias=False))
    model.n_classes = 3
    x = torch.randn(4, 3, 4)
    weights = model[1].weight.detach().reshape(3, 3, 4)
    target = 2
    np.testing.assert_allclose(EXPLAINERS["gradient"](model, x, target).numpy(),
                               weights[target].expand(4, 3, 4).numpy(), rtol=1e-6)
    expected = (weights[target] * x).numpy()
    for name in ("gradient x input", "integrated gradients"):
        np.testing.assert_allclose(EXPLAINERS[name](model, x, target).detach().numpy(), expected,
                                   rtol=1e-5, atol=1e-6, err_msg=name)
    smooth = EXPLAINERS["SmoothGrad"](model, x, target, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(smooth.numpy(), weights[target].expand(4, 3, 4).numpy(), rtol=1e-5)


def test_every_explainer_runs_on_the_convnet_and_is_finite():
    from xaiaudio.models import PlayingTechniqueConvNet

    torch.manual_seed(0)
    model = PlayingTechniqueConvNet(16).eval()
    features = np.random.default_rng(0).normal(size=(3, 16, 8)).astype(np.float32)
    for name in EXPLAINERS:
        relevance = explain_batches(name, model, features, batch_size=2)
        assert relevance.shape == (3, 16, 8) and torch.isfinite(relevance).all(), name
    assert path_relevance(relevance).shape == (3, 16)
