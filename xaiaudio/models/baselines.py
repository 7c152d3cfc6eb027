"""Baseline models of the playable-prototype chapters: a direct CNN and a
convolutional autoencoder.

Loiseau et al. compare their prototypes with a classifier trained directly
on the log-mels (Table 3, classification) and with k-means on the
bottleneck of an autoencoder (Table 2, clustering). This module holds the
two networks; :mod:`xaiaudio.training.baseline_training` trains and scores
them:

* :class:`DirectClassifier`: temporal CNN on normalised log-mels (mel bins
  as channels), its output averaged over time
  (:func:`xaiaudio.training.baseline_training.train_direct_classifier`);
* :class:`ConvAutoencoder`: 2-D convolutional autoencoder without skip
  connections, whose time-averaged code is clustered
  (:func:`xaiaudio.training.baseline_training.autoencoder_kmeans`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DirectClassifier(nn.Module):
    """Temporal CNN on log-mels: three convolution blocks, an average over
    time, a linear layer.

    Each block is Conv1d(kernel 5, no bias) + BatchNorm1d + ReLU +
    MaxPool1d(2, rounding up), with ``width`` channels; the mel bins are
    the input channels. The pooled feature map is averaged over time, so
    clips of any length give one vector each.

    Trained by
    :func:`xaiaudio.training.baseline_training.train_direct_classifier`.

    Parameters
    ----------
    n_mels : int
        Number of mel bins (input channels).
    n_classes : int
        Number of output logits.
    width : int, default 64
        Channels of every convolution block.
    """

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
        """Class logits of a batch of log-mels.

        Parameters
        ----------
        x : torch.Tensor, shape (batch, n_mels, frames)
            Normalised log-mels in about [0, 1]; they are mapped to [-1, 1]
            (``2 x - 1``) first.

        Returns
        -------
        torch.Tensor, shape (batch, n_classes)
            Logits.
        """
        return self.out(self.features(2.0 * x - 1.0).mean(dim=2))


class ConvAutoencoder(nn.Module):
    """2-D convolutional autoencoder without skip connections, for the
    k-means baseline.

    Encoder: three Conv2d(kernel 3, stride 2) + ReLU with 16, 32 and 64
    channels, then a 1 x 1 convolution to ``code_channels``; the decoder
    mirrors it with a 1 x 1 convolution and three ConvTranspose2d(kernel 4,
    stride 2). The log-mel is one input channel, so the code has ``n_mels /
    8`` x ``frames / 8`` positions, and the output has the input's shape
    when both axes are multiples of 8
    (:func:`xaiaudio.training.baseline_training.autoencoder_kmeans` pads
    the time axis).

    Trained by
    :func:`xaiaudio.training.baseline_training.autoencoder_kmeans`.

    Parameters
    ----------
    code_channels : int, default 8
        Channels of the bottleneck.
    """

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
        """The bottleneck code of a batch of log-mels.

        Parameters
        ----------
        x : torch.Tensor, shape (batch, n_mels, frames)
            Normalised log-mels in about [0, 1]; they are mapped to [-1, 1]
            (``2 x - 1``) first.

        Returns
        -------
        torch.Tensor, shape (batch, code, ceil(n_mels/8), ceil(frames/8))
            The code (no activation after the last 1 x 1 convolution).
        """
        return self.encoder(2.0 * x.unsqueeze(1) - 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct a batch of log-mels (encode, then decode).

        Parameters
        ----------
        x : torch.Tensor, shape (batch, n_mels, frames)
            Normalised log-mels; ``n_mels`` and ``frames`` multiples of 8
            for an output of the same shape.

        Returns
        -------
        torch.Tensor, shape (batch, 8 ceil(n_mels / 8), 8 ceil(frames / 8))
            The reconstruction, on the scale of ``x`` (the training loss
            compares it with ``x``).
        """
        return self.decoder(self.encode(x)).squeeze(1)


def _pad8(x: torch.Tensor) -> torch.Tensor:
    extra = (-x.shape[-1]) % 8
    return F.pad(x, (0, extra), mode="replicate") if extra else x
