"""Tests of the synthetic speakers (xaiaudio.synth.voices)."""

import numpy as np
import pytest

from xaiaudio.data.splits import split_files
from xaiaudio.synth.voices import VOICE_RATE, make_speakers, make_voice_corpus, synthesise_utterance


def test_speakers_are_deterministic_and_varied():
    a, b = make_speakers(6, seed=3), make_speakers(6, seed=3)
    assert a == b and make_speakers(6, seed=4) != a
    assert len({round(s.f0_median) for s in a}) == 6
    with pytest.raises(ValueError):
        make_speakers(0)


def _median_f0(y: np.ndarray) -> float:
    import librosa

    f0 = librosa.yin(y, fmin=60, fmax=500, sr=VOICE_RATE, frame_length=1024)
    loud = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0][: len(f0)] > 0.05
    return float(np.median(f0[loud]))


def test_utterance_pitch_follows_the_speaker():
    low, high = make_speakers(2, seed=0)                 # speaker 0 has a lower voice, speaker 1 a higher one
    measured = {}
    for speaker in (low, high):
        y = synthesise_utterance(speaker, 1.0, np.random.default_rng(0))
        assert y.dtype == np.float32 and np.all(np.isfinite(y)) and np.max(np.abs(y)) == pytest.approx(0.5)
        measured[speaker.name] = _median_f0(y)
    semitones = {s.name: 12 * np.log2(measured[s.name] / s.f0_median) for s in (low, high)}
    # Within 3 semitones of its own median f0 (phrases start up to f0_range / 2 above it and their
    # contours move around that): the old 0.6-1.6 x f0 band let a low and a high voice overlap.
    assert all(abs(value) <= 3 for value in semitones.values()), semitones
    # Told apart: each measured f0 is nearer (in log frequency) to its own speaker than to the other.
    for speaker, other in ((low, high), (high, low)):
        assert abs(np.log(measured[speaker.name] / speaker.f0_median)) < abs(
            np.log(measured[speaker.name] / other.f0_median)), (measured, speaker, other)
    with pytest.raises(ValueError):
        synthesise_utterance(low, 0.01, np.random.default_rng(0))


def test_corpus_labels_and_split(tmp_path, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path))
    corpus = make_voice_corpus("smoke", seed=0, n_speakers=3, utterances=10, seconds=0.5)
    assert len(corpus.audio) == 30 and list(np.bincount(corpus.labels)) == [10, 10, 10]
    again = make_voice_corpus("smoke", seed=0, n_speakers=3, utterances=10, seconds=0.5)
    assert all(np.array_equal(x, y) for x, y in zip(corpus.audio, again.audio))
    split = split_files(100, np.random.default_rng(0))
    assert [(split == s).sum() for s in ("train", "val", "test")] == [70, 10, 20]
