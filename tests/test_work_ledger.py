"""The work ledger counts what the package computes (not what a cache hit skips), per process and
pool; the cost plan reads it, extrapolates it and checks its predictions."""

import numpy as np
import pytest
import torch

from benchmarks import plan
from xaiaudio.core import work_ledger
from xaiaudio.core.parallel import run_in_processes
from xaiaudio.core.work_ledger import LEDGER_ENV, count, read_ledger, work_key
from xaiaudio.report.runtimes import read_work, record_work


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    folder = tmp_path / "ledger"
    monkeypatch.setenv(LEDGER_ENV, str(folder))
    return folder


def test_without_the_variable_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(LEDGER_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    count("scattered clip", 3, (8,))
    assert list(tmp_path.iterdir()) == []


def test_counts_add_up_per_kind_and_shape(ledger):
    count("scattered clip", 3, (8,))
    count("scattered clip", 2, (8,))
    count("scattered clip", 1, (16,))
    count("relevance pass", 0, (4, 2))
    totals = read_ledger(ledger)
    assert totals[work_key("scattered clip", (8,))]["items"] == 5
    assert totals[work_key("scattered clip", (16,))]["items"] == 1
    assert work_key("relevance pass", (4, 2)) not in totals


def _count_in_worker(items):
    count("convnet training example", items, (3, 4))
    return items


def test_work_in_a_pool_is_marked_with_its_size(ledger):
    count("convnet training example", 1, (3, 4))
    assert run_in_processes(_count_in_worker, [(5,), (7,)], workers=2) == {0: 5, 1: 7}
    entry = read_ledger(ledger)[work_key("convnet training example", (3, 4))]
    assert (entry["items"], entry["pooled_items"], entry["pool"]) == (1, 12, 2)
    assert work_ledger._POOL_SIZE == [1]  # this process is not a worker


def test_a_cache_hit_is_not_counted(ledger, tmp_path, monkeypatch):
    from xaiaudio.features.extraction import extract_features

    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path / "cache"))
    clips = {f"clip{i}": np.random.default_rng(i).standard_normal(2**15).astype(np.float32)
             for i in range(3)}
    paths = []
    for name in clips:
        (tmp_path / name).write_bytes(clips[name].tobytes())
        paths.append(tmp_path / name)

    def load(path):
        return np.frombuffer(path.read_bytes(), dtype=np.float32)

    extract_features(paths, "smoke", load=load, progress=False)
    extract_features(paths, "smoke", load=load, progress=False)
    assert read_ledger(ledger)[work_key("scattered clip", (2**15,))]["items"] == 3


def test_training_counts_every_epoch_and_the_validation_forwards(ledger):
    from xaiaudio.models.convnet import PlayingTechniqueConvNet
    from xaiaudio.training.classifier import TrainingSettings, train_classifier

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((10, 8, 16)).astype(np.float32), np.arange(10) % 5
    settings = TrainingSettings(max_epochs=3, patience=5, warmup_epochs=1, batch_size=4)
    torch.manual_seed(0)
    train_classifier(PlayingTechniqueConvNet(8), x, y, x[:4], y[:4], settings, progress=False)
    totals = read_ledger(ledger)
    assert totals[work_key("convnet training example", (8, 16))]["items"] == 30
    assert totals[work_key("classifier forward example", (8, 16))]["items"] == 12


def test_the_work_file_keeps_other_runs(tmp_path):
    path = tmp_path / "work.json"
    record_work(path, "smoke", {"intro": {"a": 1}})
    record_work(path, "book", {"intro": {"a": 2}})
    record_work(path, "smoke", {"intro": {"a": 3}})
    assert read_work(path) == {"smoke": {"intro": {"a": 3}}, "book": {"intro": {"a": 2}}}
    assert read_work(tmp_path / "missing.json") == {}


def test_the_paper_extrapolation_grows_the_work_and_takes_the_paper_shapes():
    from xaiaudio.features.scattering import scattering_paths, scattering_spec

    book_paths, book_frames = len(scattering_paths("book")), scattering_spec("book").n_frames
    entry = {"kind": "convnet training example", "shape": [book_paths, book_frames], "items": 100,
             "pooled_items": 50, "pool": 2}
    render = {"kind": "render evaluation, one carrier", "shape": [2**16], "items": 60, "pooled_items": 0,
              "pool": 1}
    book = {"scorecard": {"a": entry, "b": render}, "training": {"a": entry}}
    paper = plan.extrapolated_work(book, "paper")
    trained = paper["training"][work_key(entry["kind"], [len(scattering_paths("paper")),
                                                         scattering_spec("paper").n_frames])]
    assert trained["items"] > entry["items"] and trained["pooled_items"] > entry["pooled_items"]
    in_scorecard = paper["scorecard"][work_key(entry["kind"], trained["shape"])]
    assert in_scorecard["items"] > trained["items"]  # the scorecard has more seeds at paper
    rendered = paper["scorecard"][work_key("render evaluation, one carrier", [2**18])]
    assert rendered["items"] > render["items"]


def test_the_check_flags_a_prediction_off_by_more_than_the_tolerance():
    close = {"predicted_s": 110.0, "measured_s": 100.0}
    far = {"predicted_s": 60.0, "measured_s": 100.0}
    assert plan.check({"chapters": {"a": close, "b": dict(close)}}) == ([], [])
    problems, outliers = plan.check({"chapters": {"a": close, "b": far}})
    assert problems == [] and [o.split(":")[0] for o in outliers] == ["b"]  # 170 s for 200 s
    problems, _ = plan.check({"chapters": {"a": close, "b": {"predicted_s": 10.0, "measured_s": 100.0}}})
    assert problems and problems[0].startswith("whole book")
    assert plan.check({"chapters": {"a": {"predicted_s": None, "measured_s": 3.0}}})[0]


def test_every_counted_kind_can_be_measured():
    assert set(plan.MEASURES) >= {entry["kind"] for run in read_work().values()
                                  for totals in run.values() for entry in totals.values()}


def test_the_plan_runs_at_the_smoke_preset(capsys):
    result = plan.plan("smoke", torch.device("cpu"))
    assert result["chapters"] and result["measuring_s"] < 120
    assert all(row["computed_s"] >= 0 for row in result["chapters"].values())
    assert "training" in plan.format_plan(result)


def test_notes_of_any_length_are_counted_in_frames():
    kind = "relevance pass, DirectClassifier"
    totals = {work_key(kind, [32, frames]): {"kind": kind, "shape": [32, frames], "items": 2,
                                             "pooled_items": 0, "pool": 1} for frames in (32, 96)}
    merged = plan.per_frame(totals)
    assert list(merged) == [work_key(kind, [32, plan.MEASURED_FRAMES])]
    assert merged[work_key(kind, [32, plan.MEASURED_FRAMES])]["items"] == 2 * (32 + 96) / plan.MEASURED_FRAMES


def test_a_render_counts_its_carriers_and_its_clips_that_compute_every_path(ledger):
    from xaiaudio.explain.resynthesis import MAX_PARTIAL_CARRIERS, ResynthesisSettings, resynthesise
    from xaiaudio.features.scattering import scattering_paths

    paths = scattering_paths("smoke")
    carriers = np.unique(paths.n1[paths.order == 2])
    narrow = np.concatenate([np.flatnonzero((paths.n1 == n1) & (paths.order == 2))[:2]
                             for n1 in carriers[:2]])
    first_of_each = [np.flatnonzero(paths.n1 == n1)[0] for n1 in np.unique(paths.n1)]
    wide = np.array(first_of_each[: MAX_PARTIAL_CARRIERS + 1])
    masks = np.zeros((2, len(paths)), dtype=bool)
    masks[0, narrow], masks[1, wide] = True, True
    clips = torch.randn(2, 2**15, generator=torch.Generator().manual_seed(0))
    resynthesise(clips, masks, "keep", "smoke", ResynthesisSettings(evaluations=2))
    totals = read_ledger(ledger)
    assert totals[work_key("render evaluation, one carrier", (2**15,))]["items"] == 2 * 2
    assert totals[work_key("render evaluation, every path", (2**15,))]["items"] == 2 * 1
