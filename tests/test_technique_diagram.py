"""The technique diagram draws each technique's own control curve at a rate of its range."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xaiaudio.report.technique_diagram import (  # noqa: E402
    DIAGRAM_TECHNIQUES,
    technique_diagram,
    technique_tracks,
)
from xaiaudio.synth.technique_physics import RATE_RANGES  # noqa: E402


def test_the_diagram_draws_one_labelled_row_per_technique():
    fig = technique_diagram()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert [ax.get_label() for ax in fig.axes] == list(DIAGRAM_TECHNIQUES)
        assert sorted(DIAGRAM_TECHNIQUES) == sorted(RATE_RANGES)
        labels = [" ".join(text.get_text() for text in ax.texts) for ax in fig.axes]
        for ax, technique, label in zip(fig.axes, DIAGRAM_TECHNIQUES, labels):
            low, high = RATE_RANGES[technique]
            assert technique in label and f"{low:g}\u2013{high:g} Hz" in label
            assert ax.lines, technique
        what = dict(zip(DIAGRAM_TECHNIQUES, labels))
        assert "pitch" in what["vibrato"] and "pitch" in what["trill"]
        assert "timbre" in what["bisbigliando"] and "level" in what["tremolo"]
        assert "noise" in what["flatterzunge"]
        assert tuple(fig.get_size_inches()) == (7.0, 3.0)
    finally:
        plt.close(fig)


def test_each_track_repeats_at_the_rate_it_was_made_at():
    for technique, (t, curve, rate_hz) in technique_tracks().items():
        low, high = RATE_RANGES[technique.split()[0]]
        assert low <= rate_hz <= high
        assert curve.min() == 0.0 and np.isclose(curve.max(), 1.0)
        # the strongest periodicity of the track (its second half: the
        # vibrato fades in) is its rate, within a few per cent
        half = len(t) // 2
        values = curve[half:] - curve[half:].mean()
        n = 2**16
        freqs = np.fft.rfftfreq(n, t[1] - t[0])
        spectrum = np.abs(np.fft.rfft(values * np.hanning(len(values)), n))
        inside = freqs >= 2.0
        peak = freqs[inside][np.argmax(spectrum[inside])]
        assert abs(peak / rate_hz - 1) < 0.1, technique
