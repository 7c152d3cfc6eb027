"""The SOL 0.9 HQ / OrchideaSOL folder layout: file names, folder scan, and the 6:2:2 split.

Files live at ``<Family>/<Instrument>/<technique folder>/<file>.wav`` and their
names carry the labels, e.g. ``Bn-vib-A4-mf.wav``, ``Vn-trill-maj2-A#4-mf-2c.wav``,
``Vn+S-trem-A4-ff-4c.wav`` (``+S``: with mute).  The playing technique is read from
the name's tokens: ``vib`` (but not ``nonvib``), ``trill``, ``trem``, ``bisb`` and
``flatt`` give the five periodic modulation techniques of SOL-PMT.

The embedded corpus is written in this layout (:func:`sol_relative_path`) and read
back by :func:`scan_sol_folder`, the same code path as real SOL.  Used by the
chapters through :mod:`xaiaudio.data.tables`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import librosa
import pandas as pd

from xaiaudio.data.audio import MIN_SECONDS, AudioError, check_audio_file

#: The five periodic modulation techniques, in class-index order.
TECHNIQUES = ("vibrato", "trill", "tremolo", "bisbigliando", "flatterzunge")

#: File-name token of each technique (and of plain notes).
TECHNIQUE_TOKENS = {"vibrato": "vib", "trill": "trill", "tremolo": "trem",
                    "bisbigliando": "bisb", "flatterzunge": "flatt", "ordinario": "ord"}
_TOKEN_TECHNIQUES = {token: name for name, token in TECHNIQUE_TOKENS.items()} | {
    "ordinario": "ordinario", "nonvib": "non-vibrato"}

#: Class counts of SOL-PMT (SOL 0.9 HQ), per technique.
SOL_PMT_COUNTS = {"vibrato": 190, "trill": 1035, "tremolo": 2530, "bisbigliando": 286, "flatterzunge": 1523}

DYNAMICS = ("ppp", "pp", "p", "mp", "mf", "f", "ff", "fff")
_PITCH = re.compile(r"^([A-G]#?)(\d)$")
_INTERVAL = re.compile(r"^(maj|min)\d$")


def midi_to_note(midi: int) -> str:
    """SOL pitch name of a MIDI number (sharps, ASCII): 69 -> ``"A4"``, 70 -> ``"A#4"``."""
    return librosa.midi_to_note(int(midi), unicode=False)


def note_to_midi(note: str) -> int:
    """MIDI number of a SOL pitch name: ``"A#4"`` -> 70; ``ValueError`` for anything else."""
    if not _PITCH.match(note):
        raise ValueError(f"not a pitch name: {note!r}")
    return int(librosa.note_to_midi(note))


def sol_relative_path(family: str, instrument: str, technique: str, midi: int, dynamics: str,
                      interval: str | None = None, variant: str | None = None) -> PurePosixPath:
    """Where SOL keeps a note: ``Winds/Bn/vibrato/Bn-vib-A4-mf.wav``.

    ``interval`` (e.g. ``"maj2"``) follows the technique token as in SOL trill
    names; ``variant`` (e.g. ``"r2"``) is a trailing token that keeps names unique.
    """
    tokens = [instrument, TECHNIQUE_TOKENS[technique]]
    tokens += [interval] if interval else []
    tokens += [midi_to_note(midi), dynamics]
    tokens += [variant] if variant else []
    return PurePosixPath(family, instrument, technique, "-".join(tokens) + ".wav")


@dataclass(frozen=True)
class SolName:
    """The labels a SOL file name carries."""

    instrument: str
    mute: str | None
    technique: str
    midi: int
    dynamics: str | None


def parse_sol_name(file_name: str) -> SolName:
    """Parse a SOL file name; raise ``ValueError`` saying why when it does not fit the layout."""
    stem = Path(file_name).stem
    tokens = stem.split("-")
    pitch_positions = [i for i, token in enumerate(tokens) if _PITCH.match(token)]
    if len(tokens) < 3 or not pitch_positions:
        raise ValueError(f"no pitch token (like A#4) in {file_name!r}")
    pitch_at = pitch_positions[0]
    instrument, _, mute = tokens[0].partition("+")
    technique_tokens = [t for t in tokens[1:pitch_at] if not _INTERVAL.match(t)]
    known = [_TOKEN_TECHNIQUES[t] for t in technique_tokens if t in _TOKEN_TECHNIQUES]
    if len(set(known)) > 1:
        raise ValueError(f"several technique tokens in {file_name!r}: {sorted(set(known))}")
    if not known:
        found = "-".join(technique_tokens) or "none"
        raise ValueError(f"unknown technique token {found!r} in {file_name!r}")
    dynamics = next((t for t in tokens[pitch_at + 1:] if t in DYNAMICS), None)
    return SolName(instrument, mute or None, known[0], note_to_midi(tokens[pitch_at]), dynamics)


def scan_sol_folder(root, sample_rate: int, techniques=TECHNIQUES,
                    min_seconds: float = MIN_SECONDS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Find the usable files of a SOL folder.

    Returns ``(table, skipped)``.  ``table`` has one row per usable file (path,
    technique, instrument, mute, family, midi, dynamics, duration); ``skipped``
    has one row per other file (path, reason): names outside the layout, other
    techniques (``nonvib``, ``ordinario`` when not asked for), unknown tokens,
    and files :func:`~xaiaudio.data.audio.check_audio_file` refuses (unreadable,
    truncated, silent, too short, NaN).  ``techniques=None`` keeps every
    technique, ordinario included.  Every file under ``root`` is in one of the
    two tables, except the CSV files and cache manifest this package writes at the root.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"SOL folder not found: {root} "
                                "(set data_dir to a SOL 0.9HQ or OrchideaSOL folder)")
    rows, skipped = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.parent == root and (path.suffix == ".csv" or path.name == "MANIFEST.json"):
            continue  # the corpus metadata, saved splits and the cache manifest
        if path.name.startswith("."):
            skipped.append((str(path), "hidden file"))
            continue
        if path.suffix.lower() != ".wav":
            skipped.append((str(path), "not a .wav file"))
            continue
        try:
            name = parse_sol_name(path.name)
        except ValueError as error:
            skipped.append((str(path), str(error)))
            continue
        if techniques is not None and name.technique not in techniques:
            skipped.append((str(path), f"technique {name.technique!r} is not one of {', '.join(techniques)}"))
            continue
        try:
            duration = check_audio_file(path, sample_rate, min_seconds)
        except AudioError as error:
            skipped.append((str(path), error.reason))
            continue
        relative = path.relative_to(root).parts
        family = relative[0] if len(relative) >= 4 else ""
        rows.append({"path": str(path), "technique": name.technique, "instrument": name.instrument,
                     "mute": name.mute or "", "family": family, "midi": name.midi,
                     "dynamics": name.dynamics or "", "duration": duration})
    table = pd.DataFrame(rows, columns=["path", "technique", "instrument", "mute", "family",
                                        "midi", "dynamics", "duration"])
    if techniques is not None and table.empty:
        raise ValueError(f"no playing-technique files ({', '.join(techniques)}) found in {root}; "
                         f"{len(skipped)} files skipped")
    return table, pd.DataFrame(skipped, columns=["path", "reason"])


