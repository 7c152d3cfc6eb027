"""Baselines of the playable-prototype chapters: a direct CNN classifier and autoencoder + k-means.

Used by *Playable prototypes* (``book/prototypes.md``) and *Playable prototypes:
voices* (``book/prototypes_voices.md``) for the comparisons in the form of
Loiseau et al.'s Table 2 (clustering) and Table 3 (classification).

* :func:`train_direct_classifier`: temporal CNN on normalised log-mels (mel bins
  as channels), trained with cross-entropy on random crops, evaluated on whole
  clips (global average over time).
* :func:`autoencoder_kmeans`: 2-D convolutional autoencoder without skip
  connections, trained with the L2 reconstruction loss; its innermost feature map,
  averaged over time, is clustered by scikit-learn's k-means (k-means++ seeding),
  and clusters are mapped to classes by majority vote over the training clips
  (the original paper did not publish this step).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from xaiaudio.prototype_training import (
    SpectrogramSet,
    classification_metrics,
    majority_mapping,
    random_crops,
    torch_threads,
    training_settings,
)


class DirectClassifier(nn.Module):
    """Temporal CNN: three Conv1d(k=5)+BN+ReLU blocks (64 channels, pooling by 2), time average, linear."""

    def __init__(self, n_mels: int, n_classes: int, width: int = 64):
        super().__init__()
        layers, cin = [], n_mels
        for _ in range(3):
            layers += [
                nn.Conv1d(cin, width, 5, padding=2, bias=False),
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.MaxPool1d(2, ceil_mode=True),
            ]
            cin = width
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(2.0 * x - 1.0).mean(dim=2))


class ConvAutoencoder(nn.Module):
    """2-D conv autoencoder without skips: 3 stride-2 convs (16, 32, 64) to an 8-channel code, mirrored."""

    def __init__(self, code_channels: int = 8):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, code_channels, 1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(code_channels, 64, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(2.0 * x.unsqueeze(1) - 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encode(x)).squeeze(1)


def _pad8(x: torch.Tensor) -> torch.Tensor:
    extra = (-x.shape[-1]) % 8
    return F.pad(x, (0, extra), mode="replicate") if extra else x


def _batches(data: SpectrogramSet, indices, batch_size: int):
    """Whole clips grouped by length, in batches: yields (positions into indices, tensor)."""
    indices = np.asarray(indices)
    lengths = np.array([data.features[i].shape[1] for i in indices])
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            yield chunk, torch.from_numpy(np.stack([data.features[indices[r]] for r in chunk]))


def _fit(model: nn.Module, data: SpectrogramSet, loss_fn, preset: str, seed: int, progress: bool, desc: str):
    from tqdm.auto import tqdm

    cfg = training_settings(preset)
    crop = cfg["speech_crop_frames"] if data.kind == "speech" else cfg["crop_frames"]
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=max(cfg["lr"], 1e-3), weight_decay=cfg["weight_decay"]
    )
    train_idx = data.indices("train")
    losses = []
    for _ in tqdm(range(cfg["baseline_epochs"]), desc=desc, disable=not progress, leave=False):
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
        losses.append(total / len(order))
    return losses


def train_direct_classifier(
    data: SpectrogramSet, preset: str = "book", seed: int = 0, progress: bool = True
) -> dict:
    """Train the direct CNN and return its test and validation OA / AA plus the loss curve (cached)."""
    from xaiaudio.cache import cached_json, content_key

    def compute():
        torch.manual_seed(seed)
        cfg = training_settings(preset)
        with torch_threads(cfg["threads"]):
            model = DirectClassifier(data.settings.n_mels, data.n_classes)
            losses = _fit(
                model, data, lambda m, x, y: F.cross_entropy(m(x), y), preset, seed, progress, "direct CNN"
            )
            model.eval()
            out = {"losses": losses, "parameters": sum(p.numel() for p in model.parameters())}
            with torch.no_grad():
                for split in ("val", "test"):
                    idx = data.indices(split)
                    predictions = np.zeros(len(idx), dtype=np.int64)
                    for rows, x in _batches(data, idx, 64):
                        predictions[rows] = model(x).argmax(1).numpy()
                    out[split] = classification_metrics(predictions, data.labels[idx])
        return out

    key = content_key("direct-cnn-v1", data.fingerprint(), training_settings(preset), int(seed))
    return cached_json("baselines", key, compute)


def autoencoder_kmeans(
    data: SpectrogramSet, preset: str = "book", seed: int = 0, progress: bool = True
) -> dict:
    """Train the conv autoencoder, cluster its time-averaged codes with k-means (K = number of classes),
    map clusters by majority vote over training clips; return val / test OA, AA and AE L_rec (cached)."""
    from sklearn.cluster import KMeans

    from xaiaudio.cache import cached_json, content_key
    from xaiaudio.prototype_training import LREC_SCALE

    def compute():
        torch.manual_seed(seed)
        cfg = training_settings(preset)
        with torch_threads(cfg["threads"]):
            model = ConvAutoencoder()
            losses = _fit(
                model, data, lambda m, x, y: F.mse_loss(m(x), x), preset, seed, progress, "autoencoder"
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
                        recon = model.decoder(code).squeeze(1)[..., : x.shape[-1]]
                        flat = code.mean(dim=3).flatten(1).numpy()
                        if z.shape[1] != flat.shape[1]:
                            z = np.zeros((len(idx), flat.shape[1]))
                        z[rows] = flat
                        err[rows] = ((recon - x) ** 2).mean(dim=(1, 2)).numpy()
                    codes[split], errors[split] = z, err
        mean, std = codes["train"].mean(0), codes["train"].std(0) + 1e-8
        kmeans = KMeans(n_clusters=data.n_classes, n_init=10, random_state=seed).fit(
            (codes["train"] - mean) / std
        )
        train_labels = data.labels[data.indices("train")]
        mapping = majority_mapping(kmeans.labels_, train_labels, data.n_classes, data.n_classes)
        out = {"losses": losses}
        for split in ("val", "test"):
            assign = kmeans.predict((codes[split] - mean) / std)
            out[split] = {
                **classification_metrics(mapping[assign], data.labels[data.indices(split)]),
                "L_rec": LREC_SCALE * float(errors[split].mean()),
            }
        return out

    key = content_key("ae-kmeans-v1", data.fingerprint(), training_settings(preset), int(seed))
    return cached_json("baselines", key, compute)
