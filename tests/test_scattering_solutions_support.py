"""Package behaviour the scattering chapter's exercise solutions rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xaiaudio.features.scattering import fit_normaliser, scattering_paths
from xaiaudio.report.plane import to_plane
from xaiaudio.report.widgets import per_carrier

FEATURES = np.random.default_rng(0).gamma(2.0, 1.0, size=(6, 3, 4))
SPLIT = np.array(["train"] * 4 + ["val", "test"])


def test_fit_normaliser_says_a_split_column_is_expected_for_a_mask():
    with pytest.raises(ValueError, match=r"split column.*'train', 'val' or 'test'.*boolean mask"):
        fit_normaliser(FEATURES, SPLIT == "train")
    with pytest.raises(ValueError, match="not an array of int"):
        fit_normaliser(FEATURES, np.arange(6))


def test_fit_normaliser_names_the_labels_it_found_without_train_rows():
    with pytest.raises(ValueError, match=r"found \['test', 'val'\]"):
        fit_normaliser(FEATURES, np.array(["val", "test"] * 3))


def test_fit_normaliser_accepts_a_pandas_split_column():
    column = pd.Series(SPLIT, dtype=object)
    np.testing.assert_allclose(fit_normaliser(FEATURES, column).mu, FEATURES[:4].mean(axis=(0, 2)))


def test_per_carrier_puts_every_loud_row_peak_at_one_and_blanks_quiet_rows():
    paths = scattering_paths("smoke")
    values = np.random.default_rng(1).gamma(2.0, 1.0, size=len(paths))
    s1 = values[: paths.n_s1]
    s1[:] = 1.0
    s1[-1] = 1e-6  # the lowest carrier (S1 rows run from the highest): quiet
    plane = per_carrier(values, paths)
    raw = to_plane(values, paths)
    assert plane.s1.max() == 1.0
    np.testing.assert_allclose(np.nanmax(plane.s2[1:], axis=1), 1.0)
    assert np.isnan(plane.s2[0]).all()  # plane rows run from the lowest carrier
    np.testing.assert_array_equal(np.isnan(plane.s2[1:]), np.isnan(raw.s2[1:]))
