"""The recorded-sample corpus: its gestures are true to their ground truth, it is reproducible, SOL-shaped,
and a note that cannot sound is reported."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xaiaudio.core.presets import get_preset
from xaiaudio.data import sol
from xaiaudio.data.tables import GROUND_TRUTH_COLUMNS, load_sol_table, read_metadata
from xaiaudio.features.modulation import measure_modulation_rate, rate_analysis
from xaiaudio.synth import corpus, recorded_corpus
from xaiaudio.synth.instruments import INSTRUMENTS
from xaiaudio.synth.recorded_corpus import SilentNoteError, render_note
from xaiaudio.synth.technique_physics import DEPTH_RANGES

SAMPLE_RATE = 22050
SIZES = {"vibrato": 2, "trill": 2, "tremolo": 2, "flatterzunge": 1, "bisbigliando": 1, "ordinario": 2}


def played(instrument, midi, technique, rate_hz, depth, seed=0, seconds=1.2):
    """One note between two short silences, as in a clip."""
    note = render_note(instrument, midi, "mf", technique, rate_hz, depth, int(seconds * SAMPLE_RATE),
                       SAMPLE_RATE, np.random.default_rng(seed))
    silence = np.zeros(2000, np.float32)
    return np.concatenate([silence, note, silence])


@pytest.mark.parametrize("instrument, midi, rate_hz, depth", [("Vn", 69, 5.5, 40.0), ("Fl", 72, 6.5, 25.0),
                                                              ("Vc", 50, 4.5, 50.0)])
def test_vibrato_rate_and_depth_are_recovered(instrument, midi, rate_hz, depth):
    analysis = rate_analysis(played(instrument, midi, "vibrato", rate_hz, depth), SAMPLE_RATE, "vibrato")
    assert analysis.rate_hz == pytest.approx(rate_hz, rel=0.03)
    # the best-fitting sinusoid's amplitude is the depth (less a little for the fade-in)
    assert np.sqrt(2.0 * analysis.explained.max()) == pytest.approx(depth, rel=0.2)


@pytest.mark.parametrize("technique, instrument, midi, rate_hz, depth", [
    ("trill", "Fl", 74, 8.0, 200.0), ("trill", "Vn", 64, 11.0, 100.0), ("trill", "TpC", 65, 6.5, 200.0),
    ("tremolo", "Vn", 67, 12.0, 15.0), ("tremolo", "Cb", 40, 9.0, 12.0), ("tremolo", "Hp", 60, 18.0, 15.0),
    ("flatterzunge", "Fl", 75, 28.0, 12.0), ("flatterzunge", "TbTb", 50, 36.0, 10.0),
    ("bisbigliando", "Fl", 72, 9.0, 2.5), ("bisbigliando", "ClBb", 65, 6.0, 2.0),
])
def test_gesture_rates_are_recovered(technique, instrument, midi, rate_hz, depth):
    audio = played(instrument, midi, technique, rate_hz, depth)
    assert measure_modulation_rate(audio, SAMPLE_RATE, technique) == pytest.approx(rate_hz, rel=0.03)


def test_the_trill_reaches_its_upper_note():
    # the two notes of a major-second trill show as two pitch clusters 200 cents apart
    analysis = rate_analysis(played("Vn", 64, "trill", 7.0, 200.0), SAMPLE_RATE, "trill")
    low, high = np.percentile(analysis.values, [10, 90])
    assert high - low == pytest.approx(200.0, abs=25.0)


def test_recorded_ordinario_vibrato_stays_below_the_vibrato_class():
    """TimGM6mb's flute, oboe, sax and trumpet loops hold the player's own light vibrato (about 5 Hz): an
    ordinario note is not flat, but its swing stays below the smallest drawn vibrato depth."""
    analysis = rate_analysis(played("Fl", 69, "ordinario", float("nan"), float("nan"), seconds=2.0),
                             SAMPLE_RATE, "vibrato")
    assert np.sqrt(2.0 * analysis.explained.max()) < DEPTH_RANGES["vibrato"][0]


def test_a_note_the_soundfont_cannot_play_raises_with_its_reason():
    with pytest.raises(SilentNoteError, match="no zone of GM program 65 .* key 64"):
        render_note("ASax", 64, "mf", "ordinario", float("nan"), float("nan"), 5000, SAMPLE_RATE,
                    np.random.default_rng(0))
    # a trill whose upper note falls in the gap cannot sound either
    with pytest.raises(SilentNoteError, match="key 64"):
        render_note("ASax", 62, "mf", "trill", 8.0, 200.0, 5000, SAMPLE_RATE, np.random.default_rng(0))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("recorded")
    report = recorded_corpus.render_recorded_corpus(root, "smoke", seed=3, sizes=SIZES)
    return root, report


def test_the_corpus_is_deterministic_from_the_seed(rendered, tmp_path):
    root, report = rendered
    again = recorded_corpus.render_recorded_corpus(tmp_path / "again", "smoke", seed=3, sizes=SIZES)
    assert again == report and report.written == sum(SIZES.values()) and report.silent == ()
    files = sorted(p.relative_to(root) for p in root.rglob("*.wav"))
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.wav"))
    for name in [*files, "metadata.csv"]:
        assert (root / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    other = next(recorded_corpus.iter_recorded_corpus("smoke", seed=4, sizes={"vibrato": 1}))[0]
    first = next(recorded_corpus.iter_recorded_corpus("smoke", seed=3, sizes={"vibrato": 1}))[0]
    assert not np.array_equal(other.audio, first.audio)


def test_clips_are_the_synthetic_corpus_twins(rendered):
    """Same names and ground truth as the embedded corpus's clips for the same seed (bisbigliando's depth
    rescaled): the two corpora differ in their sound alone."""
    root, _ = rendered
    # CSV reads the empty depth_unit and interval of ordinario as NaN
    recorded = pd.read_csv(root / "metadata.csv").fillna({"depth_unit": "", "interval": ""})
    clips = corpus.iter_corpus("smoke", seed=3, sizes=SIZES)
    synthetic = pd.DataFrame([clip.meta.__dict__ for clip in clips])
    bisbigliando = recorded["technique"] == "bisbigliando"
    pd.testing.assert_frame_equal(recorded.drop(columns="depth"), synthetic.drop(columns="depth"),
                                  check_dtype=False)
    assert np.allclose(recorded["depth"][~bisbigliando], synthetic["depth"][~bisbigliando], equal_nan=True)
    low, high = recorded_corpus.BISBIGLIANDO_TILT_RANGE
    assert recorded["depth"][bisbigliando].between(low, high).all()


def test_the_sol_loader_reads_the_rendered_tree_unchanged(rendered):
    root, _ = rendered
    preset = get_preset("smoke")
    table, skipped = sol.scan_sol_folder(root, preset.sample_rate, techniques=None)
    assert skipped.empty and len(table) == sum(SIZES.values())
    truth = pd.read_csv(root / "metadata.csv").set_index("path")
    relative = [Path(p).relative_to(root).as_posix() for p in table["path"]]
    for column in ("technique", "instrument", "family", "midi", "dynamics"):
        assert list(table[column]) == list(truth.loc[relative, column]), column
    assert np.allclose(table["duration"], preset.clip_seconds, atol=1e-3)
    dataset = load_sol_table(root, preset, 0, sol.TECHNIQUES, "technique", (0.6, 0.2, 0.2), ("technique",))
    assert dataset.metadata_mismatches.empty
    ground_truth = read_metadata(root / "metadata.csv")
    for column in GROUND_TRUTH_COLUMNS:
        names = [Path(p).relative_to(root).as_posix() for p in dataset.table["path"]]
        expected = ground_truth.loc[names, column]
        assert np.allclose(dataset.table[column], expected, equal_nan=True)


def test_written_clips_keep_their_ground_truth_rate(rendered):
    root, _ = rendered
    dataset = load_sol_table(root, get_preset("smoke"), 0, ("vibrato", "trill", "tremolo"), "technique",
                             (0.6, 0.2, 0.2), ("technique",))
    for row in range(len(dataset.table)):
        meta = dataset.table.iloc[row]
        measured = measure_modulation_rate(dataset.load_note(row), SAMPLE_RATE, meta["technique"])
        assert measured == pytest.approx(meta["rate_hz"], rel=0.1), meta["path"]


def test_a_silent_note_is_reported_not_dropped(tmp_path):
    # the first ordinario clip is a flute: on a program the soundfont lacks, it cannot sound
    report = recorded_corpus.render_recorded_corpus(tmp_path, "smoke", seed=0, sizes={"ordinario": 3},
                                                    programs={"Fl": 200})
    assert report.written == 2 and len(report.silent) == 1
    (silent,) = report.silent
    assert silent.index == 0 and silent.path.startswith("Winds/Fl/ordinario/Fl-ord-")
    assert "no preset for bank 0, program 200" in silent.reason
    assert not (tmp_path / silent.path).exists()
    with open(tmp_path / recorded_corpus.SILENT_NOTES_CSV) as handle:
        assert list(csv.DictReader(handle)) == [{"path": silent.path, "index": "0", "reason": silent.reason}]
    assert silent.path not in set(pd.read_csv(tmp_path / "metadata.csv")["path"])


def test_every_instrument_has_a_gm_program_over_its_range():
    assert set(recorded_corpus.GM_PROGRAMS) == set(INSTRUMENTS)
    assert set(recorded_corpus.GESTURES) == {*sol.TECHNIQUES, "ordinario"}


def test_only_bisbigliandos_depth_is_mapped_onto_the_recorded_range():
    from xaiaudio.synth.technique_physics import DEPTH_RANGES

    low, high = DEPTH_RANGES["bisbigliando"]
    assert recorded_corpus.recorded_depth("bisbigliando", low) == pytest.approx(
        recorded_corpus.BISBIGLIANDO_TILT_RANGE[0])
    assert recorded_corpus.recorded_depth("bisbigliando", high) == pytest.approx(
        recorded_corpus.BISBIGLIANDO_TILT_RANGE[1])
    assert recorded_corpus.recorded_depth("vibrato", 37.0) == 37.0


def test_a_recorded_note_keeps_its_padding_silent_and_sits_over_its_noise_floor():
    rate = 16000
    clip = np.zeros(rate, dtype=np.float32)
    start, n = 2000, 8000
    clip[start:start + n] = np.sin(2 * np.pi * 440 * np.arange(n) / rate).astype(np.float32) * 0.3
    low, high = recorded_corpus.RECORDING["noise_floor_db"]
    rooms = 0
    for seed in range(40):
        recorded = recorded_corpus.record(clip, start, n, rate, np.random.default_rng(seed))
        assert recorded.dtype == np.float32 and recorded.shape == clip.shape
        assert not recorded[:start].any()                  # the padding before the note stays silent
        again = recorded_corpus.record(clip, start, n, rate, np.random.default_rng(seed))
        assert np.array_equal(recorded, again)
        ringing = recorded[start + n:]
        rooms += bool(np.any(np.abs(ringing) > 1e-3))      # a room's decay rings past the note
        if not ringing.any():
            # no room: what was added to the note is the noise floor, in its range of levels
            added = recorded[start:start + n] - clip[start:start + n]
            rms = np.sqrt(np.mean(clip[start:start + n] ** 2))
            floor_db = 20 * np.log10(rms / np.sqrt(np.mean(added ** 2)))
            assert low - 0.5 < floor_db < high + 0.5
    # about RECORDING["room_share"] of the notes are recorded in a room
    assert 0.25 < rooms / 40 < 0.75
