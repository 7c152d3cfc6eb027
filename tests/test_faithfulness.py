import numpy as np
import pytest
import torch
from torch import nn

from xaiaudio.explain.faithfulness import aopc, deletion_curve, path_relevance, rate_localisation
from xaiaudio.explain.registry import METHODS, explain_batches


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
    np.testing.assert_allclose(METHODS["gradient"].explain(model, x, target).numpy(),
                               weights[target].expand(4, 3, 4).numpy(), rtol=1e-6)
    expected = (weights[target] * x).numpy()
    for name in ("gradient x input", "integrated gradients"):
        np.testing.assert_allclose(METHODS[name].explain(model, x, target).detach().numpy(), expected,
                                   rtol=1e-5, atol=1e-6, err_msg=name)
    smooth = METHODS["SmoothGrad"].explain(model, x, target, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(smooth.numpy(), weights[target].expand(4, 3, 4).numpy(), rtol=1e-5)


def test_every_explainer_runs_on_the_convnet_and_is_finite():
    from xaiaudio.models.convnet import PlayingTechniqueConvNet

    torch.manual_seed(0)
    model = PlayingTechniqueConvNet(16).eval()
    features = np.random.default_rng(0).normal(size=(3, 16, 8)).astype(np.float32)
    for name in METHODS:
        relevance = explain_batches(name, model, features, batch_size=2)
        assert relevance.shape == (3, 16, 8) and torch.isfinite(relevance).all(), name
    assert path_relevance(relevance).shape == (3, 16)


def test_explain_batches_slices_a_target_per_example_whatever_its_type():
    from xaiaudio.models.convnet import PlayingTechniqueConvNet

    torch.manual_seed(0)
    model = PlayingTechniqueConvNet(16).eval()
    features = np.random.default_rng(0).normal(size=(3, 16, 8)).astype(np.float32)
    classes = [4, 0, 2]
    expected = explain_batches("gradient", model, features, torch.tensor(classes), batch_size=2)
    for target in (classes, np.array(classes)):
        assert torch.equal(explain_batches("gradient", model, features, target, batch_size=2), expected)
    with pytest.raises(ValueError, match="one class per example"):
        explain_batches("gradient", model, features, [0, 1], batch_size=2)


def test_gradient_methods_match_zennits_attributors():
    """The few-line versions shown in the chapter against zennit.attribution on a nonlinear convnet."""
    from zennit.attribution import Gradient, IntegratedGradients, SmoothGrad

    from xaiaudio.explain.lrp import one_hot_seed
    from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm

    torch.manual_seed(0)
    model = randomise_batchnorm(PlayingTechniqueConvNet(16), torch.Generator().manual_seed(0)).eval()
    x = torch.randn(3, 16, 8, generator=torch.Generator().manual_seed(1))
    target = torch.tensor([0, 2, 4])

    def seed(output):
        return one_hot_seed(output, target)

    with Gradient(model) as attributor:
        _, expected = attributor(x.clone(), seed)
    torch.testing.assert_close(METHODS["gradient"].explain(model, x, target), expected)
    # zennit sums right endpoints; ours takes midpoints: both converge to the same integral.
    with IntegratedGradients(model, n_iter=512) as attributor:
        _, expected = attributor(x.clone(), seed)
    ours = METHODS["integrated gradients"].explain(model, x, target, n_steps=512)
    torch.testing.assert_close(ours, expected, rtol=0.02, atol=0.02 * expected.abs().max().item())
    # Same noise scale (noise_level x the example's range): the means agree within sampling error.
    torch.manual_seed(2)
    with SmoothGrad(model, noise_level=0.1, n_iter=4000) as attributor:
        _, expected = attributor(x.clone(), seed)
    ours = METHODS["SmoothGrad"].explain(model, x, target, torch.Generator().manual_seed(3), n_samples=4000)
    assert torch.corrcoef(torch.stack([ours.flatten(), expected.flatten()]))[0, 1] > 0.99


def test_aopc_normalises_by_the_number_of_curve_points_as_samek_et_al():
    # Samek et al. (2017): 1 / (L + 1) * sum_{k=0}^{L} (p_0 - p_k); here L = 2.
    curve = np.array([[1.0, 0.5, 0.0], [0.8, 0.8, 0.8]])
    np.testing.assert_allclose(aopc(curve), [(0.0 + 0.5 + 1.0) / 3, 0.0])
