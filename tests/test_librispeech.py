"""Tests of the LibriSpeech folder loader on a generated tree (xaiaudio.data.librispeech)."""

import numpy as np
import pytest
import soundfile as sf

from xaiaudio.data.librispeech import LibriSpeechError, load_librispeech, read_transcripts, scan_librispeech


def make_tree(root, durations, rate=16000):
    """durations: {speaker: [seconds per utterance]} -> LibriSpeech-like tree with transcripts."""
    rng = np.random.default_rng(0)
    for speaker, lengths in durations.items():
        folder = root / str(speaker) / "100"
        folder.mkdir(parents=True)
        lines = []
        for u, seconds in enumerate(lengths):
            name = f"{speaker}-100-{u:04d}"
            sf.write(folder / f"{name}.flac", 0.1 * rng.standard_normal(int(seconds * rate)), rate)
            lines.append(f"{name} HELLO WORLD {u}")
        (folder / f"{speaker}-100.trans.txt").write_text("\n".join(lines) + "\n")


def test_top_speakers_by_duration_and_split(tmp_path):
    make_tree(tmp_path, {11: [0.2] * 10, 22: [0.5] * 10, 33: [0.3] * 10, 44: [0.1] * 10})
    corpus = load_librispeech(tmp_path, 2, seed=0)
    assert corpus.speakers == ["22", "33"]
    assert len(corpus.paths) == 20 and set(corpus.labels) == {0, 1}
    assert sorted((corpus.split == s).sum() for s in ("train", "val", "test")) == [2, 4, 14]
    y = corpus.load_audio(0)
    assert y.dtype == np.float32 and y.ndim == 1
    assert read_transcripts(tmp_path)["11-100-0003"] == "HELLO WORLD 3"
    again = load_librispeech(tmp_path, 2, seed=0)
    assert list(again.split) == list(corpus.split)


def test_resamples_other_rates(tmp_path):
    make_tree(tmp_path, {5: [0.5] * 2}, rate=8000)
    corpus = load_librispeech(tmp_path, 1)
    assert len(corpus.load_audio(0)) == pytest.approx(8000, abs=2)


def test_clear_errors(tmp_path):
    with pytest.raises(LibriSpeechError, match="not found"):
        load_librispeech(tmp_path / "missing", 1)
    with pytest.raises(LibriSpeechError, match="no .flac"):
        load_librispeech(tmp_path, 1)
    make_tree(tmp_path, {7: [0.2] * 3})
    with pytest.raises(LibriSpeechError, match="fewer than"):
        load_librispeech(tmp_path, 2)
    (tmp_path / "7" / "100" / "7-100-0099.flac").write_bytes(b"not audio")
    with pytest.raises(LibriSpeechError, match="7-100-0099"):
        load_librispeech(tmp_path, 1)
    rows, unreadable = scan_librispeech(tmp_path)
    assert len(rows) == 3 and len(unreadable) == 1
    with pytest.warns(UserWarning, match="skipped 1 unreadable file"):
        corpus = load_librispeech(tmp_path, 1, strict=False)
    assert [path.name for path, _ in corpus.skipped] == ["7-100-0099.flac"] and len(corpus.paths) == 3


def test_split_is_stratified_by_speaker(tmp_path):
    """Each speaker's files are split 70/10/20 (within one file), so every speaker is in every split."""
    files_per_speaker = {11: 20, 22: 30, 33: 40, 44: 50}
    make_tree(tmp_path, {speaker: [0.05] * n for speaker, n in files_per_speaker.items()})
    splits = []
    for seed in range(4):
        corpus = load_librispeech(tmp_path, 4, seed=seed)
        for label, speaker in enumerate(corpus.speakers):
            mine = corpus.split[corpus.labels == label]
            assert len(mine) == files_per_speaker[int(speaker)]
            for name, share in (("train", 0.7), ("val", 0.1), ("test", 0.2)):
                assert abs((mine == name).sum() - share * len(mine)) <= 1, (seed, speaker, name)
        splits.append(corpus.split)
    assert list(load_librispeech(tmp_path, 4, seed=0).split) == list(splits[0])
    assert list(splits[0]) != list(splits[1])


def test_strict_option_of_the_run_config_reaches_the_loader(tmp_path, monkeypatch):
    """setup(..., strict=False) skips and reports an unreadable file; the default raises on it."""
    from xaiaudio.core.presets import setup
    from xaiaudio.experiments.datasets import voice_set

    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "LibriSpeech"
    make_tree(root, {speaker: [0.5] * 5 for speaker in (1, 2, 3, 4)})
    (root / "2" / "100" / "2-100-0099.flac").write_text("not audio\n")
    with pytest.raises(LibriSpeechError, match="2-100-0099"):
        voice_set(setup("smoke", "cpu", str(root), 0))
    config = setup("smoke", "cpu", str(root), 0, strict=False)
    assert config.strict is False
    with pytest.warns(UserWarning, match="2-100-0099"):
        data, speech = voice_set(config)
    [(path, reason)] = speech.skipped
    assert path.name == "2-100-0099.flac" and "unreadable" in reason
    assert len(speech.paths) == 20 and len(data.labels) == 20
