"""Which clips a chapter shows as examples, chosen from a dataset table by
rule, not by hand.

* :func:`typical_clip`: one clip of a technique on the instrument that
  typically plays it;
* :func:`common_pitch` and :func:`clips_nearest_pitch`: one clip per
  technique, all as close as the table allows to one shared pitch, as in
  Fig. 1 of Wang et al.

Tables are those of :func:`xaiaudio.experiments.datasets.load_pmt_dataset`
(columns ``technique``, ``instrument`` and ``midi``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The instrument whose clip shows each technique best (SOL instrument
#: codes): the technique's home instrument, where its modulation is easiest
#: to hear.
TYPICAL_INSTRUMENTS = {
    "vibrato": "Vn",
    "trill": "Fl",
    "tremolo": "Vc",
    "bisbigliando": "Hp",
    "flatterzunge": "TpC",
}


def typical_clip(
    table: pd.DataFrame,
    technique: str,
    instruments: dict = TYPICAL_INSTRUMENTS,
) -> int:
    """The first clip of ``technique`` on its typical instrument, else the
    first clip of ``technique``.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per clip, with columns ``technique`` and ``instrument``.
    technique : str
        The technique to show.
    instruments : dict
        Technique -> instrument code preferred for it; a technique missing
        here, or whose instrument the table lacks (a small preset, real
        SOL), falls back to any instrument.

    Returns
    -------
    int
        The clip's index label in ``table``.

    Raises
    ------
    IndexError
        When the table has no clip of ``technique``.
    """
    rows = table.index[table["technique"] == technique]
    typical = rows[
        table.loc[rows, "instrument"] == instruments.get(technique)
    ]
    return int((typical if len(typical) else rows)[0])


def common_pitch(
    table: pd.DataFrame, techniques, reference_midi: float = 69.0
) -> int:
    """The pitch (MIDI) that the clips of all ``techniques`` come closest
    to, together.

    For every pitch in the table, the cost is the sum over techniques of
    the distance (in semitones) from that pitch to the technique's nearest
    clip; the cheapest pitch wins. A technique without clips is left out.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per clip, with columns ``technique`` and ``midi``.
    techniques : sequence of str
        The techniques to show side by side.
    reference_midi : float
        Breaks ties: among equally cheap pitches the nearest to this one
        (69, A4: the paper's Fig. 1 pitch) wins, through a penalty far
        smaller than one semitone.

    Returns
    -------
    int
        The common pitch, a MIDI note number present in the table.
    """
    midi = table["midi"].to_numpy(dtype=float)
    played = table["technique"].to_numpy()
    present = [
        technique
        for technique in techniques
        if (played == technique).any()
    ]
    candidates = np.unique(midi)
    cost = [
        sum(
            np.min(np.abs(midi[played == technique] - pitch))
            for technique in present
        )
        + 1e-3 * abs(pitch - reference_midi)
        for pitch in candidates
    ]
    return int(candidates[int(np.argmin(cost))])


def clips_nearest_pitch(
    table: pd.DataFrame, techniques, midi: float
) -> dict[str, int]:
    """For each technique, its clip nearest to ``midi`` (the first one on a
    tie).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per clip, with columns ``technique`` and ``midi``.
    techniques : sequence of str
        The techniques to show, in the order the result keeps.
    midi : float
        The pitch to match, e.g. :func:`common_pitch`.

    Returns
    -------
    dict
        Technique -> position (0-based row number, not index label) of its
        clip in ``table``; techniques without clips are left out.
    """
    pitches = table["midi"].to_numpy(dtype=float)
    played = table["technique"].to_numpy()
    chosen = {}
    for technique in techniques:
        rows = np.flatnonzero(played == technique)
        if len(rows):
            chosen[technique] = int(
                rows[np.argmin(np.abs(pitches[rows] - midi))]
            )
    return chosen


def seeded_subset(
    n_clips: int, limit: int | None, seed: int
) -> np.ndarray:
    """Indices of at most ``limit`` of ``n_clips`` clips, drawn with
    ``seed`` (all when ``limit`` is None).

    Used to test a subset of the clips at small presets (deletion curves,
    sanity checks, the audio-domain faithfulness test).

    Parameters
    ----------
    n_clips : int
        Number of clips.
    limit : int or None
        Largest subset; ``None`` keeps every clip.
    seed : int
        Seed of the draw.

    Returns
    -------
    numpy.ndarray of int
        Sorted clip indices.
    """
    if limit is None or n_clips <= limit:
        return np.arange(n_clips)
    return np.sort(
        np.random.default_rng(seed).choice(n_clips, limit, replace=False)
    )
