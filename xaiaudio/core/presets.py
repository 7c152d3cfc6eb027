"""Run presets and the settings every chapter's ``parameters`` cell
resolves.

Three presets trade fidelity for time:

* ``smoke``: seconds per chapter on 2 CPU cores; used by the tests and CI.
* ``book``: the published book on 2 CPU cores (the whole book in about 20
  minutes).
* ``paper``: exactly the papers' settings (44.1 kHz, 2**18 samples, full
  corpus sizes); meant for a GPU server.

Only settings shared by several chapters live here (audio rate and clip
length). Each concept module keeps its own per-preset table (for example
:data:`xaiaudio.synth.corpus.CORPUS_SIZES`), a dict keyed by the names of
:data:`PRESET_NAMES`, and reads it with :func:`settings_for`, the one
lookup.

Every chapter's first code cell calls :func:`setup` with the chapter's
``parameters`` (preset, device, data folder, seed).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np
import torch

#: The preset names, cheapest first.
PRESET_NAMES = ("smoke", "book", "paper")

#: Environment variable read when a chapter's ``preset`` parameter is
#: ``None``.
PRESET_ENV = "XAIAUDIO_PRESET"


@dataclass(frozen=True)
class Preset:
    """Settings shared by all chapters for one preset.

    Used by every chapter, through :func:`setup` (``config.preset``).

    Attributes
    ----------
    name : str
        ``"smoke"``, ``"book"`` or ``"paper"``.
    sample_rate : int
        Audio sample rate of the SOL-layout corpus, Hz (22 050 or 44 100).
    clip_samples : int
        Length of every model input clip, in samples (a power of two).
    description : str
        One line for a reader: what the preset is for.
    """

    name: str
    sample_rate: int
    clip_samples: int
    description: str

    @property
    def clip_seconds(self) -> float:
        """Length of a clip in seconds (``clip_samples / sample_rate``)."""
        return self.clip_samples / self.sample_rate


#: The :class:`Preset` of each name.
PRESETS = {
    "smoke": Preset(
        "smoke",
        22050,
        2**15,
        "tiny corpus and models: every chapter in seconds (CI)",
    ),
    "book": Preset(
        "book", 22050, 2**16, "the published book on 2 CPU cores"
    ),
    "paper": Preset(
        "paper",
        44100,
        2**18,
        "the papers' settings and sizes (GPU server)",
    ),
}


def get_preset(name: str | Preset | None = None) -> Preset:
    """Return the :class:`Preset` called ``name``.

    ``None`` reads ``$XAIAUDIO_PRESET`` and falls back to ``"book"``, so
    the published book and a reader's fresh kernel run the book preset
    while CI can switch every chapter at once. Called by :func:`setup`
    (every chapter) and by every function that accepts a preset by name.

    Parameters
    ----------
    name : str, Preset or None
        A preset name from :data:`PRESET_NAMES`, a :class:`Preset`
        (returned unchanged), or ``None``.

    Returns
    -------
    Preset

    Raises
    ------
    ValueError
        For a name (or ``$XAIAUDIO_PRESET`` value) that is not one of
        :data:`PRESET_NAMES`.
    """
    if isinstance(name, Preset):
        return name
    if name is None:
        name = os.environ.get(PRESET_ENV) or "book"
    if name not in PRESETS:
        raise ValueError(
            f"unknown preset {name!r}; choose one of "
            f"{', '.join(PRESET_NAMES)}"
        )
    return PRESETS[name]


def resolve_device(device: str | None = None):
    """Return the ``torch.device`` a chapter computes on.

    Called by :func:`setup` (every chapter).

    Parameters
    ----------
    device : str or None
        A torch device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``...);
        ``None`` picks CUDA when it is available, else the CPU.

    Returns
    -------
    torch.device

    Raises
    ------
    RuntimeError
        When torch does not recognise ``device`` as a device name.
    ValueError
        When ``device`` is a CUDA or MPS device this machine does not have
        (caught here, not inside the first model that moves to it).
    """

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    resolved = torch.device(device)
    if resolved.type == "cuda":
        count = (
            torch.cuda.device_count() if torch.cuda.is_available() else 0
        )
        if (resolved.index or 0) >= count:
            raise ValueError(
                f"device {device!r}: torch {torch.__version__} sees "
                f"{count} CUDA device(s) here (CUDA build: "
                f"{torch.version.cuda or 'none'}); use 'cpu', or None to "
                "pick CUDA only when it is available"
            )
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device {device!r}: torch {torch.__version__} has no MPS "
            "device here; use 'cpu', or None"
        )
    return resolved


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's global and torch's random generators so a
    chapter gives the same numbers twice.

    ``torch.manual_seed`` also seeds every CUDA device. Functions that draw
    with their own :class:`numpy.random.Generator` (the corpus, the splits)
    do not depend on it. Called by :func:`setup` (every chapter).

    Parameters
    ----------
    seed : int
        The seed.
    """

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_cuda_deterministic() -> None:
    """Make CUDA computations repeat exactly and keep float32 precision,
    as on the CPU: deterministic cuDNN and cuBLAS, no TF32.

    By default a GPU trains with non-deterministic kernels (two runs of a
    seed can differ in the last bits, then in the predictions) and
    convolves in TF32 (a 10-bit mantissa), far below the float32
    precision that the chapters' LRP checks assume. The cost may be a
    slower training step; the book's models are small.
    ``CUBLAS_WORKSPACE_CONFIG`` only takes effect before cuBLAS starts:
    call this first (:func:`setup` does). Ops without a deterministic CUDA
    kernel warn instead of failing.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.use_deterministic_algorithms(True, warn_only=True)


#: The embedded corpora a chapter can train and explain on when it is given
#: no ``data_dir``: ``"recorded"``, notes played from the recorded samples
#: of a General MIDI soundfont with programmed gestures
#: (:mod:`xaiaudio.synth.recorded_corpus`), and ``"synthetic"``, the
#: additive synthesiser's idealised techniques
#: (:mod:`xaiaudio.synth.corpus`). Both hold the same notes with the same
#: ground truth.
CORPORA = ("recorded", "synthetic")


def check_corpus(corpus: str) -> str:
    """``corpus`` if it names one of :data:`CORPORA`; else a
    :class:`ValueError` that lists them."""
    if corpus not in CORPORA:
        raise ValueError(
            f"unknown corpus {corpus!r}: choose one of "
            f"{', '.join(repr(name) for name in CORPORA)}"
        )
    return corpus


@dataclass(frozen=True)
class RunConfig:
    """What a chapter's ``parameters`` cell resolves to (made by
    :func:`setup`).

    Functions of both halves of the book take it as their ``config``
    argument.

    Attributes
    ----------
    preset : Preset
        Sample rate and clip length; per-preset tables are read with
        :func:`settings_for`.
    device : torch.device
        Where models and scattering run.
    data_dir : str or None
        A reader's SOL (or LibriSpeech) folder, or ``None`` for the
        embedded data (the ``corpus`` one).
    seed : int
        Seed of the corpus, the splits and the training runs.
    strict : bool
        How the loaders treat data they cannot use: raise (True) or skip
        it, warn and report it (False). LibriSpeech: unreadable files
        (``corpus.skipped``). SOL layout: a ``metadata.csv`` that disagrees
        with the audio files (``dataset.metadata_mismatches``); files the
        SOL scan cannot use are skipped and listed in ``dataset.skipped``
        either way.
    corpus : str
        The embedded corpus of the SOL-layout tasks (one of
        :data:`CORPORA`) when ``data_dir`` is ``None``; a ``data_dir``
        replaces it.
    """

    preset: Preset
    device: object
    data_dir: str | None
    seed: int
    strict: bool = True
    corpus: str = "synthetic"


def setup(
    preset: str | None = None,
    device: str | None = None,
    data_dir: str | None = None,
    seed: int = 0,
    *,
    strict: bool = True,
    corpus: str = "synthetic",
) -> RunConfig:
    """Resolve a chapter's parameters: preset, device, data folder, seed
    (and seed RNGs), strictness of the loaders.

    Called in the first code cell of every chapter that runs code.

    Parameters
    ----------
    preset : str or None
        Preset name (see :func:`get_preset`); ``None`` reads
        ``$XAIAUDIO_PRESET``, else ``"book"``.
    device : str or None
        Torch device name (see :func:`resolve_device`); ``None``: CUDA when
        available.
    data_dir : str or None
        A SOL or LibriSpeech folder, or ``None`` for the embedded synthetic
        data.
    seed : int
        Seeds Python, NumPy and torch now (:func:`seed_everything`) and is
        kept for the corpus, split and training seeds. On CUDA, the
        kernels are made deterministic too
        (:func:`make_cuda_deterministic`).
    strict : bool
        Loaders raise on data they cannot use (True) or skip, warn and
        report it (False); see :class:`RunConfig`.
    corpus : str
        ``"recorded"`` or ``"synthetic"`` (:data:`CORPORA`): the embedded
        corpus of the playing-technique and instrument tasks when
        ``data_dir`` is ``None``.

    Returns
    -------
    RunConfig

    Raises
    ------
    ValueError
        For an unknown preset or corpus name.
    RuntimeError
        For a device name torch does not recognise.
    """
    config = RunConfig(
        get_preset(preset),
        resolve_device(device),
        data_dir,
        int(seed),
        bool(strict),
        check_corpus(corpus),
    )
    if config.device.type == "cuda":
        make_cuda_deterministic()
    seed_everything(config.seed)
    return config


def settings_for(table: dict, preset):
    """The entry of a per-preset settings ``table`` for ``preset``: the one
    settings lookup.

    Every module with a per-preset table (corpus sizes, scattering
    settings, batch sizes...) reads it through this function.

    Parameters
    ----------
    table : dict
        A per-preset table keyed by preset name (``"smoke"``, ``"book"``,
        ``"paper"``).
    preset : str, Preset, RunConfig or None
        The preset, by name, as a :class:`Preset`, or the
        :class:`RunConfig` a chapter made; ``None`` as in
        :func:`get_preset`.

    Returns
    -------
    object
        ``table[name]``, not copied.

    Raises
    ------
    KeyError
        When ``table`` has no entry for the preset (the message names the
        presets it has).
    ValueError
        For an unknown preset name.
    """
    if isinstance(preset, RunConfig):
        preset = preset.preset
    name = get_preset(preset).name
    if name not in table:
        raise KeyError(
            f"no settings for preset {name!r}; this table has "
            f"{', '.join(table)}"
        )
    return table[name]
