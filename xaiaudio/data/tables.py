"""A SOL-layout folder as one table: one row per usable file, labels,
split, ground truth.

:func:`load_sol_table` scans a folder with
:func:`xaiaudio.data.sol.scan_sol_folder` (skipped files are reported,
never dropped silently), labels each row, joins the ground truth (f0,
modulation rate, depth) from the ``metadata.csv`` the embedded corpus
writes beside its files, and splits it (:mod:`xaiaudio.data.splits`). The
chapters call it through :mod:`xaiaudio.experiments.datasets`, with a
reader's folder or the embedded corpus.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import librosa
import numpy as np
import pandas as pd

from xaiaudio.core import cache
from xaiaudio.core.presets import Preset
from xaiaudio.data import sol, splits
from xaiaudio.data.audio import load_clip, load_note

#: Ground-truth columns joined from ``metadata.csv``: f0 (Hz), modulation
#: rate (Hz), depth (unit per technique, see
#: :data:`xaiaudio.synth.technique_physics.DEPTH_UNITS`).
GROUND_TRUTH_COLUMNS = ("f0", "rate_hz", "depth")


def _no_mismatch() -> pd.DataFrame:
    return pd.DataFrame(columns=["path", "reason"])


@dataclass
class SolDataset:
    """A scanned SOL-layout folder: one row per usable file, plus what was
    skipped and why.

    Made by :func:`load_sol_table`; what the chapters get from
    :func:`xaiaudio.experiments.datasets.load_pmt_dataset` and
    :func:`xaiaudio.experiments.datasets.load_instrument_dataset`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per usable file (index ``0..n-1``): the columns of
        :func:`xaiaudio.data.sol.scan_sol_folder` plus ``f0``, ``rate_hz``,
        ``depth`` (:data:`GROUND_TRUTH_COLUMNS`), ``label`` (int class
        index) and ``split``.
    skipped : pandas.DataFrame
        Columns ``path`` and ``reason``: every other file of the folder.
    root : pathlib.Path
        The folder.
    preset : Preset
        Sample rate and clip length of :meth:`load_audio`.
    split_csv : pathlib.Path
        Where the split is saved (the cache, or the ``split_csv`` that was
        passed).
    classes : tuple of str
        Class names in label order.
    metadata_mismatches : pandas.DataFrame
        Columns ``path`` and ``reason``: where ``metadata.csv`` and the
        audio files disagree (a usable file without a row, whose ground
        truth is NaN; a row naming no audio file); empty when they agree
        or there is no ``metadata.csv``.
    """

    table: pd.DataFrame
    skipped: pd.DataFrame
    root: Path
    preset: Preset
    split_csv: Path
    classes: tuple[str, ...]
    metadata_mismatches: pd.DataFrame = field(default_factory=_no_mismatch)

    def load_audio(self, row: int) -> np.ndarray:
        """Standardised clip of ``table`` row ``row`` at the preset's rate
        and length.

        Parameters
        ----------
        row : int
            Position in ``table`` (``iloc``).

        Returns
        -------
        numpy.ndarray
            float32, shape ``(preset.clip_samples,)``, from
            :func:`xaiaudio.data.audio.load_clip`.

        Raises
        ------
        xaiaudio.data.audio.AudioError
            When the file has become unreadable since the scan.
        """
        return load_clip(self.table["path"].iloc[row], self.preset)

    def load_note(self, row: int) -> np.ndarray:
        """The whole note of ``table`` row ``row``, its digital silence
        trimmed, at the preset's rate and any length
        (:func:`xaiaudio.data.audio.load_note`).

        Raises
        ------
        xaiaudio.data.audio.AudioError
            When the file has become unreadable since the scan, or is
            silent.
        """
        return load_note(self.table["path"].iloc[row], self.preset)

    def split(self, name: str) -> pd.DataFrame:
        """The rows of split ``name`` (``"train"``, ``"val"`` or
        ``"test"``).

        Parameters
        ----------
        name : str
            The split.

        Returns
        -------
        pandas.DataFrame
            A view of ``table``'s rows with that split, original index kept
            (empty for an unknown name).
        """
        return self.table[self.table["split"] == name]


def read_metadata(metadata_csv) -> pd.DataFrame:
    """The ground truth of ``metadata.csv``, indexed by relative path, or
    a ``ValueError`` naming the file and what is wrong with it.

    Called by :func:`load_sol_table` when the folder has a
    ``metadata.csv`` (the embedded corpus writes one).

    Parameters
    ----------
    metadata_csv : str or pathlib.Path
        A CSV with a ``path`` column (POSIX paths relative to its folder)
        and the :data:`GROUND_TRUTH_COLUMNS`; other columns are ignored.

    Returns
    -------
    pandas.DataFrame
        The :data:`GROUND_TRUTH_COLUMNS` as floats, indexed by ``path``.

    Raises
    ------
    ValueError
        When the file is not a CSV, lacks an expected column (the message
        lists the columns expected and found), lists a path twice or holds
        a ground-truth value that is not a number.
    """
    try:
        truth = pd.read_csv(metadata_csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(
            f"{metadata_csv} is not a readable CSV: {error}"
        ) from None
    expected = ["path", *GROUND_TRUTH_COLUMNS]
    missing = [name for name in expected if name not in truth.columns]
    if missing:
        raise ValueError(
            f"{metadata_csv} lacks the column(s) {', '.join(missing)}: "
            f"expected {', '.join(expected)}, found "
            f"{', '.join(map(str, truth.columns))}"
        )
    repeated = truth["path"][truth["path"].duplicated()]
    if len(repeated):
        raise ValueError(
            f"{metadata_csv} lists {len(repeated)} path(s) twice, e.g. "
            f"{repeated.iloc[0]}"
        )
    try:
        return (
            truth[list(GROUND_TRUTH_COLUMNS)]
            .astype(float)
            .set_index(truth["path"])
        )
    except ValueError as error:
        raise ValueError(
            f"{metadata_csv}: columns {', '.join(GROUND_TRUTH_COLUMNS)} "
            f"must hold numbers ({error})"
        ) from None


def _join_ground_truth(
    table: pd.DataFrame, root: Path, strict: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add f0 / rate_hz / depth from ``root/metadata.csv`` when present
    (f0 from the pitch and NaN otherwise), with the rows and files that
    do not match."""
    table = table.copy()
    metadata_csv = root / "metadata.csv"
    if not metadata_csv.is_file():
        table["f0"] = librosa.midi_to_hz(
            table["midi"].to_numpy(dtype=float)
        )
        table["rate_hz"] = np.nan
        table["depth"] = np.nan
        return table, _no_mismatch()
    truth = read_metadata(metadata_csv)
    relative = splits.relative_paths(table, root)
    unlisted = [
        (path, "no row in metadata.csv: ground truth is NaN")
        for path, name in zip(table["path"], relative)
        if name not in truth.index
    ]
    if len(unlisted) == len(table):
        raise ValueError(
            f"{metadata_csv} names none of the {len(table)} usable audio "
            f"files of {root}: its paths (e.g. {truth.index[0]}) must be "
            f"relative to that folder, like {relative[0]}"
        )
    # a row of a file the scan skipped (another technique) is no mismatch
    absent = [
        (str(root / name), "listed in metadata.csv, no such audio file")
        for name in truth.index
        if not (root / name).is_file()
    ]
    mismatches = pd.DataFrame(
        unlisted + absent, columns=["path", "reason"]
    )
    if len(mismatches):
        message = (
            f"{metadata_csv} and the audio files of {root} disagree: "
            f"{len(unlisted)} usable file(s) without a row (ground truth "
            f"NaN), {len(absent)} row(s) naming no audio file, e.g. "
            f"{mismatches['path'].iloc[0]}"
        )
        if strict:
            raise ValueError(
                f"{message}; fix the file, or pass strict=False to load "
                "what matches"
            )
        warnings.warn(
            f"{message}; listed in dataset.metadata_mismatches",
            stacklevel=3,
        )
    for column in GROUND_TRUTH_COLUMNS:
        table[column] = truth[column].reindex(relative).to_numpy()
    return table, mismatches


def _assign_split(
    table, root, seed, fractions, by, split_csv
) -> tuple[pd.Series, Path]:
    """Load ``split_csv`` if given, else compute the seeded split and
    save it in the cache."""
    if split_csv is not None:
        return splits.load_split_csv(table, root, split_csv), Path(
            split_csv
        )
    split = splits.split_table(table, seed, fractions, by)
    relative = splits.relative_paths(table, root)
    key = cache.content_key("split", relative, seed, fractions, by)
    entry = cache.cached_entry(
        "splits",
        key,
        lambda folder: splits.save_split_csv(
            table.assign(split=split), root, folder / "split.csv"
        ),
    )
    return split, entry / "split.csv"


def load_sol_table(
    root,
    preset: Preset,
    seed: int,
    techniques,
    label_column: str,
    fractions,
    by,
    split_csv=None,
    strict: bool = True,
) -> SolDataset:
    """Scan a SOL-layout folder into a labelled, split :class:`SolDataset`.

    Labels follow ``label_column``. A drawn split is saved as a CSV in the
    cache (namespace ``splits``, keyed by the file list, seed, fractions
    and strata); its path is ``dataset.split_csv``, which can be passed
    back as ``split_csv``. Called by :mod:`xaiaudio.experiments.datasets`.

    Parameters
    ----------
    root : str or pathlib.Path
        A SOL 0.9 HQ / OrchideaSOL folder, or the embedded corpus written
        in that layout.
    preset : Preset
        Sample rate (Hz) at which files are checked and read, and clip
        length (samples) of :meth:`SolDataset.load_audio`.
    seed : int
        Seed of the split (ignored when ``split_csv`` is given).
    techniques : sequence of str or None
        Keep only these techniques (``None``: every note).
    label_column : str
        ``"technique"`` (labels in the order of ``techniques``, which must
        then be given) or a column whose sorted values are the classes
        (``"instrument"``).
    fractions, by
        Split fractions and stratification columns of
        :func:`xaiaudio.data.splits.split_table`.
    split_csv : str or pathlib.Path, optional
        Reuse a saved split (:func:`xaiaudio.data.splits.save_split_csv`)
        instead of drawing one.
    strict : bool
        When ``metadata.csv`` and the audio files disagree, raise (True)
        or join what matches, warn and list the rest in
        ``dataset.metadata_mismatches`` (False). Files the scan cannot use
        (unreadable, other layouts) are skipped and listed in
        ``dataset.skipped`` either way.

    Returns
    -------
    SolDataset
        Ground truth (f0, rate_hz, depth) is joined from
        ``root/metadata.csv`` when the folder has one (the embedded
        corpus); on real SOL, f0 comes from the file name and the rest is
        NaN.

    Raises
    ------
    FileNotFoundError
        When ``root`` is not a folder.
    xaiaudio.data.sol.SolFolderError
        When no file is usable (a ``ValueError`` saying what was expected
        and found).
    ValueError
        When ``metadata.csv`` is malformed (:func:`read_metadata`), names
        none of the usable files, or (``strict``) disagrees with them; when
        ``split_csv`` does not list exactly the folder's usable files.
    """
    root = Path(root)
    table, skipped = sol.scan_sol_folder(
        root, preset.sample_rate, techniques
    )
    table, mismatches = _join_ground_truth(table, root, strict)
    if label_column == "technique":
        classes = tuple(techniques)
    else:
        classes = tuple(sorted(table[label_column].unique()))
    table["label"] = table[label_column].map(
        {name: index for index, name in enumerate(classes)}
    )
    split, csv_path = _assign_split(
        table, root, seed, fractions, by, split_csv
    )
    table["split"] = split
    return SolDataset(
        table.reset_index(drop=True),
        skipped,
        root,
        preset,
        csv_path,
        classes,
        mismatches,
    )
