"""Content-addressed on-disk cache for generated audio, features and
trained models.

Every entry is a directory ``<root>/<namespace>/<key>/`` holding payload
files and a ``MANIFEST.json`` with each file's size and SHA-256. An entry
is built in a temporary directory and renamed into place, so a reader never
sees a half-written entry; a lock file serialises builders of the same key
across processes (two chapters executing at once); an entry whose files no
longer match the manifest (truncated, edited, half-deleted) is rebuilt.

An entry's name is the hex SHA-256 of everything its result depends on
(:func:`content_key`) and of its code, which the cache reads off the
function that produces the result (:func:`code_fingerprint`: that
function's module and every ``xaiaudio`` module it imports). A changed
input or a changed module gives a new name, so no entry ever has to be
invalidated by hand and no call site can forget a module. Entries are
never deleted; removing the root folder is always safe (everything is
rebuilt on demand).

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

#: Environment variable that names the cache root.
CACHE_ENV = "XAIAUDIO_CACHE"
#: Name of the file, in every entry, that lists each payload file's size
#: and SHA-256.
MANIFEST = "MANIFEST.json"


def cache_root() -> Path:
    """The cache's root directory, created if missing.

    Returns
    -------
    pathlib.Path
        ``$XAIAUDIO_CACHE`` when that variable is set and not empty, else
        ``~/.cache/xaiaudio``.

    Raises
    ------
    OSError
        When the directory cannot be created.
    """
    root = Path(
        os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "xaiaudio"
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


def _feed(digest, part) -> None:
    """Add one key part to ``digest`` with a type tag so ``1`` and
    ``"1"`` differ."""
    if isinstance(part, bytes):
        digest.update(b"b%d:" % len(part) + part)
    elif isinstance(part, str):
        _feed(digest, b"s" + part.encode())
    # before float: np.float64 is a float
    elif isinstance(part, (np.bool_, np.integer, np.floating)):
        # a numpy scalar keys as its Python value
        _feed(digest, part.item())
    elif isinstance(part, (bool, int, float, type(None))):
        _feed(digest, b"n" + repr(part).encode())
    elif isinstance(part, Path):
        _feed(digest, b"p" + file_sha256(part).encode())
    elif isinstance(part, np.ndarray):
        array = np.ascontiguousarray(part)
        _feed(
            digest,
            f"a{array.dtype.str}{array.shape}".encode() + array.tobytes(),
        )
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
        _feed(
            digest,
            {
                name: getattr(part, name)
                for name in part.__dataclass_fields__
            },
        )
    else:
        raise TypeError(
            f"cannot hash a cache-key part of type {type(part).__name__}"
        )


def content_key(*parts) -> str:
    """Hex SHA-256 of ``parts``: the cache key of a result computed from
    them.

    Each part is hashed with a type tag, so ``1`` and ``"1"`` give
    different keys (a numpy scalar such as ``np.int64(1)`` gives the key of
    ``1``); dicts are hashed in sorted key order (their keys as strings),
    dataclasses as the dict of their fields, lists and tuples item by item.

    Parameters
    ----------
    parts : str, bytes, int, float, bool, None, numpy array, dict, ...
        Any number of positional arguments: what the result depends on
        (also numpy scalars, lists, tuples, dataclasses and paths).
        Arrays are hashed with their dtype and shape;
        :class:`~pathlib.Path` objects are hashed by file *content*, not by
        name.

    Returns
    -------
    str
        64 hexadecimal characters.

    Raises
    ------
    TypeError
        For a part (or a nested item) of any other type.
    OSError
        When a :class:`~pathlib.Path` part cannot be read.
    """
    digest = hashlib.sha256()
    _feed(digest, list(parts))
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks.

    Parameters
    ----------
    path : pathlib.Path or str
        The file.

    Returns
    -------
    str
        64 hexadecimal characters.

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(directory: Path) -> None:
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )
    manifest = {
        str(p.relative_to(directory)): [p.stat().st_size, file_sha256(p)]
        for p in files
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=0))


def entry_is_valid(directory: Path) -> bool:
    """Whether a cache entry is complete and intact.

    Parameters
    ----------
    directory : pathlib.Path
        The entry's directory.

    Returns
    -------
    bool
        True when ``directory`` holds a readable ``MANIFEST.json`` and
        every file it lists exists with the listed size and SHA-256; False
        when the manifest is missing or unreadable or a file is missing or
        differs. Files the manifest does not list are not checked.
    """
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
    """Names of the ``xaiaudio`` modules that ``module``'s source imports
    (``from xaiaudio.x import y`` counts ``xaiaudio.x.y`` when that is a
    module, else ``xaiaudio.x``)."""
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Import):
            names.update(
                alias.name
                for alias in node.names
                if alias.name.startswith("xaiaudio.")
            )
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("xaiaudio")
        ):
            is_package = hasattr(
                importlib.import_module(node.module), "__path__"
            )
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(
                    candidate
                    if is_package and importlib.util.find_spec(candidate)
                    else node.module
                )
    return {name for name in names if name != "xaiaudio"}


def _module_source(name: str) -> str:
    """The source text of module ``name`` (the one lookup of the code
    fingerprint, so a test can stand an edited module in for it)."""
    return inspect.getsource(importlib.import_module(name))


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
    """What a cached result's code is: the name and source of each module
    and of every ``xaiaudio`` module it imports, directly or not.

    A key part built from module *objects*, not file names: editing,
    renaming or moving any module the result depends on changes the key,
    and no list of files can go stale. Comments and docstrings are part of
    the source, so editing them also rebuilds the result. Call sites do not
    pick modules: :func:`cached_entry` takes them from the producing
    function (:func:`code_fingerprint`).

    Parameters
    ----------
    modules : module
        Any number of positional arguments.

    Returns
    -------
    list of (str, str)
        ``(module name, source)`` pairs, sorted by name; a key part for
        :func:`content_key`.
    """
    names = sorted(
        {name for module in modules for name in _closure(module.__name__)}
    )
    return [(name, _module_source(name)) for name in names]


def code_fingerprint(function: Callable) -> list:
    """The code a cached result comes from, read off the function that
    produces it: the module that defines ``function`` and every
    ``xaiaudio`` module it imports (:func:`source_fingerprint`).

    A closure or lambda belongs to the module it is written in, a
    ``functools.partial`` to its function, a bound method to its
    class's module.

    Parameters
    ----------
    function : callable
        The producing function.

    Returns
    -------
    list of (str, str)
        As :func:`source_fingerprint`.

    Raises
    ------
    TypeError
        When the function's module has no source to read (a function typed
        into a notebook or an interpreter): its result could not be told
        apart from that of an edited version, so it is not cached.
    """
    while isinstance(function, functools.partial):
        function = function.func
    module = inspect.getmodule(function)
    try:
        return source_fingerprint(module)
    except (OSError, TypeError, AttributeError) as error:
        name = getattr(function, "__qualname__", repr(function))
        raise TypeError(
            f"cannot cache the result of {name}: the source of its "
            f"module ({getattr(module, '__name__', None)}) cannot be "
            "read, so an edit could not change the key; define the "
            "function in a module file"
        ) from error


def entry_key(key: str, produce: Callable) -> str:
    """The name of a cache entry: ``key`` together with the code of the
    function that produces the entry (:func:`code_fingerprint`).

    Every entry is named this way, so editing any module on the path of a
    result gives it a new entry, and no call site can leave a module out.

    Parameters
    ----------
    key : str
        What the result depends on besides its code, usually from
        :func:`content_key`.
    produce : callable
        The function that computes the result.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    return content_key(key, code_fingerprint(produce))


def has_entry(namespace: str, key: str, produce: Callable) -> bool:
    """Whether the entry of ``key`` and ``produce``'s code is built and
    intact, without building it (to batch the work of the missing ones).

    Parameters
    ----------
    namespace, key, produce
        As in :func:`cached_entry` (or ``compute`` of the other
        ``cached_*`` functions).

    Returns
    -------
    bool
    """
    return entry_is_valid(
        cache_root() / namespace / entry_key(key, produce)
    )


def cached_entry(
    namespace: str, key: str, produce: Callable[[Path], None]
) -> Path:
    """Return the directory of the entry of ``key`` and ``produce``'s
    code, building it with ``produce`` if needed.

    ``produce(directory)`` writes the payload files into an empty temporary
    directory. A missing or corrupt entry is (re)built under a lock: the
    manifest is written, then the directory is renamed into place, so
    readers never see a partial entry.

    Parameters
    ----------
    namespace : str
        Sub-folder of the cache root that groups one kind of result
        (``"corpus"``, ``"scattering-features"``, ``"splits"``...).
    key : str
        What the result depends on besides its code, usually from
        :func:`content_key`.
    produce : callable
        ``produce(directory: pathlib.Path) -> None``; writes the payload
        files. Its module and what that imports are part of the entry's
        name (:func:`entry_key`).

    Returns
    -------
    pathlib.Path
        ``<root>/<namespace>/<entry_key(key, produce)>``, valid in the
        sense of :func:`entry_is_valid`.

    Raises
    ------
    TypeError
        When ``produce``'s code cannot be read (:func:`code_fingerprint`).
    Exception
        Whatever ``produce`` raises; the half-built directory is removed
        and no entry is left.
    """
    return _entry(namespace, entry_key(key, produce), produce)


def _entry(
    namespace: str, name: str, produce: Callable[[Path], None]
) -> Path:
    base = cache_root() / namespace
    final = base / name
    if entry_is_valid(final):
        return final
    base.mkdir(parents=True, exist_ok=True)
    with FileLock(base / f".{name}.lock"):
        # another process built it while we waited
        if entry_is_valid(final):
            return final
        if final.exists():
            shutil.rmtree(final)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=base))
        try:
            produce(staging)
            _write_manifest(staging)
            os.replace(staging, final)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return final


def cached_arrays(
    namespace: str, key: str, compute: Callable[[], dict]
) -> dict:
    """Cache a dict of NumPy arrays computed by ``compute()`` (stored as
    ``arrays.npz``).

    Parameters
    ----------
    namespace, key : str
        As in :func:`cached_entry`.
    compute : callable
        ``compute() -> dict[str, numpy.ndarray]``, called only when the
        entry is missing or corrupt; its code is part of the entry's name
        (:func:`entry_key`). Object arrays must not be used: the
        entry is loaded with ``allow_pickle=False``, so reading them back
        would raise ``ValueError``.

    Returns
    -------
    dict of str to numpy.ndarray
        The stored arrays, loaded into memory.
    """

    def produce(directory: Path) -> None:
        arrays = compute()
        np.savez(directory / "arrays.npz", **arrays)

    entry = _entry(namespace, entry_key(key, compute), produce)
    with np.load(entry / "arrays.npz", allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def cached_state_dict(
    namespace: str, key: str, compute: Callable[[], dict]
) -> dict:
    """Cache a torch state dict (or any dict of tensors and plain values),
    stored as ``state.pt``.

    Loaded back with ``torch.load(..., weights_only=True)``, so a cache
    entry can never execute code.

    Parameters
    ----------
    namespace, key : str
        As in :func:`cached_entry`.
    compute : callable
        ``compute() -> dict``, called only when the entry is missing or
        corrupt (typically: train a model and return its ``state_dict()``
        and history); its code is part of the entry's name
        (:func:`entry_key`).

    Returns
    -------
    dict
        The stored dict, with tensors on the CPU.
    """

    def produce(directory: Path) -> None:
        buffer = io.BytesIO()
        torch.save(compute(), buffer)
        (directory / "state.pt").write_bytes(buffer.getvalue())

    entry = _entry(namespace, entry_key(key, compute), produce)
    return torch.load(
        entry / "state.pt", weights_only=True, map_location="cpu"
    )


def cached_json(
    namespace: str, key: str, compute: Callable[[], object]
) -> object:
    """Cache a JSON-serialisable value (metrics, histories, tables), stored
    as ``value.json``.

    Parameters
    ----------
    namespace, key : str
        As in :func:`cached_entry`.
    compute : callable
        ``compute() -> object``, called only when the entry is missing or
        corrupt; the value must be JSON-serialisable. Its code is part of
        the entry's name (:func:`entry_key`).

    Returns
    -------
    object
        The value read back from JSON (tuples come back as lists).

    Raises
    ------
    TypeError
        When the computed value is not JSON-serialisable (nothing is
        cached).
    """

    def produce(directory: Path) -> None:
        (directory / "value.json").write_text(json.dumps(compute()))

    entry = _entry(namespace, entry_key(key, compute), produce)
    return json.loads((entry / "value.json").read_text())
