"""Scattering features of a whole dataset, computed in batches and streamed
to the cache.

:func:`extract_dataset_features` returns a read-only memory map ``(rows,
paths, frames)`` in the dataset table's row order. The first call scatters
the clips batch by batch (on ``config.device``) and writes each batch
straight into a ``.npy`` file inside a
:func:`xaiaudio.core.cache.cached_entry` directory, so memory does not grow
with the dataset; later calls only re-hash the audio files and map the
stored array.

The cache key holds the scattering spec (preset rate, clip length, J, Q, T,
carrier threshold), the ordered list of file names, every file's content,
and the source of this module and of everything it imports (the cache
reads it off the producing function,
:func:`xaiaudio.core.cache.code_fingerprint`). It
does not hold the clip loader, the device or the batch size: a custom
``load`` that changes the audio must not share a cache with the default
one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from xaiaudio.core import cache
from xaiaudio.core.presets import get_preset, settings_for
from xaiaudio.data.audio import load_clip
from xaiaudio.features.scattering import (
    ScatteringSpec,
    scatter_torch,
    scattering_paths,
    scattering_spec,
)

#: Clips per batch for each preset (bounded by memory of the scattering
#: intermediates).
BATCH_SIZES = {"smoke": 16, "book": 16, "paper": 4}

#: Name of the features array inside a cache entry.
FEATURES_FILE = "features.npy"
#: Cache namespace of the features
#: (:func:`xaiaudio.core.cache.cached_entry`).
NAMESPACE = "scattering-features"


def features_key(paths: Sequence, preset) -> str:
    """Cache key of the features of ``paths``: spec + ordered names + file
    contents + code.

    Every file is read and hashed, so the key changes when any file's audio
    does. File *names* (not folders) enter the key in order. Used by
    :func:`extract_features`.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The audio files, in feature-row order.
    preset : str, Preset, ScatteringSpec or None
        See :func:`xaiaudio.features.scattering.scattering_spec`.

    Returns
    -------
    str
        Hex SHA-256 (:func:`xaiaudio.core.cache.content_key`).

    Raises
    ------
    OSError
        When a file cannot be read.
    """
    spec = scattering_spec(preset)
    files = [Path(p) for p in paths]
    return cache.content_key(
        "scattering-features",
        spec,
        [p.name for p in files],
        files,
    )


def _default_loader(preset) -> Callable:
    if isinstance(preset, ScatteringSpec):
        raise ValueError(
            "a ScatteringSpec does not say how long a clip is: pass "
            "load=... "
            "(or a preset name, whose clip length the default loader uses)"
        )
    preset = get_preset(preset)
    return lambda path: load_clip(path, preset)


def extract_features(
    paths: Sequence,
    preset,
    device=None,
    load: Callable | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Scattering features of every file in ``paths`` (in order), cached
    and memory-mapped.

    ``load(path) -> float32 (clip_samples,)`` reads one clip (default:
    :func:`xaiaudio.data.audio.load_clip` for the preset). Batches are read
    in a background thread while the previous batch is scattered on
    ``device``. Returns a read-only ``np.memmap`` of shape ``(len(paths),
    paths, frames)``. The cache key (:func:`features_key`) does not include
    ``load``, ``device`` or ``batch_size``: the first call's features are
    returned for every later call with the same files and preset. Used by
    :func:`extract_dataset_features` and the benchmarks.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The audio files, in feature-row order.
    preset : str, Preset or ScatteringSpec
        See :func:`xaiaudio.features.scattering.scattering_spec`. With a
        :class:`~xaiaudio.features.scattering.ScatteringSpec`, ``load``
        must be given (the default loader needs a preset).
    device : str or torch.device, optional
        Where to scatter (default the CPU).
    load : callable, optional
        Reads one path into a float32 ``(clip_samples,)`` array.
    batch_size : int, optional
        Clips per batch; default the preset's :data:`BATCH_SIZES` entry (8
        for a spec).
    progress : bool
        Show a progress bar while computing.

    Returns
    -------
    numpy.memmap
        float32, read-only, shape ``(len(paths), paths of the spec,
        spec.n_frames)``: raw (not normalised) coefficients, S1 paths
        first.

    Raises
    ------
    xaiaudio.data.audio.AudioError
        When the default loader cannot read a file (nothing is cached).
    ValueError
        For an unknown preset name.
    """

    spec = scattering_spec(preset)
    n_paths = len(scattering_paths(spec))
    paths = [Path(p) for p in paths]
    load = load or _default_loader(preset)
    device = torch.device(device or "cpu")
    if batch_size is None:
        batch_size = (
            8
            if isinstance(preset, ScatteringSpec)
            else settings_for(BATCH_SIZES, preset)
        )

    def produce(directory: Path) -> None:
        out = np.lib.format.open_memmap(
            directory / FEATURES_FILE,
            mode="w+",
            dtype=np.float32,
            shape=(len(paths), n_paths, spec.n_frames),
        )
        starts = list(range(0, len(paths), batch_size))

        def read(start: int) -> np.ndarray:
            return np.stack(
                [
                    np.asarray(load(p), dtype=np.float32)
                    for p in paths[start : start + batch_size]
                ]
            )

        bar = tqdm(
            total=len(paths),
            desc="scattering",
            unit="clip",
            disable=not progress,
        )
        with ThreadPoolExecutor(max_workers=1) as reader:
            pending = reader.submit(read, starts[0]) if starts else None
            for i, start in enumerate(starts):
                batch = pending.result()
                if i + 1 < len(starts):
                    pending = reader.submit(read, starts[i + 1])
                features = scatter_torch(
                    torch.from_numpy(batch), spec, device
                )
                out[start : start + len(batch)] = features.cpu().numpy()
                bar.update(len(batch))
        bar.close()
        out.flush()
        del out
        (directory / "files.txt").write_text(
            "\n".join(str(p) for p in paths) + "\n"
        )

    entry = cache.cached_entry(
        NAMESPACE, features_key(paths, spec), produce
    )
    return np.load(entry / FEATURES_FILE, mmap_mode="r")


def extract_dataset_features(
    dataset, config, batch_size: int | None = None, progress: bool = True
) -> np.ndarray:
    """Features ``(rows, paths, frames)`` of every row of
    ``dataset.table``, in row order.

    ``dataset`` is what
    :func:`xaiaudio.experiments.datasets.load_pmt_dataset` returns;
    ``config`` the chapter's :class:`~xaiaudio.core.presets.RunConfig`
    (preset and device). Used by
    :func:`xaiaudio.experiments.technique_convnets.technique_features`.

    Parameters
    ----------
    dataset : SolDataset
        Its ``table["path"]`` gives the files; its
        :meth:`~xaiaudio.data.tables.SolDataset.load_audio` reads them.
    config : RunConfig
        Preset and device.
    batch_size : int, optional
        Clips per batch (default the preset's).
    progress : bool
        Show a progress bar while computing.

    Returns
    -------
    numpy.memmap
        float32, read-only, ``(len(dataset.table), paths, frames)``, raw
        coefficients.

    Raises
    ------
    xaiaudio.data.audio.AudioError
        When a file has become unreadable since the dataset was scanned.
    """
    paths = list(dataset.table["path"])
    row = {str(Path(p)): i for i, p in enumerate(paths)}

    def load(path: Path) -> np.ndarray:
        return dataset.load_audio(row[str(path)])

    return extract_features(
        paths,
        config.preset,
        device=config.device,
        load=load,
        batch_size=batch_size,
        progress=progress,
    )


def extract_features_per_file(
    paths: Sequence, preset, device=None, load: Callable | None = None
) -> np.ndarray:
    """Baseline without batching or cache: read and scatter one file at a
    time (benchmarks only).

    ``benchmarks/bench_scattering.py`` compares it with
    :func:`extract_features`.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The audio files.
    preset : str or Preset
        See :func:`xaiaudio.features.scattering.scattering_spec`; a
        :class:`~xaiaudio.features.scattering.ScatteringSpec` needs
        ``load``.
    device : str or torch.device, optional
        Where to scatter (default the CPU).
    load : callable, optional
        Reads one path into a float32 ``(clip_samples,)`` array (default
        :func:`xaiaudio.data.audio.load_clip`).

    Returns
    -------
    numpy.ndarray
        float32, in memory, ``(len(paths), paths, frames)``.
    """

    spec = scattering_spec(preset)
    load = load or _default_loader(preset)
    out = []
    for path in paths:
        x = torch.from_numpy(np.asarray(load(path), dtype=np.float32))[
            None
        ]
        out.append(
            scatter_torch(x, spec, device or "cpu").cpu().numpy()[0]
        )
    return np.stack(out)
