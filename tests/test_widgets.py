"""Drive the scattering explorer's ipywidgets the way JupyterLab does, without a browser.

In a notebook, moving a slider sets the widget's ``value`` trait; ipywidgets then calls the
observers that ``interactive_output`` registered, and the callback's ``display`` calls go to
the shell's display publisher. Here an in-process IPython shell with the inline matplotlib
backend stands in for the kernel, values are set programmatically, and every display is
captured, so the test sees the same audio players and figures a reader would.
"""

from __future__ import annotations

import base64
import io

import ipywidgets
import matplotlib
import numpy as np
import pytest
import soundfile

from xaiaudio.core.presets import get_preset
from xaiaudio.features.modulation import measure_modulation_rate, reference_pitch
from xaiaudio.synth.technique_physics import DEPTH_RANGES, RATE_RANGES

SMOKE = get_preset("smoke")


@pytest.fixture(scope="module")
def shell():
    """An IPython shell with the inline backend, as in a Jupyter kernel; the backend is restored after."""
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.backend_inline import configure_inline_support, flush_figures

    plt.close("all")  # figures other tests left open are not the explorer's
    previous_backend, previous_rc = matplotlib.get_backend(), matplotlib.rcParams.copy()
    ipython = InteractiveShell.instance()
    inline = "module://matplotlib_inline.backend_inline"
    matplotlib.use(inline)
    configure_inline_support(ipython, inline)   # what ipykernel does: inline backend, PNG figure formatter
    yield ipython
    plt.close("all")
    ipython.events.unregister("post_execute", flush_figures)
    InteractiveShell.clear_instance()
    matplotlib.use(previous_backend)
    matplotlib.rcParams.update(previous_rc)


class Recorder:
    """Wraps ``ScatteringExplorer.render`` and keeps the arguments and result of every call."""

    def __init__(self, render):
        self.render = render
        self.calls: list[tuple[tuple, object]] = []

    def __call__(self, *args, **kwargs):
        result = self.render(*args, **kwargs)
        self.calls.append((args, result))
        return result


def controls(box) -> dict:
    """Every control below ``box``, keyed by its description; plus the Output widget as ``"output"``."""
    found = {}
    stack = [box]
    while stack:
        widget = stack.pop()
        if isinstance(widget, ipywidgets.Output):
            found["output"] = widget
        elif isinstance(widget, ipywidgets.Box):
            stack.extend(widget.children)
        elif getattr(widget, "description", ""):
            found[widget.description] = widget
    return found


def displayed(captured) -> dict:
    """Captured displays grouped by kind: ``"audio"`` (decoded samples) and ``"png"`` (image bytes)."""
    audio, png = [], []
    for output in captured.outputs:
        data = output.data
        if "image/png" in data:
            png.append(data["image/png"])
        html = data.get("text/html", "")
        if "<audio" in html:
            encoded = html.split("base64,", 1)[1].split('"', 1)[0]
            samples, rate = soundfile.read(io.BytesIO(base64.b64decode(encoded)), dtype="float32")
            audio.append((samples, rate))
    return {"audio": audio, "png": png}


@pytest.fixture(scope="module")
def explorer_ui(shell):
    """The explorer at the smoke preset, its widget built (first rendering included), and its controls."""
    from IPython.utils.capture import capture_output

    from xaiaudio.report.widgets import ScatteringExplorer

    explorer = ScatteringExplorer(preset="smoke", seed=0)
    recorder = Recorder(explorer.render)
    explorer.render = recorder
    with capture_output() as captured:
        box = explorer.widget()
    return explorer, recorder, box, controls(box), captured


def change(recorder, widget, value):
    """Set a control's value as the front end would; return the new renderings and captured displays."""
    from IPython.utils.capture import capture_output

    before = len(recorder.calls)
    with capture_output() as captured:
        widget.value = value
    return recorder.calls[before:], displayed(captured)


def test_widget_has_the_controls_and_renders_once_when_built(explorer_ui):
    _, recorder, box, found, captured = explorer_ui
    assert isinstance(box, ipywidgets.VBox)
    for name in ("technique", "MIDI pitch", "rate (Hz)", "depth", "output"):
        assert name in found, f"no control {name!r} in the explorer"
    assert isinstance(found["technique"], ipywidgets.Dropdown)
    assert set(found["technique"].options) == set(RATE_RANGES)
    assert isinstance(found["rate (Hz)"], ipywidgets.FloatSlider)
    assert len(recorder.calls) == 1
    (args, _), = recorder.calls
    assert args[:4] == ("vibrato", 69, 6.0, 30.0)
    shown = displayed(captured)
    assert len(shown["audio"]) == 1 and len(shown["png"]) == 1


def test_rate_slider_rerenders_and_the_audio_follows_it(explorer_ui):
    _, recorder, _, found, _ = explorer_ui
    assert found["technique"].value == "vibrato"
    rate_hz = 4.5
    new, shown = change(recorder, found["rate (Hz)"], rate_hz)
    assert len(new) == 1, "one slider move should render exactly once"
    (technique, midi, rate, depth), rendering = new[0]
    assert (technique, rate) == ("vibrato", rate_hz)
    assert np.isfinite(rendering.features).all() and rendering.features.shape[-1] > 0
    assert rendering.figure.axes[0].get_title().startswith(f"vibrato, MIDI {midi}, {rate_hz:.1f} Hz")
    markers = [line for line in rendering.figure.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert markers and np.allclose(markers[-1].get_xdata(), np.log2(rate_hz)), "rate marker not moved"
    assert len(shown["png"]) == 1, "the callback should show a new figure"
    assert len(shown["audio"]) == 1, "the callback should show a new audio player"
    samples, rate_of_player = shown["audio"][0]
    assert rate_of_player == SMOKE.sample_rate and len(samples) == SMOKE.clip_samples
    np.testing.assert_allclose(samples, rendering.audio / np.abs(rendering.audio).max(), atol=1e-3)
    measured = measure_modulation_rate(samples, SMOKE.sample_rate, "vibrato")
    assert measured == pytest.approx(rate_hz, rel=0.10)


def test_pitch_slider_changes_the_note(explorer_ui):
    _, recorder, _, found, _ = explorer_ui
    new, shown = change(recorder, found["MIDI pitch"], 57)
    assert [args[1] for args, _ in new] == [57]
    samples, _ = shown["audio"][0]
    f0 = reference_pitch(samples, SMOKE.sample_rate)
    assert 12 * np.log2(f0 / 440.0) + 69 == pytest.approx(57, abs=0.5)


def test_technique_dropdown_resets_the_sliders_and_rerenders(explorer_ui):
    _, recorder, _, found, _ = explorer_ui
    new, shown = change(recorder, found["technique"], "tremolo")
    low, high = RATE_RANGES["tremolo"]
    assert found["rate (Hz)"].value == pytest.approx((low + high) / 2)
    low, high = DEPTH_RANGES["tremolo"]
    assert found["depth"].value == pytest.approx((low + high) / 2)
    assert new, "changing the technique should re-render"
    (technique, _, rate, depth), rendering = new[-1]
    assert (technique, rate, depth) == ("tremolo", found["rate (Hz)"].value, found["depth"].value)
    assert np.isfinite(rendering.features).all()
    # each rendering clears the output first, so what stays on screen is the last one alone
    assert len(shown["audio"]) == 1 and len(shown["png"]) == 1
    samples, _ = shown["audio"][0]
    measured = measure_modulation_rate(samples, SMOKE.sample_rate, "tremolo")
    assert measured == pytest.approx(rate, rel=0.10)


def test_a_rate_sweep_plays_back_without_a_kernel():
    from xaiaudio.report.widgets import ScatteringExplorer

    explorer = ScatteringExplorer(preset="smoke", seed=0)
    animation, audio = explorer.sweep("vibrato", 69, [4.0, 8.0], 40.0)
    html = animation.to_jshtml()
    assert 'type="range"' in html and html.count("data:image/png;base64") >= 2
    assert len(audio) == 2 and not np.array_equal(audio[0], audio[1])
    with pytest.raises(ValueError, match="at least one rate"):
        explorer.sweep("vibrato", 69, [], 40.0)
