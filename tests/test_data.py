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


def _sol_tree(root, n=20):
    """A small SOL-layout tree (vibrato and trill notes) with the corpus's metadata.csv."""
    corpus.write_sol_tree(root, list(itertools.islice(corpus.iter_corpus("smoke", seed=2), n)))
    return pd.read_csv(root / "metadata.csv")


@pytest.mark.parametrize("change, message", [
    (lambda m: m.rename(columns={"path": "file"}),
     r"metadata.csv lacks the column\(s\) path: expected path, f0, rate_hz, depth, found file, index"),
    (lambda m: m.drop(columns=["rate_hz", "depth"]), r"lacks the column\(s\) rate_hz, depth"),
    (lambda m: pd.concat([m, m.iloc[:1]]), r"metadata.csv lists 1 path\(s\) twice"),
    (lambda m: m.assign(depth="deep"), "must hold numbers"),
    (lambda m: m.assign(path="corpus/" + m["path"]),
     "metadata.csv names none of the 20 usable audio files of .*relative to that folder"),
])
def test_malformed_metadata_is_a_clear_error(tmp_path, monkeypatch, change, message):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "sol"
    change(_sol_tree(root)).to_csv(root / "metadata.csv", index=False)
    with pytest.raises(ValueError, match=message) as caught:
        load_pmt_dataset(setup("smoke", data_dir=str(root)))
    assert str(root / "metadata.csv") in str(caught.value)


def test_metadata_rows_and_files_that_do_not_match_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "sol"
    metadata = _sol_tree(root)
    unlisted, absent = metadata["path"].iloc[3], "Winds/Fl/trill/Fl-trill-maj2-A4-mf.wav"
    metadata = pd.concat([metadata.drop(index=3), metadata.iloc[:1].assign(path=absent)])
    metadata.to_csv(root / "metadata.csv", index=False)
    expected = "1 usable file\\(s\\) without a row \\(ground truth NaN\\), 1 row\\(s\\) naming no audio file"
    with pytest.raises(ValueError, match=expected + ".*pass strict=False"):
        load_pmt_dataset(setup("smoke", data_dir=str(root)))
    with pytest.warns(UserWarning, match=expected):
        dataset = load_pmt_dataset(setup("smoke", data_dir=str(root), strict=False))
    reasons = dict(zip(dataset.metadata_mismatches["path"], dataset.metadata_mismatches["reason"]))
    assert reasons == {str(root / unlisted): "no row in metadata.csv: ground truth is NaN",
                       str(root / absent): "listed in metadata.csv, no such audio file"}
    missing_truth = dataset.table["path"] == str(root / unlisted)
    assert dataset.table.loc[missing_truth, "rate_hz"].isna().all()
    assert dataset.table.loc[~missing_truth, ["f0", "rate_hz", "depth"]].notna().all().all()


def test_strict_false_in_the_run_config_skips_and_reports_unreadable_sol_files(tmp_path, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "sol"
    _sol_tree(root)
    (root / "metadata.csv").unlink()  # a real SOL folder carries no ground truth
    folder = root / "Winds" / "Bn" / "vibrato"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Bn-vib-A4-mf-text.wav").write_text("not audio\n")
    (folder / "Bn-vib-B4-mf-link.wav").symlink_to(folder / "moved-away.wav")
    config = setup("smoke", data_dir=str(root), strict=False)
    for dataset in (load_pmt_dataset(config), load_instrument_dataset(config)):
        reasons = {Path(p).name: r for p, r in zip(dataset.skipped["path"], dataset.skipped["reason"])}
        assert "not readable as audio" in reasons["Bn-vib-A4-mf-text.wav"]
        assert reasons["Bn-vib-B4-mf-link.wav"] == "file not found"
        assert len(dataset.table) == 20
