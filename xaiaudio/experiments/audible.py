"""Relevance you can hear: renders of explained clips, the network asked
again, and the audio-domain faithfulness test, cached.

A render (:mod:`xaiaudio.explain.resynthesis`) keeps or removes the ``k``
paths a method finds most relevant, or ``k`` random paths; each render goes
through the same scattering, normalisation and convnet as a clip, and we
record the probability of the class the relevance explained (the clip's
predicted class). If a method's relevance points at what the network uses,
"only the top k" should keep more of that probability than "only k random
paths", and "everything but the top k" should keep less than "everything
but k random paths". Claim C1 of the scorecard is this test.

Renders are fed to the network at the level they were made at: a render
lives in the standardised clip's units (the loader divides every clip by
its standard deviation), so it is not standardised again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats
import torch

from xaiaudio.core import cache
from xaiaudio.core.presets import settings_for
from xaiaudio.experiments.examples import seeded_subset
from xaiaudio.experiments.rates import rate_agreement
from xaiaudio.experiments.relevance import clip_relevance
from xaiaudio.experiments.seeds import t_interval, verdict_from_interval
from xaiaudio.explain import resynthesis
from xaiaudio.explain.resynthesis import (
    random_paths,
    resynthesise,
    top_k_paths,
)
from xaiaudio.features.modulation import measure_modulation_rate
from xaiaudio.features.scattering import scattering_paths

#: The methods of the audio-domain test: LRP-eps, both orderings of
#: LRP-[eps, z+], and one gradient method.
TESTED_METHODS = (
    "LRP-eps",
    "LRP-[eps, z+] published",
    "LRP-[eps, z+] as written",
    "gradient x input",
)
#: The baseline selection's name in the tables.
RANDOM = "random"


@dataclass(frozen=True)
class AudibleSettings:
    """How many paths a render selects and how many clips are tested.

    Attributes
    ----------
    k : int
        Paths kept or removed.
    test_clips : int or None
        Test clips of the faithfulness test (``None``: all).
    k_sweep : tuple of int
        The values of ``k`` the chapter plays on one clip.
    claim_clips : int or None
        Of those, the clips of scorecard claim C1, per training seed
        (``None``: all).
    """

    k: int
    test_clips: int | None
    k_sweep: tuple
    claim_clips: int | None


#: Per preset; ``paper`` tests every test clip (on a GPU). Claim C1 of the
#: scorecard renders ``claim_clips`` of the test's clips per training seed
#: and split: at ``book``, all 24 would take about 290 more renders (more
#: than the chapter's 260), past the section's budget of 4 minutes.
AUDIBLE_SETTINGS = {
    "smoke": AudibleSettings(
        k=8, test_clips=4, k_sweep=(4, 16), claim_clips=2
    ),
    "book": AudibleSettings(
        k=16, test_clips=24, k_sweep=(4, 16, 32), claim_clips=12
    ),
    "paper": AudibleSettings(
        k=16, test_clips=None, k_sweep=(4, 16, 64), claim_clips=None
    ),
}


@dataclass(frozen=True)
class RenderRequest:
    """One render: a test clip, a selection of paths and a mode.

    Attributes
    ----------
    position : int
        The clip's position in the test split.
    selection : str
        A method's name, or :data:`RANDOM`.
    rows : tuple of int
        The selected paths.
    mode : str
        ``"keep"`` or ``"remove"``.
    """

    position: int
    selection: str
    rows: tuple
    mode: str


@torch.no_grad()
def class_probabilities(model, normaliser, raw_features) -> np.ndarray:
    """Softmax of the convnet for the scattering coefficients of clips or
    renders: normalisation, then the network.

    Parameters
    ----------
    model : torch.nn.Module
        The convnet (every path, S1+S2), in eval mode.
    normaliser : xaiaudio.features.scattering.Normaliser
        Its input normalisation.
    raw_features : array-like, shape (clips, paths, frames)
        Raw coefficients (a render's ``features``, or a clip's).

    Returns
    -------
    numpy.ndarray, shape (clips, classes)
    """
    device = next(model.parameters()).device
    inputs = torch.as_tensor(
        normaliser(np.asarray(raw_features)), device=device
    )
    return torch.softmax(model(inputs), dim=-1).cpu().numpy()


@torch.no_grad()
def probabilities_on_test_clips(config, features, trained) -> np.ndarray:
    """Softmax of the convnet on every test clip (from the cached
    features); its argmax is the class every render is asked about.

    Returns
    -------
    numpy.ndarray, shape (test clips, classes)
    """
    test_x, _ = features.subset("test", trained.feature_set)
    inputs = torch.as_tensor(test_x, device=config.device)
    return torch.softmax(trained.model.eval()(inputs), -1).cpu().numpy()


def selections(
    relevance, k: int, position: int, seed: int
) -> dict[str, np.ndarray]:
    """The top ``k`` paths of one clip's relevance, and ``k`` random paths
    drawn for this clip.

    Parameters
    ----------
    relevance : array-like, shape (paths,)
        The clip's time-averaged relevance.
    k : int
        Paths selected.
    position : int
        The clip's position in the test split (seeds its random paths).
    seed : int
        The data seed.

    Returns
    -------
    dict
        ``{"top": rows, "random": rows}``.
    """
    return {
        "top": top_k_paths(relevance, k),
        "random": random_paths(len(relevance), k, (seed, position)),
    }


#: What a cached render holds (see
#: :class:`xaiaudio.explain.resynthesis.Render`).
RENDER_FIELDS = ("audio", "features", "selected_error", "rest_error")
#: The cache's namespace of renders.
RENDERS = "renders"


def render_key(clip, rows, mode: str, preset: str, mu, seed: int) -> str:
    """What one render depends on: the clip, the set of selected paths,
    the mode, the preset's render settings, the normaliser's ``mu`` and
    the seed (not the network, so every network that selects the same
    paths shares it, nor the device, nor the clips it was rendered with).

    Returns
    -------
    str
        A :func:`xaiaudio.core.cache.content_key`.
    """
    return cache.content_key(
        "render",
        np.asarray(clip, dtype=np.float32),
        sorted({int(r) for r in rows}),
        mode,
        preset,
        settings_for(resynthesis.RESYNTHESIS_SETTINGS, preset),
        np.asarray(mu, dtype=np.float32),
        seed,
    )


def _render_batch(clips, selections, modes, preset, mu, seed, device):
    """Renders of clips, each with its own selection and mode (one
    :func:`~xaiaudio.explain.resynthesis.resynthesise` call), as dicts of
    :data:`RENDER_FIELDS`."""
    masks = np.zeros((len(clips), len(scattering_paths(preset))), bool)
    for mask, rows in zip(masks, selections):
        mask[list(rows)] = True
    render = resynthesise(
        torch.as_tensor(np.stack(clips), device=device),
        masks,
        modes,
        preset,
        mu=mu,
        seed=seed,
    )
    return [
        {name: getattr(render, name)[i] for name in RENDER_FIELDS}
        for i in range(len(clips))
    ]


def cached_renders(
    clips, selections, modes, preset: str, mu, seed: int, device="cpu"
) -> list[dict]:
    """Renders of clips, each with its own selection and mode, optimised
    together and cached one by one (:func:`render_key`).

    The renders missing from the cache are computed in one
    :func:`~xaiaudio.explain.resynthesis.resynthesise` call, which renders
    each clip as it would alone: a render first made in a batch is read
    back when asked for alone (:func:`cached_render`), and the other way
    round. On a CPU the batch's threads share the cores (separate
    processes were no faster on two cores).

    Parameters
    ----------
    clips : sequence of numpy.ndarray
        One standardised clip per render (a clip may repeat).
    selections : sequence of sequence of int
        Each render's selected paths (feature rows).
    modes : sequence of str
        ``"keep"`` or ``"remove"`` per render.
    preset : str
        The preset (transform and render settings).
    mu : array-like of shape (paths,)
        The normaliser's ``mu``.
    seed : int
        Seed of the *keep* renders' random phases.
    device : str or torch.device
        Where the renders are computed.

    Returns
    -------
    list of dict
        :data:`RENDER_FIELDS` of each render, in the order given.
    """
    keys = [
        render_key(clip, rows, mode, preset, mu, seed)
        for clip, rows, mode in zip(clips, selections, modes)
    ]
    rendered = {}

    def stored(key: str) -> bool:
        # any function of this module names the same code as compute
        return cache.has_entry(RENDERS, key, cached_renders)

    def compute(first: int) -> dict:
        """Render ``first`` and, with it, every later render that the
        cache does not hold yet."""
        if first not in rendered:
            todo = [first] + [
                i
                for i, key in enumerate(keys)
                if i > first
                and key not in keys[:i]
                and i not in rendered
                and not stored(key)
            ]
            batch = _render_batch(
                [clips[i] for i in todo],
                [selections[i] for i in todo],
                [modes[i] for i in todo],
                preset,
                mu,
                seed,
                device,
            )
            rendered.update(zip(todo, batch))
        return rendered.pop(first)

    return [
        cache.cached_arrays(RENDERS, key, functools.partial(compute, i))
        for i, key in enumerate(keys)
    ]


def cached_render(
    clip, rows, mode: str, preset: str, mu, seed: int, device="cpu"
) -> dict:
    """One render, cached: :func:`cached_renders` of one clip.

    Returns
    -------
    dict
        :data:`RENDER_FIELDS` of the render.
    """
    (render,) = cached_renders(
        [clip], [rows], [mode], preset, mu, seed, device
    )
    return render


def render_requests(
    config, features, trained, requests, seed=None
) -> dict:
    """Render every request and ask the network again; the renders
    missing from the cache are optimised together
    (:func:`cached_renders`).

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset and device.
    features : xaiaudio.experiments.technique_convnets.TechniqueFeatures
        Dataset, normaliser and paths.
    trained : xaiaudio.experiments.technique_convnets.TrainedConvnet
        The S1+S2 convnet whose predictions are explained.
    requests : sequence of RenderRequest
        What to render.
    seed : int, optional
        Seed of the renders' random phases (default ``config.seed``).

    Returns
    -------
    dict
        Arrays in the order of ``requests``: ``audio`` ``(n, samples)``,
        ``probability`` of the explained (predicted) class,
        ``selected_error`` and ``rest_error``
        (:class:`xaiaudio.explain.resynthesis.Render`).
    """
    seed = config.seed if seed is None else seed
    table_rows = features.rows("test")
    clips = {
        p: features.dataset.load_audio(int(table_rows[p]))
        for p in sorted({r.position for r in requests})
    }
    ordered = cached_renders(
        [clips[r.position] for r in requests],
        [r.rows for r in requests],
        [r.mode for r in requests],
        config.preset.name,
        features.normaliser.mu,
        seed,
        config.device,
    )
    explained = probabilities_on_test_clips(
        config, features, trained
    ).argmax(1)
    probabilities = class_probabilities(
        trained.model.eval(),
        features.normaliser,
        np.stack([o["features"] for o in ordered]),
    )
    return {
        "audio": np.stack([o["audio"] for o in ordered]),
        "probability": probabilities[
            np.arange(len(requests)),
            explained[[r.position for r in requests]],
        ],
        "selected_error": np.array([o["selected_error"] for o in ordered]),
        "rest_error": np.array([o["rest_error"] for o in ordered]),
    }


def positions_of_test_clips(
    config, features, seed: int | None = None, clips: int | None = None
) -> np.ndarray:
    """Positions in the test split of the faithfulness test's clips: all,
    or a subset of :data:`AUDIBLE_SETTINGS` ``test_clips`` drawn with the
    data ``seed``; then at most ``clips`` of those (claim C1).

    Networks of several training seeds on one split test the same clips,
    so they share the random paths' renders, and C1's clips are among the
    chapter's (their renders too).

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (``test_clips``); its seed is the default ``seed``.
    features : xaiaudio.experiments.technique_convnets.TechniqueFeatures
        The test split's rows.
    seed : int, optional
        The data seed that draws the clips.
    clips : int, optional
        At most this many (``None``: every drawn clip).

    Returns
    -------
    numpy.ndarray of int
        Sorted positions.
    """
    seed = config.seed if seed is None else seed
    limit = settings_for(AUDIBLE_SETTINGS, config.preset.name).test_clips
    positions = seeded_subset(len(features.rows("test")), limit, seed)
    return positions[seeded_subset(len(positions), clips, seed)]


def audio_faithfulness(
    config,
    features,
    trained,
    methods=TESTED_METHODS,
    modes=resynthesis.MODES,
    seed: int | None = None,
    clips: int | None = None,
) -> pd.DataFrame:
    """The audio-domain faithfulness test: keep or remove each method's top
    ``k`` paths, and ``k`` random paths, on every tested clip.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (clips, ``k``, render settings), device, seed.
    features : xaiaudio.experiments.technique_convnets.TechniqueFeatures
        Dataset, normaliser and paths.
    trained : xaiaudio.experiments.technique_convnets.TrainedConvnet
        The S1+S2 convnet.
    methods : sequence of str
        Keys of :data:`xaiaudio.explain.registry.METHODS`.
    modes : sequence of str
        ``"keep"``, ``"remove"`` or both.
    seed : int, optional
        The data seed: it draws the tested clips, the random paths and the
        renders' phases, so networks of other training seeds share the
        random renders (default ``config.seed``).
    clips : int, optional
        Test at most this many of the clips (see
        :func:`positions_of_test_clips`).

    Returns
    -------
    pandas.DataFrame
        One row per clip, selection (a method or ``"random"``) and mode:
        ``position``, ``selection``, ``mode``, ``probability`` (of the
        explained class), ``original`` (its probability on the clip),
        ``selected_error``, ``rest_error``. A clip whose relevance has
        fewer than ``k`` positive paths for a method has no row for it.
    """
    k = settings_for(AUDIBLE_SETTINGS, config.preset.name).k
    seed = config.seed if seed is None else seed
    positions = positions_of_test_clips(config, features, seed, clips)
    requests = []
    for method in methods:
        relevance = clip_relevance(config, features, trained, method)
        for p in positions:
            try:
                rows = top_k_paths(relevance["relevance"][p], k)
            except resynthesis.ResynthesisError:
                continue
            requests += [
                RenderRequest(int(p), method, tuple(rows.tolist()), mode)
                for mode in modes
            ]
    for p in positions:
        rows = random_paths(len(features.paths), k, (seed, int(p)))
        requests += [
            RenderRequest(int(p), RANDOM, tuple(rows.tolist()), mode)
            for mode in modes
        ]
    rendered = render_requests(config, features, trained, requests, seed)
    test = features.dataset.split("test").reset_index(drop=True)
    probabilities = probabilities_on_test_clips(config, features, trained)
    explained = probabilities.argmax(1)
    technique = [features.dataset.classes[c] for c in test["label"]]
    sample_rate = config.preset.sample_rate
    positions = [r.position for r in requests]
    return pd.DataFrame(
        {
            "position": positions,
            "selection": [r.selection for r in requests],
            "mode": [r.mode for r in requests],
            "probability": rendered["probability"],
            "original": probabilities[positions, explained[positions]],
            "selected_error": rendered["selected_error"],
            "rest_error": rendered["rest_error"],
            "true_rate_hz": test["rate_hz"].to_numpy(float)[positions],
            "render_rate_hz": [
                measure_modulation_rate(audio, sample_rate, technique[p])
                if r.mode == "keep"
                else np.nan
                for audio, r, p in zip(
                    rendered["audio"], requests, positions
                )
            ],
        }
    )


def paired_differences(table: pd.DataFrame) -> pd.DataFrame:
    """Per method and clip: how much more of the explained class's
    probability its top ``k`` keep than ``k`` random paths, and how much
    more removing ``k`` random paths keeps than removing its top ``k``.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`audio_faithfulness`.

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``position``, and for each mode the table
        holds: ``keep`` (p(top k only) - p(random k only)) and ``remove``
        (p(without random k) - p(without top k)); positive means the
        method's paths matter more than random ones.
    """
    wide = table.pivot_table(
        index=["position", "mode"],
        columns="selection",
        values="probability",
    )
    # positive when the method's paths matter more than random ones
    signs = {"keep": 1.0, "remove": -1.0}
    frames = []
    for method in [c for c in wide.columns if c != RANDOM]:
        columns = {}
        for mode, sign in signs.items():
            if mode in wide.index.get_level_values("mode"):
                part = wide.xs(mode, level="mode")
                columns[mode] = sign * (part[method] - part[RANDOM])
        frame = pd.DataFrame(columns).rename_axis("position").reset_index()
        frames.append(frame.assign(method=method).dropna())
    return pd.concat(frames, ignore_index=True)


def faithfulness_verdicts(table: pd.DataFrame) -> pd.DataFrame:
    """Mean paired difference per method and test, its 95 % t interval
    over clips (:func:`~xaiaudio.experiments.seeds.t_interval`, as for
    seeds), the verdict read from it, and Wilcoxon's signed-rank p-value.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`audio_faithfulness`.

    Returns
    -------
    pandas.DataFrame
        One row per method and test (``keep``, ``remove``): ``clips``,
        ``mean``, ``ci_low``, ``ci_high``, ``verdict`` (``holds``: the
        method's paths matter more than random paths), ``wilcoxon_p``.
    """
    rows = []
    for (method, test), values in (
        paired_differences(table)
        .melt(["method", "position"], var_name="test")
        .groupby(["method", "test"], sort=False)["value"]
    ):
        values = values.to_numpy(float)
        low, high = t_interval(values)
        nonzero = values[values != 0]
        rows.append(
            {
                "method": method,
                "test": test,
                "clips": len(values),
                "mean": float(values.mean()),
                "ci_low": low,
                "ci_high": high,
                "verdict": verdict_from_interval(low, high),
                "wilcoxon_p": (
                    float(scipy.stats.wilcoxon(nonzero).pvalue)
                    if len(nonzero) >= 2
                    else float("nan")
                ),
            }
        )
    return pd.DataFrame(rows)


def render_rate_agreement(
    table: pd.DataFrame, tolerance_octaves: float = 0.5
) -> pd.Series:
    """Share of *keep* renders whose measured modulation rate is within
    ``tolerance_octaves`` of the clip's true rate, per selection
    (:func:`xaiaudio.experiments.rates.rate_agreement`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`audio_faithfulness` (embedded corpus: true rates known).
    tolerance_octaves : float
        Agreement tolerance.

    Returns
    -------
    pandas.Series
        Selection -> share in [0, 1] (NaN when no rate is known).
    """
    keep = table[table["mode"] == "keep"]
    return keep.groupby("selection").apply(
        lambda renders: (
            rate_agreement(
                renders["true_rate_hz"],
                renders["render_rate_hz"],
                tolerance_octaves,
            )["within"]
            / 100
        )
    )
