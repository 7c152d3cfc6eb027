"""Export a cache to one archive and import it elsewhere: round trip, and every refused archive."""

import io
import json
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from xaiaudio.core import cache
from xaiaudio.core.cache_archive import MARKER, ArchiveError, export_cache, import_cache, main

CALLS = []


def compute_arrays():
    CALLS.append("arrays")
    return {"x": np.arange(1000.0), "y": np.ones((3, 4), dtype=np.float32)}


def compute_json():
    CALLS.append("json")
    return {"accuracy": 0.75, "labels": ["a", "b"]}


def fill_cache():
    """Two entries through the cache's public functions; returns their values."""
    return cache.cached_arrays("t", "arrays", compute_arrays), cache.cached_json("u", "json", compute_json)


def listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else None


def members(archive):
    """``[(TarInfo, bytes or None)]`` of an archive, in order."""
    with tarfile.open(archive, "r:*") as tar:
        return [(m, tar.extractfile(m).read() if m.isreg() else None) for m in tar]


def write_tar(path, items, mode="w:gz"):
    """Write ``items`` (``(TarInfo, bytes or None)``) as a tar file."""
    with tarfile.open(path, mode) as tar:
        for info, data in items:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def file_member(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.fixture
def archive(tmp_path):
    """An archive of a cache with two entries (the test's own cache, filled)."""
    CALLS.clear()
    fill_cache()
    report = export_cache(tmp_path / "class.tar.gz")
    assert (report.entries, report.skipped) == (2, 0)
    return report.path


def test_round_trip_finds_every_entry_without_recomputing(archive, tmp_path, monkeypatch):
    arrays, value = fill_cache()
    assert CALLS == ["arrays", "json"]
    student = tmp_path / "student"
    monkeypatch.setenv(cache.CACHE_ENV, str(student))
    report = import_cache(archive)
    assert (report.added, report.present) == (2, 0)
    again_arrays, again_value = fill_cache()
    assert CALLS == ["arrays", "json"]  # no producer ran in the student's cache
    np.testing.assert_array_equal(again_arrays["x"], arrays["x"])
    assert again_value == value
    assert not [p for p in student.iterdir() if p.name.startswith(".import-")]  # staging removed
    report = import_cache(archive)
    assert (report.added, report.present) == (0, 2)


def test_import_keeps_intact_entries_and_replaces_damaged_ones(archive, tmp_path):
    student = tmp_path / "student"
    import_cache(archive, student)
    intact, damaged = sorted(p for p in student.glob("*/*") if p.is_dir())
    before = (intact / cache.MANIFEST).stat().st_mtime_ns
    payload = next(p for p in damaged.iterdir() if p.name != cache.MANIFEST)
    payload.write_bytes(b"truncated")
    report = import_cache(archive, student)
    assert (report.added, report.present) == (1, 1)
    assert cache.entry_is_valid(damaged)
    assert (intact / cache.MANIFEST).stat().st_mtime_ns == before


def test_export_skips_entries_being_written_or_incomplete(archive, tmp_path):
    root = cache.cache_root()
    key = "0" * 64
    (root / "t" / f".{key}.x1y2z3").mkdir()  # a build in progress
    (root / "t" / key).mkdir()  # no manifest: incomplete
    (root / "t" / key / "arrays.npz").write_bytes(b"half")
    report = export_cache(tmp_path / "again.tar.gz")
    assert (report.entries, report.skipped) == (2, 2)
    names = [m.name for m, _ in members(report.path)]
    assert names[0] == MARKER and not [n for n in names if key in n]
    assert json.loads(members(report.path)[0][1]) == {"format": "xaiaudio-cache-archive", "version": 1,
                                                      "entries": 2}


def refused(path, tmp_path, match):
    """Import ``path`` into a fresh folder: refused with ``match``, and nothing written (not even the
    folder); then into an existing cache, which is left exactly as it was."""
    fresh = tmp_path / "fresh"
    with pytest.raises(ArchiveError, match=match):
        import_cache(path, fresh)
    assert not fresh.exists()
    existing = cache.cache_root()
    before = listing(existing)
    with pytest.raises(ArchiveError, match=match):
        import_cache(path)
    assert listing(existing) == before


def test_tampered_payload_byte_is_refused(archive, tmp_path):
    items = members(archive)
    index = next(i for i, (m, _) in enumerate(items) if m.name.endswith("arrays.npz"))
    info, data = items[index]
    data = bytearray(data)
    data[len(data) // 2] ^= 0x01
    items[index] = (info, bytes(data))
    refused(write_tar(tmp_path / "tampered.tar.gz", items), tmp_path,
            r"arrays\.npz does not match its manifest")


@pytest.mark.parametrize("edit, match", [
    ("drop_payload", "which its manifest lists"),
    ("extra_file", "which its manifest does not list"),
    ("drop_manifest", "has no MANIFEST.json"),
    ("drop_entry", "its marker says 2"),
    ("duplicate", "appears twice"),
    ("bad_manifest", "is not valid JSON"),
])
def test_an_archive_that_disagrees_with_its_manifests_or_marker_is_refused(archive, tmp_path, edit, match):
    items = members(archive)
    files = [i for i, (m, _) in enumerate(items) if m.name.startswith("t/")]
    payload = next(i for i in files if not items[i][0].name.endswith(cache.MANIFEST))
    manifest = next(i for i in files if items[i][0].name.endswith(cache.MANIFEST))
    entry = items[payload][0].name.rsplit("/", 1)[0]
    if edit == "drop_payload":
        del items[payload]
    elif edit == "extra_file":
        items.append(file_member(f"{entry}/notes.txt", b"hello"))
    elif edit == "drop_manifest":
        del items[manifest]
    elif edit == "drop_entry":
        items = [item for i, item in enumerate(items) if i not in files]
    elif edit == "duplicate":
        items.append(items[payload])
    else:
        items[manifest] = (items[manifest][0], b"{not json")
    refused(write_tar(tmp_path / f"{edit}.tar.gz", items), tmp_path, match)


def special_member(kind, entry):
    if kind == "dotdot":
        return file_member(f"{entry}/../../../evil.txt", b"x")
    if kind == "dotdot_first":
        return file_member("../evil.txt", b"x")
    if kind == "absolute":
        return file_member("/tmp/evil.txt", b"x")
    if kind == "outside_entry":
        return file_member("t/evil.txt", b"x")
    info = tarfile.TarInfo(f"{entry}/link")
    if kind == "symlink":
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    elif kind == "hardlink":
        info.type, info.linkname = tarfile.LNKTYPE, f"{entry}/MANIFEST.json"
    elif kind == "device":
        info.type = tarfile.CHRTYPE
    return info, None


@pytest.mark.parametrize("kind, match", [
    ("dotdot", "points outside its folder"),
    ("dotdot_first", "points outside its folder"),
    ("absolute", "has an absolute path"),
    ("outside_entry", "not inside a cache entry"),
    ("symlink", "is a symbolic link"),
    ("hardlink", "is a hard link"),
    ("device", "is a device"),
])
def test_members_that_could_write_outside_the_cache_are_refused(archive, tmp_path, kind, match):
    items = members(archive)
    entry = next(m.name for m, _ in items if m.name.startswith("t/")).rsplit("/", 1)[0]
    items.insert(2, special_member(kind, entry))
    refused(write_tar(tmp_path / f"{kind}.tar.gz", items), tmp_path, match)
    assert not (tmp_path / "evil.txt").exists()


def test_foreign_archives_are_refused(archive, tmp_path):
    items = members(archive)
    no_marker = write_tar(tmp_path / "foreign.tar", items[1:], mode="w")
    refused(no_marker, tmp_path, "not an archive made by export_cache")
    future = dict(json.loads(items[0][1]), version=2)
    newer = write_tar(tmp_path / "newer.tar.gz", [(items[0][0], json.dumps(future).encode()), *items[1:]])
    refused(newer, tmp_path, "format version 2")
    other_marker = (items[0][0], b'{"format": "x", "version": 1}')
    other = write_tar(tmp_path / "other.tar.gz", [other_marker, *items[1:]])
    refused(other, tmp_path, "names format 'x'")
    (tmp_path / "notes.txt").write_text("not an archive at all")
    refused(tmp_path / "notes.txt", tmp_path, "not a tar archive")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused(truncated, tmp_path, "truncated or damaged")
    refused(tmp_path / "missing.tar.gz", tmp_path, "no such file")


def test_a_plain_tar_made_from_an_export_is_accepted(archive, tmp_path):
    plain = write_tar(tmp_path / "plain.tar", members(archive), mode="w")
    assert import_cache(plain, tmp_path / "student").added == 2


def test_command_line_exit_status_and_messages(archive, tmp_path, capsys):
    student = tmp_path / "student"
    assert main(["import", str(archive), "--cache", str(student)]) == 0
    assert capsys.readouterr().out.strip().endswith("2 entries added, 0 already present")
    assert main(["export", str(tmp_path / "b.tar.gz"), "--cache", str(student)]) == 0
    assert "exported 2 entries" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.tar.gz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no such file" in err and err.count("\n") == 1
    items = members(archive)
    info, data = items[2]  # the first entry's payload (after the marker and its manifest)
    items[2] = (info, data[:-1] + bytes([data[-1] ^ 1]))
    bad = write_tar(tmp_path / "bad.tar.gz", items)
    assert main(["import", str(bad), "--cache", str(student)]) == 2
    err = capsys.readouterr().err
    assert "does not match its manifest" in err and err.count("\n") == 1
    assert main(["export", str(tmp_path / "x.tar.gz"), "--cache", str(tmp_path / "none")]) == 2
    assert "no cache folder" in capsys.readouterr().err


def test_module_runs_as_a_command_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xaiaudio.core.cache_archive", "import",
                             str(tmp_path / "missing.tar.gz")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
