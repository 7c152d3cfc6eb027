"""Closed-form checks of the scattering transform: where S2 peaks for a
sinusoid modulated at a known rate.

An amplitude- or frequency-modulated sinusoid (:func:`modulated_sinusoid`)
has its energy on the carrier-modulation plane at (carrier, rate); the
peak of its S2 paths (:func:`s2_peak`) must fall there to within one
filter bandwidth (:func:`fwhm`). :func:`closed_form_check` runs a grid of
carriers and rates (:data:`CLOSED_FORM_GRID`).
"""

from __future__ import annotations

import numpy as np

from xaiaudio.features.scattering import (
    scatter,
    scattering_paths,
    scattering_spec,
)

#: Carriers and modulation rates (Hz) of the closed-form check per preset
#: (the chapter's grid).
CLOSED_FORM_GRID = {
    "smoke": ((500.0, 2000.0), (4.0, 16.0)),
    "book": (
        (250.0, 500.0, 1000.0, 2000.0, 4000.0),
        (4.0, 8.0, 16.0, 32.0),
    ),
    "paper": (
        (250.0, 500.0, 1000.0, 2000.0, 4000.0),
        (2.0, 4.0, 8.0, 16.0, 32.0),
    ),
}


def modulated_sinusoid(
    carrier_hz: float,
    rate_hz: float,
    kind: str,
    preset=None,
    depth: float | None = None,
) -> np.ndarray:
    """A standardised amplitude- (``kind="am"``) or frequency-modulated
    (``"fm"``) sinusoid of clip length.

    AM: ``(1 + depth cos(2 pi f_m t)) cos(2 pi f_c t)`` with ``depth`` 1 by
    default; FM: instantaneous frequency ``f_c (1 + depth cos(2 pi f_m
    t))`` with ``depth`` 0.02 (about a third of a semitone) by default.
    Used by the closed-form check.

    Parameters
    ----------
    carrier_hz : float
        Carrier frequency ``f_c``, Hz.
    rate_hz : float
        Modulation frequency ``f_m``, Hz.
    kind : {"am", "fm"}
        Amplitude or frequency modulation.
    preset : str, Preset, ScatteringSpec or None
        Sample rate and length (see
        :func:`~xaiaudio.features.scattering.scattering_spec`).
    depth : float, optional
        Modulation index: relative amplitude (AM) or relative frequency
        deviation (FM).

    Returns
    -------
    numpy.ndarray
        float32, shape ``(clip_samples,)``, divided by its standard
        deviation.

    Raises
    ------
    ValueError
        For another ``kind``.
    """
    spec = scattering_spec(preset)
    t = np.arange(spec.clip_samples) / spec.sample_rate
    if kind == "am":
        depth = 1.0 if depth is None else depth
        x = (1 + depth * np.cos(2 * np.pi * rate_hz * t)) * np.cos(
            2 * np.pi * carrier_hz * t
        )
    elif kind == "fm":
        depth = 0.02 if depth is None else depth
        phase = (
            2
            * np.pi
            * carrier_hz
            * (
                t
                + depth
                * np.sin(2 * np.pi * rate_hz * t)
                / (2 * np.pi * rate_hz)
            )
        )
        x = np.cos(phase)
    else:
        raise ValueError(f"kind must be 'am' or 'fm', not {kind!r}")
    return (x / (x.std() + 1e-8)).astype(np.float32)


def fwhm(sigma):
    """Full width at half maximum of a Gaussian (Morlet) filter of width
    ``sigma`` (same unit).

    ``2 sqrt(2 ln 2) sigma``, about ``2.355 sigma``: the bandwidth that
    :func:`closed_form_check` allows.

    Parameters
    ----------
    sigma : float or array_like
        Standard deviation of the Gaussian, e.g. ``ScatteringPaths.sigma1``
        in Hz.

    Returns
    -------
    numpy.ndarray
        Same shape and unit.
    """
    return 2 * np.sqrt(2 * np.log(2)) * np.asarray(sigma)


def s2_peak(features, preset=None) -> int:
    """Index (into the kept paths) of the S2 path with the largest
    time-averaged coefficient.

    Used by :func:`closed_form_check`.

    Parameters
    ----------
    features : array_like
        Features of one clip, ``(paths, frames)``, with every kept path.
    preset : str, Preset, ScatteringSpec or None
        See :func:`~xaiaudio.features.scattering.scattering_spec`.

    Returns
    -------
    int
        Row of the peak (at least ``n_s1``).
    """
    paths = scattering_paths(preset)
    energy = np.asarray(features).mean(axis=-1)
    return paths.n_s1 + int(np.argmax(energy[paths.n_s1 :]))


def closed_form_check(
    carriers_hz, rates_hz, kinds=("am", "fm"), preset=None, device=None
) -> list[dict]:
    """Where S2 peaks for modulated sinusoids, compared with (carrier,
    modulation rate).

    For each kind and each (carrier, rate) pair, scatter
    :func:`modulated_sinusoid` and find the S2 path of largest
    time-averaged energy. Each record holds the peak's
    ``lambda1``/``lambda2`` in Hz, the errors ``|lambda - f|`` and the
    tolerance (one filter bandwidth, the FWHM of the peak path's Morlet
    filter), and ``ok`` when both errors are within it. The grid of each
    preset is :data:`CLOSED_FORM_GRID`.

    Parameters
    ----------
    carriers_hz, rates_hz : sequence of float
        Carrier and modulation frequencies, Hz.
    kinds : sequence of str
        ``"am"`` and/or ``"fm"``.
    preset : str, Preset, ScatteringSpec or None
        See :func:`~xaiaudio.features.scattering.scattering_spec`.
    device : str or torch.device, optional
        Where to scatter.

    Returns
    -------
    list of dict
        One record per (kind, carrier, rate), kinds outermost: keys
        ``kind``, ``carrier_hz``, ``rate_hz``, ``path``, ``lambda1_hz``,
        ``lambda2_hz``, ``carrier_error_hz``, ``rate_error_hz``,
        ``carrier_tolerance_hz``, ``rate_tolerance_hz`` (Hz) and ``ok``.

    Raises
    ------
    ValueError
        For a kind other than ``"am"`` or ``"fm"``.
    """
    spec = scattering_spec(preset)
    paths = scattering_paths(spec)
    cases = [
        (k, fc, fm) for k in kinds for fc in carriers_hz for fm in rates_hz
    ]
    audio = np.stack(
        [modulated_sinusoid(fc, fm, k, spec) for k, fc, fm in cases]
    )
    features = scatter(audio, spec, device)
    records = []
    for (kind, fc, fm), feat in zip(cases, features):
        p = s2_peak(feat, spec)
        tol1, tol2 = (
            float(fwhm(paths.sigma1[p])),
            float(fwhm(paths.sigma2[p])),
        )
        err1, err2 = abs(paths.lambda1[p] - fc), abs(paths.lambda2[p] - fm)
        records.append(
            {
                "kind": kind,
                "carrier_hz": float(fc),
                "rate_hz": float(fm),
                "path": p,
                "lambda1_hz": float(paths.lambda1[p]),
                "lambda2_hz": float(paths.lambda2[p]),
                "carrier_error_hz": float(err1),
                "rate_error_hz": float(err2),
                "carrier_tolerance_hz": tol1,
                "rate_tolerance_hz": tol2,
                "ok": bool(err1 <= tol1 and err2 <= tol2),
            }
        )
    return records
