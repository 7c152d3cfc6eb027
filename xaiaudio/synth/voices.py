"""Synthetic speakers: a deterministic source-filter voice generator.

A stand-in for LibriSpeech when no LibriSpeech folder is given (through
:func:`xaiaudio.experiments.datasets.voice_set`).

Each speaker has a median F0 and range, a vocal-tract length (which scales
all formants), a breathiness (aspiration noise mixed into the glottal
source), a spectral tilt, a speaking rate and an individual vowel inventory
offset. An utterance is a sequence of syllable-like vowels, each with its
own rising, falling, flat or arched pitch contour on top of a declining
phrase contour, separated by short pauses. The source is a band-limited
glottal pulse train (a sum of harmonics below 0.45 times the sample rate
whose amplitudes fall as ``h ** -tilt``, that is by 6 x ``tilt`` dB per
octave: 7 to 13 dB/octave across speakers); the filter is a parallel bank
of four second-order formant resonators, each fed the source and weighted
``0.6 ** j`` for formant ``j`` (0 to 3).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.signal import lfilter

from xaiaudio.core import cache, work_ledger
from xaiaudio.core.presets import settings_for
from xaiaudio.data.splits import split_files

#: Sample rate of the synthetic voices (LibriSpeech's).
VOICE_RATE = 16000
#: Formants (Hz) and bandwidths of a few vowels for a 17.5 cm vocal tract.
VOWELS = {
    "a": ((730, 1090, 2440, 3400), (90, 110, 170, 250)),
    "e": ((530, 1840, 2480, 3500), (70, 100, 160, 250)),
    "i": ((270, 2290, 3010, 3700), (50, 100, 170, 250)),
    "o": ((570, 840, 2410, 3400), (80, 90, 160, 250)),
    "u": ((300, 870, 2240, 3300), (60, 90, 150, 250)),
    "ae": ((660, 1720, 2410, 3450), (90, 120, 170, 250)),
}
#: Per-preset corpus sizes: speakers, utterances per speaker, seconds per
#: utterance. Read with :func:`xaiaudio.core.presets.settings_for`.
VOICE_SIZES = {
    "smoke": dict(n_speakers=6, utterances=8, seconds=1.0),
    "book": dict(n_speakers=12, utterances=20, seconds=1.5),
    "paper": dict(n_speakers=128, utterances=100, seconds=4.0),
}


@dataclass(frozen=True)
class Speaker:
    """Parameters of one synthetic speaker (drawn by
    :func:`make_speakers`).

    Attributes
    ----------
    name : str
        ``"spk000"``, ``"spk001"``...
    f0_median : float
        Typical pitch, Hz (85-155 for lower voices, 165-255 for higher
        ones).
    f0_range : float
        Excursion of the pitch contours, semitones.
    tract_scale : float
        Factor on every formant frequency (short vocal tract: > 1).
    breathiness : float
        Share of aspiration noise in the source, 0..1 (the voicing gets ``1
        - breathiness``).
    tilt : float
        Harmonic ``h`` has amplitude ``h ** -tilt`` (larger: darker voice).
    rate : float
        Syllables per second.
    formant_offset : tuple of float
        Individual factor on each of the four formants (about 0.93 to
        1.07).
    """

    name: str
    f0_median: float  # Hz
    f0_range: float  # semitones of contour excursion
    # formant frequencies are multiplied by this (short tract: > 1)
    tract_scale: float
    breathiness: float  # aspiration noise to voicing ratio, 0..1
    tilt: float  # harmonic amplitude exponent (larger: darker voice)
    rate: float  # syllables per second
    formant_offset: tuple  # per-formant individual deviation (factor)


def make_speakers(n: int, seed: int = 0) -> list:
    """``n`` speakers drawn deterministically from ``seed`` (alternating
    lower and higher voices).

    Even-numbered speakers have lower voices (f0 85-155 Hz, longer tracts),
    odd-numbered ones higher voices (f0 165-255 Hz, shorter tracts). Used
    by :func:`make_voice_corpus`.

    Parameters
    ----------
    n : int
        Number of speakers.
    seed : int
        Seed of the speakers' parameters; the same ``(n, seed)`` gives the
        same speakers, and the first ``k`` speakers do not depend on ``n``.

    Returns
    -------
    list of Speaker

    Raises
    ------
    ValueError
        When ``n < 1``.
    """
    if n < 1:
        raise ValueError("need at least one speaker")
    rng = np.random.default_rng(seed)
    speakers = []
    for i in range(n):
        high = i % 2 == 1
        f0 = rng.uniform(165, 255) if high else rng.uniform(85, 155)
        scale = (
            rng.uniform(1.08, 1.22) if high else rng.uniform(0.88, 1.02)
        )
        speakers.append(
            Speaker(
                name=f"spk{i:03d}",
                f0_median=float(f0),
                f0_range=float(rng.uniform(1.5, 6.0)),
                tract_scale=float(scale),
                breathiness=float(rng.uniform(0.0, 0.35)),
                tilt=float(rng.uniform(1.2, 2.2)),
                rate=float(rng.uniform(3.0, 5.5)),
                formant_offset=tuple(
                    float(v) for v in rng.uniform(0.93, 1.07, 4)
                ),
            )
        )
    return speakers


def _resonator(
    x: np.ndarray, freq: float, bandwidth: float, sample_rate: int
) -> np.ndarray:
    """Second-order all-pole resonator with unit gain at 0 Hz."""
    r = np.exp(-np.pi * bandwidth / sample_rate)
    c = 2 * r * np.cos(2 * np.pi * freq / sample_rate)
    a = [1.0, -c, r * r]
    return lfilter([1.0 - c + r * r], a, x)


def _syllable(
    speaker: Speaker,
    vowel: str,
    n: int,
    f0_start: float,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    t = np.arange(n) / sample_rate
    shape = rng.choice(["rise", "fall", "flat", "arch"])
    span = speaker.f0_range * rng.uniform(0.2, 0.6)
    u = t / max(t[-1], 1e-9)
    semis = {
        "rise": span * u,
        "fall": -span * u,
        "flat": 0.2 * span * np.sin(2 * np.pi * 5.0 * t),
        "arch": span * np.sin(np.pi * u),
    }[shape]
    jitter = (
        0.08 * np.cumsum(rng.standard_normal(n)) / np.sqrt(sample_rate)
    )
    f0 = f0_start * 2.0 ** ((semis + jitter) / 12.0)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    source = np.zeros(n)
    n_harmonics = int(0.45 * sample_rate / f0.min())
    for h in range(1, n_harmonics + 1):
        audible = (h * f0) < 0.45 * sample_rate
        source += audible * np.sin(h * phase) / h**speaker.tilt
    # pulsed aspiration
    noise = rng.standard_normal(n) * (0.5 + 0.5 * np.cos(phase))
    source = (1 - speaker.breathiness) * source / (
        np.std(source) + 1e-9
    ) + speaker.breathiness * noise
    freqs, bands = VOWELS[vowel]
    voiced = np.zeros(n)
    for j, (f, b) in enumerate(zip(freqs, bands)):
        fj = min(
            f * speaker.tract_scale * speaker.formant_offset[j],
            0.45 * sample_rate,
        )
        voiced = voiced + _resonator(source, fj, b, sample_rate) * (0.6**j)
    attack = min(n, int(0.02 * sample_rate))
    envelope = np.minimum(
        1.0,
        np.minimum(
            np.arange(n) / max(attack, 1),
            (n - np.arange(n)) / max(attack * 3, 1),
        ),
    )
    return voiced * envelope * rng.uniform(0.6, 1.0)


def synthesise_utterance(
    speaker: Speaker,
    seconds: float,
    rng: np.random.Generator,
    sample_rate: int = VOICE_RATE,
) -> np.ndarray:
    """One utterance of ``speaker``: syllable-like vowels with pitch
    contours and pauses, peak 0.5.

    Used by :func:`make_voice_corpus`.

    Syllables of random vowels (:data:`VOWELS`) follow each other at the
    speaker's rate with pauses of 20 to 120 ms, each with a rising,
    falling, flat or arched contour, the phrase's pitch declining from
    syllable to syllable; a faint noise floor (room noise) is added. Used
    by :func:`make_voice_corpus`.

    Parameters
    ----------
    speaker : Speaker
        The voice.
    seconds : float
        Length, seconds.
    rng : numpy.random.Generator
        Draws the syllables, contours, pauses and noise.
    sample_rate : int
        Hz (default :data:`VOICE_RATE`, 16 kHz).

    Returns
    -------
    numpy.ndarray
        float32, shape ``(int(seconds * sample_rate),)``, peak 0.5.

    Raises
    ------
    ValueError
        When the utterance would be shorter than 1024 samples.
    """
    total = int(seconds * sample_rate)
    if total < 1024:
        raise ValueError(
            f"an utterance needs at least 1024 samples, got {total}"
        )
    out = np.zeros(total)
    position = int(rng.uniform(0.0, 0.1) * sample_rate)
    f0 = speaker.f0_median * 2.0 ** (
        rng.uniform(0, speaker.f0_range / 2) / 12
    )
    vowels = list(VOWELS)
    while position < total - int(0.05 * sample_rate):
        length = int(sample_rate / speaker.rate * rng.uniform(0.6, 1.1))
        length = min(length, total - position)
        out[position : position + length] += _syllable(
            speaker,
            vowels[int(rng.integers(len(vowels)))],
            length,
            f0,
            sample_rate,
            rng,
        )
        position += length + int(rng.uniform(0.02, 0.12) * sample_rate)
        f0 *= 2.0 ** (-rng.uniform(0.0, 0.8) / 12)  # phrase declination
    out += 1e-4 * rng.standard_normal(total)  # room noise floor
    work_ledger.count("voice utterance", 1)
    return (0.5 * out / np.max(np.abs(out))).astype(np.float32)


@dataclass
class VoiceCorpus:
    """Utterances with integer speaker ids, speaker parameters, per-file
    splits and the sample rate.

    Made by :func:`make_voice_corpus`.

    Attributes
    ----------
    audio : list of numpy.ndarray
        float32 utterances, all of the same length, speaker by speaker.
    labels : numpy.ndarray
        int, shape ``(utterances,)``: index into ``speakers``.
    split : numpy.ndarray
        str, shape ``(utterances,)``: ``"train"``, ``"val"`` or ``"test"``
        (random 70/10/20).
    speakers : list of Speaker
        The speakers, in label order.
    sample_rate : int
        Hz (:data:`VOICE_RATE`).
    """

    audio: list
    labels: np.ndarray
    split: np.ndarray
    speakers: list
    sample_rate: int

    @property
    def speaker_names(self) -> list:
        """The speakers' names (``"spk000"``...), in label order: the
        class names."""
        return [s.name for s in self.speakers]


def make_voice_corpus(
    preset: str = "book",
    seed: int = 0,
    n_speakers: int | None = None,
    utterances: int | None = None,
    seconds: float | None = None,
) -> VoiceCorpus:
    """The synthetic voice corpus of a preset (sizes in
    :data:`VOICE_SIZES`), deterministic from ``seed``.

    The audio is cached (:func:`xaiaudio.core.cache.cached_arrays`) under
    the generator settings (the sizes, the speakers, the seed and this
    module's source). Each speaker gets the same number of utterances; the
    per-file split is random 70/10/20
    (:func:`xaiaudio.data.splits.split_files`). Called by
    :func:`xaiaudio.experiments.datasets.voice_set` when no LibriSpeech
    folder is given.

    Parameters
    ----------
    preset : str, Preset or RunConfig
        Whose :data:`VOICE_SIZES` entry to use.
    seed : int
        Seed of the speakers, the utterances and the split.
    n_speakers, utterances : int, optional
        Override the preset's number of speakers and utterances per
        speaker.
    seconds : float, optional
        Override the preset's utterance length, seconds.

    Returns
    -------
    VoiceCorpus

    Raises
    ------
    ValueError
        For an unknown preset name, fewer than one speaker, or utterances
        shorter than 1024 samples.
    """
    sizes = dict(settings_for(VOICE_SIZES, preset))
    for name, value in (
        ("n_speakers", n_speakers),
        ("utterances", utterances),
        ("seconds", seconds),
    ):
        if value is not None:
            sizes[name] = value
    speakers = make_speakers(sizes["n_speakers"], seed)

    def compute():
        rng = np.random.default_rng([seed, 1])
        audio = [
            synthesise_utterance(s, sizes["seconds"], rng)
            for s in speakers
            for _ in range(sizes["utterances"])
        ]
        return {"audio": np.stack(audio)}

    key = cache.content_key(
        "voices",
        sizes,
        [asdict(s) for s in speakers],
        int(seed),
    )
    audio = cache.cached_arrays("voices", key, compute)["audio"]
    labels = np.repeat(np.arange(len(speakers)), sizes["utterances"])
    split = split_files(len(labels), np.random.default_rng([seed, 2]))
    return VoiceCorpus(list(audio), labels, split, speakers, VOICE_RATE)
