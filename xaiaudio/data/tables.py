"""A SOL-layout folder as one table: one row per usable file, labels, split, ground truth.

:func:`load_sol_table` scans a folder with :func:`xaiaudio.data.sol.scan_sol_folder`
(skipped files are reported, never dropped silently), labels each row, joins the ground
truth (f0, modulation rate, depth) from the ``metadata.csv`` the embedded corpus writes
beside its files, and splits it (:mod:`xaiaudio.data.splits`).  The chapters call it through
:mod:`xaiaudio.experiments.datasets`, with a reader's folder or the embedded corpus.
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

GROUND_TRUTH_COLUMNS = ("f0", "rate_hz", "depth")


@dataclass
class SolDataset:
    """A scanned SOL-layout folder: one row per usable file, plus what was skipped and why."""

    table: pd.DataFrame
    skipped: pd.DataFrame
    root: Path
    preset: Preset
    split_csv: Path
    classes: tuple[str, ...]

    def load_audio(self, row: int) -> np.ndarray:
        """Standardised clip of ``table`` row ``row`` at the preset's rate and length."""
        return load_clip(self.table["path"].iloc[row], self.preset)

    def split(self, name: str) -> pd.DataFrame:
        """The rows of split ``name`` (``"train"``, ``"val"`` or ``"test"``)."""
        return self.table[self.table["split"] == name]


def _join_ground_truth(table: pd.DataFrame, root: Path) -> pd.DataFrame:
    """Add f0 / rate_hz / depth from ``root/metadata.csv`` when present, NaN otherwise."""
    table = table.copy()
    metadata_csv = root / "metadata.csv"
    if metadata_csv.is_file():
        truth = pd.read_csv(metadata_csv).set_index("path")
        relative = splits.relative_paths(table, root)
        for column in GROUND_TRUTH_COLUMNS:
            table[column] = truth[column].reindex(relative).to_numpy(dtype=float)
    else:
        table["f0"] = librosa.midi_to_hz(table["midi"].to_numpy(dtype=float))
        table["rate_hz"] = np.nan
        table["depth"] = np.nan
    return table


def _assign_split(table, root, seed, fractions, by, split_csv) -> tuple[pd.Series, Path]:
    """Load ``split_csv`` if given, else compute the seeded split and save it in the cache."""
    if split_csv is not None:
        return splits.load_split_csv(table, root, split_csv), Path(split_csv)
    split = splits.split_table(table, seed, fractions, by)
    relative = splits.relative_paths(table, root)
    key = cache.content_key("split", relative, seed, fractions, by)
    entry = cache.cached_entry("splits", key, lambda folder: splits.save_split_csv(
        table.assign(split=split), root, folder / "split.csv"))
    return split, entry / "split.csv"


def load_sol_table(root, preset: Preset, seed: int, techniques, label_column: str, fractions, by,
                   split_csv=None) -> SolDataset:
    """Scan a SOL-layout folder into a labelled, split :class:`SolDataset`.

    Parameters
    ----------
    root : path
        A SOL 0.9 HQ / OrchideaSOL folder, or the embedded corpus written in that layout.
    preset : Preset
        Sample rate at which files are checked and read.
    seed : int
        Seed of the split (ignored when ``split_csv`` is given).
    techniques : sequence of str or None
        Keep only these techniques (``None``: every note).
    label_column : str
        ``"technique"`` (labels in the order of ``techniques``) or a column whose sorted values
        are the classes (``"instrument"``).
    fractions, by
        Split fractions and stratification columns of :func:`xaiaudio.data.splits.split_table`.
    split_csv : path, optional
        Reuse a saved split instead of drawing one.

    Returns
    -------
    SolDataset
        Ground truth (f0, rate_hz, depth) is joined from ``root/metadata.csv`` when the folder
        has one (the embedded corpus); on real SOL, f0 comes from the file name and the rest is NaN.
        Chapters "Listening to playing techniques" onward, through :mod:`xaiaudio.experiments.datasets`.
    """
    root = Path(root)
    table, skipped = sol.scan_sol_folder(root, preset.sample_rate, techniques)
    table = _join_ground_truth(table, root)
    if label_column == "technique":
        classes = tuple(techniques)
    else:
        classes = tuple(sorted(table[label_column].unique()))
    table["label"] = table[label_column].map({name: index for index, name in enumerate(classes)})
    split, csv_path = _assign_split(table, root, seed, fractions, by, split_csv)
    table["split"] = split
    return SolDataset(table.reset_index(drop=True), skipped, root, preset, csv_path, classes)


