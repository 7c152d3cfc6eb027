"""Scattering features: kymatio's 1-D scattering with the papers' path
selection.

:mod:`xaiaudio.features.extraction` computes the features of a whole
dataset with these functions, and :mod:`xaiaudio.report.plane` draws them.

Path selection (Wang, Lostanlen and Lagrange, ICASSP 2023): order 0 is
dropped; order-1 paths and order-2 paths are kept when their first-order
(carrier) centre frequency is at least 32 Hz. Features are ``(paths,
frames)`` float32 arrays, S1 paths first, then S2 paths, in kymatio's order
within each order.

Normalisation: ``log1p(S / (c * mu + 1e-8))`` with ``c = 0.1`` and ``mu``
the per-path mean of the time-averaged coefficients over the *training*
split; see :func:`fit_normaliser`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from kymatio.scattering1d.core.scattering1d import (
    scattering1d as scattering_core,
)

from xaiaudio.core import work_ledger
from xaiaudio.core.compat import scattering1d
from xaiaudio.core.presets import Preset, get_preset, settings_for

#: Paths whose first-order (carrier) centre frequency is below this are
#: dropped (Hz).
MIN_CARRIER_HZ = 32.0

#: Constant ``c`` of the normalisation ``log1p(S / (c * mu + eps))``.
NORMALISER_C = 0.1
#: Constant ``eps`` of the normalisation: keeps a path whose training mean
#: is 0 finite.
NORMALISER_EPS = 1e-8


@dataclass(frozen=True)
class ScatteringSettings:
    """Scattering parameters for one preset: octaves ``J``, filters per
    octave ``Q``, averaging ``T``.

    The entries of :data:`SCATTERING_SETTINGS`; :func:`scattering_spec`
    joins them with the preset's sample rate and clip length.

    Attributes
    ----------
    J : int
        Number of octaves of the wavelet filterbanks (the lowest centre
        frequencies are about ``sample_rate / 2**J``).
    Q : tuple of (int, int)
        Wavelets per octave of the first and second order.
    T : int
        Averaging scale, samples (a power of two); one output frame per
        ``T`` samples.
    min_carrier_hz : float
        Paths whose first-order centre frequency is below this are dropped,
        Hz.
    """

    J: int
    Q: tuple[int, int]
    T: int
    min_carrier_hz: float = MIN_CARRIER_HZ


#: Per-preset scattering settings. ``paper`` is the papers' exact setting
#: (74 S1 paths, 1200 in all, 32 frames at 44.1 kHz on 2**18 samples).
#: ``book`` and ``smoke`` keep Q = (8, 2) and 32 frames; J = 11 keeps
#: second-order wavelets down to about 2.7 Hz at 22.05 kHz.
SCATTERING_SETTINGS = {
    "smoke": ScatteringSettings(J=11, Q=(8, 2), T=2**10),
    "book": ScatteringSettings(J=11, Q=(8, 2), T=2**11),
    "paper": ScatteringSettings(J=13, Q=(8, 2), T=2**13),
}


@dataclass(frozen=True)
class ScatteringSpec:
    """Everything that defines the features of one preset: audio rate, clip
    length and settings.

    Hashable; the key of the built scattering modules and of the cached
    features. Any function here that takes a ``preset`` also accepts a
    spec. Made by :func:`scattering_spec`.

    Attributes
    ----------
    sample_rate : int
        Hz.
    clip_samples : int
        Input length, samples.
    J, Q, T, min_carrier_hz
        As in :class:`ScatteringSettings`.
    """

    sample_rate: int
    clip_samples: int
    J: int
    Q: tuple[int, int]
    T: int
    min_carrier_hz: float = MIN_CARRIER_HZ

    @property
    def n_frames(self) -> int:
        """Number of time frames of the features (``clip_samples / T``)."""
        return self.clip_samples // self.T

    @property
    def frame_seconds(self) -> float:
        """Duration of one frame (the averaging scale ``T``) in seconds."""
        return self.T / self.sample_rate


def scattering_spec(
    preset: str | Preset | ScatteringSpec | None = None,
) -> ScatteringSpec:
    """Return the :class:`ScatteringSpec` of a preset.

    ``preset``: a name, a :class:`~xaiaudio.core.presets.Preset`, or a spec
    (returned unchanged). Used by every function here.

    Parameters
    ----------
    preset : str, Preset, ScatteringSpec or None
        ``None`` as in :func:`xaiaudio.core.presets.get_preset`.

    Returns
    -------
    ScatteringSpec
        The preset's sample rate and clip length with its
        :data:`SCATTERING_SETTINGS` entry.

    Raises
    ------
    ValueError
        For an unknown preset name.
    """
    if isinstance(preset, ScatteringSpec):
        return preset
    preset = get_preset(preset)
    settings = settings_for(SCATTERING_SETTINGS, preset)
    return ScatteringSpec(
        preset.sample_rate,
        preset.clip_samples,
        settings.J,
        tuple(settings.Q),
        settings.T,
        settings.min_carrier_hz,
    )


@functools.lru_cache(maxsize=8)
def _build(spec: ScatteringSpec, device: str):

    module = scattering1d(
        J=spec.J, shape=spec.clip_samples, Q=spec.Q, T=spec.T
    )
    return module.to(device)


def scattering_module(spec, device=None):
    """kymatio's torch ``Scattering1D`` for ``spec`` on ``device`` (built
    once per process).

    Modules are kept for the last 8 ``(spec, device)`` pairs, so repeated
    calls are free. Used by :func:`scatter_torch`.

    Parameters
    ----------
    spec : str, Preset, ScatteringSpec or None
        The preset (see :func:`scattering_spec`).
    device : str or torch.device, optional
        Where the module lives (default the CPU).

    Returns
    -------
    torch.nn.Module
        Computes every path, orders 0 to 2, of a ``(batch, clip_samples)``
        input, before the path selection; share it, do not modify it.
    """
    spec = scattering_spec(spec)
    return _build(spec, str(device or "cpu"))


@functools.lru_cache(maxsize=8)
def _meta(spec: ScatteringSpec) -> dict:
    return scattering_module(spec).meta()


@dataclass(frozen=True, eq=False)
class ScatteringPaths:
    """The kept scattering paths of a spec, in feature order (S1 first,
    then S2).

    ``lambda1``/``lambda2`` are centre frequencies in Hz (``lambda2`` is
    NaN for S1); ``sigma1``/``sigma2`` are the Gaussian widths of the
    Morlet filters in Hz; ``n1``/``n2`` are kymatio's filter indices (``n2
    = -1`` for S1); ``kymatio_index`` is the row of the path in kymatio's
    full output. ``len(paths)`` is the number of feature rows. Made by
    :func:`scattering_paths`; :mod:`xaiaudio.report.plane` uses it to place
    relevance in the carrier-modulation plane.

    Attributes
    ----------
    spec : ScatteringSpec
        The spec the paths belong to.
    order : numpy.ndarray
        int, shape ``(paths,)``: 1 or 2.
    lambda1, lambda2 : numpy.ndarray
        float, shape ``(paths,)``: carrier and modulation centre
        frequencies, Hz.
    sigma1, sigma2 : numpy.ndarray
        float, shape ``(paths,)``: the filters' Gaussian widths (standard
        deviations in frequency), Hz; ``sigma2`` is NaN for S1.
    n1, n2 : numpy.ndarray
        int, shape ``(paths,)``: kymatio's filter indices.
    kymatio_index : numpy.ndarray
        int, shape ``(paths,)``: row in kymatio's output.
    """

    spec: ScatteringSpec
    order: np.ndarray
    lambda1: np.ndarray
    lambda2: np.ndarray
    sigma1: np.ndarray
    sigma2: np.ndarray
    n1: np.ndarray
    n2: np.ndarray
    kymatio_index: np.ndarray

    def __len__(self) -> int:
        return len(self.order)

    @property
    def n_s1(self) -> int:
        """Number of first-order paths (they come first in the
        features)."""
        return int((self.order == 1).sum())

    @property
    def n_s2(self) -> int:
        """Number of second-order paths."""
        return int((self.order == 2).sum())

    def table(self):
        """The paths as a pandas DataFrame (one row per path): order,
        frequencies, filter indices.

        Returns
        -------
        pandas.DataFrame
            Columns ``order``, ``lambda1_hz``, ``lambda2_hz`` (NaN for S1),
            ``n1``, ``n2`` and ``kymatio_index``; row i describes feature
            row i.
        """

        return pd.DataFrame(
            {
                "order": self.order,
                "lambda1_hz": self.lambda1,
                "lambda2_hz": self.lambda2,
                "n1": self.n1,
                "n2": self.n2,
                "kymatio_index": self.kymatio_index,
            }
        )


@functools.lru_cache(maxsize=8)
def select_paths(spec: ScatteringSpec) -> ScatteringPaths:
    """The papers' path selection: orders 1 and 2 whose carrier is at least
    ``spec.min_carrier_hz``.

    kymatio's ``meta()`` gives every path's order, centre frequencies
    ``xi`` and widths ``sigma`` in cycles per sample; they are multiplied
    by the sample rate to give Hz. Order 0 is dropped; S1 paths come first,
    then S2, each in kymatio's order. Cached per spec.

    Parameters
    ----------
    spec : ScatteringSpec
        The transform (sample rate, length, J, Q, T, carrier threshold).

    Returns
    -------
    ScatteringPaths
        Shared between calls: do not modify its arrays.
    """
    meta = _meta(spec)
    order = np.asarray(meta["order"])
    xi = np.asarray(meta["xi"], dtype=float) * spec.sample_rate
    sigma = np.asarray(meta["sigma"], dtype=float) * spec.sample_rate
    n = np.asarray(meta["n"], dtype=float)
    carrier_ok = np.nan_to_num(xi[:, 0], nan=0.0) >= spec.min_carrier_hz
    keep = np.concatenate(
        [np.flatnonzero((order == k) & carrier_ok) for k in (1, 2)]
    )
    n2 = np.where(
        order[keep] == 2, np.nan_to_num(n[keep, 1], nan=-1), -1
    ).astype(int)
    return ScatteringPaths(
        spec=spec,
        order=order[keep].astype(int),
        lambda1=xi[keep, 0],
        lambda2=np.where(order[keep] == 2, xi[keep, 1], np.nan),
        sigma1=sigma[keep, 0],
        sigma2=np.where(order[keep] == 2, sigma[keep, 1], np.nan),
        n1=n[keep, 0].astype(int),
        n2=n2,
        kymatio_index=keep,
    )


def scattering_paths(preset=None) -> ScatteringPaths:
    """The kept paths of a preset, from kymatio's ``meta()``.

    ``preset``: a name, a :class:`~xaiaudio.core.presets.Preset` or a
    :class:`ScatteringSpec`.

    kymatio reports centre frequencies in cycles per sample; they are
    multiplied by the sample rate to give Hz. Paths of order 1 and 2 whose
    carrier is at least ``min_carrier_hz`` are kept (the selection is
    :func:`select_paths`); the result is cached per spec. Used by
    :mod:`xaiaudio.experiments.technique_convnets` and
    :mod:`xaiaudio.report.plane`.

    Parameters
    ----------
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.

    Returns
    -------
    ScatteringPaths
        Shared between calls: do not modify its arrays.
    """
    return select_paths(scattering_spec(preset))


def path_table(preset=None):
    """pandas DataFrame of every kept path of a preset: order, carrier
    ``lambda1_hz``, modulation ``lambda2_hz`` (NaN for S1), filter indices
    ``n1``, ``n2`` and the row ``kymatio_index`` in kymatio's output. Row i
    describes feature row i.

    Parameters
    ----------
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.

    Returns
    -------
    pandas.DataFrame
        :meth:`ScatteringPaths.table` of :func:`scattering_paths`.
    """
    return scattering_paths(preset).table()


def scatter_torch(audio, preset=None, device=None):
    """Torch version of :func:`scatter`: ``(batch, samples)`` tensor ->
    ``(batch, paths, frames)`` tensor.

    Used by :mod:`xaiaudio.features.extraction` so that batches stay on
    ``device``. Runs without gradients; keeps every kept path (S1 and S2).

    Parameters
    ----------
    audio : torch.Tensor
        Shape ``(batch, clip_samples)``; converted to float32 on
        ``device``.
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.
    device : str or torch.device, optional
        Where to compute; default ``audio.device``.

    Returns
    -------
    torch.Tensor
        float32, shape ``(batch, paths, frames)``, on ``device``; raw
        coefficients (not normalised).
    """

    spec = scattering_spec(preset)
    device = torch.device(device) if device is not None else audio.device
    module = scattering_module(spec, device)
    paths = scattering_paths(spec)
    index = torch.as_tensor(paths.kymatio_index, device=device)
    work_ledger.count(
        "scattered clip", audio[..., 0].numel(), audio.shape[-1:]
    )
    with torch.no_grad():
        out = module(audio.to(device=device, dtype=torch.float32))
    return out.index_select(-2, index)


def scatter_paths_torch(audio, rows, preset=None) -> torch.Tensor:
    """Differentiable scattering of a few kept paths: the rows ``rows`` of
    :func:`scatter_torch`, with gradients, at the cost of those paths only.

    Resynthesis (:mod:`xaiaudio.explain.resynthesis`) descends a loss on a
    handful of coefficients thousands of times; computing all of the
    preset's paths for each step would cost up to a hundred times more.
    kymatio's own core function runs once per carrier (first-order filter)
    with only the second-order filters that ``rows`` pair with it, so the
    values are kymatio's, bit for bit.

    Parameters
    ----------
    audio : torch.Tensor
        ``(batch, clip_samples)``, float32; may require gradients.
    rows : array-like of int
        Rows of the kept paths (feature order, see
        :func:`scattering_paths`), any order, repeats allowed.
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.

    Returns
    -------
    torch.Tensor
        ``(batch, len(rows), frames)`` on ``audio``'s device.
    """
    spec = scattering_spec(preset)
    module = scattering_module(spec, audio.device)
    paths = scattering_paths(spec)
    rows = np.asarray(rows, dtype=int)
    # kymatio keeps its filters as module buffers and reads them back
    # before each transform; do the same before calling its core.
    module.load_filters()
    signal = audio.reshape(audio.shape[0], 1, audio.shape[-1])
    columns = [None] * len(rows)
    for n1 in np.unique(paths.n1[rows]):
        here = np.flatnonzero(paths.n1[rows] == n1)
        n2s = sorted({int(paths.n2[r]) for r in rows[here]} - {-1})
        out = scattering_core(
            signal,
            module.backend,
            [module.psi1_f[n1]],
            [module.psi2_f[n2] for n2 in n2s],
            module.phi_f,
            pad_left=module.pad_left,
            pad_right=module.pad_right,
            ind_start=module.ind_start,
            ind_end=module.ind_end,
            max_order=2 if n2s else 1,
        )
        # out: order 0, order 1 of n1, then (n1, n2) for n2 in n2s
        coefficient = {-1: out[1]["coef"]}
        for entry in out[2:]:
            coefficient[n2s[entry["n"][1]]] = entry["coef"]
        for h in here:
            columns[h] = coefficient[int(paths.n2[rows[h]])]
    return torch.stack(columns, dim=1).reshape(
        audio.shape[0], len(rows), -1
    )


def scatter(audio, preset=None, device=None, orders=(1, 2)) -> np.ndarray:
    """Scattering features of audio clips, as the chapters use them.

    ``audio``: ``(samples,)`` or ``(batch, samples)`` with ``samples`` the
    preset's clip length. Returns float32 ``(paths, frames)`` (or ``(batch,
    paths, frames)``) with S1 paths first; ``orders=(1,)`` returns S1 only.
    Used by the scattering explorer (:mod:`xaiaudio.report.widgets`).

    Parameters
    ----------
    audio : array_like
        ``(clip_samples,)`` or ``(batch, clip_samples)``.
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.
    device : str or torch.device, optional
        Where to compute (default the CPU); the result is a NumPy array
        either way.
    orders : tuple of int
        ``(1, 2)``, ``(1,)`` or ``(2,)`` (see :func:`select_orders`).

    Returns
    -------
    numpy.ndarray
        float32 raw (not normalised) coefficients, ``(paths, frames)`` for
        one clip or ``(batch, paths, frames)``.

    Raises
    ------
    ValueError
        When the clips are not ``clip_samples`` long, or for other
        ``orders``.
    """

    spec = scattering_spec(preset)
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    single = x.ndim == 1
    if single:
        x = x[None]
    if x.shape[-1] != spec.clip_samples:
        raise ValueError(
            f"expected clips of {spec.clip_samples} samples, got "
            f"{x.shape[-1]}"
        )
    features = (
        scatter_torch(x, spec, device or "cpu")
        .cpu()
        .numpy()
        .astype(np.float32)
    )
    features = select_orders(features, spec, orders)
    return features[0] if single else features


def select_orders(features, preset=None, orders=(1, 2)):
    """S1 rows (``orders=(1,)``), S2 rows (``(2,)``) or both, of features
    ``(..., paths, frames)``.

    Used by :func:`scatter`.

    Parameters
    ----------
    features : numpy.ndarray or torch.Tensor
        Shape ``(..., paths, frames)`` with every kept path of the preset.
    preset : str, Preset, ScatteringSpec or None
        See :func:`scattering_spec`.
    orders : sequence of int
        ``(1,)``, ``(2,)`` or ``(1, 2)``, in any order.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        A view of the selected rows (``features`` itself for both orders).

    Raises
    ------
    ValueError
        For any other ``orders``.
    """
    paths = scattering_paths(preset)
    orders = tuple(sorted(orders))
    if orders == (1, 2):
        return features
    if orders == (1,):
        return features[..., : paths.n_s1, :]
    if orders == (2,):
        return features[..., paths.n_s1 :, :]
    raise ValueError(f"orders must be (1,), (2,) or (1, 2), not {orders}")


# -------------------------------------------------------------------------
# normalisation
@dataclass(frozen=True, eq=False)
class Normaliser:
    """``log1p(S / (c * mu + eps))`` with a per-path ``mu`` fitted by
    :func:`fit_normaliser`.

    Calling it on features ``(..., paths, frames)`` returns normalised
    float32 features; it raises ``ValueError`` when their number of paths
    differs from ``len(mu)``. Used by
    :func:`xaiaudio.experiments.technique_convnets.technique_features`.

    Attributes
    ----------
    mu : numpy.ndarray
        float32, shape ``(paths,)``: mean time-averaged coefficient of each
        path over the training examples.
    c : float
        Scale on ``mu`` (:data:`NORMALISER_C`).
    eps : float
        Added to ``c * mu`` (:data:`NORMALISER_EPS`).
    n_train : int
        Number of training examples ``mu`` was fitted on.
    """

    mu: np.ndarray
    c: float = NORMALISER_C
    eps: float = NORMALISER_EPS
    n_train: int = 0

    def __call__(self, features) -> np.ndarray:
        features = np.asarray(features, dtype=np.float32)
        if features.shape[-2] != len(self.mu):
            raise ValueError(
                f"features have {features.shape[-2]} paths, the "
                f"normaliser {len(self.mu)}"
            )
        scale = (self.c * self.mu + self.eps).astype(np.float32)[:, None]
        return np.log1p(features / scale).astype(np.float32)


def fit_normaliser(
    features, split, c: float = NORMALISER_C, chunk: int = 256
) -> Normaliser:
    """Fit the normalisation on the **training** rows only.

    ``features``: ``(examples, paths, frames)`` (a memory map is fine: it
    is read in chunks); ``split``: one of ``"train"``/``"val"``/``"test"``
    per example (the dataset table's ``split`` column). ``mu`` is the mean
    over training examples of each path's time-averaged coefficient;
    validation and test rows are never read.

    Parameters
    ----------
    features : numpy.ndarray
        Raw features, ``(examples, paths, frames)``.
    split : array_like of str
        One split name per example.
    c : float
        The normaliser's ``c``.
    chunk : int
        Training examples read at a time.

    Returns
    -------
    Normaliser

    Raises
    ------
    ValueError
        When ``split`` is not split labels (a boolean mask, numbers), does
        not have one entry per example, or has no ``"train"`` entry.
    """
    split = np.asarray(split)
    if split.dtype.kind not in "USO":
        raise ValueError(
            "split must be the split column, one label 'train', 'val' "
            "or 'test' per example (e.g. table['split']), not an array "
            f"of {split.dtype}: a boolean mask or indices do not say "
            "which rows are the training rows"
        )
    if split.shape != (len(features),):
        raise ValueError(
            f"need one split label per example: {split.shape} vs "
            f"{len(features)} examples"
        )
    train = np.flatnonzero(split == "train")
    if len(train) == 0:
        found = sorted(str(label) for label in np.unique(split))[:5]
        raise ValueError(
            "no 'train' rows: the normaliser must be fitted on the "
            "training split; split must hold one label 'train', 'val' "
            f"or 'test' per example, found {found}"
        )
    total = np.zeros(features.shape[-2], dtype=np.float64)
    for start in range(0, len(train), chunk):
        rows = train[start : start + chunk]
        total += (
            np.asarray(features[rows], dtype=np.float64)
            .mean(axis=-1)
            .sum(axis=0)
        )
    return Normaliser(
        mu=(total / len(train)).astype(np.float32),
        c=float(c),
        n_train=len(train),
    )
