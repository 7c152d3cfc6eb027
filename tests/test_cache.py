import multiprocessing
import time
from pathlib import Path

import numpy as np
import pytest

from xaiaudio.core import cache


def test_content_key_distinguishes_types_and_file_contents(tmp_path):
    assert cache.content_key(1) != cache.content_key("1")
    assert cache.content_key([1, 2]) != cache.content_key([12])
    assert cache.content_key(np.int64(3), np.float64(0.5)) == cache.content_key(3, 0.5)
    assert cache.content_key(np.int64(3)) != cache.content_key(np.float64(3.0))
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert cache.content_key(a) == cache.content_key(b)  # by content, not by name
    b.write_bytes(b"other")
    assert cache.content_key(a) != cache.content_key(b)
    with pytest.raises(TypeError):
        cache.content_key(object())


def test_arrays_are_computed_once():
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(5.0)}

    first = cache.cached_arrays("t", "k", compute)
    second = cache.cached_arrays("t", "k", compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["x"], second["x"])


@pytest.mark.parametrize("damage", ["truncate", "delete_manifest", "edit"])
def test_corrupt_entry_is_detected_and_recomputed(damage):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(1000.0)}

    cache.cached_arrays("t", "k", compute)
    entry = cache.cache_root() / "t" / cache.entry_key("k", compute)
    payload = entry / "arrays.npz"
    if damage == "truncate":
        payload.write_bytes(payload.read_bytes()[:100])
    elif damage == "delete_manifest":
        (entry / cache.MANIFEST).unlink()
    else:
        data = bytearray(payload.read_bytes())
        data[-10] ^= 0xFF
        payload.write_bytes(bytes(data))
    assert not cache.entry_is_valid(entry)
    again = cache.cached_arrays("t", "k", compute)
    assert len(calls) == 2
    np.testing.assert_array_equal(again["x"], np.arange(1000.0))
    assert cache.entry_is_valid(entry)


def test_failed_build_leaves_no_entry():
    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.cached_arrays("t", "broken", fail)
    assert not (cache.cache_root() / "t" / cache.entry_key("broken", fail)).exists()
    assert not [p for p in (cache.cache_root() / "t").iterdir() if p.is_dir()]


def _slow_build(log: str, out: str) -> None:
    def compute():
        with open(log, "a") as handle:
            handle.write("built\n")
        time.sleep(1.0)
        return {"x": np.arange(10)}

    result = cache.cached_arrays("concurrent", "same-key", compute)
    Path(out).write_text(str(result["x"].sum()))


def test_two_processes_build_an_entry_once(tmp_path):
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_slow_build, args=(str(log), str(tmp_path / f"out{i}")))
               for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert log.read_text().count("built") == 1
    assert [(tmp_path / f"out{i}").read_text() for i in range(2)] == ["45", "45"]


def test_state_dict_round_trip_loads_with_weights_only():
    import torch

    model = torch.nn.Linear(3, 2)
    state = cache.cached_state_dict("models", "lin", model.state_dict)
    assert torch.equal(state["weight"], model.weight.detach())


def _module_from(path, name):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_source_fingerprint_follows_the_package_imports_of_a_module():
    from xaiaudio.synth import corpus

    names = [name for name, _ in cache.source_fingerprint(corpus)]
    # the generator's own module and what it imports, transitively: editing any regenerates the corpus
    assert {"xaiaudio.synth.corpus", "xaiaudio.synth.technique_physics", "xaiaudio.synth.instruments",
            "xaiaudio.data.sol", "xaiaudio.core.presets"} <= set(names)
    assert "xaiaudio.explain.lrp" not in names and names == sorted(names)


def test_a_renamed_or_edited_module_gets_a_new_key(tmp_path):
    source = tmp_path / "stage_one.py"
    source.write_text("def f():\n    return 1\n")
    before = cache.content_key("result", cache.source_fingerprint(_module_from(source, "stage_one")))
    moved = tmp_path / "stage_two.py"
    source.rename(moved)
    renamed = cache.content_key("result", cache.source_fingerprint(_module_from(moved, "stage_two")))
    assert renamed != before  # a move is never a silent cache hit on a stale entry
    moved.write_text("def f():\n    return 2\n")
    edited = cache.content_key("result", cache.source_fingerprint(_module_from(moved, "stage_two")))
    assert edited != renamed
