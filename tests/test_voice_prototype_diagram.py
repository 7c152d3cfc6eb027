"""The voice-prototype diagram: source x tract, the prototype and its
transformations, and the utterance they make of one frame."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xaiaudio.report.voice_prototype_diagram import (  # noqa: E402
    DIAGRAM_TRANSFORMS,
    _transform,
    diagram_prototype,
    voice_prototype_diagram,
)


def test_the_diagram_draws_its_three_labelled_panels():
    fig = voice_prototype_diagram()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert tuple(fig.get_size_inches()) == (7.0, 3.0)
        labels = [ax.get_label() for ax in fig.axes]
        assert labels == ["source-filter", "transformations", "utterance"]
        source, transforms, utterance = fig.axes
        assert [t.get_text() for t in source.texts] == ["F1", "F2", "F3"]
        legend = [t.get_text() for t in transforms.get_legend().get_texts()]
        assert legend == ["prototype", *DIAGRAM_TRANSFORMS]
        assert utterance.images
    finally:
        plt.close(fig)


def test_gain_adds_a_constant_and_pitch_moves_the_formants_up():
    hz, frame = diagram_prototype()
    assert np.allclose(_transform(frame, {"gain": 0.1})[0], frame + 0.1)
    assert np.allclose(_transform(frame, {})[0], frame)
    shifted = _transform(frame, {"scale": 0.8})[0]
    # a scale below 1 reads the prototype lower down: F3 (2440 Hz) moves
    # up, by about 1 / 0.8
    inside = (hz > 1800) & (hz < 4500)
    before = hz[inside][np.argmax(frame[inside])]
    after = hz[inside][np.argmax(shifted[inside])]
    assert 1.1 < after / before < 1.4
