"""Physics of the five periodic modulation techniques (PMT) of SOL, as
control curves.

Each technique function turns a rate and a depth into per-sample control
curves (:class:`Modulation`) that
:func:`xaiaudio.synth.corpus.synthesise_note` applies to an additive
instrument model.

``rate_hz`` always counts full modulation periods per second:

* vibrato: pitch oscillations per second (4-8 Hz); ``depth``: peak pitch
  deviation in cents (half the peak-to-peak swing).
* trill: lower+upper note cycles per second (6-12 Hz), so 2 * ``rate_hz``
  notes per second; ``depth``: the trill interval in cents (100 = minor
  2nd, 200 = major 2nd).
* tremolo: re-articulations (bow strokes, plucks, tongued repeats) per
  second (8-20 Hz); ``depth``: level drop within one stroke, dB.
* flatterzunge: tongue (or uvula) flaps per second (20-40 Hz); ``depth``:
  peak-to-trough level modulation of the tone, dB.
* bisbigliando: fingering A + fingering B cycles per second (5-12 Hz);
  ``depth``: the brightness difference of the two fingerings, dB per octave
  of partial number.

Through :func:`~xaiaudio.synth.corpus.synthesise_note` these functions make
every clip of the embedded corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rate range (Hz) from which each technique's ``rate_hz`` is drawn
#: uniformly.
RATE_RANGES = {
    "vibrato": (4.0, 8.0),
    "trill": (6.0, 12.0),
    "tremolo": (8.0, 20.0),
    "flatterzunge": (20.0, 40.0),
    "bisbigliando": (5.0, 12.0),
}

#: Depth range from which each technique's ``depth`` is drawn (trill: one
#: of the two intervals).
DEPTH_RANGES = {
    "vibrato": (15.0, 60.0),
    "trill": (100.0, 200.0),
    "tremolo": (8.0, 24.0),
    "flatterzunge": (6.0, 18.0),
    "bisbigliando": (4.0, 9.0),
}

#: Unit of ``depth`` per technique.
DEPTH_UNITS = {
    "vibrato": "cents",
    "trill": "cents",
    "tremolo": "dB",
    "flatterzunge": "dB",
    "bisbigliando": "dB/octave",
}

#: Which instruments play each technique, with relative weights (SOL-like
#: subsets).
TECHNIQUE_INSTRUMENTS = {
    "vibrato": {
        "Fl": 1,
        "Ob": 1,
        "Bn": 1,
        "ASax": 1,
        "Hn": 1,
        "TpC": 1,
        "TbTb": 1,
        "BTb": 1,
        "Vn": 2,
        "Va": 2,
        "Vc": 2,
        "Cb": 1,
    },
    "trill": {
        "Fl": 2,
        "Ob": 1,
        "ClBb": 2,
        "Bn": 1,
        "ASax": 1,
        "Hn": 1,
        "TpC": 1,
        "TbTb": 1,
        "Vn": 2,
        "Va": 2,
        "Vc": 2,
        "Cb": 1,
        "Acc": 1,
    },
    "tremolo": {
        "Vn": 3,
        "Va": 3,
        "Vc": 3,
        "Cb": 3,
        "Hp": 2,
        "Gtr": 2,
        "Acc": 1,
        "Fl": 1,
        "ClBb": 1,
        "ASax": 1,
    },
    "flatterzunge": {
        "Fl": 2,
        "Ob": 1,
        "ClBb": 2,
        "Bn": 1,
        "ASax": 1,
        "Hn": 1,
        "TpC": 2,
        "TbTb": 2,
        "BTb": 1,
    },
    "bisbigliando": {"Hp": 4, "Fl": 1, "Ob": 1, "ClBb": 1},
}

#: Lowest MIDI pitch per technique: flutter-tongue roughness of up to 40 Hz
#: is only a modulation (not a second pitch) on notes well above 40 Hz, so
#: it starts at E2 (82 Hz).
TECHNIQUE_MIDI_LOW = {"flatterzunge": 40}


@dataclass
class Modulation:
    """Per-sample control curves of one note (arrays of the note's length).

    ``cents``: pitch deviation from the written note; ``gain_db``: level
    change; ``timbre_mix``: 0 = the instrument's own spectrum, 1 = the
    alternate fingering (bisbigliando), ``noise_db``: extra breath/bow
    noise; ``since_excitation``: seconds since the last pluck or stroke
    (plucked strings decay from it). Returned by every function of
    :data:`MODULATORS`; applied by
    :func:`xaiaudio.synth.corpus.synthesise_note`.

    Attributes
    ----------
    cents : numpy.ndarray
        Pitch deviation from the written note, cents.
    gain_db : numpy.ndarray
        Level change, dB.
    timbre_mix : numpy.ndarray or None
        0..1 mix of the two spectra; ``None`` when the technique has one
        spectrum.
    noise_db : numpy.ndarray
        Noise level change, dB, added to the instrument's ``noise_db``.
    since_excitation : numpy.ndarray
        Seconds since the last pluck or stroke (plain time for sustained
        notes).
    """

    cents: np.ndarray
    gain_db: np.ndarray
    timbre_mix: np.ndarray | None
    noise_db: np.ndarray
    since_excitation: np.ndarray


def slow_drift(
    t: np.ndarray, rng: np.random.Generator, max_hz: float = 1.0
) -> np.ndarray:
    """A smooth random curve in [-1, 1] (three slow sinusoids): a player's
    unsteadiness.

    The mean of three sinusoids with random frequencies in [0.1,
    ``max_hz``] Hz and random phases.

    Parameters
    ----------
    t : numpy.ndarray
        Times, seconds.
    rng : numpy.random.Generator
        Draws the frequencies and phases.
    max_hz : float
        Highest frequency of the drift, Hz.

    Returns
    -------
    numpy.ndarray
        Same shape as ``t``.
    """
    frequency = rng.uniform(0.1, max_hz, 3)
    phase = rng.uniform(0.0, 2.0 * np.pi, 3)
    return (
        np.sin(2.0 * np.pi * frequency[:, None] * t + phase[:, None]).sum(
            axis=0
        )
        / 3.0
    )


def smooth_square(phase: np.ndarray, sharpness: float) -> np.ndarray:
    """0..1 square wave of ``phase`` (radians) with tanh-shaped
    transitions, not hard switches.

    ``sharpness`` about 2 gives near-sinusoidal alternation, about 8 short
    transitions.

    Parameters
    ----------
    phase : numpy.ndarray
        Phase, radians; the wave is 1 where ``sin(phase) > 0``.
    sharpness : float
        Steepness of the transitions (``tanh(sharpness * sin(phase))``).

    Returns
    -------
    numpy.ndarray
        Values in [0, 1], same shape as ``phase``.
    """
    return 0.5 + 0.5 * np.tanh(sharpness * np.sin(phase)) / np.tanh(
        sharpness
    )


def modulation_phase(
    t: np.ndarray,
    rate_hz: float,
    rng: np.random.Generator,
    jitter: float = 0.02,
) -> np.ndarray:
    """Phase (radians) of a modulator at ``rate_hz`` whose rate wanders by
    about +-``jitter``.

    The instantaneous rate ``rate_hz * (1 + jitter * slow_drift(t))`` is
    integrated from a random starting phase.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times, seconds (evenly spaced).
    rate_hz : float
        Mean modulation rate, Hz.
    rng : numpy.random.Generator
        Draws the drift and the starting phase.
    jitter : float
        Relative rate deviation (0.02: +-2 %).

    Returns
    -------
    numpy.ndarray
        Phase in radians (growing, not wrapped), same shape as ``t``.
    """
    instantaneous_rate = rate_hz * (1.0 + jitter * slow_drift(t, rng))
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    return 2.0 * np.pi * np.cumsum(instantaneous_rate) * dt + rng.uniform(
        0.0, 2.0 * np.pi
    )


def ordinario(t, rate_hz, depth, rng, excitation):
    """A plain note: only a few cents of slow pitch drift and a steady
    level.

    Makes the plain (ordinario) notes.

    Pitch drifts by up to 3 cents and the level by up to 0.5 dB, below 0.5
    Hz.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz, depth : float
        Ignored (NaN in the corpus).
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    flat = np.zeros_like(t)
    return Modulation(
        cents=3.0 * slow_drift(t, rng, 0.5),
        gain_db=0.5 * slow_drift(t, rng, 0.5),
        timbre_mix=None,
        noise_db=flat,
        since_excitation=t,
    )


def vibrato(t, rate_hz, depth, rng, excitation):
    """Frequency modulation of ``depth`` cents at ``rate_hz``, faded in
    over the first 0.1 to 0.3 s.

    Makes the corpus's vibrato clips.

    Moving the partials across the fixed body/bore resonances also changes
    the level in step with the pitch: a coupled amplitude modulation of
    about 1 dB per 40 cents. The rate wanders by about 2 %, the depth by
    about 10 %.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz : float
        Pitch oscillations per second, Hz.
    depth : float
        Peak pitch deviation, cents.
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    phase = modulation_phase(t, rate_hz, rng)
    fade_in = np.clip(t / rng.uniform(0.1, 0.3), 0.0, 1.0)
    swing = depth * (1.0 + 0.1 * slow_drift(t, rng)) * fade_in
    coupled_am_db = (
        swing / 40.0 * np.sin(phase + rng.uniform(-0.5, 0.5) * np.pi)
    )
    return Modulation(
        cents=swing * np.sin(phase),
        gain_db=coupled_am_db,
        timbre_mix=None,
        noise_db=np.zeros_like(t),
        since_excitation=t,
    )


def trill(t, rate_hz, depth, rng, excitation):
    """Alternation between the note and the note ``depth`` cents above,
    ``rate_hz`` cycles/s.

    Makes the corpus's trill clips.

    Each cycle holds the lower then the upper note; transitions are smooth
    (finite finger speed) and each new note dips the level slightly (the
    tone re-forms after a key change) and brings a little more noise.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz : float
        Lower + upper note cycles per second, Hz.
    depth : float
        The trill interval, cents (100: minor second, 200: major second).
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    phase = modulation_phase(t, rate_hz, rng)
    upper = smooth_square(phase, rng.uniform(3.0, 7.0))
    # 1 in mid-transition, 0 on a note
    transition = 1.0 - np.abs(2.0 * upper - 1.0)
    return Modulation(
        cents=depth * upper,
        gain_db=-rng.uniform(1.0, 3.0) * transition,
        timbre_mix=None,
        noise_db=2.0 * transition,
        since_excitation=t,
    )


def stroke_envelope(
    phase: np.ndarray,
    depth_db: float,
    excitation: str,
    rng: np.random.Generator,
):
    """Level (dB) and time-since-onset (in periods) of strokes starting
    when ``phase`` wraps.

    A stroke rises to full level over its first ~12 % then falls by
    ``depth_db`` before the next: linearly in dB (exponential decay) when
    plucked, late (a bow change or a tongue stop) otherwise. Every stroke
    gets its own level, within +-1 dB. Used by :func:`tremolo` and by the
    harp's :func:`bisbigliando`.

    Parameters
    ----------
    phase : numpy.ndarray
        Modulator phase, radians; a stroke starts at each multiple of 2 pi.
    depth_db : float
        Level drop within one stroke, dB.
    excitation : str
        ``"plucked"`` falls at once; other excitations fall late.
    rng : numpy.random.Generator
        Draws each stroke's level.

    Returns
    -------
    level_db : numpy.ndarray
        Level, dB (0 at the top of a stroke, about ``-depth_db`` at its
        end).
    within : numpy.ndarray
        Position within the current stroke, 0..1 (a fraction of one
        period).
    """
    cycles = phase / (2.0 * np.pi)
    stroke = np.floor(cycles)
    within = cycles - stroke  # 0..1 through the stroke
    attack = 0.12
    shape = 1.0 if excitation == "plucked" else 3.0
    falling = (
        np.clip((within - attack) / (1.0 - attack), 0.0, 1.0) ** shape
    )
    rising = np.clip(within / attack, 0.0, 1.0)
    # from the trough back to 0 dB
    rise_db = -depth_db * (0.5 + 0.5 * np.cos(np.pi * rising))
    level_db = np.where(within < attack, rise_db, -depth_db * falling)
    stroke_level_db = rng.uniform(
        -1.0, 1.0, int(stroke.max() - stroke.min()) + 1
    )
    return level_db + stroke_level_db[
        (stroke - stroke.min()).astype(int)
    ], within


def tremolo(t, rate_hz, depth, rng, excitation):
    """``rate_hz`` re-articulations per second (bow strokes, plucks,
    tongued repeats).

    Makes the corpus's tremolo clips.

    Each stroke's level falls by ``depth`` dB before the next onset, and
    each onset adds a short burst of bow/pluck/tongue noise.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz : float
        Re-articulations per second, Hz.
    depth : float
        Level drop within one stroke, dB.
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    phase = modulation_phase(t, rate_hz, rng)
    level_db, within = stroke_envelope(phase, depth, excitation, rng)
    onset_noise_db = 10.0 * np.exp(-within / 0.08)
    return Modulation(
        cents=2.0 * slow_drift(t, rng),
        gain_db=level_db,
        timbre_mix=None,
        noise_db=onset_noise_db,
        since_excitation=within / rate_hz,
    )


def flatterzunge(t, rate_hz, depth, rng, excitation):
    """Flutter-tongue: the tongue (or uvula) interrupts the air stream
    ``rate_hz`` times/s.

    Makes the corpus's flatterzunge clips.

    The tone is modulated by ``depth`` dB peak to trough with narrow
    interruptions (a rough, non-sinusoidal modulator) and turbulent noise,
    strongest when the tongue releases the air, rises by 6-12 dB.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz : float
        Tongue (or uvula) flaps per second, Hz.
    depth : float
        Peak-to-trough level modulation of the tone, dB.
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    phase = modulation_phase(t, rate_hz, rng, jitter=0.03)
    # 1 = tongue closed
    closure = (0.5 - 0.5 * np.cos(phase)) ** rng.uniform(1.0, 2.5)
    noise_db = (
        rng.uniform(6.0, 12.0) + 6.0 * (0.5 + 0.5 * np.cos(phase)) - 6.0
    )
    return Modulation(
        cents=4.0 * slow_drift(t, rng),
        gain_db=-depth * closure,
        timbre_mix=None,
        noise_db=noise_db,
        since_excitation=t,
    )


def bisbigliando(t, rate_hz, depth, rng, excitation):
    """Timbral trill on one pitch: alternate fingerings (or two harp
    strings), ``rate_hz`` cycles/s.

    Makes the corpus's bisbigliando clips.

    The spectrum alternates between the instrument's own and one whose tilt
    differs by ``depth`` dB/octave (``timbre_mix`` 0 and 1); the pitch
    stays, up to the few cents by which an alternate fingering is out of
    tune. On the harp each string is plucked once per cycle, so notes
    re-start twice per cycle, softly.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times of the note, seconds (evenly spaced, from 0).
    rate_hz : float
        Fingering A + fingering B cycles per second, Hz.
    depth : float
        Brightness difference of the two spectra, dB per octave of partial
        number.
    rng : numpy.random.Generator
        Draws the random parts (drift, jitter, start phase...).
    excitation : str
        The instrument's excitation
        (:class:`~xaiaudio.synth.instruments.InstrumentSpec`).

    Returns
    -------
    Modulation
        Control curves of the same length as ``t``.
    """
    phase = modulation_phase(t, rate_hz, rng)
    mix = smooth_square(phase, rng.uniform(2.0, 6.0))
    cents = rng.uniform(-8.0, 8.0) * mix
    if excitation == "plucked":
        gain_db, within = stroke_envelope(
            2.0 * phase, rng.uniform(4.0, 8.0), excitation, rng
        )
        since = within / (2.0 * rate_hz)
    else:
        gain_db, since = np.zeros_like(t), t
    return Modulation(
        cents=cents,
        gain_db=gain_db,
        timbre_mix=mix,
        noise_db=np.zeros_like(t),
        since_excitation=since,
    )


#: Control-curve generator per technique ("ordinario" included).
MODULATORS = {
    "ordinario": ordinario,
    "vibrato": vibrato,
    "trill": trill,
    "tremolo": tremolo,
    "flatterzunge": flatterzunge,
    "bisbigliando": bisbigliando,
}
