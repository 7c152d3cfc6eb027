"""The SOL 0.9 HQ / OrchideaSOL folder layout: file names and the folder
scan.

Files live at ``<Family>/<Instrument>/<technique folder>/<file>.wav`` and
their names carry the labels, e.g. ``Bn-vib-A4-mf.wav``,
``Vn-trill-maj2-A#4-mf-2c.wav``, ``Vn+S-trem-A4-ff-4c.wav`` (``+S``: with
mute). The playing technique is read from the name's tokens: ``vib`` (but
not ``nonvib``), ``trill``, ``trem``, ``bisb`` and ``flatt`` give the five
periodic modulation techniques of SOL-PMT.

The embedded corpus is written in this layout (:func:`sol_relative_path`)
and read back by :func:`scan_sol_folder`, the same code path as real SOL;
:mod:`xaiaudio.data.tables` builds its labelled table on the scan. The
6:2:2 split of the scanned files is in :mod:`xaiaudio.data.splits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import librosa
import pandas as pd

from xaiaudio.data.audio import MIN_SECONDS, AudioError, check_audio_file

#: The five periodic modulation techniques, in class-index order.
TECHNIQUES = (
    "vibrato",
    "trill",
    "tremolo",
    "bisbigliando",
    "flatterzunge",
)

#: File-name token of each technique (and of plain notes, ``"ordinario"``).
TECHNIQUE_TOKENS = {
    "vibrato": "vib",
    "trill": "trill",
    "tremolo": "trem",
    "bisbigliando": "bisb",
    "flatterzunge": "flatt",
    "ordinario": "ord",
}
_TOKEN_TECHNIQUES = {
    token: name for name, token in TECHNIQUE_TOKENS.items()
} | {"ordinario": "ordinario", "nonvib": "non-vibrato"}

#: Where a SOL file lives, relative to the dataset folder.
SOL_LAYOUT = "<Family>/<Instrument>/<technique folder>/<file>.wav"
#: How a SOL file is named (:func:`parse_sol_name` reads it).
SOL_NAME_PATTERN = (
    "<Instrument>[+<mute>]-<technique token>[-<interval>]-<pitch>"
    "[-<dynamics>][-<other tokens>].wav"
)

#: Dynamics tokens a SOL file name may carry, softest first.
DYNAMICS = ("ppp", "pp", "p", "mp", "mf", "f", "ff", "fff")
_PITCH = re.compile(r"^([A-G]#?)(\d)$")
_INTERVAL = re.compile(r"^(maj|min)\d$")


class SolFolderError(ValueError):
    """A SOL-layout folder without a single usable file.

    A subclass of ``ValueError``; the message names the folder, the
    layout and file-name pattern expected, and what was found (the count
    of skipped files per reason, with examples). Raised by
    :func:`scan_sol_folder` before anything is trained.
    """


def midi_to_note(midi: int) -> str:
    """SOL pitch name of a MIDI number (sharps, ASCII): 69 -> ``"A4"``, 70
    -> ``"A#4"``.

    Used by :func:`sol_relative_path` to name the embedded corpus's files.

    Parameters
    ----------
    midi : int
        MIDI note number (69 = A4 = 440 Hz; SOL spans 25..107, C#1..B7).

    Returns
    -------
    str
        Note letter, optional ``#`` and octave, e.g. ``"C#1"``.
    """
    return librosa.midi_to_note(int(midi), unicode=False)


def note_to_midi(note: str) -> int:
    """MIDI number of a SOL pitch name: ``"A#4"`` -> 70; ``ValueError`` for
    anything else.

    Used by :func:`parse_sol_name`.

    Parameters
    ----------
    note : str
        A letter ``A``..``G``, an optional ``#`` (SOL names use sharps
        only) and a one-digit octave.

    Returns
    -------
    int
        MIDI note number.

    Raises
    ------
    ValueError
        For anything else (flats, Unicode sharps, cents, two-digit or
        negative octaves...).
    """
    if not _PITCH.match(note):
        raise ValueError(f"not a pitch name: {note!r}")
    return int(librosa.note_to_midi(note))


def sol_relative_path(
    family: str,
    instrument: str,
    technique: str,
    midi: int,
    dynamics: str,
    interval: str | None = None,
    variant: str | None = None,
) -> PurePosixPath:
    """Where SOL keeps a note: ``Winds/Bn/vibrato/Bn-vib-A4-mf.wav``.

    The embedded corpus's files are named with it.

    ``interval`` (e.g. ``"maj2"``) follows the technique token as in SOL
    trill names; ``variant`` (e.g. ``"r2"``) is a trailing token that keeps
    names unique. :func:`parse_sol_name` reads every such name back. Used
    by :func:`xaiaudio.synth.corpus.iter_corpus` to name the embedded
    corpus's files.

    Parameters
    ----------
    family : str
        Instrument family folder (``"Winds"``, ``"Brass"``, ``"Strings"``,
        ``"PluckedStrings"``, ``"Keyboards"``).
    instrument : str
        SOL abbreviation (``"Bn"``, ``"Vn"``...).
    technique : str
        A key of :data:`TECHNIQUE_TOKENS` (the five techniques or
        ``"ordinario"``); also the technique folder's name.
    midi : int
        MIDI pitch, written as a pitch name (:func:`midi_to_note`).
    dynamics : str
        Dynamics token (``"pp"``, ``"mf"``, ``"ff"``...).
    interval, variant : str, optional
        Extra tokens, see above.

    Returns
    -------
        pathlib.PurePosixPath
        ``<family>/<instrument>/<technique>/<name>.wav`` relative to the
        corpus root, where ``<name>`` is
        ``<instrument>-<token>[-<interval>]-<pitch>-<dynamics>[-<variant>]``.

    Raises
    ------
    KeyError
        For a technique that is not a key of :data:`TECHNIQUE_TOKENS`.
    """
    tokens = [instrument, TECHNIQUE_TOKENS[technique]]
    tokens += [interval] if interval else []
    tokens += [midi_to_note(midi), dynamics]
    tokens += [variant] if variant else []
    return PurePosixPath(
        family, instrument, technique, "-".join(tokens) + ".wav"
    )


@dataclass(frozen=True)
class SolName:
    """The labels a SOL file name carries (made by :func:`parse_sol_name`).

    Attributes
    ----------
    instrument : str
        SOL abbreviation, e.g. ``"Vn"``.
    mute : str or None
        The mute token after ``+`` (``"S"`` in ``Vn+S-...``), or ``None``.
    technique : str
        One of :data:`TECHNIQUES`, ``"ordinario"`` or ``"non-vibrato"``.
    midi : int
        MIDI pitch of the note.
    dynamics : str or None
        One of :data:`DYNAMICS`, or ``None`` when the name has none.
    """

    instrument: str
    mute: str | None
    technique: str
    midi: int
    dynamics: str | None


def parse_sol_name(file_name: str) -> SolName:
    """Parse a SOL file name; raise ``ValueError`` saying why when it does
    not fit the layout.

    The name's tokens (separated by ``-``) are: instrument (with an
    optional ``+mute``), technique token(s), an optional interval
    (``maj2``, ``min2``...), the pitch, then optional dynamics and other
    tokens. Only the stem is read; folders are ignored.
    :func:`scan_sol_folder` calls it for every file.

    Parameters
    ----------
    file_name : str
        A file name such as ``"Vn+S-trem-A4-ff-4c.wav"`` (a path is
        accepted too).

    Returns
    -------
    SolName

    Raises
    ------
    ValueError
        When there is no pitch token (like ``A#4``), when no known
        technique token precedes the pitch, or when several different
        techniques do.
    """
    stem = Path(file_name).stem
    tokens = stem.split("-")
    pitch_positions = [
        i for i, token in enumerate(tokens) if _PITCH.match(token)
    ]
    if len(tokens) < 3 or not pitch_positions:
        raise ValueError(f"no pitch token (like A#4) in {file_name!r}")
    pitch_at = pitch_positions[0]
    instrument, _, mute = tokens[0].partition("+")
    technique_tokens = [
        t for t in tokens[1:pitch_at] if not _INTERVAL.match(t)
    ]
    known = [
        _TOKEN_TECHNIQUES[t]
        for t in technique_tokens
        if t in _TOKEN_TECHNIQUES
    ]
    if len(set(known)) > 1:
        raise ValueError(
            f"several technique tokens in {file_name!r}: "
            f"{sorted(set(known))}"
        )
    if not known:
        found = "-".join(technique_tokens) or "none"
        raise ValueError(
            f"unknown technique token {found!r} in {file_name!r}"
        )
    dynamics = next(
        (t for t in tokens[pitch_at + 1 :] if t in DYNAMICS), None
    )
    return SolName(
        instrument,
        mute or None,
        known[0],
        note_to_midi(tokens[pitch_at]),
        dynamics,
    )


def scan_sol_folder(
    root,
    sample_rate: int,
    techniques=TECHNIQUES,
    min_seconds: float = MIN_SECONDS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Find the usable files of a SOL folder.

    Returns ``(table, skipped)``. ``table`` has one row per usable file
    (path, technique, instrument, mute, family, midi, dynamics, duration);
    ``skipped`` has one row per other file (path, reason): names outside
    the layout, other techniques (``nonvib``, ``ordinario`` when not asked
    for), unknown tokens, and files
    :func:`~xaiaudio.data.audio.check_audio_file` refuses (unreadable,
    truncated, silent, too short, NaN, a link to a missing file).
    ``techniques=None`` keeps every technique, ordinario and non-vibrato
    included. Every file under ``root`` is in one of the two tables, except
    the CSV files and cache manifest this package writes at the root. Every
    file whose name fits is read once (to check it), so a scan of real SOL
    takes a while; a folder in another layout fails at the names, without
    reading audio. Called by :func:`xaiaudio.data.tables.load_sol_table`.

    Parameters
    ----------
    root : str or pathlib.Path
        A SOL 0.9 HQ / OrchideaSOL folder, or the embedded corpus.
    sample_rate : int
        Rate at which files are read and checked, Hz (the preset's).
    techniques : sequence of str or None
        Keep only these techniques (default :data:`TECHNIQUES`); ``None``
        keeps every note.
    min_seconds : float
        Shortest accepted duration, seconds.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``path`` (str, absolute as given), ``technique``,
        ``instrument``, ``mute`` (``""`` when none), ``family`` (the top
        folder, ``""`` for a file fewer than three folders deep), ``midi``
        (int), ``dynamics`` (``""`` when none), ``duration`` (seconds), in
        sorted path order.
    skipped : pandas.DataFrame
        Columns ``path`` and ``reason``.

    Raises
    ------
    FileNotFoundError
        When ``root`` is not a folder.
    SolFolderError
        When no file is usable (a ``ValueError``; the message says what
        was expected and what was found).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"SOL folder not found: {root} "
            "(set data_dir to a SOL 0.9HQ or OrchideaSOL folder)"
        )
    rows, skipped = [], []
    # a link to a missing file is an unreadable file, not an absent one
    files = (
        p
        for p in root.rglob("*")
        if p.is_file() or (p.is_symlink() and not p.exists())
    )
    for path in sorted(files):
        if path.parent == root and (
            path.suffix == ".csv" or path.name == "MANIFEST.json"
        ):
            # the corpus metadata, saved splits and the cache manifest
            continue
        if path.name.startswith("."):
            skipped.append((str(path), "hidden file", "hidden file"))
            continue
        if path.suffix.lower() != ".wav":
            skipped.append(
                (str(path), "not a .wav file", "not a .wav file")
            )
            continue
        try:
            name = parse_sol_name(path.name)
        except ValueError as error:
            skipped.append(
                (str(path), str(error), "name outside the pattern")
            )
            continue
        if techniques is not None and name.technique not in techniques:
            skipped.append(
                (
                    str(path),
                    f"technique {name.technique!r} is not one of "
                    f"{', '.join(techniques)}",
                    "another technique",
                )
            )
            continue
        try:
            duration = check_audio_file(path, sample_rate, min_seconds)
        except AudioError as error:
            skipped.append((str(path), error.reason, "audio file refused"))
            continue
        relative = path.relative_to(root).parts
        family = relative[0] if len(relative) >= 4 else ""
        rows.append(
            {
                "path": str(path),
                "technique": name.technique,
                "instrument": name.instrument,
                "mute": name.mute or "",
                "family": family,
                "midi": name.midi,
                "dynamics": name.dynamics or "",
                "duration": duration,
            }
        )
    if not rows:
        raise SolFolderError(_nothing_usable(root, techniques, skipped))
    table = pd.DataFrame(rows)
    skipped = pd.DataFrame(
        [(path, reason) for path, reason, _ in skipped],
        columns=["path", "reason"],
    )
    return table, skipped


def _nothing_usable(root: Path, techniques, skipped) -> str:
    """The message of a scan that found no usable file: the folder, what
    was expected, what was found."""
    if techniques is None:
        what = "usable SOL file"
        tokens = list(TECHNIQUE_TOKENS.values())
    else:
        what = f"playing-technique files ({', '.join(techniques)})"
        tokens = [TECHNIQUE_TOKENS[t] for t in techniques]
    examples = {}
    for path, _, kind in skipped:
        examples.setdefault(kind, []).append(
            Path(path).relative_to(root).as_posix()
        )
    found = [
        f"  {len(paths)} {kind}, e.g. {', '.join(paths[:3])}"
        for kind, paths in sorted(
            examples.items(), key=lambda item: -len(item[1])
        )
    ] or ["  no file at all"]
    return "\n".join(
        [
            f"no {what} in {root}.",
            f"Expected the SOL layout {SOL_LAYOUT} with file names "
            f"{SOL_NAME_PATTERN}, e.g. Bn-vib-A4-mf.wav, where the "
            f"technique token is one of {', '.join(tokens)} and the "
            "pitch a note such as A#4.",
            f"Found {len(skipped)} file(s), none usable:",
            *found,
        ]
    )
