"""Curriculum training and evaluation of the playable-prototype model.

The model is :class:`xaiaudio.models.prototype_model.PrototypeModel`; the
data a :class:`xaiaudio.features.spectrograms.SpectrogramSet`.

* :func:`train_prototypes`: supervised (with or without cross-entropy) or
  unsupervised training through the curriculum raw -> gain -> pitch ->
  filters (-> temperature) -> lr_decay (:func:`curriculum`), each stage
  ending when the training loss has not improved for ``patience`` epochs.
  Trained weights are cached; :func:`fit_prototypes` is the uncached
  training itself.
* :func:`evaluate_prototypes`: overall accuracy (OA), average per-class
  accuracy (AA) and reconstruction error of whole clips; clusters are
  mapped to classes by majority vote over the *training* assignments.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from xaiaudio.core import cache, work_ledger
from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.core.threads import torch_threads
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.prototype_model import (
    TRANSFORMS,
    PrototypeModel,
    class_prototypes,
    clustering_loss,
    initial_prototypes,
    reconstruction_error,
    supervised_loss,
)
from xaiaudio.training.metrics import (
    majority_mapping,
    overall_and_average_accuracy,
)

#: Per-preset training settings. ``paper`` is the published setting (lr
#: 1e-4, batch 128, crops of 256 frames for instruments and 192 for speech,
#: patience 10 epochs, no cap); ``book`` and ``smoke`` shrink the crops,
#: the mel axis and the patience, cap each stage's epochs and raise the
#: learning rate so that a run fits in minutes (book) or seconds (smoke) on
#: one CPU thread. The budgets of ``book`` come from the budget curves
#: (:mod:`xaiaudio.experiments.prototype_budgets`): the direct CNN
#: (``baseline_epochs``, seconds per run) trains as long as its curve still
#: pays; the autoencoder (``autoencoder_epochs``) past its knee, where more
#: epochs only lower its clustering accuracy; the prototypes
#: (``max_stage_epochs``, ``patience``, minutes per run) short of their
#: knee, which five seeds of both prototype models cannot afford within the
#: chapter's ten minutes on two cores.
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
        autoencoder_epochs=3,
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
        baseline_epochs=96,
        autoencoder_epochs=12,
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
        autoencoder_epochs=200,
    ),
}
#: Settings shared by every preset.
COMMON = dict(
    # "class": prototype k starts from class k's mean crop; "kmeans++":
    # unlabelled seeds, as the paper's code (unsupervised always uses it)
    supervised_init="class",
    weight_decay=1e-6,
    cross_entropy_weight=0.01,
    theta_init=-4.0,
    init_noise=0.01,
    reseed_fraction=0.2,
    reseed_noise=0.02,
    lr_decay=0.1,
    min_improvement=1e-3,
)
#: Loss values are reported as mean squared error x 100 (the normalised
#: log-mel lies in about [0, 1]).
LREC_SCALE = 100.0


def training_settings(preset, overrides: dict | None = None) -> dict:
    """The training settings of a preset: the per-preset :data:`SETTINGS`
    merged into :data:`COMMON`.

    The budget curves override the budgets (``overrides``);
    :func:`xaiaudio.experiments.datasets.instrument_set` and
    :func:`~xaiaudio.experiments.datasets.voice_set` take their number of
    mel bands from them.

    Parameters
    ----------
    preset : str, Preset or RunConfig
        Which preset's settings (see
        :func:`xaiaudio.core.presets.settings_for`).
    overrides : dict, optional
        Settings that replace the preset's (e.g. ``{"max_stage_epochs": 24,
        "patience": 4}``).

    Returns
    -------
    dict
        :data:`COMMON` updated with ``SETTINGS[preset]``, then with
        ``overrides`` (a new dict each call).

    Raises
    ------
    KeyError
        If :data:`SETTINGS` has no entry for the preset, or an override
        names no setting (a typo would otherwise train the preset's model
        under another cache key).
    """
    merged = {**COMMON, **settings_for(SETTINGS, preset)}
    unknown = sorted(set(overrides or {}) - set(merged))
    if unknown:
        raise KeyError(f"no such training setting: {', '.join(unknown)}")
    return {**merged, **(overrides or {})}


def random_crops(
    data: SpectrogramSet, indices, frames: int, rng: np.random.Generator
) -> np.ndarray:
    """One random crop of ``frames`` frames per clip, as a batch.

    A clip shorter than ``frames`` is copied whole to the start of its row
    and padded with zeros (the floor of the normalised log-mel: silence).
    Used by :func:`fit_prototypes` and
    :mod:`xaiaudio.training.baseline_training`.

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        The clips' log-mels, each ``(n_mels, length)``.
    indices : sequence of int
        Clips to crop, in batch order.
    frames : int
        Crop length in frames.
    rng : numpy.random.Generator
        Draws the start of every crop.

    Returns
    -------
    numpy.ndarray, shape (len(indices), n_mels, frames), float32
        The crops.
    """
    out = np.zeros(
        (len(indices), data.settings.n_mels, frames), dtype=np.float32
    )
    for row, i in enumerate(indices):
        feature = data.features[i]
        length = feature.shape[1]
        if length <= frames:
            out[row, :, :length] = feature
        else:
            start = int(rng.integers(length - frames + 1))
            out[row] = feature[:, start : start + frames]
    return out


# -------------------------------------------------------------------------
# evaluation
@torch.no_grad()
def reconstruction_errors(
    model: PrototypeModel,
    data: SpectrogramSet,
    indices,
    batch_size: int = 32,
    device="cpu",
) -> np.ndarray:
    """Reconstruction error ``L_rec(x, k)`` of whole clips (not crops) by
    every prototype.

    Clips are batched by equal length. The model is put in eval mode; no
    gradients. Used by :func:`evaluate_prototypes`.

    Parameters
    ----------
    model : xaiaudio.models.prototype_model.PrototypeModel
        The model, on ``device``.
    data : xaiaudio.features.spectrograms.SpectrogramSet
        The clips' log-mels.
    indices : sequence of int
        Clips to score (e.g. ``data.indices("test")``).
    batch_size : int, default 32
        Clips per forward pass.
    device : str or torch.device, default "cpu"
        Where the clips are sent.

    Returns
    -------
    numpy.ndarray, shape (len(indices), n_prototypes), float64
        Mean squared error over frames and mel bins
        (:func:`xaiaudio.models.prototype_model.reconstruction_error`), not
        scaled by :data:`LREC_SCALE`; ``argmin`` over axis 1 gives each
        clip's prototype.
    """
    model.eval()
    indices = np.asarray(indices)
    out = np.zeros((len(indices), model.n_prototypes), dtype=np.float64)
    lengths = np.array([data.features[i].shape[1] for i in indices])
    work_ledger.count(
        "prototype evaluation frame",
        int(lengths.sum()),
        (model.n_prototypes, model.n_mels, len(model.active)),
    )
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            x = torch.from_numpy(
                np.stack([data.features[indices[r]] for r in chunk])
            ).to(device)
            out[chunk] = reconstruction_error(x, model(x)).cpu().numpy()
    return out


def evaluate_prototypes(
    model: PrototypeModel,
    data: SpectrogramSet,
    split: str,
    supervised: bool,
    train_errors: np.ndarray | None = None,
    device="cpu",
) -> dict:
    """OA, AA and reconstruction error of a prototype model on one split,
    from whole clips.

    Supervised: the prediction is ``argmin_k L_rec`` (prototype ``k``
    stands for class ``k``) and L_rec is the error of the true class's
    prototype. Unsupervised: clusters (best prototypes) are mapped to
    classes by majority vote over the training assignments
    (:func:`xaiaudio.training.metrics.majority_mapping`) and L_rec is the
    error of the best prototype.

    Parameters
    ----------
    model : xaiaudio.models.prototype_model.PrototypeModel
        The model, on ``device``.
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Log-mels with labels and splits.
    split : str
        ``"train"``, ``"val"`` or ``"test"``.
    supervised : bool
        Whether prototype ``k`` is tied to class ``k``.
    train_errors : numpy.ndarray, shape (train clips, prototypes), optional
        :func:`reconstruction_errors` of the training split (unsupervised
        only; computed when missing).
    device : str or torch.device, default "cpu"
        Where the clips are sent.

    Returns
    -------
    dict
        ``{"OA": percent, "AA": percent, "L_rec": mean squared error x
        LREC_SCALE}``.
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
            train_errors = reconstruction_errors(
                model, data, data.indices("train"), device=device
            )
        mapping = majority_mapping(
            train_errors.argmin(1),
            data.labels[data.indices("train")],
            model.n_prototypes,
            data.n_classes,
        )
        predictions = mapping[assign]
        lrec = errors.min(1).mean()
    return {
        **overall_and_average_accuracy(labels, predictions),
        "L_rec": LREC_SCALE * float(lrec),
    }


# -------------------------------------------------------------------------
# training
def curriculum(mode: str, cross_entropy: bool) -> list:
    """The stages of the training curriculum, in order.

    Always ``raw, gain, pitch, filters`` then ``lr_decay``; ``temperature``
    comes before ``lr_decay`` when ``mode == "supervised"`` and
    ``cross_entropy``.

    Parameters
    ----------
    mode : str
        ``"supervised"`` or ``"unsupervised"`` (not checked here).
    cross_entropy : bool
        Whether the supervised loss gets its cross-entropy term.

    Returns
    -------
    list of str
        The stage names.
    """
    stages = ["raw", "gain", "pitch", "filters"]
    if mode == "supervised" and cross_entropy:
        stages.append("temperature")
    return stages + ["lr_decay"]


def active_transforms(stage: str) -> tuple:
    """The transformations enabled at a curriculum stage.

    ``raw``: none; ``gain``: gain; ``pitch``: gain and pitch; any later
    stage (``filters``, ``temperature``, ``lr_decay``, or a name it does
    not know): all of :data:`xaiaudio.models.prototype_model.TRANSFORMS`.
    Used by :func:`fit_prototypes` and :meth:`TrainedPrototypes.model_at`.

    Parameters
    ----------
    stage : str
        A stage name of :func:`curriculum`.

    Returns
    -------
    tuple of str
        A prefix of ``TRANSFORMS``, ready for ``PrototypeModel.active``.
    """
    if stage in ("raw", "gain", "pitch"):
        return TRANSFORMS[: ("raw", "gain", "pitch").index(stage)]
    return TRANSFORMS


@dataclass
class TrainedPrototypes:
    """A trained prototype model with its per-stage history and the weights
    at the end of each stage.

    Returned by :func:`train_prototypes`.

    Parameters
    ----------
    model : xaiaudio.models.prototype_model.PrototypeModel
        The model after the last stage, in eval mode.
    history : list of dict
        One row per stage (see :func:`fit_prototypes`).
    stage_states : dict
        Stage name -> state dict (CPU tensors) at the end of that stage.
    mode : str
        ``"supervised"`` or ``"unsupervised"``.
    cross_entropy : bool
        Whether the supervised loss had its cross-entropy term.
    settings : dict
        The :func:`training_settings` used.
    """

    model: PrototypeModel
    history: list
    stage_states: dict
    mode: str
    cross_entropy: bool
    settings: dict

    def model_at(self, stage: str) -> PrototypeModel:
        """A copy of the model as it was at the end of curriculum
        ``stage``.

        Parameters
        ----------
        stage : str
            A stage that was trained (a key of ``stage_states``).

        Returns
        -------
        xaiaudio.models.prototype_model.PrototypeModel
            A deep copy of ``model`` (same device) with that stage's
            weights and transformations, in eval mode.

        Raises
        ------
        KeyError
            If ``stage`` was not trained.
        """
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.stage_states[stage])
        model.active = active_transforms(stage)
        return model.eval()


def _reseed(
    model: PrototypeModel,
    counts: np.ndarray,
    fraction: float,
    noise: float,
    gen: torch.Generator,
) -> int:
    """Replace prototypes used by fewer than ``fraction * N / K`` samples
    with a copy of the most used one plus noise (its transformation heads
    are copied too). Returns the number re-seeded."""
    expected = counts.sum() / len(counts)
    dead = np.flatnonzero(counts < fraction * expected)
    if dead.size == 0 or dead.size == len(counts):
        return 0
    order = np.argsort(-counts)
    with torch.no_grad():
        for j, k in enumerate(dead):
            source = int(order[j % max(1, len(counts) - dead.size)])
            bump = noise * torch.randn(model.n_mels, generator=gen)
            model.prototypes[k] = model.prototypes[source] + bump.to(
                model.prototypes.device
            )
            for decoder in model.decoders.values():
                n = decoder.n_out
                decoder.head.weight[k * n : (k + 1) * n] = (
                    decoder.head.weight[source * n : (source + 1) * n]
                )
                decoder.head.bias[k * n : (k + 1) * n] = decoder.head.bias[
                    source * n : (source + 1) * n
                ]
    return int(dead.size)


def fit_prototypes(
    data: SpectrogramSet,
    config: RunConfig,
    mode: str = "supervised",
    cross_entropy: bool = True,
    progress: bool = True,
    settings: dict | None = None,
) -> dict:
    """Train a prototype model through the whole curriculum, without the
    cache.

    This is what :func:`train_prototypes` caches. The prototypes start from
    the time-averaged training crops, plus noise: supervised, prototype
    ``k`` from class ``k``'s mean crop
    (:func:`xaiaudio.models.prototype_model.class_prototypes`), or, with
    the setting ``supervised_init="kmeans++"`` and always unsupervised,
    from k-means++ seeds as in the paper's code
    (:func:`~xaiaudio.models.prototype_model.initial_prototypes`). AdamW
    trains the networks, the prototypes (no weight decay) and the
    temperature parameter ``theta`` (its own learning rate
    ``beta_lr``). Each epoch draws one random crop per training clip; a
    stage ends when the epoch loss has not fallen by a fraction
    ``min_improvement`` for ``patience`` epochs (or after
    ``max_stage_epochs``); ``lr_decay`` multiplies every learning rate by
    ``lr_decay``. Unsupervised, prototypes used by too few crops are
    re-seeded after each epoch. After each stage the model is scored on the
    validation split (:func:`evaluate_prototypes`). Called directly by the
    tests and ``benchmarks/bench_prototypes.py``; the chapters go through
    :func:`train_prototypes`.

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Log-mels with labels and splits; one prototype per class.
    config : xaiaudio.core.presets.RunConfig
        Preset (settings), device and seed.
    mode : str, default "supervised"
        As in :func:`train_prototypes`.
    cross_entropy : bool, default True
        As in :func:`train_prototypes`.
    progress : bool, default True
        Show a tqdm bar over the curriculum stages.
    settings : dict, optional
        Replaces :func:`training_settings` of the preset (tests and
        benchmarks shrink it).

    Returns
    -------
    dict
        ``{"states": {stage: state dict (CPU)}, "history": JSON text,
        "stages": JSON text}`` (text, so that
        :func:`xaiaudio.core.cache.cached_state_dict` can store it).
        ``history`` is a list of one row per stage: ``stage``, ``epochs``,
        ``train_loss`` (last epoch) and ``losses`` (every epoch), both x
        :data:`LREC_SCALE`, ``reseeded``, ``beta`` and the validation
        ``val_OA``, ``val_AA``, ``val_L_rec``; ``stages`` the list of
        :func:`curriculum`.

    Raises
    ------
    ValueError
        If ``mode`` is neither ``"supervised"`` nor ``"unsupervised"``, if
        the training split is empty, or (unsupervised) if it has fewer
        clips than there are prototypes.
    FloatingPointError
        If an epoch's training loss is not finite.
    """
    if mode not in ("supervised", "unsupervised"):
        raise ValueError(
            f"mode must be 'supervised' or 'unsupervised', got {mode!r}"
        )
    cfg = settings or training_settings(config)
    if cfg["supervised_init"] not in ("class", "kmeans++"):
        raise ValueError(
            "supervised_init must be 'class' or 'kmeans++', got "
            f"{cfg['supervised_init']!r}"
        )
    seed = config.seed
    train_idx = data.indices("train")
    if len(train_idx) < data.n_classes and mode == "unsupervised":
        raise ValueError(
            f"{len(train_idx)} training clips cannot seed "
            f"{data.n_classes} prototypes"
        )
    if len(train_idx) == 0:
        raise ValueError("the training split is empty")
    crop = (
        cfg["speech_crop_frames"]
        if data.kind == "speech"
        else cfg["crop_frames"]
    )
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    device = torch.device(config.device)
    supervised = mode == "supervised"
    history, states = [], {}
    with torch_threads(cfg["threads"]):
        model = PrototypeModel(
            data.n_classes,
            data.settings.n_mels,
            data.settings.sample_rate,
            cfg["theta_init"],
        ).to(device)
        means = random_crops(data, train_idx, crop, rng).mean(axis=2)
        init = (
            class_prototypes(
                means,
                data.labels[train_idx],
                data.n_classes,
                rng,
                cfg["init_noise"],
            )
            if supervised and cfg["supervised_init"] == "class"
            else initial_prototypes(
                means, data.n_classes, rng, cfg["init_noise"]
            )
        )
        with torch.no_grad():
            model.prototypes.copy_(torch.from_numpy(init))
        network = [
            p
            for name, p in model.named_parameters()
            if name not in ("prototypes", "theta")
        ]
        optimizer = torch.optim.AdamW(
            [
                {
                    "params": network,
                    "lr": cfg["lr"],
                    "weight_decay": cfg["weight_decay"],
                },
                {
                    "params": [model.prototypes],
                    "lr": cfg["lr"],
                    "weight_decay": 0.0,
                },
                {
                    "params": [model.theta],
                    "lr": cfg["beta_lr"],
                    "weight_decay": 0.0,
                },
            ]
        )
        stages = curriculum(mode, cross_entropy)
        bar = tqdm(
            total=len(stages),
            desc=mode + (" + CE" if cross_entropy and supervised else ""),
            disable=not progress,
            leave=False,
        )
        for stage in stages:
            if stage == "lr_decay":
                for group in optimizer.param_groups:
                    group["lr"] *= cfg["lr_decay"]
            else:
                model.active = active_transforms(stage)
            use_ce = (
                supervised
                and cross_entropy
                and stage in ("temperature", "lr_decay")
            )
            best, wait, losses, reseeded = np.inf, 0, [], 0
            while True:
                model.train()
                order = rng.permutation(train_idx)
                total, counts = 0.0, np.zeros(data.n_classes)
                for start in range(0, len(order), cfg["batch_size"]):
                    batch = order[start : start + cfg["batch_size"]]
                    if len(batch) < 2:  # batch norm needs two examples
                        continue
                    x = torch.from_numpy(
                        random_crops(data, batch, crop, rng)
                    ).to(device)
                    if supervised:
                        y = torch.from_numpy(data.labels[batch]).to(device)
                        loss, _ = supervised_loss(
                            model,
                            x,
                            y,
                            cfg["cross_entropy_weight"] if use_ce else 0.0,
                        )
                    else:
                        loss, errors = clustering_loss(model, x)
                        counts += np.bincount(
                            errors.argmin(1).cpu().numpy(),
                            minlength=data.n_classes,
                        )
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    total += loss.item() * len(batch)
                epoch_loss = total / len(order)
                if not np.isfinite(epoch_loss):
                    raise FloatingPointError(
                        f"training loss became {epoch_loss} at stage "
                        f"{stage}"
                    )
                losses.append(epoch_loss)
                if not supervised:
                    reseeded += _reseed(
                        model,
                        counts,
                        cfg["reseed_fraction"],
                        cfg["reseed_noise"],
                        gen,
                    )
                if epoch_loss < best * (1.0 - cfg["min_improvement"]):
                    best, wait = epoch_loss, 0
                else:
                    wait += 1
                cap = cfg["max_stage_epochs"]
                if wait >= cfg["patience"] or (
                    cap is not None and len(losses) >= cap
                ):
                    break
            work_ledger.count(
                "prototype training crop",
                len(losses) * len(train_idx),
                (
                    data.n_classes,
                    data.settings.n_mels,
                    crop,
                    len(model.active),
                ),
            )
            metrics = evaluate_prototypes(
                model, data, "val", supervised, device=device
            )
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
            states[stage] = {
                k: v.detach().cpu().clone()
                for k, v in model.state_dict().items()
            }
            bar.update(1)
        bar.close()
    return {
        "states": states,
        "history": json.dumps(history),
        "stages": json.dumps(stages),
    }


def train_prototypes(
    data: SpectrogramSet,
    config: RunConfig,
    mode: str = "supervised",
    cross_entropy: bool = True,
    progress: bool = True,
    settings: dict | None = None,
) -> TrainedPrototypes:
    """Train (or load from the cache) a prototype model through the whole
    curriculum.

    Supervised: prototype ``k`` reconstructs class ``k``; with
    ``cross_entropy`` the loss gains ``0.01 x CE(softmax(-beta F L_rec))``
    from the temperature stage on
    (:func:`xaiaudio.models.prototype_model.supervised_loss`).
    Unsupervised: the loss is ``min_k L_rec`` and unused prototypes are
    re-seeded;
    ``cross_entropy`` is ignored. The key of the cache entry is the data's
    content hash, the mode, the settings (overrides included), the seed and
    the training code, so an override equal to the preset's value finds the
    preset's run. The budget curves override the epoch cap and patience
    (:func:`xaiaudio.experiments.prototype_budgets.validation_oa`).

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Log-mels with labels and splits.
    config : xaiaudio.core.presets.RunConfig
        Preset (settings), device and seed.
    mode : str, default "supervised"
        ``"supervised"`` or ``"unsupervised"``.
    cross_entropy : bool, default True
        Add the cross-entropy term (supervised only).
    progress : bool, default True
        Show a tqdm bar over the curriculum stages (when training).
    settings : dict, optional
        Values that replace those of :func:`training_settings` (e.g.
        ``{"max_stage_epochs": 24, "patience": 4}`` for a budget curve).

    Returns
    -------
    TrainedPrototypes
        The final model (on ``config.device``, in eval mode), its per-stage
        history and weights.

    Raises
    ------
    ValueError, FloatingPointError
        As :func:`fit_prototypes`, when the result is not cached yet.
    """
    cfg = training_settings(config, settings)
    cross_entropy = bool(cross_entropy) and mode == "supervised"
    key = cache.content_key(
        "prototypes",
        data.fingerprint(),
        mode,
        cross_entropy,
        cfg,
        config.seed,
    )
    stored = cache.cached_state_dict(
        "prototypes",
        key,
        lambda: fit_prototypes(
            data, config, mode, cross_entropy, progress, cfg
        ),
    )
    stages = json.loads(stored["stages"])
    model = PrototypeModel(
        data.n_classes,
        data.settings.n_mels,
        data.settings.sample_rate,
        cfg["theta_init"],
    )
    model.load_state_dict(stored["states"][stages[-1]])
    model.active = TRANSFORMS
    model.to(config.device).eval()
    return TrainedPrototypes(
        model,
        json.loads(stored["history"]),
        stored["states"],
        mode,
        cross_entropy,
        cfg,
    )
