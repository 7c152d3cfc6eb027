"""The deep Taylor diagram draws one neuron's expansion with real, conserved numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from xaiaudio.report.taylor_diagram import (  # noqa: E402
    NEURON_BIAS,
    NEURON_INPUT,
    NEURON_WEIGHT,
    taylor_expansion_diagram,
    taylor_terms,
)


def test_it_draws_the_plane_and_the_terms_with_their_labelled_parts():
    fig = taylor_expansion_diagram()
    try:
        assert isinstance(fig, Figure)
        plane, bars = fig.axes
        assert plane.get_title() == "input, hyperplane, root points"
        assert bars.get_title() == "relevance = first-order terms"
        texts = " ".join(text.get_text() for text in plane.texts)
        for part in ("input $y$", "LRP-0", "z+", "$R_1", "$R_2$", "neuron active"):
            assert part in texts
        # the bars are the computed terms, and each rule's add up to the output
        heights = [patch.get_height() for patch in bars.patches]
        lrp0, zplus = heights[:2], heights[2:]
        output = max(np.dot(NEURON_WEIGHT, NEURON_INPUT) + NEURON_BIAS, 0)
        assert np.isclose(sum(lrp0), output) and np.isclose(sum(zplus), output)
        assert any(f"neuron output {output:.2f}" == t.get_text() for t in bars.texts)
        assert np.allclose(fig.get_size_inches(), (7, 3))
    finally:
        plt.close(fig)


def test_the_roots_lie_on_the_hyperplane_and_z_plus_moves_only_positive_weights():
    for rule in ("0", "zplus"):
        found = taylor_terms(NEURON_WEIGHT, NEURON_BIAS, NEURON_INPUT, rule)
        assert np.isclose(np.dot(NEURON_WEIGHT, found["root"]) + NEURON_BIAS, 0)
        assert np.isclose(found["terms"].sum(), found["output"])
    zplus = taylor_terms(NEURON_WEIGHT, NEURON_BIAS, NEURON_INPUT, "zplus")
    assert zplus["terms"][1] == 0 and zplus["root"][1] == NEURON_INPUT[1]
    lrp0 = taylor_terms(NEURON_WEIGHT, NEURON_BIAS, NEURON_INPUT, "0")
    assert lrp0["terms"][1] < 0  # a negative weight: counter-evidence


def test_an_inactive_neuron_has_nothing_to_draw():
    with pytest.raises(ValueError, match="not active"):
        taylor_expansion_diagram(y=(0.1, 0.9))
