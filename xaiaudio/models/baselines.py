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

import torch
import torch.nn.functional as F
from torch import nn


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


