from pathlib import Path

import pandas as pd
import pytest
from broken_files import tone, write_awkward_files, write_wav

from xaiaudio.data import sol, splits


@pytest.mark.parametrize("name, technique, instrument, mute, midi, dynamics", [
    ("Bn-vib-A4-mf.wav", "vibrato", "Bn", None, 69, "mf"),
    ("Vn-trill-maj2-A#4-mf-2c.wav", "trill", "Vn", None, 70, "mf"),
    ("Vn+S-trem-A4-ff-4c.wav", "tremolo", "Vn", "S", 69, "ff"),
    ("Hp-bisb-A4-mf.wav", "bisbigliando", "Hp", None, 69, "mf"),
    ("Bn-flatt-C#1-pp.wav", "flatterzunge", "Bn", None, 25, "pp"),
])
def test_parse_sol_names(name, technique, instrument, mute, midi, dynamics):
    assert sol.parse_sol_name(name) == sol.SolName(instrument, mute, technique, midi, dynamics)


def test_nonvib_is_not_vibrato():
    assert sol.parse_sol_name("Vn-nonvib-A4-mf.wav").technique == "non-vibrato"


def test_names_round_trip():
    for midi in range(25, 108):
        path = sol.sol_relative_path("Strings", "Vn", "trill", midi, "pp", "min2", "r3")
        parsed = sol.parse_sol_name(path.name)
        assert (parsed.technique, parsed.midi, parsed.dynamics) == ("trill", midi, "pp")


def test_scan_reports_every_skipped_file_with_its_reason(tmp_path):
    folder = tmp_path / "Winds" / "Bn" / "vibrato"
    expected = write_awkward_files(folder, 22050)
    table, skipped = sol.scan_sol_folder(tmp_path, 22050)
    loaded = {Path(p).name for p in table["path"]}
    reasons = {Path(p).name: r for p, r in zip(skipped["path"], skipped["reason"])}
    assert loaded == {name for name, reason in expected.items() if reason is None}
    assert set(reasons) == {name for name, reason in expected.items() if reason is not None}
    for name, reason in reasons.items():
        assert expected[name] in reason, (name, reason)
    assert set(table["family"]) == {"Winds"} and set(table["technique"]) == {"vibrato"}


def test_missing_folder_and_empty_folder_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="SOL folder not found"):
        sol.scan_sol_folder(tmp_path / "nowhere", 22050)
    write_wav(tmp_path / "Winds" / "Bn" / "ordinario" / "Bn-ord-A4-mf.wav", tone(1.0, 22050), 22050)
    with pytest.raises(ValueError, match="no playing-technique files"):
        sol.scan_sol_folder(tmp_path, 22050)
    found = "Found 1 file\\(s\\), none usable:\n  1 another technique, e.g. Winds/Bn/ordinario"
    with pytest.raises(ValueError, match=found):
        sol.scan_sol_folder(tmp_path, 22050)


def test_wrong_layout_folder_is_one_clear_error_before_any_audio_is_read(tmp_path, monkeypatch):
    """A folder in another layout: the loaders the chapters (and the scorecard) call say what was
    expected and what was found, from the file names alone."""
    from xaiaudio.core.presets import setup
    from xaiaudio.experiments.datasets import load_instrument_dataset, load_pmt_dataset

    for name in ("19/198/19-198-0001.flac", "19/198/19-198-0002.flac", "19/198/19-198.trans.txt",
                 "violin/violin_vibrato_01.wav", "violin/Vn-glissando-A4-mf.wav", "violin/.DS_Store"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("not audio\n")

    def no_audio_reading(*args, **kwargs):
        raise AssertionError("the scan read audio although no name fits")

    monkeypatch.setattr(sol, "check_audio_file", no_audio_reading)
    config = setup("smoke", "cpu", str(tmp_path), 0)
    with pytest.raises(sol.SolFolderError) as caught:
        load_pmt_dataset(config)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    techniques = "vibrato, trill, tremolo, bisbigliando, flatterzunge"
    assert f"no playing-technique files ({techniques}) in {tmp_path}" in message
    assert "<Family>/<Instrument>/<technique folder>/<file>.wav" in message and "Bn-vib-A4-mf.wav" in message
    assert "vib, trill, trem, bisb, flatt" in message
    assert "Found 6 file(s), none usable" in message
    assert "3 not a .wav file, e.g. 19/198/19-198-0001.flac, 19/198/19-198-0002.flac" in message
    assert "2 name outside the pattern, e.g. violin/Vn-glissando-A4-mf.wav, violin/violin_vibrato_01.wav" \
        in message
    assert "1 hidden file, e.g. violin/.DS_Store" in message
    expected_tokens = "vib, trill, trem, bisb, flatt, ord"
    with pytest.raises(sol.SolFolderError, match=f"(?s)no usable SOL file in .*{expected_tokens}"):
        load_instrument_dataset(config)


def _table(counts):
    rows = [{"path": f"/r/{t}/{i}-{k}.wav", "technique": t, "instrument": i}
            for (t, i), n in counts.items() for k in range(n)]
    return pd.DataFrame(rows)


def test_split_is_6_2_2_per_class_and_instrument_and_seeded():
    table = _table({("trill", "Fl"): 10, ("trill", "Vn"): 20, ("vibrato", "Fl"): 5})
    split = splits.split_table(table, seed=1)
    counts = table.assign(split=split).groupby(["technique", "instrument", "split"]).size()
    assert set(table.index) == set(split.index) and (split != "").all()
    assert counts[("trill", "Fl", "train")] == 6 and counts[("trill", "Fl", "test")] == 2
    assert counts[("trill", "Vn", "train")] == 12 and counts[("trill", "Vn", "val")] == 4
    assert counts[("vibrato", "Fl", "train")] == 3
    assert set(split) == {"train", "val", "test"}
    assert split.equals(splits.split_table(table.sample(frac=1, random_state=3).sort_index(), seed=1))
    assert not split.equals(splits.split_table(table, seed=2))


def test_split_csv_round_trip_and_mismatch(tmp_path):
    table = _table({("trill", "Fl"): 10}).assign(path=lambda t: [f"{tmp_path}/{i}.wav" for i in range(10)])
    table["split"] = splits.split_table(table, seed=0)
    splits.save_split_csv(table, tmp_path, tmp_path / "split.csv")
    assert splits.load_split_csv(table, tmp_path, tmp_path / "split.csv").equals(table["split"])
    with pytest.raises(ValueError, match="does not match"):
        splits.load_split_csv(table.iloc[:5], tmp_path, tmp_path / "split.csv")


def test_split_cycle_spreads_the_splits():
    assert splits.split_cycle((0.6, 0.2, 0.2)) == [0, 1, 0, 2, 0]
    assert sorted(splits.split_cycle((0.7, 0.1, 0.2))) == [0] * 7 + [1] + [2] * 2
    with pytest.raises(ValueError):
        splits.split_cycle((0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="multiples of 1/n"):
        splits.split_cycle((1 / 3, 1 / 3 - 0.001, 1 / 3 + 0.001))


def test_classes_made_of_single_file_instruments_still_reach_test():
    table = _table({("vibrato", f"I{k}"): 1 for k in range(10)})
    split = splits.split_table(table, seed=0)
    assert split.value_counts().to_dict() == {"train": 6, "val": 2, "test": 2}
