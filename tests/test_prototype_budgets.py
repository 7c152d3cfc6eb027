"""Budget curves of the prototype chapter (xaiaudio.experiments.prototype_budgets and
xaiaudio.report.prototype_budget_figures) and the training-settings overrides they rely on
(xaiaudio.training.prototype_curriculum, xaiaudio.training.baseline_training)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.core.presets import setup  # noqa: E402
from xaiaudio.experiments import prototype_budgets  # noqa: E402
from xaiaudio.experiments.budgets import knee  # noqa: E402
from xaiaudio.experiments.prototype_budgets import (  # noqa: E402
    BUDGET_SEEDS,
    BUDGETS,
    MODELS,
    budget_label,
    preset_budget,
    prototype_budget_curves,
    validation_oa,
)
from xaiaudio.features import melspec  # noqa: E402
from xaiaudio.features.spectrograms import SpectrogramSet  # noqa: E402
from xaiaudio.report.prototype_budget_figures import (  # noqa: E402
    budget_sentences,
    knee_reached,
    plot_budget_curves,
    preset_position,
)
from xaiaudio.training import baseline_training as baseline_training  # noqa: E402
from xaiaudio.training import prototype_curriculum as prototype_training  # noqa: E402
from xaiaudio.training.baseline_training import autoencoder_kmeans, train_direct_classifier  # noqa: E402
from xaiaudio.training.prototype_curriculum import train_prototypes, training_settings  # noqa: E402

N_MELS = 32


def toy_set():
    """Three timbres, four training, one validation and one test clip each."""
    rng = np.random.default_rng(0)
    features, labels = [], []
    for k in range(3):
        base = rng.uniform(0.2, 0.6, N_MELS)
        for _ in range(6):
            features.append((base[:, None] + 0.05 * rng.standard_normal((N_MELS, 20))).astype(np.float32))
            labels.append(k)
    split = np.array((["train"] * 4 + ["val", "test"]) * 3)
    settings = melspec.mel_settings(16000, N_MELS)
    return SpectrogramSet(features, np.array(labels), split, ["a", "b", "c"], settings)


def test_training_settings_overrides_replace_known_settings_and_reject_typos():
    settings = training_settings("smoke", {"max_stage_epochs": 7, "patience": 3})
    assert settings["max_stage_epochs"] == 7 and settings["patience"] == 3
    assert settings["lr"] == training_settings("smoke")["lr"]
    with pytest.raises(KeyError, match="max_epochs"):
        training_settings("smoke", {"max_epochs": 7})


def test_an_override_equal_to_the_preset_finds_the_preset_s_cached_run(isolated_cache):
    data, config = toy_set(), setup("smoke", "cpu", None, 0)
    settings = training_settings(config)
    plain = train_prototypes(data, config, "supervised", True, False)
    entries = {p for p in isolated_cache.rglob("*") if p.is_dir()}
    budget = {"max_stage_epochs": settings["max_stage_epochs"], "patience": settings["patience"]}
    same = train_prototypes(data, config, "supervised", True, False, budget)
    assert {p for p in isolated_cache.rglob("*") if p.is_dir()} == entries  # nothing trained again
    assert same.history == plain.history
    longer = train_prototypes(data, config, "supervised", True, False, {"max_stage_epochs": 3, "patience": 3})
    assert longer.settings["max_stage_epochs"] == 3
    assert sum(row["epochs"] for row in longer.history) > sum(row["epochs"] for row in plain.history)


def test_each_baseline_trains_for_its_own_number_of_epochs():
    data, config = toy_set(), setup("smoke", "cpu", None, 0)
    direct = train_direct_classifier(data, config, False, {"baseline_epochs": 4, "autoencoder_epochs": 1})
    autoencoder = autoencoder_kmeans(data, config, False, {"baseline_epochs": 1, "autoencoder_epochs": 5})
    assert len(direct["losses"]) == 4 and len(autoencoder["losses"]) == 5


def test_validation_oa_is_the_model_s_validation_accuracy_for_the_seed():
    data, config = toy_set(), setup("smoke", "cpu", None, 3)
    budget = {"max_stage_epochs": 1, "patience": 1}
    seed1 = setup("smoke", "cpu", None, 1)
    run = train_prototypes(data, seed1, "supervised", True, False, budget)
    assert validation_oa(data, config, "supervised prototypes", budget, 1) == run.history[-1]["val_OA"]
    direct = train_direct_classifier(data, seed1, False, {"baseline_epochs": 2})
    assert validation_oa(data, config, "direct CNN", {"baseline_epochs": 2}, 1) == direct["val"]["OA"]
    with pytest.raises(KeyError, match="unknown model"):
        validation_oa(data, config, "k-means", budget, 0)


def test_every_preset_sweeps_each_model_s_own_settings_smallest_first():
    for preset, budgets in BUDGETS.items():
        assert set(budgets) == set(MODELS.values())
        for family, sweep in budgets.items():
            assert len(sweep) >= 2
            settings = training_settings(preset)
            assert all(set(b) <= set(settings) for b in sweep)
            sizes = [next(iter(b.values())) or np.inf for b in sweep]
            assert sizes == sorted(sizes), (preset, family)
    assert preset_budget(setup("book", "cpu", None, 0), "autoencoder + k-means") == {
        "autoencoder_epochs": training_settings("book")["autoencoder_epochs"]}


def test_budget_label_names_caps_patience_and_epochs():
    assert budget_label({"max_stage_epochs": 12, "patience": 3}) == "cap 12, patience 3"
    assert budget_label({"max_stage_epochs": None, "patience": 10}) == "no cap, patience 10"
    assert budget_label({"baseline_epochs": 48}) == "48 epochs"


def test_prototype_budget_curves_train_every_budget_and_seed_through_the_cache(monkeypatch):
    data, config = toy_set(), setup("smoke", "cpu", None, 0)
    calls = []
    real = prototype_budgets.validation_oa

    def counted(*args):
        calls.append(args[2:])
        return real(*args)

    monkeypatch.setattr(prototype_budgets, "validation_oa", counted)
    curves = prototype_budget_curves(data, config, workers=1)
    assert list(curves) == list(MODELS)
    for model, entry in curves.items():
        sweep = BUDGETS["smoke"][MODELS[model]]
        assert len(entry["curve"]) == len(sweep)
        assert 0 <= entry["knee"] < len(sweep)
        assert entry["preset"] == preset_budget(config, model)
        seeds = [f"seed {seed}" for seed in BUDGET_SEEDS]
        np.testing.assert_allclose(entry["curve"]["mean"], entry["curve"][seeds].mean(axis=1))
    assert len(calls) == sum(len(BUDGETS["smoke"][f]) for f in MODELS.values()) * len(BUDGET_SEEDS)
    # a second sweep reads every run back from the cache: the same numbers
    again = prototype_budget_curves(data, config, workers=1)
    for model in MODELS:
        pd.testing.assert_frame_equal(again[model]["curve"], curves[model]["curve"])


def _entry(column, sizes, means, preset, tolerance=1.0):
    curve = pd.DataFrame([{**({column: s} if column != "cap" else {"max_stage_epochs": s, "patience": 2}),
                           "mean": m, "std": 0.0, "seed 0": m - 1, "seed 1": m + 1}
                          for s, m in zip(sizes, means)])
    return {"curve": curve, "knee": knee(means, tolerance), "preset": preset, "tolerance": tolerance}


def test_sentences_say_where_the_preset_stands_and_when_the_knee_is_beyond_the_sweep():
    rising = _entry("cap", [6, 12], [55.0, 58.5], {"max_stage_epochs": 6, "patience": 2})
    flat = _entry("baseline_epochs", [12, 24, 48, 96], [61.0, 69.0, 74.0, 73.5], {"baseline_epochs": 48})
    falling = _entry("autoencoder_epochs", [6, 12, 24], [15.0, 11.0, 12.0], {"autoencoder_epochs": 12})
    assert not knee_reached(rising) and knee_reached(flat) and knee_reached(falling)
    assert [preset_position(e) for e in (rising, flat, falling)] == ["short of", "at", "past"]
    text = budget_sentences({"supervised prototypes": rising, "direct CNN": flat,
                             "autoencoder + k-means": falling})
    assert "still rises by 3.5 points into the largest budget swept, so its knee lies beyond" in text
    assert "cap 6, patience 2 (55.0 %), short of the knee, 3.5 points below its score at the largest" in text
    assert "Direct CNN: mean validation OA 61.0 % (12 epochs)" in text and "the knee is at 48 epochs" in text
    assert "48 epochs (74.0 %), at the knee." in text
    assert "12 epochs (11.0 %), past the knee." in text
    at_the_end = _entry("cap", [6, 12], [55.0, 58.5], {"max_stage_epochs": 12, "patience": 2})
    at_the_end = budget_sentences({"m": at_the_end})
    assert at_the_end.endswith("cap 12, patience 2 (58.5 %), short of the knee.")


def test_plot_marks_knees_and_the_preset_budget():
    cnn = _entry("baseline_epochs", [12, 24, 48], [61.0, 74.0, 74.5], {"baseline_epochs": 36})
    prototypes = _entry("cap", [6, 12], [55.0, 58.5], {"max_stage_epochs": 6, "patience": 2})
    curves = {"direct CNN": cnn, "supervised prototypes": prototypes}
    axes = plot_budget_curves(curves)
    assert len(axes) == 2
    star = [line for line in axes[0].lines if line.get_marker() == "*"]
    assert len(star) == 1 and star[0].get_xdata()[0] == 1
    dashed = [line for line in axes[0].lines if line.get_linestyle() == "--"]
    assert dashed[0].get_xdata()[0] == pytest.approx(1.5)  # 36 epochs: half-way from 24 to 48
    assert not [line for line in axes[1].lines if line.get_marker() == "*"]  # no knee within the sweep
    assert any("beyond" in text.get_text() for text in axes[1].texts)


def test_parallel_sweep_gives_the_numbers_of_a_serial_one(monkeypatch, tmp_path):
    def no_training_here(*args, **kwargs):
        raise AssertionError("the spawned workers should have trained this run")

    data, config = toy_set(), setup("smoke", "cpu", None, 0)
    with monkeypatch.context() as patch:  # spawned workers import the modules afresh, unpatched
        patch.setattr(prototype_training, "fit_prototypes", no_training_here)
        patch.setattr(baseline_training, "_fit", no_training_here)
        parallel = prototype_budget_curves(data, config, workers=2)
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "serial"))
    serial = prototype_budget_curves(data, config, workers=1)
    for model in MODELS:
        pd.testing.assert_frame_equal(parallel[model]["curve"], serial[model]["curve"])
