"""The composite taken apart (chapter "Comparing LRP rules"): composite variants and their statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from xaiaudio.experiments import kurtosis_drivers as kd
from xaiaudio.explain import lrp
from xaiaudio.explain.composite_variants import unmerged_copy, with_batchnorm_rule
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm


def _bias_free_net(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv1d(2, 3, 3, padding="same", bias=False), nn.BatchNorm1d(3), nn.ReLU(),
                          nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(3, 2, bias=False))
    return randomise_batchnorm(model, torch.Generator().manual_seed(seed)).eval()


def _batchnorms(layers) -> int:
    return sum(isinstance(layer, nn.modules.batchnorm._BatchNorm) for layer in layers)


# ----------------------------------------------------------------------------- composite variants
def test_unmerged_copy_keeps_the_forward_pass_and_every_batch_norm():
    model = randomise_batchnorm(PlayingTechniqueConvNet(16), torch.Generator().manual_seed(1)).eval()
    x = torch.randn(3, 16, 8, generator=torch.Generator().manual_seed(2))
    copy = unmerged_copy(model)
    torch.testing.assert_close(copy(x), model(x))
    assert _batchnorms(lrp.merge_batchnorm(model)) == 1                    # only the input batch norm stays
    assert _batchnorms(lrp.merge_batchnorm(copy)) == 4                     # none is merged
    assert _batchnorms(lrp.merge_batchnorm(model)) == 1                    # the model itself is unchanged


def test_unmerged_batch_norms_pass_relevance_so_bias_free_layers_conserve_it():
    model = _bias_free_net()
    x = torch.rand(4, 2, 6, generator=torch.Generator().manual_seed(3)) + 0.5
    lrp0 = lrp.lrp0_composite()
    unmerged = lrp.lrp(unmerged_copy(model), x, lrp0).sum(dim=(1, 2))
    merged = lrp.lrp(model, x, lrp0).sum(dim=(1, 2))
    # No layer has a bias once the batch norms pass relevance: the one-hot seed is conserved.
    torch.testing.assert_close(unmerged, torch.ones(4), rtol=1e-4, atol=1e-4)
    # Merged, the batch norm's shift becomes a bias of the convolution, which absorbs relevance.
    assert (merged - 1).abs().max() > 1e-2


def test_input_batch_norm_with_epsilon_keeps_the_inputs_share_of_each_value():
    norm = nn.BatchNorm1d(3)
    randomise_batchnorm(nn.Sequential(norm), torch.Generator().manual_seed(4))
    model = nn.Sequential(norm, nn.Linear(3, 1, bias=False)).eval()
    x = torch.tensor([[1.0, -2.0, 0.5]])
    passed = lrp.lrp(model, x, lrp.epsilon_composite(1e-12))
    composite = with_batchnorm_rule(lrp.epsilon_composite(1e-12), lrp.Epsilon(1e-12))
    kept = lrp.lrp(model, x, composite)
    scale = (norm.weight / torch.sqrt(norm.running_var + norm.eps)).detach()
    normalised = norm(x).detach()
    # The eps rule on y = x s + c gives x s / y of the relevance of y; passing it gives all of it.
    torch.testing.assert_close(kept, passed * x * scale / normalised, rtol=1e-5, atol=1e-6)
    assert list(composite)[0] == (nn.modules.batchnorm._BatchNorm,)
    assert list(lrp.epsilon_composite())[0] == lrp.PASS_TYPES             # the original is unchanged


# ----------------------------------------------------------------------------- statistics of maps
def test_row_correlation():
    a = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    b = np.array([[2.0, 4.0, 6.5], [3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    r = kd.row_correlation(a, b)
    assert r[0] == pytest.approx(np.corrcoef(a[0], b[0])[0, 1])
    assert r[1] == pytest.approx(-1.0)
    assert np.isnan(r[2])                                                 # a constant row


def test_input_magnitude_is_the_time_averaged_input_norm_and_keeps_the_mode():
    model = randomise_batchnorm(PlayingTechniqueConvNet(8), torch.Generator().manual_seed(5)).train()
    x = torch.randn(2, 8, 4, generator=torch.Generator().manual_seed(6))
    magnitude = kd.input_magnitude(model, x)
    scale = model.input_norm.weight / torch.sqrt(model.input_norm.running_var + model.input_norm.eps)
    expected = ((x - model.input_norm.running_mean[:, None]) * scale[:, None]
                + model.input_norm.bias[:, None]).abs().mean(-1)
    np.testing.assert_allclose(magnitude, expected.detach().numpy(), rtol=1e-5)
    assert model.training


def _one_hot(n: int, *paths: int) -> np.ndarray:
    return np.isin(np.arange(n), paths).astype(float)


def test_map_statistics_on_maps_with_closed_form_statistics(monkeypatch):
    """LRP is replaced by constructed maps (LRP itself: tests/test_lrp.py), whose statistics are known."""
    n, n_s1 = 16, 4
    # Fisher kurtosis (biased) of a k-hot vector of length n (Bernoulli, p = k/n), of a +1/-1 pair
    # (m4 / m2**2 = n / 2) and of a ramp.
    def k_hot(k):
        p = k / n
        return (1 - 6 * p * (1 - p)) / (p * (1 - p))

    k_one_hot, k_two_hot, k_pair = k_hot(1), k_hot(2), n / 2 - 3
    k_ramp = -6 * (n**2 + 1) / (5 * (n**2 - 1))
    ramp = np.linspace(1, 2, n)
    inputs = np.stack([2 * _one_hot(n, 5), -ramp])                 # input magnitudes: one-hot, ramp
    maps = {"spike": np.stack([_one_hot(n, 5), _one_hot(n, 1)]),   # S2 path 5; S1 path 1
            "pair": np.stack([_one_hot(n, 5) - _one_hot(n, 9), -ramp])}
    model = PlayingTechniqueConvNet(n).eval()                       # input batch norm: the identity
    explained = {}

    def fake_lrp(network, x, composite, *args, **kwargs):
        explained[composite] = network
        # the map plus a wobble that averages to zero over the 4 frames: only the time average is the map
        wobble = np.random.default_rng(0).normal(size=(2, n, 1)) * [1, -1, 1, -1]
        return torch.as_tensor(maps[composite][..., None] + wobble, dtype=x.dtype)

    monkeypatch.setattr(lrp, "lrp", fake_lrp)
    specs = {"spike": kd.RelevanceMap(lambda: "spike"), "pair": kd.RelevanceMap(lambda: "pair", merged=False)}
    x = torch.as_tensor(inputs, dtype=torch.float32)[..., None].repeat(1, 1, 4)
    stats = kd.map_statistics(model, x, specs, n_s1=n_s1)
    assert explained["spike"] is model and explained["pair"] is not model   # merged=False: the copy
    np.testing.assert_allclose(stats["input kurtosis"], [k_one_hot, k_ramp], rtol=1e-5)
    np.testing.assert_allclose(stats["spike/kurtosis"], [k_one_hot, k_one_hot], rtol=1e-5)
    np.testing.assert_allclose(stats["spike/positive S2"], [1 / (n - n_s1), 0])   # S1 paths do not count
    assert stats["spike/input correlation"][0] == pytest.approx(1)
    np.testing.assert_allclose(stats["pair/kurtosis"], [k_pair, k_ramp], rtol=1e-5)
    np.testing.assert_allclose(stats["pair/abs kurtosis"], [k_two_hot, k_ramp], rtol=1e-5)
    np.testing.assert_allclose(stats["pair/positive S2"], [1 / (n - n_s1), 0])
    # correlation of a two-hot with one of its one-hots: sqrt(7/15) for n = 16
    np.testing.assert_allclose(stats["pair/input correlation"], [np.sqrt(7 / 15), 1], rtol=1e-5)


def test_maps_for_takes_the_maps_of_the_variants_of_a_state():
    assert list(kd.maps_for("untrained")) == ["eps", "published", "as written", "z+"]
    assert list(kd.maps_for("trained")) == list(kd.MAPS)                  # every map, in order
    assert list(kd.maps_for("trained", kd.VARIANTS[3:4])) == ["eps, eps=0.01", "published, eps=0.01"]
    with pytest.raises(ValueError):
        kd.network(None, "half-trained")


# ----------------------------------------------------------------------------- summaries over seeds
def _statistics(published_shift: float, seed: int) -> dict:
    eps = np.array([4.0, 6.0, np.nan])
    return {"input kurtosis": eps + published_shift, "eps/kurtosis": eps,
            "published/kurtosis": eps + published_shift + 0.1 * seed,
            "eps/abs kurtosis": eps + 1, "published/abs kurtosis": eps - 2.0,
            "eps/positive S2": np.array([0.5, 0.5, 0.5]), "published/positive S2": np.array([1.0, 1.0, 0.7]),
            "published/input correlation": np.array([0.9, 1.0, np.nan])}


def test_variant_effect_uses_the_signed_or_absolute_kurtosis():
    stats = _statistics(3.0, 0)
    assert kd.variant_effect(stats, kd.Variant("v", "layers", "published")) == pytest.approx(3.0)
    absolute = kd.Variant("v", "measure", "published", absolute=True)
    assert kd.variant_effect(stats, absolute) == pytest.approx(-3.0)


def test_drivers_from_statistics_summarises_over_seeds():
    variants = (kd.Variant("pub", "layers", "published", states=kd.STATES),
                kd.Variant("pub abs", "measure", "published", absolute=True))
    statistics = {(seed, state): _statistics(2.0 if state == "trained" else -1.0, seed)
                  for seed in range(3) for state in kd.STATES}
    drivers = kd.drivers_from_statistics(statistics, variants)
    rows = {(row["id"], row["variant"]): row for row in drivers.rows}
    assert list(rows) == [("pub", "trained"), ("pub abs", "trained"), ("pub", "untrained")]
    trained = rows["pub", "trained"]
    assert trained["per_seed"] == pytest.approx([2.0, 2.1, 2.2])
    assert trained["estimate"] == pytest.approx(2.1) and trained["verdict"] == "holds"
    assert rows["pub abs", "trained"]["verdict"] == "fails"              # every seed: -3, no spread
    assert rows["pub", "untrained"]["verdict"] == "fails"
    assert trained["kurtosis"] == pytest.approx(np.mean([7.0, 7.1, 7.2]))   # finite clips, all seeds
    assert trained["baseline_kurtosis"] == pytest.approx(5.0)
    assert rows["pub abs", "trained"]["baseline_kurtosis"] == pytest.approx(6.0)
    assert trained["positive_s2"] == pytest.approx(100 * 2.7 / 3)
    assert trained["baseline_positive_s2"] == pytest.approx(50.0)
    assert trained["input_correlation"] == pytest.approx(0.95)
    assert trained["metric"] == kd.METRIC and trained["paper_value"] is None
    assert len(drivers.clips) == 3 * 2 * 3
    assert list(drivers.clips.columns) == ["seed", "state", "eps", "published", "input"]


def test_input_link_on_known_clips():
    clips = pd.DataFrame({"eps": [5.0, 5.0, 5.0, 5.0, np.nan], "input": [1.0, 2.0, 7.0, 8.0, 1.0],
                          "published": [2.0, 6.0, 6.5, 9.0, 1.0]})
    link = kd.input_link(clips)
    assert link["n_clips"] == 4                                           # the NaN clip is left out
    assert link["spearman"] == pytest.approx(1.0)
    assert link["agreement"] == pytest.approx(0.75)                       # clip 2: published > eps > input
    assert link["published_peakier"] == pytest.approx(0.75)
