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

Both descend a loss on the waveform through kymatio's scattering,
computing only the selected paths
(:func:`xaiaudio.features.scattering.scatter_paths_torch`). The loss is
measured where the network reads its input: on ``log1p(S / scale)`` with
the normaliser's per-path ``scale``. Clips render in batches, each with
its own selection and mode, and each with its own L-BFGS
(:func:`lbfgs_per_clip`): a clip's render does not depend on the clips it
is batched with, so renders can be cached one by one. Every render
reports its relative error against the clip's coefficients on the
selected paths and on the rest, computed with the full transform.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from xaiaudio.core import work_ledger
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

#: A clip whose selection spans more distinct carriers than this computes
#: every path with kymatio's module (cheaper than one core call per
#: carrier).
MAX_PARTIAL_CARRIERS = 16

#: Curvature pairs each clip's L-BFGS keeps.
HISTORY = 10

#: Clips optimised together hold at most this many samples in all (memory:
#: about 60 MB per clip of 2**16 samples on the CPU). How clips are
#: batched does not change their renders.
BATCH_SAMPLES = 2**20


@dataclass(frozen=True)
class ResynthesisSettings:
    """How hard a render works.

    Attributes
    ----------
    evaluations : int
        Evaluations of a clip's loss and gradient, the one at its start
        included: a render's cost (each is about one forward and backward
        pass through the selected paths).
    """

    evaluations: int


#: Settings per preset. At ``smoke`` and ``book`` the renders match their
#: selection at least as well as torch's L-BFGS did one clip at a time
#: with 8 and 6 iterations (up to 10 and 7 evaluations), on the
#: benchmark's tones (``benchmarks/bench_resynthesis.py`` renders both
#: ways); ``paper`` keeps the 125 evaluations its 100 iterations could
#: make.
RESYNTHESIS_SETTINGS = {
    "smoke": ResynthesisSettings(evaluations=10),
    "book": ResynthesisSettings(evaluations=6),
    "paper": ResynthesisSettings(evaluations=125),
}


class ResynthesisError(ValueError):
    """A selection or a clip that cannot be rendered (the message says
    why)."""


@dataclass(frozen=True)
class Render:
    """Renders of a batch of clips, each of its own selection.

    Attributes
    ----------
    audio : numpy.ndarray
        float32, ``(clips, samples)``, in the standardised clips' units
        (play it through :func:`safe_peak`).
    features : numpy.ndarray
        float32, ``(clips, paths, frames)``: the render's raw scattering
        coefficients, every kept path (what the network would read).
    selected_error : numpy.ndarray
        ``(clips,)``: ``||S y - S x|| / ||S x||`` over the clip's selected
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


def selection_masks(selection, n_clips: int, n_paths: int) -> np.ndarray:
    """Each clip's selected paths as a boolean mask.

    Parameters
    ----------
    selection : array-like
        The rows of the paths selected for every clip (1-D, int), or one
        boolean mask per clip, ``(clips, paths)``.
    n_clips, n_paths : int
        How many clips and paths.

    Returns
    -------
    numpy.ndarray of bool
        ``(n_clips, n_paths)``.

    Raises
    ------
    ResynthesisError
        For rows out of range, a mask of another shape, or a clip that
        selects nothing.
    """
    selection = np.asarray(selection)
    if selection.dtype == bool:
        if selection.shape != (n_clips, n_paths):
            raise ResynthesisError(
                f"a selection mask must be (clips, paths) = "
                f"({n_clips}, {n_paths}), got {selection.shape}"
            )
        masks = selection.copy()
    else:
        rows = selection.astype(int).ravel()
        if len(rows) == 0 or rows.min() < 0 or rows.max() >= n_paths:
            raise ResynthesisError(
                f"rows must be non-empty, between 0 and {n_paths - 1}"
            )
        masks = np.zeros((n_clips, n_paths), dtype=bool)
        masks[:, rows] = True
    empty = np.flatnonzero(~masks.any(axis=1))
    if len(empty):
        raise ResynthesisError(
            f"clip(s) {empty.tolist()} select no path: rows must be "
            "non-empty"
        )
    return masks


def _modes(mode, n_clips: int) -> list[str]:
    modes = [mode] * n_clips if isinstance(mode, str) else list(mode)
    if len(modes) != n_clips:
        raise ResynthesisError(
            f"got {len(modes)} modes for {n_clips} clips"
        )
    for name in modes:
        if name not in MODES:
            raise ResynthesisError(
                f"mode must be one of {MODES}, not {name!r}"
            )
    return modes


def resynthesise(
    clips,
    selection,
    mode,
    preset=None,
    settings: ResynthesisSettings | None = None,
    mu=None,
    seed: int = 0,
) -> Render:
    """Render clips, each from its own selection of paths: keep only them,
    or remove them.

    *keep* starts from :func:`carrier_noise` and matches the clip on the
    selected coefficients; *remove* starts from :func:`carrier_stop` and
    pushes the selected coefficients to zero. Both descend the mean
    squared error of ``log1p(S / scale)`` on the clip's selected
    coefficients (:class:`SelectedCoefficientLoss`); the other
    coefficients are free (the band stop takes some of them too:
    ``rest_error`` says how much). Clips are optimised in batches of at
    most :data:`BATCH_SAMPLES` samples, each by its own L-BFGS
    (:func:`lbfgs_per_clip`), so a clip renders the same, to float
    rounding, alone or with any others.

    Parameters
    ----------
    clips : array-like or torch.Tensor
        ``(samples,)`` or ``(clips, clip_samples)``, standardised as the
        pipeline loads them; a tensor stays on its device (CUDA when
        there). A clip may repeat (several selections of one clip).
    selection : array-like
        The selected paths (feature rows) of every clip, or one boolean
        mask per clip, ``(clips, paths)`` (see :func:`selection_masks`).
    mode : str or sequence of str
        ``"keep"`` or ``"remove"`` (see the module's docstring), for every
        clip or one per clip.
    preset : str, Preset, ScatteringSpec or None
        The transform; the settings' preset.
    settings : ResynthesisSettings, optional
        Default: :data:`RESYNTHESIS_SETTINGS` of the preset.
    mu : array-like of shape (paths,), optional
        The normaliser's ``mu`` (see :func:`loss_scale`).
    seed : int
        Seed of a *keep* render's random phases (every clip draws its own
        from it): the same seed gives the same render (on CUDA, to
        rounding: the backward of kymatio's reflection padding has no
        deterministic CUDA kernel).

    Returns
    -------
    Render
        An all-zero clip renders as zeros (silence stays silence).

    Raises
    ------
    ResynthesisError
        For another mode, an empty or out-of-range selection, clips that
        are not finite, or a render that is not (never NaN audio).
    """
    spec = scattering_spec(preset)
    if settings is None:
        settings = settings_for(RESYNTHESIS_SETTINGS, preset)
    x = _as_clips(clips)
    if x.shape[-1] != spec.clip_samples:
        raise ResynthesisError(
            f"expected clips of {spec.clip_samples} samples, got "
            f"{x.shape[-1]}"
        )
    masks = selection_masks(selection, len(x), len(scattering_paths(spec)))
    modes = _modes(mode, len(x))
    # each distinct clip is scattered once
    distinct, which = torch.unique(x, dim=0, return_inverse=True)
    full = _scatter_in_batches(distinct, spec)[which]
    audio = torch.zeros_like(x)
    sounding = (x != 0).any(dim=-1).nonzero().flatten().tolist()
    per_batch = max(1, BATCH_SAMPLES // spec.clip_samples)
    for first in range(0, len(sounding), per_batch):
        batch = sounding[first : first + per_batch]
        start = torch.cat(
            [
                carrier_noise(
                    x[i, None], np.flatnonzero(masks[i]), spec, seed
                )
                if modes[i] == "keep"
                else carrier_stop(
                    x[i, None], np.flatnonzero(masks[i]), spec
                )
                for i in batch
            ]
        )
        loss = SelectedCoefficientLoss(
            full[batch], masks[batch], [modes[i] for i in batch], spec, mu
        )
        for group in loss.groups:
            work_ledger.count(
                "render evaluation, every path"
                if group.every_path
                else "render evaluation, one carrier",
                settings.evaluations * len(group.members),
                (spec.clip_samples,),
            )
        audio[batch] = lbfgs_per_clip(loss, start, settings.evaluations)
    if not torch.isfinite(audio).all():
        raise ResynthesisError(
            "the render diverged (NaN or infinite samples)"
        )
    return Render(
        audio.cpu().numpy(), *_measured(audio, full, masks, spec)
    )


@dataclass(frozen=True)
class _PathGroup:
    """Clips whose selections share a carrier (or that compute every
    path), with the union of their rows there and each clip's share of
    its own loss on them (0 on rows it did not select)."""

    every_path: bool
    members: torch.Tensor
    rows: np.ndarray
    scale: torch.Tensor
    target: torch.Tensor
    weight: torch.Tensor


class SelectedCoefficientLoss:
    """Each clip's loss on its own selected coefficients.

    ``loss(audio)`` is, per clip, the mean squared error of
    ``log1p(S / scale)`` against the target over the clip's selected
    coefficients: the clip's coefficients for *keep*, zero for *remove*.
    Coefficients are computed one carrier at a time for the clips that
    select it, with the union of their paths there; a clip whose selection
    spans more than :data:`MAX_PARTIAL_CARRIERS` carriers computes every
    path. A clip's loss and gradient only depend on its own audio.

    Parameters
    ----------
    clip_features : torch.Tensor
        ``(clips, paths, frames)``: raw coefficients of the clips.
    masks : numpy.ndarray of bool
        ``(clips, paths)``: each clip's selected paths.
    modes : sequence of str
        ``"keep"`` or ``"remove"`` per clip.
    preset : str, Preset, ScatteringSpec or None
        The transform.
    mu : array-like of shape (paths,), optional
        The normaliser's ``mu`` (see :func:`loss_scale`).
    """

    def __init__(self, clip_features, masks, modes, preset, mu=None):
        self.spec = scattering_spec(preset)
        paths = scattering_paths(self.spec)
        device = clip_features.device
        scale = loss_scale(clip_features, mu).expand(
            *clip_features.shape[:2], 1
        )
        target = torch.log1p(clip_features / scale)
        remove = torch.as_tensor([m == "remove" for m in modes])
        target[remove.to(device)] = 0.0  # the floor of a modulus
        share = 1.0 / (masks.sum(axis=1) * clip_features.shape[-1])
        carriers = [set(paths.n1[m].tolist()) for m in masks]
        wide = [len(c) > MAX_PARTIAL_CARRIERS for c in carriers]
        # (clips, paths they may take rows from): one group per carrier,
        # and one of the clips that compute every path
        groups = [
            (
                [
                    i
                    for i, c in enumerate(carriers)
                    if n1 in c and not wide[i]
                ],
                paths.n1 == n1,
                False,
            )
            for n1 in sorted(set().union(*carriers))
        ]
        groups.append(
            (
                np.flatnonzero(wide).tolist(),
                np.ones(masks.shape[1], dtype=bool),
                True,
            )
        )
        self.groups = []
        for members, on_carrier, every_path in groups:
            if not members:
                continue
            rows = np.flatnonzero(masks[members].any(axis=0) & on_carrier)
            weight = masks[np.ix_(members, rows)] * share[members, None]
            index = torch.as_tensor(members, device=device)
            self.groups.append(
                _PathGroup(
                    every_path,
                    index,
                    rows,
                    scale[index][:, rows],
                    target[index][:, rows],
                    torch.as_tensor(weight, dtype=torch.float32)
                    .to(device)
                    .unsqueeze(-1),
                )
            )

    def __call__(self, audio: torch.Tensor) -> torch.Tensor:
        """``(clips, samples)`` audio -> ``(clips,)`` losses."""
        losses = audio.new_zeros(len(audio))
        for group in self.groups:
            coefficients = _coefficients(
                audio.index_select(0, group.members), group.rows, self.spec
            )
            error = torch.log1p(coefficients / group.scale) - group.target
            losses = losses.index_add(
                0, group.members, (error.pow(2) * group.weight).sum((1, 2))
            )
        return losses


def _loss_and_gradient(loss, audio: torch.Tensor) -> tuple:
    audio = audio.detach().requires_grad_()
    with warnings.catch_warnings():
        # said once in resynthesise's docstring, not at every step on CUDA
        warnings.filterwarnings(
            "ignore", "reflection_pad1d_backward_out_cuda"
        )
        values = loss(audio)
        (gradient,) = torch.autograd.grad(values.sum(), audio)
    return values.detach(), gradient


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).sum(dim=-1)


def lbfgs_per_clip(
    loss, start: torch.Tensor, evaluations: int, history: int = HISTORY
) -> torch.Tensor:
    """Minimise each clip's loss with its own L-BFGS, all clips at once.

    Every evaluation computes the loss and gradient of every clip at that
    clip's own trial point; each clip then takes its own decision: accept
    the trial (Armijo's sufficient decrease), store the curvature pair and
    try a new L-BFGS direction at step 1, or backtrack (quadratic
    interpolation). A clip's first direction is the negative gradient,
    with the step that would bring a linear model of its loss to zero.
    Nothing is shared between clips, so a clip's path (and result) is the
    one it would take alone.

    Parameters
    ----------
    loss : callable
        ``(clips, samples)`` tensor -> ``(clips,)`` losses, each depending
        on its own clip only (:class:`SelectedCoefficientLoss`).
    start : torch.Tensor
        ``(clips, samples)``: where each clip starts.
    evaluations : int
        Evaluations of the loss and gradient, the start's included.
    history : int
        Curvature pairs kept per clip.

    Returns
    -------
    torch.Tensor
        ``(clips, samples)``: each clip's last accepted point.
    """
    x = start.detach().clone()
    if evaluations < 2:
        return x
    value, gradient = _loss_and_gradient(loss, x)
    clips, samples = x.shape
    history = max(1, min(history, evaluations - 2))
    steps = x.new_zeros(clips, history, samples)
    changes = x.new_zeros(clips, history, samples)
    rho = x.new_zeros(clips, history)  # 0: no pair in this slot

    def direction(value, gradient) -> tuple:
        """Each clip's L-BFGS direction (two-loop recursion) and first
        trial step."""
        q = gradient.clone()
        alpha = x.new_zeros(clips, history)
        for j in reversed(range(history)):
            alpha[:, j] = rho[:, j] * _dot(steps[:, j], q)
            q -= alpha[:, j, None] * changes[:, j]
        curvature = _dot(changes[:, -1], changes[:, -1])
        known = rho[:, -1] > 0
        gamma = torch.where(
            known,
            _dot(steps[:, -1], changes[:, -1])
            / curvature.clamp_min(1e-30),
            1.0,
        )
        r = gamma[:, None] * q
        for j in range(history):
            beta = rho[:, j] * _dot(changes[:, j], r)
            r += steps[:, j] * (alpha[:, j] - beta)[:, None]
        squared = _dot(gradient, gradient)
        polyak = torch.where(
            squared > 0, value / squared.clamp_min(1e-30), 0.0
        )
        # no pair yet, or not a descent direction: the gradient's
        descent = known & (_dot(gradient, r) > 0)
        d = torch.where(descent[:, None], -r, -gradient)
        return d, torch.where(descent, 1.0, polyak)

    d, t = direction(value, gradient)
    for _ in range(evaluations - 1):
        trial = x + t[:, None] * d
        trial_value, trial_gradient = _loss_and_gradient(loss, trial)
        slope = _dot(gradient, d)
        finite = torch.isfinite(trial_value)
        accept = finite & (trial_value <= value + 1e-4 * t * slope)
        step = t[:, None] * d
        change = trial_gradient - gradient
        sy = _dot(step, change)
        pair = accept & (
            sy > 1e-10 * step.norm(dim=-1) * change.norm(dim=-1)
        )
        if pair.any():
            i = pair.nonzero().flatten()
            steps[i] = torch.cat([steps[i, 1:], step[i, None]], dim=1)
            changes[i] = torch.cat([changes[i, 1:], change[i, None]], 1)
            rho[i] = torch.cat([rho[i, 1:], 1.0 / sy[i, None]], dim=1)
        # a rejected step shrinks to the minimum of the quadratic through
        # the value and slope at 0 and the value at t, within [t/10, t/2]
        curve = 2 * (trial_value - value - slope * t)
        shorter = (-slope * t * t / curve.clamp_min(1e-30)).clamp(
            0.1 * t, 0.5 * t
        )
        shorter = torch.where(finite, shorter, 0.1 * t)
        x = torch.where(accept[:, None], trial, x)
        value = torch.where(accept, trial_value, value)
        gradient = torch.where(accept[:, None], trial_gradient, gradient)
        new_d, new_t = direction(value, gradient)
        d = torch.where(accept[:, None], new_d, d)
        t = torch.where(accept, new_t, shorter)
    return x


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
        Seed of the phases: every clip gets the same ones, so a clip's
        start does not depend on the others.

    Returns
    -------
    torch.Tensor
        Same shape and device as ``x``.
    """
    band = carrier_band(rows, preset, x.shape[-1])
    generator = torch.Generator().manual_seed(seed)
    phases = 2 * np.pi * torch.rand(len(band), generator=generator)
    magnitude = torch.fft.rfft(x.cpu(), dim=-1).abs() * torch.as_tensor(
        band, dtype=torch.float32
    )
    start = torch.fft.irfft(
        torch.polar(magnitude, phases.float().expand_as(magnitude)),
        n=x.shape[-1],
        dim=-1,
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


def _scatter_in_batches(audio: torch.Tensor, spec) -> torch.Tensor:
    """Every kept path of many clips (:data:`BATCH_SAMPLES` at a time)."""
    per_batch = max(1, BATCH_SAMPLES // spec.clip_samples)
    return torch.cat(
        [
            scatter_torch(audio[first : first + per_batch], spec)
            for first in range(0, len(audio), per_batch)
        ]
    )


def _measured(audio, full, masks, spec) -> tuple:
    """The renders' coefficients, and their relative errors against the
    clips' on each clip's selection and on the rest."""
    rendered = _scatter_in_batches(audio, spec)
    chosen = torch.as_tensor(masks, device=full.device)[..., None]
    errors = []
    for part in (chosen, ~chosen):
        difference = ((rendered - full) * part).flatten(1).norm(dim=1)
        reference = (full * part).flatten(1).norm(dim=1)
        errors.append(
            (difference / reference.clamp_min(1e-12)).cpu().numpy()
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
