"""Budget curves of the prototype chapter (xaiaudio.experiments.prototype_budgets) and the
training-settings overrides they rely on (xaiaudio.training.prototype_curriculum,
xaiaudio.training.baseline_training)."""

import numpy as np
import pandas as pd
import pytest

from xaiaudio.core.presets import PRESET_NAMES, setup
from xaiaudio.experiments import prototype_budgets
from xaiaudio.experiments.budgets import BudgetCurve
from xaiaudio.experiments.prototype_budgets import (
    BUDGET_SEEDS,
    BUDGETS,
    MODELS,
    preset_budget,
    prototype_budget_curves,
    validation_oa,
)
from xaiaudio.features import melspec
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.report.budget_figures import budget_label, budget_sentences
from xaiaudio.training import baseline_training as baseline_training
from xaiaudio.training import prototype_curriculum as prototype_training
from xaiaudio.training.baseline_training import autoencoder_kmeans, train_direct_classifier
from xaiaudio.training.prototype_curriculum import train_prototypes, training_settings

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
    assert set(BUDGETS) == set(PRESET_NAMES) == set(BUDGET_SEEDS)
    assert all(n >= 2 for n in BUDGET_SEEDS.values())
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
    n_seeds = BUDGET_SEEDS["smoke"]
    for model, curve in curves.items():
        assert isinstance(curve, BudgetCurve)
        assert curve.budgets == tuple(BUDGETS["smoke"][MODELS[model]])
        assert curve.seeds == tuple(range(n_seeds)) and curve.scores.shape == (len(curve.budgets), n_seeds)
        assert 0 <= curve.knee < len(curve.budgets)
        assert curve.preset == preset_budget(config, model)
        np.testing.assert_allclose(curve.mean, curve.scores.mean(axis=1))
    assert len(calls) == sum(len(BUDGETS["smoke"][f]) for f in MODELS.values()) * n_seeds
    # a second sweep reads every run back from the cache: the same numbers
    again = prototype_budget_curves(data, config, workers=1)
    for model in MODELS:
        pd.testing.assert_frame_equal(again[model].table(), curves[model].table())
    # the chapter's sentences come from the one builder, one pair per model, each placing the preset
    text = budget_sentences(curves, "validation OA", "smoke")
    for model, curve in curves.items():
        assert f"{model[0].upper() + model[1:]}: mean validation OA " in text
        assert f"The smoke preset trains it with {budget_label(curve.preset)} (" in text
    assert text.count("The smoke preset trains it with") == len(MODELS)


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
        pd.testing.assert_frame_equal(parallel[model].table(), serial[model].table())
