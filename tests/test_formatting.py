"""The one number formatter of tables and generated sentences."""

import numpy as np
import pytest

from xaiaudio.core.formatting import format_number


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, float("inf"), -np.inf])
def test_a_missing_number_is_a_dash_never_nan(missing):
    assert format_number(missing) == "-"


def test_decimals_and_numpy_scalars():
    assert format_number(12.345) == "12.3"
    assert format_number(np.float32(-0.46), 2) == "-0.46"
    assert format_number(np.int64(7), 0) == "7"


def test_a_value_that_rounds_to_zero_has_no_sign():
    assert format_number(-0.04) == "0.0"
    assert format_number(np.float64(-0.004), 2) == "0.00"
    assert format_number(-0.06) == "-0.1"
