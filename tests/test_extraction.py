"""Dataset extraction: batched, streamed to the cache, memory-mapped, keyed by content."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from xaiaudio.core.presets import get_preset, setup
from xaiaudio.data.audio import load_clip
from xaiaudio.features import extraction
from xaiaudio.features.scattering import scatter, scattering_paths, scattering_spec


def _write_wavs(folder: Path, count: int) -> list[Path]:
    preset = get_preset("smoke")
    t = np.arange(preset.clip_samples // 2) / preset.sample_rate
    paths = []
    for i in range(count):
        x = (1 + np.cos(2 * np.pi * (4 + 3 * i) * t)) * np.sin(2 * np.pi * (220 * (i + 1)) * t)
        path = folder / f"clip{i}.wav"
        sf.write(path, (0.3 * x).astype(np.float32), preset.sample_rate)
        paths.append(path)
    return paths


def test_extract_features_matches_scatter_in_order_and_is_cached(tmp_path, monkeypatch):
    preset = get_preset("smoke")
    paths = _write_wavs(tmp_path, 3)
    features = extraction.extract_features(paths, preset, batch_size=2, progress=False)
    assert isinstance(features, np.memmap) and not features.flags.writeable
    assert features.shape == (3, len(scattering_paths("smoke")), 32)
    expected = scatter(np.stack([load_clip(p, preset) for p in paths]), preset)
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-6)

    def boom(*args, **kwargs):
        raise AssertionError("the cached re-run must not scatter")

    monkeypatch.setattr(extraction, "scatter_torch", boom)
    again = extraction.extract_features(paths, preset, batch_size=2, progress=False)
    np.testing.assert_array_equal(again, features)
    # reversed order is another entry, computed in the new order
    monkeypatch.undo()
    reverse = extraction.extract_features(paths[::-1], preset, batch_size=3, progress=False)
    np.testing.assert_allclose(reverse, features[::-1], rtol=1e-4, atol=1e-6)


def test_key_follows_audio_content_and_settings(tmp_path):
    paths = _write_wavs(tmp_path, 2)
    key = extraction.features_key(paths, "smoke")
    assert extraction.features_key(paths, "book") != key
    data, rate = sf.read(paths[1])
    sf.write(paths[1], data * 0.5, rate)  # same name, new content
    assert extraction.features_key(paths, "smoke") != key


def test_extract_dataset_features_uses_the_dataset_loader_and_row_order(tmp_path):
    config = setup("smoke", "cpu", None, 0)
    paths = _write_wavs(tmp_path, 2)

    class FakeDataset:
        table = pd.DataFrame({"path": [str(p) for p in paths[::-1]], "split": ["train", "test"]})

        def load_audio(self, i):
            return load_clip(self.table["path"].iloc[i], config.preset)

    features = extraction.extract_dataset_features(FakeDataset(), config, progress=False)
    expected = scatter(np.stack([load_clip(p, config.preset) for p in paths[::-1]]), "smoke")
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-6)


def test_per_file_baseline_agrees(tmp_path):
    paths = _write_wavs(tmp_path, 1)
    baseline = extraction.extract_features_per_file(paths, "smoke")
    cached = extraction.extract_features(paths, "smoke", progress=False)
    np.testing.assert_allclose(baseline, cached, rtol=1e-4, atol=1e-6)


def test_empty_file_list_gives_an_empty_array():
    features = extraction.extract_features([], "smoke", progress=False)
    assert features.shape[0] == 0


def test_missing_file_raises_and_leaves_no_entry(tmp_path, isolated_cache):
    with pytest.raises((OSError, ValueError)):
        extraction.extract_features([tmp_path / "missing.wav"], "smoke", progress=False)
    assert not list((isolated_cache / extraction.NAMESPACE).glob("[0-9a-f]*"))


def test_a_spec_without_a_loader_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="pass load="):
        extraction.extract_features(_write_wavs(tmp_path, 1), scattering_spec("smoke"), progress=False)
