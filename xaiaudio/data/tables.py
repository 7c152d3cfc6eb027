"""A SOL-layout folder as one table: one row per usable file, labels,
split, ground truth.

:func:`load_sol_table` scans a folder with
:func:`xaiaudio.data.sol.scan_sol_folder` (skipped files are reported,
never dropped silently), labels each row, joins the ground truth (f0,
modulation rate, depth) from the ``metadata.csv`` the embedded corpus
writes beside its files, and splits it (:mod:`xaiaudio.data.splits`). The
chapters call it through :mod:`xaiaudio.experiments.datasets`, with a
reader's folder or the embedded corpus: chapters "Listening to playing
techniques" (``book/listening.md``), "The scattering transform"
(``book/scattering.md``), "Training the convnet" (``book/training.md``),
"Comparing LRP rules" (``book/lrp_rules.md``), "Class-wise aggregation"
(``book/aggregation.md``) and "Playable prototypes"
(``book/prototypes.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import pandas as pd

from xaiaudio.core import cache
from xaiaudio.core.presets import Preset
from xaiaudio.data import sol, splits
from xaiaudio.data.audio import load_clip

#: Ground-truth columns joined from ``metadata.csv``: f0 (Hz), modulation
#: rate (Hz), depth (unit per technique, see
#: :data:`xaiaudio.synth.techniques.DEPTH_UNITS`).
GROUND_TRUTH_COLUMNS = ("f0", "rate_hz", "depth")


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
    """

    table: pd.DataFrame
    skipped: pd.DataFrame
    root: Path
    preset: Preset
    split_csv: Path
    classes: tuple[str, ...]

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


def _join_ground_truth(table: pd.DataFrame, root: Path) -> pd.DataFrame:
    """Add f0 / rate_hz / depth from ``root/metadata.csv`` when present,
    NaN otherwise."""
    table = table.copy()
    metadata_csv = root / "metadata.csv"
    if metadata_csv.is_file():
        truth = pd.read_csv(metadata_csv).set_index("path")
        relative = splits.relative_paths(table, root)
        for column in GROUND_TRUTH_COLUMNS:
            table[column] = (
                truth[column].reindex(relative).to_numpy(dtype=float)
            )
    else:
        table["f0"] = librosa.midi_to_hz(
            table["midi"].to_numpy(dtype=float)
        )
        table["rate_hz"] = np.nan
        table["depth"] = np.nan
    return table


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
) -> SolDataset:
    """Scan a SOL-layout folder into a labelled, split :class:`SolDataset`.

    Labels follow ``label_column``. A drawn split is saved as a CSV in the
    cache (namespace ``splits``, keyed by the file list, seed, fractions
    and strata); its path is ``dataset.split_csv``, which can be passed
    back as ``split_csv``. Used, through
    :mod:`xaiaudio.experiments.datasets`, by chapters "Listening to playing
    techniques" (``book/listening.md``), "The scattering transform"
    (``book/scattering.md``), "Training the convnet"
    (``book/training.md``), "Comparing LRP rules" (``book/lrp_rules.md``),
    "Class-wise aggregation" (``book/aggregation.md``) and "Playable
    prototypes" (``book/prototypes.md``).

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
    ValueError
        When no file of ``techniques`` is usable, or ``split_csv`` does not
        list exactly the folder's usable files.
    """
    root = Path(root)
    table, skipped = sol.scan_sol_folder(
        root, preset.sample_rate, techniques
    )
    table = _join_ground_truth(table, root)
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
    )
