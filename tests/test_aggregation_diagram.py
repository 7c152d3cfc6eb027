"""The diagram of class-wise aggregation draws, and its class map is the sum of the clips' votes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from xaiaudio.report.aggregation_diagram import (  # noqa: E402
    DIAGRAM_N_TOP,
    DIAGRAM_RATE_COLUMN,
    classwise_vote_diagram,
    synthetic_maps,
)


def test_it_draws_three_voting_clips_and_the_class_map():
    fig = classwise_vote_diagram()
    try:
        assert isinstance(fig, Figure)
        assert [ax.get_title() for ax in fig.axes] == ["clip 1", "clip 2", "clip 3", "class map"]
        assert np.allclose(fig.get_size_inches(), (7, 3))
        for ax in fig.axes[:3]:  # each clip outlines its n votes
            assert sum(isinstance(p, Rectangle) for p in ax.patches) == DIAGRAM_N_TOP
        counts = np.array([int(t.get_text()) for t in fig.axes[-1].texts])
        assert counts.sum() == 3 * DIAGRAM_N_TOP  # every vote is counted once
        assert "carrier" in fig.axes[0].get_ylabel()
        assert "modulation" in fig._supxlabel.get_text()
    finally:
        plt.close(fig)


def test_the_class_map_collects_a_band_at_the_shared_rate():
    maps = synthetic_maps()
    strongest = maps.reshape(len(maps), -1).argmax(axis=1) % maps.shape[2]
    assert (strongest == DIAGRAM_RATE_COLUMN).all()
    # the clips' bands peak at different carriers (pitches)
    rows = maps[:, :, DIAGRAM_RATE_COLUMN].argmax(axis=1)
    assert len(set(rows)) == len(maps)
