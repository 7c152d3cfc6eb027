"""The diagram of LRP's backward pass draws, with real and conserved numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from xaiaudio.report.lrp_diagram import (  # noqa: E402
    DIAGRAM_RULES,
    _backward,
    lrp_backward_diagram,
)


def test_it_draws_one_panel_per_rule_with_its_labelled_parts():
    fig = lrp_backward_diagram()
    try:
        assert isinstance(fig, Figure)
        assert [ax.get_title() for ax in fig.axes] == list(DIAGRAM_RULES)
        for ax in fig.axes:
            texts = [text.get_text() for text in ax.texts]
            for layer in ("input", "hidden", "output"):
                assert any(text.startswith(layer) for text in texts)
            # conservation: every layer's total is the output's value
            totals = [text.split("= ")[-1] for text in texts if "sum R" in text]
            assert totals == ["1.00"] * 3
            assert any(isinstance(p, FancyArrowPatch) for p in ax.patches)
        assert np.allclose(fig.get_size_inches(), (7, 3))
    finally:
        plt.close(fig)


def test_eps_keeps_counter_evidence_and_z_plus_does_not():
    eps_input, zplus_input = (
        _backward(*rules)[1][0].sum(1) for rules in DIAGRAM_RULES.values()
    )
    assert np.isclose(eps_input.sum(), 1.0) and np.isclose(zplus_input.sum(), 1.0)
    assert (eps_input < 0).any()
    assert (zplus_input >= 0).all()
    # the negative input gets positive z+ relevance through its negative weight
    activations, _ = _backward(*DIAGRAM_RULES["LRP-eps"])
    negative = np.flatnonzero(activations[0] < 0)
    assert (zplus_input[negative] > 0).all()
