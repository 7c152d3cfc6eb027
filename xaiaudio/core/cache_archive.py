"""Export the artefact cache to one archive file and import it into
another cache: build once, share with a class.

:func:`export_cache` writes every complete entry of a cache
(:mod:`xaiaudio.core.cache`) into a gzip-compressed tar file whose first
member is a small format marker, ``XAIAUDIO-CACHE-ARCHIVE.json``, with
the format's name and version. :func:`import_cache` reads the whole
archive and checks it before writing anything: the marker, the form of
every member (``<namespace>/<64 hex digits>/<file>``, regular files and
folders only: no absolute path, no ``..``, no link or device, so nothing
can land outside the cache folder), and every entry's files against its
``MANIFEST.json`` (sizes and SHA-256). A foreign, damaged or tampered
archive is refused with an :class:`ArchiveError` naming what is wrong,
and the cache is left untouched. Entries already in the cache are kept
(a key names one content); the others are extracted into a temporary
folder inside the cache and renamed into place, one entry at a time,
under the cache's own lock for that entry.

Why tar with gzip: the standard library reads and writes it on every
platform, it streams (a cache of a gigabyte never sits in memory), and
it is what ``tar -tzf`` lists. The payloads are mostly float arrays and
weights, which gzip shrinks by about 10 % (audio by a third); level 1
does that as well as higher levels at less CPU time. :func:`import_cache`
also reads plain, bzip2 and xz tar files, so a re-packed archive is
still accepted when its content checks out.

Command line (exit status 2 and a one-line message on bad input)::

    python -m xaiaudio.core.cache_archive export FILE [--cache DIR]
    python -m xaiaudio.core.cache_archive import FILE [--cache DIR]

This module is not imported by the cache itself, so it is no part of
any entry's code fingerprint: changing it renames no entry.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sys
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from xaiaudio.core.cache import MANIFEST, cache_root, entry_is_valid

#: Name of the archive's first member: the format marker.
MARKER = "XAIAUDIO-CACHE-ARCHIVE.json"
#: What the marker's ``format`` field says.
FORMAT = "xaiaudio-cache-archive"
#: The format version this module writes and reads.
VERSION = 1

_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KEY = re.compile(r"[0-9a-f]{64}")
# a file-name part: no separators, nothing hidden, no control characters
_PART = re.compile(r"[^/\\\x00-\x1f.][^/\\\x00-\x1f]*")
_MARKER_LIMIT = 1 << 16
_MANIFEST_LIMIT = 1 << 24
_BLOCK = 1 << 20


class ArchiveError(ValueError):
    """An archive that :func:`import_cache` refuses (foreign, damaged or
    tampered), or a cache :func:`export_cache` cannot read; the message
    names what is wrong."""


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_cache` wrote.

    Attributes
    ----------
    path : pathlib.Path
        The archive.
    entries : int
        Entries written.
    skipped : int
        Entries left out: incomplete, damaged or still being written.
    """

    path: Path
    entries: int
    skipped: int


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_cache` did.

    Attributes
    ----------
    added : int
        Entries written into the cache.
    present : int
        Entries the cache already held intact (left as they were).
    """

    added: int
    present: int


def _entry_lock(folder: Path, key: str) -> FileLock:
    # the lock that xaiaudio.core.cache takes to build this entry
    return FileLock(folder / f".{key}.lock")


def _safe_relative(name: str) -> bool:
    """Whether ``name`` is a relative path of plain parts (no ``..``,
    no ``.``, no hidden part, no drive, no backslash)."""
    return bool(name) and all(
        _PART.fullmatch(part) for part in name.split("/")
    )


def _complete_entries(root: Path) -> tuple[list[tuple], int]:
    """``([(namespace, key, payload names), ...], skipped)`` of a cache
    folder, in sorted order."""
    entries, skipped = [], 0
    for space in sorted(root.iterdir()):
        if (
            space.is_symlink()
            or not space.is_dir()
            or not _NAMESPACE.fullmatch(space.name)
        ):
            continue
        for entry in sorted(space.iterdir()):
            if entry.is_symlink() or not entry.is_dir():
                continue
            if not _KEY.fullmatch(entry.name):
                # a staging folder ".<key>.<random>": being written,
                # or left over by an interrupted build
                if entry.name.startswith("."):
                    skipped += 1
                continue
            names = _payload_names(entry)
            if names is None:
                skipped += 1
            else:
                entries.append((space.name, entry.name, names))
    return entries, skipped


def _payload_names(entry: Path) -> list[str] | None:
    """The payload file names of an intact entry, or None."""
    if not entry_is_valid(entry):
        return None
    try:
        manifest = json.loads((entry / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    names = sorted(manifest)
    if not all(_safe_relative(name) for name in names):
        return None
    if any((entry / name).is_symlink() for name in names):
        return None
    return names


def _file_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info


def export_cache(archive_path, root=None) -> ExportReport:
    """Write every complete entry of a cache into one archive file.

    The archive is a gzip-compressed tar file (whatever ``archive_path``
    ends with; ``.tar.gz`` is the natural name): first the format marker,
    then ``<namespace>/<key>/MANIFEST.json`` and the payload files the
    manifest lists, entry by entry. Entries that are incomplete, damaged
    (:func:`~xaiaudio.core.cache.entry_is_valid` is False) or still
    being written are left out and counted. The archive is written to a
    temporary file next to it and renamed, so it is never seen half
    written.

    Parameters
    ----------
    archive_path : str or pathlib.Path
        The archive to write (replaced if it exists).
    root : str or pathlib.Path, optional
        The cache folder; default :func:`~xaiaudio.core.cache.cache_root`.

    Returns
    -------
    ExportReport

    Raises
    ------
    ArchiveError
        When ``root`` is not a folder or the archive's folder is
        missing.
    OSError
        When the archive cannot be written.
    """
    root = cache_root() if root is None else Path(root)
    if not root.is_dir():
        raise ArchiveError(f"{root}: no cache folder there")
    archive_path = Path(archive_path)
    if not archive_path.parent.is_dir():
        raise ArchiveError(f"{archive_path.parent}: no such folder")
    entries, skipped = _complete_entries(root)
    marker = json.dumps(
        {"format": FORMAT, "version": VERSION, "entries": len(entries)}
    ).encode()
    # not mkstemp: the archive is for sharing, so it gets the umask's
    # permissions, not mkstemp's owner-only ones
    partial = archive_path.with_name(
        f".{archive_path.name}.{secrets.token_hex(4)}.partial"
    )
    try:
        with (
            open(partial, "xb") as raw,
            gzip.GzipFile(
                fileobj=raw, mode="wb", compresslevel=1, mtime=0
            ) as zipped,
            tarfile.open(fileobj=zipped, mode="w") as tar,
        ):
            tar.addfile(
                _file_info(MARKER, len(marker), 0), io.BytesIO(marker)
            )
            for space, key, names in entries:
                for name in [MANIFEST, *names]:
                    path = root / space / key / name
                    with open(path, "rb") as source:
                        stat = os.fstat(source.fileno())
                        info = _file_info(
                            f"{space}/{key}/{name}",
                            stat.st_size,
                            stat.st_mtime,
                        )
                        tar.addfile(info, source)
        os.replace(partial, archive_path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return ExportReport(archive_path, len(entries), skipped)


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    if member.ischr() or member.isblk():
        return "a device"
    if member.isfifo():
        return "a FIFO"
    return "not a regular file"


def _member_entry(member: tarfile.TarInfo) -> tuple[str, str, str]:
    """``(namespace, key, file name in the entry)`` of a member (the file
    name empty for a folder), or ArchiveError naming what is wrong."""
    name = member.name
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise ArchiveError(f"member {name!r} has an absolute path")
    # tarfile drops a folder's trailing slash
    parts = name.split("/")
    if ".." in parts or "\\" in name:
        raise ArchiveError(f"member {name!r} points outside its folder")
    if not (member.isreg() or member.isdir()):
        raise ArchiveError(f"member {name!r} is {_kind(member)}")
    if not _NAMESPACE.fullmatch(parts[0]) or (
        len(parts) > 1 and not _KEY.fullmatch(parts[1])
    ):
        raise ArchiveError(
            f"member {name!r} is not inside a cache entry "
            "(<namespace>/<64 hex digits>/...)"
        )
    rest = "/".join(parts[2:])
    if (member.isreg() or rest) and not _safe_relative(rest):
        raise ArchiveError(
            f"member {name!r} is not a plain file of a cache entry"
        )
    return parts[0], parts[1] if len(parts) > 1 else "", rest


def _read_marker(tar: tarfile.TarFile, first) -> dict:
    """The marker's fields, from the archive's ``first`` member."""
    if first is None or first.name != MARKER or not first.isreg():
        raise ArchiveError(
            f"no {MARKER} first: not an archive made by export_cache"
        )
    if first.size > _MARKER_LIMIT:
        raise ArchiveError(f"{MARKER} is too large")
    try:
        marker = json.loads(tar.extractfile(first).read())
        form, version = marker["format"], marker["version"]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ArchiveError(f"{MARKER} is unreadable") from error
    if form != FORMAT:
        raise ArchiveError(f"{MARKER} names format {form!r}, not {FORMAT}")
    if version != VERSION:
        raise ArchiveError(
            f"archive format version {version!r}; this version of "
            f"xaiaudio reads version {VERSION}"
        )
    return marker


def _hash_member(tar: tarfile.TarFile, member, keep: bool):
    """``(size, sha256, bytes or None)`` of a file member's data."""
    digest, size, kept = hashlib.sha256(), 0, []
    source = tar.extractfile(member)
    for block in iter(lambda: source.read(_BLOCK), b""):
        digest.update(block)
        size += len(block)
        if keep:
            kept.append(block)
    return size, digest.hexdigest(), b"".join(kept) if keep else None


def _check_manifest(where: str, manifest, files: dict) -> None:
    if not isinstance(manifest, dict) or not all(
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        for value in manifest.values()
    ):
        raise ArchiveError(f"{where}/{MANIFEST} is not a cache manifest")
    listed, present = set(manifest), set(files)
    if listed - present:
        raise ArchiveError(
            f"{where} lacks {sorted(listed - present)[0]!r}, "
            "which its manifest lists"
        )
    if present - listed:
        raise ArchiveError(
            f"{where} holds {sorted(present - listed)[0]!r}, "
            "which its manifest does not list"
        )
    for name in sorted(listed):
        if list(files[name]) != manifest[name]:
            raise ArchiveError(
                f"{where}/{name} does not match its manifest "
                "(size or SHA-256): the archive is damaged or was edited"
            )


def _open(archive_path: Path) -> tarfile.TarFile:
    if not archive_path.is_file():
        raise ArchiveError(f"{archive_path}: no such file")
    try:
        return tarfile.open(archive_path, "r:*")
    except tarfile.TarError as error:
        raise ArchiveError(
            f"{archive_path}: not a tar archive ({error})"
        ) from error


_DAMAGE = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


def check_archive(archive_path) -> dict:
    """Check a whole archive without writing anything.

    Parameters
    ----------
    archive_path : str or pathlib.Path
        The archive.

    Returns
    -------
    dict
        ``{(namespace, key): {file name: (size, sha256)}}`` of every
        entry, its manifest included.

    Raises
    ------
    ArchiveError
        When the file is missing, not a tar archive, damaged, has no
        format marker or another version, has a member that is not a
        regular file or folder inside a cache entry, or an entry whose
        files do not match its manifest.
    """
    archive_path = Path(archive_path)
    entries, manifests = {}, {}
    try:
        with _open(archive_path) as tar:
            members = iter(tar)
            marker = _read_marker(tar, next(members, None))
            for member in members:
                space, key, name = _member_entry(member)
                if not member.isreg():
                    continue
                files = entries.setdefault((space, key), {})
                if name in files:
                    raise ArchiveError(
                        f"member {member.name!r} appears twice"
                    )
                is_manifest = name == MANIFEST
                if is_manifest and member.size > _MANIFEST_LIMIT:
                    raise ArchiveError(f"{member.name} is too large")
                size, sha, data = _hash_member(tar, member, is_manifest)
                files[name] = (size, sha)
                if is_manifest:
                    try:
                        manifests[space, key] = json.loads(data)
                    except ValueError as error:
                        raise ArchiveError(
                            f"{member.name} is not valid JSON"
                        ) from error
    except _DAMAGE as error:
        raise ArchiveError(
            f"{archive_path}: the archive is truncated or damaged "
            f"({error or type(error).__name__})"
        ) from error
    for (space, key), files in entries.items():
        where = f"{space}/{key}"
        if (space, key) not in manifests:
            raise ArchiveError(f"{where} has no {MANIFEST}")
        payload = {n: v for n, v in files.items() if n != MANIFEST}
        _check_manifest(where, manifests[space, key], payload)
    if marker.get("entries") != len(entries):
        raise ArchiveError(
            f"the archive holds {len(entries)} entries, its marker says "
            f"{marker.get('entries')!r}: it is incomplete or was edited"
        )
    return entries


def import_cache(archive_path, root=None) -> ImportReport:
    """Add the entries of an archive made by :func:`export_cache` to a
    cache.

    The whole archive is checked first (:func:`check_archive`); a
    refused archive leaves the cache untouched. Entries the cache already
    holds intact are kept as they are (same key, same content); a damaged
    one is replaced. The others are extracted into a temporary folder
    inside the cache, checked again against their manifests, and renamed
    into place under the entry's lock, so a chapter running at the same
    time never sees a partial entry.

    Parameters
    ----------
    archive_path : str or pathlib.Path
        The archive.
    root : str or pathlib.Path, optional
        The cache folder (created if missing); default
        :func:`~xaiaudio.core.cache.cache_root`.

    Returns
    -------
    ImportReport

    Raises
    ------
    ArchiveError
        When the archive is refused (see :func:`check_archive`), or
        changes while it is being imported.
    OSError
        When the cache cannot be written.
    """
    archive_path = Path(archive_path)
    entries = check_archive(archive_path)
    root = cache_root() if root is None else Path(root)
    root.mkdir(parents=True, exist_ok=True)
    wanted = {
        entry
        for entry in entries
        if not entry_is_valid(root.joinpath(*entry))
    }
    present = len(entries) - len(wanted)
    if not wanted:
        return ImportReport(0, present)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=root))
    try:
        try:
            with _open(archive_path) as tar:
                members = iter(tar)
                _read_marker(tar, next(members, None))
                for member in members:
                    space, key, name = _member_entry(member)
                    # only the files checked in the first reading
                    checked = (
                        entries[space, key]
                        if (space, key) in wanted
                        else {}
                    )
                    if member.isreg() and name in checked:
                        target = staging / space / key / name
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with open(target, "wb") as out:
                            shutil.copyfileobj(
                                tar.extractfile(member), out, _BLOCK
                            )
        except _DAMAGE as error:
            raise ArchiveError(
                f"{archive_path}: the archive changed or broke while "
                f"it was imported ({error or type(error).__name__})"
            ) from error
        added = 0
        for space, key in sorted(wanted):
            staged = staging / space / key
            if not entry_is_valid(staged):
                raise ArchiveError(
                    f"{space}/{key} changed while it was imported"
                )
            folder = root / space
            folder.mkdir(exist_ok=True)
            final = folder / key
            with _entry_lock(folder, key):
                if entry_is_valid(final):
                    present += 1
                    continue
                if final.exists():
                    shutil.rmtree(final)
                os.replace(staged, final)
                added += 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(added, present)


def main(argv=None) -> int:
    """The command line; returns the exit status (2 on bad input)."""
    parser = argparse.ArgumentParser(
        prog="python -m xaiaudio.core.cache_archive",
        description="Export the artefact cache to one archive file, or "
        "import such an archive into a cache.",
    )
    parser.add_argument("action", choices=["export", "import"])
    parser.add_argument("file", type=Path, help="the archive (.tar.gz)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="the cache folder (default: $XAIAUDIO_CACHE or "
        "~/.cache/xaiaudio)",
    )
    args = parser.parse_args(argv)
    try:
        if args.action == "export":
            report = export_cache(args.file, args.cache)
            print(
                f"exported {report.entries} entries to {report.path}"
                f" ({report.skipped} skipped: incomplete or being "
                "written)"
            )
        else:
            result = import_cache(args.file, args.cache)
            print(
                f"imported {args.file}: {result.added} entries added, "
                f"{result.present} already present"
            )
    except (ArchiveError, OSError) as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
