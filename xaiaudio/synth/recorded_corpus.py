"""A SOL-layout corpus played from recorded instrument samples, with
programmed gestures whose rate and depth are known.

The embedded corpus (:mod:`xaiaudio.synth.corpus`) is additive
synthesis. This one plays the same notes from the recordings of a General
MIDI soundfont (:mod:`xaiaudio.synth.soundfont`; by default
``TimGM6mb.sf2``), each SOL instrument on the GM program of
:data:`GM_PROGRAMS`, and programs each technique as a player's gesture
(:data:`GESTURES` says how). Clip ``i`` draws its instrument, pitch,
dynamics, rate, depth, onset and length exactly as clip ``i`` of the
embedded corpus does (only bisbigliando's depth is rescaled, see
:data:`BISBIGLIANDO_TILT_RANGE`), so the two corpora are twins, clip by
clip, that differ in their sound alone. Each note is then recorded
(:func:`record`): over a noise floor, and on half of the clips through a
short room (:data:`RECORDING`).

* :func:`render_note` plays one note (raises :class:`SilentNoteError`
  with the reason when it cannot sound).
* :func:`iter_recorded_corpus` streams a preset's clips, each with the
  reason it is silent (``None`` when it sounds).
* :func:`render_recorded_corpus` writes them in the SOL layout with
  ``metadata.csv`` (:func:`xaiaudio.synth.corpus.write_sol_tree`) and lists
  the silent notes in ``silent_notes.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import scipy.fft
import scipy.signal

from xaiaudio.core import work_ledger
from xaiaudio.core.presets import Preset, get_preset, settings_for
from xaiaudio.data.sol import TECHNIQUES, sol_relative_path
from xaiaudio.synth.corpus import (
    CORPUS_SIZES,
    DYNAMICS_BRIGHTNESS,
    DYNAMICS_RMS_DB,
    Clip,
    ClipMeta,
    draw_clip,
    instrument_schedule,
    write_sol_tree,
)
from xaiaudio.synth.instruments import INSTRUMENTS, noise_band
from xaiaudio.synth.soundfont import (
    SoundFont,
    Zone,
    default_soundfont,
    play_zones,
)
from xaiaudio.synth.technique_physics import (
    DEPTH_RANGES,
    MODULATORS,
    TECHNIQUE_INSTRUMENTS,
    modulation_phase,
    smooth_square,
    stroke_envelope,
)

__all__ = [
    "BISBIGLIANDO_TILT_RANGE",
    "GESTURES",
    "GM_PROGRAMS",
    "RECORDING",
    "SILENT_NOTES_CSV",
    "VELOCITIES",
    "RenderReport",
    "SilentNote",
    "SilentNoteError",
    "iter_recorded_corpus",
    "record",
    "recorded_depth",
    "render_note",
    "render_recorded_corpus",
]

#: GM program (0-based) that plays each SOL instrument of the embedded
#: corpus. In ``TimGM6mb.sf2`` the viola (41) plays the violin's samples
#: with its own envelope, and the horn (60) layers horn, trombone and
#: tuba samples.
GM_PROGRAMS = {
    "Fl": 73,  # Flute
    "Ob": 68,  # Oboe
    "ClBb": 71,  # Clarinet
    "Bn": 70,  # Bassoon
    "ASax": 65,  # Alto Sax
    "Hn": 60,  # French Horn
    "TpC": 56,  # Trumpet
    "TbTb": 57,  # Trombone
    "BTb": 58,  # Tuba
    "Vn": 40,  # Violin
    "Va": 41,  # Viola
    "Vc": 42,  # Cello
    "Cb": 43,  # Contrabass
    "Hp": 46,  # Orchestral Harp
    "Gtr": 24,  # Acoustic Guitar (nylon)
    "Acc": 21,  # Accordion
}

#: MIDI velocity of each dynamics (selects velocity layers where the
#: soundfont has them; level and brightness are set as in the embedded
#: corpus).
VELOCITIES = {"pp": 40, "mf": 80, "ff": 115}

#: Range (dB per octave of partial number) of the brightness difference
#: between bisbigliando's two fingerings or strings. Real timbral trills
#: differ by a few dB; the embedded corpus's 4-9 dB/octave (24-54 dB at
#: partial 64) is a caricature, so its draw is mapped linearly onto this
#: range (a choice).
BISBIGLIANDO_TILT_RANGE = (1.0, 3.0)

#: How each technique is played (what the chapters can say about it).
GESTURES = {
    "ordinario": "one sustained note, the sample as recorded",
    "vibrato": "one note under a sinusoidal pitch bend of rate_hz and "
    "depth cents, faded in (with the coupled level change)",
    "trill": "note events alternating the note and its upper neighbour "
    "(interval min2 or maj2), 2 * rate_hz events per second, slurred: "
    "each change crossfades into the new sample's sustain loop",
    "tremolo": "one re-articulated note: rate_hz note events per second, "
    "each replaying the sample's onset (bow stroke, pluck, tongue "
    "stroke); each stroke falls by depth dB before the next",
    "bisbigliando": "one pitch alternating between two timbres rate_hz "
    "times per second: a neighbouring key's sample retuned to the note, "
    "detuned by a few cents and tilted by depth dB/octave; winds "
    "crossfade between them, the harp re-plucks the two strings in turn",
    "flatterzunge": "one note whose level the tongue interrupts rate_hz "
    "times per second (depth dB peak to trough), with turbulent breath "
    "noise strongest as the tongue releases the air",
}

#: File that :func:`render_recorded_corpus` writes beside
#: ``metadata.csv``: one row per note that renders silent.
SILENT_NOTES_CSV = "silent_notes.csv"

#: How each note of the corpus is recorded (:func:`record`), drawn per clip
#: (choices, not measurements): a noise floor this many dB under the
#: note's RMS level over the span the recording runs (the note and its
#: room's decay), and with probability ``room_share`` a short room whose
#: reverberation time (s, the decay's 60 dB time) and direct-to-reverberant
#: energy ratio (dB) are drawn from their ranges.
RECORDING = {
    "noise_floor_db": (40.0, 60.0),
    "room_share": 0.5,
    "rt60_s": (0.15, 0.6),
    "direct_to_reverberant_db": (0.0, 12.0),
}

#: Stream of a clip's recording conditions, apart from the note's own draw
#: (so the notes stay the synthetic corpus's twins).
_RECORDING_STREAM = 7

#: Below this peak a note would round to less than one 16-bit step.
_SILENT_PEAK = 1.0 / 32767.0


class SilentNoteError(ValueError):
    """A note the soundfont cannot play (no preset, no zone for a key, a
    silent render); the message is the reason."""


@dataclass(frozen=True)
class SilentNote:
    """A clip of the corpus that rendered silent, and why (a row of
    ``silent_notes.csv``).

    Attributes
    ----------
    path : str
        The file it would have been (POSIX, relative to the corpus root).
    index : int
        Its clip number.
    reason : str
        Why it is silent.
    """

    path: str
    index: int
    reason: str


@dataclass(frozen=True)
class RenderReport:
    """What :func:`render_recorded_corpus` wrote.

    Attributes
    ----------
    written : int
        Audio files written (rows of ``metadata.csv``).
    silent : tuple of SilentNote
        Clips not written because they render silent (also in
        ``silent_notes.csv``).
    """

    written: int
    silent: tuple[SilentNote, ...]


@dataclass(frozen=True)
class _Note:
    """What every gesture needs to play one note."""

    soundfont: SoundFont
    program: int
    midi: int
    velocity: int
    n_samples: int
    sample_rate: int
    rate_hz: float
    depth: float
    excitation: str
    rng: np.random.Generator

    def zones(self, key: int) -> list[Zone]:
        try:
            zones = self.soundfont.zones(self.program, key, self.velocity)
        except KeyError as error:
            raise SilentNoteError(error.args[0]) from None
        if not zones:
            raise SilentNoteError(
                f"no zone of GM program {self.program} "
                f"({self.soundfont.presets[(0, self.program)]}) plays "
                f"key {key} at velocity {self.velocity}"
            )
        return zones

    def times(self) -> np.ndarray:
        return np.arange(self.n_samples) / self.sample_rate

    def release_s(self) -> float:
        # a soundfont release (up to seconds) would eat a short note
        return float(self.rng.uniform(0.08, 0.2))


def _tilt(
    audio: np.ndarray, f0: float, db_per_octave: float, sample_rate: int
) -> np.ndarray:
    """``audio`` brightened (positive) or darkened by ``db_per_octave``
    above ``f0``: partial ``k`` changes by ``db_per_octave * log2(k)``."""
    if db_per_octave == 0.0 or len(audio) < 2:
        return audio
    n_fft = scipy.fft.next_fast_len(len(audio), real=True)
    spectrum = scipy.fft.rfft(audio, n_fft)
    frequencies = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    octaves = np.log2(np.maximum(frequencies, f0) / f0)
    spectrum *= 10.0 ** (db_per_octave * octaves / 20.0)
    return scipy.fft.irfft(spectrum, n_fft)[: len(audio)]


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio)))) + 1e-12


def _sustained(note: _Note, technique: str) -> np.ndarray:
    """Ordinario and vibrato: one note under the technique's pitch and
    level curves (:data:`~xaiaudio.synth.technique_physics.MODULATORS`)."""
    modulation = MODULATORS[technique](
        note.times(), note.rate_hz, note.depth, note.rng, note.excitation
    )
    return play_zones(
        note.zones(note.midi),
        note.midi,
        note.n_samples,
        note.sample_rate,
        cents=modulation.cents,
        gain=10.0 ** (modulation.gain_db / 20.0),
        release_s=note.release_s(),
    )


def _add_event(
    audio: np.ndarray,
    note: _Note,
    start: int,
    stop: int,
    key: int,
    overlap: int,
    **play,
) -> None:
    """Play ``key`` from sample ``start`` to ``stop`` (plus ``overlap``
    samples of release into the next event) into ``audio``."""
    length = min(stop + overlap, len(audio)) - start
    if length > 0:
        audio[start : start + length] += play_zones(
            note.zones(key), key, length, note.sample_rate, **play
        )


def _boundaries(changes: np.ndarray, n_samples: int) -> np.ndarray:
    """Event start samples: 0, every sample where ``changes`` is true,
    and the note's end."""
    return np.concatenate([[0], np.flatnonzero(changes) + 1, [n_samples]])


def _trill(note: _Note) -> np.ndarray:
    phase = modulation_phase(note.times(), note.rate_hz, note.rng)
    upper = np.sin(phase) > 0.0
    starts = _boundaries(upper[1:] != upper[:-1], note.n_samples)
    # finite finger speed: the two notes overlap by 6-15 ms
    overlap = int(note.rng.uniform(0.006, 0.015) * note.sample_rate)
    semitones = int(round(note.depth / 100.0))
    audio = np.zeros(note.n_samples)
    last = len(starts) - 2
    for event, (start, stop) in enumerate(zip(starts[:-1], starts[1:])):
        first = event == 0
        _add_event(
            audio,
            note,
            int(start),
            int(stop),
            note.midi + semitones * int(upper[start]),
            0 if event == last else overlap,
            attack_s=None if first else overlap / note.sample_rate,
            release_s=(
                note.release_s()
                if event == last
                else overlap / note.sample_rate
            ),
            legato=not first,
        )
    return audio


def _tremolo(note: _Note) -> np.ndarray:
    phase = modulation_phase(note.times(), note.rate_hz, note.rng)
    level_db, _ = stroke_envelope(
        phase, note.depth, note.excitation, note.rng
    )
    stroke = np.floor(phase / (2.0 * np.pi))
    starts = _boundaries(stroke[1:] != stroke[:-1], note.n_samples)
    plucked = note.excitation == "plucked"
    overlap = int(0.005 * note.sample_rate)
    audio = np.zeros(note.n_samples)
    for start, stop in zip(starts[:-1], starts[1:]):
        _add_event(
            audio,
            note,
            int(start),
            int(stop),
            note.midi,
            overlap,
            # a bow change or tongue stroke takes a few ms to speak
            attack_s=None if plucked else note.rng.uniform(0.004, 0.012),
            release_s=overlap / note.sample_rate,
        )
    return audio * 10.0 ** (level_db / 20.0)


def _bisbigliando(note: _Note) -> np.ndarray:
    """Timbre A: the note's own sample; timbre B: a neighbouring key's
    sample retuned to the note, detuned and tilted by ``depth``."""
    offset = int(note.rng.choice([-3, -2, 2, 3]))
    try:
        other_zones = note.zones(note.midi + offset)
    except SilentNoteError:
        other_zones = note.zones(note.midi)
    own_zones = note.zones(note.midi)
    detune = float(note.rng.uniform(-8.0, 8.0))
    tilt = float(note.rng.choice([-1.0, 1.0])) * note.depth
    f0 = float(librosa.midi_to_hz(note.midi))
    phase = modulation_phase(note.times(), note.rate_hz, note.rng)

    def timbre(zones, which, n_samples, **play):
        audio = play_zones(
            zones,
            note.midi,
            n_samples,
            note.sample_rate,
            cents=np.full(n_samples, detune * which),
            **play,
        )
        return _tilt(audio, f0, tilt * which, note.sample_rate)

    if note.excitation != "plucked":
        # alternate fingerings: one breath, the timbre crossfades
        release = note.release_s()
        own = timbre(own_zones, 0, note.n_samples, release_s=release)
        other = timbre(other_zones, 1, note.n_samples, release_s=release)
        other *= _rms(own) / _rms(other)
        mix = smooth_square(phase, note.rng.uniform(2.0, 6.0))
        return (1.0 - mix) * own + mix * other
    # two harp strings plucked in turn, each ringing until re-plucked
    half_cycle = np.floor(phase / np.pi)
    starts = _boundaries(half_cycle[1:] != half_cycle[:-1], note.n_samples)
    audio = np.zeros(note.n_samples)
    damping = int(0.01 * note.sample_rate)
    for event, start in enumerate(starts[:-1]):
        which = int(half_cycle[start]) % 2
        stop = starts[min(event + 2, len(starts) - 1)]
        length = min(stop + damping, note.n_samples) - start
        pluck = timbre(
            (own_zones, other_zones)[which],
            which,
            int(length),
            release_s=damping / note.sample_rate,
        )
        if which:
            pluck *= 10.0 ** (note.rng.uniform(-1.0, 1.0) / 20.0)
        audio[start : start + length] += pluck
    return audio


def _flatterzunge(note: _Note) -> np.ndarray:
    modulation = MODULATORS["flatterzunge"](
        note.times(), note.rate_hz, note.depth, note.rng, note.excitation
    )
    release = note.release_s()
    tone = play_zones(
        note.zones(note.midi),
        note.midi,
        note.n_samples,
        note.sample_rate,
        cents=modulation.cents,
        gain=10.0 ** (modulation.gain_db / 20.0),
        release_s=release,
    )
    n_fft = scipy.fft.next_fast_len(note.n_samples, real=True)
    spectrum = scipy.fft.rfft(note.rng.standard_normal(n_fft))
    # the tongue's turbulence: air noise around 4 kHz (the flute's
    # noise band) whatever the instrument, a choice
    spectrum *= noise_band(
        INSTRUMENTS["Fl"], np.fft.rfftfreq(n_fft, 1.0 / note.sample_rate)
    )
    noise = scipy.fft.irfft(spectrum, n_fft)[: note.n_samples]
    # turbulent air 18-30 dB below the tone, loudest as the tongue
    # releases the air
    noise *= (
        _rms(tone)
        / _rms(noise)
        * 10.0 ** ((modulation.noise_db - 30.0) / 20.0)
    )
    ramp = np.minimum(
        1.0, np.arange(note.n_samples)[::-1] / (release * note.sample_rate)
    )
    return tone + noise * np.minimum(ramp, note.times() / 0.05)


_GESTURE_PLAYERS = {
    "trill": _trill,
    "tremolo": _tremolo,
    "bisbigliando": _bisbigliando,
    "flatterzunge": _flatterzunge,
}


def render_note(
    instrument: str,
    midi: int,
    dynamics: str,
    technique: str,
    rate_hz: float,
    depth: float,
    n_samples: int,
    sample_rate: int,
    rng: np.random.Generator,
    soundfont: SoundFont | None = None,
    program: int | None = None,
) -> np.ndarray:
    """One note of ``n_samples`` played from the soundfont with
    ``technique``'s gesture (:data:`GESTURES`).

    Then, as in :func:`xaiaudio.synth.corpus.synthesise_note`: brighter
    or darker by the dynamics (the instrument's
    ``brightness_per_dynamic``, dB/octave), scaled to the dynamics' RMS
    level (+-4 dB), peak at most 0.99.

    Parameters
    ----------
    instrument : str
        A key of :data:`GM_PROGRAMS` (a SOL abbreviation).
    midi : int
        Written pitch (a trill's lower note).
    dynamics : str
        ``"pp"``, ``"mf"`` or ``"ff"``.
    technique : str
        A key of :data:`GESTURES`.
    rate_hz, depth : float
        The gesture's rate (Hz, full periods per second) and depth
        (:data:`~xaiaudio.synth.technique_physics.DEPTH_UNITS`; trill: the
        interval, 100 or 200 cents; bisbigliando: dB/octave); NaN for
        ordinario.
    n_samples : int
        Length of the note, release included.
    sample_rate : int
        Hz.
    rng : numpy.random.Generator
        Draws every random part of the gesture.
    soundfont : SoundFont, optional
        Default :func:`~xaiaudio.synth.soundfont.default_soundfont`.
    program : int, optional
        GM program; default ``GM_PROGRAMS[instrument]``.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n_samples,)``.

    Raises
    ------
    SilentNoteError
        When the soundfont has no preset for the program or no zone for a
        key the gesture plays, or the note renders silent.
    """
    spec = INSTRUMENTS[instrument]
    note = _Note(
        soundfont=soundfont or default_soundfont(),
        program=GM_PROGRAMS[instrument] if program is None else program,
        midi=int(midi),
        velocity=VELOCITIES[dynamics],
        n_samples=int(n_samples),
        sample_rate=int(sample_rate),
        rate_hz=rate_hz,
        depth=depth,
        excitation=spec.excitation,
        rng=rng,
    )
    player = _GESTURE_PLAYERS.get(technique)
    audio = (
        player(note) if player else _sustained(note, technique)
    ).astype(np.float64)
    audio = _tilt(
        audio,
        float(librosa.midi_to_hz(midi)),
        DYNAMICS_BRIGHTNESS[dynamics] * spec.brightness_per_dynamic,
        sample_rate,
    )
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if not np.isfinite(peak) or peak < _SILENT_PEAK:
        raise SilentNoteError(
            f"renders silent (peak {peak:.2g}): {instrument} "
            f"{technique} at MIDI {midi}"
        )
    level_db = DYNAMICS_RMS_DB[dynamics] + rng.uniform(-4.0, 4.0)
    audio *= 10.0 ** (level_db / 20.0) / _rms(audio)
    peak = float(np.max(np.abs(audio)))
    if peak > 0.99:
        audio *= 0.99 / peak
    work_ledger.count("recorded note", 1)
    return audio.astype(np.float32)


def record(
    audio: np.ndarray,
    start: int,
    n_samples: int,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """A clip whose note (``audio[start : start + n_samples]``) is
    recorded: through a room on some clips, then over a noise floor
    (:data:`RECORDING`).

    The room is an impulse response of a direct path and an exponentially
    decaying Gaussian tail; its decay may ring past the note, up to the
    clip's end. The noise is white and Gaussian, over the span the
    recording runs (the note and, with a room, its decay); the clip's
    padding around it stays digital silence, as the synthetic corpus's
    does, so the loaders trim the same margins.

    Parameters
    ----------
    audio : numpy.ndarray
        The clip, float32.
    start, n_samples : int
        Where the note is.
    sample_rate : int
        Hz.
    rng : numpy.random.Generator
        Draws the conditions.

    Returns
    -------
    numpy.ndarray
        float32, the clip's length, peak at most 0.99.
    """
    audio = audio.astype(np.float64)
    note_rms = _rms(audio[start : start + n_samples])
    end = start + n_samples
    if rng.uniform() < RECORDING["room_share"]:
        rt60 = rng.uniform(*RECORDING["rt60_s"])
        drr_db = rng.uniform(*RECORDING["direct_to_reverberant_db"])
        times = np.arange(int(rt60 * sample_rate)) / sample_rate
        tail = rng.standard_normal(len(times)) * 10.0 ** (
            -3.0 * times / rt60
        )
        tail *= 10.0 ** (-drr_db / 20.0) / np.sqrt(np.sum(tail**2))
        tail[0] += 1.0
        wet = scipy.signal.fftconvolve(audio[start:end], tail)
        end = min(len(audio), start + len(wet))
        audio[start:end] = wet[: end - start]
    noise_db = rng.uniform(*RECORDING["noise_floor_db"])
    audio[start:end] += (
        note_rms
        * 10.0 ** (-noise_db / 20.0)
        * rng.standard_normal(end - start)
    )
    peak = float(np.max(np.abs(audio)))
    if peak > 0.99:
        audio *= 0.99 / peak
    return audio.astype(np.float32)


def recorded_depth(technique: str, depth: float) -> float:
    """The depth the recorded corpus plays for a synthetic clip's
    ``depth``: the same, except bisbigliando's, mapped linearly from the
    synthetic range onto :data:`BISBIGLIANDO_TILT_RANGE` (the few dB per
    octave that tell two real timbres apart)."""
    if technique != "bisbigliando":
        return depth
    (low_in, high_in), (low_out, high_out) = (
        DEPTH_RANGES[technique],
        BISBIGLIANDO_TILT_RANGE,
    )
    return low_out + (depth - low_in) * (high_out - low_out) / (
        high_in - low_in
    )


def _draw_clip(preset: Preset, technique, instrument, index, seed):
    """Clip ``index``'s note as the synthetic corpus draws it
    (:func:`xaiaudio.synth.corpus.draw_clip`: both corpora hold the same
    notes), at its :func:`recorded_depth`."""
    draw = draw_clip(preset, technique, instrument, index, seed)
    draw.fields["depth"] = recorded_depth(technique, draw.fields["depth"])
    return draw


def iter_recorded_corpus(
    preset: str | Preset | None = None,
    seed: int = 0,
    sizes: dict[str, int] | None = None,
    soundfont: SoundFont | None = None,
    programs: dict[str, int] | None = None,
) -> Iterator[tuple[Clip, str | None]]:
    """Stream the recorded-sample corpus of ``preset``: technique clips
    (SOL-PMT order), then ordinario, each with the reason it is silent.

    The same clips, names and ground truth as
    :func:`xaiaudio.synth.corpus.iter_corpus` with the same arguments
    (bisbigliando's depth rescaled), played from ``soundfont``.

    Parameters
    ----------
    preset : str, Preset or None
        Sample rate, clip length and corpus size
        (:data:`~xaiaudio.synth.corpus.CORPUS_SIZES`).
    seed : int
        The corpus seed.
    sizes : dict of str to int, optional
        Clips per technique (``"ordinario"`` included; missing: 0).
    soundfont : SoundFont, optional
        Default ``TimGM6mb.sf2``.
    programs : dict of str to int, optional
        GM program per instrument, overriding :data:`GM_PROGRAMS`.

    Yields
    ------
    tuple of (Clip, str or None)
        The clip and ``None``, or a clip of zeros and why it is silent.
    """
    preset = get_preset(preset)
    sizes = settings_for(CORPUS_SIZES, preset) if sizes is None else sizes
    soundfont = soundfont or default_soundfont()
    programs = {**GM_PROGRAMS, **(programs or {})}
    names_used: dict[str, int] = {}
    index = 0
    for technique in (*TECHNIQUES, "ordinario"):
        weights = TECHNIQUE_INSTRUMENTS.get(
            technique, dict.fromkeys(INSTRUMENTS, 1)
        )
        for instrument in instrument_schedule(
            weights, sizes.get(technique, 0)
        ):
            rng, fields, start, n_samples = _draw_clip(
                preset, technique, instrument, index, seed
            )
            audio = np.zeros(preset.clip_samples, dtype=np.float32)
            reason = None
            try:
                audio[start : start + n_samples] = render_note(
                    instrument,
                    fields["midi"],
                    fields["dynamics"],
                    technique,
                    fields["rate_hz"],
                    fields["depth"],
                    n_samples,
                    preset.sample_rate,
                    rng,
                    soundfont,
                    programs[instrument],
                )
            except SilentNoteError as error:
                reason = str(error)
            else:
                audio = record(
                    audio,
                    start,
                    n_samples,
                    preset.sample_rate,
                    np.random.default_rng(
                        [seed, index, _RECORDING_STREAM]
                    ),
                )
            name = sol_relative_path(
                fields["family"],
                instrument,
                technique,
                fields["midi"],
                fields["dynamics"],
                interval=fields["interval"] or None,
            )
            repeats = names_used[str(name)] = (
                names_used.get(str(name), 0) + 1
            )
            if repeats > 1:
                # same instrument, technique, pitch, dynamics: a take
                name = sol_relative_path(
                    fields["family"],
                    instrument,
                    technique,
                    fields["midi"],
                    fields["dynamics"],
                    interval=fields["interval"] or None,
                    variant=f"r{repeats}",
                )
            meta = ClipMeta(path=name.as_posix(), **fields)
            yield Clip(audio, meta), reason
            index += 1


def render_recorded_corpus(
    root: str | Path,
    preset: str | Preset | None = None,
    seed: int = 0,
    sizes: dict[str, int] | None = None,
    soundfont: SoundFont | None = None,
    programs: dict[str, int] | None = None,
) -> RenderReport:
    """Write the recorded-sample corpus under ``root`` in the SOL layout,
    with ``metadata.csv`` and ``silent_notes.csv``.

    Arguments as in :func:`iter_recorded_corpus`. A clip that renders
    silent is not written (the SOL loader would refuse it) but listed in
    the report and in ``root/silent_notes.csv`` (columns ``path``,
    ``index``, ``reason``; a CSV at the root, which the SOL scan ignores).

    Returns
    -------
    RenderReport
        Files written and the silent notes.
    """
    root = Path(root)
    silent: list[SilentNote] = []

    def sounding():
        for clip, reason in iter_recorded_corpus(
            preset, seed, sizes, soundfont, programs
        ):
            if reason is None:
                yield clip
            else:
                silent.append(
                    SilentNote(clip.meta.path, clip.meta.index, reason)
                )

    written = write_sol_tree(root, sounding())
    with open(root / SILENT_NOTES_CSV, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "index", "reason"])
        writer.writerows(
            (note.path, note.index, note.reason) for note in silent
        )
    return RenderReport(written, tuple(silent))
