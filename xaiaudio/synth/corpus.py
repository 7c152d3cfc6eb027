"""The embedded corpus: synthetic SOL-like notes whose playing technique is
known exactly.

Real SOL (IRCAM Studio On Line) is not freely available, so the book runs
on notes synthesised here: 16 instruments
(:mod:`xaiaudio.synth.instruments`) playing the five periodic modulation
techniques of SOL-PMT plus ``ordinario`` (plain notes), each technique made
from its physics (:mod:`xaiaudio.synth.technique_physics`) with a random
rate and depth that the clip's :class:`ClipMeta` records as ground truth.

* :func:`synthesise_note` renders one note (additive synthesis, vectorised
  NumPy).
* :func:`iter_corpus` streams a preset's corpus, clip by clip: each clip
  has its own random generator seeded by ``(seed, clip index)``, so the
  corpus is reproducible bit for bit and memory does not grow with its
  size.
* :func:`write_sol_tree` writes clips in the SOL folder layout plus
  ``metadata.csv``; :mod:`xaiaudio.data.tables` reads them back with the
  SOL loader.

The chapters get the corpus written to the cache by
:func:`xaiaudio.experiments.datasets.embedded_corpus_dir` and read back by
:mod:`xaiaudio.data.tables`.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import librosa
import numpy as np
import scipy.fft
import soundfile

from xaiaudio.core import work_ledger
from xaiaudio.core.presets import Preset, get_preset, settings_for
from xaiaudio.core.published import WANG_SOL_PMT_COUNTS
from xaiaudio.data.sol import TECHNIQUES, sol_relative_path
from xaiaudio.synth.instruments import (
    INSTRUMENTS,
    InstrumentSpec,
    noise_band,
    partial_levels_db,
    partial_ratios,
)
from xaiaudio.synth.technique_physics import (
    DEPTH_RANGES,
    DEPTH_UNITS,
    MODULATORS,
    RATE_RANGES,
    TECHNIQUE_INSTRUMENTS,
    TECHNIQUE_MIDI_LOW,
)

__all__ = [
    "CORPUS_SIZES",
    "DYNAMICS",
    "INSTRUMENTS",
    "METADATA_COLUMNS",
    "Clip",
    "ClipMeta",
    "clip_rng",
    "iter_corpus",
    "synthesise_note",
    "write_sol_tree",
]

#: Clips per technique for each preset. "paper" has SOL-PMT's exact class
#: counts; "book" keeps their proportions (about 1/10) with at least 40
#: clips per class; "smoke" has at least 8 per class so a 6:2:2 split
#: leaves test clips in every class.
CORPUS_SIZES = {
    "smoke": {
        "vibrato": 8,
        "trill": 12,
        "tremolo": 30,
        "bisbigliando": 8,
        "flatterzunge": 18,
        "ordinario": 48,
    },
    "book": {
        "vibrato": 40,
        "trill": 104,
        "tremolo": 253,
        "bisbigliando": 40,
        "flatterzunge": 152,
        "ordinario": 320,
    },
    # SOL-PMT's own class counts
    "paper": {**WANG_SOL_PMT_COUNTS, "ordinario": 1600},
}

#: Dynamics of the corpus's notes, drawn uniformly per clip.
DYNAMICS = ("pp", "mf", "ff")
#: Target RMS level (dBFS) of a note's sounding part per dynamics (before a
#: +-4 dB recording gain).
DYNAMICS_RMS_DB = {"pp": -32.0, "mf": -23.0, "ff": -15.0}
#: Brightness step per dynamics: multiplies the instrument's
#: ``brightness_per_dynamic``.
DYNAMICS_BRIGHTNESS = {"pp": -1.0, "mf": 0.0, "ff": 1.0}

#: Most partials of a synthesised note (fewer when they would pass
#: ``PARTIAL_CEILING``).
MAX_PARTIALS = 40
#: Partials stay below this fraction of the sample rate (no aliasing at the
#: top of a vibrato).
PARTIAL_CEILING = 0.45


@dataclass(frozen=True)
class ClipMeta:
    """Ground truth of one clip (``technique`` is "ordinario" for plain
    notes).

    ``rate_hz`` and ``depth`` are NaN for ordinario; ``depth_unit`` says
    what ``depth`` measures (see :mod:`xaiaudio.synth.technique_physics`);
    ``interval`` is "min2"/"maj2" for trills; ``onset`` and ``duration``
    (seconds) place the note inside the clip. One row of ``metadata.csv``
    (:data:`METADATA_COLUMNS`); the rate, depth and f0 columns become the
    dataset table's ground truth
    (:data:`xaiaudio.data.tables.GROUND_TRUTH_COLUMNS`).

    Attributes
    ----------
    path : str
        POSIX path relative to the corpus root, in the SOL layout
        (:func:`xaiaudio.data.sol.sol_relative_path`).
    index : int
        Clip number in the corpus; the clip's generator is ``clip_rng(seed,
        index)``.
    technique : str
        One of :data:`xaiaudio.data.sol.TECHNIQUES` or ``"ordinario"``.
    instrument, family : str
        SOL abbreviation (a key of
        :data:`xaiaudio.synth.instruments.INSTRUMENTS`) and family.
    midi : int
        Written pitch (MIDI number); for a trill, the lower note.
    f0 : float
        Fundamental frequency of the written pitch, Hz.
    dynamics : str
        One of :data:`DYNAMICS`.
    rate_hz : float
        Modulation rate, Hz (full periods per second; NaN for ordinario).
    depth : float
        Modulation depth in ``depth_unit`` (NaN for ordinario).
    depth_unit : str
        ``"cents"``, ``"dB"``, ``"dB/octave"``, or ``""`` for ordinario.
    interval : str
        ``"min2"`` or ``"maj2"`` for trills, else ``""``.
    duration : float
        Length of the sounding note, seconds.
    onset : float
        Start of the note in the clip, seconds (silence before and after
        it).
    sample_rate : int
        Sample rate of the audio, Hz.
    """

    path: str
    index: int
    technique: str
    instrument: str
    family: str
    midi: int
    f0: float
    dynamics: str
    rate_hz: float
    depth: float
    depth_unit: str
    interval: str
    duration: float
    onset: float
    sample_rate: int


@dataclass(frozen=True)
class Clip:
    """One clip of the corpus: float32 audio of the preset's clip length,
    and its ground truth.

    What :func:`iter_corpus` streams.

    Attributes
    ----------
    audio : numpy.ndarray
        float32, shape ``(preset.clip_samples,)``, peak below 1 (not
        standardised).
    meta : ClipMeta
        The clip's ground truth.
    """

    audio: np.ndarray
    meta: ClipMeta


def _partial_sines(
    ratios: np.ndarray, cycles: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """sin of every partial's phase, (partials, samples) float32.

    ``cycles`` is the fundamental's phase in cycles (float64). Each
    partial's phase is reduced to [-0.5, 0.5) cycles in float64 before the
    float32 sine: exact phase, fast sine.
    """
    phase = np.outer(ratios, cycles)
    phase += rng.uniform(0.0, 1.0, (len(ratios), 1))
    phase -= np.rint(phase)
    radians = phase.astype(np.float32)
    radians *= np.float32(2.0 * np.pi)
    return np.sin(radians, out=radians)


def _envelope(
    spec: InstrumentSpec,
    n_samples: int,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Raised-cosine attack and release of a note (plucked notes: a
    near-instant attack)."""
    envelope = np.ones(n_samples)
    attack = min(
        n_samples // 3,
        max(1, int(spec.attack_s * rng.uniform(0.7, 1.3) * sample_rate)),
    )
    release = min(
        n_samples // 3,
        max(1, int(spec.release_s * rng.uniform(0.7, 1.3) * sample_rate)),
    )
    envelope[:attack] = 0.5 - 0.5 * np.cos(
        np.pi * np.arange(attack) / attack
    )
    envelope[n_samples - release :] *= 0.5 + 0.5 * np.cos(
        np.pi * np.arange(1, release + 1) / release
    )
    return envelope


def _shaped_noise(
    spec: InstrumentSpec,
    n_samples: int,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unit-RMS breath or bow noise coloured by the instrument's noise
    band and formants."""
    # note lengths are arbitrary, FFTs need not be
    n_fft = scipy.fft.next_fast_len(n_samples, real=True)
    spectrum = scipy.fft.rfft(rng.standard_normal(n_fft))
    spectrum *= noise_band(spec, np.fft.rfftfreq(n_fft, 1.0 / sample_rate))
    noise = scipy.fft.irfft(spectrum, n_fft)[:n_samples]
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def synthesise_note(
    instrument: str | InstrumentSpec,
    midi: int,
    dynamics: str,
    technique: str,
    rate_hz: float,
    depth: float,
    n_samples: int,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """One note of ``n_samples`` (float32, peak < 1) by additive synthesis.

    The technique's control curves
    (:data:`xaiaudio.synth.technique_physics.MODULATORS`) drive the pitch
    (integrated into the phase of every partial), the level, the mix
    between two spectra (bisbigliando), and the noise; dynamics set the
    level and brightness. ``rate_hz`` and ``depth`` are ignored for
    "ordinario" (pass NaN). Every clip of the corpus is made with it, and
    so is each note of the scattering explorer
    (:mod:`xaiaudio.report.widgets`).

    Parameters
    ----------
    instrument : str or InstrumentSpec
        A key of :data:`~xaiaudio.synth.instruments.INSTRUMENTS` (``"Fl"``,
        ``"Vn"``...) or a spec.
    midi : int
        Written pitch (MIDI number; a trill's lower note).
    dynamics : str
        ``"pp"``, ``"mf"`` or ``"ff"``: RMS level (``DYNAMICS_RMS_DB``, +-4
        dB) and brightness.
    technique : str
        A key of :data:`~xaiaudio.synth.technique_physics.MODULATORS`.
    rate_hz : float
        Modulation rate, Hz.
    depth : float
        Modulation depth, in the technique's unit
        (:data:`~xaiaudio.synth.technique_physics.DEPTH_UNITS`).
    n_samples : int
        Length of the note, samples.
    sample_rate : int
        Hz.
    rng : numpy.random.Generator
        Draws phases, level and drift; the same generator state gives the
        same note.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(n_samples,)``, attack and release included, peak
        at most 0.99.

    Raises
    ------
    KeyError
        For an unknown instrument, dynamics or technique.
    """
    spec = (
        INSTRUMENTS[instrument]
        if isinstance(instrument, str)
        else instrument
    )
    f0 = float(librosa.midi_to_hz(midi))
    t = np.arange(n_samples) / sample_rate
    modulation = MODULATORS[technique](
        t, rate_hz, depth, rng, spec.excitation
    )

    # Partials up to the ceiling at the highest instantaneous pitch.
    top = f0 * 2.0 ** (max(float(modulation.cents.max()), 0.0) / 1200.0)
    ratios = partial_ratios(spec, MAX_PARTIALS)
    ratios = ratios[
        : max(1, int(np.sum(ratios * top < PARTIAL_CEILING * sample_rate)))
    ]
    harmonic = np.arange(1, len(ratios) + 1)
    brightness = (
        DYNAMICS_BRIGHTNESS[dynamics] * spec.brightness_per_dynamic
    )
    levels_db = partial_levels_db(
        spec, f0, ratios, brightness
    ) + rng.normal(0.0, 1.5, len(ratios))
    weights = [10.0 ** (levels_db / 20.0)]
    if modulation.timbre_mix is not None:
        # The alternate fingering: brighter or darker by ``depth``
        # dB/octave, same power.
        other = weights[0] * 10.0 ** (
            rng.choice([-1.0, 1.0]) * depth * np.log2(harmonic) / 20.0
        )
        weights.append(
            other * np.linalg.norm(weights[0]) / np.linalg.norm(other)
        )
    curves = (
        [1.0 - modulation.timbre_mix, modulation.timbre_mix]
        if len(weights) == 2
        else [1.0]
    )
    if spec.excitation == "plucked":
        # A string's high partials die first: split each spectrum into a
        # slow and a fast group.
        decay = np.clip(spec.decay_s * np.sqrt(440.0 / f0), 0.15, 6.0)
        fast_share = np.clip((harmonic - 1) / 6.0, 0.0, 1.0)
        slow = np.exp(-modulation.since_excitation / decay)
        fast = np.exp(-modulation.since_excitation / (0.2 * decay))
        weights = [
            w * share
            for w in weights
            for share in (1.0 - fast_share, fast_share)
        ]
        curves = [c * d for c in curves for d in (slow, fast)]

    cycles = (
        np.cumsum(f0 * 2.0 ** (modulation.cents / 1200.0)) / sample_rate
    )
    sines = _partial_sines(ratios, cycles, rng)
    spectra = np.asarray(weights, dtype=np.float32) @ sines
    tone = sum(
        curve * spectrum for curve, spectrum in zip(curves, spectra)
    )
    tone = tone / (np.sqrt(np.mean(tone**2)) + 1e-12)

    noise_db = (
        spec.noise_db
        - 3.0 * DYNAMICS_BRIGHTNESS[dynamics]
        + modulation.noise_db
    )
    noise = _shaped_noise(spec, n_samples, sample_rate, rng) * 10.0 ** (
        noise_db / 20.0
    )
    if spec.excitation == "plucked":
        # only the finger's click
        noise *= np.exp(-modulation.since_excitation / 0.02)
    note = (
        (tone + noise)
        * 10.0 ** (modulation.gain_db / 20.0)
        * _envelope(spec, n_samples, sample_rate, rng)
    )

    level_db = DYNAMICS_RMS_DB[dynamics] + rng.uniform(-4.0, 4.0)
    note *= 10.0 ** (level_db / 20.0) / (np.sqrt(np.mean(note**2)) + 1e-12)
    peak = np.max(np.abs(note))
    if peak > 0.99:
        note *= 0.99 / peak
    work_ledger.count("synthetic note", 1)
    return note.astype(np.float32)


def instrument_schedule(weights: dict[str, int], count: int) -> list[str]:
    """``count`` instruments in proportion to ``weights``, interleaved
    (smooth weighted round robin).

    Small presets thus spread a technique over its instruments instead of
    drawing a few at random.
    """
    credit = dict.fromkeys(weights, 0)
    total = sum(weights.values())
    schedule = []
    for _ in range(count):
        for name, weight in weights.items():
            credit[name] += weight
        chosen = max(credit, key=credit.get)
        credit[chosen] -= total
        schedule.append(chosen)
    return schedule


def clip_rng(seed: int, index: int) -> np.random.Generator:
    """The random generator of clip ``index``: independent of every other
    clip's.

    Seeded by ``numpy.random.SeedSequence([seed, index])``, so any clip can
    be regenerated alone. Used for every clip of :func:`iter_corpus`.

    Parameters
    ----------
    seed : int
        The corpus seed (``config.seed``).
    index : int
        The clip's number (``meta.index``).

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), int(index)])
    )


class ClipDraw(NamedTuple):
    """One clip's drawn note: its generator (after the draws, for the
    synthesis), its metadata fields, and where the note sits in the clip
    (first sample and number of samples)."""

    rng: np.random.Generator
    fields: dict
    start: int
    n_samples: int


def draw_clip(
    preset: Preset, technique: str, instrument: str, index: int, seed: int
) -> ClipDraw:
    """Draw clip ``index``'s note (pitch, dynamics, rate, depth, onset,
    length) from its own generator.

    Every corpus rendered from this book's clip schedule draws its notes
    here (the synthetic one, and the recorded-sample one of
    :mod:`xaiaudio.synth.recorded_corpus`), so the two hold the same notes
    clip by clip.
    """
    rng = clip_rng(seed, index)
    spec = INSTRUMENTS[instrument]
    low = max(spec.midi_low, TECHNIQUE_MIDI_LOW.get(technique, 0))
    # the upper note stays in range
    high = spec.midi_high - (2 if technique == "trill" else 0)
    midi = int(rng.integers(low, high + 1))
    dynamics = str(rng.choice(DYNAMICS))
    if technique == "ordinario":
        rate_hz = depth = float("nan")
    else:
        rate_hz = float(rng.uniform(*RATE_RANGES[technique]))
        if technique == "trill":
            depth = float(rng.choice([100.0, 200.0]))
        else:
            depth = float(rng.uniform(*DEPTH_RANGES[technique]))
    clip_seconds = preset.clip_samples / preset.sample_rate
    onset = float(rng.uniform(0.0, 0.1) * clip_seconds)
    n_samples = int(
        rng.uniform(0.5, 1.0) * (clip_seconds - onset) * preset.sample_rate
    )
    start = int(round(onset * preset.sample_rate))
    n_samples = min(n_samples, preset.clip_samples - start)
    interval = (
        {100.0: "min2", 200.0: "maj2"}.get(depth, "")
        if technique == "trill"
        else ""
    )
    fields = dict(
        index=index,
        technique=technique,
        instrument=instrument,
        family=spec.family,
        midi=midi,
        f0=float(librosa.midi_to_hz(midi)),
        dynamics=dynamics,
        rate_hz=rate_hz,
        depth=depth,
        depth_unit=DEPTH_UNITS.get(technique, ""),
        interval=interval,
        duration=n_samples / preset.sample_rate,
        onset=start / preset.sample_rate,
        sample_rate=preset.sample_rate,
    )
    return ClipDraw(rng, fields, start, n_samples)


def _make_clip(
    preset: Preset, technique: str, instrument: str, index: int, seed: int
) -> tuple:
    """Draw one clip's note (:func:`draw_clip`) and synthesise it."""
    rng, fields, start, n_samples = draw_clip(
        preset, technique, instrument, index, seed
    )
    audio = np.zeros(preset.clip_samples, dtype=np.float32)
    audio[start : start + n_samples] = synthesise_note(
        INSTRUMENTS[instrument],
        fields["midi"],
        fields["dynamics"],
        technique,
        fields["rate_hz"],
        fields["depth"],
        n_samples,
        preset.sample_rate,
        rng,
    )
    return audio, fields


def iter_corpus(
    preset: str | Preset | None = None,
    seed: int = 0,
    sizes: dict[str, int] | None = None,
) -> Iterator[Clip]:
    """Stream the embedded corpus of ``preset``: technique clips (SOL-PMT
    order), then ordinario.

    ``sizes`` overrides :data:`CORPUS_SIZES` (clips per technique; missing
    ones get 0). Clip ``i`` depends only on ``(seed, i)`` and the preset,
    so any run reproduces it exactly. Each technique's clips are spread
    over the instruments that play it
    (:data:`xaiaudio.synth.technique_physics.TECHNIQUE_INSTRUMENTS`, in
    proportion to their weights); each clip draws its pitch within the
    instrument's range, its dynamics, its rate and depth
    (:data:`~xaiaudio.synth.technique_physics.RATE_RANGES`,
    :data:`~xaiaudio.synth.technique_physics.DEPTH_RANGES`), its onset (the
    first 10 % of the clip) and its duration (50 to 100 % of the rest).
    Written to disk by :func:`write_sol_tree` through
    :func:`xaiaudio.experiments.datasets.embedded_corpus_dir`.

    Parameters
    ----------
    preset : str, Preset or None
        Sample rate (Hz) and clip length (samples), and the corpus size;
        ``None`` as in :func:`xaiaudio.core.presets.get_preset`.
    seed : int
        The corpus seed.
    sizes : dict of str to int, optional
        Clips per technique (``"ordinario"`` included).

    Yields
    ------
    Clip
        ``sum(sizes.values())`` clips, numbered from 0 (``meta.index``). A
        name already taken (same instrument, technique, pitch and dynamics)
        gets a ``-r2``, ``-r3``... variant token.

    Raises
    ------
    ValueError
        For an unknown preset name.
    """
    preset = get_preset(preset)
    sizes = settings_for(CORPUS_SIZES, preset) if sizes is None else sizes
    names_used: dict[str, int] = {}
    index = 0
    for technique in (*TECHNIQUES, "ordinario"):
        weights = TECHNIQUE_INSTRUMENTS.get(
            technique, dict.fromkeys(INSTRUMENTS, 1)
        )
        for instrument in instrument_schedule(
            weights, sizes.get(technique, 0)
        ):
            audio, fields = _make_clip(
                preset, technique, instrument, index, seed
            )
            path = sol_relative_path(
                fields["family"],
                instrument,
                technique,
                fields["midi"],
                fields["dynamics"],
                interval=fields["interval"] or None,
            )
            repeats = names_used[str(path)] = (
                names_used.get(str(path), 0) + 1
            )
            if (
                repeats > 1
                # same instrument, technique, pitch, dynamics: a take
            ):
                path = sol_relative_path(
                    fields["family"],
                    instrument,
                    technique,
                    fields["midi"],
                    fields["dynamics"],
                    interval=fields["interval"] or None,
                    variant=f"r{repeats}",
                )
            yield Clip(audio, ClipMeta(path=path.as_posix(), **fields))
            index += 1


#: Columns of ``metadata.csv``: every :class:`ClipMeta` field, ``path``
#: first.
METADATA_COLUMNS = tuple(
    field.name for field in dataclasses.fields(ClipMeta)
)


def write_sol_tree(root: str | Path, clips: Iterable[Clip]) -> int:
    """Write ``clips`` as 16-bit WAV files in the SOL layout under ``root``
    plus ``metadata.csv``.

    Each file goes to ``root/<Family>/<Instrument>/<technique>/<name>.wav``
    (``meta.path``); ``metadata.csv`` has one row per file with every
    :class:`ClipMeta` field. Streams: one clip in memory at a time. Returns
    the number of files written. Samples are rounded to 16 bits (``round(x
    * 32767)``, clipped). Called by
    :func:`xaiaudio.experiments.datasets.embedded_corpus_dir`.

    Parameters
    ----------
    root : str or pathlib.Path
        The corpus folder (created if missing); existing files of the same
        names and ``metadata.csv`` are overwritten.
    clips : iterable of Clip
        Typically :func:`iter_corpus`.

    Returns
    -------
    int
        Number of files written.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(root / "metadata.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METADATA_COLUMNS)
        writer.writeheader()
        for clip in clips:
            target = root / clip.meta.path
            target.parent.mkdir(parents=True, exist_ok=True)
            # Round to 16 bits ourselves: libsndfile's float conversion
            # leaves a -0.5 LSB (DC) bias.
            pcm = np.clip(
                np.round(clip.audio * 32767.0), -32768, 32767
            ).astype(np.int16)
            soundfile.write(
                target, pcm, clip.meta.sample_rate, subtype="PCM_16"
            )
            writer.writerow(dataclasses.asdict(clip.meta))
            count += 1
    return count
