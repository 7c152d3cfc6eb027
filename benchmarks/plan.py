"""Cost plan: each chapter's predicted time at a preset on this machine, from measured per-item costs.

What a chapter computes from an empty cache is counted by its work ledger
(:mod:`xaiaudio.core.work_ledger`) when ``benchmarks.bench_chapters --record`` runs it, and kept in
``benchmarks/results/chapter_work.json``: clips scattered, convnet examples trained, forward passes,
relevance passes, render evaluations, prototype and baseline training crops, notes synthesised, each at
the shape of one item. This command measures what one item of each costs here, on the device and with
the threads the package uses for it (one thread for training on a CPU; all of them otherwise; a worker
pool's items at one thread, shared among the pool), in well under two minutes, and predicts

    chapter time = the chapter's time with a filled cache + sum over its work of items x cost per item.

The filled-cache time (``"book, cache filled"`` in ``chapter_runtimes.json``) covers what the ledger does
not count: starting the kernel, imports, reading the cache, figures. A preset whose work was never
recorded (``paper``) gets the book's counts scaled by the preset tables (the corpus sizes, the seed
counts of the chapters that loop over seeds, the render evaluations), each item at that preset's shape:
an extrapolation, said as such. ``--check`` compares the prediction with the times recorded for the
same preset from an empty cache (chapters in reading order): it fails when the whole book's is off by
more than 25 %, and lists the chapters that are.

Usage: ``python -m benchmarks.plan [--preset book] [--device cpu|cuda] [--check] [--record]``
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import xaiaudio  # noqa: F401  (zennit's torchvision import)
from xaiaudio.core.presets import get_preset, settings_for
from xaiaudio.core.threads import torch_threads
from xaiaudio.core.work_ledger import work_key
from xaiaudio.report.runtimes import WARM_RUN, read_runtimes, read_work

#: Where ``--record`` writes the plan (``plan_<preset>_<device>.json``).
RESULTS = Path(__file__).resolve().parent / "results"

#: How far a prediction may be from the measured time, as a fraction of it.
TOLERANCE = 0.25

#: Kinds that train on one CPU thread (``cpu_threads`` / ``threads`` of their settings).
ONE_THREAD_KINDS = {"convnet training example", "prototype training crop", "direct CNN training crop",
                    "autoencoder training crop"}

#: Kinds whose items are whole notes of any length: counted and measured per frame
#: (:func:`per_frame`).
PER_FRAME_KINDS = {"relevance pass, DirectClassifier"}

#: Frames of the item a per-frame kind is measured on.
MEASURED_FRAMES = 64

#: The relevance method a relevance pass is measured with (the published LRP composite).
MEASURED_METHOD = "LRP-[eps, z+] published"


def _seconds_per_item(step: Callable[[], int], min_seconds: float = 0.5, max_rounds: int = 20) -> float:
    """Seconds per item of ``step()`` (which returns how many items it did), after a first call that
    warms up (kernels, filters)."""
    step()
    items, start = 0, time.perf_counter()
    for _ in range(max_rounds):
        items += step()
        if time.perf_counter() - start >= min_seconds:
            break
    return (time.perf_counter() - start) / items


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _convnet(shape, device):
    from xaiaudio.models.convnet import PlayingTechniqueConvNet

    torch.manual_seed(0)
    return PlayingTechniqueConvNet(shape[0]).to(device), torch.randn(32, *shape, device=device)


def _training_step(model, inputs, loss_fn, device) -> Callable[[], int]:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()

    def step() -> int:
        optimizer.zero_grad()
        loss_fn(model, inputs).backward()
        optimizer.step()
        _sync(device)
        return len(inputs)
    return step


def _cross_entropy(labels):
    return lambda model, inputs: torch.nn.functional.cross_entropy(model(inputs), labels)


def _measure_convnet_training(shape, preset, device):
    model, inputs = _convnet(shape, device)
    targets = torch.randint(0, model.n_classes, (len(inputs),), device=device)
    return _training_step(model, inputs, _cross_entropy(targets), device)


def _measure_forward(shape, preset, device):
    model, inputs = _convnet(shape, device)
    inputs = torch.cat([inputs, inputs])
    model.eval()

    @torch.no_grad()
    def step() -> int:
        model(inputs)
        _sync(device)
        return len(inputs)
    return step


def _relevance_step(model, inputs, device) -> Callable[[], int]:
    from xaiaudio.explain.registry import METHODS

    model.eval()

    def step() -> int:
        METHODS[MEASURED_METHOD].explain(model, inputs)
        _sync(device)
        return len(inputs)
    return step


def _measure_relevance(shape, preset, device):
    return _relevance_step(*_convnet(shape, device), device)


def _measure_note_relevance(shape, preset, device):
    from xaiaudio.models.baselines import DirectClassifier

    torch.manual_seed(0)
    model = DirectClassifier(shape[0], 16).to(device)
    return _relevance_step(model, torch.rand(8, *shape, device=device), device)


def _measure_scattering(shape, preset, device):
    from xaiaudio.features.extraction import BATCH_SIZES
    from xaiaudio.features.scattering import scatter_torch

    audio = torch.randn(settings_for(BATCH_SIZES, preset), *shape, device=device)

    def step() -> int:
        scatter_torch(audio, preset, device)
        _sync(device)
        return len(audio)
    return step


def _render_cost(shape, preset, device, selections: Callable, most_clips: int, items_per_clip: int) -> float:
    """Seconds per item (``items_per_clip`` per clip: its carriers, or 1 for a clip computing every path)
    and evaluation of a render: a batch of clips (up to ``most_clips``), each from
    the paths ``selections(paths, clip)`` picks, rendered with 2 and with 6 evaluations. The difference
    leaves out what a render does once (scattering the clips, which the ledger counts apart)."""
    from xaiaudio.explain.resynthesis import BATCH_SAMPLES, ResynthesisSettings, resynthesise
    from xaiaudio.features.scattering import scattering_paths

    n_clips = max(1, min(most_clips, BATCH_SAMPLES // shape[0]))
    clips = torch.randn(n_clips, *shape, generator=torch.Generator().manual_seed(0)).to(device)
    paths = scattering_paths(preset)
    selection = np.zeros((n_clips, len(paths)), dtype=bool)
    for clip in range(n_clips):
        selection[clip, selections(paths, clip)] = True
    seconds = {}
    for evaluations in (2, 2, 6):  # the first call warms up
        start = time.perf_counter()
        resynthesise(clips, selection, "keep", preset, ResynthesisSettings(evaluations))
        _sync(device)
        seconds[evaluations] = time.perf_counter() - start
    return max(seconds[6] - seconds[2], 0.0) / (n_clips * items_per_clip * 4)


def _measure_render_one_carrier(shape, preset, device):
    def selection(paths, clip):  # second-order paths of two carriers, as a class's top paths share them
        carriers = np.unique(paths.n1[paths.order == 2])
        middle = carriers[len(carriers) // 2 : len(carriers) // 2 + 2]
        return np.concatenate([np.flatnonzero((paths.n1 == n1) & (paths.order == 2))[:8] for n1 in middle])
    return _render_cost(shape, preset, device, selection, most_clips=8, items_per_clip=2)


def _measure_render_every_path(shape, preset, device):
    from xaiaudio.explain.resynthesis import MAX_PARTIAL_CARRIERS

    def selection(paths, clip):  # one path on each of more carriers than a partial render takes
        first = [np.flatnonzero(paths.n1 == n1)[0] for n1 in np.unique(paths.n1)]
        return np.array(first[clip % 2:][: MAX_PARTIAL_CARRIERS + 1])
    return _render_cost(shape, preset, device, selection, most_clips=4, items_per_clip=1)


def _measure_prototypes(shape, preset, device):
    from xaiaudio.models.prototype_model import PrototypeModel, supervised_loss
    from xaiaudio.training.prototype_curriculum import training_settings

    n_prototypes, n_mels, crop, n_active = shape
    batch = training_settings(preset)["batch_size"]
    model = _with_transforms(PrototypeModel(n_prototypes, n_mels, 22050).to(device), n_active)
    inputs = torch.rand(batch, n_mels, crop, device=device)
    labels = torch.randint(0, n_prototypes, (batch,), device=device)
    return _training_step(model, inputs, lambda m, x: supervised_loss(m, x, labels, 0.01)[0], device)


def _with_transforms(model, n_active: int):
    from xaiaudio.models.prototype_model import TRANSFORMS

    model.active = TRANSFORMS[:n_active]  # as many as the curriculum's stage had
    return model


def _measure_prototype_evaluation(shape, preset, device):
    from xaiaudio.models.prototype_model import PrototypeModel

    n_prototypes, n_mels, n_active = shape
    model = _with_transforms(PrototypeModel(n_prototypes, n_mels, 22050).to(device), n_active).eval()
    # whole notes are batched by equal length, so a batch holds few of them
    notes = torch.rand(2, n_mels, MEASURED_FRAMES, device=device)

    @torch.no_grad()
    def step() -> int:
        model(notes)
        _sync(device)
        return notes.shape[0] * notes.shape[-1]
    return step


def _measure_direct_cnn(shape, preset, device):
    from xaiaudio.models.baselines import DirectClassifier

    n_mels, crop = shape
    model = DirectClassifier(n_mels, 16).to(device)
    inputs = torch.rand(32, n_mels, crop, device=device)
    labels = torch.randint(0, 16, (32,), device=device)
    return _training_step(model, inputs, _cross_entropy(labels), device)


def _measure_autoencoder(shape, preset, device):
    from xaiaudio.models.baselines import ConvAutoencoder

    model = ConvAutoencoder().to(device)
    inputs = torch.rand(32, *shape, device=device)
    return _training_step(model, inputs, lambda m, x: torch.nn.functional.mse_loss(m(x), x), device)


def _notes_step(iterate: Callable, preset) -> Callable[[], int]:
    """A step synthesising one note of three techniques with a corpus iterator."""
    def step() -> int:
        return sum(1 for _ in iterate(preset, sizes={"vibrato": 1, "trill": 1, "tremolo": 1}))
    return step


def _measure_recorded_notes(shape, preset, device):
    from xaiaudio.synth.recorded_corpus import iter_recorded_corpus

    return _notes_step(iter_recorded_corpus, preset)


def _measure_synthetic_notes(shape, preset, device):
    from xaiaudio.synth.corpus import iter_corpus

    return _notes_step(iter_corpus, preset)


def _measure_utterances(shape, preset, device):
    from xaiaudio.synth.voices import VOICE_SIZES, make_speakers, synthesise_utterance

    speaker = make_speakers(1)[0]
    seconds = settings_for(VOICE_SIZES, preset)["seconds"]
    rng = np.random.default_rng(0)

    def step() -> int:
        synthesise_utterance(speaker, seconds, rng)
        return 1
    return step


def _measure_log_mels(shape, preset, device):
    from xaiaudio.features.melspec import log_mel, mel_settings
    from xaiaudio.training.prototype_curriculum import training_settings

    rate = get_preset(preset).sample_rate
    settings = mel_settings(rate, training_settings(preset)["n_mels"])
    note = np.random.default_rng(0).standard_normal(get_preset(preset).clip_samples).astype(np.float32)

    def step() -> int:
        log_mel(note, rate, settings)
        return 1
    return step


#: Kind of work -> ``measure(shape, preset, device)`` returning a step that does some items (timed by
#: :func:`item_cost`) or the seconds per item it measured itself.
MEASURES = {
    "convnet training example": _measure_convnet_training,
    "classifier forward example": _measure_forward,
    "relevance pass, PlayingTechniqueConvNet": _measure_relevance,
    "relevance pass, DirectClassifier": _measure_note_relevance,
    "scattered clip": _measure_scattering,
    "render evaluation, one carrier": _measure_render_one_carrier,
    "render evaluation, every path": _measure_render_every_path,
    "prototype training crop": _measure_prototypes,
    "prototype evaluation frame": _measure_prototype_evaluation,
    "direct CNN training crop": _measure_direct_cnn,
    "autoencoder training crop": _measure_autoencoder,
    "recorded note": _measure_recorded_notes,
    "synthetic note": _measure_synthetic_notes,
    "voice utterance": _measure_utterances,
    "log-mel note": _measure_log_mels,
}


def item_cost(kind: str, shape, preset: str, device: torch.device, threads: int | None) -> float:
    """Seconds per item of ``kind`` at ``shape``, on ``device`` with ``threads`` CPU threads."""
    with torch_threads(threads if device.type == "cpu" else None):
        measured = MEASURES[kind](tuple(shape), preset, device)
        return _seconds_per_item(measured) if callable(measured) else measured


def per_frame(totals: dict) -> dict:
    """``totals`` with the items of :data:`PER_FRAME_KINDS` merged into one entry per kind and
    band count, counted in frames and shaped ``(bands, MEASURED_FRAMES)`` (cost grows with length)."""
    merged = {}
    for key, entry in totals.items():
        if entry["kind"] not in PER_FRAME_KINDS:
            merged[key] = entry
            continue
        shape = [entry["shape"][0], MEASURED_FRAMES]
        target = merged.setdefault(work_key(entry["kind"], shape), {**entry, "shape": shape, "items": 0,
                                                                      "pooled_items": 0})
        for field in ("items", "pooled_items"):
            target[field] += entry[field] * entry["shape"][-1] / MEASURED_FRAMES
        target["pool"] = max(target["pool"], entry["pool"])
    return merged


# --- extrapolating the book's work to another preset -------------------------------------------------

def _corpus_ratio(preset: str) -> float:
    from xaiaudio.synth.corpus import CORPUS_SIZES

    return sum(CORPUS_SIZES[preset].values()) / sum(CORPUS_SIZES["book"].values())


def _voice_ratio(preset: str) -> float:
    from xaiaudio.synth.voices import VOICE_SIZES

    def utterances(p):
        return VOICE_SIZES[p]["n_speakers"] * VOICE_SIZES[p]["utterances"]
    return utterances(preset) / utterances("book")


def _seed_ratios(preset: str) -> dict:
    from xaiaudio.experiments.kurtosis_drivers import DRIVER_SEEDS
    from xaiaudio.experiments.scorecard import SEED_COUNTS
    from xaiaudio.experiments.shortcut import SHORTCUT_SEEDS

    return {chapter: table[preset] / table["book"] for chapter, table in
            (("scorecard", SEED_COUNTS), ("kurtosis_ordering", DRIVER_SEEDS), ("shortcut", SHORTCUT_SEEDS))}


def _render_ratio(preset: str) -> float:
    from xaiaudio.data.splits import split_table
    from xaiaudio.experiments.audible import AUDIBLE_SETTINGS
    from xaiaudio.explain.resynthesis import RESYNTHESIS_SETTINGS
    from xaiaudio.synth.corpus import CORPUS_SIZES

    evaluations = RESYNTHESIS_SETTINGS[preset].evaluations / RESYNTHESIS_SETTINGS["book"].evaluations
    book, there = AUDIBLE_SETTINGS["book"].test_clips, AUDIBLE_SETTINGS[preset].test_clips
    if there is None:  # every test clip: the test share of the preset's corpus
        test_share = inspect.signature(split_table).parameters["fractions"].default[-1]
        there = test_share * sum(CORPUS_SIZES[preset].values())
    return evaluations * there / book


def _shape_at(kind: str, shape: list, preset: str) -> list:
    """The shape of one item of ``kind`` at ``preset``, given its shape at the book preset."""
    from xaiaudio.features.scattering import scattering_paths, scattering_spec
    from xaiaudio.training.prototype_curriculum import training_settings

    if kind in ("scattered clip", "render evaluation, one carrier", "render evaluation, every path"):
        return [get_preset(preset).clip_samples]
    if kind in ("convnet training example", "classifier forward example",
                "relevance pass, PlayingTechniqueConvNet"):
        book, there = scattering_paths("book"), scattering_paths(preset)
        paths = {book.n_s1: there.n_s1, len(book): len(there)}.get(shape[0], shape[0])
        return [paths, scattering_spec(preset).n_frames]
    settings = training_settings(preset)
    if kind == "prototype training crop":
        return [shape[0], settings["n_mels"], settings["crop_frames"], shape[-1]]
    if kind == "prototype evaluation frame":
        return [shape[0], settings["n_mels"], shape[-1]]
    if kind in ("direct CNN training crop", "autoencoder training crop"):
        return [settings["n_mels"], settings["crop_frames"]]
    if kind == "relevance pass, DirectClassifier":  # whole notes: as many frames per second
        return [settings["n_mels"], shape[-1]]
    return shape  # notes: measured at the preset's own length


def extrapolated_work(book_work: dict, preset: str) -> dict:
    """The book's per-chapter work scaled to ``preset`` (see the module's docstring)."""
    seeds = _seed_ratios(preset)
    scales = {"render evaluation, one carrier": _render_ratio(preset),
              "render evaluation, every path": _render_ratio(preset), "voice utterance": _voice_ratio(preset)}
    work = {}
    for chapter, totals in book_work.items():
        work[chapter] = {}
        for entry in totals.values():
            scale = scales.get(entry["kind"], _corpus_ratio(preset)) * seeds.get(chapter, 1.0)
            shape = _shape_at(entry["kind"], entry["shape"], preset)
            scaled = {**entry, "shape": shape, "items": round(entry["items"] * scale),
                      "pooled_items": round(entry["pooled_items"] * scale)}
            work[chapter][work_key(entry["kind"], shape)] = scaled
    return work


# --- the plan ---------------------------------------------------------------------------------------

def plan(preset: str, device: torch.device) -> dict:
    """Measure the item costs and predict every chapter's time at ``preset`` on ``device``."""
    started = time.perf_counter()
    recorded = read_work()
    extrapolated = preset not in recorded
    if extrapolated and "book" not in recorded:
        raise SystemExit("no recorded work: run `python -m benchmarks.bench_chapters --preset book --record`")
    work = extrapolated_work(recorded["book"], preset) if extrapolated else recorded[preset]
    runtimes, _ = read_runtimes()
    seconds = runtimes.get("seconds", {})
    cores = os.cpu_count() or 1
    default_threads = torch.get_num_threads()
    costs: dict = {}

    def cost(entry, one_thread: bool) -> float:
        threads = 1 if one_thread or entry["kind"] in ONE_THREAD_KINDS else default_threads
        key = (work_key(entry["kind"], entry["shape"]), threads)
        if key not in costs:
            costs[key] = item_cost(entry["kind"], entry["shape"], preset, device, threads)
        return costs[key]

    chapters = {}
    for chapter, totals in work.items():
        by_kind = {}
        for key, entry in per_frame(totals).items():
            seconds_here = entry["items"] * cost(entry, one_thread=False) if entry["items"] else 0.0
            # a pool has one worker per core, each on one thread, on a CPU; none on a GPU
            if entry["pooled_items"] and device.type == "cpu":
                seconds_here += entry["pooled_items"] * cost(entry, one_thread=True) / cores
            elif entry["pooled_items"]:
                seconds_here += entry["pooled_items"] * cost(entry, one_thread=False)
            by_kind[key] = round(seconds_here, 1)
        computed = sum(by_kind.values())
        # the filled-cache run is recorded at the book preset; the paper preset's is longer
        filled = seconds.get(chapter, {}).get(WARM_RUN) if preset != "smoke" else None
        measured = seconds.get(chapter, {}).get(preset)
        chapters[chapter] = {
            "computed_s": round(computed, 1),
            "filled_cache_s": filled,
            "predicted_s": None if filled is None else round(filled + computed, 1),
            "measured_s": measured,
            "computed_by_kind_s": by_kind,
        }
    return {
        "preset": preset,
        "device": str(device),
        "machine": f"{cores} CPU cores"
        + (f", {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""),
        "measured_on": datetime.date.today().isoformat(),
        "work": ("extrapolated from the book preset's recorded work" if extrapolated
                 else "recorded at this preset"),
        "item_costs_s": {f"{key} @{threads} thread(s)": value for (key, threads), value in costs.items()},
        "measuring_s": round(time.perf_counter() - started, 1),
        "chapters": chapters,
    }


def format_plan(result: dict) -> str:
    """The plan as a text table."""
    lines = [f"preset {result['preset']} on {result['device']} ({result['machine']}); work "
             f"{result['work']}; item costs measured in {result['measuring_s']} s", "",
             f"{'chapter':22} {'computing':>10} {'filled cache':>13} {'predicted':>10} {'measured':>9} "
             f"{'ratio':>6}"]
    totals = [0.0, 0.0, 0.0]
    for chapter, row in result["chapters"].items():
        ratio = (f"{row['predicted_s'] / row['measured_s']:.2f}"
                 if row["predicted_s"] and row["measured_s"] else "")
        lines.append(f"{chapter:22} {row['computed_s']:10.1f} {_s(row['filled_cache_s']):>13} "
                     f"{_s(row['predicted_s']):>10} {_s(row['measured_s']):>9} {ratio:>6}")
        totals = [t + (v or 0.0) for t, v in zip(totals, (row["computed_s"], row["predicted_s"],
                                                              row["measured_s"]))]
    # no filled-cache time (smoke): no prediction to total or compare
    lines.append(f"{'total':22} {totals[0]:10.1f} {'':>13} {totals[1]:10.1f} {totals[2]:9.1f} "
                 f"{totals[1] / totals[2]:6.2f}" if totals[1] and totals[2]
                 else f"{'total':22} {totals[0]:10.1f}")
    return "\n".join(lines)


def _s(value) -> str:
    return "" if value is None else f"{value:.1f}"


def check(result: dict) -> tuple[list[str], list[str]]:
    """``(problems, outliers)``: the whole book's prediction more than :data:`TOLERANCE` from its
    measured time (a problem), and the chapters whose own prediction is (reported, not failed: a
    chapter's time also depends on what earlier chapters left in the cache)."""
    rows = [(c, r) for c, r in result["chapters"].items() if r["predicted_s"] and r["measured_s"]]
    if not rows:
        return ["no chapter has both a prediction and a measured time at this preset"], []
    outliers = [f"{c}: predicted {r['predicted_s']} s, measured {r['measured_s']} s" for c, r in rows
                if abs(r["predicted_s"] - r["measured_s"]) > TOLERANCE * r["measured_s"]]
    predicted, measured = sum(r["predicted_s"] for _, r in rows), sum(r["measured_s"] for _, r in rows)
    problems = ([f"whole book: predicted {predicted:.0f} s, measured {measured:.0f} s"]
                if abs(predicted - measured) > TOLERANCE * measured else [])
    return problems, outliers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="book", choices=["smoke", "book", "paper"])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--check", action="store_true",
                        help=f"fail when a prediction is more than {TOLERANCE:.0%} from the recorded time")
    parser.add_argument("--record", action="store_true",
                        help="write benchmarks/results/plan_<preset>_<device>.json")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: this machine has no CUDA device")
    result = plan(args.preset, device)
    print(format_plan(result))
    if args.record:
        path = RESULTS / f"plan_{args.preset}_{device.type}.json"
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(f"recorded {path}")
    if args.check:
        problems, outliers = check(result)
        for outlier in outliers:
            print(f"chapter off by more than {TOLERANCE:.0%}:", outlier)
        for problem in problems:
            print(f"off by more than {TOLERANCE:.0%}:", problem)
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
