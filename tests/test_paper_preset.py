"""The paper preset's code paths run on the CPU, at the paper's sizes, on two synthetic notes.

The paper preset itself is for a GPU (chapter "Running on a GPU"): here every setting it resolves
(44.1 kHz clips of 2**18 samples, J=13 scattering, 128 mels, the paper's training and explainer
settings) goes once through the code the chapters call, on a corpus of two clips.
"""

import dataclasses

import numpy as np
import torch

from xaiaudio.core.presets import get_preset, settings_for, setup
from xaiaudio.experiments.relevance import SAMPLE_COUNTS
from xaiaudio.explain.registry import METHODS, explain_batches
from xaiaudio.features.melspec import log_mel, mel_settings
from xaiaudio.features.scattering import scatter, scattering_paths
from xaiaudio.models.convnet import PlayingTechniqueConvNet
from xaiaudio.models.prototypes import PrototypeModel
from xaiaudio.synth.corpus import synthesise_note
from xaiaudio.training.classifier import TRAINING_SETTINGS, train_classifier
from xaiaudio.training.prototypes import training_settings


def _notes(preset):
    rng = np.random.default_rng(0)
    return np.stack([synthesise_note("Vn", 69, "mf", technique, rate, depth, preset.clip_samples,
                                     preset.sample_rate, rng)
                     for technique, rate, depth in (("vibrato", 6.0, 40.0), ("tremolo", 8.0, 6.0))])


def test_scattering_convnet_training_and_every_explainer_at_paper_sizes():
    config = setup("paper", "cpu")
    preset = get_preset("paper")
    assert (preset.sample_rate, preset.clip_samples) == (44100, 2**18)
    features = scatter(_notes(preset), preset)
    assert features.shape[:2] == (2, len(scattering_paths(preset))) and np.isfinite(features).all()
    features = np.log1p(features / features.mean()).astype(np.float32)
    settings = dataclasses.replace(settings_for(TRAINING_SETTINGS, config), max_epochs=1, batch_size=2)
    torch.manual_seed(0)
    model = PlayingTechniqueConvNet(features.shape[1])
    train_classifier(model, features, [0, 1], features, [0, 1], settings, progress=False)
    options = settings_for(SAMPLE_COUNTS, config)
    for name in METHODS:
        relevance = explain_batches(name, model, features, **options.get(name, {}))
        assert relevance.shape == features.shape and torch.isfinite(relevance).all(), name


def test_prototype_model_at_paper_sizes():
    preset = get_preset("paper")
    settings = training_settings("paper")
    mels = mel_settings(preset.sample_rate, settings["n_mels"])
    x = np.stack([log_mel(note, preset.sample_rate, mels) for note in _notes(preset)])
    x = torch.as_tensor(x[..., : settings["crop_frames"]], dtype=torch.float32)
    model = PrototypeModel(2, settings["n_mels"], preset.sample_rate)
    model.active = ("gain", "pitch", "filters")
    reconstructions = model(x)
    assert reconstructions.shape == (2, 2, x.shape[-1], settings["n_mels"])
    assert torch.isfinite(reconstructions).all()
