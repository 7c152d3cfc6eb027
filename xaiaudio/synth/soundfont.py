"""Reading a SoundFont 2 (SF2) file and playing its recorded notes.

A SoundFont holds short recordings of real instruments (16-bit samples,
each with a root key, a tuning and a sustain loop) and, for every General
MIDI (GM) program, which sample plays which key at which velocity. This
module reads one with ``struct`` and NumPy alone (no synthesiser, no
system library) and plays a note from it:

* :class:`SoundFont` parses the RIFF chunks: ``sdta/smpl`` (the samples)
  and ``pdta`` (presets ``phdr/pbag/pgen``, instruments ``inst/ibag/igen``,
  sample headers ``shdr``); :meth:`SoundFont.zones` resolves, for a
  program, a key and a velocity, the :class:`Zone` (sample and its
  generators) to play, as the SF2 2.04 specification layers them
  (instrument global and local zones, preset zones added on top).
* :func:`play_zones` resamples a zone's sample to the target pitch with a
  per-sample pitch curve in cents (pitch bend: vibrato, trill note
  changes), loops its sustain, applies the volume envelope (attack, hold,
  decay, release) and an optional per-sample gain curve (tremolo,
  flutter-tongue amplitude modulation).

The default file is ``TimGM6mb.sf2`` (a 6 MB GM soundfont) that the
MIT-licensed ``pretty_midi`` package ships: :func:`default_soundfont`.
"""

from __future__ import annotations

import functools
import importlib.resources
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.signal

__all__ = [
    "Zone",
    "SoundFont",
    "default_soundfont",
    "default_soundfont_path",
    "play_zones",
]

# Generator numbers of the SF2 2.04 specification (section 8.1.2).
_START_OFFSET, _END_OFFSET = 0, 1
_LOOP_START_OFFSET, _LOOP_END_OFFSET = 2, 3
_START_COARSE, _END_COARSE = 4, 12
_LOOP_START_COARSE, _LOOP_END_COARSE = 45, 50
_DELAY, _ATTACK, _HOLD, _DECAY = 33, 34, 35, 36
_SUSTAIN, _RELEASE = 37, 38
_INSTRUMENT, _KEY_RANGE, _VELOCITY_RANGE = 41, 43, 44
_ATTENUATION, _COARSE_TUNE, _FINE_TUNE = 48, 51, 52
_SAMPLE_ID, _SAMPLE_MODES, _SCALE_TUNING, _ROOT_KEY = 53, 54, 56, 58
#: Values of generators a zone leaves unset (timecents -12000 is 1 ms).
_DEFAULTS = {
    _DELAY: -12000,
    _ATTACK: -12000,
    _HOLD: -12000,
    _DECAY: -12000,
    _RELEASE: -12000,
    _SCALE_TUNING: 100,
    _ROOT_KEY: -1,
}
#: Generators a preset zone may not add to an instrument's (they select
#: or address samples).
_NOT_ADDITIVE = {
    _START_OFFSET,
    _END_OFFSET,
    _LOOP_START_OFFSET,
    _LOOP_END_OFFSET,
    _START_COARSE,
    _END_COARSE,
    _LOOP_START_COARSE,
    _LOOP_END_COARSE,
    _INSTRUMENT,
    _KEY_RANGE,
    _VELOCITY_RANGE,
    _SAMPLE_ID,
    _SAMPLE_MODES,
    _ROOT_KEY,
}
_BAG = np.dtype([("generator", "<u2"), ("modulator", "<u2")])
_GENERATOR = np.dtype([("operator", "<u2"), ("amount", "<i2")])


@dataclass(frozen=True)
class Zone:
    """One sample as a program plays it on some keys and velocities.

    Made by :meth:`SoundFont.zones`; played by :func:`play_zones`.

    Attributes
    ----------
    sample_name : str
        The sample's name in the file (``shdr``).
    data : numpy.ndarray
        float32 samples in [-1, 1), from the zone's start to its end.
    loop_start, loop_end : int
        Sustain loop, sample indices into ``data`` (``loop_end``
        excluded).
    loops : bool
        Whether the sustain loops (``sampleModes`` 1 or 3); a sample that
        does not loop ends the note when it runs out.
    sample_rate : int
        Rate at which ``data`` was recorded, Hz.
    root_key : int
        MIDI key at which ``data`` sounds at its recorded pitch.
    tune_cents : float
        Coarse and fine tune and the sample's pitch correction, cents.
    scale_tuning : float
        Cents per key (100: equal temperament).
    attenuation_db : float
        Level below full scale, dB.
    delay_s, attack_s, hold_s, decay_s, release_s : float
        Volume envelope times, seconds.
    sustain_db : float
        Level of the sustain below the peak, dB (positive).
    key_range, velocity_range : tuple of (int, int)
        The keys and velocities the zone plays (inclusive).
    """

    sample_name: str
    data: np.ndarray
    loop_start: int
    loop_end: int
    loops: bool
    sample_rate: int
    root_key: int
    tune_cents: float
    scale_tuning: float
    attenuation_db: float
    delay_s: float
    attack_s: float
    hold_s: float
    decay_s: float
    sustain_db: float
    release_s: float
    key_range: tuple[int, int]
    velocity_range: tuple[int, int]


def _chunks(data: bytes, start: int, stop: int) -> dict[str, tuple]:
    """``{id: (offset, size)}`` of the RIFF sub-chunks in
    ``data[start:stop]``; a LIST chunk is keyed by its list type."""
    found = {}
    while start + 8 <= stop:
        chunk_id, size = struct.unpack_from("<4sI", data, start)
        body = start + 8
        name = chunk_id.decode("latin-1")
        if name == "LIST":
            name = data[body : body + 4].decode("latin-1")
            found[name] = (body + 4, size - 4)
        else:
            found[name] = (body, size)
        # chunks are padded to an even length
        start = body + size + (size & 1)
    return found


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _timecents_to_seconds(timecents: float) -> float:
    return float(2.0 ** (timecents / 1200.0))


class SoundFont:
    """A parsed SF2 file: its samples, presets and instruments.

    Parameters
    ----------
    path : str or pathlib.Path
        An SF2 file.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    presets : dict of (int, int) to str
        Preset name per ``(bank, program)`` (program 0-based, as in GM:
        40 is the violin).

    Raises
    ------
    ValueError
        When the file is not a RIFF ``sfbk`` file or lacks a chunk.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        data = self.path.read_bytes()
        riff, size, form = struct.unpack_from("<4sI4s", data, 0)
        if riff != b"RIFF" or form != b"sfbk":
            raise ValueError(f"{self.path} is not a SoundFont 2 file")
        top = _chunks(data, 12, min(len(data), 8 + size))
        missing = [name for name in ("sdta", "pdta") if name not in top]
        if missing:
            raise ValueError(f"{self.path} lacks {', '.join(missing)}")
        sample_data = _chunks(data, top["sdta"][0], sum(top["sdta"]))
        offset, length = sample_data["smpl"]
        self._samples = np.frombuffer(
            data, dtype="<i2", count=length // 2, offset=offset
        )
        hydra = _chunks(data, top["pdta"][0], sum(top["pdta"]))

        def records(name, size):
            offset, length = hydra[name]
            return [
                data[offset + i : offset + i + size]
                for i in range(0, length, size)
            ]

        def table(name, dtype):
            offset, length = hydra[name]
            return np.frombuffer(
                data,
                dtype=dtype,
                count=length // dtype.itemsize,
                offset=offset,
            )

        # the last record of each list is a terminal sentinel
        self._preset_headers = [
            (_name(r[:20]), *struct.unpack_from("<HHH", r, 20))
            for r in records("phdr", 38)
        ]
        self._instrument_headers = [
            (_name(r[:20]), struct.unpack_from("<H", r, 20)[0])
            for r in records("inst", 22)
        ]
        self._sample_headers = [
            (_name(r[:20]), *struct.unpack_from("<5IBbHH", r, 20))
            for r in records("shdr", 46)
        ]
        self._preset_bags = table("pbag", _BAG)
        self._preset_generators = table("pgen", _GENERATOR)
        self._instrument_bags = table("ibag", _BAG)
        self._instrument_generators = table("igen", _GENERATOR)
        self.presets = {
            (bank, program): name
            for name, program, bank, _ in self._preset_headers[:-1]
        }

    def _zone_generators(self, bags, generators, first, last) -> list:
        """Generator dicts of bags ``first..last-1`` (range generators
        as ``(low, high)``)."""
        zones = []
        for bag in range(first, last):
            start = int(bags["generator"][bag])
            stop = int(bags["generator"][bag + 1])
            zone = {}
            for operator, amount in generators[start:stop]:
                operator = int(operator)
                if operator in (_KEY_RANGE, _VELOCITY_RANGE):
                    raw = int(amount) & 0xFFFF
                    zone[operator] = (raw & 0xFF, raw >> 8)
                else:
                    zone[operator] = int(amount)
            zones.append(zone)
        return zones

    @staticmethod
    def _split_global(zones: list, terminal: int) -> tuple[dict, list]:
        """A list's global zone (the first, when it lacks the terminal
        generator) and its other zones."""
        if zones and terminal not in zones[0]:
            return zones[0], [z for z in zones[1:] if terminal in z]
        return {}, [z for z in zones if terminal in z]

    @staticmethod
    def _covers(zone: dict, key: int, velocity: int) -> bool:
        low, high = zone.get(_KEY_RANGE, (0, 127))
        soft, loud = zone.get(_VELOCITY_RANGE, (0, 127))
        return low <= key <= high and soft <= velocity <= loud

    def zones(
        self, program: int, key: int, velocity: int = 100, bank: int = 0
    ) -> list[Zone]:
        """The zones that sound when ``key`` is played at ``velocity`` on
        GM ``program``.

        Usually one (mono) or two (a stereo pair: left and right); an
        empty list when no zone covers the key.

        Parameters
        ----------
        program : int
            GM program, 0-based (0 piano, 40 violin, 73 flute...).
        key : int
            MIDI key, 0..127.
        velocity : int
            MIDI velocity, 1..127.
        bank : int
            Preset bank (0: the GM melodic bank).

        Returns
        -------
        list of Zone

        Raises
        ------
        KeyError
            When the file has no preset ``(bank, program)``.
        """
        at = next(
            (
                i
                for i, (_, p, b, _) in enumerate(self._preset_headers[:-1])
                if (b, p) == (bank, program)
            ),
            None,
        )
        if at is None:
            raise KeyError(
                f"{self.path.name} has no preset for bank {bank}, "
                f"program {program}"
            )
        first, last = (
            self._preset_headers[at][3],
            self._preset_headers[at + 1][3],
        )
        preset_global, preset_zones = self._split_global(
            self._zone_generators(
                self._preset_bags, self._preset_generators, first, last
            ),
            _INSTRUMENT,
        )
        found = []
        for preset_zone in preset_zones:
            preset_layer = {**preset_global, **preset_zone}
            if not self._covers(preset_layer, key, velocity):
                continue
            instrument = preset_layer[_INSTRUMENT]
            first = self._instrument_headers[instrument][1]
            last = self._instrument_headers[instrument + 1][1]
            instrument_global, instrument_zones = self._split_global(
                self._zone_generators(
                    self._instrument_bags,
                    self._instrument_generators,
                    first,
                    last,
                ),
                _SAMPLE_ID,
            )
            for instrument_zone in instrument_zones:
                layer = {
                    **_DEFAULTS,
                    **instrument_global,
                    **instrument_zone,
                }
                if not self._covers(layer, key, velocity):
                    continue
                for operator, amount in preset_layer.items():
                    if operator not in _NOT_ADDITIVE:
                        layer[operator] = layer.get(operator, 0) + amount
                found.append(self._make_zone(layer))
        return found

    def _make_zone(self, layer: dict) -> Zone:
        """A :class:`Zone` from a zone's resolved generators."""
        (
            name,
            start,
            end,
            loop_start,
            loop_end,
            sample_rate,
            original_key,
            correction,
            _,
            _,
        ) = self._sample_headers[layer[_SAMPLE_ID]]

        def address(base, fine, coarse):
            return base + layer.get(fine, 0) + 32768 * layer.get(coarse, 0)

        start = address(start, _START_OFFSET, _START_COARSE)
        end = address(end, _END_OFFSET, _END_COARSE)
        loop_start = address(
            loop_start, _LOOP_START_OFFSET, _LOOP_START_COARSE
        )
        loop_end = address(loop_end, _LOOP_END_OFFSET, _LOOP_END_COARSE)
        data = self._samples[start:end].astype(np.float32) / 32768.0
        root = layer[_ROOT_KEY] if layer[_ROOT_KEY] >= 0 else original_key
        loops = layer.get(_SAMPLE_MODES, 0) in (1, 3) and (
            start <= loop_start < loop_end <= end
        )
        return Zone(
            sample_name=name,
            data=data,
            loop_start=loop_start - start if loops else len(data),
            loop_end=loop_end - start if loops else len(data),
            loops=bool(loops),
            sample_rate=int(sample_rate),
            root_key=int(root),
            tune_cents=100.0 * layer.get(_COARSE_TUNE, 0)
            + layer.get(_FINE_TUNE, 0)
            + correction,
            scale_tuning=float(layer[_SCALE_TUNING]),
            # centibels
            attenuation_db=layer.get(_ATTENUATION, 0) / 10.0,
            delay_s=_timecents_to_seconds(layer[_DELAY]),
            attack_s=_timecents_to_seconds(layer[_ATTACK]),
            hold_s=_timecents_to_seconds(layer[_HOLD]),
            decay_s=_timecents_to_seconds(layer[_DECAY]),
            sustain_db=max(0.0, layer.get(_SUSTAIN, 0) / 10.0),
            release_s=_timecents_to_seconds(layer[_RELEASE]),
            key_range=layer.get(_KEY_RANGE, (0, 127)),
            velocity_range=layer.get(_VELOCITY_RANGE, (0, 127)),
        )


def default_soundfont_path() -> Path:
    """Where ``TimGM6mb.sf2``, the GM soundfont ``pretty_midi`` ships, is
    installed.

    Raises
    ------
    ModuleNotFoundError
        When ``pretty_midi`` is not installed.
    """
    return Path(
        str(importlib.resources.files("pretty_midi") / "TimGM6mb.sf2")
    )


@functools.lru_cache(maxsize=2)
def default_soundfont() -> SoundFont:
    """The parsed ``TimGM6mb.sf2`` (parsed once per process)."""
    return SoundFont(default_soundfont_path())


def _band_limited(data: np.ndarray, step: float) -> np.ndarray:
    """``data`` low-passed below the output's Nyquist frequency when it is
    read ``step`` > 1 samples per output sample, so that no partial folds
    back (aliases) when a sample is played above its recorded pitch."""
    if step <= 1.02 or len(data) < 64:
        return data
    sections = scipy.signal.butter(8, 0.95 / step, output="sos")
    return scipy.signal.sosfiltfilt(sections, data).astype(np.float32)


def volume_envelope(
    zone: Zone,
    n_samples: int,
    sample_rate: int,
    attack_s: float | None = None,
    release_s: float | None = None,
) -> np.ndarray:
    """Amplitude of a note of ``n_samples`` under the zone's volume
    envelope: delay, linear attack, hold, decay (in dB, 100 dB per decay
    time, down to the sustain level), and a release that ends the note at
    its last sample (a release in dB, 100 dB per release time, faded to
    zero). ``attack_s`` and ``release_s`` override the zone's."""
    t = np.arange(n_samples) / sample_rate
    attack = max(zone.attack_s if attack_s is None else attack_s, 1e-3)
    release = max(zone.release_s if release_s is None else release_s, 1e-3)
    since_attack = t - zone.delay_s
    rising = np.clip(since_attack / attack, 0.0, 1.0)
    decaying = np.clip(since_attack - attack - zone.hold_s, 0.0, None)
    level_db = -np.minimum(
        100.0 * decaying / max(zone.decay_s, 1e-3), zone.sustain_db
    )
    # the release ends at the note's last sample
    until_end = (n_samples - 1 - np.arange(n_samples)) / sample_rate
    releasing = np.clip(1.0 - until_end / release, 0.0, 1.0)
    fade = np.clip(until_end / release, 0.0, 1.0)
    level_db = level_db - 100.0 * releasing
    return rising * 10.0 ** (level_db / 20.0) * fade


def play_zones(
    zones: list[Zone],
    key: float,
    n_samples: int,
    sample_rate: int,
    cents: np.ndarray | None = None,
    gain: np.ndarray | None = None,
    attack_s: float | None = None,
    release_s: float | None = None,
    legato: bool = False,
) -> np.ndarray:
    """A note of ``n_samples`` at MIDI ``key`` played from ``zones`` (mono:
    a stereo pair is summed).

    Each zone's sample is read at the rate that makes it sound at ``key``
    plus ``cents`` (a per-sample pitch curve: pitch bend), by linear
    interpolation of the band-limited sample, wrapping around its sustain
    loop; a sample without a loop ends the note when it runs out. The
    zone's volume envelope (``volume_envelope``), its attenuation and
    ``gain`` (a per-sample amplitude factor) shape the level.

    Parameters
    ----------
    zones : list of Zone
        From :meth:`SoundFont.zones`, possibly for another key than
        ``key`` (another sample of the same instrument).
    key : float
        Target pitch, MIDI number.
    n_samples : int
        Length of the note, release included.
    sample_rate : int
        Output rate, Hz.
    cents : numpy.ndarray, optional
        Pitch deviation from ``key`` per output sample, cents.
    gain : numpy.ndarray, optional
        Amplitude factor per output sample.
    attack_s, release_s : float, optional
        Override the zones' attack and release times, seconds.
    legato : bool
        Start inside the sustain loop, skipping the recorded onset (a
        slurred note change); a zone without a loop starts at its
        beginning.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n_samples,)``; zeros when ``zones`` is empty.
    """
    note = np.zeros(n_samples)
    if cents is None:
        cents = np.zeros(n_samples)
    for zone in zones:
        pitch_cents = (
            (key - zone.root_key) * zone.scale_tuning
            + zone.tune_cents
            + cents
        )
        step = (
            2.0 ** (pitch_cents / 1200.0) * zone.sample_rate / sample_rate
        )
        start = zone.loop_start if legato and zone.loops else 0
        position = start + np.concatenate([[0.0], np.cumsum(step[:-1])])
        data = _band_limited(zone.data, float(step.max()))
        if zone.loops:
            period = zone.loop_end - zone.loop_start
            past = position >= zone.loop_end
            position[past] = zone.loop_start + np.mod(
                position[past] - zone.loop_start, period
            )
        sounding = (
            np.ones(n_samples, bool)
            if zone.loops
            else position < len(data) - 1
        )
        index = np.floor(position[sounding]).astype(np.int64)
        fraction = position[sounding] - index
        following = index + 1
        if zone.loops:
            # the sample after the loop's last is its first
            following[following == zone.loop_end] = zone.loop_start
        voice = np.zeros(n_samples)
        voice[sounding] = (
            data[index] * (1.0 - fraction) + data[following] * fraction
        )
        voice *= volume_envelope(
            zone, n_samples, sample_rate, attack_s, release_s
        )
        note += voice * 10.0 ** (-zone.attenuation_db / 20.0)
    if gain is not None:
        note *= gain
    return note.astype(np.float32)
