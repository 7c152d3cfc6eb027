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
    corpus = load_librispeech(tmp_path, 1, strict=False)
    assert "7-100-0099" in corpus.transcripts["__unreadable__"] and len(corpus.paths) == 3
