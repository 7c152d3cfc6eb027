"""Timbres of the embedded corpus: one :class:`InstrumentSpec` per SOL
instrument.

Each instrument is a source-filter model that the additive synthesiser in
:mod:`xaiaudio.synth.corpus` renders:

* a harmonic (or, for plucked strings, slightly inharmonic) source whose
  partial amplitudes fall by ``tilt_db_per_octave``; the clarinet's closed
  bore weakens the even harmonics below ``even_cutoff_hz``;
* fixed resonances (bore or body formants) that do not move with pitch, so
  a spectral envelope identifies the instrument across its range;
* an excitation: ``blown`` and ``reed`` sustain with breath noise,
  ``bowed`` sustains with bow noise, ``plucked`` decays (high partials
  first);
* a pitch range in MIDI numbers (all within C#1..B7, MIDI 25..107).

:mod:`xaiaudio.synth.corpus` uses them for every note of the embedded
corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Lowest and highest MIDI pitch of the corpus (C#1 and B7), as in SOL.
MIDI_LOW, MIDI_HIGH = 25, 107


@dataclass(frozen=True)
class InstrumentSpec:
    """How one instrument sounds: range, source spectrum, resonances,
    noise, envelope.

    Read by :func:`xaiaudio.synth.corpus.synthesise_note` (every note of
    the embedded corpus).

    Attributes
    ----------
    abbreviation, name, family : str
        SOL abbreviation (``"Vn"``), English name, SOL family folder
        (``"Strings"``).
    midi_low, midi_high : int
        Playable range, MIDI numbers (inclusive).
    excitation : str
        ``"blown"``, ``"reed"`` (free reed), ``"bowed"`` or ``"plucked"``.
        Plucked notes decay (high partials first) and their noise is only
        the finger's click; the others sustain. Tremolo strokes and
        bisbigliando re-plucks are shaped by it.
    tilt_db_per_octave : float
        Partial level against log2(partial number) at mf, dB per octave
        (negative: darker).
    formants : tuple of (float, float, float)
        Fixed resonances as ``(centre Hz, bandwidth Hz, gain dB)``; see
        :func:`formant_gain_db`.
    even_gain : float
        Even-harmonic amplitude factor (clarinet: about 0.15; 1: no
        odd/even imbalance).
    even_cutoff_hz : float
        Above this frequency, Hz, even harmonics return to full level.
    inharmonicity : float
        Stiffness ``B`` in ``f_k = k f0 sqrt(1 + B k**2)`` (stiff strings;
        0: harmonic).
    noise_db : float
        Breath or bow noise level relative to the tone, dB.
    noise_centre_hz, noise_octaves : float
        Centre (Hz) and width (octaves; -12 dB at that distance) of the
        noise band.
    attack_s, release_s : float
        Onset time of a sustained note and end-of-note fade, seconds (each
        varied +-30 %).
    decay_s : float
        Plucked strings: decay time constant of the fundamental at A4,
        seconds (scaled by ``sqrt(440 / f0)``).
    brightness_per_dynamic : float
        Tilt change (dB/octave) from mf to ff (minus that for pp).
    """

    abbreviation: str
    name: str
    family: str
    midi_low: int
    midi_high: int
    excitation: str  # "blown", "reed" (free reed), "bowed" or "plucked"
    tilt_db_per_octave: (
        float  # partial level vs log2(partial number) at mf
    )
    formants: tuple  # ((centre Hz, bandwidth Hz, gain dB), ...)
    even_gain: float = (
        1.0  # even-harmonic amplitude factor (clarinet: ~0.15)
    )
    even_cutoff_hz: float = (
        0.0  # above this, even harmonics return to full level
    )
    inharmonicity: float = (
        0.0  # B in f_k = k f0 sqrt(1 + B k**2) (stiff strings)
    )
    # breath or bow noise level relative to the tone
    noise_db: float = -60.0
    noise_centre_hz: float = 3000.0  # centre of the noise band
    noise_octaves: float = (
        1.5  # width of the noise band (Gaussian in log-frequency)
    )
    attack_s: float = 0.05  # onset time of a sustained note
    release_s: float = 0.12  # end-of-note fade
    decay_s: float = 0.0  # plucked: time constant of the fundamental at A4
    brightness_per_dynamic: float = (
        3.0  # tilt change (dB/octave) from mf to ff (minus for pp)
    )


def _spec(*args, **kwargs) -> InstrumentSpec:
    return InstrumentSpec(*args, **kwargs)


#: The 16 instruments of the corpus, keyed by SOL abbreviation.
INSTRUMENTS: dict[str, InstrumentSpec] = {
    spec.abbreviation: spec
    for spec in (
        # Winds: breath noise, sustained; the clarinet is odd-dominant in
        # its low register.
        _spec(
            "Fl",
            "flute",
            "Winds",
            60,
            96,
            "blown",
            -11.0,
            ((900, 700, 4.0),),
            noise_db=-20.0,
            noise_centre_hz=4000.0,
            noise_octaves=1.8,
            attack_s=0.06,
        ),
        _spec(
            "Ob",
            "oboe",
            "Winds",
            58,
            93,
            "blown",
            -3.0,
            ((1400, 450, 12.0), (3000, 900, 6.0)),
            noise_db=-40.0,
            attack_s=0.04,
        ),
        _spec(
            "ClBb",
            "clarinet in B-flat",
            "Winds",
            50,
            94,
            "blown",
            -5.0,
            ((1500, 800, 4.0),),
            even_gain=0.12,
            even_cutoff_hz=1800.0,
            noise_db=-36.0,
            attack_s=0.05,
        ),
        _spec(
            "Bn",
            "bassoon",
            "Winds",
            34,
            75,
            "blown",
            -4.0,
            ((480, 220, 12.0), (1150, 350, 8.0)),
            noise_db=-38.0,
            noise_centre_hz=2000.0,
            attack_s=0.05,
        ),
        _spec(
            "ASax",
            "alto saxophone",
            "Winds",
            49,
            80,
            "blown",
            -3.0,
            ((600, 300, 8.0), (1700, 700, 8.0)),
            noise_db=-32.0,
            noise_centre_hz=3500.0,
            attack_s=0.04,
        ),
        # Brass: no formant noise to speak of; brightness grows strongly
        # with dynamics.
        _spec(
            "Hn",
            "French horn",
            "Brass",
            35,
            77,
            "blown",
            -9.0,
            ((420, 260, 10.0),),
            noise_db=-46.0,
            attack_s=0.05,
            brightness_per_dynamic=5.0,
        ),
        _spec(
            "TpC",
            "trumpet in C",
            "Brass",
            54,
            86,
            "blown",
            -2.0,
            ((1200, 500, 10.0), (2600, 900, 6.0)),
            noise_db=-46.0,
            attack_s=0.03,
            brightness_per_dynamic=5.0,
        ),
        _spec(
            "TbTb",
            "tenor trombone",
            "Brass",
            40,
            77,
            "blown",
            -4.0,
            ((550, 300, 10.0), (1300, 500, 6.0)),
            noise_db=-46.0,
            attack_s=0.04,
            brightness_per_dynamic=5.0,
        ),
        _spec(
            "BTb",
            "bass tuba",
            "Brass",
            26,
            65,
            "blown",
            -8.0,
            ((250, 150, 10.0),),
            noise_db=-46.0,
            noise_centre_hz=1500.0,
            attack_s=0.06,
            brightness_per_dynamic=4.0,
        ),
        # Bowed strings: sawtooth-like source, body resonances, bow noise.
        _spec(
            "Vn",
            "violin",
            "Strings",
            55,
            100,
            "bowed",
            -4.0,
            ((290, 70, 6.0), (480, 120, 5.0), (2800, 1000, 10.0)),
            noise_db=-34.0,
            noise_centre_hz=3500.0,
            noise_octaves=1.2,
            attack_s=0.08,
        ),
        _spec(
            "Va",
            "viola",
            "Strings",
            48,
            88,
            "bowed",
            -5.0,
            ((230, 60, 6.0), (400, 110, 5.0), (2200, 900, 8.0)),
            noise_db=-34.0,
            noise_centre_hz=3000.0,
            noise_octaves=1.2,
            attack_s=0.08,
        ),
        _spec(
            "Vc",
            "cello",
            "Strings",
            36,
            81,
            "bowed",
            -5.0,
            ((200, 60, 7.0), (600, 200, 5.0), (1900, 800, 6.0)),
            noise_db=-34.0,
            noise_centre_hz=2500.0,
            noise_octaves=1.2,
            attack_s=0.09,
        ),
        _spec(
            "Cb",
            "double bass",
            "Strings",
            28,
            67,
            "bowed",
            -6.0,
            ((100, 40, 7.0), (250, 100, 5.0), (1200, 600, 6.0)),
            noise_db=-32.0,
            noise_centre_hz=1800.0,
            noise_octaves=1.2,
            attack_s=0.1,
        ),
        # Plucked strings: decaying, slightly inharmonic partials, high
        # partials die first.
        _spec(
            "Hp",
            "harp",
            "PluckedStrings",
            25,
            104,
            "plucked",
            -9.0,
            ((350, 250, 4.0),),
            inharmonicity=4e-5,
            noise_db=-50.0,
            attack_s=0.004,
            release_s=0.08,
            decay_s=1.2,
            brightness_per_dynamic=3.5,
        ),
        _spec(
            "Gtr",
            "classical guitar",
            "PluckedStrings",
            40,
            83,
            "plucked",
            -6.0,
            ((110, 40, 8.0), (240, 90, 6.0), (2500, 1200, 3.0)),
            inharmonicity=1.2e-4,
            noise_db=-46.0,
            attack_s=0.003,
            release_s=0.06,
            decay_s=0.8,
            brightness_per_dynamic=3.5,
        ),
        # Keyboards: the accordion's free reeds are bright and rich in both
        # odd and even partials.
        _spec(
            "Acc",
            "accordion",
            "Keyboards",
            41,
            105,
            "reed",
            -2.0,
            ((1000, 900, 4.0), (3000, 1500, 3.0)),
            noise_db=-44.0,
            attack_s=0.03,
            brightness_per_dynamic=2.0,
        ),
    )
}

#: Families in SOL order, each with the abbreviations of its instruments.
FAMILIES: dict[str, tuple[str, ...]] = {}
for _spec_ in INSTRUMENTS.values():
    FAMILIES.setdefault(_spec_.family, ())
    FAMILIES[_spec_.family] += (_spec_.abbreviation,)
del _spec_


def partial_ratios(spec: InstrumentSpec, n_partials: int) -> np.ndarray:
    """Frequency of partial k over f0: k, stretched by stiffness as k
    sqrt(1 + B k^2).

    Used by :func:`xaiaudio.synth.corpus.synthesise_note`.

    Parameters
    ----------
    spec : InstrumentSpec
        Gives the inharmonicity ``B``.
    n_partials : int
        Number of partials.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_partials,)``: 1, 2, 3... for a harmonic
        instrument, slightly more for stiff strings.
    """
    k = np.arange(1, n_partials + 1, dtype=np.float64)
    return k * np.sqrt(1.0 + spec.inharmonicity * k**2)


def formant_gain_db(
    spec: InstrumentSpec, frequency_hz: np.ndarray
) -> np.ndarray:
    """The fixed resonances of ``spec`` (bore or body) in dB at
    ``frequency_hz``.

    The sum over formants of ``gain / (1 + ((f - centre) / (bandwidth /
    2))**2)``: each formant adds its full gain at its centre and half of it
    ``bandwidth / 2`` away. Used by :func:`partial_levels_db` and
    :func:`noise_band`.

    Parameters
    ----------
    spec : InstrumentSpec
        Gives the formants.
    frequency_hz : numpy.ndarray
        Frequencies, Hz.

    Returns
    -------
    numpy.ndarray
        float64, same shape: gain in dB (0 far from every formant).
    """
    gain = np.zeros_like(np.asarray(frequency_hz, dtype=np.float64))
    for centre, bandwidth, peak_db in spec.formants:
        gain += peak_db / (
            1.0 + ((frequency_hz - centre) / (0.5 * bandwidth)) ** 2
        )
    return gain


def partial_levels_db(
    spec: InstrumentSpec,
    f0: float,
    ratios: np.ndarray,
    tilt_offset_db: float = 0.0,
) -> np.ndarray:
    """Level (dB) of each partial of a note at ``f0``: source tilt,
    odd/even balance and formants.

    ``tilt_offset_db`` (dB per octave of partial number) brightens (> 0) or
    darkens (< 0) the source: dynamics use it, and so does bisbigliando's
    second fingering. Used by
    :func:`xaiaudio.synth.corpus.synthesise_note`.

    Parameters
    ----------
    spec : InstrumentSpec
        The instrument.
    f0 : float
        Fundamental frequency, Hz.
    ratios : numpy.ndarray
        Partial frequencies over f0 (:func:`partial_ratios`).
    tilt_offset_db : float
        Added to ``spec.tilt_db_per_octave``, dB per octave.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(len(ratios),)``: level of each partial in dB,
        relative to the fundamental's source level (0 dB before the
        formants are added).
    """
    k = np.arange(1, len(ratios) + 1)
    frequency = f0 * ratios
    levels = (spec.tilt_db_per_octave + tilt_offset_db) * np.log2(k)
    if spec.even_gain != 1.0:
        # A closed cylindrical bore suppresses even modes only in its low
        # register.
        returning = 1.0 / (
            1.0 + np.exp(-(frequency - spec.even_cutoff_hz) / 300.0)
        )
        even_factor = spec.even_gain + (1.0 - spec.even_gain) * returning
        levels = levels + np.where(
            k % 2 == 0, 20.0 * np.log10(even_factor), 0.0
        )
    return levels + formant_gain_db(spec, frequency)


def noise_band(
    spec: InstrumentSpec, frequency_hz: np.ndarray
) -> np.ndarray:
    """Amplitude response (linear) of the breath or bow noise of ``spec``.

    A Gaussian in log-frequency, ``-12 (octaves from noise_centre_hz /
    noise_octaves)**2`` dB, plus the formants (:func:`formant_gain_db`);
    frequencies below 20 Hz count as 20 Hz. Used by
    :func:`xaiaudio.synth.corpus.synthesise_note` to colour white noise.

    Parameters
    ----------
    spec : InstrumentSpec
        Gives the noise band and the formants.
    frequency_hz : numpy.ndarray
        Frequencies, Hz.

    Returns
    -------
    numpy.ndarray
        float64, same shape: linear amplitude gain (1 at the band's centre,
        before formants).
    """
    octaves = np.log2(
        np.maximum(frequency_hz, 20.0) / spec.noise_centre_hz
    )
    shape_db = -12.0 * (
        octaves / spec.noise_octaves
    ) ** 2 + formant_gain_db(spec, frequency_hz)
    return 10.0 ** (shape_db / 20.0)
