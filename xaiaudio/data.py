"""The datasets every chapter uses: the embedded corpus or a real SOL folder, as one table.

:func:`load_pmt_dataset` gives the five-technique task of Wang et al. (chapters on
scattering, training and LRP); :func:`load_instrument_dataset` gives every note
labelled by instrument (the playable-prototypes chapter).  With ``data_dir=None``
the embedded corpus (:mod:`xaiaudio.synth`) is written once to the cache in the
SOL layout and read back by :func:`xaiaudio.sol.scan_sol_folder`, the code path
real SOL takes; its ground truth (f0, modulation rate, depth) is joined from the
``metadata.csv`` the generator writes beside the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xaiaudio import cache, sol
from xaiaudio.audio import load_clip
from xaiaudio.presets import Preset, RunConfig

GROUND_TRUTH_COLUMNS = ("f0", "rate_hz", "depth")

#: Modules whose source defines the embedded corpus: editing one regenerates it.
GENERATOR_MODULES = ("synth", "instruments", "techniques", "sol", "audio")


def _generator_sources() -> list[Path]:
    package = Path(__file__).parent
    return [package / f"{name}.py" for name in GENERATOR_MODULES if (package / f"{name}.py").is_file()]


def embedded_corpus_dir(preset: Preset, seed: int) -> Path:
    """The embedded corpus for ``preset`` and ``seed``, written in the SOL layout (cached)."""
    from xaiaudio import synth

    key = cache.content_key("embedded-corpus", preset, seed, *_generator_sources())
    return cache.cached_entry("corpus", key, lambda folder: synth.write_sol_tree(
        folder, synth.iter_corpus(preset.name, seed)))


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
        relative = sol.relative_paths(table, root)
        for column in GROUND_TRUTH_COLUMNS:
            table[column] = truth[column].reindex(relative).to_numpy(dtype=float)
    else:
        from xaiaudio.synth import midi_to_hz

        table["f0"] = midi_to_hz(table["midi"].to_numpy(dtype=float))
        table["rate_hz"] = np.nan
        table["depth"] = np.nan
    return table


def _assign_split(table, root, seed, fractions, by, split_csv) -> tuple[pd.Series, Path]:
    """Load ``split_csv`` if given, else compute the seeded split and save it in the cache."""
    if split_csv is not None:
        return sol.load_split_csv(table, root, split_csv), Path(split_csv)
    split = sol.split_table(table, seed, fractions, by)
    relative = sol.relative_paths(table, root)
    key = cache.content_key("split", relative, seed, fractions, by)
    entry = cache.cached_entry("splits", key, lambda folder: sol.save_split_csv(
        table.assign(split=split), root, folder / "split.csv"))
    return split, entry / "split.csv"


def _load(config: RunConfig, techniques, label_column, fractions, by, split_csv) -> SolDataset:
    root = Path(config.data_dir) if config.data_dir else embedded_corpus_dir(config.preset, config.seed)
    table, skipped = sol.scan_sol_folder(root, config.preset.sample_rate, techniques)
    table = _join_ground_truth(table, root)
    if label_column == "technique":
        classes = tuple(techniques)
    else:
        classes = tuple(sorted(table[label_column].unique()))
    table["label"] = table[label_column].map({name: index for index, name in enumerate(classes)})
    split, csv_path = _assign_split(table, root, config.seed, fractions, by, split_csv)
    table["split"] = split
    return SolDataset(table.reset_index(drop=True), skipped, root, config.preset, csv_path, classes)


def load_pmt_dataset(config: RunConfig, split_csv=None) -> SolDataset:
    """The periodic-modulation-technique task: five classes, split 6:2:2 per technique and instrument.

    ``config.data_dir`` is a SOL folder, or ``None`` for the embedded corpus.
    ``split_csv`` reuses a saved split instead of drawing one from ``config.seed``.
    """
    return _load(config, sol.TECHNIQUES, "technique", (0.6, 0.2, 0.2), ("technique", "instrument"), split_csv)


def load_instrument_dataset(config: RunConfig, split_csv=None) -> SolDataset:
    """Instrument identification: every note (ordinario and techniques), split 70/10/20 per instrument."""
    return _load(config, None, "instrument", (0.7, 0.1, 0.2), ("instrument",), split_csv)
