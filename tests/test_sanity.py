"""Sanity checks of attribution maps (explain.sanity, experiments.sanity_runs) on toy networks and tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from xaiaudio.core.presets import PRESETS, RunConfig
from xaiaudio.data.tables import SolDataset
from xaiaudio.experiments import sanity_runs as pipeline
from xaiaudio.experiments.technique_convnets import TechniqueFeatures
from xaiaudio.explain import sanity
from xaiaudio.explain.faithfulness import path_relevance
from xaiaudio.explain.registry import explain_batches
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm

CONVNET_LAYERS = ["classifier", "dense", "block3", "block2", "block1", "input_norm"]


def _convnet(seed: int = 0) -> PlayingTechniqueConvNet:
    torch.manual_seed(seed)
    model = PlayingTechniqueConvNet(16)
    return randomise_batchnorm(model, torch.Generator().manual_seed(seed)).eval()


def _inputs(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 16, 8)).astype(np.float32)


def _state(module: nn.Module) -> dict:
    return {name: value.clone() for name, value in module.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_cascade_walks_the_layers_with_state_from_the_output_down():
    assert sanity.cascade_layers(_convnet()) == CONVNET_LAYERS
    toy = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert sanity.cascade_layers(toy) == ["2", "0"]


def test_randomised_copy_changes_exactly_the_named_layers():
    model = _convnet()
    before = {name: _state(child) for name, child in model.named_children()}
    copy = sanity.randomised_copy(model, ["classifier", "block2"], _inputs(20), seed=3)
    for name, child in copy.named_children():
        state = _state(child)
        if name in ("classifier", "block2"):
            assert not torch.equal(state[next(iter(state))], before[name][next(iter(state))]), name
            assert all(not torch.equal(state[k], before[name][k]) for k in state
                       if not k.endswith("num_batches_tracked")), name
        else:
            assert _same(state, before[name]), name
    # the original is untouched, the copy is in eval mode
    assert all(_same(_state(child), before[name]) for name, child in model.named_children())
    assert not copy.training
    with pytest.raises(KeyError, match="not layers"):
        sanity.randomised_copy(model, ["conv9"], _inputs(4))


def _weights(model: nn.Module) -> dict:
    """Parameters of each layer (batch-norm statistics left out: they are recalibrated)."""
    return {name: dict(child.named_parameters()) for name, child in model.named_children()}


def test_cascade_adds_one_layer_at_a_time_and_keeps_earlier_random_weights():
    model = _convnet()
    steps = list(sanity.cascading_randomisation(model, _inputs(20), seed=5))
    assert [name for name, _ in steps] == CONVNET_LAYERS
    trained = _weights(model)
    for k, (_, copy) in enumerate(steps):
        weights = _weights(copy)
        for depth, name in enumerate(CONVNET_LAYERS):
            assert _same(weights[name], trained[name]) == (depth > k), (k, name)
            if depth < k:  # re-drawn at an earlier step: the same random weights as then
                assert _same(weights[name], _weights(steps[k - 1][1])[name]), (k, name)
        assert _same(_state(copy.input_norm), _state(model.input_norm)) == (k < len(CONVNET_LAYERS) - 1)


def test_recalibrated_batchnorm_holds_the_statistics_of_its_new_inputs():
    model = _convnet()
    calibration = _inputs(20)
    copy = sanity.randomised_copy(model, ["block3"], calibration, seed=2)
    seen = []
    handle = copy.block3.norm.register_forward_hook(lambda module, args, output: seen.append(args[0]))
    with torch.no_grad():
        copy(torch.as_tensor(calibration))
    handle.remove()
    values = seen[0].transpose(0, 1).reshape(seen[0].shape[1], -1)  # channels x (examples * frames)
    torch.testing.assert_close(copy.block3.norm.running_mean, values.mean(1))
    torch.testing.assert_close(copy.block3.norm.running_var, values.var(1, unbiased=True))
    # the scale and shift are re-initialised; the momentum is restored
    assert torch.equal(copy.block3.norm.weight, torch.ones(8))
    assert torch.equal(copy.block3.norm.bias, torch.zeros(8))
    assert copy.block3.norm.momentum == model.block3.norm.momentum


def _gradient_maps(model, x):
    target = torch.zeros(len(x), dtype=torch.long)
    return path_relevance(explain_batches("gradient", model, x, target))


def test_similarity_is_one_for_an_unchanged_model_and_low_for_a_random_one():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(40, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3)).eval()
    x = np.random.default_rng(0).normal(size=(30, 40)).astype(np.float32)
    original = _gradient_maps(model, x)
    unchanged = sanity.rank_similarity(original, _gradient_maps(sanity.randomised_copy(model, [], x), x))
    np.testing.assert_allclose(unchanged["signed"], 1.0)
    np.testing.assert_allclose(unchanged["absolute"], 1.0)
    layers = sanity.cascade_layers(model)
    random = sanity.rank_similarity(original, _gradient_maps(sanity.randomised_copy(model, layers, x, 1), x))
    assert abs(random["signed"].mean()) < 0.25 and abs(random["absolute"].mean()) < 0.25
    # the input itself is no explanation of the network, but a map proportional to it passes nothing
    scaled = sanity.rank_similarity(original, 3.0 * original)
    np.testing.assert_allclose(scaled["signed"], 1.0)


def test_rank_similarity_signed_and_absolute_and_constant_maps():
    a = np.array([[1.0, -2.0, 3.0, -4.0], [1.0, 2.0, 3.0, 4.0]])
    b = np.array([[-1.0, 2.0, -3.0, 4.0], [5.0, 5.0, 5.0, 5.0]])
    similarity = sanity.rank_similarity(a, b)
    assert similarity["signed"][0] == pytest.approx(-1.0)  # a flipped sign reverses the order
    assert similarity["absolute"][0] == pytest.approx(1.0)  # the magnitudes keep it
    assert np.isnan(similarity["signed"][1]) and np.isnan(similarity["absolute"][1])
    with pytest.raises(ValueError, match="cannot be compared"):
        sanity.rank_similarity(a, b[:, :3])


def test_pair_concordance_of_a_spearman_correlation():
    assert sanity.pair_concordance(0.0) == pytest.approx(0.5)
    assert sanity.pair_concordance(1.0) == pytest.approx(1.0)
    assert sanity.pair_concordance(-1.0) == pytest.approx(0.0, abs=1e-6)
    assert sanity.pair_concordance(0.5) == pytest.approx(0.673, abs=1e-3)
    # against a simulation of Gaussian pairs with that Spearman correlation
    rng = np.random.default_rng(0)
    pearson = 2 * np.sin(np.pi * 0.5 / 6)
    x = rng.normal(size=(4000, 2)) @ np.linalg.cholesky([[1, pearson], [pearson, 1]]).T
    i, j = rng.integers(0, 4000, (2, 20000))
    concordant = np.sign(x[i, 0] - x[j, 0]) == np.sign(x[i, 1] - x[j, 1])
    assert concordant[i != j].mean() == pytest.approx(sanity.pair_concordance(0.5), abs=0.015)


def test_failing_methods_use_either_similarity_and_the_threshold():
    table = pd.DataFrame({"signed": [0.9, 0.1, 0.2, np.nan, 0.5], "absolute": [0.1, 0.7, 0.2, np.nan, 0.0]},
                         index=["a", "b", "c", "d", "e"])
    assert sanity.failing_methods(table) == ["a", "b", "e"]
    assert sanity.failing_methods(table, threshold=0.8) == ["a"]
    assert sanity.failing_methods(table, threshold=0.15) == ["a", "b", "c", "e"]


def _features() -> TechniqueFeatures:
    splits = ["train"] * 6 + ["val"] * 4 + ["test"] * 3
    labels = [0, 0, 1, 1, 2, 2, 0, 1, 2, 2, 0, 1, 2]
    table = pd.DataFrame({"label": labels, "split": splits})
    dataset = SolDataset(table, pd.DataFrame(columns=["path", "reason"]), Path("."), PRESETS["smoke"],
                         Path("split.csv"), ("a", "b", "c"))
    return TechniqueFeatures(dataset, np.arange(13, dtype=np.float32)[:, None, None], None, None)


def test_shuffled_labels_permute_train_and_val_only():
    features = _features()
    original = features.dataset.table["label"].to_numpy().copy()
    shuffled = pipeline.shuffled_labels(features, seed=0)
    labels = shuffled.dataset.table["label"].to_numpy()
    np.testing.assert_array_equal(features.dataset.table["label"], original)  # not modified
    assert shuffled.features is features.features
    for split in ("train", "val"):
        rows = features.rows(split)
        assert sorted(labels[rows]) == sorted(original[rows])
    np.testing.assert_array_equal(labels[features.rows("test")], original[features.rows("test")])
    assert not np.array_equal(labels, original)
    np.testing.assert_array_equal(pipeline.shuffled_labels(features, 0).dataset.table["label"], labels)


def test_sanity_clips_subset_only_below_paper():
    smoke = RunConfig(PRESETS["smoke"], torch.device("cpu"), None, 0)
    chosen = pipeline.sanity_clips(100, smoke)
    assert len(chosen) == pipeline.SANITY_SETTINGS["smoke"]["max_clips"]
    assert np.all(np.diff(chosen) > 0) and chosen.max() < 100
    np.testing.assert_array_equal(pipeline.sanity_clips(100, smoke), chosen)
    np.testing.assert_array_equal(pipeline.sanity_clips(5, smoke), np.arange(5))
    paper = RunConfig(PRESETS["paper"], torch.device("cpu"), None, 0)
    np.testing.assert_array_equal(pipeline.sanity_clips(1000, paper), np.arange(1000))
