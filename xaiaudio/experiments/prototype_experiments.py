"""The prototype chapters' experiments: every run, score and reconstruction
a chapter shows for one dataset.

:func:`run_prototype_experiments` trains (or loads from the cache)
supervised and unsupervised prototypes and both baselines and scores them
on the test split; :func:`ablation_rows` arranges the curriculum stages as
the paper's Table 1 (whether its claims hold is measured over seeds by
:mod:`xaiaudio.experiments.claims`). The figures' data come from
:func:`transformation_examples` (each transformation on one frame),
:func:`stage_reconstructions` (the form of Fig. 5),
:func:`first_clip_of_each_class` and :func:`cross_reconstructions` (the
form of Fig. 6), and :func:`prototype_audio` plays a prototype.
"""

from __future__ import annotations

import numpy as np
import torch

from xaiaudio.core.presets import RunConfig
from xaiaudio.core.threads import torch_threads
from xaiaudio.features.melspec import MelSettings, mel_centres, to_audio
from xaiaudio.features.spectrograms import SpectrogramSet
from xaiaudio.models.prototype_model import (
    TRANSFORMS,
    PrototypeModel,
    apply_transformations,
    identity_parameters,
    reconstruction_error,
)
from xaiaudio.training.baseline_training import (
    autoencoder_kmeans,
    train_direct_classifier,
)
from xaiaudio.training.prototype_curriculum import (
    LREC_SCALE,
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


def ablation_rows(
    supervised_run: TrainedPrototypes, unsupervised_run: TrainedPrototypes
) -> list:
    """Table 1 of the paper: validation OA / AA / L_rec after each
    curriculum stage.

    Supervised rows raw..filters are the supervised run before its
    temperature stage; "+ cross-entropy" is its final model. Unsupervised
    rows are the clustering run's stages (its "+ filters" row is its final
    model, after lr decay).
    """
    sup = {row["stage"]: row for row in supervised_run.history}
    unsup = {row["stage"]: row for row in unsupervised_run.history}
    rows = []
    for stage, label in TABLE1_ROWS.items():
        row = {"model": label}
        source_u = (
            unsup.get("lr_decay" if stage == "filters" else stage)
            if stage != "lr_decay"
            else None
        )
        for prefix, source in (
            ("unsup", source_u),
            ("sup", sup.get(stage)),
        ):
            for metric in ("OA", "AA", "L_rec"):
                row[f"{prefix}_{metric}"] = (
                    None if source is None else source[f"val_{metric}"]
                )
        rows.append(row)
    return rows


def run_prototype_experiments(
    data: SpectrogramSet, config: RunConfig, progress: bool = True
) -> dict:
    """Everything a chapter tabulates for one dataset (every training run
    cached).

    Parameters
    ----------
    data : SpectrogramSet
        Log-mels with labels and splits
        (:func:`xaiaudio.experiments.datasets.instrument_set` or
        :func:`~xaiaudio.experiments.datasets.voice_set`).
    config : RunConfig
        Preset, device and seed.
    progress : bool
        Show tqdm bars while training.

    Returns
    -------
    dict
        ``supervised`` and ``unsupervised``
        (:class:`~xaiaudio.training.prototype_curriculum.TrainedPrototypes`),
        ``table1`` (:func:`ablation_rows`), ``test_supervised``,
        ``test_supervised_no_ce`` and ``test_unsupervised`` (OA, AA,
        L_rec), ``direct`` and ``autoencoder`` (the baselines).
    """
    device = config.device
    supervised = train_prototypes(
        data, config, "supervised", True, progress
    )
    unsupervised = train_prototypes(
        data, config, "unsupervised", False, progress
    )
    with torch_threads(training_settings(config)["threads"]):
        test_sup = evaluate_prototypes(
            supervised.model, data, "test", True, device=device
        )
        without_ce = supervised.model_at("filters").to(device)
        test_sup_noce = evaluate_prototypes(
            without_ce, data, "test", True, device=device
        )
        test_unsup = evaluate_prototypes(
            unsupervised.model, data, "test", False, device=device
        )
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


# -------------------------------------------------------------------------
# figures
#: The curriculum stages whose reconstructions the form of Fig. 5 shows, in
#: order.
FIG5_STAGES = ("raw", "gain", "pitch", "filters")


def transformation_examples(
    frame, settings: MelSettings, n_frames: int = 64
) -> dict:
    """Each transformation alone, with hand-set parameters that sweep over
    time, applied to one frame.

    Every example starts from
    :func:`~xaiaudio.models.prototype_model.identity_parameters` and
    changes one transformation along a ramp from -1 to 1 over the frames:
    the pitch scale from 1/1.5 to 1.5, the gain from -0.5 to 0.5 and each
    shelf's gain from -0.25 to 0.25 (their largest values).

    Parameters
    ----------
    frame : array_like
        One prototype frame, ``(n_mels,)`` values of a normalised log-mel.
    settings : MelSettings
        The mel front end of the frame (its band centres place the pitch
        transformation).
    n_frames : int
        Length of the sweep in frames.

    Returns
    -------
    dict
        Title of each example -> its transformed frame over time,
        ``(n_mels, n_frames)`` like a log-mel.
    """
    frame = torch.as_tensor(np.asarray(frame), dtype=torch.float32)
    centres = torch.tensor(mel_centres(settings), dtype=torch.float32)
    ramp = torch.linspace(-1, 1, n_frames).view(1, 1, n_frames)
    changes = {
        "pitch: s from 1/1.5 to 1.5": {"scale": 1.5**ramp},
        "gain: -0.5 to +0.5": {"gain": 0.5 * ramp},
        "low shelf: gain -0.25 to +0.25": {"low_gain": 0.25 * ramp},
        "high shelf: gain -0.25 to +0.25": {"high_gain": 0.25 * ramp},
    }
    identity = identity_parameters(1, 1, n_frames)
    out = {}
    for title, change in changes.items():
        transformed = apply_transformations(
            frame.view(1, 1, -1),
            {**identity, **change},
            centres,
            TRANSFORMS,
        )
        out[title] = transformed[0, 0].T.numpy()
    return out


def _device_of(model: torch.nn.Module):
    return next(model.parameters()).device


@torch.no_grad()
def stage_reconstructions(
    run: TrainedPrototypes, features, label: int, stages=FIG5_STAGES
) -> dict:
    """One clip reconstructed by its class's prototype as the curriculum
    adds transformations (Fig. 5).

    Parameters
    ----------
    run : xaiaudio.training.prototype_curriculum.TrainedPrototypes
        A supervised run; its ``model_at(stage)`` gives the model at the
        end of each stage.
    features : array_like
        The clip's normalised log-mel, ``(n_mels, frames)``.
    label : int
        The prototype that reconstructs it (the clip's class).
    stages : sequence of str
        Curriculum stages, in the order shown.

    Returns
    -------
    dict
        Stage -> ``(reconstruction, L_rec)``: the reconstruction ``(n_mels,
        frames)`` and its reconstruction error x
        :data:`~xaiaudio.training.prototype_curriculum.LREC_SCALE`.
    """
    out = {}
    for stage in stages:
        model = run.model_at(stage)
        device = _device_of(model)
        x = torch.as_tensor(np.asarray(features), device=device)[None]
        reconstruction = model(
            x, classes=torch.tensor([label], device=device)
        )[0, 0]
        error = LREC_SCALE * float(
            reconstruction_error(x, reconstruction[None, None])
        )
        out[stage] = (reconstruction.T.cpu().numpy(), error)
    return out


def first_clip_of_each_class(
    data: SpectrogramSet, classes, split: str | None = "test"
) -> dict:
    """The first clip of ``split`` of each class in ``classes``; classes
    without one are left out.

    The rows of Fig. 6 (:func:`cross_reconstructions`).

    Parameters
    ----------
    data : SpectrogramSet
        Clips with labels and splits.
    classes : iterable of int
        The classes wanted, in the order wanted.
    split : str or None
        ``"train"``, ``"val"`` or ``"test"``; ``None`` searches every clip.

    Returns
    -------
    dict
        Class -> index of its first clip (in ``data``'s order), in the
        order of ``classes``.
    """
    candidates = (
        np.arange(len(data.labels))
        if split is None
        else data.indices(split)
    )
    found = {}
    for k in classes:
        rows = candidates[data.labels[candidates] == k]
        if len(rows):
            found[int(k)] = int(rows[0])
    return found


@torch.no_grad()
def cross_reconstructions(
    model: PrototypeModel, data: SpectrogramSet, examples, prototypes
) -> dict:
    """Every clip of ``examples`` reconstructed by every prototype of
    ``prototypes`` (the form of Fig. 6).

    The diagonal compares a clip with its own class's prototype when
    ``examples[r]`` belongs to class ``prototypes[r]`` (see
    :func:`first_clip_of_each_class`).

    Parameters
    ----------
    model : PrototypeModel
        The model whose prototypes reconstruct (the paper uses the one
        without cross-entropy).
    data : SpectrogramSet
        The clips.
    examples : sequence of int
        Indices of the clips, one row each.
    prototypes : sequence of int
        The prototypes, one column each.

    Returns
    -------
    dict
        ``errors`` ``(rows, columns)``, L_rec x
        :data:`~xaiaudio.training.prototype_curriculum.LREC_SCALE`;
        ``reconstructions``, per row an array ``(columns, n_mels, frames)``
        (clips may differ in length); ``best``, the column of each row's
        lowest error; ``own_wins``, the number of rows whose lowest error
        is their own class's prototype.
    """
    model.eval()
    device = _device_of(model)
    columns = list(prototypes)
    errors = np.zeros((len(examples), len(columns)), dtype=np.float32)
    reconstructions = []
    for r, i in enumerate(examples):
        x = torch.from_numpy(np.asarray(data.features[i])).to(device)[None]
        outputs = model(x)[0]
        errors[r] = (
            LREC_SCALE
            * reconstruction_error(x, outputs[None])[0]
            .cpu()
            .numpy()[columns]
        )
        reconstructions.append(
            outputs[columns].transpose(1, 2).cpu().numpy()
        )
    best = errors.argmin(axis=1)
    own = np.array(
        [columns[b] == data.labels[i] for b, i in zip(best, examples)],
        dtype=bool,
    )
    return {
        "errors": errors,
        "reconstructions": reconstructions,
        "best": best,
        "own_wins": int(own.sum()),
    }


def prototype_audio(
    model: PrototypeModel, k: int, settings: MelSettings
) -> np.ndarray:
    """Prototype ``k`` played as sound: its frame repeated over 2 s and
    inverted to audio.

    Parameters
    ----------
    model : PrototypeModel
        A prototype model.
    k : int
        Which prototype.
    settings : MelSettings
        The mel front end the model was trained on.

    Returns
    -------
    numpy.ndarray
        Audio at ``settings.sample_rate``
        (:func:`xaiaudio.features.melspec.to_audio`).
    """
    return to_audio(model.prototypes[k].detach().cpu().numpy(), settings)
