"""Run presets and the settings every chapter's ``parameters`` cell resolves.

Three presets trade fidelity for time:

* ``smoke``: seconds per chapter on 2 CPU cores; used by the tests and CI.
* ``book``: the published book on 2 CPU cores (the whole book in about 20 minutes).
* ``paper``: exactly the papers' settings (44.1 kHz, 2**18 samples, full corpus
  sizes); meant for a GPU server.

Only settings shared by several chapters live here (audio rate and clip
length).  Each concept module keeps its own per-preset table (for example
``xaiaudio.synth.corpus.CORPUS_SIZES``), a dict keyed by the names of
:data:`PRESET_NAMES`, and reads it with :func:`settings_for`, the one lookup.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np
import torch

#: The preset names, cheapest first.
PRESET_NAMES = ("smoke", "book", "paper")

#: Environment variable read when a chapter's ``preset`` parameter is ``None``.
PRESET_ENV = "XAIAUDIO_PRESET"


@dataclass(frozen=True)
class Preset:
    """Settings shared by all chapters for one preset."""

    name: str
    sample_rate: int
    clip_samples: int
    description: str

    @property
    def clip_seconds(self) -> float:
        return self.clip_samples / self.sample_rate


#: The :class:`Preset` of each name.
PRESETS = {
    "smoke": Preset("smoke", 22050, 2**15, "tiny corpus and models: every chapter in seconds (CI)"),
    "book": Preset("book", 22050, 2**16, "the published book on 2 CPU cores"),
    "paper": Preset("paper", 44100, 2**18, "the papers' exact settings (GPU server)"),
}


def get_preset(name: str | Preset | None = None) -> Preset:
    """Return the :class:`Preset` called ``name``.

    ``None`` reads ``$XAIAUDIO_PRESET`` and falls back to ``"book"``, so the
    published book and a reader's fresh kernel run the book preset while CI can
    switch every chapter at once.
    """
    if isinstance(name, Preset):
        return name
    if name is None:
        name = os.environ.get(PRESET_ENV) or "book"
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")
    return PRESETS[name]


def resolve_device(device: str | None = None):
    """Return a ``torch.device``: CUDA when present unless ``device`` names one."""

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a chapter gives the same numbers twice."""

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class RunConfig:
    """What a chapter's ``parameters`` cell resolves to."""

    preset: Preset
    device: object
    data_dir: str | None
    seed: int


def setup(preset: str | None = None, device: str | None = None,
          data_dir: str | None = None, seed: int = 0) -> RunConfig:
    """Resolve a chapter's parameters: preset, device, data folder, seed (and seed RNGs)."""
    config = RunConfig(get_preset(preset), resolve_device(device), data_dir, int(seed))
    seed_everything(config.seed)
    return config


def settings_for(table: dict, preset):
    """The entry of a per-preset settings ``table`` for ``preset``: the one settings lookup.

    Parameters
    ----------
    table : dict
        A per-preset table keyed by preset name (``"smoke"``, ``"book"``, ``"paper"``).
    preset : str, Preset or RunConfig
        The preset, by name, as a :class:`Preset`, or the :class:`RunConfig` a chapter made.

    Returns
    -------
    object
        ``table[name]``; a ``KeyError`` that names the table's presets when it has no entry.
    """
    if isinstance(preset, RunConfig):
        preset = preset.preset
    name = get_preset(preset).name
    if name not in table:
        raise KeyError(f"no settings for preset {name!r}; this table has {', '.join(table)}")
    return table[name]
