"""The shortcut lesson's splits and measures (xaiaudio.experiments.shortcut)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from xaiaudio.experiments.shortcut import first_order_share, shortcut_instruments, shortcut_splits


@dataclasses.dataclass
class FakeDataset:
    table: pd.DataFrame


def table_of(rows):
    """rows: (technique, instrument, split, count)."""
    records = [(t, i, s) for t, i, s, n in rows for _ in range(n)]
    return pd.DataFrame(records, columns=["technique", "instrument", "split"])


def test_each_technique_gets_its_own_instrument_where_the_data_allow():
    table = table_of([
        ("trill", "Fl", "train", 5), ("trill", "Vn", "train", 4),
        ("vibrato", "Fl", "train", 6), ("vibrato", "Vn", "train", 3),
        ("bisbigliando", "Hp", "train", 2),
    ])
    # bisbigliando (one instrument) chooses first; trill and vibrato both prefer Fl, and whichever
    # chooses first takes it, the other gets Vn
    chosen = shortcut_instruments(table)
    assert chosen["bisbigliando"] == "Hp"
    assert {chosen["trill"], chosen["vibrato"]} == {"Fl", "Vn"}
    assert list(chosen) == ["trill", "vibrato", "bisbigliando"]


def test_a_technique_with_every_instrument_taken_shares_its_most_frequent_one():
    table = table_of([("trill", "Fl", "train", 2), ("vibrato", "Fl", "train", 3)])
    assert shortcut_instruments(table) == {"trill": "Fl", "vibrato": "Fl"}


def test_a_technique_without_training_clips_is_refused():
    table = table_of([("trill", "Fl", "train", 2), ("vibrato", "Fl", "test", 1)])
    with pytest.raises(ValueError, match="no training clip of 'vibrato'"):
        shortcut_instruments(table)


def corpus():
    return FakeDataset(table_of([
        ("trill", "Fl", "train", 6), ("trill", "Fl", "val", 2), ("trill", "Fl", "test", 2),
        ("trill", "Vn", "train", 4), ("trill", "Vn", "val", 1), ("trill", "Vn", "test", 3),
        ("tremolo", "Vn", "train", 7), ("tremolo", "Vn", "val", 2), ("tremolo", "Vn", "test", 2),
        ("tremolo", "Va", "train", 5), ("tremolo", "Va", "val", 1), ("tremolo", "Va", "test", 2),
    ]))


def test_the_confounded_set_trains_on_one_pair_per_technique_and_tests_on_the_others():
    dataset = corpus()
    splits = shortcut_splits(dataset, seed=0)
    confounded, balanced = splits["confounded"].table, splits["balanced"].table
    pair = {"trill": "Fl", "tremolo": "Vn"}
    is_pair = dataset.table["instrument"] == dataset.table["technique"].map(pair)
    trained = confounded[confounded["split"] == "train"]
    assert set(zip(trained["technique"], trained["instrument"])) == set(pair.items())
    assert (confounded.loc[~is_pair, "split"].isin(["shifted", "unused"])).all()
    # both are tested on the same clips: the pairs' test clips, and the other instruments' ones
    for split in ("test", "shifted"):
        assert (confounded["split"] == split).equals(balanced["split"] == split)
    assert (confounded["split"] == "shifted").sum() == 5
    assert not is_pair[confounded["split"] == "shifted"].any()
    # the balanced set: as many training clips per technique, drawn from every instrument
    def n_train(table, technique):
        return int(((table["technique"] == technique) & (table["split"] == "train")).sum())

    for technique in pair:
        assert n_train(balanced, technique) == n_train(confounded, technique)
    assert (balanced.loc[dataset.table["split"] == "val", "split"] == "val").all()
    assert dataset.table["split"].tolist().count("train") == 22  # the original is left alone


def test_the_balanced_draw_depends_on_the_seed_only():
    a, b, c = (shortcut_splits(corpus(), seed)["balanced"].table["split"] for seed in (0, 0, 5))
    assert a.equals(b)
    assert not a.equals(c)


def test_a_corpus_where_one_instrument_plays_each_technique_has_nothing_to_test_on():
    dataset = FakeDataset(table_of([("trill", "Fl", "train", 3), ("trill", "Fl", "test", 1)]))
    with pytest.raises(ValueError, match="no clip of another instrument"):
        shortcut_splits(dataset, 0)


def test_first_order_share():
    order = np.array([1, 1, 2, 2])
    values = np.array([[1.0, -1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    share = first_order_share(values, order)
    assert share[0] == pytest.approx(0.5) and np.isnan(share[1])


def test_rate_share_counts_positive_relevance_near_the_clips_own_rate():
    from types import SimpleNamespace

    from xaiaudio.experiments.shortcut import rate_share

    paths = SimpleNamespace(order=np.array([1, 2, 2, 2]), lambda2=np.array([np.nan, 2.0, 8.0, 64.0]))
    values = np.array([[1.0, 1.0, 1.0, -5.0],   # rate 6 Hz: 8 Hz is within an octave, 2 Hz is not
                       [1.0, 1.0, 1.0, 1.0],    # rate unknown
                       [-1.0, 0.0, 0.0, 0.0]])  # no positive relevance
    share = rate_share(values, paths, np.array([6.0, np.nan, 6.0]))
    assert share[0] == pytest.approx(1 / 3)
    assert np.isnan(share[1]) and np.isnan(share[2])


def test_map_similarity_ranks_each_clips_two_maps():
    from xaiaudio.experiments.shortcut import map_similarity

    maps = np.random.default_rng(0).normal(size=(3, 12))
    assert np.allclose(map_similarity(maps, maps), 1.0)
    assert np.allclose(map_similarity(maps, -maps), -1.0)
    assert np.isnan(map_similarity(maps, np.zeros_like(maps))).all()
