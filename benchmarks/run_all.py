"""Every speed and memory figure of the project in one table.

Measures, on this machine:
- smoke total: every chapter of ``_toc.yml`` executed at the smoke preset from an empty cache;
- book build: ``jupyter-book build`` at the book preset from an empty cache (goal <= 20 min on
  2 cores), with the peak resident memory of the whole process tree (goal <= 8 GB);
- scattering throughput: batched and cached extraction against a per-file loop (goals 1.5x, 50x);
- LRP throughput at the book and paper feature shapes;
- prototype training time at the book preset.

Usage: ``python -m benchmarks.run_all [--skip-book-build] [--json results.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
sys.path.insert(0, str(HERE))

import bench_lrp  # noqa: E402
import bench_prototypes  # noqa: E402
import bench_scattering  # noqa: E402


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_with_peak_memory(command: list[str], env: dict, cwd: Path) -> tuple[int, float, int]:
    """Run ``command``; return (exit code, seconds, peak resident bytes of its process tree)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            try:
                peak[0] = max(peak[0], tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    sampler.join()
    if process.returncode:
        sys.stderr.write(stderr.decode(errors="replace")[-4000:])
    return process.returncode, time.perf_counter() - start, peak[0]


def smoke_total(cache: Path) -> float:
    """Seconds to execute every chapter at the smoke preset, sharing one fresh cache."""
    from tools.notebooks import chapters_in_toc, execute_chapter, is_notebook

    os.environ["XAIAUDIO_CACHE"] = str(cache)
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for chapter in chapters_in_toc():
            if is_notebook(chapter):
                total += execute_chapter(chapter, Path(out), {"preset": "smoke"})[1]
    return total


def book_build(work: Path) -> tuple[int, float, int]:
    """Build the book at the book preset from an empty cache into ``work``."""
    env = dict(os.environ, XAIAUDIO_PRESET="book", XAIAUDIO_CACHE=str(work / "cache"))
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPOSITORY),
               "--path-output", str(work / "book"), "-W", "-n", "--keep-going"]
    return run_with_peak_memory(command, env, REPOSITORY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-book-build", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows.append(("smoke: all chapters, empty cache", f"{smoke_total(work / 'smoke'):.0f} s", "CI speed"))
        if not args.skip_book_build:
            code, seconds, peak = book_build(work)
            status = "ok" if code == 0 else f"FAILED (exit {code})"
            rows.append(("book preset: full build, empty cache", f"{seconds / 60:.1f} min ({status})",
                         "goal <= 20 min"))
            rows.append(("book preset: peak memory of the build", f"{peak / 2**30:.2f} GB", "goal <= 8 GB"))
    for row in bench_scattering.measure(("book", "paper"), (32, 4)):
        rows.append((f"scattering {row['preset']}: batched / per-file", f"{row['b'] / row['a']:.2f}x",
                     f"goal >= 1.5x ({row['b']:.2f} vs {row['a']:.2f} clips/s)"))
        rows.append((f"scattering {row['preset']}: cached / per-file", f"{row['c'] / row['a']:.0f}x",
                     "goal >= 50x"))
    for preset in ("book", "paper"):
        for rule in ("epsilon", "epsilon_plus"):
            rate = bench_lrp.lrp_throughput(preset, rule, 64)
            rows.append((f"LRP {rule} at {preset} shape", f"{rate:.1f} clips/s", ""))
    report = bench_prototypes.measure("book", "voices")
    for mode in ("supervised", "unsupervised"):
        figures = report[mode]
        rows.append((f"prototypes book ({report['data']}): {mode}",
                     f"{figures['seconds_total']:.0f} s", f"{figures['seconds_per_epoch']:.2f} s/epoch, "
                     f"{figures['epochs']} epochs"))
    width = max(len(name) for name, _, _ in rows)
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>24}  {note}")
    if args.json:
        figures = [dict(zip(("figure", "value", "note"), row)) for row in rows]
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
