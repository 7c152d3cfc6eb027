"""A deliberately broken SOL folder, through loader -> features -> classifier -> LRP, and prototypes.

Every awkward file (truncated WAV, zero-length file, text named .wav, NaN samples, silent clip,
8-bit, 24-bit, stereo, 48 kHz, a 0.1 s clip, unknown technique tokens) is either used or
reported with its reason; no NaN appears anywhere downstream; the same seed gives identical
metrics twice.
"""

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from broken_files import write_awkward_files

from xaiaudio.core.presets import setup
from xaiaudio.experiments.datasets import instrument_set, load_instrument_dataset, load_pmt_dataset
from xaiaudio.experiments.technique_convnets import score_on_test, technique_features, trained_convnet
from xaiaudio.explain.registry import lrp_methods
from xaiaudio.synth import corpus
from xaiaudio.training.prototype_curriculum import fit_prototypes, training_settings


@pytest.fixture(scope="module")
def broken_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken-sol")
    clips = [clip for clip in itertools.islice(corpus.iter_corpus("smoke", seed=5), 200)
             if clip.meta.technique != "ordinario"]
    corpus.write_sol_tree(root, clips[:30])
    (root / "metadata.csv").unlink()  # a real SOL folder carries no ground truth
    expected = write_awkward_files(root / "Winds" / "Bn" / "vibrato", 22050)
    return root, expected


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("robust-cache")


def test_every_file_is_used_or_reported(broken_folder, shared_cache, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(shared_cache))
    root, expected = broken_folder
    dataset = load_pmt_dataset(setup("smoke", data_dir=str(root)))
    every_file = {str(p) for p in root.rglob("*") if p.is_file()}
    reported = set(dataset.skipped["path"])
    assert set(dataset.table["path"]) | reported == every_file
    assert not set(dataset.table["path"]) & reported
    names = {Path(p).name: reason for p, reason in zip(dataset.skipped["path"], dataset.skipped["reason"])}
    for name, reason in expected.items():
        if reason is None:
            assert name not in names
        else:
            assert reason in names[name], (name, names.get(name))


def test_pipeline_stays_finite_and_is_reproducible(broken_folder, shared_cache, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(shared_cache))
    root, _ = broken_folder
    scores = []
    for _ in range(2):
        shutil.rmtree(shared_cache / "convnets", ignore_errors=True)  # train again, not reload
        config = setup("smoke", data_dir=str(root), seed=3)
        features = technique_features(config, progress=False)
        assert np.isfinite(features.features).all()
        trained = trained_convnet(config, features, "S1+S2", progress=False)
        evaluation = score_on_test(config, features, trained)
        assert np.isfinite(evaluation.logits).all()
        scores.append((evaluation.macro_accuracy, evaluation.predictions.tolist(), trained.history))
        test_x, _ = features.subset("test")
        for method in lrp_methods():
            relevance = method.zennit(trained.model, torch.as_tensor(test_x, device=config.device))
            assert torch.isfinite(relevance).all(), method.name
    assert scores[0] == scores[1]


def test_silent_and_short_clips_give_finite_features(tmp_path, shared_cache, monkeypatch):
    """A clip that the loader would refuse still yields finite features if a user scatters it."""
    from librosa.util import fix_length

    from xaiaudio.data.audio import standardise
    from xaiaudio.features.scattering import scatter

    preset = setup("smoke").preset
    for samples in (np.zeros(preset.clip_samples, np.float32), np.ones(2205, np.float32)):
        clip = standardise(fix_length(samples, size=preset.clip_samples))
        assert np.isfinite(scatter(clip[None], "smoke")).all()


def test_prototypes_on_the_broken_folder(broken_folder, shared_cache, monkeypatch):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(shared_cache))
    root, expected = broken_folder
    config = setup("smoke", data_dir=str(root), seed=0)
    reports = load_instrument_dataset(config).skipped
    usable = [name for name, reason in expected.items() if reason is None or "ordinario" in reason
              or "non-vibrato" in reason]
    data, dataset = instrument_set(config)
    assert {Path(p).name for p in dataset.table["path"]} >= set(usable)
    assert len(dataset.table) + len(reports) == sum(1 for p in root.rglob("*") if p.is_file())
    settings = dict(training_settings("smoke"), max_stage_epochs=1)
    results = [fit_prototypes(data, config, "supervised", True, progress=False, settings=settings)
               for _ in range(2)]
    assert _identical_and_finite(results[0], results[1])


def _identical_and_finite(a, b) -> bool:
    """Deep equality of nested dicts/lists of tensors and plain values, with every tensor finite."""
    if torch.is_tensor(a):
        return torch.is_tensor(b) and bool(torch.isfinite(a).all()) and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical_and_finite(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_identical_and_finite(x, y) for x, y in zip(a, b))
    return a == b or (isinstance(a, float) and np.isnan(a) and np.isnan(b))
