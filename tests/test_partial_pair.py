"""The deep Taylor chapter's sound: two partials with a point's levels."""

import numpy as np
import pytest

from xaiaudio.synth.partial_pair import PAIR_HZ, partial_pair


def test_the_partials_have_the_points_levels():
    rate = 16000
    tone = partial_pair((0.6, 0.3), seconds=1.0, sample_rate=rate)
    assert tone.dtype == np.float32 and len(tone) == rate
    spectrum = np.abs(np.fft.rfft(tone)) / (len(tone) / 2)
    low, high = (spectrum[round(hz)] for hz in PAIR_HZ)  # 1 Hz bins
    # the fades (20 ms at each end of the second) take about 2 %
    assert low == pytest.approx(0.6, rel=0.04)
    assert high == pytest.approx(0.3, rel=0.04)
    # nothing else: the fades leave no click
    assert abs(tone[0]) < 1e-6 and abs(tone[-1]) < 1e-3


@pytest.mark.parametrize(
    "levels", [(0.5,), (0.5, np.nan), (-0.1, 0.5), (1, 2, 3)]
)
def test_bad_levels_are_refused(levels):
    with pytest.raises(ValueError, match="levels"):
        partial_pair(levels)


def test_a_rate_below_the_upper_partials_nyquist_is_refused():
    with pytest.raises(ValueError, match="cannot carry"):
        partial_pair((0.5, 0.5), sample_rate=1000)
