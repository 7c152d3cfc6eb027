"""xaiaudio.explain.statistics on constructed cases whose answer is known."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch

from xaiaudio.experiments import relevance
from xaiaudio.explain import lrp, statistics
from xaiaudio.explain.registry import METHODS
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm


def test_kurtosis_one_hot_and_flat():
    n = 100
    one_hot = np.zeros((1, n))
    one_hot[0, 17] = 1.0
    ramp = np.linspace(-1, 1, n)[None]
    kurt = statistics.kurtosis_per_example(np.concatenate([one_hot, ramp]))
    assert kurt[0] == pytest.approx((n**2 - 6 * (n - 1)) / (n - 1))
    assert kurt[1] == pytest.approx(-6 * (n**2 + 1) / (5 * (n**2 - 1)))
    # signed: flipping the sign does not change kurtosis; a (n, paths, frames) input is time-averaged
    frames = np.repeat(-one_hot[:, :, None], 4, axis=2)
    assert statistics.kurtosis_per_example(frames)[0] == pytest.approx(kurt[0])


def test_kurtosis_matches_scipy_biased_fisher():
    values = np.random.default_rng(0).standard_t(3, size=(6, 50))
    expected = [scipy.stats.kurtosis(v, fisher=True, bias=True) for v in values]
    np.testing.assert_allclose(statistics.kurtosis_per_example(values), expected)
    assert not np.allclose(expected, [scipy.stats.kurtosis(v, fisher=True, bias=False) for v in values])


def test_mean_std_uses_ddof_one():
    mean, std = statistics.mean_std([1.0, 2.0, 3.0, np.nan])
    assert mean == pytest.approx(2.0) and std == pytest.approx(1.0)


def test_paired_test_detects_a_shift_and_not_noise():
    rng = np.random.default_rng(1)
    a = rng.normal(size=40)
    shifted = statistics.paired_test(a, a + 1 + 0.1 * rng.normal(size=40))
    assert shifted["mean_difference"] == pytest.approx(1.0, abs=0.1)
    assert shifted["wilcoxon_p"] < 1e-6 and shifted["t_p"] < 1e-6 and shifted["n"] == 40
    same = statistics.paired_test(a, a)
    assert np.isnan(same["wilcoxon_p"]) and same["mean_difference"] == 0


def test_order_shares():
    values = np.array([[1.0, -1.0, 2.0, 0.0], [0.0, 0.0, 3.0, -1.0]])
    shares = statistics.order_shares(values, n_s1=2)
    np.testing.assert_allclose(shares, [[0.5, 0.5], [0.0, 1.0]])


def test_top_n_indicator_is_signed_and_breaks_ties_by_order():
    values = np.array([[0.1, -5.0, 3.0, 2.0, 2.0]])
    np.testing.assert_array_equal(statistics.top_n_indicator(values, 2), [[0, 0, 1, 1, 0]])
    np.testing.assert_array_equal(statistics.top_n_indicator(values, 3), [[0, 0, 1, 1, 1]])
    with pytest.raises(ValueError):
        statistics.top_n_indicator(values, 6)


def test_classwise_counts_by_predicted_and_true_class():
    # three examples over four paths; top-1 of each is path 0, 2, 2
    values = np.array([[9.0, 0, 0, 0], [0, 0, 9.0, 0], [0, 1.0, 9.0, 0]])
    predicted, labels = np.array([0, 1, 1]), np.array([0, 0, 1])
    by_predicted = statistics.classwise_top_n(values, statistics.group_labels(predicted, labels), 3, n=1)
    by_true = statistics.classwise_top_n(values, statistics.group_labels(predicted, labels, "true"), 3, n=1)
    np.testing.assert_array_equal(by_predicted, [[1, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(by_true, [[1, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    top2 = statistics.classwise_top_n(values, predicted, 3, n=2)
    np.testing.assert_array_equal(top2.sum(axis=1), [2, 4, 0])
    with pytest.raises(ValueError):
        statistics.group_labels(predicted, labels, "both")


def _fake_run(n_paths=32, n_s1=4, n_clips=6, seed=3):
    torch.manual_seed(seed)  # the convnet's initial weights
    generator = torch.Generator().manual_seed(seed)
    model = randomise_batchnorm(PlayingTechniqueConvNet(n_paths), generator).eval()
    with torch.no_grad():
        model.classifier.bias.zero_()  # without it every clip gets the same (bias) class
    x = 3 * torch.randn(n_clips, n_paths, 8, generator=generator).numpy()
    y = np.arange(n_clips) % 5
    lambda2 = np.concatenate([np.full(n_s1, np.nan), np.geomspace(2, 64, n_paths - n_s1)])
    table = pd.DataFrame({"split": ["test"] * n_clips, "rate_hz": np.linspace(4, 30, n_clips)})
    dataset = SimpleNamespace(split=lambda name: table[table["split"] == name])
    features = SimpleNamespace(subset=lambda split, feature_set: (x, y), dataset=dataset,
                               paths=SimpleNamespace(lambda2=lambda2))
    config = SimpleNamespace(preset=SimpleNamespace(name="smoke"), device="cpu", seed=0)
    return config, features, SimpleNamespace(model=model, feature_set="S1+S2"), x


def test_clip_relevance_is_time_averaged_lrp_eps_of_the_predicted_class():
    config, features, trained, x = _fake_run()
    result = relevance.clip_relevance(config, features, trained, "LRP-eps")
    predicted = trained.model(torch.as_tensor(x)).argmax(1)
    assert len(set(predicted.tolist())) > 1  # so that explaining a fixed class would show
    # Expected from the from-scratch LRP (xaiaudio.explain.lrp), not the registry's zennit path.
    expected = lrp.lrp(trained.model, torch.as_tensor(x), lrp.epsilon_composite(), predicted)
    expected = expected.mean(-1).detach().numpy()
    assert np.abs(expected).max() > 1e-3  # a map that is not all zero
    np.testing.assert_allclose(result["relevance"], expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    np.testing.assert_array_equal(result["predicted"], predicted.numpy())


class Recomputed(Exception):
    pass


def test_clip_relevance_second_call_reads_the_cache(monkeypatch, tmp_path):
    config, features, trained, _ = _fake_run()
    first = relevance.clip_relevance(config, features, trained, "LRP-eps")

    def recompute(*args, **kwargs):
        raise Recomputed

    # From here on, computing LRP-eps raises: the second call must come from the cache.
    monkeypatch.setitem(METHODS, "LRP-eps", dataclasses.replace(METHODS["LRP-eps"], explain=recompute))
    again = relevance.clip_relevance(config, features, trained, "LRP-eps")
    np.testing.assert_array_equal(first["relevance"], again["relevance"])
    np.testing.assert_array_equal(first["predicted"], again["predicted"])
    # Control: with an empty cache folder the same call does recompute, so the patch would catch it.
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "empty"))
    with pytest.raises(Recomputed):
        relevance.clip_relevance(config, features, trained, "LRP-eps")


def test_faithfulness_table_has_every_method_and_valid_scores():
    config, features, trained, _ = _fake_run()
    result = relevance.faithfulness_table(config, features, trained, ["LRP-eps", "random"])
    assert list(result.table.index) == ["LRP-eps", "random"]
    assert result.table["localisation share"].between(0, 1).all()
    assert len(result.fractions) == relevance.DELETION_SETTINGS["smoke"]["steps"] + 1
    assert result.fractions[0] == 0 and result.fractions[-1] == 1
    for curve in result.mean_curves.values():
        assert curve.shape == result.fractions.shape and np.all((curve >= 0) & (curve <= 1))
