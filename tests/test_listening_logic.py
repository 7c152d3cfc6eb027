"""The logic behind chapter "Listening to playing techniques", on clips with a known modulation rate."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.experiments.examples import typical_clip  # noqa: E402
from xaiaudio.experiments.rates import measured_rates, rate_agreement  # noqa: E402
from xaiaudio.features import modulation  # noqa: E402
from xaiaudio.report.rate_figures import plot_corpus_rates, plot_rate_analysis  # noqa: E402

SAMPLE_RATE = 22050
TIME = np.arange(int(1.2 * SAMPLE_RATE)) / SAMPLE_RATE


def _vibrato(rate_hz: float, f0: float = 220.0, cents: float = 30.0) -> np.ndarray:
    cycles = np.cumsum(f0 * 2.0 ** (cents * np.sin(2 * np.pi * rate_hz * TIME) / 1200.0)) / SAMPLE_RATE
    return sum(np.sin(2 * np.pi * k * cycles) / k for k in range(1, 9)).astype(np.float32)


def _tremolo(rate_hz: float, f0: float = 220.0) -> np.ndarray:
    tone = sum(np.sin(2 * np.pi * k * f0 * TIME) / k for k in range(1, 9))
    return (tone * (1.0 - 0.4 * (1 + np.cos(2 * np.pi * rate_hz * TIME)))).astype(np.float32)


def _clip(**overrides) -> pd.Series:
    clip = {"instrument": "Vn", "technique": "vibrato", "midi": 57, "dynamics": "mf", "rate_hz": 5.5}
    return pd.Series(clip | overrides)


# ----------------------------------------------------------------------------- rate_analysis
def test_rate_analysis_finds_a_known_vibrato_rate_and_agrees_with_the_measurement():
    audio = _vibrato(5.5)
    analysis = modulation.rate_analysis(audio, SAMPLE_RATE, "vibrato")
    assert analysis.track == "pitch"
    assert analysis.rate_hz == pytest.approx(5.5, rel=0.03)
    assert analysis.rate_hz == modulation.measure_modulation_rate(audio, SAMPLE_RATE, "vibrato")
    # The spectrum covers the vibrato band and peaks at the rate it reports.
    low, high = modulation.RATE_BANDS["vibrato"]
    assert analysis.frequencies[0] == pytest.approx(low) and analysis.frequencies[-1] >= high - 1e-9
    assert analysis.frequencies[np.argmax(analysis.explained)] == pytest.approx(analysis.rate_hz)
    # The pitch track swings about +-30 cents, the depth the tone was made with.
    assert np.percentile(np.abs(analysis.values), 99) == pytest.approx(30.0, rel=0.15)
    assert len(analysis.times) == len(analysis.values) > 100


def test_rate_analysis_tracks_the_level_for_a_tremolo():
    analysis = modulation.rate_analysis(_tremolo(11.0), SAMPLE_RATE, "tremolo")
    assert analysis.track == "envelope"
    assert analysis.rate_hz == pytest.approx(11.0, rel=0.03)


def test_rate_analysis_keeps_the_half_rate_preference_of_bisbigliando(monkeypatch):
    # A brightness track with a strong component at 12 Hz and a weaker one at 6 Hz: the spectrum
    # peaks at 12 Hz, but a bisbigliando's rate is the half when the half is strong enough.
    times = np.arange(0.0, 1.5, 0.003)
    values = np.sin(2 * np.pi * 12.0 * times) + 0.6 * np.sin(2 * np.pi * 6.0 * times)
    monkeypatch.setattr(modulation, "modulation_track", lambda audio, sample_rate, technique: (times, values))
    analysis = modulation.rate_analysis(np.zeros(10), SAMPLE_RATE, "bisbigliando")
    assert analysis.track == "centroid"
    assert analysis.frequencies[np.argmax(analysis.explained)] == pytest.approx(12.0, abs=0.1)
    assert analysis.rate_hz == pytest.approx(6.0, abs=0.1)


# ----------------------------------------------------------------------------- typical_clip
def test_typical_clip_prefers_the_typical_instrument_then_falls_back():
    table = pd.DataFrame({"technique": ["trill", "vibrato", "vibrato", "vibrato", "tremolo"],
                          "instrument": ["Fl", "Fl", "Vn", "Vn", "Cb"]}, index=[10, 11, 12, 13, 14])
    assert typical_clip(table, "vibrato") == 12                  # the first violin vibrato, by label
    assert typical_clip(table, "tremolo") == 14                  # no cello: the first tremolo
    assert typical_clip(table, "trill") == 10
    assert typical_clip(table, "vibrato", instruments={}) == 11  # no preference: the first one
    with pytest.raises(IndexError):
        typical_clip(table, "bisbigliando")


# ----------------------------------------------------------------------------- measured rates
class _Dataset:
    """A dataset whose clips are vibratos or tremolos at the rates its table records."""

    def __init__(self, table):
        self.table = table
        self.loaded = []

    def load_audio(self, position):
        self.loaded.append(position)
        row = self.table.iloc[position]
        return (_vibrato if row["technique"] == "vibrato" else _tremolo)(row["rate_hz"])


def test_measured_rates_measures_the_first_clips_of_each_technique():
    table = pd.DataFrame({"technique": ["tremolo", "vibrato", "tremolo", "vibrato", "tremolo"],
                          "rate_hz": [9.0, 5.0, 13.0, 7.0, 17.0]}, index=[40, 41, 42, 43, 44])
    dataset = _Dataset(table)
    rates = measured_rates(dataset, SAMPLE_RATE, per_technique=2)
    assert list(rates.index) == [40, 41, 42, 43]                  # the third tremolo is not measured
    assert dataset.loaded == [0, 1, 2, 3]                        # positions, not the labels 40-43
    assert list(rates["technique"]) == ["tremolo", "vibrato", "tremolo", "vibrato"]
    np.testing.assert_allclose(rates["measured_hz"], rates["rate_hz"], rtol=0.03)


def test_rate_agreement_on_known_errors():
    within_10 = np.log2(1.1)  # a factor 1.1 either way
    agreement = rate_agreement([10.0, 10.0, 10.0, 10.0], [10.0, 10.5, 12.0, 8.0], within_10)
    assert agreement == {"n": 4, "median_error": pytest.approx(12.5), "within": pytest.approx(50.0)}
    # the tolerance is symmetric in octaves: a factor 2 up or down is one octave off
    assert rate_agreement([10.0, 10.0], [20.0, 5.0], 1.0)["within"] == 100.0
    assert rate_agreement([10.0, 10.0], [20.0, 5.0], 0.99)["within"] == 0.0
    # a rate that could not be measured (NaN, 0 Hz) is wrong, never dropped
    assert rate_agreement([10.0, 10.0], [np.nan, 0.0], 1.0)["within"] == 0.0
    # Clips without a true rate are left out; none at all gives NaN (real SOL).
    partial = rate_agreement([np.nan, 20.0], [3.0, 21.0], within_10)
    assert partial["n"] == 1 and partial["median_error"] == pytest.approx(5.0) and partial["within"] == 100.0
    empty = rate_agreement([np.nan, np.nan], [4.0, 5.0], within_10)
    assert empty["n"] == 0 and np.isnan(empty["median_error"]) and np.isnan(empty["within"])


# ----------------------------------------------------------------------------- figures
def _vertical_lines(ax):
    """The rate markers of a rate-spectrum panel, label -> x."""
    marked = [line for line in ax.lines if line.get_label().startswith(("measured", "ground truth"))]
    return {line.get_label(): line.get_xdata()[0] for line in marked}


def test_rate_figure_marks_the_measured_and_the_true_rate():
    audio = _vibrato(5.5)
    analysis = modulation.rate_analysis(audio, SAMPLE_RATE, "vibrato")
    fig = plot_rate_analysis(audio, SAMPLE_RATE, analysis, _clip())
    spectrogram, track, spectrum = fig.axes[:3]
    assert spectrogram.get_title() == "Vn vibrato, MIDI 57 mf"
    assert track.get_ylabel() == "pitch about the median (cents)"
    np.testing.assert_array_equal(track.lines[0].get_ydata(), analysis.values)
    lines = _vertical_lines(spectrum)
    assert lines[f"measured {analysis.rate_hz:.2f} Hz"] == analysis.rate_hz
    assert lines["ground truth 5.50 Hz"] == 5.5
    plt.close(fig)
    # Without a recorded rate (real SOL) only the measured rate is marked.
    fig = plot_rate_analysis(audio, SAMPLE_RATE, analysis, _clip(rate_hz=np.nan))
    assert list(_vertical_lines(fig.axes[2])) == [f"measured {analysis.rate_hz:.2f} Hz"]
    plt.close(fig)


def test_corpus_rates_figure_shows_truth_or_measured_rates():
    table = pd.DataFrame({"technique": ["vibrato", "vibrato", "tremolo"], "rate_hz": [5.0, 6.0, 12.0]})
    rates = pd.DataFrame({"technique": ["vibrato", "tremolo"], "rate_hz": [5.0, 12.0],
                          "measured_hz": [5.1, 11.8]})
    fig = plot_corpus_rates(table, rates, ["vibrato", "tremolo"])
    left, right = fig.axes
    # Left: every clip's true rate per technique; right: measured against truth.
    np.testing.assert_allclose(left.collections[0].get_offsets()[:, 0], [5.0, 6.0])
    np.testing.assert_allclose(left.collections[1].get_offsets()[:, 0], [12.0])
    assert right.get_visible()
    np.testing.assert_allclose(right.collections[0].get_offsets(), [[5.0, 5.1]])
    plt.close(fig)

    no_truth = table.assign(rate_hz=np.nan)
    fig = plot_corpus_rates(no_truth, rates.assign(rate_hz=np.nan), ["vibrato", "tremolo"])
    left, right = fig.axes
    np.testing.assert_allclose(left.collections[0].get_offsets()[:, 0], [5.1])
    assert not right.get_visible()
    plt.close(fig)
