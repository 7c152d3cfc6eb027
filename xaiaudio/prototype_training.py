"""Curriculum training and evaluation of the playable-prototype model.

Used by the chapters *Playable prototypes* (``book/prototypes.md``) and
*Playable prototypes: voices* (``book/prototypes_voices.md``).

* :class:`SpectrogramSet`: normalised log-mels of a labelled, split collection of clips.
* :func:`train_prototypes`: supervised (with or without cross-entropy) or
  unsupervised training through the curriculum raw -> gain -> pitch -> filters
  (-> temperature) -> lr decay, each stage ending when the training loss has not
  improved for ``patience`` epochs.  Trained weights are cached.
* :func:`classification_metrics`: overall accuracy (OA), average per-class
  accuracy (AA); clusters are mapped to classes by majority vote over the
  *training* assignments.
"""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import dataclass, field

import numpy as np
import torch

from xaiaudio.melspec import MelSettings, log_mel, mel_settings
from xaiaudio.prototypes import (
    TRANSFORMS,
    PrototypeModel,
    clustering_loss,
    initial_prototypes,
    reconstruction_error,
    supervised_loss,
)

#: Per-preset training settings.  ``paper`` is the published setting (lr 1e-4, batch 128, crops of 256
#: frames for instruments and 192 for speech, patience 10 epochs, no cap); ``book`` and ``smoke`` shrink
#: the crops, the mel axis and the patience, cap each stage's epochs and raise the learning rate so
#: that a run fits in minutes (book) or seconds (smoke) on one CPU thread.
SETTINGS = {
    "smoke": dict(
        n_mels=32,
        crop_frames=16,
        speech_crop_frames=16,
        batch_size=16,
        patience=1,
        max_stage_epochs=2,
        lr=3e-3,
        beta_lr=0.3,
        threads=1,
        baseline_epochs=3,
    ),
    "book": dict(
        n_mels=64,
        crop_frames=32,
        speech_crop_frames=32,
        batch_size=32,
        patience=2,
        max_stage_epochs=6,
        lr=2e-3,
        beta_lr=0.3,
        threads=1,
        baseline_epochs=12,
    ),
    "paper": dict(
        n_mels=128,
        crop_frames=256,
        speech_crop_frames=192,
        batch_size=128,
        patience=10,
        max_stage_epochs=None,
        lr=1e-4,
        beta_lr=1e-2,
        threads=None,
        baseline_epochs=200,
    ),
}
#: Settings shared by every preset.
COMMON = dict(
    weight_decay=1e-6,
    cross_entropy_weight=0.01,
    theta_init=-4.0,
    init_noise=0.01,
    reseed_fraction=0.2,
    reseed_noise=0.02,
    lr_decay=0.1,
    min_improvement=1e-3,
)
#: Loss values are reported as mean squared error x 100 (the normalised log-mel lies in about [0, 1]).
LREC_SCALE = 100.0


def training_settings(preset: str) -> dict:
    """The merged per-preset and common settings for ``preset`` ("smoke", "book" or "paper")."""
    if preset not in SETTINGS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(SETTINGS)}")
    return {**COMMON, **SETTINGS[preset]}


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Temporarily limit torch's intra-op threads (one thread is fastest on a shared 2-core machine)."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --------------------------------------------------------------------------- data
@dataclass
class SpectrogramSet:
    """Normalised log-mels (each (n_mels, frames)) with labels, splits, class names and clip names."""

    features: list
    labels: np.ndarray
    split: np.ndarray
    class_names: list
    settings: MelSettings
    names: list = field(default_factory=list)
    kind: str = "instruments"

    def indices(self, split: str) -> np.ndarray:
        """Indices of the clips in ``split`` ("train", "val" or "test")."""
        return np.flatnonzero(self.split == split)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def fingerprint(self) -> str:
        """Content hash of features, labels, splits and front-end settings (the cache key of a run)."""
        from xaiaudio.cache import content_key

        return content_key(
            "spectrogram-set",
            self.settings,
            self.features,
            self.labels,
            [str(s) for s in self.split],
            list(self.class_names),
        )

    def class_mean(self, k: int, split: str = "train") -> np.ndarray:
        """Average log-mel frame of class ``k`` over a split (Fig. 4's left column)."""
        rows = [self.features[i] for i in self.indices(split) if self.labels[i] == k]
        if not rows:
            raise ValueError(f"class {k} has no {split} clip")
        return np.concatenate(rows, axis=1).mean(axis=1)


def spectrogram_set(
    clips,
    sample_rates,
    labels,
    split,
    class_names,
    n_mels: int,
    sample_rate: int,
    names=None,
    kind: str = "instruments",
) -> SpectrogramSet:
    """Compute the log-mels of ``clips`` (each resampled to ``sample_rate`` if needed, checked for silence
    and length by :func:`xaiaudio.melspec.check_clip`) into a :class:`SpectrogramSet`."""
    settings = mel_settings(sample_rate, n_mels)
    names = list(names) if names is not None else [f"clip {i}" for i in range(len(clips))]
    if np.isscalar(sample_rates):
        sample_rates = [int(sample_rates)] * len(clips)
    features = [log_mel(y, sr, settings, name) for y, sr, name in zip(clips, sample_rates, names)]
    labels = np.asarray(labels, dtype=np.int64)
    split = np.asarray([str(s) for s in split])
    if not (len(features) == len(labels) == len(split)):
        raise ValueError("clips, labels and split must have the same length")
    if labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError("labels must index class_names")
    return SpectrogramSet(features, labels, split, list(class_names), settings, names, kind)


def random_crops(data: SpectrogramSet, indices, frames: int, rng: np.random.Generator) -> np.ndarray:
    """One random crop of ``frames`` frames per clip (clips shorter than that are padded with silence, 0)."""
    out = np.zeros((len(indices), data.settings.n_mels, frames), dtype=np.float32)
    for row, i in enumerate(indices):
        feature = data.features[i]
        length = feature.shape[1]
        if length <= frames:
            out[row, :, :length] = feature
        else:
            start = int(rng.integers(length - frames + 1))
            out[row] = feature[:, start : start + frames]
    return out


# --------------------------------------------------------------------------- metrics
def majority_mapping(assignments, labels, n_clusters: int, n_classes: int) -> np.ndarray:
    """Class of each cluster by majority vote over (training) assignments; unused clusters get the
    most frequent class."""
    assignments, labels = np.asarray(assignments), np.asarray(labels)
    fallback = int(np.bincount(labels, minlength=n_classes).argmax())
    mapping = np.full(n_clusters, fallback, dtype=np.int64)
    for k in range(n_clusters):
        members = labels[assignments == k]
        if members.size:
            mapping[k] = int(np.bincount(members, minlength=n_classes).argmax())
    return mapping


def classification_metrics(predictions, labels) -> dict:
    """OA (percentage of correct predictions) and AA (unweighted mean of per-class recalls, in %)."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if labels.size == 0:
        raise ValueError("no labelled examples to score")
    recalls = [np.mean(predictions[labels == c] == c) for c in np.unique(labels)]
    return {"OA": 100.0 * float(np.mean(predictions == labels)), "AA": 100.0 * float(np.mean(recalls))}


# --------------------------------------------------------------------------- evaluation
@torch.no_grad()
def reconstruction_errors(
    model: PrototypeModel, data: SpectrogramSet, indices, batch_size: int = 32, device="cpu"
) -> np.ndarray:
    """``L_rec(x, k)`` of whole clips (not crops) against every prototype, shape (len(indices), K)."""
    model.eval()
    indices = np.asarray(indices)
    out = np.zeros((len(indices), model.n_prototypes), dtype=np.float64)
    lengths = np.array([data.features[i].shape[1] for i in indices])
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            x = torch.from_numpy(np.stack([data.features[indices[r]] for r in chunk])).to(device)
            out[chunk] = reconstruction_error(x, model(x)).cpu().numpy()
    return out


def evaluate(
    model: PrototypeModel,
    data: SpectrogramSet,
    split: str,
    supervised: bool,
    train_errors: np.ndarray | None = None,
    device="cpu",
) -> dict:
    """OA, AA and L_rec (x 100) on ``split``.

    Supervised: the prediction is ``argmin_k L_rec`` and L_rec is the error of the
    label's prototype.  Unsupervised: clusters are mapped to classes by majority
    vote over the training assignments (``train_errors``, computed if missing) and
    L_rec is the error of the best prototype.
    """
    idx = data.indices(split)
    errors = reconstruction_errors(model, data, idx, device=device)
    labels = data.labels[idx]
    assign = errors.argmin(1)
    if supervised:
        predictions = assign
        lrec = errors[np.arange(len(idx)), labels].mean()
    else:
        if train_errors is None:
            train_errors = reconstruction_errors(model, data, data.indices("train"), device=device)
        mapping = majority_mapping(
            train_errors.argmin(1), data.labels[data.indices("train")], model.n_prototypes, data.n_classes
        )
        predictions = mapping[assign]
        lrec = errors.min(1).mean()
    return {**classification_metrics(predictions, labels), "L_rec": LREC_SCALE * float(lrec)}


# --------------------------------------------------------------------------- training
def curriculum(mode: str, cross_entropy: bool) -> list:
    """Stage names: raw, gain, pitch, filters, (temperature: supervised with cross-entropy), lr_decay."""
    stages = ["raw", "gain", "pitch", "filters"]
    if mode == "supervised" and cross_entropy:
        stages.append("temperature")
    return stages + ["lr_decay"]


def active_transforms(stage: str) -> tuple:
    """Transformations enabled at a curriculum stage."""
    if stage in ("raw", "gain", "pitch"):
        return TRANSFORMS[: ("raw", "gain", "pitch").index(stage)]
    return TRANSFORMS


@dataclass
class TrainedPrototypes:
    """A trained model with its per-stage history, metrics and weights (``stage_states``)."""

    model: PrototypeModel
    history: list
    stage_states: dict
    mode: str
    cross_entropy: bool
    settings: dict

    def model_at(self, stage: str) -> PrototypeModel:
        """A copy of the model as it was at the end of curriculum ``stage``."""
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.stage_states[stage])
        model.active = active_transforms(stage)
        return model.eval()

    def stage_metrics(self) -> list:
        """One dict per stage: stage, epochs, train_loss and validation OA / AA / L_rec."""
        return [{k: v for k, v in row.items() if k != "losses"} for row in self.history]


def _reseed(
    model: PrototypeModel, counts: np.ndarray, fraction: float, noise: float, gen: torch.Generator
) -> int:
    """Replace prototypes used by fewer than ``fraction * N / K`` samples with a copy of the most used one
    plus noise (its transformation heads are copied too).  Returns the number re-seeded."""
    expected = counts.sum() / len(counts)
    dead = np.flatnonzero(counts < fraction * expected)
    if dead.size == 0 or dead.size == len(counts):
        return 0
    order = np.argsort(-counts)
    with torch.no_grad():
        for j, k in enumerate(dead):
            source = int(order[j % max(1, len(counts) - dead.size)])
            bump = noise * torch.randn(model.n_mels, generator=gen)
            model.prototypes[k] = model.prototypes[source] + bump.to(model.prototypes.device)
            for decoder in model.decoders.values():
                n = decoder.n_out
                decoder.head.weight[k * n : (k + 1) * n] = decoder.head.weight[source * n : (source + 1) * n]
                decoder.head.bias[k * n : (k + 1) * n] = decoder.head.bias[source * n : (source + 1) * n]
    return int(dead.size)


def fit_prototypes(
    data: SpectrogramSet,
    mode: str = "supervised",
    cross_entropy: bool = True,
    preset: str = "book",
    seed: int = 0,
    device="cpu",
    progress: bool = True,
    settings: dict | None = None,
) -> dict:
    """Train from scratch (no cache); returns tensors and a JSON history (what the cache stores)."""
    from tqdm.auto import tqdm

    if mode not in ("supervised", "unsupervised"):
        raise ValueError(f"mode must be 'supervised' or 'unsupervised', got {mode!r}")
    cfg = settings or training_settings(preset)
    train_idx = data.indices("train")
    if len(train_idx) < data.n_classes and mode == "unsupervised":
        raise ValueError(f"{len(train_idx)} training clips cannot seed {data.n_classes} prototypes")
    if len(train_idx) == 0:
        raise ValueError("the training split is empty")
    crop = cfg["speech_crop_frames"] if data.kind == "speech" else cfg["crop_frames"]
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    device = torch.device(device)
    supervised = mode == "supervised"
    history, states = [], {}
    with torch_threads(cfg["threads"]):
        model = PrototypeModel(
            data.n_classes, data.settings.n_mels, data.settings.sample_rate, cfg["theta_init"]
        ).to(device)
        means = random_crops(data, train_idx, crop, rng).mean(axis=2)
        init = initial_prototypes(means, data.n_classes, rng, cfg["init_noise"])
        with torch.no_grad():
            model.prototypes.copy_(torch.from_numpy(init))
        network = [p for name, p in model.named_parameters() if name not in ("prototypes", "theta")]
        optimizer = torch.optim.AdamW(
            [
                {"params": network, "lr": cfg["lr"], "weight_decay": cfg["weight_decay"]},
                {"params": [model.prototypes], "lr": cfg["lr"], "weight_decay": 0.0},
                {"params": [model.theta], "lr": cfg["beta_lr"], "weight_decay": 0.0},
            ]
        )
        stages = curriculum(mode, cross_entropy)
        bar = tqdm(
            total=len(stages),
            desc=f"{mode}{' + CE' if cross_entropy and supervised else ''}",
            disable=not progress,
            leave=False,
        )
        for stage in stages:
            if stage == "lr_decay":
                for group in optimizer.param_groups:
                    group["lr"] *= cfg["lr_decay"]
            else:
                model.active = active_transforms(stage)
            use_ce = supervised and cross_entropy and stage in ("temperature", "lr_decay")
            best, wait, losses, reseeded = np.inf, 0, [], 0
            while True:
                model.train()
                order = rng.permutation(train_idx)
                total, counts = 0.0, np.zeros(data.n_classes)
                for start in range(0, len(order), cfg["batch_size"]):
                    batch = order[start : start + cfg["batch_size"]]
                    if len(batch) < 2:  # batch norm needs two examples
                        continue
                    x = torch.from_numpy(random_crops(data, batch, crop, rng)).to(device)
                    if supervised:
                        y = torch.from_numpy(data.labels[batch]).to(device)
                        loss, _ = supervised_loss(model, x, y, cfg["cross_entropy_weight"] if use_ce else 0.0)
                    else:
                        loss, errors = clustering_loss(model, x)
                        counts += np.bincount(errors.argmin(1).cpu().numpy(), minlength=data.n_classes)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    total += loss.item() * len(batch)
                epoch_loss = total / len(order)
                if not np.isfinite(epoch_loss):
                    raise FloatingPointError(f"training loss became {epoch_loss} at stage {stage}")
                losses.append(epoch_loss)
                if not supervised:
                    reseeded += _reseed(model, counts, cfg["reseed_fraction"], cfg["reseed_noise"], gen)
                if epoch_loss < best * (1.0 - cfg["min_improvement"]):
                    best, wait = epoch_loss, 0
                else:
                    wait += 1
                cap = cfg["max_stage_epochs"]
                if wait >= cfg["patience"] or (cap is not None and len(losses) >= cap):
                    break
            metrics = evaluate(model, data, "val", supervised, device=device)
            history.append(
                {
                    "stage": stage,
                    "epochs": len(losses),
                    "train_loss": LREC_SCALE * losses[-1],
                    "losses": [LREC_SCALE * v for v in losses],
                    "reseeded": reseeded,
                    "beta": model.beta.item(),
                    **{f"val_{k}": v for k, v in metrics.items()},
                }
            )
            states[stage] = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            bar.update(1)
        bar.close()
    return {"states": states, "history": json.dumps(history), "stages": json.dumps(stages)}


def train_prototypes(
    data: SpectrogramSet,
    mode: str = "supervised",
    cross_entropy: bool = True,
    preset: str = "book",
    seed: int = 0,
    device="cpu",
    progress: bool = True,
) -> TrainedPrototypes:
    """Train (or load from the cache) a prototype model through the whole curriculum.

    ``mode``: "supervised" (prototype k reconstructs class k; with ``cross_entropy``
    the temperature stage adds ``0.01 * CE(softmax(-beta L_rec))``) or
    "unsupervised" (``min_k L_rec``, prototypes re-seeded when unused).  The key of
    the cache entry is the data's content hash, the settings and the seed.
    """
    from xaiaudio.cache import cached_state_dict, content_key

    cfg = training_settings(preset)
    cross_entropy = bool(cross_entropy) and mode == "supervised"
    key = content_key("prototypes-v1", data.fingerprint(), mode, cross_entropy, cfg, int(seed))
    stored = cached_state_dict(
        "prototypes",
        key,
        lambda: fit_prototypes(data, mode, cross_entropy, preset, seed, device, progress, cfg),
    )
    stages = json.loads(stored["stages"])
    model = PrototypeModel(data.n_classes, data.settings.n_mels, data.settings.sample_rate, cfg["theta_init"])
    model.load_state_dict(stored["states"][stages[-1]])
    model.active = TRANSFORMS
    model.to(torch.device(device)).eval()
    return TrainedPrototypes(model, json.loads(stored["history"]), stored["states"], mode, cross_entropy, cfg)


# --------------------------------------------------------------------------- datasets of the chapters
def instrument_set(config, n_mels: int | None = None) -> tuple:
    """Log-mels of every note of the instrument dataset (embedded corpus or real SOL, via
    :func:`xaiaudio.data.load_instrument_dataset`), labelled by instrument.  Returns ``(set, dataset)``."""
    from xaiaudio.data import load_instrument_dataset

    dataset = load_instrument_dataset(config)
    n_mels = n_mels or training_settings(config.preset.name)["n_mels"]
    table = dataset.table
    clips = [dataset.load_audio(i) for i in range(len(table))]
    names = [f"{r.instrument} {r.technique} midi {r.midi} {r.dynamics}" for r in table.itertuples()]
    data = spectrogram_set(
        clips,
        config.preset.sample_rate,
        table["label"].to_numpy(),
        table["split"].to_numpy(),
        list(dataset.classes),
        n_mels,
        config.preset.sample_rate,
        names,
        "instruments",
    )
    return data, dataset


def voice_set(config, n_mels: int | None = None) -> tuple:
    """Log-mels of the speakers: a LibriSpeech folder when ``config.data_dir`` is set
    (:func:`xaiaudio.librispeech.load_librispeech`), else the synthetic voices of
    :mod:`xaiaudio.voices`.  Returns ``(set, corpus)``."""
    n_mels = n_mels or training_settings(config.preset.name)["n_mels"]
    if config.data_dir:
        from xaiaudio.librispeech import LIBRISPEECH_SPEAKERS, load_librispeech

        corpus = load_librispeech(config.data_dir, LIBRISPEECH_SPEAKERS[config.preset.name], seed=config.seed)
        clips = [corpus.load_audio(i) for i in range(len(corpus.paths))]
        data = spectrogram_set(
            clips,
            corpus.sample_rate,
            corpus.labels,
            corpus.split,
            corpus.speakers,
            n_mels,
            corpus.sample_rate,
            [str(p) for p in corpus.paths],
            "speech",
        )
        return data, corpus
    from xaiaudio.voices import make_voice_corpus

    corpus = make_voice_corpus(config.preset.name, config.seed)
    names = [f"{corpus.speakers[k].name} #{i}" for i, k in enumerate(corpus.labels)]
    data = spectrogram_set(
        corpus.audio,
        corpus.sample_rate,
        corpus.labels,
        corpus.split,
        corpus.speaker_names,
        n_mels,
        corpus.sample_rate,
        names,
        "speech",
    )
    return data, corpus


# --------------------------------------------------------------------------- the chapters' experiment tables
TABLE1_ROWS = {
    "raw": "Raw prototypes",
    "gain": "+ gain",
    "pitch": "+ pitch",
    "filters": "+ filters",
    "lr_decay": "+ cross-entropy",
}


def ablation_rows(supervised_run: TrainedPrototypes, unsupervised_run: TrainedPrototypes) -> list:
    """Table 1 of the paper: validation OA / AA / L_rec after each curriculum stage.

    Supervised rows raw..filters are the supervised run before its temperature
    stage; "+ cross-entropy" is its final model.  Unsupervised rows are the
    clustering run's stages (its "+ filters" row is its final model, after lr decay).
    """
    sup = {row["stage"]: row for row in supervised_run.history}
    unsup = {row["stage"]: row for row in unsupervised_run.history}
    rows = []
    for stage, label in TABLE1_ROWS.items():
        row = {"model": label}
        source_u = unsup.get("lr_decay" if stage == "filters" else stage) if stage != "lr_decay" else None
        for prefix, source in (("unsup", source_u), ("sup", sup.get(stage))):
            for metric in ("OA", "AA", "L_rec"):
                row[f"{prefix}_{metric}"] = None if source is None else source[f"val_{metric}"]
        rows.append(row)
    return rows


def run_prototype_experiments(
    data: SpectrogramSet, preset: str, seed: int = 0, device="cpu", progress: bool = True
) -> dict:
    """Everything a chapter tabulates for one dataset: supervised (+CE) and unsupervised prototype runs,
    the direct CNN and autoencoder + k-means baselines, and their test metrics (all cached)."""
    from xaiaudio.baselines import autoencoder_kmeans, train_direct_classifier

    supervised = train_prototypes(data, "supervised", True, preset, seed, device, progress)
    unsupervised = train_prototypes(data, "unsupervised", False, preset, seed, device, progress)
    with torch_threads(training_settings(preset)["threads"]):
        test_sup = evaluate(supervised.model, data, "test", True, device=device)
        test_sup_noce = evaluate(supervised.model_at("filters").to(device), data, "test", True, device=device)
        test_unsup = evaluate(unsupervised.model, data, "test", False, device=device)
    return {
        "supervised": supervised,
        "unsupervised": unsupervised,
        "table1": ablation_rows(supervised, unsupervised),
        "test_supervised": test_sup,
        "test_supervised_no_ce": test_sup_noce,
        "test_unsupervised": test_unsup,
        "direct": train_direct_classifier(data, preset, seed, progress),
        "autoencoder": autoencoder_kmeans(data, preset, seed, progress),
    }


def trend_summary(table1: list) -> dict:
    """Which of the paper's Table 1 trends hold: L_rec falls with each transformation (supervised and
    unsupervised), cross-entropy raises supervised OA, and costs some L_rec.  Returns booleans."""
    sup = [row["sup_L_rec"] for row in table1[:4]]
    unsup = [row["unsup_L_rec"] for row in table1[:4]]
    return {
        "sup_lrec_falls": all(b < a for a, b in zip(sup, sup[1:])),
        "unsup_lrec_falls": all(b < a for a, b in zip(unsup, unsup[1:])),
        "ce_raises_oa": table1[4]["sup_OA"] > table1[3]["sup_OA"],
        "ce_costs_lrec": table1[4]["sup_L_rec"] > table1[3]["sup_L_rec"],
        "transforms_raise_sup_oa": table1[3]["sup_OA"] > table1[0]["sup_OA"],
    }


# --------------------------------------------------------------------------- chapter text helpers
def _fmt(value):
    return "-" if value is None else f"{value:.1f}"


def table1_markdown(rows) -> str:
    """Markdown table in the form of the paper's Table 1 (rows of :func:`ablation_rows`)."""
    lines = [
        "| model | unsup. OA | unsup. AA | unsup. L_rec | sup. OA | sup. AA | sup. L_rec |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cells = [_fmt(row[f"{p}_{m}"]) for p in ("unsup", "sup") for m in ("OA", "AA", "L_rec")]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def trend_sentence(trends, who) -> str:
    """A sentence stating which Table 1 trends of :func:`trend_summary` hold (generated, never hand-typed)."""
    said = []
    said.append(
        "each added transformation lowers the supervised reconstruction error"
        if trends["sup_lrec_falls"]
        else "the supervised reconstruction error does not fall at every added transformation"
    )
    said.append(
        "so does the unsupervised one"
        if trends["unsup_lrec_falls"]
        else "the unsupervised one does not fall at every stage"
    )
    said.append(
        "the transformations raise supervised accuracy over raw prototypes"
        if trends["transforms_raise_sup_oa"]
        else "the transformations do not raise supervised accuracy"
    )
    cross_entropy = {
        (True, True): "the cross-entropy term raises OA at the cost of a higher reconstruction error, "
                      "as in the paper",
        (True, False): "the cross-entropy term raises OA without raising the reconstruction error "
                       "(the paper saw the error rise)",
        (False, True): "unlike in the paper, the cross-entropy term does not raise OA, "
                       "though it raises the reconstruction error",
        (False, False): "unlike in the paper, the cross-entropy term raises neither OA nor the "
                        "reconstruction error",
    }
    said.append(cross_entropy[(bool(trends["ce_raises_oa"]), bool(trends["ce_costs_lrec"]))])
    return f"For {who}: " + "; ".join(said) + "."


def tables23_markdown(results) -> tuple:
    """Markdown tables in the forms of the paper's Table 2 (clustering) and Table 3 (classification)."""
    ae, direct = results["autoencoder"]["test"], results["direct"]["test"]
    ours_u, ours_s = results["test_unsupervised"], results["test_supervised"]
    t2 = [
        "| clustering (test) | OA | AA |",
        "| --- | ---: | ---: |",
        f"| Autoencoder + k-means | {ae['OA']:.1f} | {ae['AA']:.1f} |",
        f"| Ours without supervision | {ours_u['OA']:.1f} | {ours_u['AA']:.1f} |",
    ]
    t3 = [
        "| classification (test) | OA | AA | L_rec |",
        "| --- | ---: | ---: | ---: |",
        f"| Direct classification (CNN) | {direct['OA']:.1f} | {direct['AA']:.1f} | - |",
        f"| Ours with supervision | {ours_s['OA']:.1f} | {ours_s['AA']:.1f} | {ours_s['L_rec']:.2f} |",
    ]
    return "\n".join(t2), "\n".join(t3)


def comparison_sentence(results, who) -> str:
    """A sentence comparing prototypes with the baselines on the test split, generated from the numbers."""
    ae, direct = results["autoencoder"]["test"]["OA"], results["direct"]["test"]["OA"]
    ours_u, ours_s = results["test_unsupervised"]["OA"], results["test_supervised"]["OA"]
    first = (
        f"unsupervised prototypes cluster {who} better than autoencoder + k-means, as in the paper"
        if ours_u > ae
        else f"unlike in the paper, autoencoder + k-means clusters {who} at least as well"
    )
    second = (
        "supervised prototypes beat the direct CNN, as in the paper"
        if ours_s > direct
        else "the direct CNN is at least as accurate as supervised prototypes (the paper found the opposite)"
    )
    return f"On the test split, {first}; {second}."
