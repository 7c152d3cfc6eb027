"""Compatibility shims for two third-party import problems.

Two libraries the book depends on fail to import on some machines:

* ``zennit`` imports ``torchvision`` at import time (only for its ResNet
  canonizers). The ``torchvision`` wheels on PyPI load only next to a CUDA
  build of torch; next to the CPU build they raise ``RuntimeError: operator
  torchvision::nms does not exist``. :func:`import_zennit` tries the real
  ``torchvision`` first and, only when that import fails, registers a
  minimal stand-in module so that ``zennit`` imports. The book never uses
  torchvision models, so the stand-in only needs the two ResNet block
  classes zennit names.
* ``kymatio.torch`` imports kymatio's 3-D scattering, which uses
  ``scipy.special.sph_harm`` (removed in SciPy 1.15). The generic entry
  point ``kymatio.Scattering1D(..., frontend="torch")`` avoids that import;
  :func:`scattering1d` wraps it.

Importing ``xaiaudio`` installs the zennit shim as an import hook
(:func:`install_zennit_hook`), so notebooks can simply ``import zennit``
afterwards, and importing ``xaiaudio`` alone does not import torch (the
command line's ``--help`` answers at once).
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import types

#: True when the real torchvision could not be imported and the stand-in is
#: in use.
TORCHVISION_STUBBED = False


def _torchvision_stand_in() -> types.ModuleType:
    """Build a module tree ``torchvision.models.resnet`` with
    placeholder blocks."""
    torchvision = types.ModuleType("torchvision")
    models = types.ModuleType("torchvision.models")
    resnet = types.ModuleType("torchvision.models.resnet")

    # never instantiated: no model in the book is a ResNet
    class BasicBlock:
        """Placeholder for ``torchvision.models.resnet.BasicBlock``."""

    class Bottleneck:
        """Placeholder for ``torchvision.models.resnet.Bottleneck``."""

    resnet.BasicBlock = BasicBlock
    resnet.Bottleneck = Bottleneck
    models.resnet = resnet
    torchvision.models = models
    torchvision.__xaiaudio_stand_in__ = True
    return torchvision


def ensure_torchvision_importable() -> bool:
    """Make ``import torchvision.models.resnet`` succeed, with a stand-in
    if the real one fails.

    Tries the real ``torchvision`` first; when that import raises
    (``ImportError``, or the ``RuntimeError`` of a CUDA-only wheel next to
    a CPU torch), removes any half-imported ``torchvision`` modules from
    ``sys.modules`` and registers the stand-in module tree. Idempotent.
    Called when ``xaiaudio`` is imported.

    Returns
    -------
    bool
        True when the stand-in is in use (also recorded in
        :data:`TORCHVISION_STUBBED`), False when the real ``torchvision``
        imported.
    """
    global TORCHVISION_STUBBED
    if TORCHVISION_STUBBED:
        return True
    try:
        importlib.import_module("torchvision.models.resnet")
        return False
    # ImportError, or RuntimeError from a CUDA-only wheel
    except Exception:
        for name in [
            m
            for m in sys.modules
            if m == "torchvision" or m.startswith("torchvision.")
        ]:
            del sys.modules[name]
        stand_in = _torchvision_stand_in()
        sys.modules["torchvision"] = stand_in
        sys.modules["torchvision.models"] = stand_in.models
        sys.modules["torchvision.models.resnet"] = stand_in.models.resnet
        TORCHVISION_STUBBED = True
        return True


class _ZennitHook(importlib.abc.MetaPathFinder):
    """Runs :func:`ensure_torchvision_importable` just before ``zennit``
    is first imported, then lets the normal import proceed."""

    def find_spec(self, name, path=None, target=None):
        if name == "zennit":
            ensure_torchvision_importable()
        return None


def install_zennit_hook() -> None:
    """Make a later ``import zennit`` work whatever torchvision does,
    without importing torch now. Idempotent; called when ``xaiaudio`` is
    imported."""
    if not any(isinstance(f, _ZennitHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _ZennitHook())


def import_zennit() -> types.ModuleType:
    """Import and return ``zennit``, working around a torchvision that
    cannot load.

    Used by :mod:`xaiaudio.explain.composites`.

    Returns
    -------
    module
        The ``zennit`` package.

    Raises
    ------
    ImportError
        When ``zennit`` itself is not installed.
    """
    ensure_torchvision_importable()
    return importlib.import_module("zennit")


def scattering1d(**kwargs):
    """Build kymatio's torch 1-D scattering without importing
    ``kymatio.torch``.

    Used by :func:`xaiaudio.features.scattering.scattering_module`.

    Parameters
    ----------
    kwargs
        Keyword arguments of ``kymatio.Scattering1D``: ``J`` (number of
        octaves), ``shape`` (signal length in samples), ``Q`` (wavelets per
        octave, one per order), ``T`` (averaging scale in samples), ...

    Returns
    -------
    torch.nn.Module
        kymatio's ``Scattering1D`` with the torch frontend, on the CPU: its
        input is a ``(batch, shape)`` tensor, its output ``(batch, paths,
        shape / T)``.
    """
    from kymatio import Scattering1D

    return Scattering1D(frontend="torch", **kwargs)
