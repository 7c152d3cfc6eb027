"""The scattering cascade diagram draws its five blocks from a real vibrato."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xaiaudio.report.scattering_diagram import (  # noqa: E402
    cascade_signals,
    scattering_cascade_diagram,
)


def test_the_diagram_draws_the_five_blocks_and_the_operations():
    fig = scattering_cascade_diagram()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert [ax.get_label() for ax in fig.axes] == ["x", "u1", "s1", "u2", "s2"]
        titles = " ".join(ax.get_title() for ax in fig.axes)
        assert "S_1" in titles and "S_2" in titles
        operations = " ".join(text.get_text() for text in fig.texts)
        for part in (r"\psi_{\lambda_1}", r"\psi_{\lambda_2}", r"\phi_T"):
            assert part in operations
        assert len(fig.patches) == 4  # the arrows
        assert tuple(fig.get_size_inches()) == (7.0, 3.0)
    finally:
        plt.close(fig)


def test_the_blocks_show_the_wobble_where_scattering_puts_it():
    sig = cascade_signals()
    # the band's envelope wobbles; its average (S1) barely does
    middle = slice(len(sig.t) // 4, -len(sig.t) // 4)
    assert sig.u1[middle].std() > 5 * sig.s1[middle].std()
    # S2 of the band peaks at the modulation filter nearest the vibrato rate
    nearest = np.argmin(np.abs(np.log2(sig.rates_hz / sig.rate_hz)))
    assert np.argmax(sig.s2) == nearest
