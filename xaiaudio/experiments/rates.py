"""The corpus's modulation rates measured from its audio, against the
ground truth it was made with.

:func:`measured_rates` measures a sample of clips per technique with
:func:`xaiaudio.features.modulation.measure_modulation_rate`;
:func:`rate_agreement` says how close the measurements come to the recorded
``rate_hz``. Real SOL has no recorded rates, and the agreement is then NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xaiaudio.features.modulation import measure_modulation_rate


def measured_rates(
    dataset, sample_rate: int, per_technique: int = 12
) -> pd.DataFrame:
    """The first ``per_technique`` clips of each technique, with their rate
    measured from the audio.

    Measuring takes a pitch or envelope track per clip, so a sample is
    measured rather than the whole corpus.

    Parameters
    ----------
    dataset : xaiaudio.data.tables.SolDataset
        Anything with a ``table`` (columns ``technique`` and ``rate_hz``)
        and a ``load_audio(position)`` that returns a clip of the table's
        row at that position.
    sample_rate : int
        The clips' sample rate (Hz).
    per_technique : int
        How many clips of each technique, in table order.

    Returns
    -------
    pandas.DataFrame
        One row per measured clip, indexed like ``dataset.table``,
        techniques in order of first appearance: ``technique``, ``rate_hz``
        (ground truth, NaN for real SOL) and ``measured_hz``.
    """
    table = dataset.table
    sample = table.groupby("technique", sort=False).head(per_technique)
    # load_audio takes positions; the labels of a filtered table need not
    # be positions.
    positions = table.index.get_indexer(sample.index)
    measured = [
        measure_modulation_rate(
            dataset.load_audio(int(position)), sample_rate, technique
        )
        for position, technique in zip(positions, sample["technique"])
    ]
    return pd.DataFrame(
        {
            "technique": sample["technique"],
            "rate_hz": sample["rate_hz"].astype(float),
            "measured_hz": np.asarray(measured, dtype=float),
        },
        index=sample.index,
    )


def rate_agreement(truth, measured, tolerance_octaves: float) -> dict:
    """How close measured modulation rates come to the true ones: median
    relative error, and the share within a tolerance in octaves.

    The one measure of rate agreement: it checks the estimator against the
    corpus's ground truth, and
    :func:`xaiaudio.experiments.audible.render_rate_agreement` checks
    renders of selected paths.

    Parameters
    ----------
    truth, measured : array-like of float
        Ground-truth and measured rates (Hz) of the same clips; clips whose
        truth is NaN (no recorded rate) are left out.
    tolerance_octaves : float
        ``|log2(measured / truth)|`` up to which a measurement counts as
        right (``log2(1.1)``: within a factor 1.1; 0.5: half an octave).

    Returns
    -------
    dict
        ``n`` (clips compared), ``median_error`` (median of ``|measured -
        truth| / truth``, in %) and ``within`` (% of the clips within the
        tolerance; a rate that could not be measured counts as wrong); both
        are NaN when no clip has a true rate.
    """
    truth, measured = (
        np.asarray(truth, dtype=float),
        np.asarray(measured, dtype=float),
    )
    known = np.isfinite(truth)
    if not known.any():
        return {
            "n": 0,
            "median_error": float("nan"),
            "within": float("nan"),
        }
    truth, measured = truth[known], measured[known]
    relative_error = np.abs(measured - truth) / truth
    with np.errstate(divide="ignore", invalid="ignore"):
        octaves = np.abs(np.log2(measured / truth))
    return {
        "n": int(known.sum()),
        "median_error": 100 * float(np.median(relative_error)),
        "within": 100 * float(np.mean(octaves <= tolerance_octaves)),
    }
