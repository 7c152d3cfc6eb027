"""The convnet's budget sweep (xaiaudio.experiments.convnet_budgets) and the settings override of
trained_convnet it relies on, on tiny synthetic features."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from xaiaudio.core import cache
from xaiaudio.core.presets import PRESET_NAMES, setup
from xaiaudio.experiments import technique_convnets
from xaiaudio.experiments.budgets import BudgetCurve
from xaiaudio.experiments.convnet_budgets import (
    BUDGET_SEEDS,
    CONVNET_BUDGETS,
    convnet_budget_curves,
    validation_macro_accuracy,
)
from xaiaudio.experiments.technique_convnets import TechniqueFeatures, trained_convnet
from xaiaudio.report.budget_figures import budget_sentences
from xaiaudio.training.classifier import TRAINING_SETTINGS, TrainingSettings


def tiny_features(seed=0, n_s1=8, n_s2=8, frames=8):
    """Five classes, 6 training, 2 validation and 2 test clips each; every class lights up its own S1 path."""
    rng = np.random.default_rng(seed)
    splits = ["train"] * 6 + ["val"] * 2 + ["test"] * 2
    table = pd.DataFrame([{"label": label, "split": split} for label in range(5) for split in splits])
    features = rng.normal(size=(len(table), n_s1 + n_s2, frames)).astype(np.float32)
    features[np.arange(len(table)), table["label"].to_numpy()] += 2.0
    paths = SimpleNamespace(order=np.array([1] * n_s1 + [2] * n_s2))
    return TechniqueFeatures(SimpleNamespace(table=table), features, paths, normaliser=None)


def cached_convnets():
    folder = cache.cache_root() / "convnets"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def test_every_preset_sweeps_increasing_budgets_that_include_its_own_settings():
    assert set(CONVNET_BUDGETS) == set(PRESET_NAMES) == set(BUDGET_SEEDS)
    for preset, budgets in CONVNET_BUDGETS.items():
        caps = [budget["max_epochs"] for budget in budgets]
        assert caps == sorted(set(caps)), preset
        assert all(1 <= budget["patience"] <= budget["max_epochs"] for budget in budgets), preset
        own = TRAINING_SETTINGS[preset]
        # The preset's own budget is swept (from the cache), and so is a larger one (for the headroom).
        position = budgets.index({"max_epochs": own.max_epochs, "patience": own.patience})
        assert position < len(budgets) - 1, preset
        assert BUDGET_SEEDS[preset] >= 2, preset
    assert len(CONVNET_BUDGETS["smoke"]) == 2


def test_settings_override_trains_with_those_settings_and_keys_the_cache_on_them():
    config = setup("smoke", "cpu")
    features = tiny_features()
    preset = trained_convnet(config, features, "S1", progress=False)
    assert len(preset.history["train_loss"]) <= TRAINING_SETTINGS["smoke"].max_epochs
    short = TrainingSettings(max_epochs=1, patience=1, warmup_epochs=1)
    one = trained_convnet(config, features, "S1", progress=False, settings=short)
    assert len(one.history["train_loss"]) == 1 and one.best_epoch == 0
    assert len(cached_convnets()) == 2
    # The default is the preset's settings: the same key as naming them explicitly.
    again = trained_convnet(config, features, "S1", progress=False, settings=TRAINING_SETTINGS["smoke"])
    assert len(cached_convnets()) == 2
    assert again.history == preset.history


def test_budget_curves_score_the_restored_epoch_of_each_cached_run(monkeypatch):
    config = setup("smoke", "cpu", seed=5)
    features = tiny_features()
    budgets = [{"max_epochs": 1, "patience": 1}, {"max_epochs": 3, "patience": 1}]
    curves = convnet_budget_curves(config, features, budgets, n_seeds=2)
    assert list(curves) == ["S1", "S1+S2"]
    assert len(cached_convnets()) == 2 * 2 * 2
    for name, curve in curves.items():
        assert isinstance(curve, BudgetCurve) and curve.budgets == tuple(budgets) and curve.seeds == (0, 1)
        # The preset's own budget (4 epochs, patience 2) is not among those swept here.
        assert curve.preset == {"max_epochs": 4, "patience": 2} and curve.preset_index is None
        for i, budget in enumerate(budgets):
            for seed in (0, 1):
                # The training seed replaces the data seed; the other settings are the preset's.
                settings = dataclasses.replace(TRAINING_SETTINGS["smoke"], **budget)
                run = trained_convnet(dataclasses.replace(config, seed=seed), features, name, False, settings)
                assert len(run.history["train_loss"]) <= budget["max_epochs"]
                best = 100 * max(run.history["val_macro_accuracy"])
                assert curve.scores[i, seed] == pytest.approx(best)
                assert validation_macro_accuracy(features, config, name, budget, seed) == pytest.approx(best)
        assert curve.mean == pytest.approx(curve.scores.mean(axis=1))
    assert len(cached_convnets()) == 8

    # A second sweep comes from the cache: nothing is trained again.
    def fail(*args, **kwargs):
        raise AssertionError("retrained a cached budget")

    monkeypatch.setattr(technique_convnets, "train_classifier", fail)
    again = convnet_budget_curves(config, features, budgets, n_seeds=2)
    pd.testing.assert_frame_equal(again["S1+S2"].table(), curves["S1+S2"].table())


def test_parallel_sweep_trains_every_run_in_worker_processes(monkeypatch):
    config = setup("smoke", "cpu")
    features = tiny_features(seed=1)
    budgets = [{"max_epochs": 1, "patience": 1}, {"max_epochs": 2, "patience": 1}]

    def fail(*args, **kwargs):
        raise AssertionError("trained in the calling process")

    monkeypatch.setattr(technique_convnets, "train_classifier", fail)  # the spawned workers import their own
    curves = convnet_budget_curves(config, features, budgets, n_seeds=2, workers=2)
    assert len(cached_convnets()) == 2 * 2 * 2
    for curve in curves.values():
        assert np.isfinite(curve.scores).all()
        assert ((curve.scores >= 0) & (curve.scores <= 100)).all()


def test_the_convnet_s_sentences_come_from_the_one_builder():
    """The training chapter's sentence is budget_sentences of the convnet's curves: with the preset's
    budget swept, it is placed against each curve's knee."""
    config = setup("smoke", "cpu")
    curves = convnet_budget_curves(config, tiny_features(seed=2), n_seeds=2)
    smoke = CONVNET_BUDGETS["smoke"]
    text = budget_sentences(curves, "validation macro accuracy", "smoke")
    for name, curve in curves.items():
        assert curve.budgets == tuple(smoke) and curve.preset_index == 0
        assert f"{name}: mean validation macro accuracy " in text
        where = ("it still rises" if curve.still_rising
                 else f"the knee is at cap {smoke[curve.knee]['max_epochs']}, patience 2")
        assert where in text
        assert curve.position in ("at", "before")  # the smallest budget swept
    assert text.count("The smoke preset trains it with cap 4, patience 2 (") == 2
