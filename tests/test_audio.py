from pathlib import Path

import numpy as np
import pytest
from broken_files import tone, write_awkward_files, write_wav
from librosa.util import fix_length

from xaiaudio.core.presets import get_preset
from xaiaudio.data.audio import AudioError, check_audio_file, load_clip, load_clips, read_audio, standardise
from xaiaudio.data.sol import scan_sol_folder

SMOKE = get_preset("smoke")


def test_any_format_in_mono_at_preset_rate_out(tmp_path):
    stereo = np.stack([tone(1.0, 48000), tone(1.0, 48000)], axis=1)
    path = write_wav(tmp_path / "s.wav", stereo, 48000, "PCM_24")
    samples = read_audio(path, SMOKE.sample_rate)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - SMOKE.sample_rate) <= 1
    clip = load_clip(path, SMOKE)
    assert clip.shape == (SMOKE.clip_samples,)
    assert abs(clip.std() - 1) < 1e-3


def test_fix_length_pads_and_truncates_at_the_end_as_the_paper():
    assert fix_length(np.ones(5), size=8).tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    assert fix_length(np.arange(10), size=3).tolist() == [0, 1, 2]


def test_standardise_stays_finite_on_silence():
    out = standardise(np.zeros(100, np.float32))
    assert np.all(out == 0) and np.isfinite(out).all()


# Reasons data.audio gives (check_audio_file, with the file's name); the others come from file names,
# through the SOL folder scan (data.sol).
AUDIO_REASONS = ("truncated", "not readable", "NaN", "silent", "too short")
NAME_REASONS = ("non-vibrato", "ordinario", "unknown technique", "not a .wav")


def test_every_awkward_file_is_loaded_or_refused_with_its_reason(tmp_path):
    expected = write_awkward_files(tmp_path, SMOKE.sample_rate)
    table, skipped = scan_sol_folder(tmp_path, SMOKE.sample_rate)
    reasons = {Path(path).name: reason for path, reason in zip(skipped["path"], skipped["reason"])}
    assert sorted(Path(path).name for path in table["path"]) == sorted(
        name for name, reason in expected.items() if reason is None)
    assert set(reasons) == {name for name, reason in expected.items() if reason is not None}
    for name, reason in expected.items():
        if reason is None:
            assert np.isfinite(load_clip(tmp_path / name, SMOKE)).all()
        elif reason in AUDIO_REASONS:
            with pytest.raises(AudioError, match=reason) as error:
                check_audio_file(tmp_path / name, SMOKE.sample_rate)
            assert name in str(error.value) and reason in reasons[name]
        elif reason in NAME_REASONS:
            assert reason in reasons[name], (name, reasons[name])
        else:
            pytest.fail(f"{name}: no check for the expected reason {reason!r}")


def test_load_clips_raises_or_skips_as_the_caller_chooses(tmp_path):
    good = write_wav(tmp_path / "good.wav", tone(1.0, 22050), 22050)
    bad = tmp_path / "bad.wav"
    bad.write_text("nope")
    with pytest.raises(AudioError, match="bad.wav"):
        load_clips([good, bad], SMOKE)
    clips, kept, report = load_clips([good, bad], SMOKE, on_error="skip")
    assert clips.shape == (1, SMOKE.clip_samples) and kept == [0]
    assert report.skipped[0][0].endswith("bad.wav")
