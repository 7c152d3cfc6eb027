"""When does LRP-[eps, z+] give peakier maps than LRP-eps? The composite
taken apart, over seeds.

Claim A2 of Wang et al. (:data:`xaiaudio.experiments.claims.CLAIMS`) says
that zennit's ``EpsilonPlus`` gives relevance maps of higher kurtosis than
LRP-eps. Whether it does depends on choices the paper does not discuss, so
this module changes one at a time and measures the mean kurtosis difference
over the test clips, per training seed, for each :class:`Variant`:

* which layers get z+ (convolutions, dense layers, both);
* the epsilon of the eps rule (1e-6 as published, or larger, for the
  composite and LRP-eps alike);
* the batch norms: the input batch norm given the eps rule instead of
  passing relevance, or the batch norms after the convolutions left
  unmerged (:mod:`xaiaudio.explain.composite_variants`);
* the measure: kurtosis of the absolute map instead of the signed one;
* the network's state: trained, or the same network at its initialisation
  (before training).

Beside the effect, two diagnostics of each map explain it: the share of S2
paths that receive positive relevance, and how closely the map's magnitude
follows the magnitude of the normalised input that the first convolution
reads (:func:`input_magnitude`). Per clip, :func:`input_link` tests the
resulting rule of thumb: z+ on the convolutions returns roughly the input's
own magnitude, so the published composite is peakier than LRP-eps when that
input is.

Maps come from the from-scratch LRP (:func:`xaiaudio.explain.lrp.lrp`) on
the cached convnets of training seeds ``0 .. N-1``
(:class:`xaiaudio.experiments.claims.TechniqueSeed`), and their statistics
are cached.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats
import torch

from xaiaudio.core import cache
from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.experiments.claims import TechniqueSeed
from xaiaudio.experiments.seeds import seed_summary
from xaiaudio.explain import lrp
from xaiaudio.explain.composite_variants import (
    unmerged_copy,
    with_batchnorm_rule,
)
from xaiaudio.explain.statistics import kurtosis_per_example
from xaiaudio.models.convnet import PlayingTechniqueConvNet

#: Training seeds ``0 .. N-1`` measured at each preset (their convnets are
#: those of the scorecard).
DRIVER_SEEDS = {"smoke": 2, "book": 3, "paper": 5}

#: The network states compared: the trained convnet, and the same convnet
#: at its initialisation.
STATES = ("trained", "untrained")

#: The unit of every effect of this module.
METRIC = (
    "kurtosis of the variant - kurtosis of its LRP-eps"
    " (mean over test clips)"
)


@dataclass(frozen=True)
class RelevanceMap:
    """One way of computing the relevance maps of a network (an entry of
    :data:`MAPS`).

    Parameters
    ----------
    composite : callable
        ``composite() -> dict``: a from-scratch composite
        (:func:`xaiaudio.explain.lrp.make_composite`).
    merged : bool
        Merge the batch norms into the convolutions before them (as
        published), or leave them unmerged so that they pass relevance
        (:func:`~xaiaudio.explain.composite_variants.unmerged_copy`).
    """

    composite: Callable[[], dict]
    merged: bool = True


def _input_norm_epsilon(factory: Callable[[], dict]) -> Callable[[], dict]:
    return lambda: with_batchnorm_rule(factory(), lrp.Epsilon())


#: Every map the variants compare, by name (the names are also the keys of
#: the cached statistics).
MAPS = {
    "eps": RelevanceMap(lrp.epsilon_composite),
    "published": RelevanceMap(lrp.epsilon_plus_composite),
    "as written": RelevanceMap(lrp.epsilon_plus_as_written_composite),
    "z+": RelevanceMap(lrp.zplus_composite),
    "eps, eps=0.01": RelevanceMap(
        functools.partial(lrp.epsilon_composite, 0.01)
    ),
    "published, eps=0.01": RelevanceMap(
        functools.partial(lrp.epsilon_plus_composite, 0.01)
    ),
    "eps, eps=1": RelevanceMap(
        functools.partial(lrp.epsilon_composite, 1.0)
    ),
    "published, eps=1": RelevanceMap(
        functools.partial(lrp.epsilon_plus_composite, 1.0)
    ),
    "eps, input BN eps": RelevanceMap(
        _input_norm_epsilon(lrp.epsilon_composite)
    ),
    "published, input BN eps": RelevanceMap(
        _input_norm_epsilon(lrp.epsilon_plus_composite)
    ),
    "eps, BN unmerged": RelevanceMap(lrp.epsilon_composite, merged=False),
    "published, BN unmerged": RelevanceMap(
        lrp.epsilon_plus_composite, merged=False
    ),
}


@dataclass(frozen=True)
class Variant:
    """One composite compared with the LRP-eps that differs from it only by
    the rule of some layers.

    Parameters
    ----------
    name : str
        Short name for tables and figures.
    factor : str
        The choice it probes: ``"layers"``, ``"epsilon"``, ``"batch
        norms"`` or ``"measure"``.
    composite : str
        Key of :data:`MAPS`: the [eps, z+] map.
    baseline : str
        Key of :data:`MAPS`: the LRP-eps map it is compared with (same
        epsilon, same batch norms).
    absolute : bool
        Compare the kurtosis of the absolute maps instead of the signed
        ones.
    states : tuple of str
        The network states (:data:`STATES`) it is measured on.
    """

    name: str
    factor: str
    composite: str
    baseline: str = "eps"
    absolute: bool = False
    states: tuple = ("trained",)


#: The variants of the chapter, in the order of its table.
VARIANTS = (
    Variant(
        "published: z+ on conv, eps on dense",
        "layers",
        "published",
        states=STATES,
    ),
    Variant(
        "as written: eps on conv, z+ on dense",
        "layers",
        "as written",
        states=STATES,
    ),
    Variant("z+ on conv and dense", "layers", "z+", states=STATES),
    Variant(
        "published, eps = 0.01",
        "epsilon",
        "published, eps=0.01",
        "eps, eps=0.01",
    ),
    Variant(
        "published, eps = 1", "epsilon", "published, eps=1", "eps, eps=1"
    ),
    Variant(
        "published, input BN gets eps",
        "batch norms",
        "published, input BN eps",
        "eps, input BN eps",
    ),
    Variant(
        "published, BN not merged",
        "batch norms",
        "published, BN unmerged",
        "eps, BN unmerged",
    ),
    Variant(
        "published, kurtosis of abs(R)",
        "measure",
        "published",
        absolute=True,
    ),
)


def input_magnitude(
    model: PlayingTechniqueConvNet, inputs: torch.Tensor
) -> np.ndarray:
    """Time-averaged magnitude of what the first convolution reads: the
    input batch norm's output.

    z+ gives every input value a share of relevance in proportion to its
    (weighted) magnitude, positive or negative, so a z+ map resembles this
    magnitude.

    Parameters
    ----------
    model : xaiaudio.models.convnet.PlayingTechniqueConvNet
        The network (its ``input_norm`` is applied in eval mode).
    inputs : torch.Tensor, shape (clips, paths, frames)
        The normalised scattering features.

    Returns
    -------
    numpy.ndarray, shape (clips, paths)
        ``abs(input_norm(inputs))`` averaged over time.
    """
    was_training = model.training
    model.eval()
    with torch.no_grad():
        magnitude = model.input_norm(inputs).abs().mean(-1).cpu().numpy()
    model.train(was_training)
    return magnitude.astype(np.float64)


def row_correlation(a, b) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b``
    (NaN for a constant row).

    Measures how closely a map's magnitude follows the input's.

    Parameters
    ----------
    a, b : array-like, shape (rows, n)
        Two arrays of the same shape.

    Returns
    -------
    numpy.ndarray, shape (rows,)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=1) / np.sqrt(
            (a * a).sum(axis=1) * (b * b).sum(axis=1)
        )


def map_statistics(
    model: PlayingTechniqueConvNet,
    inputs: torch.Tensor,
    maps: dict,
    n_s1: int,
) -> dict:
    """Per-clip statistics of each map of ``maps`` for one network, and of
    its input.

    Each map explains every clip's predicted class (one-hot seed, as
    published) and is averaged over time.

    Parameters
    ----------
    model : xaiaudio.models.convnet.PlayingTechniqueConvNet
        The network; not modified.
    inputs : torch.Tensor, shape (clips, paths, frames)
        The test clips' normalised features.
    maps : dict
        Name -> :class:`RelevanceMap`.
    n_s1 : int
        Number of first-order paths (they come first).

    Returns
    -------
    dict
        ``"input kurtosis"``, the kurtosis of :func:`input_magnitude` per
        clip, and for each map name ``"<name>/kurtosis"`` (signed map),
        ``"<name>/abs kurtosis"``, ``"<name>/positive S2"`` (share of S2
        paths with positive relevance) and ``"<name>/input correlation"``
        (of the map's magnitude with the input magnitude); each an array of
        shape (clips,).
    """
    model = model.eval()
    unmerged = unmerged_copy(model)
    magnitude = input_magnitude(model, inputs)
    out = {"input kurtosis": kurtosis_per_example(magnitude)}
    for name, spec in maps.items():
        relevance = lrp.lrp(
            model if spec.merged else unmerged, inputs, spec.composite()
        )
        relevance = relevance.mean(-1).cpu().numpy()
        out[f"{name}/kurtosis"] = kurtosis_per_example(relevance)
        out[f"{name}/abs kurtosis"] = kurtosis_per_example(
            np.abs(relevance)
        )
        out[f"{name}/positive S2"] = (relevance[:, n_s1:] > 0).mean(axis=1)
        out[f"{name}/input correlation"] = row_correlation(
            np.abs(relevance), magnitude
        )
    return out


def maps_for(state: str, variants=VARIANTS) -> dict:
    """The maps of :data:`MAPS` that the ``variants`` measured on ``state``
    need.

    Used by :func:`seed_statistics`.

    Parameters
    ----------
    state : str
        One of :data:`STATES`.
    variants : sequence of Variant
        The variants.

    Returns
    -------
    dict
        Name -> :class:`RelevanceMap`, in the order of :data:`MAPS`.
    """
    needed = {
        name
        for v in variants
        if state in v.states
        for name in (v.composite, v.baseline)
    }
    return {name: spec for name, spec in MAPS.items() if name in needed}


def network(run: TechniqueSeed, state: str) -> PlayingTechniqueConvNet:
    """The S1+S2 convnet of one training seed, trained or at its
    initialisation, on the CPU.

    The untrained network is built exactly as training starts it
    (``torch.manual_seed(seed)`` then the constructor), so the two states
    differ only by training. Used by :func:`seed_statistics`.

    Parameters
    ----------
    run : xaiaudio.experiments.claims.TechniqueSeed
        The seed's artefacts.
    state : str
        ``"trained"`` or ``"untrained"``.

    Returns
    -------
    xaiaudio.models.convnet.PlayingTechniqueConvNet
        In eval mode.

    Raises
    ------
    ValueError
        If ``state`` is not one of :data:`STATES`.
    """
    if state == "trained":
        return run.convnet("S1+S2").model.cpu().eval()
    if state == "untrained":
        # leave the caller's random state alone
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(run.config.seed)
            return PlayingTechniqueConvNet(
                run.features.n_paths("S1+S2")
            ).eval()
    raise ValueError(f"state must be one of {STATES}, not {state!r}")


def seed_statistics(
    config: RunConfig, seed: int, state: str, variants=VARIANTS
) -> dict:
    """:func:`map_statistics` of one seed's network in one state on the
    test clips, cached.

    The key holds the state, the maps, the network's weights, the test
    features and the source of this module (and of what it imports). Used
    by :func:`measure_drivers`.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset, device and data seed.
    seed : int
        The training seed.
    state : str
        One of :data:`STATES`.
    variants : sequence of Variant
        The variants whose maps are needed (:func:`maps_for`).

    Returns
    -------
    dict
        As :func:`map_statistics`.
    """
    run = TechniqueSeed(config, seed)
    model = network(run, state)
    inputs, _ = run.features.subset("test")
    maps = maps_for(state, variants)
    weights = {
        name: value.numpy() for name, value in model.state_dict().items()
    }
    key = cache.content_key(
        "kurtosis-drivers",
        state,
        list(maps),
        weights,
        inputs,
    )
    return cache.cached_arrays(
        "kurtosis-drivers",
        key,
        lambda: map_statistics(
            model.to(config.device),
            torch.as_tensor(inputs, device=config.device),
            maps,
            run.features.paths.n_s1,
        ),
    )


def variant_effect(statistics: dict, variant: Variant) -> float:
    """Mean over clips of the variant's kurtosis minus its baseline's (NaN
    clips left out).

    One seed's effect, summarised over seeds by
    :func:`drivers_from_statistics`.

    Parameters
    ----------
    statistics : dict
        :func:`map_statistics` of one network.
    variant : Variant
        The comparison.

    Returns
    -------
    float
        Positive when the variant's maps are peakier.
    """
    measure = "abs kurtosis" if variant.absolute else "kurtosis"
    difference = (
        statistics[f"{variant.composite}/{measure}"]
        - statistics[f"{variant.baseline}/{measure}"]
    )
    return float(np.nanmean(difference))


@dataclass
class KurtosisDrivers:
    """What :func:`measure_drivers` returns.

    Parameters
    ----------
    rows : list of dict
        One per variant and state, in the format of the scorecard's rows
        (so that :func:`xaiaudio.report.claim_reports.plot_claims` draws
        them): ``id`` (the variant's name), ``variant`` (the state),
        ``factor``, ``metric``, ``paper_value`` (None), the
        :class:`~xaiaudio.experiments.seeds.SeedSummary` fields, the
        compared kurtosis itself, ``kurtosis`` of the variant's map and
        ``baseline_kurtosis`` of its LRP-eps, and the diagnostics
        ``positive_s2`` and ``baseline_positive_s2`` (share of S2 paths
        with positive relevance, %) and ``input_correlation`` (of the
        variant's map magnitude with the input's), each averaged over clips
        and seeds.
    clips : pandas.DataFrame
        One row per test clip, seed and state: ``seed``, ``state``, ``eps``
        and ``published`` (kurtosis of the two published maps) and
        ``input`` (kurtosis of the input magnitude).
    """

    rows: list
    clips: pd.DataFrame


def drivers_from_statistics(
    statistics: dict, variants=VARIANTS
) -> KurtosisDrivers:
    """Summarise per-network statistics over seeds: one row per variant and
    state, and the clips.

    Each row's verdict comes from
    :func:`xaiaudio.experiments.seeds.seed_summary`, as the scorecard's do.
    Used by :func:`measure_drivers`.

    Parameters
    ----------
    statistics : dict
        ``(seed, state)`` -> the :func:`map_statistics` of that network
        (every state of every variant present).
    variants : sequence of Variant
        The variants to summarise.

    Returns
    -------
    KurtosisDrivers
    """
    seeds = sorted({seed for seed, _ in statistics})
    rows = []
    for state in STATES:
        for variant in (v for v in variants if state in v.states):
            per_network = [statistics[seed, state] for seed in seeds]
            summary = seed_summary(
                [variant_effect(s, variant) for s in per_network]
            )
            composite, baseline = variant.composite, variant.baseline
            measure = "abs kurtosis" if variant.absolute else "kurtosis"
            rows.append(
                {
                    "id": variant.name,
                    "variant": state,
                    "factor": variant.factor,
                    "metric": METRIC,
                    "paper_value": None,
                    **summary.as_dict(),
                    "kurtosis": _mean_of(
                        per_network, f"{composite}/{measure}"
                    ),
                    "baseline_kurtosis": _mean_of(
                        per_network, f"{baseline}/{measure}"
                    ),
                    "positive_s2": 100
                    * _mean_of(per_network, f"{composite}/positive S2"),
                    "baseline_positive_s2": 100
                    * _mean_of(per_network, f"{baseline}/positive S2"),
                    "input_correlation": _mean_of(
                        per_network, f"{composite}/input correlation"
                    ),
                }
            )
    clips = pd.concat(
        [
            pd.DataFrame(
                {
                    "seed": seed,
                    "state": state,
                    "eps": s["eps/kurtosis"],
                    "published": s["published/kurtosis"],
                    "input": s["input kurtosis"],
                }
            )
            for (seed, state), s in sorted(statistics.items())
        ],
        ignore_index=True,
    )
    return KurtosisDrivers(rows, clips)


def _mean_of(per_network: list, key: str) -> float:
    return float(np.nanmean(np.concatenate([s[key] for s in per_network])))


def measure_drivers(
    config: RunConfig, n_seeds: int | None = None, variants=VARIANTS
) -> KurtosisDrivers:
    """Every variant's effect over training seeds ``0 .. n_seeds - 1``,
    trained and untrained.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset, device and data seed (the corpus and split of the chapter).
    n_seeds : int, optional
        Training seeds; default :data:`DRIVER_SEEDS` of the preset.
    variants : sequence of Variant
        The variants (default :data:`VARIANTS`).

    Returns
    -------
    KurtosisDrivers
    """
    n_seeds = (
        settings_for(DRIVER_SEEDS, config)
        if n_seeds is None
        else int(n_seeds)
    )
    statistics = {
        (seed, state): seed_statistics(config, seed, state, variants)
        for seed in range(n_seeds)
        for state in STATES
        if any(state in v.states for v in variants)
    }
    return drivers_from_statistics(statistics, variants)


def input_link(clips: pd.DataFrame) -> dict:
    """Does the input's peakedness decide whether LRP-[eps, z+] is peakier
    than LRP-eps, clip by clip?

    Parameters
    ----------
    clips : pandas.DataFrame
        The ``clips`` of :class:`KurtosisDrivers`.

    Returns
    -------
    dict
        ``n_clips`` (with finite values), ``spearman`` (rank correlation of
        the published map's kurtosis with the input's), ``agreement``
        (share of clips where "published peakier than eps" and "input
        peakier than eps" are both true or both false) and
        ``published_peakier`` (share of clips where the published map is
        peakier than LRP-eps).
    """
    finite = clips[["eps", "published", "input"]].notna().all(axis=1)
    clips = clips[finite]
    published_peakier = clips["published"] > clips["eps"]
    input_peakier = clips["input"] > clips["eps"]
    rho = (
        scipy.stats.spearmanr(clips["published"], clips["input"])[0]
        if len(clips) > 2
        else float("nan")
    )
    return {
        "n_clips": int(len(clips)),
        "spearman": float(rho),
        "agreement": float((published_peakier == input_peakier).mean())
        if len(clips)
        else float("nan"),
        "published_peakier": float(published_peakier.mean())
        if len(clips)
        else float("nan"),
    }
