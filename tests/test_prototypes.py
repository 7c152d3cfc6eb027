"""Tests of the playable-prototype model (xaiaudio.models.prototype_model), its training
(xaiaudio.training.prototype_curriculum), the log-mel front end and the baselines."""

import numpy as np
import pytest
import torch

from xaiaudio.core.presets import setup
from xaiaudio.core.threads import torch_threads
from xaiaudio.features import melspec
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.prototype_model import (
    TRANSFORMS,
    PrototypeModel,
    apply_transformations,
    class_prototypes,
    clustering_loss,
    kmeans_plus_plus,
    pitch_shift,
    shelf,
    supervised_loss,
    transform_parameters,
)
from xaiaudio.models.size import count_parameters
from xaiaudio.training.metrics import majority_mapping, overall_and_average_accuracy
from xaiaudio.training.prototype_curriculum import fit_prototypes, training_settings

RATE = 16000


def centres(n_mels=64):
    return torch.tensor(melspec.mel_centres(melspec.mel_settings(RATE, n_mels)), dtype=torch.float32)


def test_pitch_identity_is_exact():
    protos = torch.rand(1, 5, 64)
    out = pitch_shift(protos, torch.ones(3, 5, 7), centres())
    assert torch.equal(out, protos.unsqueeze(2).expand(3, 5, 7, 64))


def test_pitch_scale_moves_a_peak_in_hz():
    settings = melspec.mel_settings(RATE, 64)
    mel = melspec.mel_centres(settings)
    hz = 700 * (10 ** (mel / 2595) - 1)
    proto = torch.zeros(1, 1, 64)
    j = 40
    proto[0, 0, j] = 1.0
    out = pitch_shift(proto, torch.full((1, 1, 1), 2.0), centres())[0, 0, 0]
    # out[f] = P[Phi(f, s)] reads the prototype at s * hz: the peak moves to hz_j / 2
    expected = int(np.argmin(np.abs(hz - hz[j] / 2)))
    assert abs(int(out.argmax()) - expected) <= 1
    assert int(out.argmax()) != j


def test_shelves_are_bounded_and_localised():
    raw = {"low": torch.tensor([[[[-50.0, 50.0]]]]).expand(1, 1, 1, 2), "high": torch.zeros(1, 1, 1, 2)}
    params = transform_parameters(raw)
    assert 0.25 <= float(params["low_cutoff"]) <= 0.75 and abs(float(params["low_gain"])) <= 0.25
    s = shelf(torch.tensor([0.5]), torch.tensor([0.25]), 64, high=False)[0]
    assert s[0] == pytest.approx(0.25, abs=1e-6) and abs(float(s[-1])) < 1e-3
    h = shelf(torch.tensor([0.5]), torch.tensor([-0.2]), 64, high=True)[0]
    assert h[-1] == pytest.approx(-0.2, abs=1e-6) and abs(float(h[0])) < 1e-3


def test_apply_order_pitch_gain_filters():
    protos = torch.rand(1, 2, 64)
    params = {
        "scale": torch.ones(1, 2, 3),
        "gain": torch.full((1, 2, 3), 0.1),
        "low_cutoff": torch.full((1, 2, 3), 0.5),
        "low_gain": torch.zeros(1, 2, 3),
        "high_cutoff": torch.full((1, 2, 3), 0.5),
        "high_gain": torch.zeros(1, 2, 3),
    }
    out = apply_transformations(protos, params, centres(), TRANSFORMS)
    assert torch.allclose(out, protos.unsqueeze(2) + 0.1)


def test_fresh_model_starts_at_identity_and_has_half_a_million_parameters():
    model = PrototypeModel(33, 128, 44100)
    assert abs(count_parameters(model) - 500_000) < 0.2 * 500_000
    model.active = TRANSFORMS
    x = torch.rand(2, 128, 21)
    out = model(x)
    assert out.shape == (2, 33, 21, 128)
    assert torch.equal(out, model.prototypes.detach()[None, :, None, :].expand_as(out))


def test_losses_finite_and_decrease():
    with torch_threads(1):
        _losses_finite_and_decrease()


def _losses_finite_and_decrease():
    torch.manual_seed(0)
    model = PrototypeModel(3, 32, RATE)
    model.active = TRANSFORMS
    x, y = torch.rand(6, 32, 16), torch.tensor([0, 1, 2, 0, 1, 2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(15):
        loss, errors = supervised_loss(model, x, y, 0.01)
        assert errors.shape == (6, 3) and torch.isfinite(loss)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first
    loss, errors = clustering_loss(model, x)
    assert torch.isclose(loss, errors.min(1).values.mean())
    own, own_errors = supervised_loss(model, x, y, 0.0)
    assert own_errors.shape == (6, 1)


def test_kmeans_plus_plus_spreads_seeds():
    vectors = np.concatenate([np.zeros((50, 4)), np.ones((50, 4)) * 10])
    seeds = kmeans_plus_plus(vectors, 2, np.random.default_rng(0))
    assert {float(seeds[0, 0]), float(seeds[1, 0])} == {0.0, 10.0}


def test_supervised_prototypes_start_from_their_own_class():
    # class 1 is an outlier far from classes 0 and 2: k-means++ would seed two prototypes near it
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 20)
    means = np.concatenate([np.full((20, 4), v) for v in (0.0, 10.0, 1.0)]) + rng.normal(0, 0.01, (60, 4))
    start = class_prototypes(means, labels, 3, np.random.default_rng(1), noise=0.0)
    assert start[:, 0] == pytest.approx([0.0, 10.0, 1.0], abs=0.01)
    assert start.dtype == np.float32
    # a class without a training crop starts, as unsupervised prototypes do, from a k-means++ seed
    seeded = class_prototypes(means[:40], labels[:40], 3, np.random.default_rng(1), noise=0.0)
    assert seeded[:2, 0] == pytest.approx([0.0, 10.0], abs=0.01)
    assert np.isfinite(seeded).all() and any(np.allclose(seeded[2], row) for row in means[:40])


def test_metrics_and_majority_mapping():
    m = overall_and_average_accuracy([0, 1, 1, 1], [0, 0, 1, 1])
    assert m["OA"] == 75.0 and m["AA"] == pytest.approx(100 * (1 + 2 / 3) / 2)
    mapping = majority_mapping([2, 2, 0, 0, 0], [1, 1, 0, 0, 1], 3, 2)
    assert list(mapping) == [0, 1, 1]  # cluster 1 is unused: most frequent class (1)


def test_melspec_errors_and_inversion():
    settings = melspec.mel_settings(RATE, 32)
    t = np.arange(RATE // 2) / RATE
    y = 0.5 * np.sin(2 * np.pi * 440 * t)
    x = melspec.log_mel(y, RATE, settings)
    assert x.shape[0] == 32 and np.all(np.isfinite(x))
    with pytest.raises(ValueError, match="silent"):
        melspec.log_mel(np.zeros(RATE), RATE, settings)
    with pytest.raises(ValueError, match="shorter"):
        melspec.log_mel(y[:100], RATE, settings)
    with pytest.raises(ValueError, match="NaN"):
        melspec.log_mel(np.full(RATE, np.nan), RATE, settings)
    resampled = melspec.log_mel(melspec.check_clip(y, RATE, settings), RATE, settings)
    other = melspec.log_mel(np.sin(2 * np.pi * 440 * np.arange(RATE) / (2 * RATE)) * 0.5, 2 * RATE, settings)
    assert abs(other.shape[1] - resampled.shape[1]) <= 1
    power = melspec.denormalise(x)
    assert np.allclose(melspec.normalise_power(power), x, atol=1e-5)
    audio = melspec.to_audio(x, settings, n_iter=4)
    assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) == pytest.approx(0.9, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(audio[2048:6144]))
    assert abs(np.argmax(spectrum) * RATE / 4096 - 440) < 60


def toy_set(n_per_class=6, n_mels=32, frames=24):
    rng = np.random.default_rng(0)
    feats, labels = [], []
    for k in range(3):
        base = rng.uniform(0.2, 0.6, n_mels)
        for _ in range(n_per_class):
            feats.append((base[:, None] + 0.05 * rng.standard_normal((n_mels, frames))).astype(np.float32))
            labels.append(k)
    split = np.array((["train"] * 4 + ["val", "test"]) * 3)
    return SpectrogramSet(feats, np.array(labels), split, ["a", "b", "c"], melspec.mel_settings(RATE, n_mels))


def test_training_is_deterministic_and_learns():
    data = toy_set()
    cfg = {**training_settings("smoke"), "batch_size": 4}
    config = setup("smoke", "cpu", None, 1)
    a = fit_prototypes(data, config, "supervised", True, settings=cfg, progress=False)
    b = fit_prototypes(data, config, "supervised", True, settings=cfg, progress=False)
    for stage in a["states"]:
        for name in a["states"][stage]:
            assert torch.equal(a["states"][stage][name], b["states"][stage][name])
    import json

    history = json.loads(a["history"])
    assert [row["stage"] for row in history] == ["raw", "gain", "pitch", "filters", "temperature", "lr_decay"]
    assert history[-1]["val_OA"] == 100.0  # three well-separated timbres
    unsupervised = fit_prototypes(data, config, "unsupervised", False, settings=cfg, progress=False)
    assert all(np.isfinite(row["train_loss"]) for row in json.loads(unsupervised["history"]))
    with pytest.raises(ValueError, match="mode"):
        fit_prototypes(data, config, "semi", settings=cfg, progress=False)
    with pytest.raises(ValueError, match="supervised_init"):
        fit_prototypes(data, config, settings={**cfg, "supervised_init": "random"}, progress=False)
    # the paper's unlabelled seeding stays available, and starts elsewhere
    paper = fit_prototypes(data, config, settings={**cfg, "supervised_init": "kmeans++"},
                           progress=False)
    assert not torch.equal(paper["states"]["raw"]["prototypes"], a["states"]["raw"]["prototypes"])
