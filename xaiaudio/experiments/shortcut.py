"""A shortcut and its fix: the convnet trained where each technique is
played by one instrument.

A playing-technique collection put together from a few players is easily
confounded: the vibrato clips come from the violinist, the flatterzunge
from the flautist. SOL itself is unbalanced this way (flatterzunge is a
technique of winds and brass, bisbigliando is played on few instruments),
and a network can then learn the instrument, whose timbre is easier to hear
than a modulation, instead of the technique.

:func:`shortcut_splits` makes such a collection out of the
playing-technique dataset: for each technique, one instrument (its most
frequent one not already given to another technique) plays all of the
*confounded* training clips; a *balanced* training set draws as many clips
of each technique from every instrument. Both are tested on held-out clips
of the same instrument-technique pairs (``"test"``) and on held-out clips
of the other instruments (``"shifted"``). :func:`shortcut_run` trains both
convnets for one seed and measures what the lesson needs:

* the accuracy on the confounded test minus that on the shifted test (a
  shortcut scores well on the first and badly on the second);
* two signs of a shortcut in the LRP relevance (the published composite)
  of the shifted clips: its share on first-order paths (the spectral
  envelope, where an instrument's timbre lives, with no modulation), and
  the share of its positive part near the clip's own modulation rate
  (:func:`rate_share`).

:func:`shortcut_over_seeds` summarises each measure over seeds
(:func:`xaiaudio.experiments.seeds.seed_summary`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import spearmanr

from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.data.tables import SolDataset
from xaiaudio.experiments import relevance
from xaiaudio.experiments.datasets import load_pmt_dataset
from xaiaudio.experiments.seeds import seed_summary
from xaiaudio.experiments.technique_convnets import (
    score_on_test,
    technique_features,
    trained_convnet,
)
from xaiaudio.experiments.two_explanations import other_note
from xaiaudio.training.classifier import evaluate_classifier

#: The two training sets.
TRAININGS = ("confounded", "balanced")
#: The explanation whose first-order share is measured.
SHORTCUT_METHOD = "LRP-[eps, z+] published"
#: Seeds per preset.
SHORTCUT_SEEDS = {"smoke": 2, "book": 3, "paper": 5}


def shortcut_instruments(table) -> dict[str, str]:
    """For each technique, the instrument that plays its confounded
    training clips: the one with the most training clips of it among those
    not yet given to another technique.

    Techniques with the fewest instruments choose first, so that each gets
    an instrument of its own where the data allow (then the instrument
    alone tells the technique apart); ties go to the first name in
    alphabetical order. A technique whose instruments are all taken shares
    its most frequent one.

    Parameters
    ----------
    table : pandas.DataFrame
        The dataset's table: ``technique``, ``instrument``, ``split``.

    Returns
    -------
    dict
        Technique -> instrument, in the table's order of techniques.

    Raises
    ------
    ValueError
        When a technique has no training clip.
    """
    train = table[table["split"] == "train"]
    counts = train.groupby(["technique", "instrument"]).size()
    techniques = list(dict.fromkeys(table["technique"]))
    for technique in techniques:
        if technique not in counts.index.get_level_values(0):
            raise ValueError(
                f"no training clip of {technique!r}: cannot confound it"
            )
    taken, chosen = set(), {}
    for technique in sorted(techniques, key=lambda t: len(counts[t])):
        per_instrument = counts[technique]
        free = per_instrument[~per_instrument.index.isin(list(taken))]
        pool = free if len(free) else per_instrument
        ranked = sorted(pool.items(), key=lambda item: (-item[1], item[0]))
        chosen[technique] = ranked[0][0]
        taken.add(ranked[0][0])
    return {technique: chosen[technique] for technique in techniques}


def shortcut_splits(
    dataset: SolDataset, seed: int
) -> dict[str, SolDataset]:
    """The confounded and the balanced datasets (same clips, new splits).

    Parameters
    ----------
    dataset : xaiaudio.data.tables.SolDataset
        The playing-technique dataset, whose ``split`` is kept as the
        source of every row's role.
    seed : int
        Draws the balanced training clips.

    Returns
    -------
    dict
        ``"confounded"`` and ``"balanced"`` -> a copy of ``dataset`` whose
        ``split`` is ``"train"`` / ``"val"`` (confounded: the chosen pairs'
        rows only; balanced: as many training rows per technique, drawn
        from every instrument, and every validation row), ``"test"`` (the
        chosen pairs' test rows), ``"shifted"`` (the other instruments'
        test rows) or ``"unused"``.

    Raises
    ------
    ValueError
        When a technique has no training clip, or no technique has a test
        clip of another instrument (nothing to test the shortcut on).
    """
    table = dataset.table
    chosen = shortcut_instruments(table)
    original = table["split"].to_numpy()
    pair = (
        table["instrument"].to_numpy()
        == table["technique"].map(chosen).to_numpy()
    )
    tested = np.where(
        original == "test", np.where(pair, "test", "shifted"), "unused"
    )
    if not np.any(tested == "shifted"):
        raise ValueError(
            "every test clip is played by its technique's chosen "
            "instrument: no clip of another instrument to test the "
            "shortcut on"
        )
    confounded = np.where(pair & (original != "test"), original, tested)
    rng = np.random.default_rng(seed)
    balanced = np.where(original == "val", "val", tested)
    for technique in chosen:
        of_technique = table["technique"].to_numpy() == technique
        n_train = int(np.sum(of_technique & pair & (original == "train")))
        pool = np.flatnonzero(of_technique & (original == "train"))
        balanced[rng.choice(pool, size=n_train, replace=False)] = "train"
    return {
        name: dataclasses.replace(
            dataset, table=table.assign(split=split.astype(object))
        )
        for name, split in (
            ("confounded", confounded),
            ("balanced", balanced),
        )
    }


def first_order_share(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per clip, the share of absolute relevance on first-order paths.

    Parameters
    ----------
    values : numpy.ndarray
        ``(clips, paths)`` relevance.
    order : numpy.ndarray
        ``(paths,)`` scattering order of each path (1 or 2).

    Returns
    -------
    numpy.ndarray
        ``(clips,)`` fractions in [0, 1]; NaN for a clip without relevance.
    """
    magnitude = np.abs(np.asarray(values, dtype=float))
    total = magnitude.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            total > 0, magnitude[:, order == 1].sum(1) / total, np.nan
        )


def rate_share(
    values: np.ndarray, paths, rates: np.ndarray, octaves: float = 1.0
) -> np.ndarray:
    """Per clip, the share of positive relevance on second-order paths
    whose modulation frequency lies within ``octaves`` of the clip's own
    modulation rate: evidence taken from the technique itself.

    Parameters
    ----------
    values : numpy.ndarray
        ``(clips, paths)`` relevance.
    paths : xaiaudio.features.scattering.ScatteringPaths
        The paths' order and modulation frequency ``lambda2``.
    rates : numpy.ndarray
        ``(clips,)`` ground-truth modulation rate, Hz (NaN when unknown).
    octaves : float, default 1.0
        Half-width of the window around the rate.

    Returns
    -------
    numpy.ndarray
        ``(clips,)`` fractions in [0, 1]; NaN for a clip without a known
        rate or without positive relevance.
    """
    positive = np.clip(np.asarray(values, dtype=float), 0.0, None)
    rates = np.asarray(rates, dtype=float)
    second = paths.order == 2
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.abs(np.log2(paths.lambda2[None, :] / rates[:, None]))
        near = second[None, :] & (distance <= octaves)
        total = positive.sum(1)
        share = (positive * near).sum(1) / total
    return np.where(np.isfinite(rates) & (total > 0), share, np.nan)


def map_similarity(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per clip, Spearman's rank correlation between two networks'
    relevance maps of that clip (rows of ``first`` and ``second``,
    ``(clips, paths)``); NaN where a map is constant."""
    out = np.full(len(first), np.nan)
    for i, (a, b) in enumerate(zip(first, second)):
        if np.ptp(a) > 0 and np.ptp(b) > 0:
            out[i] = spearmanr(a, b).statistic
    return out


def shortcut_run(
    config: RunConfig, dataset: SolDataset | None = None, progress=False
) -> dict:
    """Both convnets of one seed (``config.seed``) and their measures.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset, device and seed (the seed draws the balanced training set
        and initialises training).
    dataset : xaiaudio.data.tables.SolDataset, optional
        The playing-technique dataset (default
        :func:`~xaiaudio.experiments.datasets.load_pmt_dataset`).
    progress : bool, default False
        Progress bars while training.

    Returns
    -------
    dict
        Per training (``"confounded"``, ``"balanced"``): ``features`` and
        ``trained`` (from
        :func:`~xaiaudio.experiments.technique_convnets.technique_features`
        and
        :func:`~xaiaudio.experiments.technique_convnets.trained_convnet`),
        ``accuracy`` (``"test"`` and ``"shifted"`` macro accuracy,
        percent), ``first_order_share`` and ``rate_share`` (per shifted
        clip).
    """
    dataset = dataset or load_pmt_dataset(config)
    out = {}
    for name, split_dataset in shortcut_splits(
        dataset, config.seed
    ).items():
        features = technique_features(
            config, split_dataset, progress=False
        )
        trained = trained_convnet(config, features, "S1+S2", progress)
        shifted_x, shifted_y = features.subset("shifted")
        accuracy = {
            "test": 100
            * score_on_test(config, features, trained).macro_accuracy,
            "shifted": 100
            * evaluate_classifier(
                trained.model, shifted_x, shifted_y, config.device
            ).macro_accuracy,
        }
        maps = relevance.clip_relevance(
            config, features, trained, SHORTCUT_METHOD, split="shifted"
        )
        out[name] = {
            "features": features,
            "trained": trained,
            "accuracy": accuracy,
            "first_order_share": first_order_share(
                maps["relevance"], features.paths.order
            ),
            "rate_share": rate_share(
                maps["relevance"],
                features.paths,
                split_dataset.table.loc[
                    features.rows("shifted"), "rate_hz"
                ].to_numpy(dtype=float),
            ),
            "relevance": maps,
        }
    return out


def shortcut_over_seeds(config: RunConfig, progress=False) -> dict:
    """:func:`shortcut_run` for the preset's seeds
    (:data:`SHORTCUT_SEEDS`), each measure summarised.

    Returns
    -------
    dict
        ``"seeds"``; ``"gap_confounded"`` and ``"gap_balanced"``: per seed,
        test minus shifted accuracy (points); ``"shifted_gain"``: balanced
        minus confounded accuracy on the shifted clips (points);
        ``"share_gain"``: confounded minus balanced mean first-order share
        on the shifted clips (points of percent); ``"rate_gain"``: balanced
        minus confounded mean share of positive relevance near the clip's
        modulation rate (:func:`rate_share`, points of percent);
        ``"same_clip_rho"``: the mean rank correlation of the two networks'
        maps of the same shifted clip (:func:`map_similarity`), and
        ``"clip_over_network"``: that minus the correlation of the
        confounded network's map of a clip with the balanced network's map
        of another clip; each with its
        :class:`~xaiaudio.experiments.seeds.SeedSummary` under
        ``"<name>_summary"``.
    """
    dataset = load_pmt_dataset(config)
    seeds = list(range(settings_for(SHORTCUT_SEEDS, config)))
    rows = []
    for seed in seeds:
        run = shortcut_run(
            dataclasses.replace(config, seed=seed), dataset, progress
        )
        c, b = run["confounded"], run["balanced"]
        maps_c = c["relevance"]["relevance"]
        maps_b = b["relevance"]["relevance"]
        partner = other_note(len(maps_c), seed)
        same = map_similarity(maps_c, maps_b)
        other = map_similarity(maps_c, maps_b[partner])
        rows.append(
            {
                "gap_confounded": c["accuracy"]["test"]
                - c["accuracy"]["shifted"],
                "gap_balanced": b["accuracy"]["test"]
                - b["accuracy"]["shifted"],
                "shifted_gain": b["accuracy"]["shifted"]
                - c["accuracy"]["shifted"],
                "share_gain": 100
                * (
                    np.nanmean(c["first_order_share"])
                    - np.nanmean(b["first_order_share"])
                ),
                "rate_gain": 100
                * (
                    np.nanmean(b["rate_share"])
                    - np.nanmean(c["rate_share"])
                ),
                "same_clip_rho": float(np.nanmean(same)),
                "clip_over_network": float(
                    np.nanmean(same) - np.nanmean(other)
                ),
            }
        )
    out = {"seeds": seeds}
    for name in rows[0]:
        values = [row[name] for row in rows]
        out[name] = values
        out[f"{name}_summary"] = seed_summary(values)
    return out
