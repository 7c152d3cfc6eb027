"""Modulation-rate measurement on signals whose modulation is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from xaiaudio.features import modulation

SAMPLE_RATE = 22050
TIME = np.arange(int(1.2 * SAMPLE_RATE)) / SAMPLE_RATE


def _harmonic_tone(cents: np.ndarray, f0: float = 220.0, partials: int = 8) -> np.ndarray:
    cycles = np.cumsum(f0 * 2.0 ** (cents / 1200.0)) / SAMPLE_RATE
    return sum(np.sin(2 * np.pi * k * cycles) / k for k in range(1, partials + 1)).astype(np.float32)


@pytest.mark.parametrize("rate_hz", [4.3, 7.1])
def test_vibrato_rate_from_pitch_track(rate_hz):
    tone = _harmonic_tone(30.0 * np.sin(2 * np.pi * rate_hz * TIME))
    measured = modulation.measure_modulation_rate(tone, SAMPLE_RATE, "vibrato")
    assert measured == pytest.approx(rate_hz, rel=0.03)


def test_pitch_track_follows_a_low_note():
    tone = _harmonic_tone(np.zeros_like(TIME), f0=41.2)                # E1 on a double bass
    f0 = modulation.pitch_track(tone, SAMPLE_RATE)[1]
    assert np.nanmedian(f0) == pytest.approx(41.2, rel=0.01)


@pytest.mark.parametrize(("technique", "rate_hz"), [("tremolo", 9.0), ("flatterzunge", 33.0)])
def test_amplitude_rate_from_envelope_even_on_a_low_note(technique, rate_hz):
    # 33 Hz modulation of an 82 Hz note: the period-synchronous window must remove the note's own ripple.
    modulator = 1.0 - 0.4 * (1 + np.cos(2 * np.pi * rate_hz * TIME))
    tone = _harmonic_tone(np.zeros_like(TIME), f0=82.4) * modulator
    measured = modulation.measure_modulation_rate(tone, SAMPLE_RATE, technique)
    assert measured == pytest.approx(rate_hz, rel=0.03)


def test_dominant_rate_handles_few_periods_and_gaps():
    times = np.linspace(0.0, 0.6, 200)                                   # 3 periods of 5 Hz
    values = np.sin(2 * np.pi * 5.0 * times + 1.0) + 0.3 * times
    keep = np.ones_like(times, dtype=bool)
    keep[80:95] = False                                                  # an unvoiced gap
    assert modulation.dominant_rate(times[keep], values[keep], (2.0, 16.0)) == pytest.approx(5.0, rel=0.03)


def test_subharmonic_preference_only_when_asked():
    times = np.arange(0.0, 1.5, 0.003)
    values = np.sin(2 * np.pi * 12.0 * times) + 0.6 * np.sin(2 * np.pi * 6.0 * times)
    assert modulation.dominant_rate(times, values, (2.0, 20.0)) == pytest.approx(12.0, rel=0.02)
    half = modulation.dominant_rate(times, values, (2.0, 20.0), subharmonic_share=0.25)
    assert half == pytest.approx(6.0, rel=0.02)
