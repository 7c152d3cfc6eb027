"""An ipywidgets explorer: technique, pitch, rate and depth -> audio player
and scattering map.

:class:`ScatteringExplorer` separates the computation
(:meth:`ScatteringExplorer.render`, testable without a browser) from the
widget layout (:meth:`ScatteringExplorer.widget`), which needs a live
kernel. For the rendered book, where no kernel runs,
:meth:`ScatteringExplorer.sweep` precomputes the maps of a rate sweep made
by the same :meth:`ScatteringExplorer.render` and plays them back with a
slider in the page (``matplotlib.animation``'s JavaScript player).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Audio, display
from matplotlib.animation import FuncAnimation

from xaiaudio.core.presets import get_preset
from xaiaudio.features.scattering import scatter, scattering_paths
from xaiaudio.report.plane import Plane, plot_plane, to_plane
from xaiaudio.synth.corpus import synthesise_note
from xaiaudio.synth.technique_physics import DEPTH_RANGES, RATE_RANGES

#: One instrument per technique that plays it in the embedded corpus (used
#: by the explorer).
DEFAULT_INSTRUMENTS = {
    "vibrato": "Vn",
    "trill": "Fl",
    "tremolo": "Vn",
    "bisbigliando": "Hp",
    "flatterzunge": "Fl",
}


#: Carriers whose S1 is below this fraction of the strongest carrier's are
#: left blank by :func:`per_carrier` (their rows hold little but noise).
QUIET_CARRIER = 1e-3


def per_carrier(values, paths, floor: float = QUIET_CARRIER) -> Plane:
    """Each carrier's modulation spectrum divided by its own maximum: the
    map the explorer draws.

    Raw scattering energy spans many decades between carriers, so on one
    colour scale the loudest carriers hide where every other carrier's
    modulation peaks. Dividing every row of S2 by its largest value puts
    each row's peak at 1, wherever the row's level is; the S1 column is
    divided by its own maximum. Rows whose S1 is below ``floor`` times the
    largest S1 are blank.

    Parameters
    ----------
    values : array-like, shape (paths,)
        One value per path, e.g. ``features.mean(-1)`` of raw features.
    paths : ScatteringPaths or preset name
        As in :func:`xaiaudio.report.plane.to_plane`.
    floor : float, default :data:`QUIET_CARRIER`
        Relative S1 level below which a carrier's row is blank.

    Returns
    -------
    Plane
        Values in (0, 1], NaN where there is no path or the carrier is
        quiet.
    """
    plane = to_plane(values, paths)
    s1, s2 = plane.s1, plane.s2
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = s2 / np.nanmax(s2, axis=-1, keepdims=True)
    rows[s1 < floor * np.max(s1)] = np.nan
    image = np.concatenate([(s1 / np.max(s1))[:, None], rows], axis=-1)
    return Plane(image, plane.carriers_hz, plane.modulations_hz)


@dataclass
class Rendering:
    """What one explorer update produces: the clip, its features and the
    drawn figure.

    Returned by :meth:`ScatteringExplorer.render`.

    Parameters
    ----------
    audio : numpy.ndarray, shape (samples,), float32
        The standardised clip (unit standard deviation) at the preset's
        sample rate.
    features : numpy.ndarray, shape (paths, frames), float32
        Its raw (not normalised) scattering coefficients, S1 paths first.
    figure : matplotlib.figure.Figure
        The figure holding the carrier-modulation map.
    """

    audio: np.ndarray
    features: np.ndarray
    figure: object


class ScatteringExplorer:
    """Synthesise one note of a technique and show its carrier-modulation
    map.

    The interactive explorer (:meth:`widget`) and its static figure
    (:meth:`sweep`).

    Parameters
    ----------
    preset : str or xaiaudio.core.presets.Preset, optional
        Sample rate and clip length (``None``: the default preset).
    device : str or torch.device, optional
        Where the scattering runs (``None``: the CPU).
    seed : int, default 0
        Seed of the note's random parts; every call with the same settings
        gives the same note.
    synthesise : callable, optional
        ``synthesise(instrument, midi, dynamics, technique, rate_hz, depth,
        n_samples, sample_rate, rng) -> audio``; defaults to
        :func:`xaiaudio.synth.corpus.synthesise_note` (tests pass a stub).
    instruments : dict, optional
        Technique -> instrument code that plays it (default
        :data:`DEFAULT_INSTRUMENTS`); its keys are the techniques the
        widget offers.
    """

    def __init__(
        self,
        preset=None,
        device=None,
        seed: int = 0,
        synthesise: Callable | None = None,
        instruments: dict | None = None,
    ):
        self.preset = get_preset(preset)
        self.device = device
        self.seed = seed
        self.instruments = dict(instruments or DEFAULT_INSTRUMENTS)
        self.synthesise = synthesise or synthesise_note

    def audio(
        self, technique: str, midi: int, rate_hz: float, depth: float
    ) -> np.ndarray:
        """The standardised clip (preset length) of one ``mf`` note with
        the given technique settings.

        Parameters
        ----------
        technique : str
            A key of ``instruments`` (``"vibrato"``, ``"trill"``, ...).
        midi : int
            Pitch as a MIDI note number.
        rate_hz : float
            Modulation rate in Hz.
        depth : float
            Modulation depth, in the technique's unit
            (:data:`xaiaudio.synth.technique_physics.DEPTH_RANGES`).

        Returns
        -------
        numpy.ndarray, shape (clip_samples,), float32
            The note divided by its standard deviation.

        Raises
        ------
        KeyError
            If ``technique`` has no instrument.
        """
        rng = np.random.default_rng(self.seed)
        note = self.synthesise(
            self.instruments[technique],
            int(midi),
            "mf",
            technique,
            float(rate_hz),
            float(depth),
            self.preset.clip_samples,
            self.preset.sample_rate,
            rng,
        )
        note = np.asarray(note, dtype=np.float32)
        return (note / (note.std() + 1e-8)).astype(np.float32)

    def render(
        self,
        technique: str,
        midi: int,
        rate_hz: float,
        depth: float,
        ax=None,
    ) -> Rendering:
        """Synthesise, scatter and draw: the widget's callback.

        The map shows the logarithm of the time-averaged scattering energy,
        each carrier's row divided by its own maximum (:func:`per_carrier`,
        drawn by :func:`xaiaudio.report.plane.plot_plane`), with a dashed
        line at the modulation rate.

        Parameters
        ----------
        technique, midi, rate_hz, depth
            As in :meth:`audio`.
        ax : matplotlib.axes.Axes, optional
            Where to draw (``None``: a new figure).

        Returns
        -------
        Rendering
            The clip, its scattering coefficients and the figure.
        """
        audio = self.audio(technique, midi, rate_hz, depth)
        features = scatter(audio, self.preset, self.device)
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 4))
        self._draw(
            features,
            f"{technique}, MIDI {int(midi)}, {rate_hz:.1f} Hz, depth "
            f"{depth:g}",
            rate_hz,
            ax,
        )
        return Rendering(audio=audio, features=features, figure=ax.figure)

    def _draw(
        self, features: np.ndarray, title: str, rate_hz: float, ax
    ) -> None:
        plot_plane(
            per_carrier(features.mean(-1), scattering_paths(self.preset)),
            ax=ax,
            log_color=True,
            vmin=-2,
            vmax=0,
            title=title,
            colorbar_label="time-averaged S / row maximum",
        )
        ax.axvline(np.log2(rate_hz), color="cyan", lw=0.8, ls="--")

    def sweep(
        self, technique: str, midi: int, rates_hz, depth: float
    ) -> tuple[FuncAnimation, list]:
        """The map of one note at each rate of a sweep, as frames a slider
        plays back without a kernel.

        Every frame is drawn as :meth:`render` draws;
        ``animation.to_jshtml()`` gives the HTML of a player with a slider.

        Parameters
        ----------
        technique, midi, depth
            As in :meth:`audio`.
        rates_hz : sequence of float
            The modulation rates, one frame each.

        Returns
        -------
        animation : matplotlib.animation.FuncAnimation
            One frame per rate; its figure is closed (it lives in the
            animation only).
        audio : list of numpy.ndarray
            The clip of each frame, in the same order.
        """
        rates_hz = [float(rate) for rate in rates_hz]
        if not rates_hz:
            raise ValueError("a sweep needs at least one rate")
        audio = [
            self.audio(technique, midi, rate, depth) for rate in rates_hz
        ]
        features = [
            scatter(clip, self.preset, self.device) for clip in audio
        ]
        fig = plt.figure(figsize=(6, 4), layout="constrained")

        def draw(frame: int):
            # a frame adds a colour bar: start each one from an empty one
            fig.clear()
            title = (
                f"{technique}, MIDI {int(midi)}, "
                f"{rates_hz[frame]:.1f} Hz, depth {depth:g}"
            )
            self._draw(
                features[frame], title, rates_hz[frame], fig.add_subplot()
            )
            return fig.axes

        animation = FuncAnimation(
            fig, draw, frames=len(rates_hz), repeat=False
        )
        plt.close(fig)
        return animation, audio

    def widget(
        self,
        rate_ranges: dict | None = None,
        depth_ranges: dict | None = None,
    ):
        """The interactive explorer: a technique menu and sliders, then an
        audio player and the map.

        Choosing a technique resets the rate and depth sliders to the
        middle of its ranges (one redraw only); moving any control redraws.
        Only useful in a live kernel.

        Parameters
        ----------
        rate_ranges : dict, optional
            Technique -> (low, high) rate in Hz (default
            :data:`xaiaudio.synth.technique_physics.RATE_RANGES`).
        depth_ranges : dict, optional
            Technique -> (low, high) depth (default
            :data:`xaiaudio.synth.technique_physics.DEPTH_RANGES`).

        Returns
        -------
        ipywidgets.VBox
            The controls and the output area, drawn once already.
        """
        rate_ranges = rate_ranges or RATE_RANGES
        depth_ranges = depth_ranges or DEPTH_RANGES
        technique = w.Dropdown(
            options=list(self.instruments),
            value="vibrato",
            description="technique",
        )
        midi = w.IntSlider(
            value=69, min=48, max=84, description="MIDI pitch"
        )
        rate = w.FloatSlider(
            value=6.0, min=1.0, max=48.0, step=0.5, description="rate (Hz)"
        )
        depth = w.FloatSlider(
            value=30.0, min=1.0, max=200.0, step=1.0, description="depth"
        )

        out = w.Output()
        resetting = [
            False
            # while the dropdown resets the sliders, their changes must not
            # redraw
        ]

        def redraw(_change=None) -> None:
            if resetting[0]:
                return
            with out:
                out.clear_output(wait=True)
                result = self.render(
                    technique.value, midi.value, rate.value, depth.value
                )
                display(Audio(result.audio, rate=self.preset.sample_rate))
                # this figure only, not every figure open in the kernel
                display(result.figure)
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
        return w.VBox(
            [w.HBox([technique, midi]), w.HBox([rate, depth]), out]
        )
