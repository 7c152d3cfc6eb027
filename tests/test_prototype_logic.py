"""The prototype chapters' figure data (experiments.prototype_experiments) on small constructed models."""

import numpy as np
import pytest
import torch

from xaiaudio.experiments.prototype_experiments import (
    cross_reconstructions,
    first_clip_of_each_class,
    prototype_audio,
    stage_reconstructions,
    transformation_examples,
)
from xaiaudio.features import melspec
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.prototype_model import (
    TRANSFORMS,
    PrototypeModel,
    apply_transformations,
    identity_parameters,
    shelf,
    transform_parameters,
)
from xaiaudio.training.prototype_curriculum import TrainedPrototypes

RATE, N_MELS = 16000, 32
SETTINGS = melspec.mel_settings(RATE, N_MELS)


def test_identity_parameters_reproduce_the_prototypes_bit_for_bit():
    params = identity_parameters(2, 3, 7)
    assert set(params) == {"scale", "gain", "low_cutoff", "low_gain", "high_cutoff", "high_gain"}
    assert all(value.shape == (2, 3, 7) for value in params.values())
    assert torch.equal(params["scale"], torch.ones(2, 3, 7))
    assert torch.equal(params["low_cutoff"], torch.full((2, 3, 7), 0.5))
    assert not params["gain"].any() and not params["low_gain"].any() and not params["high_gain"].any()
    frames = torch.rand(1, 3, N_MELS)
    centres = torch.tensor(melspec.mel_centres(SETTINGS), dtype=torch.float32)
    out = apply_transformations(frames, params, centres, TRANSFORMS)
    assert torch.equal(out, frames.unsqueeze(2).expand(2, 3, 7, N_MELS))
    # the same parameters as a fresh network's zero outputs
    zero = transform_parameters({"gain": torch.zeros(2, 3, 7, 1), "pitch": torch.zeros(2, 3, 7, 1),
                                 "low": torch.zeros(2, 3, 7, 2), "high": torch.zeros(2, 3, 7, 2)})
    assert all(torch.equal(zero[name], params[name]) for name in params)


def test_transformation_examples_change_one_thing_along_a_ramp():
    frame = np.linspace(0.2, 0.7, N_MELS).astype(np.float32)
    examples = transformation_examples(frame, SETTINGS, n_frames=5)  # ramp -1, -0.5, 0, 0.5, 1
    assert len(examples) == 4
    for out in examples.values():
        assert out.shape == (N_MELS, 5)
        np.testing.assert_array_equal(out[:, 2], frame)  # the ramp's middle is the identity
    pitch, gain, low, high = examples.values()
    np.testing.assert_allclose(gain[:, 0], frame - 0.5, atol=1e-6)
    np.testing.assert_allclose(gain[:, 4], frame + 0.5, atol=1e-6)
    low_ramp = shelf(torch.tensor([0.5]), torch.tensor([0.25]), N_MELS, high=False)[0].numpy()
    np.testing.assert_allclose(low[:, 4], frame + low_ramp, atol=1e-6)
    assert low[0, 4] - frame[0] == pytest.approx(0.25, abs=1e-5) and abs(low[-1, 4] - frame[-1]) < 1e-3
    assert high[-1, 0] - frame[-1] == pytest.approx(-0.25, abs=1e-5) and abs(high[0, 0] - frame[0]) < 1e-3
    # s = 1.5 reads the prototype higher up: a rising frame comes back higher everywhere but at the top
    assert np.all(pitch[:-1, 4] >= frame[:-1]) and np.any(pitch[:, 4] > frame + 0.01)
    assert np.all(pitch[1:, 0] <= frame[1:])


def _model(values):
    torch.manual_seed(0)
    model = PrototypeModel(len(values), N_MELS, RATE).eval()
    with torch.no_grad():
        model.prototypes.copy_(torch.tensor(values, dtype=torch.float32)[:, None].expand(-1, N_MELS))
    return model


def _set(levels, labels, splits, lengths):
    features = [np.full((N_MELS, n), level, dtype=np.float32) for level, n in zip(levels, lengths)]
    return SpectrogramSet(features, np.array(labels), np.array(splits), ["a", "b", "c"], SETTINGS)


def test_stage_reconstructions_use_each_stage_s_prototype_of_the_label():
    model = _model([0.0, 0.5])
    states = {}
    for stage, level in zip(("raw", "gain", "pitch", "filters"), (0.2, 0.4, 0.6, 0.8)):
        state = {name: value.clone() for name, value in model.state_dict().items()}
        state["prototypes"][0] = level
        states[stage] = state
    run = TrainedPrototypes(model, [], states, "supervised", False, {})
    x = np.full((N_MELS, 6), 0.5, dtype=np.float32)
    out = stage_reconstructions(run, x, 0)
    assert list(out) == ["raw", "gain", "pitch", "filters"]
    for stage, level in zip(out, (0.2, 0.4, 0.6, 0.8)):
        reconstruction, error = out[stage]
        assert reconstruction.shape == (N_MELS, 6)
        np.testing.assert_allclose(reconstruction, level, atol=1e-6)  # fresh decoders: the identity
        assert error == pytest.approx(100 * (level - 0.5) ** 2, rel=1e-4)
    assert stage_reconstructions(run, x, 1, stages=("pitch",))["pitch"][1] == pytest.approx(0.0, abs=1e-8)


def test_first_clip_of_each_class_keeps_the_order_asked_and_skips_missing_classes():
    data = _set([0.0] * 5, [1, 0, 1, 2, 0], ["train", "test", "test", "train", "test"], [4] * 5)
    assert first_clip_of_each_class(data, [2, 1, 0]) == {1: 2, 0: 1}
    assert list(first_clip_of_each_class(data, [2, 1, 0])) == [1, 0]
    assert first_clip_of_each_class(data, [2, 1, 0], split=None) == {2: 3, 1: 0, 0: 1}
    assert first_clip_of_each_class(data, [0], split="val") == {}


def test_cross_reconstructions_errors_best_column_and_own_wins():
    model = _model([0.2, 0.5, 0.9])
    # a note of class 1 at 0.5, of class 2 at 0.85, and of class 0 that sounds like class 1
    data = _set([0.5, 0.85, 0.5], [1, 2, 0], ["test"] * 3, [6, 8, 6])
    result = cross_reconstructions(model, data, [0, 1, 2], [1, 2, 0])
    expected = 100 * np.array([[0.0, 0.16, 0.09], [0.1225, 0.0025, 0.4225], [0.0, 0.16, 0.09]])
    np.testing.assert_allclose(result["errors"], expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(result["best"], [0, 1, 0])
    assert result["own_wins"] == 2  # the third note is best reconstructed by another class's prototype
    assert [r.shape for r in result["reconstructions"]] == [(3, N_MELS, 6), (3, N_MELS, 8), (3, N_MELS, 6)]
    np.testing.assert_allclose(result["reconstructions"][1][:, 0, 0], [0.5, 0.9, 0.2], atol=1e-6)


def test_prototype_audio_plays_the_prototype_frame():
    model = _model([0.3, 0.7])
    # different spectral shapes: the audio is scaled to a fixed peak, so flat frames would sound alike
    rising = np.linspace(0.1, 0.8, N_MELS, dtype=np.float32)
    with torch.no_grad():
        model.prototypes[1] = torch.from_numpy(rising)
    audio = prototype_audio(model, 1, SETTINGS)
    np.testing.assert_array_equal(audio, melspec.to_audio(rising, SETTINGS))
    assert not np.allclose(audio, prototype_audio(model, 0, SETTINGS))
