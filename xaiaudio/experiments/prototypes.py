"""The prototype chapters' experiments: every run and score a chapter tabulates for one dataset.

:func:`run_prototype_experiments` trains (or loads from the cache) supervised and
unsupervised prototypes and both baselines and scores them on the test split;
:func:`ablation_rows` arranges the curriculum stages as the paper's Table 1 and
:func:`trend_summary` says which of its trends hold.  Chapters "Playable prototypes" and
"Playable prototypes: voices".
"""

from __future__ import annotations

from xaiaudio.core.presets import RunConfig
from xaiaudio.core.threads import torch_threads
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.training.baselines import autoencoder_kmeans, train_direct_classifier
from xaiaudio.training.prototypes import (
    TrainedPrototypes,
    evaluate_prototypes,
    train_prototypes,
    training_settings,
)

TABLE1_ROWS = {
    "raw": "Raw prototypes",
    "gain": "+ gain",
    "pitch": "+ pitch",
    "filters": "+ filters",
    "lr_decay": "+ cross-entropy",
}


def ablation_rows(supervised_run: TrainedPrototypes, unsupervised_run: TrainedPrototypes) -> list:
    """Table 1 of the paper: validation OA / AA / L_rec after each curriculum stage.

    Supervised rows raw..filters are the supervised run before its temperature
    stage; "+ cross-entropy" is its final model.  Unsupervised rows are the
    clustering run's stages (its "+ filters" row is its final model, after lr decay).
    """
    sup = {row["stage"]: row for row in supervised_run.history}
    unsup = {row["stage"]: row for row in unsupervised_run.history}
    rows = []
    for stage, label in TABLE1_ROWS.items():
        row = {"model": label}
        source_u = unsup.get("lr_decay" if stage == "filters" else stage) if stage != "lr_decay" else None
        for prefix, source in (("unsup", source_u), ("sup", sup.get(stage))):
            for metric in ("OA", "AA", "L_rec"):
                row[f"{prefix}_{metric}"] = None if source is None else source[f"val_{metric}"]
        rows.append(row)
    return rows


def run_prototype_experiments(data: SpectrogramSet, config: RunConfig, progress: bool = True) -> dict:
    """Everything a chapter tabulates for one dataset (every training run cached).

    Parameters
    ----------
    data : SpectrogramSet
        Log-mels with labels and splits (:func:`xaiaudio.experiments.datasets.instrument_set`
        or :func:`~xaiaudio.experiments.datasets.voice_set`).
    config : RunConfig
        Preset, device and seed.
    progress : bool
        Show tqdm bars while training.

    Returns
    -------
    dict
        ``supervised`` and ``unsupervised`` (:class:`~xaiaudio.training.prototypes.TrainedPrototypes`),
        ``table1`` (:func:`ablation_rows`), ``test_supervised``, ``test_supervised_no_ce`` and
        ``test_unsupervised`` (OA, AA, L_rec), ``direct`` and ``autoencoder`` (the baselines).
    """
    device = config.device
    supervised = train_prototypes(data, config, "supervised", True, progress)
    unsupervised = train_prototypes(data, config, "unsupervised", False, progress)
    with torch_threads(training_settings(config)["threads"]):
        test_sup = evaluate_prototypes(supervised.model, data, "test", True, device=device)
        without_ce = supervised.model_at("filters").to(device)
        test_sup_noce = evaluate_prototypes(without_ce, data, "test", True, device=device)
        test_unsup = evaluate_prototypes(unsupervised.model, data, "test", False, device=device)
    return {
        "supervised": supervised,
        "unsupervised": unsupervised,
        "table1": ablation_rows(supervised, unsupervised),
        "test_supervised": test_sup,
        "test_supervised_no_ce": test_sup_noce,
        "test_unsupervised": test_unsup,
        "direct": train_direct_classifier(data, config, progress),
        "autoencoder": autoencoder_kmeans(data, config, progress),
    }


def trend_summary(table1: list) -> dict:
    """Which of the paper's Table 1 trends hold: L_rec falls with each transformation (supervised and
    unsupervised), cross-entropy raises supervised OA, and costs some L_rec.  Returns booleans."""
    sup = [row["sup_L_rec"] for row in table1[:4]]
    unsup = [row["unsup_L_rec"] for row in table1[:4]]
    return {
        "sup_lrec_falls": all(b < a for a, b in zip(sup, sup[1:])),
        "unsup_lrec_falls": all(b < a for a, b in zip(unsup, unsup[1:])),
        "ce_raises_oa": table1[4]["sup_OA"] > table1[3]["sup_OA"],
        "ce_costs_lrec": table1[4]["sup_L_rec"] > table1[3]["sup_L_rec"],
        "transforms_raise_sup_oa": table1[3]["sup_OA"] > table1[0]["sup_OA"],
    }
