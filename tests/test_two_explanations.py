"""Two ways to explain a note (xaiaudio.experiments.two_explanations) and the cached direct CNN
they explain (xaiaudio.training.baseline_training.fit_direct_classifier)."""

import numpy as np
import pytest
import torch

from xaiaudio.core.presets import setup
from xaiaudio.experiments import two_explanations
from xaiaudio.experiments.two_explanations import (
    band_agreement,
    cnn_band_relevance,
    other_note,
    prototype_band_evidence,
)
from xaiaudio.explain.composites import epsilon_plus_composite, explain
from xaiaudio.features import melspec
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.baselines import DirectClassifier
from xaiaudio.models.prototype_model import PrototypeModel, reconstruction_error
from xaiaudio.training import baseline_training
from xaiaudio.training.baseline_training import fit_direct_classifier, train_direct_classifier

N_MELS = 32


def toy_set(n_per_class=6):
    """Three timbres: four training clips each, then one validation and one test clip."""
    rng = np.random.default_rng(0)
    features, labels = [], []
    for k in range(3):
        base = rng.uniform(0.2, 0.6, N_MELS)
        for _ in range(n_per_class):
            features.append((base[:, None] + 0.05 * rng.standard_normal((N_MELS, 20))).astype(np.float32))
            labels.append(k)
    split = np.array((["train"] * (n_per_class - 2) + ["val", "test"]) * 3)
    settings = melspec.mel_settings(16000, N_MELS)
    return SpectrogramSet(features, np.array(labels), split, ["a", "b", "c"], settings)


def test_the_direct_cnn_is_trained_once_and_scores_as_its_table_says(monkeypatch):
    data, config = toy_set(), setup("smoke", "cpu", None, 0)
    scores = train_direct_classifier(data, config, False, {"baseline_epochs": 3})
    # the model is now cached: asking for it again trains nothing
    monkeypatch.setattr(baseline_training, "_fit", lambda *a, **k: pytest.fail("trained again"))
    model, losses = fit_direct_classifier(data, config, False, {"baseline_epochs": 3})
    assert not model.training and len(losses) == 3 == len(scores["losses"])
    test = data.indices("test")
    with torch.no_grad():
        predicted = [int(model(torch.from_numpy(data.features[i])[None]).argmax()) for i in test]
    assert 100 * np.mean(np.array(predicted) == data.labels[test]) == pytest.approx(scores["test"]["OA"])


def test_the_cnn_profile_is_lrp_summed_over_time_for_the_predicted_class():
    torch.manual_seed(0)
    model = DirectClassifier(N_MELS, 3).eval()
    note = toy_set().features[0]
    predicted, profile = cnn_band_relevance(model, note)
    x = torch.from_numpy(note)[None]
    assert predicted == int(model(x).argmax())
    expected = explain(model, x, epsilon_plus_composite())[0].sum(-1)
    assert profile.shape == (N_MELS,) and np.allclose(profile, expected.double().numpy())


def test_the_prototype_evidence_favours_the_prototype_the_note_was_made_from():
    torch.manual_seed(0)
    model = PrototypeModel(3, N_MELS, 16000).eval()
    rng = np.random.default_rng(1)
    with torch.no_grad():
        model.prototypes.copy_(torch.from_numpy(rng.uniform(0.1, 0.7, (3, N_MELS)).astype(np.float32)))
    # the raw prototypes: what a model fresh from its first stage reconstructs
    model.active = ()
    note = np.repeat(model.prototypes[2].detach().numpy()[:, None], 16, 1)
    winner, runner_up, evidence = prototype_band_evidence(model, note)
    assert winner == 2 and runner_up != 2
    with torch.no_grad():
        errors = reconstruction_error(torch.from_numpy(note)[None], model(torch.from_numpy(note)[None]))[0]
    errors = errors.detach()
    assert evidence.mean() == pytest.approx(float(errors[runner_up] - errors[winner]), rel=1e-5)
    assert np.all(evidence >= 0)  # the winner fits every band exactly


def test_each_note_is_compared_with_another_note():
    for n in (2, 3, 17):
        partner = other_note(n, seed=4)
        assert sorted(partner) == list(range(n)) and np.all(partner != np.arange(n))
    with pytest.raises(ValueError, match="needs 2"):
        other_note(1, 0)


def _fake_profiles(monkeypatch, same: bool):
    """Explanations that are the same profile for both models (same=True) or unrelated ones."""
    rng = np.random.default_rng(3)
    profiles = {}

    def profile(features):
        key = features.tobytes()
        if key not in profiles:
            profiles[key] = rng.standard_normal(N_MELS)
        return profiles[key]

    monkeypatch.setattr(two_explanations, "cnn_band_relevance", lambda model, f: (0, profile(f)))
    monkeypatch.setattr(
        two_explanations, "prototype_band_evidence",
        lambda model, f: (0, 1, profile(f) if same else rng.standard_normal(N_MELS)))


@pytest.mark.parametrize("same", [True, False])
def test_agreement_is_claimed_only_when_a_notes_two_profiles_beat_unrelated_ones(monkeypatch, same):
    _fake_profiles(monkeypatch, same)
    data = toy_set(n_per_class=12)
    result = band_agreement(data, None, None, "train", seed=0)
    assert result["relevance"].shape == result["evidence"].shape == (len(data.indices("train")), N_MELS)
    assert result["agree"] is same
    if same:
        assert np.allclose(result["rho"], 1.0) and result["median_gain"] > 0.5
    assert result["same_class"] == 100.0 == result["chance_same_class"]


def test_a_split_of_one_note_is_refused_before_any_explanation():
    data = toy_set()
    one = SpectrogramSet(data.features[:1], data.labels[:1], np.array(["test"]), data.class_names,
                         data.settings)
    with pytest.raises(ValueError, match="at least 2"):
        band_agreement(one, None, None)
