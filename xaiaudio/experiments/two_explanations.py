"""Two ways to explain one decision about a note, band by band.

* **After the fact:** LRP (the published composite, zennit's
  ``EpsilonPlus``) on the direct CNN of
  :func:`xaiaudio.training.baseline_training.fit_direct_classifier`, summed
  over time: how much each mel band supports the class the CNN predicts
  (:func:`cnn_band_relevance`).
* **By design:** the playable-prototype model decides by reconstruction
  error, so its own account of a decision is which bands the winning
  prototype fits better than the runner-up's
  (:func:`prototype_band_evidence`).

:func:`band_agreement` puts both on every note of a split: whether the two
models call the note the same, and how alike their two band profiles are
(Spearman's rank correlation), against the same correlation between a
note's CNN profile and another note's prototype profile (what two
unrelated profiles share, e.g. a common emphasis on the loud low bands).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr, wilcoxon

from xaiaudio.explain.composites import epsilon_plus_composite, explain
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.baselines import DirectClassifier
from xaiaudio.models.prototype_model import PrototypeModel

#: Level of the paired test of :func:`band_agreement`.
AGREEMENT_ALPHA = 0.05


def cnn_band_relevance(
    model: DirectClassifier, features: np.ndarray
) -> tuple[int, np.ndarray]:
    """The CNN's predicted class for one note, and the LRP relevance of
    each mel band for it, summed over time.

    Parameters
    ----------
    model : xaiaudio.models.baselines.DirectClassifier
        A trained CNN on the CPU.
    features : numpy.ndarray
        The note's normalised log-mel, ``(n_mels, frames)``.

    Returns
    -------
    tuple
        ``(class, relevance)``: relevance ``(n_mels,)``, float64; its sum
        is the explained logit up to the share the rules absorb.
    """
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)[None]
    logits, relevance = explain(
        model, x, epsilon_plus_composite(), return_output=True
    )
    return int(logits.argmax()), relevance[0].sum(-1).double().numpy()


def prototype_band_evidence(
    model: PrototypeModel, features: np.ndarray
) -> tuple[int, int, np.ndarray]:
    """The prototype model's class for one note, its runner-up, and how
    much better the winner's reconstruction fits each mel band.

    Parameters
    ----------
    model : xaiaudio.models.prototype_model.PrototypeModel
        A trained supervised model on the CPU.
    features : numpy.ndarray
        The note's normalised log-mel, ``(n_mels, frames)``.

    Returns
    -------
    tuple
        ``(winner, runner_up, evidence)``: the prototypes with the lowest
        and second-lowest reconstruction errors, and per band the
        runner-up's squared error minus the winner's, averaged over frames,
        ``(n_mels,)`` (positive where the winner fits better; its mean over
        bands is the difference of the two reconstruction errors).
    """
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)[None]
    with torch.no_grad():
        reconstructions = model(x)[0]  # (K, frames, n_mels)
    per_band = ((reconstructions - x[0].T[None]) ** 2).mean(1)  # (K, F)
    order = torch.argsort(per_band.mean(1))
    winner, runner_up = int(order[0]), int(order[1])
    evidence = per_band[runner_up] - per_band[winner]
    return winner, runner_up, evidence.detach().double().numpy()


def other_note(n: int, seed: int) -> np.ndarray:
    """For each of ``n`` notes another note (never itself): the notes in a
    random cycle, each paired with the next (``n`` >= 2)."""
    if n < 2:
        raise ValueError(
            f"pairing notes with other notes needs 2, got {n}"
        )
    cycle = np.random.default_rng(seed).permutation(n)
    partner = np.empty(n, dtype=np.int64)
    partner[cycle] = np.roll(cycle, -1)
    return partner


def band_agreement(
    data: SpectrogramSet,
    cnn: DirectClassifier,
    prototypes: PrototypeModel,
    split: str = "test",
    seed: int = 0,
) -> dict:
    """Both explanations of every note of ``split``, and how far they
    agree.

    Parameters
    ----------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        The notes (log-mels of whole notes, labelled by instrument).
    cnn : xaiaudio.models.baselines.DirectClassifier
        The trained direct CNN, on the CPU.
    prototypes : xaiaudio.models.prototype_model.PrototypeModel
        The trained supervised prototype model, on the CPU.
    split : str, default "test"
        Which notes.
    seed : int, default 0
        Draws the other note each note's CNN profile is compared with.

    Returns
    -------
    dict
        ``indices`` (the notes), ``labels``, ``cnn_class``,
        ``prototype_class``, ``runner_up`` (each ``(notes,)``);
        ``relevance`` and ``evidence`` (``(notes, n_mels)``, the two band
        profiles); ``rho`` (per note, Spearman's correlation of its two
        profiles; NaN when one is constant) and ``rho_other`` (its CNN
        profile against another note's evidence); ``same_class`` and
        ``chance_same_class`` (percent of notes both models call the same,
        and what two independent guessers with these models' class
        frequencies would reach); ``median_gain`` (median of ``rho -
        rho_other``), ``p_value`` (Wilcoxon signed-rank test of ``rho >
        rho_other``) and ``agree`` (True when p < :data:`AGREEMENT_ALPHA`).

    Raises
    ------
    ValueError
        When ``split`` has fewer than two notes.
    """
    indices = data.indices(split)
    if len(indices) < 2:
        raise ValueError(
            f"the {split!r} split has {len(indices)} note(s); comparing "
            "explanations needs at least 2"
        )
    cnn_class, relevance, winners, runners, evidence = [], [], [], [], []
    for i in indices:
        k, r = cnn_band_relevance(cnn, data.features[i])
        w, u, e = prototype_band_evidence(prototypes, data.features[i])
        cnn_class.append(k)
        relevance.append(r)
        winners.append(w)
        runners.append(u)
        evidence.append(e)
    relevance, evidence = np.array(relevance), np.array(evidence)
    cnn_class, winners = np.array(cnn_class), np.array(winners)

    def rho(a, b):
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            return np.nan
        return float(spearmanr(a, b).statistic)

    partner = other_note(len(indices), seed)
    rho_same = np.array([rho(r, e) for r, e in zip(relevance, evidence)])
    rho_other = np.array(
        [
            rho(relevance[i], evidence[partner[i]])
            for i in range(len(indices))
        ]
    )
    kept = np.isfinite(rho_same) & np.isfinite(rho_other)
    gain = rho_same[kept] - rho_other[kept]
    p_value = (
        float(wilcoxon(gain, alternative="greater").pvalue)
        if np.any(gain != 0)
        else 1.0
    )
    n_classes = data.n_classes
    frequencies = [
        np.bincount(c, minlength=n_classes) / len(c)
        for c in (cnn_class, winners)
    ]
    return {
        "indices": indices,
        "labels": data.labels[indices],
        "cnn_class": cnn_class,
        "prototype_class": winners,
        "runner_up": np.array(runners),
        "relevance": relevance,
        "evidence": evidence,
        "rho": rho_same,
        "rho_other": rho_other,
        "same_class": float(100 * np.mean(cnn_class == winners)),
        "chance_same_class": float(
            100 * np.dot(frequencies[0], frequencies[1])
        ),
        "median_gain": float(np.median(gain)) if len(gain) else np.nan,
        "p_value": p_value,
        "agree": bool(p_value < AGREEMENT_ALPHA and np.median(gain) > 0),
    }
