"""The prototype-classifier diagram: a note, one frame per class, and each
frame's best fit to the note."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xaiaudio.report.prototype_classifier_diagram import (  # noqa: E402
    NOTE_INSTRUMENT,
    TOY_INSTRUMENTS,
    best_fit,
    diagram_note,
    prototype_classifier_diagram,
    toy_prototypes,
    transform,
)


def test_the_diagram_draws_the_note_the_prototypes_and_one_fit_each():
    fig = prototype_classifier_diagram()
    try:
        assert tuple(fig.get_size_inches()) == (7.0, 3.2)
        labels = [ax.get_label() for ax in fig.axes]
        assert labels == [
            "note",
            "prototypes",
            *(f"fit {name}" for name in TOY_INSTRUMENTS),
        ]
        framed = [
            ax.get_label()
            for ax in fig.axes[2:]
            if ax.spines["top"].get_edgecolor()[:3] != (0.0, 0.0, 0.0)
        ]
        assert framed == [f"fit {NOTE_INSTRUMENT}"]
    finally:
        plt.close(fig)


def test_the_note_is_classified_as_the_instrument_that_played_it():
    prototypes = toy_prototypes()
    note = diagram_note(prototypes)
    errors = {name: best_fit(p, note)[1] for name, p in prototypes.items()}
    assert min(errors, key=errors.get) == NOTE_INSTRUMENT
    # its own frame fits almost exactly (the scale grid is not the glide's
    # exact scales), the others far worse
    assert errors[NOTE_INSTRUMENT] < 0.01 * min(
        e for name, e in errors.items() if name != NOTE_INSTRUMENT
    )


def test_the_fit_uses_the_models_transformations_within_the_gain_bound():
    frame = toy_prototypes()["bright"]
    assert np.allclose(transform(frame, [1.0], [0.0])[0], frame, atol=1e-6)
    # a note far louder than the gain bound allows cannot be matched
    loud = transform(frame, np.ones(5), np.full(5, 0.5)) + 0.3
    reconstruction, error = best_fit(frame, loud)
    assert np.allclose(reconstruction, loud - 0.3, atol=1e-5)
    assert np.isclose(error, 0.09, rtol=1e-3)
