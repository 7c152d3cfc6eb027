"""The playable-prototype model of Loiseau et al. (ISMIR 2022): prototypes,
transformations, losses.

Each class (or cluster) ``k`` owns one spectral frame ``P_k`` (``n_mels``
values in the normalised log-mel domain of
:mod:`xaiaudio.features.melspec`). For an input ``x`` (n_mels x T), a
network predicts per prototype and per frame a pitch scale, a gain and two
soft shelving filters; applying them to ``P_k`` (pitch, then gain, then
filters) gives the reconstruction ``R_k(x)``. The reconstruction error
``L_rec(x, k)`` (mean squared error over frames and bins) both trains the
model and classifies: ``argmin_k L_rec(x, k)``.

Pitch uses the mel-aware resampling ``Phi(f, s) = A log10(1 + s (10^(f/A) -
1))`` with ``A = 2595`` applied to ``f`` in mel units, i.e. the output at
frequency ``hz`` reads the prototype at ``s * hz``. (The published code fed
``f`` in [0, 1], which reduces the formula to a linear stretch of the mel
axis; this module applies it in mel units, as the formula intends.)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from xaiaudio.features.melspec import mel_centres, mel_settings

#: The mel scale constant of Phi (HTK): mel = A log10(1 + hz / 700).
A_MEL = 2595.0
#: Transformations in the order the curriculum enables them.
TRANSFORMS = ("gain", "pitch", "filters")
#: Sharpness of the softplus ramps of the shelving filters (in units of the
#: mel axis length).
SHELF_SHARPNESS = 20.0
#: Number of raw outputs each decoder predicts per prototype.
DECODER_OUTPUTS = {"gain": 1, "pitch": 1, "low": 2, "high": 2}


# -------------------------------------------------------------------------
# transformations
def pitch_source_index(
    scale: torch.Tensor, centres_mel: torch.Tensor
) -> torch.Tensor:
    """Fractional mel-bin index read by the pitch transformation, shape
    ``scale.shape + (F,)``.

    ``Phi(m, s) - m = A log10((1 + s u) / (1 + u))`` with ``u = 10^(m/A) -
    1`` for each band centre ``m`` (mel units); dividing by the band
    spacing gives the index offset. For ``s = 1`` the ratio is exactly 1,
    so the index is exactly the band's own index and the prototype is
    reproduced bit for bit.
    """
    # hz / 700 at each band centre
    u = torch.pow(10.0, centres_mel / A_MEL) - 1.0
    step = centres_mel[1] - centres_mel[0]
    ratio = (1.0 + scale.unsqueeze(-1) * u) / (1.0 + u)
    offset = A_MEL * torch.log10(ratio) / step
    index = torch.arange(
        centres_mel.numel(), dtype=scale.dtype, device=scale.device
    )
    return index + offset


def pitch_shift(
    frames: torch.Tensor, scale: torch.Tensor, centres_mel: torch.Tensor
) -> torch.Tensor:
    """Mel-aware pitch scaling of prototype frames by linear interpolation.

    ``frames``: (B or 1, K, F) prototypes; ``scale``: (B, K, T) positive
    factors ``s``. Returns (B, K, T, F) with ``out[..., f] = frames[...,
    Phi(f, s)]`` (indices outside the axis are clamped to its ends).
    """
    n_bins = frames.shape[-1]
    index = pitch_source_index(scale, centres_mel).clamp(0.0, n_bins - 1.0)
    low = index.floor()
    weight = index - low
    low = low.long()
    high = (low + 1).clamp(max=n_bins - 1)
    batch, k, t = scale.shape
    table = (
        frames.expand(batch, k, n_bins)
        .unsqueeze(2)
        .expand(batch, k, t, n_bins)
    )
    return (
        torch.gather(table, 3, low) * (1.0 - weight)
        + torch.gather(table, 3, high) * weight
    )


def shelf(
    cutoff: torch.Tensor, gain: torch.Tensor, n_bins: int, high: bool
) -> torch.Tensor:
    """Additive soft shelving filter on the mel axis, shape ``cutoff.shape
    + (n_bins,)``.

    With ``u`` in [0, 1] the position on the mel axis, a low shelf is
    ``gain * softplus(k (c - u)) / softplus(k c)``: ``gain`` at ``u = 0``,
    an almost affine ramp down to the cutoff ``c``, about 0 above (the high
    shelf mirrors it).
    """
    u = torch.linspace(
        0.0, 1.0, n_bins, dtype=cutoff.dtype, device=cutoff.device
    )
    c = cutoff.unsqueeze(-1)
    if high:
        ramp = F.softplus(SHELF_SHARPNESS * (u - c)) / F.softplus(
            SHELF_SHARPNESS * (1.0 - c)
        )
    else:
        ramp = F.softplus(SHELF_SHARPNESS * (c - u)) / F.softplus(
            SHELF_SHARPNESS * c
        )
    return gain.unsqueeze(-1) * ramp


def transform_parameters(raw: dict) -> dict:
    """Map the decoders' unbounded outputs to the bounded transformation
    parameters.

    pitch scale ``s = exp(tanh(a))`` (in [1/e, e]); gain ``0.5 tanh(b)``;
    each shelf: cutoff ``0.25 + 0.5 sigmoid(c)`` (in [0.25, 0.75] of the
    axis) and gain ``0.25 tanh(g)``. All are the identity when the raw
    outputs are 0.
    """
    out = {}
    if "pitch" in raw:
        out["scale"] = torch.exp(torch.tanh(raw["pitch"][..., 0]))
    if "gain" in raw:
        out["gain"] = 0.5 * torch.tanh(raw["gain"][..., 0])
    for side in ("low", "high"):
        if side in raw:
            out[f"{side}_cutoff"] = 0.25 + 0.5 * torch.sigmoid(
                raw[side][..., 0]
            )
            out[f"{side}_gain"] = 0.25 * torch.tanh(raw[side][..., 1])
    return out


def identity_parameters(
    batch: int, n_prototypes: int, n_frames: int
) -> dict:
    """Transformation parameters that leave every prototype unchanged: each
    ``(batch, K, n_frames)``.

    They are :func:`transform_parameters` of all-zero decoder outputs
    (pitch scale 1, gain 0, both shelves with gain 0 and their cutoffs at
    mid-axis), which is where a fresh model starts;
    the transformation examples of
    :mod:`xaiaudio.experiments.prototype_experiments` change one of them at
    a time.

    Parameters
    ----------
    batch : int
        Number of inputs.
    n_prototypes : int
        Number of prototypes ``K``.
    n_frames : int
        Number of frames ``T``.

    Returns
    -------
    dict
        ``scale``, ``gain``, ``low_cutoff``, ``low_gain``, ``high_cutoff``
        and ``high_gain``, the keys :func:`apply_transformations` reads.
    """
    # all-zero raw outputs, so that the identity is defined once, by the
    # bounds of transform_parameters
    raw = {
        name: torch.zeros(batch, n_prototypes, n_frames, n_out)
        for name, n_out in DECODER_OUTPUTS.items()
    }
    return transform_parameters(raw)


def apply_transformations(
    frames: torch.Tensor,
    params: dict,
    centres_mel: torch.Tensor,
    active=TRANSFORMS,
    n_frames: int | None = None,
) -> torch.Tensor:
    """Reconstruction ``R_k(x)``: pitch, then gain, then low and high
    shelves, applied to prototypes.

    ``frames``: (B or 1, K, F) prototypes; ``params``: output of
    :func:`transform_parameters`, each (B, K, T); ``active``: the enabled
    transformations.  Returns (B, K, T, F).
    """
    shape = (
        next(iter(params.values())).shape
        if params
        else (frames.shape[0], frames.shape[1], n_frames)
    )
    batch, k, t = shape
    if "pitch" in active:
        out = pitch_shift(frames, params["scale"], centres_mel)
    else:
        out = frames.unsqueeze(2).expand(batch, k, t, frames.shape[-1])
    if "gain" in active:
        out = out + params["gain"].unsqueeze(-1)
    if "filters" in active:
        n_bins = frames.shape[-1]
        out = out + shelf(
            params["low_cutoff"], params["low_gain"], n_bins, high=False
        )
        out = out + shelf(
            params["high_cutoff"], params["high_gain"], n_bins, high=True
        )
    return out


# -------------------------------------------------------------------------
# network
class _Block2d(nn.Sequential):
    def __init__(self, cin: int, cout: int):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        )


class Encoder(nn.Module):
    """Shared 2-D encoder: 4 levels of (3x3 conv, batch norm, ReLU, 2x2
    max-pool) with 8, 16, 32, 64 channels.

    Each level's feature map, and the bottleneck, is collapsed over
    frequency by a learned pooling (a convolution spanning all remaining
    bins), giving the 1-D skip sequences ``z_0 ... z_4`` of lengths T, T/2,
    ..., T/16.
    """

    def __init__(self, n_mels: int, channels=(8, 16, 32, 64)):
        super().__init__()
        self.blocks = nn.ModuleList()
        self.collapse = nn.ModuleList()
        cin, bins = 1, n_mels
        for cout in channels:
            self.blocks.append(_Block2d(cin, cout))
            self.collapse.append(nn.Conv2d(cout, cout, (bins, 1)))
            cin, bins = cout, bins // 2
        self.collapse.append(nn.Conv2d(cin, cin, (bins, 1)))
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> list:
        skips = []
        h = x.unsqueeze(1)
        for block, collapse in zip(self.blocks, self.collapse):
            h = block(h)
            skips.append(F.relu(collapse(h)).squeeze(2))
            h = self.pool(h)
        skips.append(F.relu(self.collapse[-1](h)).squeeze(2))
        return skips


class TemporalDecoder(nn.Module):
    """1-D U-Net decoder of one transformation family: upsample x2,
    concatenate the skip, conv, 4 times.

    The last 1x1 layer predicts ``n_out`` raw values per prototype and
    frame; it starts at zero so that every transformation starts as the
    identity.
    """

    def __init__(
        self,
        skip_channels,
        n_prototypes: int,
        n_out: int,
        widths=(96, 64, 48, 32),
    ):
        super().__init__()
        self.k, self.n_out = n_prototypes, n_out
        self.layers = nn.ModuleList()
        cin = skip_channels[-1]
        for skip, width in zip(reversed(skip_channels[:-1]), widths):
            self.layers.append(
                nn.Sequential(
                    nn.Conv1d(cin + skip, width, 3, padding=1), nn.ReLU()
                )
            )
            cin = width
        self.head = nn.Conv1d(cin, n_prototypes * n_out, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, skips: list) -> torch.Tensor:
        h = skips[-1]
        for layer, skip in zip(self.layers, reversed(skips[:-1])):
            h = layer(
                torch.cat(
                    [
                        F.interpolate(
                            h, size=skip.shape[-1], mode="nearest"
                        ),
                        skip,
                    ],
                    dim=1,
                )
            )
        out = self.head(h)  # (B, K * n_out, T)
        # (B,K,T,n_out)
        return out.view(
            out.shape[0], self.k, self.n_out, out.shape[-1]
        ).permute(0, 1, 3, 2)


class PrototypeModel(nn.Module):
    """K single-frame prototypes with per-frame transformation networks
    (the ISMIR 2022 model).

    ``forward(x)`` with ``x`` (B, n_mels, T) normalised log-mels returns
    the reconstructions (B, K, T, n_mels) of every prototype (or, with
    ``classes`` (B,), only of the given prototype per sample: (B, 1, T,
    n_mels)). ``active`` lists the enabled transformations (the curriculum
    grows it).
    """

    def __init__(
        self,
        n_prototypes: int,
        n_mels: int,
        sample_rate: int,
        theta_init: float = -4.0,
    ):
        super().__init__()

        self.n_prototypes, self.n_mels = n_prototypes, n_mels
        self.prototypes = nn.Parameter(
            torch.full((n_prototypes, n_mels), 0.3)
        )
        self.theta = nn.Parameter(torch.tensor(float(theta_init)))
        self.encoder = Encoder(n_mels)
        skip_channels = [8, 16, 32, 64, 64]
        self.decoders = nn.ModuleDict(
            {
                name: TemporalDecoder(skip_channels, n_prototypes, n_out)
                for name, n_out in DECODER_OUTPUTS.items()
            }
        )
        centres = mel_centres(mel_settings(sample_rate, n_mels))
        self.register_buffer(
            "centres_mel", torch.tensor(centres, dtype=torch.float32)
        )
        self.active: tuple = ()

    @property
    def beta(self) -> torch.Tensor:
        """Inverse temperature of the class posterior,
        ``softplus(theta)``."""
        return F.softplus(self.theta)

    def decoders_for(self, active) -> list:
        names = []
        if "gain" in active:
            names.append("gain")
        if "pitch" in active:
            names.append("pitch")
        if "filters" in active:
            names += ["low", "high"]
        return names

    def transformation_parameters(
        self, x: torch.Tensor, active=None
    ) -> dict:
        """Bounded per-prototype, per-frame parameters (each (B, K, T))
        predicted from ``x``."""
        active = self.active if active is None else active
        names = self.decoders_for(active)
        if not names:
            return {}
        t = x.shape[-1]
        padded = _pad_time(2.0 * x - 1.0, 16)
        skips = self.encoder(padded)
        raw = {
            name: self.decoders[name](skips)[:, :, :t] for name in names
        }
        return transform_parameters(raw)

    def forward(
        self,
        x: torch.Tensor,
        classes: torch.Tensor | None = None,
        active=None,
    ) -> torch.Tensor:
        active = self.active if active is None else active
        params = self.transformation_parameters(x, active)
        frames = self.prototypes.unsqueeze(0)
        if classes is not None:
            index = classes.view(-1, 1)
            params = {
                name: torch.gather(
                    value,
                    1,
                    index.unsqueeze(-1).expand(-1, 1, value.shape[-1]),
                )
                for name, value in params.items()
            }
            frames = self.prototypes[classes].unsqueeze(1)
            if not params:
                return frames.unsqueeze(2).expand(-1, 1, x.shape[-1], -1)
        elif not params:
            return frames.unsqueeze(2).expand(
                x.shape[0], -1, x.shape[-1], -1
            )
        return apply_transformations(
            frames, params, self.centres_mel, active
        )


def _pad_time(x: torch.Tensor, multiple: int) -> torch.Tensor:
    t = x.shape[-1]
    extra = (-t) % multiple
    if extra == 0:
        return x
    return F.pad(x, (0, extra), mode="replicate")


# -------------------------------------------------------------------------
# losses
def reconstruction_error(
    x: torch.Tensor, reconstructions: torch.Tensor
) -> torch.Tensor:
    """``L_rec(x, k)``: mean over frames and bins of the squared error,
    shape (B, K)."""
    return ((reconstructions - x.transpose(1, 2).unsqueeze(1)) ** 2).mean(
        dim=(2, 3)
    )


def class_logits(
    model: PrototypeModel, errors: torch.Tensor
) -> torch.Tensor:
    """Logits ``-beta * F * L_rec``: the paper's Eq. (6) sums the squared
    error over the F bins (and averages over frames), so the energy in the
    softmax is ``F`` times our per-bin mean."""
    return -model.beta * model.n_mels * errors


def supervised_loss(
    model: PrototypeModel,
    x: torch.Tensor,
    labels: torch.Tensor,
    cross_entropy_weight: float = 0.0,
) -> tuple:
    """Supervised objective: ``L_rec(x, y) + w * CE(softmax(-beta F
    L_rec(x, .)), y)``.

    Without cross-entropy only the label's prototype is reconstructed (K
    times cheaper). Returns ``(loss, errors)`` with errors (B, K) or (B,
    1).
    """
    if cross_entropy_weight == 0.0:
        errors = reconstruction_error(x, model(x, classes=labels))
        return errors[:, 0].mean(), errors
    errors = reconstruction_error(x, model(x))
    own = errors.gather(1, labels.view(-1, 1))[:, 0]
    ce = F.cross_entropy(class_logits(model, errors), labels)
    return own.mean() + cross_entropy_weight * ce, errors


def clustering_loss(model: PrototypeModel, x: torch.Tensor) -> tuple:
    """Unsupervised (k-means-like) objective ``min_k L_rec(x, k)``;
    returns ``(loss, errors (B, K))``."""
    errors = reconstruction_error(x, model(x))
    return errors.min(dim=1).values.mean(), errors


# -------------------------------------------------------------------------
# initialisation
def kmeans_plus_plus(
    vectors: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick ``k`` rows of ``vectors`` by k-means++ seeding
    ({cite}`arthur2007kmeans`): each new seed is drawn with probability
    proportional to its squared distance to the nearest seed already
    chosen."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if len(vectors) < 1:
        raise ValueError("k-means++ needs at least one vector")
    chosen = [int(rng.integers(len(vectors)))]
    nearest = ((vectors - vectors[chosen[0]]) ** 2).sum(1)
    for _ in range(1, k):
        total = nearest.sum()
        pick = (
            int(rng.integers(len(vectors)))
            if total <= 0
            else int(rng.choice(len(vectors), p=nearest / total))
        )
        chosen.append(pick)
        nearest = np.minimum(
            nearest, ((vectors - vectors[pick]) ** 2).sum(1)
        )
    return vectors[chosen]


def initial_prototypes(
    crops_mean: np.ndarray,
    k: int,
    rng: np.random.Generator,
    noise: float = 0.01,
) -> np.ndarray:
    """Prototype initialisation without labels (the paper's):
    k-means++ among time-averaged training crops, plus Gaussian noise."""
    seeds = kmeans_plus_plus(crops_mean, k, rng)
    return (seeds + noise * rng.standard_normal(seeds.shape)).astype(
        np.float32
    )


def class_prototypes(
    crops_mean: np.ndarray,
    labels: np.ndarray,
    k: int,
    rng: np.random.Generator,
    noise: float = 0.01,
) -> np.ndarray:
    """Supervised initialisation: prototype ``c`` starts from the mean of
    class ``c``'s time-averaged training crops, plus Gaussian noise.

    Prototype ``c`` is trained to reconstruct class ``c``; starting it from
    an unlabelled k-means++ seed (which favours outliers, such as silent
    crops) gives it another class's spectrum to unlearn first. A class
    without a training crop (a rare instrument of a small folder) has no
    mean: its prototype starts from a k-means++ seed among all crops, as
    :func:`initial_prototypes` would start it.
    """
    crops_mean, labels = np.asarray(crops_mean), np.asarray(labels)
    unlabelled = kmeans_plus_plus(crops_mean, k, rng)
    means = np.stack(
        [
            crops_mean[labels == c].mean(0)
            if np.any(labels == c)
            else unlabelled[c]
            for c in range(k)
        ]
    )
    return (means + noise * rng.standard_normal(means.shape)).astype(
        np.float32
    )


__all__ = [
    "A_MEL",
    "TRANSFORMS",
    "PrototypeModel",
    "pitch_shift",
    "pitch_source_index",
    "shelf",
    "transform_parameters",
    "identity_parameters",
    "apply_transformations",
    "reconstruction_error",
    "class_logits",
    "supervised_loss",
    "clustering_loss",
    "kmeans_plus_plus",
    "initial_prototypes",
    "class_prototypes",
]
