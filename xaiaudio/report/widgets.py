"""An ipywidgets explorer: technique, pitch, rate and depth -> audio player and scattering map.

Used by the scattering chapter.  :class:`ScatteringExplorer` separates the
computation (:meth:`ScatteringExplorer.render`, testable without a browser) from
the widget layout (:meth:`ScatteringExplorer.widget`); the rendered book shows a
static figure made by the same :meth:`ScatteringExplorer.render`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Audio, display

from xaiaudio.core.presets import get_preset
from xaiaudio.features.scattering import scatter, scattering_paths
from xaiaudio.report.plane import plot_plane
from xaiaudio.synth.corpus import synthesise_note
from xaiaudio.synth.techniques import DEPTH_RANGES, RATE_RANGES

#: One instrument per technique that plays it in the embedded corpus (used by the explorer).
DEFAULT_INSTRUMENTS = {"vibrato": "Vn", "trill": "Fl", "tremolo": "Vn", "bisbigliando": "Hp",
                       "flatterzunge": "Fl"}


@dataclass
class Rendering:
    """What one explorer update produces: the clip, its features and the drawn figure."""

    audio: np.ndarray
    features: np.ndarray
    figure: object


class ScatteringExplorer:
    """Synthesise one note of a technique and show its carrier-modulation map.

    ``synthesise`` defaults to :func:`xaiaudio.synth.corpus.synthesise_note`; tests pass a stub.
    """

    def __init__(self, preset=None, device=None, seed: int = 0, synthesise: Callable | None = None,
                 instruments: dict | None = None):
        self.preset = get_preset(preset)
        self.device = device
        self.seed = seed
        self.instruments = dict(instruments or DEFAULT_INSTRUMENTS)
        self.synthesise = synthesise or synthesise_note

    def audio(self, technique: str, midi: int, rate_hz: float, depth: float) -> np.ndarray:
        """The standardised clip (preset length) of one ``mf`` note with the given technique settings."""
        rng = np.random.default_rng(self.seed)
        note = self.synthesise(self.instruments[technique], int(midi), "mf", technique, float(rate_hz),
                               float(depth), self.preset.clip_samples, self.preset.sample_rate, rng)
        note = np.asarray(note, dtype=np.float32)
        return (note / (note.std() + 1e-8)).astype(np.float32)

    def render(self, technique: str, midi: int, rate_hz: float, depth: float, ax=None) -> Rendering:
        """Synthesise, scatter and draw (log energy on the plane, the rate marked); the widget's callback."""
        audio = self.audio(technique, midi, rate_hz, depth)
        features = scatter(audio, self.preset, self.device)
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 4))
        title = f"{technique}, MIDI {int(midi)}, {rate_hz:.1f} Hz, depth {depth:g}"
        plot_plane(features.mean(-1), scattering_paths(self.preset), ax=ax, log_color=True, title=title,
                   colorbar_label="time-averaged S")
        ax.axvline(np.log2(rate_hz), color="cyan", lw=0.8, ls="--")
        return Rendering(audio=audio, features=features, figure=ax.figure)

    def widget(self, rate_ranges: dict | None = None, depth_ranges: dict | None = None):
        """The interactive explorer (ipywidgets): dropdown and sliders, then an audio player and the map."""
        rate_ranges = rate_ranges or RATE_RANGES
        depth_ranges = depth_ranges or DEPTH_RANGES
        technique = w.Dropdown(options=list(self.instruments), value="vibrato", description="technique")
        midi = w.IntSlider(value=69, min=48, max=84, description="MIDI pitch")
        rate = w.FloatSlider(value=6.0, min=1.0, max=48.0, step=0.5, description="rate (Hz)")
        depth = w.FloatSlider(value=30.0, min=1.0, max=200.0, step=1.0, description="depth")

        out = w.Output()
        resetting = [False]  # while the dropdown resets the sliders, their changes must not redraw

        def redraw(_change=None) -> None:
            if resetting[0]:
                return
            with out:
                out.clear_output(wait=True)
                result = self.render(technique.value, midi.value, rate.value, depth.value)
                display(Audio(result.audio, rate=self.preset.sample_rate))
                display(result.figure)  # this figure only, not every figure open in the kernel
                plt.close(result.figure)

        def reset(change) -> None:
            resetting[0] = True
            try:
                low, high = rate_ranges[change["new"]]
                rate.value = (low + high) / 2
                low, high = depth_ranges[change["new"]]
                depth.value = (low + high) / 2
            finally:
                resetting[0] = False
            redraw()

        technique.observe(reset, names="value")
        for control in (midi, rate, depth):
            control.observe(redraw, names="value")
        redraw()
        return w.VBox([w.HBox([technique, midi]), w.HBox([rate, depth]), out])
