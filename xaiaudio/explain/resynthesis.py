"""Explanations you can hear: waveforms whose scattering keeps, or loses,
the coefficients a relevance map selects.

A relevance map on the carrier-modulation plane selects scattering paths
(``lambda1``, ``lambda2``). Two renders make the selection audible:

* *keep*: a waveform whose coefficients on the selected paths match the
  clip's, everything else free. It starts from noise with the clip's
  spectrum in the selected carriers (:func:`carrier_noise`): the descent
  must put back the modulations those paths measure.
* *remove*: the clip with the selected coefficients pushed to zero (their
  floor: scattering coefficients are moduli). It starts from the clip
  with the selected carriers filtered out (:func:`carrier_stop`).

Both descend a loss on the waveform through kymatio's scattering (L-BFGS),
computing only the selected paths
(:func:`xaiaudio.features.scattering.scatter_paths_torch`). The loss is
measured where the network reads its input: on ``log1p(S / scale)`` with
the normaliser's per-path ``scale``. Every render reports its relative
error against the clip's coefficients on the selected paths and on the
rest, computed with the full transform. Chapter "Listening to relevance"
(``book/listening_relevance.md``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from xaiaudio.core.presets import settings_for
from xaiaudio.features.scattering import (
    NORMALISER_C,
    NORMALISER_EPS,
    scatter_paths_torch,
    scatter_torch,
    scattering_module,
    scattering_paths,
    scattering_spec,
)

#: The two renders of a selection.
MODES = ("keep", "remove")

#: Without a normaliser, a path's scale is the clip's own mean coefficient,
#: but at least this share of the mean over paths.
MU_FLOOR = 1.0

#: Above this many distinct carriers, a step computes every path with
#: kymatio's module (cheaper than one core call per carrier).
MAX_PARTIAL_CARRIERS = 16


@dataclass(frozen=True)
class ResynthesisSettings:
    """How hard a render works.

    Attributes
    ----------
    iterations : int
        L-BFGS iterations (each evaluates the loss one or a few times).
    """

    iterations: int


#: Settings per preset. At ``book``, 6 iterations instead of 10 moved a
#: tone's *keep* error by less than 0.01 and took the chapter from 171 to
#: 131 s on two CPU cores: with claim C1's renders, the section fits its
#: four minutes (``benchmarks/results/chapter_runtimes.json``).
RESYNTHESIS_SETTINGS = {
    "smoke": ResynthesisSettings(iterations=8),
    "book": ResynthesisSettings(iterations=6),
    "paper": ResynthesisSettings(iterations=100),
}


class ResynthesisError(ValueError):
    """A selection or a clip that cannot be rendered (the message says
    why)."""


@dataclass(frozen=True)
class Render:
    """Renders of one selection for a batch of clips.

    Attributes
    ----------
    audio : numpy.ndarray
        float32, ``(clips, samples)``, in the standardised clips' units
        (play it through :func:`safe_peak`).
    features : numpy.ndarray
        float32, ``(clips, paths, frames)``: the render's raw scattering
        coefficients, every kept path (what the network would read).
    selected_error : numpy.ndarray
        ``(clips,)``: ``||S y - S x|| / ||S x||`` over the selected
        coefficients. Small for *keep*; 1 when *remove* emptied them.
    rest_error : numpy.ndarray
        ``(clips,)``: the same over every other coefficient. Small for
        *remove*; for *keep* the rest is free, and about 1 means it stayed
        nearly empty.
    """

    audio: np.ndarray
    features: np.ndarray
    selected_error: np.ndarray
    rest_error: np.ndarray


def _relevance_vector(relevance) -> np.ndarray:
    values = np.asarray(relevance, dtype=np.float64)
    if values.ndim == 2:  # (paths, frames): the time average ranks paths
        values = values.mean(axis=-1)
    if values.ndim != 1:
        raise ResynthesisError(
            f"relevance must be (paths,) or (paths, frames), got shape "
            f"{np.shape(relevance)}"
        )
    if not np.isfinite(values).all():
        raise ResynthesisError("relevance has NaN or infinite values")
    return values


def _check_k(k, n_paths: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ResynthesisError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= n_paths:
        raise ResynthesisError(
            f"k must be between 1 and the number of paths ({n_paths}), "
            f"got {k}"
        )
    return int(k)


def top_k_paths(relevance, k: int) -> np.ndarray:
    """Rows of the ``k`` paths with the largest positive relevance.

    Parameters
    ----------
    relevance : array-like, shape (paths,) or (paths, frames)
        One clip's relevance (time-averaged when it has frames).
    k : int
        How many paths, from 1 to the number of paths.

    Returns
    -------
    numpy.ndarray of int
        ``k`` rows, most relevant first.

    Raises
    ------
    ResynthesisError
        For a bad ``k``, non-finite relevance, or fewer than ``k`` paths
        with positive relevance (all-zero relevance included): there is no
        "top k" to render.
    """
    values = _relevance_vector(relevance)
    k = _check_k(k, len(values))
    positive = int((values > 0).sum())
    if positive < k:
        raise ResynthesisError(
            f"only {positive} path(s) have positive relevance; cannot "
            f"select the top {k}"
        )
    return np.argsort(-values, kind="stable")[:k]


def random_paths(n_paths: int, k: int, seed) -> np.ndarray:
    """``k`` distinct rows drawn uniformly among ``n_paths`` (the
    baseline selection).

    Parameters
    ----------
    n_paths : int
        Number of paths.
    k : int
        How many, from 1 to ``n_paths``.
    seed : int or sequence of int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray of int
    """
    k = _check_k(k, n_paths)
    return np.random.default_rng(seed).choice(n_paths, k, replace=False)


def loss_scale(
    clip_features: torch.Tensor, mu=None, c: float = NORMALISER_C
) -> torch.Tensor:
    """Per-path ``scale`` of the loss's ``log1p(S / scale)``: the
    normaliser's ``c * mu + eps``, or the clip's own time-averaged
    coefficients in place of ``mu`` when no normaliser is given.

    Parameters
    ----------
    clip_features : torch.Tensor
        ``(clips, paths, frames)``: raw coefficients of the clips.
    mu : array-like of shape (paths,), optional
        :class:`xaiaudio.features.scattering.Normaliser`'s ``mu``.
    c : float
        The normaliser's constant.

    Returns
    -------
    torch.Tensor
        ``(clips or 1, paths, 1)``.
    """
    if mu is None:
        mean = clip_features.mean(dim=-1, keepdim=True)
        # a path the clip leaves empty would make the loss ill-conditioned
        floor = MU_FLOOR * mean.mean(dim=1, keepdim=True)
        mean = torch.maximum(mean, floor)
    else:
        mean = torch.as_tensor(
            np.asarray(mu, dtype=np.float32), device=clip_features.device
        )[None, :, None]
    return c * mean + NORMALISER_EPS


def _as_clips(clips) -> torch.Tensor:
    x = torch.as_tensor(clips, dtype=torch.float32)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ResynthesisError(
            f"clips must be (samples,) or (clips, samples), got shape "
            f"{tuple(x.shape)}"
        )
    if not torch.isfinite(x).all():
        raise ResynthesisError("a clip has NaN or infinite samples")
    return x


def resynthesise(
    clips,
    rows,
    mode: str,
    preset=None,
    settings: ResynthesisSettings | None = None,
    mu=None,
    seed: int = 0,
    clip_features=None,
) -> Render:
    """Render a selection of paths for a batch of clips: keep only them, or
    remove them.

    *keep* starts from :func:`carrier_noise` and matches the clip on the
    selected coefficients; *remove* starts from :func:`carrier_stop` and
    pushes the selected coefficients to zero. Both descend the mean
    squared error of ``log1p(S / scale)`` on the selected coefficients
    with L-BFGS; the other coefficients are free (the band stop takes
    some of them too: ``rest_error`` says how much).

    Parameters
    ----------
    clips : array-like or torch.Tensor
        ``(samples,)`` or ``(clips, clip_samples)``, standardised as the
        pipeline loads them; a tensor stays on its device (CUDA when
        there).
    rows : array-like of int
        The selected paths (feature rows), the same for every clip.
    mode : {"keep", "remove"}
        Which render (see the module's docstring).
    preset : str, Preset, ScatteringSpec or None
        The transform; the settings' preset.
    settings : ResynthesisSettings, optional
        Default: :data:`RESYNTHESIS_SETTINGS` of the preset.
    mu : array-like of shape (paths,), optional
        The normaliser's ``mu`` (see :func:`loss_scale`).
    seed : int
        Seed of a *keep* render's random phases: the same seed gives the
        same render (on CUDA, to rounding: the backward of kymatio's
        reflection padding has no deterministic CUDA kernel).
    clip_features : torch.Tensor, optional
        The clips' raw coefficients, ``(clips, paths, frames)``, when the
        caller has them (several renders of one clip); computed otherwise.

    Returns
    -------
    Render
        An all-zero clip renders as zeros (silence stays silence).

    Raises
    ------
    ResynthesisError
        For another ``mode``, empty or out-of-range ``rows``, clips that
        are not finite, or a render that is not (never NaN audio).
    """
    if mode not in MODES:
        raise ResynthesisError(
            f"mode must be one of {MODES}, not {mode!r}"
        )
    spec = scattering_spec(preset)
    if settings is None:
        settings = settings_for(RESYNTHESIS_SETTINGS, preset)
    x = _as_clips(clips)
    if x.shape[-1] != spec.clip_samples:
        raise ResynthesisError(
            f"expected clips of {spec.clip_samples} samples, got "
            f"{x.shape[-1]}"
        )
    full = (
        scatter_torch(x, spec)
        if clip_features is None
        else torch.as_tensor(clip_features, device=x.device)
    )
    rows = np.unique(np.asarray(rows, dtype=int))
    if len(rows) == 0 or rows[0] < 0 or rows[-1] >= full.shape[1]:
        raise ResynthesisError(
            f"rows must be non-empty, between 0 and {full.shape[1] - 1}"
        )
    scale = loss_scale(full, mu)[:, rows]
    if mode == "keep":
        start = carrier_noise(x, rows, spec, seed)
        target = torch.log1p(full[:, rows] / scale)
    else:
        start = carrier_stop(x, rows, spec)
        target = torch.zeros_like(full[:, rows])  # the floor of a modulus
    y = start.requires_grad_()
    optimiser = torch.optim.LBFGS(
        [y],
        max_iter=settings.iterations,
        history_size=10,
        line_search_fn="strong_wolfe",
        # a mean over many coefficients has tiny per-sample gradients: run
        # every iteration instead of stopping on torch's default tolerances
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        coefficients = _coefficients(y, rows, spec)
        value = (torch.log1p(coefficients / scale) - target).pow(2).mean()
        value.backward()
        return value

    if settings.iterations > 0:
        with warnings.catch_warnings():
            # said once in the docstring, not at every render on CUDA
            warnings.filterwarnings(
                "ignore", "reflection_pad1d_backward_out_cuda"
            )
            optimiser.step(closure)
    audio = y.detach()
    audio[(x == 0).all(dim=-1)] = 0.0
    if not torch.isfinite(audio).all():
        raise ResynthesisError(
            "the render diverged (NaN or infinite samples)"
        )
    return Render(audio.cpu().numpy(), *_measured(audio, full, rows, spec))


def carrier_band(rows, preset, n_samples: int) -> np.ndarray:
    """Gain in ``[0, 1]`` per rfft bin of the selected paths' carriers.

    Each carrier is the Gaussian of its Morlet filter (centre ``lambda1``,
    width ``sigma1``); overlapping carriers take their maximum.

    Parameters
    ----------
    rows : array-like of int
        The selected paths.
    preset : str, Preset, ScatteringSpec or None
        The transform (sample rate, paths).
    n_samples : int
        Length of the signal.

    Returns
    -------
    numpy.ndarray
        ``(n_samples // 2 + 1,)``.
    """
    spec = scattering_spec(preset)
    paths = scattering_paths(spec)
    frequencies = np.fft.rfftfreq(n_samples, 1.0 / spec.sample_rate)
    band = np.zeros_like(frequencies)
    for n1 in np.unique(paths.n1[np.asarray(rows, dtype=int)]):
        first = np.flatnonzero(paths.n1 == n1)[0]
        centre, width = paths.lambda1[first], paths.sigma1[first]
        band = np.maximum(
            band, np.exp(-0.5 * ((frequencies - centre) / width) ** 2)
        )
    return band


def carrier_noise(
    x: torch.Tensor, rows, preset, seed: int
) -> torch.Tensor:
    """Where a *keep* render starts: the clip's magnitude spectrum inside
    the selected carriers (:func:`carrier_band`) with random phases.

    It has the clip's first-order energy on those carriers and none of its
    temporal structure: the descent must create the modulations.

    Parameters
    ----------
    x : torch.Tensor
        ``(clips, samples)``.
    rows : array-like of int
        The selected paths.
    preset : str, Preset, ScatteringSpec or None
        The transform.
    seed : int
        Seed of the phases.

    Returns
    -------
    torch.Tensor
        Same shape and device as ``x``.
    """
    band = carrier_band(rows, preset, x.shape[-1])
    generator = torch.Generator().manual_seed(seed)
    phases = (
        2 * np.pi * torch.rand(x.shape[0], len(band), generator=generator)
    )
    magnitude = torch.fft.rfft(x.cpu(), dim=-1).abs() * torch.as_tensor(
        band, dtype=torch.float32
    )
    start = torch.fft.irfft(
        torch.polar(magnitude, phases.float()), n=x.shape[-1], dim=-1
    )
    return start.to(x.device)


def carrier_stop(x: torch.Tensor, rows, preset) -> torch.Tensor:
    """Where a *remove* render starts: the clip with the selected carriers
    (:func:`carrier_band`) filtered out.

    Parameters
    ----------
    x : torch.Tensor
        ``(clips, samples)``.
    rows : array-like of int
        The selected paths.
    preset : str, Preset, ScatteringSpec or None
        The transform.

    Returns
    -------
    torch.Tensor
        Same shape and device as ``x``.
    """
    band = carrier_band(rows, preset, x.shape[-1])
    stop = torch.as_tensor(
        1.0 - band, dtype=torch.float32, device=x.device
    )
    return torch.fft.irfft(
        torch.fft.rfft(x, dim=-1) * stop, n=x.shape[-1], dim=-1
    )


def _coefficients(audio, rows, spec) -> torch.Tensor:
    """The selected rows' coefficients, with gradients."""
    paths = scattering_paths(spec)
    if len(np.unique(paths.n1[rows])) <= MAX_PARTIAL_CARRIERS:
        return scatter_paths_torch(audio, rows, spec)
    index = torch.as_tensor(paths.kymatio_index[rows], device=audio.device)
    module = scattering_module(spec, audio.device)
    return module(audio).index_select(-2, index)


def _measured(audio, full, rows, spec) -> tuple:
    """A render's coefficients, and their relative errors against the
    clip's on the selection and on the rest."""
    rendered = scatter_torch(audio, spec)
    chosen = torch.zeros(full.shape[1], dtype=torch.bool)
    chosen[rows] = True
    chosen = chosen.to(full.device)
    errors = []
    for part in (chosen, ~chosen):
        difference = (rendered[:, part] - full[:, part]).flatten(1)
        reference = full[:, part].flatten(1).norm(dim=1)
        errors.append(
            (difference.norm(dim=1) / reference.clamp_min(1e-12))
            .cpu()
            .numpy()
        )
    return rendered.cpu().numpy(), errors[0], errors[1]


def safe_peak(signals: dict, peak: float = 0.9) -> dict:
    """Scale a clip and its renders by one common factor so the loudest
    peak is ``peak``: no clipping, relative loudness kept.

    IPython's ``Audio`` normalises each player on its own by default, which
    would make a faint render as loud as the clip; play these with
    ``normalize=False``.

    Parameters
    ----------
    signals : dict
        Name -> 1-D array.
    peak : float
        The loudest absolute sample after scaling, in (0, 1].

    Returns
    -------
    dict
        Name -> float32 array; all-zero inputs stay zero.

    Raises
    ------
    ResynthesisError
        When a signal has NaN or infinite samples.
    """
    arrays = {
        name: np.asarray(s, dtype=np.float32)
        for name, s in signals.items()
    }
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise ResynthesisError(f"{name!r} has NaN or infinite samples")
    loudest = max(np.abs(a).max(initial=0.0) for a in arrays.values())
    gain = peak / loudest if loudest > 0 else 1.0
    return {
        name: array * np.float32(gain) for name, array in arrays.items()
    }
