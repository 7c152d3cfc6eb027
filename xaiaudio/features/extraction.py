"""Scattering features of a whole dataset, computed in batches and streamed to the cache.

:func:`extract_dataset_features` is what every chapter after *The scattering
transform* calls: it returns a read-only memory map ``(rows, paths, frames)`` in
the dataset table's row order.  The first call scatters the clips batch by batch
(on ``config.device``) and writes each batch straight into a ``.npy`` file inside a
:func:`xaiaudio.core.cache.cached_entry` directory, so memory does not grow with the
dataset; later calls only re-hash the audio files and map the stored array.

The cache key holds the scattering spec (preset rate, clip length, J, Q, T,
carrier threshold), the ordered file list, every file's content, the source of
the audio-reading and scattering modules (:func:`xaiaudio.core.cache.source_fingerprint`).
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
from xaiaudio.data import audio
from xaiaudio.data.audio import load_clip
from xaiaudio.features import scattering
from xaiaudio.features.scattering import ScatteringSpec, scatter_torch, scattering_paths, scattering_spec

#: Clips per batch for each preset (bounded by memory of the scattering intermediates).
BATCH_SIZES = {"smoke": 16, "book": 16, "paper": 4}

FEATURES_FILE = "features.npy"
NAMESPACE = "scattering-features"


def features_key(paths: Sequence, preset) -> str:
    """Cache key of the features of ``paths``: spec + ordered names + file contents + code."""
    spec = scattering_spec(preset)
    files = [Path(p) for p in paths]
    return cache.content_key("scattering-features", spec, [p.name for p in files], files,
                             cache.source_fingerprint(audio, scattering))


def _default_loader(preset) -> Callable:

    preset = get_preset(preset)
    return lambda path: load_clip(path, preset)


def extract_features(paths: Sequence, preset, device=None, load: Callable | None = None,
                     batch_size: int | None = None, progress: bool = True) -> np.ndarray:
    """Scattering features of every file in ``paths`` (in order), cached and memory-mapped.

    ``load(path) -> float32 (clip_samples,)`` reads one clip (default:
    :func:`xaiaudio.data.audio.load_clip` for the preset).  Batches are read in a
    background thread while the previous batch is scattered on ``device``.
    Returns a read-only ``np.memmap`` of shape ``(len(paths), paths, frames)``.
    """

    spec = scattering_spec(preset)
    n_paths = len(scattering_paths(spec))
    paths = [Path(p) for p in paths]
    load = load or _default_loader(preset)
    device = torch.device(device or "cpu")
    if batch_size is None:
        batch_size = 8 if isinstance(preset, ScatteringSpec) else settings_for(BATCH_SIZES, preset)

    def produce(directory: Path) -> None:
        out = np.lib.format.open_memmap(directory / FEATURES_FILE, mode="w+", dtype=np.float32,
                                        shape=(len(paths), n_paths, spec.n_frames))
        starts = list(range(0, len(paths), batch_size))

        def read(start: int) -> np.ndarray:
            return np.stack([np.asarray(load(p), dtype=np.float32) for p in paths[start:start + batch_size]])


        bar = tqdm(total=len(paths), desc="scattering", unit="clip", disable=not progress)
        with ThreadPoolExecutor(max_workers=1) as reader:
            pending = reader.submit(read, starts[0]) if starts else None
            for i, start in enumerate(starts):
                batch = pending.result()
                if i + 1 < len(starts):
                    pending = reader.submit(read, starts[i + 1])
                features = scatter_torch(torch.from_numpy(batch), spec, device)
                out[start:start + len(batch)] = features.cpu().numpy()
                bar.update(len(batch))
        bar.close()
        out.flush()
        del out
        (directory / "files.txt").write_text("\n".join(str(p) for p in paths) + "\n")

    entry = cache.cached_entry(NAMESPACE, features_key(paths, spec), produce)
    return np.load(entry / FEATURES_FILE, mmap_mode="r")


def extract_dataset_features(dataset, config, batch_size: int | None = None,
                             progress: bool = True) -> np.ndarray:
    """Features ``(rows, paths, frames)`` of every row of ``dataset.table``, in row order.

    ``dataset`` is what :func:`xaiaudio.experiments.datasets.load_pmt_dataset` returns; ``config`` the
    chapter's :class:`~xaiaudio.core.presets.RunConfig` (preset and device).  Used by the
    scattering, training and LRP chapters.
    """
    paths = list(dataset.table["path"])
    row = {str(Path(p)): i for i, p in enumerate(paths)}

    def load(path: Path) -> np.ndarray:
        return dataset.load_audio(row[str(path)])

    return extract_features(paths, config.preset, device=config.device, load=load,
                            batch_size=batch_size, progress=progress)


def extract_features_per_file(paths: Sequence, preset, device=None,
                              load: Callable | None = None) -> np.ndarray:
    """Baseline without batching or cache: read and scatter one file at a time (benchmarks only)."""

    spec = scattering_spec(preset)
    load = load or _default_loader(preset)
    out = []
    for path in paths:
        x = torch.from_numpy(np.asarray(load(path), dtype=np.float32))[None]
        out.append(scatter_torch(x, spec, device or "cpu").cpu().numpy()[0])
    return np.stack(out)
