"""The diagram of relevance made audible draws, and its render matches the clip on the kept paths only."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from xaiaudio.report.resynthesis_diagram import (  # noqa: E402
    DIAGRAM_K,
    DIAGRAM_PANELS,
    DIAGRAM_RATE_COLUMN,
    keep_top_k_diagram,
    synthetic_planes,
)


def test_it_draws_the_six_steps_with_the_kept_paths_outlined():
    fig = keep_top_k_diagram()
    try:
        assert isinstance(fig, Figure)
        assert [ax.get_title() for ax in fig.axes] == list(DIAGRAM_PANELS)
        assert DIAGRAM_PANELS[0] == "clip" and DIAGRAM_PANELS[-1] == "ask again"
        assert np.allclose(fig.get_size_inches(), (7, 3))
        for title in (f"top {DIAGRAM_K}", "render"):
            ax = fig.axes[DIAGRAM_PANELS.index(title)]
            assert sum(isinstance(p, Rectangle) for p in ax.patches) == DIAGRAM_K
        assert "noise" in fig.axes[DIAGRAM_PANELS.index("render")].get_xlabel()
        assert "p(class)" in fig.axes[-1].texts[0].get_text()
    finally:
        plt.close(fig)


def test_the_render_matches_the_clip_on_the_mask_and_nowhere_else():
    planes = synthetic_planes()
    mask = planes["mask"]
    assert mask.sum() == DIAGRAM_K
    gap = np.abs(planes["render"] - planes["scattering"])
    assert gap[mask].max() < 1e-6
    assert gap[~mask].min() > 1e-3  # the rest is left as the noise it started from
    assert np.array_equal(planes["render"][~mask], planes["start"][~mask])
    # the most relevant path sits at the clip's modulation rate
    assert np.unravel_index(planes["relevance"].argmax(), mask.shape)[1] == DIAGRAM_RATE_COLUMN
