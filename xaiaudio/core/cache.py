"""Content-addressed on-disk cache for generated audio, features and trained models.

Every entry is a directory ``<root>/<namespace>/<key>/`` holding payload files and
a ``MANIFEST.json`` with each file's size and SHA-256.  An entry is built in a
temporary directory and renamed into place, so a reader never sees a half-written
entry; a lock file serialises builders of the same key across processes (two
chapters executing at once); an entry whose files no longer match the manifest
(truncated, edited, half-deleted) is rebuilt.

The root is ``$XAIAUDIO_CACHE`` or ``~/.cache/xaiaudio``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import inspect
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import torch
from filelock import FileLock

CACHE_ENV = "XAIAUDIO_CACHE"
MANIFEST = "MANIFEST.json"


def cache_root() -> Path:
    """The cache directory (created if missing)."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "xaiaudio")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _feed(digest, part) -> None:
    """Add one key part to ``digest`` with a type tag so ``1`` and ``"1"`` differ."""
    if isinstance(part, bytes):
        digest.update(b"b%d:" % len(part) + part)
    elif isinstance(part, str):
        _feed(digest, b"s" + part.encode())
    elif isinstance(part, (bool, int, float, type(None))):
        _feed(digest, b"n" + repr(part).encode())
    elif isinstance(part, Path):
        _feed(digest, b"p" + file_sha256(part).encode())
    elif isinstance(part, np.ndarray):
        array = np.ascontiguousarray(part)
        _feed(digest, f"a{array.dtype.str}{array.shape}".encode() + array.tobytes())
    elif isinstance(part, dict):
        digest.update(b"d")
        for name in sorted(part):
            _feed(digest, str(name))
            _feed(digest, part[name])
    elif isinstance(part, (list, tuple)):
        digest.update(b"l%d:" % len(part))
        for item in part:
            _feed(digest, item)
    elif hasattr(part, "__dataclass_fields__"):
        _feed(digest, {name: getattr(part, name) for name in part.__dataclass_fields__})
    else:
        raise TypeError(f"cannot hash a cache-key part of type {type(part).__name__}")


def content_key(*parts) -> str:
    """Hex SHA-256 of ``parts``: strings, numbers, arrays, dicts, lists, dataclasses,
    and :class:`~pathlib.Path` objects (hashed by file *content*, not name)."""
    digest = hashlib.sha256()
    _feed(digest, list(parts))
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(directory: Path) -> None:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {str(p.relative_to(directory)): [p.stat().st_size, file_sha256(p)] for p in files}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=0))


def entry_is_valid(directory: Path) -> bool:
    """True when ``directory`` holds a manifest and every listed file matches it."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        for name, (size, sha) in manifest.items():
            path = directory / name
            if path.stat().st_size != size or file_sha256(path) != sha:
                return False
        return True
    except (OSError, ValueError, TypeError):
        return False


def _package_imports(module: ModuleType) -> set[str]:
    """Names of the ``xaiaudio`` modules that ``module``'s source imports (``from xaiaudio.x import y``
    counts ``xaiaudio.x.y`` when that is a module, else ``xaiaudio.x``)."""
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("xaiaudio."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xaiaudio"):
            is_package = hasattr(importlib.import_module(node.module), "__path__")
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if is_package and importlib.util.find_spec(candidate) else node.module)
    return {name for name in names if name != "xaiaudio"}


@functools.cache
def _closure(name: str) -> tuple[str, ...]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(_package_imports(importlib.import_module(current)))
    return tuple(sorted(seen))


def source_fingerprint(*modules: ModuleType) -> list:
    """What a cached result's code is: the name and source of each module and of every
    ``xaiaudio`` module it imports, directly or not.

    A key part built from module *objects*, not file names: editing, renaming or moving any
    module the result depends on changes the key, and no list of files can go stale.

    Parameters
    ----------
    modules : module
        The modules whose functions compute the result.

    Returns
    -------
    list of (str, str)
        ``(module name, source)`` pairs, sorted by name; pass it to :func:`content_key`.
    """
    names = sorted({name for module in modules for name in _closure(module.__name__)})
    return [(name, inspect.getsource(importlib.import_module(name))) for name in names]


def cached_entry(namespace: str, key: str, produce: Callable[[Path], None]) -> Path:
    """Return the directory of entry ``namespace/key``, building it with ``produce`` if needed.

    ``produce(directory)`` writes the payload files into an empty temporary
    directory.  A missing or corrupt entry is (re)built under a lock.
    """
    base = cache_root() / namespace
    final = base / key
    if entry_is_valid(final):
        return final
    base.mkdir(parents=True, exist_ok=True)
    with FileLock(base / f".{key}.lock"):
        if entry_is_valid(final):  # another process built it while we waited
            return final
        if final.exists():
            shutil.rmtree(final)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=base))
        try:
            produce(staging)
            _write_manifest(staging)
            os.replace(staging, final)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return final


def cached_arrays(namespace: str, key: str, compute: Callable[[], dict]) -> dict:
    """Cache a dict of NumPy arrays computed by ``compute()`` (stored as ``arrays.npz``)."""

    def produce(directory: Path) -> None:
        arrays = compute()
        np.savez(directory / "arrays.npz", **arrays)

    entry = cached_entry(namespace, key, produce)
    with np.load(entry / "arrays.npz", allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def cached_state_dict(namespace: str, key: str, compute: Callable[[], dict]) -> dict:
    """Cache a torch state dict (or any dict of tensors and plain values).

    Loaded back with ``torch.load(..., weights_only=True)``, so a cache entry can
    never execute code.
    """

    def produce(directory: Path) -> None:
        buffer = io.BytesIO()
        torch.save(compute(), buffer)
        (directory / "state.pt").write_bytes(buffer.getvalue())

    entry = cached_entry(namespace, key, produce)
    return torch.load(entry / "state.pt", weights_only=True, map_location="cpu")


def cached_json(namespace: str, key: str, compute: Callable[[], object]) -> object:
    """Cache a JSON-serialisable value (metrics, histories, tables)."""

    def produce(directory: Path) -> None:
        (directory / "value.json").write_text(json.dumps(compute()))

    return json.loads((cached_entry(namespace, key, produce) / "value.json").read_text())
