"""The convnet's layer table is drawn from the model: shapes and parameter counts."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from xaiaudio.models.convnet import PlayingTechniqueConvNet  # noqa: E402
from xaiaudio.models.size import count_parameters  # noqa: E402
from xaiaudio.report.convnet_diagram import convnet_diagram, layer_table  # noqa: E402


def test_the_layer_table_follows_the_model():
    model = PlayingTechniqueConvNet(1200).train()
    rows = layer_table(model, n_frames=32)
    names = [row[0] for row in rows]
    assert names == ["input"] + [name for name, _ in model.named_children()]
    shapes = {name: shape for name, _, shape, _ in rows}
    assert shapes["input"] == (1200, 32)
    assert shapes["block1"] == (150, 16)  # c/2 channels, pooled by 2
    assert shapes["block3"] == (600, 8)
    assert shapes["classifier"] == (5,)
    assert sum(row[3] for row in rows) == count_parameters(model) == 2_068_289
    assert "conv 7" in dict((row[0], row[1]) for row in rows)["block1"]
    assert model.training  # left in the mode it was in


def test_the_diagram_draws_a_labelled_table():
    model = PlayingTechniqueConvNet(74)
    fig = convnet_diagram(model, n_frames=32)
    try:
        assert isinstance(fig, Figure)
        (ax,) = fig.axes
        texts = {text.get_text() for text in ax.texts}
        assert {"block", "operation", "output shape", "parameters"} <= texts
        assert {"input_norm", "block1", "block2", "block3", "classifier"} <= texts
        assert f"{count_parameters(model):,d}" in ax.get_title()
        assert "74 \u00d7 32" in texts
        width, height = fig.get_size_inches()
        assert width == 7 and 3 <= height <= 4
    finally:
        plt.close(fig)
