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
from xaiaudio.features.scattering import NORMALISER_C, scatter, scattering_paths, scattering_spec
from xaiaudio.models.convnet import PlayingTechniqueConvNet
from xaiaudio.models.prototype_model import PrototypeModel
from xaiaudio.models.size import count_parameters
from xaiaudio.synth.corpus import synthesise_note
from xaiaudio.training.classifier import TRAINING_SETTINGS, train_classifier
from xaiaudio.training.prototype_curriculum import training_settings


def _notes(preset):
    rng = np.random.default_rng(0)
    return np.stack([synthesise_note("Vn", 69, "mf", technique, rate, depth, preset.clip_samples,
                                     preset.sample_rate, rng)
                     for technique, rate, depth in (("vibrato", 6.0, 40.0), ("tremolo", 8.0, 6.0))])


def test_paper_preset_has_the_published_scattering_convnet_and_training_settings():
    """The published facts of Wang, Lostanlen and Lagrange (reference notes, section A)."""
    preset, spec, paths = get_preset("paper"), scattering_spec("paper"), scattering_paths("paper")
    assert (preset.sample_rate, preset.clip_samples) == (44100, 2**18)
    assert (spec.J, spec.Q, spec.T, spec.min_carrier_hz) == (13, (8, 2), 2**13, 32.0)
    # order 0 dropped, carriers of 32 Hz and more: 74 S1 paths first, then S2, 1200 in all; 32 frames
    assert (paths.n_s1, len(paths), spec.n_frames) == (74, 1200, 32)
    assert (paths.order[:74] == 1).all() and (paths.order[74:] == 2).all() and (paths.lambda1 >= 32).all()
    assert NORMALISER_C == 0.1                                            # log1p(S / (0.1 mu + 1e-8))
    assert count_parameters(PlayingTechniqueConvNet(1200)) == 2_068_289   # the paper's "2.1 M"
    assert count_parameters(PlayingTechniqueConvNet(74)) == 10_383        # and "10.3 K"
    training = settings_for(TRAINING_SETTINGS, "paper")
    assert (training.max_epochs, training.patience, training.warmup_epochs, training.batch_size) == (
        500, 20, 3, 32)
    assert (training.learning_rate, training.weight_decay, training.clip_norm) == (1e-3, 0.1, 3.0)


def test_scattering_convnet_training_and_every_explainer_at_paper_sizes():
    config = setup("paper", "cpu")
    preset = get_preset("paper")
    assert (preset.sample_rate, preset.clip_samples) == (44100, 2**18)
    features = scatter(_notes(preset), preset)
    assert features.shape == (2, 1200, 32) and np.isfinite(features).all()
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
    # Loiseau et al. (reference notes, section B): 128 mels, n_fft 2048 and hop 512 at 44.1 kHz, crops of
    # 256 frames (192 for speech), batch 128, AdamW lr 1e-4 and weight decay 1e-6
    assert (mels.n_mels, mels.n_fft, mels.hop_length) == (128, 2048, 512)
    assert (settings["crop_frames"], settings["speech_crop_frames"]) == (256, 192)
    assert (settings["batch_size"], settings["lr"], settings["weight_decay"]) == (128, 1e-4, 1e-6)
    x = np.stack([log_mel(note, preset.sample_rate, mels) for note in _notes(preset)])
    x = torch.as_tensor(x[..., : settings["crop_frames"]], dtype=torch.float32)
    model = PrototypeModel(2, settings["n_mels"], preset.sample_rate)
    model.active = ("gain", "pitch", "filters")
    reconstructions = model(x)
    assert reconstructions.shape == (2, 2, x.shape[-1], settings["n_mels"])
    assert torch.isfinite(reconstructions).all()
