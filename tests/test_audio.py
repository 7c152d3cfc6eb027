import numpy as np
import pytest
from broken_files import tone, write_awkward_files, write_wav
from librosa.util import fix_length

from xaiaudio.core.presets import get_preset
from xaiaudio.data.audio import AudioError, load_clip, load_clips, read_audio, standardise

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


def test_every_awkward_file_is_loaded_or_refused_with_its_name(tmp_path):
    expected = write_awkward_files(tmp_path, SMOKE.sample_rate)
    for name, reason in expected.items():
        if reason is None:
            assert np.isfinite(load_clip(tmp_path / name, SMOKE)).all()
        elif reason in ("truncated", "not readable", "NaN"):
            with pytest.raises(AudioError, match=reason) as error:
                read_audio(tmp_path / name, SMOKE.sample_rate)
            assert name in str(error.value)


def test_load_clips_raises_or_skips_as_the_caller_chooses(tmp_path):
    good = write_wav(tmp_path / "good.wav", tone(1.0, 22050), 22050)
    bad = tmp_path / "bad.wav"
    bad.write_text("nope")
    with pytest.raises(AudioError, match="bad.wav"):
        load_clips([good, bad], SMOKE)
    clips, kept, report = load_clips([good, bad], SMOKE, on_error="skip")
    assert clips.shape == (1, SMOKE.clip_samples) and kept == [0]
    assert report.skipped[0][0].endswith("bad.wav")
