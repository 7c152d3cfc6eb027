"""Whole notes for the prototype tasks: digital silence is trimmed, so padding cannot decide a class."""

import numpy as np
import pytest
import torch
from broken_files import tone, write_wav

from xaiaudio.core.presets import get_preset
from xaiaudio.data.audio import AudioError, load_clip, load_note, trim_silence
from xaiaudio.features.spectrograms import spectrogram_set
from xaiaudio.models.prototype_model import PrototypeModel
from xaiaudio.training.prototype_curriculum import reconstruction_errors

PRESET = get_preset("smoke")
RATE = PRESET.sample_rate


def test_trim_silence_keeps_the_note_and_its_quiet_fade():
    fade = np.linspace(1.0, 0.01, int(0.3 * RATE), dtype=np.float32)
    note = (tone(0.3, RATE) * fade)[1:]            # a sine starts at 0: begin one sample later
    padded = np.concatenate([np.zeros(500, np.float32), note, np.zeros(3000, np.float32)])
    assert np.array_equal(trim_silence(padded), note)
    assert len(trim_silence(np.zeros(100, np.float32))) == 0


def test_a_notes_class_does_not_change_when_silence_is_appended(tmp_path):
    rng = np.random.default_rng(0)
    notes = [tone(0.4, RATE, frequency) for frequency in (220.0, 660.0)]
    paths = {}
    for k, note in enumerate(notes):
        paths[k, "plain"] = write_wav(tmp_path / f"{k}.wav", note, RATE)
        silence = np.zeros(int(0.7 * RATE), np.float32)
        paths[k, "silent tail"] = write_wav(tmp_path / f"{k}-tail.wav", np.concatenate([note, silence]), RATE)
    torch.manual_seed(0)
    model = PrototypeModel(2, 32, RATE)
    with torch.no_grad():
        model.prototypes.copy_(torch.from_numpy(rng.uniform(0.2, 0.8, (2, 32)).astype(np.float32)))

    def errors(load):
        keys = sorted(paths)
        data = spectrogram_set([load(paths[key], PRESET) for key in keys], RATE, [k for k, _ in keys],
                               np.array(["test"] * len(keys)), ["low", "high"], 32, RATE)
        return dict(zip(keys, reconstruction_errors(model, data, range(len(keys))), strict=True))

    whole = errors(load_note)
    for k in range(2):
        assert np.array_equal(whole[k, "plain"], whole[k, "silent tail"])
        assert whole[k, "plain"].argmin() == whole[k, "silent tail"].argmin()
    # a note padded to a fixed clip length, as before, is reconstructed differently with its padding
    padded = errors(load_clip)
    assert not np.allclose(padded[0, "plain"], whole[0, "plain"])


def test_a_silent_file_is_refused_with_its_reason(tmp_path):
    path = write_wav(tmp_path / "silent.wav", np.zeros(RATE, np.float32), RATE)
    with pytest.raises(AudioError, match="silent"):
        load_note(path, PRESET)
