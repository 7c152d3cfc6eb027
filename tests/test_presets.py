from pathlib import Path

import pytest

from xaiaudio.core.presets import PRESET_NAMES, get_preset, resolve_device, setup


def test_paper_preset_matches_reference_settings():
    paper = get_preset("paper")
    assert (paper.sample_rate, paper.clip_samples) == (44100, 2**18)


def test_none_reads_environment(monkeypatch):
    monkeypatch.delenv("XAIAUDIO_PRESET", raising=False)
    assert get_preset(None).name == "book"
    monkeypatch.setenv("XAIAUDIO_PRESET", "smoke")
    assert get_preset(None).name == "smoke"


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        get_preset("fast")


def test_presets_grow_in_cost():
    sizes = [get_preset(name).clip_samples * get_preset(name).sample_rate for name in PRESET_NAMES]
    assert sizes == sorted(sizes)


def test_setup_resolves_device_and_seeds():
    import torch

    config = setup("smoke", None, None, 3)
    first = torch.rand(3)
    setup("smoke", None, None, 3)
    assert torch.equal(first, torch.rand(3))
    assert config.device == resolve_device(None)
    assert resolve_device("cpu").type == "cpu"


def test_settings_for_takes_a_name_a_preset_or_a_run_config():
    from xaiaudio.core.presets import get_preset, settings_for, setup

    table = {"smoke": 1, "book": 2}
    assert settings_for(table, "smoke") == 1
    assert settings_for(table, get_preset("book")) == 2
    assert settings_for(table, setup("smoke", "cpu", None, 0)) == 1
    with pytest.raises(KeyError, match="no settings for preset 'paper'; this table has smoke, book"):
        settings_for(table, "paper")
    with pytest.raises(ValueError, match="unknown preset"):
        settings_for(table, "fast")


@pytest.fixture
def restore_torch_determinism(monkeypatch):
    """Put back the global flags that make_cuda_deterministic changes."""
    import torch

    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32,
             torch.are_deterministic_algorithms_enabled(),
             torch.is_deterministic_algorithms_warn_only_enabled())
    yield
    (cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32) = saved[:4]
    torch.use_deterministic_algorithms(saved[4], warn_only=saved[5])


def test_cuda_is_made_deterministic_and_full_precision(restore_torch_determinism):
    """Two GPU runs of a seed must agree, and LRP must keep float32 precision (no TF32)."""
    import os

    import torch

    from xaiaudio.core.presets import make_cuda_deterministic

    make_cuda_deterministic()
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()


def test_strict_is_a_keyword_that_defaults_to_true():
    """The loaders' strictness joins the run configuration without changing positional calls."""
    from xaiaudio.core.presets import PRESETS, RunConfig

    assert setup("smoke", "cpu", None, 0).strict is True
    assert setup("smoke", "cpu", None, 0, strict=False).strict is False
    with pytest.raises(TypeError):
        setup("smoke", "cpu", None, 0, False)
    assert RunConfig(PRESETS["smoke"], "cpu", None, 0).strict is True


def test_a_corpus_is_named_or_refused_with_the_choices():
    from xaiaudio.core.presets import CORPORA

    assert setup("smoke", "cpu").corpus == "synthetic"
    assert setup("smoke", "cpu", corpus="recorded").corpus == "recorded"
    with pytest.raises(ValueError, match="'recorded', 'synthetic'"):
        setup("smoke", "cpu", corpus="sol")
    assert CORPORA == ("recorded", "synthetic")


def test_the_recorded_corpus_is_the_synthetic_ones_twin_through_the_sol_loader():
    from xaiaudio.experiments.datasets import load_pmt_dataset

    recorded = load_pmt_dataset(setup("smoke", "cpu", corpus="recorded"))
    synthetic = load_pmt_dataset(setup("smoke", "cpu"))
    assert recorded.root != synthetic.root

    def rates(data):
        relative = [str(Path(path).relative_to(data.root)) for path in data.table["path"]]
        return dict(zip(relative, data.table["rate_hz"], strict=True))

    assert rates(recorded) == rates(synthetic)
