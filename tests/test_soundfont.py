"""The SF2 reader and sampler: TimGM6mb.sf2 parses, its zones resolve, notes sound at the key's pitch."""

from __future__ import annotations

import dataclasses

import librosa
import numpy as np
import pytest

from xaiaudio.synth import soundfont
from xaiaudio.synth.soundfont import Zone, play_zones

SAMPLE_RATE = 22050


@pytest.fixture(scope="module")
def timgm():
    return soundfont.default_soundfont()


def fundamental_cents(audio: np.ndarray, key: int) -> float:
    """Cents between the strongest spectral peak within a semitone of ``key`` and the key's frequency."""
    n_fft = 2**18  # 0.08 Hz bins
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n_fft))
    frequencies = np.fft.rfftfreq(n_fft, 1.0 / SAMPLE_RATE)
    target = librosa.midi_to_hz(key)
    near = np.flatnonzero(np.abs(1200.0 * np.log2(np.maximum(frequencies, 1.0) / target)) < 100.0)
    peak = near[np.argmax(spectrum[near])]
    left, centre, right = np.log(spectrum[peak - 1 : peak + 2])
    offset = 0.5 * (left - right) / (left - 2.0 * centre + right)
    return float(1200.0 * np.log2((peak + offset) * SAMPLE_RATE / n_fft / target))


def test_timgm6mb_parses_into_the_general_midi_presets(timgm):
    assert soundfont.default_soundfont_path().name == "TimGM6mb.sf2"
    assert len(timgm.presets) == 136  # 128 GM programs and 8 drum kits (bank 128)
    assert all((0, program) in timgm.presets for program in range(128))
    assert "Violin" in timgm.presets[(0, 40)]
    (zone,) = timgm.zones(40, 69, 80)
    assert zone.loops and 0 <= zone.loop_start < zone.loop_end <= len(zone.data)
    assert zone.sample_rate == 44100 and 60 <= zone.root_key <= 90 and zone.data.dtype == np.float32
    assert np.abs(zone.data).max() > 0.1
    # the horn layers several samples on one key
    assert len(timgm.zones(60, 60, 80)) > 1


def test_missing_presets_and_keys_are_told_apart(timgm):
    with pytest.raises(KeyError, match="no preset for bank 0, program 200"):
        timgm.zones(200, 60)
    # a gap in the alto sax's key ranges (E4)
    assert timgm.zones(65, 64, 80) == []
    assert timgm.zones(65, 65, 80)


@pytest.mark.parametrize("program, key", [(40, 69), (71, 62), (42, 45), (70, 50), (46, 72)])
def test_a_note_sounds_at_its_key(timgm, program, key):
    note = play_zones(timgm.zones(program, key, 80), key, 2 * SAMPLE_RATE, SAMPLE_RATE)
    assert fundamental_cents(note, key) == pytest.approx(0.0, abs=6.0)
    octave = np.full(2 * SAMPLE_RATE, 1200.0)
    octave_up = play_zones(timgm.zones(program, key, 80), key, 2 * SAMPLE_RATE, SAMPLE_RATE, cents=octave)
    assert fundamental_cents(octave_up, key + 12) == pytest.approx(0.0, abs=6.0)


def sine_zone(frequency: float, loops: bool) -> Zone:
    """A zone whose sample is 40 periods of a sine at ``frequency`` (root key 69, 44.1 kHz)."""
    period = 44100 / frequency
    data = np.sin(2 * np.pi * np.arange(int(round(40 * period))) / period).astype(np.float32)
    return Zone("sine", data, int(round(10 * period)), len(data), loops, 44100, 69, 0.0, 100.0, 0.0,
                0.001, 0.001, 0.001, 1.0, 0.0, 0.001, (0, 127), (0, 127))


def test_the_loop_sustains_and_a_sample_without_loop_runs_out():
    looped = play_zones([sine_zone(441.0, True)], 69, SAMPLE_RATE, SAMPLE_RATE)
    # a 441 Hz sine whose root key is A4 plays at 441 Hz on A4 (3.9 cents above 440 Hz)
    sharp = 1200.0 * np.log2(441.0 / 440.0)
    assert fundamental_cents(looped, 69) == pytest.approx(sharp, abs=0.5)
    assert np.abs(looped[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + 100]).max() > 0.9
    once = play_zones([sine_zone(441.0, False)], 69, SAMPLE_RATE, SAMPLE_RATE)
    sounding = np.flatnonzero(np.abs(once) > 1e-6)
    # 40 periods of 441 Hz (0.09 s), then nothing
    assert 0.085 * SAMPLE_RATE < sounding[-1] < 0.095 * SAMPLE_RATE
    # a pitch curve changes the rate at which the sample is read, sample by sample
    fifth = np.full(SAMPLE_RATE, 700.0)
    bent = play_zones([sine_zone(441.0, True)], 69, SAMPLE_RATE, SAMPLE_RATE, cents=fifth)
    assert fundamental_cents(bent, 76) == pytest.approx(sharp, abs=0.5)


def test_envelope_gain_and_legato_shape_the_note():
    zone = dataclasses.replace(sine_zone(441.0, True), attack_s=0.1)
    note = play_zones([zone], 69, SAMPLE_RATE, SAMPLE_RATE, release_s=0.2)
    level = np.abs(note)
    assert level[: int(0.01 * SAMPLE_RATE)].max() < 0.15  # attack
    assert level[-int(0.01 * SAMPLE_RATE) :].max() < 0.01  # release ends the note
    half = np.r_[np.ones(SAMPLE_RATE // 2), np.zeros(SAMPLE_RATE - SAMPLE_RATE // 2)]
    gated = play_zones([zone], 69, SAMPLE_RATE, SAMPLE_RATE, gain=half)
    assert not gated[SAMPLE_RATE // 2 :].any()
    # legato starts in the loop (the sine's 10th period): at a zero crossing, like the sample's start
    legato = play_zones([zone], 69, 100, SAMPLE_RATE, attack_s=0.0, legato=True)
    assert abs(legato[0]) < 1e-3
    assert play_zones([], 69, 100, SAMPLE_RATE).shape == (100,)


def test_every_instrument_has_a_single_velocity_layer_as_the_listening_chapter_says(timgm):
    from xaiaudio.synth.recorded_corpus import GM_PROGRAMS, VELOCITIES

    for program in GM_PROGRAMS.values():
        layers = {zone.velocity_range for key in range(36, 96, 6) for velocity in VELOCITIES.values()
                  for zone in timgm.zones(program, key, velocity)}
        assert layers == {(0, 127)}, program
