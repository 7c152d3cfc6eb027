"""The dataset tables on the embedded corpus, read through the SOL loader like real SOL."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from broken_files import write_awkward_files

from xaiaudio.core.presets import setup
from xaiaudio.data import sol
from xaiaudio.experiments.datasets import load_instrument_dataset, load_pmt_dataset
from xaiaudio.synth import corpus


@pytest.fixture(scope="module")
def smoke_dataset(tmp_path_factory):
    import os

    os.environ["XAIAUDIO_CACHE"] = str(tmp_path_factory.mktemp("data-cache"))
    return load_pmt_dataset(setup("smoke"))


def test_every_corpus_file_is_used_or_reported(smoke_dataset):
    on_disk = {str(p) for p in smoke_dataset.root.rglob("*.wav")}
    assert set(smoke_dataset.table["path"]) | set(smoke_dataset.skipped["path"]) == on_disk
    assert set(smoke_dataset.table["technique"]) == set(sol.TECHNIQUES)
    counts = smoke_dataset.table["technique"].value_counts().to_dict()
    assert counts == {t: n for t, n in corpus.CORPUS_SIZES["smoke"].items() if t in sol.TECHNIQUES}


def test_ground_truth_is_joined(smoke_dataset):
    table = smoke_dataset.table
    assert table[["f0", "rate_hz", "depth"]].notna().all().all()
    np.testing.assert_allclose(table["f0"], 440 * 2 ** ((table["midi"] - 69) / 12), rtol=1e-6)


def test_split_proportions_and_disjointness(smoke_dataset):
    table = smoke_dataset.table
    assert set(table["split"]) == {"train", "val", "test"}
    parts = {name: set(table.loc[table["split"] == name, "path"]) for name in ("train", "val", "test")}
    for a, b in itertools.combinations(parts.values(), 2):
        assert not a & b
    for technique, rows in table.groupby("technique"):
        shares = rows["split"].value_counts(normalize=True)
        assert abs(shares.get("train", 0) - 0.6) <= 1.5 / len(rows) + 0.05, technique
        assert rows["split"].eq("test").any(), f"no {technique} clip in the test split"
    for _, rows in table.groupby(["technique", "instrument"]):
        counts = rows["split"].value_counts()
        assert abs(counts.get("train", 0) - 0.6 * len(rows)) <= 1.0 + 1e-9


def test_split_is_saved_and_reloaded(smoke_dataset):
    reloaded = load_pmt_dataset(setup("smoke"), split_csv=smoke_dataset.split_csv)
    pd.testing.assert_series_equal(reloaded.table["split"], smoke_dataset.table["split"])
    again = load_pmt_dataset(setup("smoke"))
    pd.testing.assert_series_equal(again.table["split"], smoke_dataset.table["split"])


def test_audio_rows_load_at_preset_length(smoke_dataset):
    clip = smoke_dataset.load_audio(0)
    assert clip.shape == (smoke_dataset.preset.clip_samples,) and np.isfinite(clip).all()


def test_generated_tree_with_distractors_through_the_sol_loader(tmp_path):
    clips = list(itertools.islice(corpus.iter_corpus("smoke", seed=1), 12))
    corpus.write_sol_tree(tmp_path, clips)
    expected = write_awkward_files(tmp_path / "Winds" / "Bn" / "vibrato", 22050)
    table, skipped = sol.scan_sol_folder(tmp_path, 22050)
    reasons = dict(zip(skipped["path"].map(lambda p: Path(p).name), skipped["reason"]))
    for name, reason in expected.items():
        if reason is None:
            assert name in set(table["path"].map(lambda p: Path(p).name))
        else:
            assert reason in reasons[name]
    assert len(table) == len(clips) + sum(reason is None for reason in expected.values())


def test_instrument_dataset_covers_every_note(smoke_dataset):
    dataset = load_instrument_dataset(setup("smoke"))
    assert "ordinario" in set(dataset.table["technique"])
    assert len(dataset.table) == sum(corpus.CORPUS_SIZES["smoke"].values())
    assert dataset.classes == tuple(sorted(dataset.table["instrument"].unique()))
    assert set(dataset.table["split"]) == {"train", "val", "test"}


def test_real_sol_folder_without_metadata(tmp_path):
    clips = list(itertools.islice(corpus.iter_corpus("smoke", seed=2), 20))
    corpus.write_sol_tree(tmp_path, clips)
    (tmp_path / "metadata.csv").unlink()
    dataset = load_pmt_dataset(setup("smoke", data_dir=str(tmp_path)))
    assert dataset.table["rate_hz"].isna().all() and dataset.table["f0"].notna().all()
