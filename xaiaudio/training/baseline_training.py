"""Fitting the baselines of the playable-prototype chapters (models in
:mod:`xaiaudio.models.baselines`).

* :func:`fit_direct_classifier`: the temporal CNN trained with
  cross-entropy on random crops (the model, cached, for its explanations);
  :func:`train_direct_classifier`: its scores on whole clips (Loiseau et
  al.'s Table 3);
* :func:`autoencoder_kmeans`: the autoencoder trained with the L2
  reconstruction loss, its time-averaged bottleneck clustered by
  scikit-learn's k-means (k-means++ seeding) and the clusters mapped to
  classes by majority vote over the training clips (Table 2; the original
  paper did not publish this step).

Both train for a fixed number of epochs (``baseline_epochs`` for the CNN,
``autoencoder_epochs`` for the autoencoder, of
:func:`xaiaudio.training.prototype_curriculum.training_settings`) with
AdamW on the CPU, and cache their scores.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.cluster import KMeans
from torch import nn
from tqdm.auto import tqdm

from xaiaudio.core import cache, work_ledger
from xaiaudio.core.presets import RunConfig
from xaiaudio.core.threads import torch_threads
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.baselines import (
    ConvAutoencoder,
    DirectClassifier,
    _pad8,
)
from xaiaudio.models.size import count_parameters
from xaiaudio.training.metrics import (
    majority_mapping,
    overall_and_average_accuracy,
)
from xaiaudio.training.prototype_curriculum import (
    LREC_SCALE,
    random_crops,
    training_settings,
)


def _batches(data: SpectrogramSet, indices, batch_size: int):
    """Whole clips grouped by length, in batches: yields (positions into
    indices, tensor)."""
    indices = np.asarray(indices)
    lengths = np.array([data.features[i].shape[1] for i in indices])
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            yield (
                chunk,
                torch.from_numpy(
                    np.stack([data.features[indices[r]] for r in chunk])
                ),
            )


def _fit(
    model: nn.Module,
    data: SpectrogramSet,
    loss_fn,
    cfg: dict,
    epochs: int,
    seed: int,
    progress: bool,
    desc: str,
):
    """``epochs`` epochs of AdamW on random crops (the baselines have no
    early stopping); ``FloatingPointError`` when the loss stops being
    finite."""
    crop = (
        cfg["speech_crop_frames"]
        if data.kind == "speech"
        else cfg["crop_frames"]
    )
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=max(cfg["lr"], 1e-3),
        weight_decay=cfg["weight_decay"],
    )
    train_idx = data.indices("train")
    losses = []
    for _ in tqdm(
        range(epochs), desc=desc, disable=not progress, leave=False
    ):
        model.train()
        order, total = rng.permutation(train_idx), 0.0
        for start in range(0, len(order), cfg["batch_size"]):
            batch = order[start : start + cfg["batch_size"]]
            if len(batch) < 2:
                continue
            x = torch.from_numpy(random_crops(data, batch, crop, rng))
            loss = loss_fn(model, x, torch.from_numpy(data.labels[batch]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        if not np.isfinite(total):
            raise FloatingPointError(
                f"training loss became {total / len(order)}"
            )
        losses.append(total / len(order))
    work_ledger.count(
        f"{desc} training crop",
        epochs * len(train_idx),
        (data.settings.n_mels, crop),
    )
    return losses


def fit_direct_classifier(
    data: SpectrogramSet,
    config: RunConfig,
    progress: bool = True,
    settings: dict | None = None,
) -> tuple[DirectClassifier, list]:
    """The direct CNN trained on random crops (cached), in eval mode.

    AdamW (learning rate ``max(lr, 1e-3)``, the preset's weight decay) for
    ``baseline_epochs`` epochs of cross-entropy on one random crop per clip
    (``crop_frames``, or ``speech_crop_frames`` for speech); a last batch
    of one clip is skipped. The cache key holds the data's fingerprint, the
    settings (overrides included) and the seed.

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Normalised log-mels with labels and splits.
    config : xaiaudio.core.presets.RunConfig
        Preset (settings) and seed; training runs on the CPU whatever
        ``config.device`` says.
    progress : bool, default True
        Show a tqdm bar over epochs.
    settings : dict, optional
        Values that replace those of
        :func:`~xaiaudio.training.prototype_curriculum.training_settings`
        (e.g. ``{"baseline_epochs": 24}``).

    Returns
    -------
    tuple
        ``(model, losses)``: the trained
        :class:`~xaiaudio.models.baselines.DirectClassifier` on the CPU and
        its mean training cross-entropy per epoch.
    """
    cfg = training_settings(config, settings)

    def compute():
        torch.manual_seed(config.seed)
        with torch_threads(cfg["threads"]):
            model = DirectClassifier(data.settings.n_mels, data.n_classes)
            losses = _fit(
                model,
                data,
                lambda m, x, y: F.cross_entropy(m(x), y),
                cfg,
                cfg["baseline_epochs"],
                config.seed,
                progress,
                "direct CNN",
            )
        return {
            "state": model.state_dict(),
            "losses": torch.tensor(losses, dtype=torch.float64),
        }

    key = cache.content_key(
        "direct-cnn-model", data.fingerprint(), cfg, config.seed
    )
    stored = cache.cached_state_dict("baselines", key, compute)
    model = DirectClassifier(data.settings.n_mels, data.n_classes)
    model.load_state_dict(stored["state"])
    return model.eval(), stored["losses"].tolist()


def train_direct_classifier(
    data: SpectrogramSet,
    config: RunConfig,
    progress: bool = True,
    settings: dict | None = None,
) -> dict:
    """Train the direct CNN (:func:`fit_direct_classifier`) and score it on
    whole clips (cached).

    Validation and test clips are classified whole. The cache key holds
    the data's fingerprint, the settings (overrides included), the seed and
    the source of this module.

    Parameters
    ----------
    data, config, progress, settings
        As in :func:`fit_direct_classifier`.

    Returns
    -------
    dict
        ``{"losses": mean training cross-entropy per epoch, "parameters":
        trainable parameters, "val": {"OA", "AA"}, "test": {"OA", "AA"}}``,
        accuracies in percent
        (:func:`xaiaudio.training.metrics.overall_and_average_accuracy`).
    """

    cfg = training_settings(config, settings)

    def compute():
        model, losses = fit_direct_classifier(
            data, config, progress, settings
        )
        out = {"losses": losses, "parameters": count_parameters(model)}
        with torch_threads(cfg["threads"]), torch.no_grad():
            for split in ("val", "test"):
                idx = data.indices(split)
                predictions = np.zeros(len(idx), dtype=np.int64)
                for rows, x in _batches(data, idx, 64):
                    predictions[rows] = model(x).argmax(1).numpy()
                out[split] = overall_and_average_accuracy(
                    data.labels[idx], predictions
                )
        return out

    key = cache.content_key(
        "direct-cnn",
        data.fingerprint(),
        cfg,
        config.seed,
    )
    return cache.cached_json("baselines", key, compute)


def autoencoder_kmeans(
    data: SpectrogramSet,
    config: RunConfig,
    progress: bool = True,
    settings: dict | None = None,
) -> dict:
    """Train the autoencoder, cluster its time-averaged codes with k-means,
    score the clusters (cached).

    The autoencoder is trained like :func:`train_direct_classifier` but for
    ``autoencoder_epochs`` epochs of the mean squared reconstruction error.
    Each whole clip (time axis padded to a multiple of 8 frames by
    repeating the last frame) is encoded; the code averaged over time and
    flattened is standardised with training-split statistics and clustered
    by k-means with ``K`` = the number of classes (10 initialisations,
    seeded). Clusters are mapped to classes by majority vote over the
    training clips (:func:`xaiaudio.training.metrics.majority_mapping`).

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Normalised log-mels with labels and splits.
    config : xaiaudio.core.presets.RunConfig
        Preset (settings) and seed; training runs on the CPU whatever
        ``config.device`` says.
    progress : bool, default True
        Show a tqdm bar over epochs.
    settings : dict, optional
        Values that replace those of
        :func:`~xaiaudio.training.prototype_curriculum.training_settings`
        (e.g. ``{"autoencoder_epochs": 24}``).

    Returns
    -------
    dict
        ``{"losses": mean training MSE per epoch (not scaled), "val":
        {"OA", "AA", "L_rec"}, "test": {"OA", "AA", "L_rec"}}``: accuracies
        in percent, ``L_rec`` the mean squared reconstruction error of
        whole clips x
        :data:`~xaiaudio.training.prototype_curriculum.LREC_SCALE`.
    """
    seed = config.seed
    cfg = training_settings(config, settings)

    def compute():
        torch.manual_seed(seed)
        with torch_threads(cfg["threads"]):
            model = ConvAutoencoder()
            losses = _fit(
                model,
                data,
                lambda m, x, y: F.mse_loss(m(x), x),
                cfg,
                cfg["autoencoder_epochs"],
                seed,
                progress,
                "autoencoder",
            )
            model.eval()
            codes, errors = {}, {}
            with torch.no_grad():
                for split in ("train", "val", "test"):
                    idx = data.indices(split)
                    z = np.zeros((len(idx), 0))
                    err = np.zeros(len(idx))
                    for rows, x in _batches(data, idx, 64):
                        padded = _pad8(x)
                        code = model.encode(padded)
                        recon = model.decoder(code).squeeze(1)[
                            ..., : x.shape[-1]
                        ]
                        flat = code.mean(dim=3).flatten(1).numpy()
                        if z.shape[1] != flat.shape[1]:
                            z = np.zeros((len(idx), flat.shape[1]))
                        z[rows] = flat
                        err[rows] = (
                            ((recon - x) ** 2).mean(dim=(1, 2)).numpy()
                        )
                    codes[split], errors[split] = z, err
        mean, std = codes["train"].mean(0), codes["train"].std(0) + 1e-8
        kmeans = KMeans(
            n_clusters=data.n_classes, n_init=10, random_state=seed
        ).fit((codes["train"] - mean) / std)
        train_labels = data.labels[data.indices("train")]
        mapping = majority_mapping(
            kmeans.labels_, train_labels, data.n_classes, data.n_classes
        )
        out = {"losses": losses}
        for split in ("val", "test"):
            assign = kmeans.predict((codes[split] - mean) / std)
            out[split] = {
                **overall_and_average_accuracy(
                    data.labels[data.indices(split)], mapping[assign]
                ),
                "L_rec": LREC_SCALE * float(errors[split].mean()),
            }
        return out

    key = cache.content_key(
        "ae-kmeans",
        data.fingerprint(),
        cfg,
        seed,
    )
    return cache.cached_json("baselines", key, compute)
