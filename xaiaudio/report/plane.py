"""The carrier-modulation plane: any per-path vector as a (lambda1,
lambda2) image.

:func:`to_plane` is the single place where a per-path vector (time-averaged
features, LRP relevance, top-k counts) becomes an image; :func:`plot_plane`
draws it with logarithmic axes in Hz. Every figure of the plane (features,
local LRP maps, class aggregates) goes through these two functions.

Layout (Wang et al., ICASSP 2023, Fig. 1): rows are first-order (carrier)
frequencies lambda1, columns are second-order (modulation) frequencies
lambda2, and an extra left-most column, labelled "0", holds S1. Cells
without a path (lambda2 too high for the carrier's band) are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from xaiaudio.features.scattering import ScatteringPaths, scattering_paths

#: Carrier tick positions (Hz) of the published figures, limited at draw
#: time to what a preset covers.
CARRIER_TICKS_HZ = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
#: Modulation tick positions (Hz) of the published figures, limited in the
#: same way.
MODULATION_TICKS_HZ = (1, 8, 64, 512, 4096)
#: Octaves beyond the covered range within which a tick is still drawn.
TICK_MARGIN = 0.25


@dataclass(frozen=True, eq=False)
class Plane:
    """A per-path vector laid out on the carrier-modulation grid.

    ``image[..., i, 0]`` is the S1 value of carrier ``carriers_hz[i]``;
    ``image[..., i, 1 + j]`` the S2 value at (``carriers_hz[i]``,
    ``modulations_hz[j]``). Carriers and modulations are in increasing
    order. Made by :func:`to_plane`, drawn by :func:`plot_plane`.

    Parameters
    ----------
    image : numpy.ndarray, shape (..., carriers, 1 + modulations)
        The values, NaN where no path exists; leading axes are a batch.
    carriers_hz : numpy.ndarray, shape (carriers,)
        Carrier centre frequencies lambda1 in Hz.
    modulations_hz : numpy.ndarray, shape (modulations,)
        Modulation centre frequencies lambda2 in Hz.
    """

    image: np.ndarray
    carriers_hz: np.ndarray
    modulations_hz: np.ndarray

    @property
    def s1(self) -> np.ndarray:
        """The S1 column (one value per carrier).

        Returns
        -------
        numpy.ndarray, shape (..., carriers)
            A view of ``image``.
        """
        return self.image[..., 0]

    @property
    def s2(self) -> np.ndarray:
        """The S2 block (carriers x modulations), NaN where no path exists.

        Returns
        -------
        numpy.ndarray, shape (..., carriers, modulations)
            A view of ``image``.
        """
        return self.image[..., 1:]


def _paths(paths) -> ScatteringPaths:
    return (
        paths
        if isinstance(paths, ScatteringPaths)
        else scattering_paths(paths)
    )


def to_plane(values, paths=None) -> Plane:
    """Lay a per-path vector on the carrier-modulation grid.

    For features ``(paths, frames)``, average over time first
    (``features.mean(-1)``). Every figure of the plane goes through it
    (:func:`plot_plane`).

    Parameters
    ----------
    values : array-like, shape (..., paths)
        One value per path, in feature order (S1 first); leading axes are a
        batch.
    paths : ScatteringPaths or preset name, optional
        The paths, or a preset name or
        :class:`~xaiaudio.core.presets.Preset` whose paths to use
        (``None``: the default preset).

    Returns
    -------
    Plane
        The image ``(..., carriers, 1 + modulations)`` and its axes in Hz.

    Raises
    ------
    ValueError
        If the last axis of ``values`` does not have one value per path.
    """
    paths = _paths(paths)
    values = np.asarray(values, dtype=float)
    if values.shape[-1] != len(paths):
        raise ValueError(
            f"expected {len(paths)} per-path values, got shape "
            f"{values.shape}"
        )
    carriers_n1 = np.unique(paths.n1[paths.order == 1])[
        ::-1
    ]  # kymatio: n1 = 0 is the highest carrier
    mod_n2 = np.unique(paths.n2[paths.order == 2])[::-1]
    row = {n: i for i, n in enumerate(carriers_n1)}
    col = {n: j for j, n in enumerate(mod_n2)}
    carriers = np.array(
        [
            paths.lambda1[(paths.order == 1) & (paths.n1 == n)][0]
            for n in carriers_n1
        ]
    )
    modulations = np.array(
        [
            paths.lambda2[(paths.order == 2) & (paths.n2 == n)][0]
            for n in mod_n2
        ]
    )
    rows = np.array([row[n] for n in paths.n1])
    cols = np.array(
        [
            0 if o == 1 else 1 + col[n]
            for o, n in zip(paths.order, paths.n2)
        ]
    )
    image = np.full(
        values.shape[:-1] + (len(carriers), 1 + len(modulations)), np.nan
    )
    image[..., rows, cols] = values
    return Plane(
        image=image, carriers_hz=carriers, modulations_hz=modulations
    )


def _edges(centres_log2: np.ndarray) -> np.ndarray:
    """Cell edges halfway (in log2) between sorted centres, extended by
    half a step at both ends."""
    mid = (centres_log2[1:] + centres_log2[:-1]) / 2
    first = centres_log2[0] - (mid[0] - centres_log2[0])
    last = centres_log2[-1] + (centres_log2[-1] - mid[-1])
    return np.concatenate([[first], mid, [last]])


def plot_plane(
    values,
    paths=None,
    ax=None,
    title: str | None = None,
    cmap: str = "magma",
    colorbar_label: str | None = None,
    log_color: bool = False,
    vmin=None,
    vmax=None,
    colorbar: bool = True,
):
    """Draw a per-path vector (or a :class:`Plane`) on the
    carrier-modulation plane.

    Log axes in Hz: carrier lambda1 vertical (ticks 32 ... 8192 Hz),
    modulation lambda2 horizontal (ticks 1, 8, 64, 512, 4096 Hz) with S1 as
    the extra column "0" on the left, separated by a narrow gap. Only ticks
    within :data:`TICK_MARGIN` octaves of the covered range are drawn (the
    axes are widened to show them).

    Parameters
    ----------
    values : array-like of shape (paths,), or Plane
        One map: a per-path vector, or a plane without batch axes.
    paths : ScatteringPaths or preset name, optional
        As in :func:`to_plane` (ignored for a :class:`Plane`).
    ax : matplotlib.axes.Axes, optional
        Where to draw (``None``: a new 5 x 4 inch figure).
    title : str, optional
        Axes title.
    cmap : str, default "magma"
        Colour map.
    colorbar_label : str, optional
        Label of the colour bar.
    log_color : bool, default False
        Show ``log10`` of the values, non-positive values blank (for raw
        scattering energy); the colour bar label gets a "log10" prefix.
    vmin, vmax : float, optional
        Colour limits (after the logarithm, if any).
    colorbar : bool, default True
        Add a colour bar.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The drawn mesh (from ``pcolormesh``).

    Raises
    ------
    ValueError
        If the values make more than one map (a batch): index it first.
    """

    plane = (
        values if isinstance(values, Plane) else to_plane(values, paths)
    )
    image = np.array(plane.image, dtype=float)
    if image.ndim != 2:
        raise ValueError("plot_plane draws one map; index the batch first")
    if log_color:
        with np.errstate(divide="ignore", invalid="ignore"):
            image = np.where(image > 0, np.log10(image), np.nan)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    y_edges = _edges(np.log2(plane.carriers_hz))
    x_mod = _edges(np.log2(plane.modulations_hz))
    step = x_mod[1] - x_mod[0]
    # a small masked gap column separates S1 from S2
    s1_right = x_mod[0] - 0.35 * step
    x_edges = np.concatenate([[s1_right - step, s1_right], x_mod])
    grid = np.concatenate(
        [image[:, :1], np.full((image.shape[0], 1), np.nan), image[:, 1:]],
        axis=1,
    )
    mesh = ax.pcolormesh(
        x_edges,
        y_edges,
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        shading="flat",
    )
    # a tick within a quarter octave of the covered range is kept (and the
    # axis widened to show it)
    yt = [
        t
        for t in CARRIER_TICKS_HZ
        if y_edges[0] - TICK_MARGIN
        <= np.log2(t)
        <= y_edges[-1] + TICK_MARGIN
    ]
    ax.set_yticks(np.log2(yt), [str(t) for t in yt])
    xt = [
        t
        for t in MODULATION_TICKS_HZ
        if x_mod[0] - TICK_MARGIN <= np.log2(t) <= x_mod[-1] + TICK_MARGIN
    ]
    ax.set_xticks(
        [(x_edges[0] + x_edges[1]) / 2] + list(np.log2(xt)),
        ["0"] + [str(t) for t in xt],
    )
    ax.set_xlim(x_edges[0], max([x_edges[-1]] + list(np.log2(xt))))
    ax.set_ylim(
        min([y_edges[0]] + list(np.log2(yt))),
        max([y_edges[-1]] + list(np.log2(yt))),
    )
    ax.set_xlabel("modulation $\\lambda_2$ (Hz); 0 = S1")
    ax.set_ylabel("carrier $\\lambda_1$ (Hz)")
    if title:
        ax.set_title(title)
    if colorbar:
        label = colorbar_label or ""
        if log_color:
            label = f"log10 {label}".strip()
        ax.figure.colorbar(mesh, ax=ax, label=label)
    return mesh


def outline_cells(ax, mask, colour: str) -> None:
    """Outline the cells of an ``imshow`` grid where ``mask`` is true (the
    paths a diagram picks out)."""
    for row, col in zip(*np.nonzero(mask)):
        ax.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5),
                1,
                1,
                fill=False,
                edgecolor=colour,
                lw=2.0,
            )
        )
