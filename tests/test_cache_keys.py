"""Cache keys by construction: every cached result's entry is named by the code of the function that
produces it (its module and every xaiaudio module that module imports), so editing any module on the
path of a result gives it a new entry, and no call site can leave a module out.

Each case calls the public function that caches a result with tiny inputs; the cache is stopped before
anything is computed (``_entry`` records the entry's name and raises), and a module is "edited" by
standing a changed text in for its source (``cache._module_source``)."""

import functools
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile
import torch

from xaiaudio.core import cache
from xaiaudio.core.presets import get_preset, setup


class _Stopped(Exception):
    pass


@pytest.fixture
def entry_name(monkeypatch, tmp_path):
    """``entry_name(call, edited=None)``: the name of the entry ``call()`` asks the cache for, with
    module ``edited`` (a dotted name) changed by one comment line."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    asked = []

    def record(namespace, name, produce):
        asked.append(name)
        raise _Stopped

    monkeypatch.setattr(cache, "_entry", record)
    real_source = cache._module_source

    def name_of(call, edited=None):
        monkeypatch.setattr(
            cache, "_module_source",
            lambda name: real_source(name) + ("\n# edited\n" if name == edited else ""),
        )
        with pytest.raises(_Stopped):
            call()
        return asked[-1]

    return name_of


def _embedded_corpus():
    from xaiaudio.experiments.datasets import embedded_corpus_dir

    embedded_corpus_dir(get_preset("smoke"), 0)


def _voices():
    from xaiaudio.synth.voices import make_voice_corpus

    make_voice_corpus("smoke", 0)


def _features(tmp_path):
    from xaiaudio.features.extraction import extract_features

    path = tmp_path / "clip.wav"
    soundfile.write(path, np.zeros(64, dtype=np.float32), 8000)
    return lambda: extract_features([path], "smoke", progress=False)


def _technique_features(n_paths=8):
    x = np.zeros((4, n_paths, 8), dtype=np.float32)
    y = np.arange(4) % 5
    return SimpleNamespace(subset=lambda split, feature_set=None: (x, y), n_paths=lambda feature_set: n_paths)


def _convnet():
    from xaiaudio.experiments.technique_convnets import trained_convnet

    trained_convnet(setup("smoke", "cpu"), _technique_features(), progress=False)


def _relevance():
    from xaiaudio.experiments.relevance import clip_relevance
    from xaiaudio.models.convnet import PlayingTechniqueConvNet

    torch.manual_seed(0)  # the weights are part of the key
    trained = SimpleNamespace(model=PlayingTechniqueConvNet(8).eval(), feature_set="S1+S2")
    clip_relevance(setup("smoke", "cpu"), _technique_features(), trained, "LRP-eps")


def _render():
    from xaiaudio.experiments.audible import cached_render

    cached_render(np.zeros(64, dtype=np.float32), [0, 1], "keep", "smoke", np.ones(8), 0)


def _fake_spectrograms():
    return SimpleNamespace(fingerprint=lambda: "a spectrogram set")


def _prototypes():
    from xaiaudio.training.prototype_curriculum import train_prototypes

    train_prototypes(_fake_spectrograms(), setup("smoke", "cpu"), progress=False)


def _direct_cnn():
    from xaiaudio.training.baseline_training import train_direct_classifier

    train_direct_classifier(_fake_spectrograms(), setup("smoke", "cpu"), progress=False)


# each cached result, and modules on its path that a hand-picked list once left out or could
CASES = {
    "embedded corpus": (_embedded_corpus, ["xaiaudio.synth.corpus", "xaiaudio.synth.instruments",
                                           "xaiaudio.synth.technique_physics", "xaiaudio.data.sol"]),
    "synthetic voices": (_voices, ["xaiaudio.synth.voices"]),
    "scattering features": (None, ["xaiaudio.features.extraction", "xaiaudio.features.scattering",
                                   "xaiaudio.data.audio"]),
    "trained convnet": (_convnet, ["xaiaudio.experiments.technique_convnets", "xaiaudio.training.classifier",
                                   "xaiaudio.models.convnet"]),
    "relevance": (_relevance, ["xaiaudio.experiments.relevance", "xaiaudio.explain.registry",
                               "xaiaudio.explain.composites", "xaiaudio.explain.lrp"]),
    "renders": (_render, ["xaiaudio.experiments.audible", "xaiaudio.explain.resynthesis",
                          "xaiaudio.features.scattering"]),
    "prototypes": (_prototypes, ["xaiaudio.training.prototype_curriculum",
                                 "xaiaudio.models.prototype_model"]),
    "direct CNN": (_direct_cnn, ["xaiaudio.training.baseline_training", "xaiaudio.models.baselines"]),
}


@pytest.mark.parametrize("result", list(CASES))
def test_editing_a_module_on_the_path_of_a_result_changes_its_entry(result, entry_name, tmp_path):
    call, modules = CASES[result]
    call = call or _features(tmp_path)
    before = entry_name(call)
    assert entry_name(call) == before  # the same code and inputs name the same entry
    for module in modules:
        assert entry_name(call, edited=module) != before, f"editing {module} left {result} as it was"
    # a module off the path (the report stage is never imported by a producer) leaves it alone
    assert entry_name(call, edited="xaiaudio.report.plane") == before


def _module_level():
    return 1


def test_code_fingerprint_reads_the_module_of_a_closure_a_partial_and_a_method():
    module_names = {name for name, _ in cache.code_fingerprint(_module_level)}
    assert __name__ in module_names
    assert cache.code_fingerprint(functools.partial(_module_level)) == cache.code_fingerprint(_module_level)
    assert cache.code_fingerprint(lambda: 2) == cache.code_fingerprint(_module_level)
    names = [name for name, _ in cache.code_fingerprint(torch.nn.Linear(1, 1).forward)]
    assert names == ["torch.nn.modules.linear"]


def test_a_function_without_source_is_refused_not_cached_under_a_key_an_edit_cannot_change(tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    typed_in = eval("lambda: {'x': __import__('numpy').zeros(1)}", {"__name__": "__main__"})
    monkeypatch.setattr(cache.inspect, "getmodule", lambda function: None)
    with pytest.raises(TypeError, match="cannot cache the result"):
        cache.cached_arrays("t", "k", typed_in)
