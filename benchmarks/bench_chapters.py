"""Chapter runtimes: execute chapters with papermill at a preset and print seconds per chapter.

Each chapter runs top to bottom in a fresh kernel via ``tools.notebooks.execute_chapter``.
By default every notebook chapter of ``_toc.yml`` runs at the ``book`` preset in a fresh, empty
cache folder (so the times include filling the cache, as on a first build); ``--cache user``
uses ``$XAIAUDIO_CACHE`` (or ``~/.cache/xaiaudio``) instead, i.e. warm-cache times. Chapters
run in reading order, so a later chapter may reuse what an earlier one cached; with ``--cache
alone`` each chapter gets its own empty cache, so it builds everything it reads, as for a reader
who opens that chapter first.

Every chapter runs with a work ledger of its own (:mod:`xaiaudio.core.work_ledger`): what it computed
(clips scattered, examples trained, explained and rendered, notes synthesised).

``--record`` adds the times to ``benchmarks/results/chapter_runtimes.json``, which the course guide
shows (:mod:`xaiaudio.report.runtimes`), and, for a run from an empty cache, the work of each chapter
to ``benchmarks/results/chapter_work.json``, which ``benchmarks.plan``
reads. Time only on a quiet machine. With ``--cache user`` (book preset only) the times go to the
``"book, cache filled"`` column: run the chapters once first; with ``--cache alone`` (book preset
only), to the ``"book, chapter alone"`` column.
``--from-build-log LOG`` records instead the per-chapter times of a Jupyter Book build (myst-nb's
"Executed notebook in ... seconds" lines of its output), e.g. of the published book built from an
empty cache.

``--keep-cache DIR`` runs from an empty cache in ``DIR`` and keeps it (for a warm run after).

Usage: ``python -m benchmarks.bench_chapters [book/training.md ...] [--preset book] [--cache fresh|user|alone]
[--keep-cache DIR] [--record] [--from-build-log LOG]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import torch

from tools.notebooks import chapters_in_toc, execute_chapter, is_notebook
from xaiaudio.core.cache import CACHE_ENV, cache_root
from xaiaudio.core.work_ledger import LEDGER_ENV, read_ledger
from xaiaudio.report.runtimes import (
    ALONE_RUN,
    RUNTIMES_FILE,
    WARM_RUN,
    WORK_FILE,
    record_runtimes,
    record_work,
)


def run_chapters(chapters: list[Path], preset: str, output_dir: Path, ledgers: Path,
                 own_cache: Path | None = None) -> list[tuple[Path, float | None, str]]:
    """Execute each chapter; return ``(chapter, seconds or None, status)`` per chapter.

    Each chapter's work ledger goes to ``ledgers / chapter.stem``. With ``own_cache``, each chapter
    runs with an empty cache in a folder of its own there, removed after the chapter
    (``$XAIAUDIO_CACHE`` and ``$XAIAUDIO_WORK_LEDGER`` are restored at the end).
    """
    results = []
    caller_env = {name: os.environ.get(name) for name in (CACHE_ENV, LEDGER_ENV)}
    try:
        for chapter in chapters:
            os.environ[LEDGER_ENV] = str(ledgers / chapter.stem)
            if own_cache is not None:
                os.environ[CACHE_ENV] = str(own_cache / chapter.stem)
            start = time.perf_counter()
            try:
                _, seconds = execute_chapter(chapter, output_dir, {"preset": preset})
                results.append((chapter, seconds, "ok"))
            except Exception as error:  # report and go on: one failing chapter should not hide the others
                results.append((chapter, time.perf_counter() - start, f"FAILED: {type(error).__name__}"))
            finally:
                if own_cache is not None:
                    shutil.rmtree(own_cache / chapter.stem, ignore_errors=True)
            print(f"{chapter}: {results[-1][1]:.1f} s ({results[-1][2]})", flush=True)
    finally:
        for name, value in caller_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return results


#: myst-nb's line for each executed chapter in a Jupyter Book build's output.
EXECUTED_LINE = re.compile(r"([\w./-]+)\.(?:md|ipynb): Executed notebook in ([0-9.]+) seconds")


def build_log_seconds(log_text: str) -> dict[str, float]:
    """Chapter stem -> seconds, from the output of ``jupyter-book build`` (the last time of each)."""
    return {Path(path).stem: float(seconds) for path, seconds in EXECUTED_LINE.findall(log_text)}


def _record(seconds: dict, preset: str, how: str) -> None:
    machine = f"{os.cpu_count()} CPU cores, {'GPU' if torch.cuda.is_available() else 'no GPU'}"
    record_runtimes(RUNTIMES_FILE, machine, datetime.date.today().isoformat(), preset, seconds, how)
    print(f"recorded {len(seconds)} chapter(s) in {RUNTIMES_FILE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="chapters to run (default: notebooks in _toc.yml)")
    parser.add_argument("--preset", default="book", choices=["smoke", "book", "paper"])
    parser.add_argument("--cache", default="fresh", choices=["fresh", "user", "alone"],
                        help="fresh: an empty temporary folder; user: $XAIAUDIO_CACHE or ~/.cache/xaiaudio; "
                             "alone: an empty temporary folder per chapter")
    parser.add_argument("--keep-cache", type=Path, default=None,
                        help="with --cache fresh: the empty cache folder to fill and keep")
    parser.add_argument("--record", action="store_true",
                        help="add the times of chapters that ran to benchmarks/results/chapter_runtimes.json")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="where executed notebooks go (default: a temporary folder)")
    parser.add_argument("--from-build-log", type=Path, default=None,
                        help="record the chapter times of this jupyter-book build output instead of running")
    args = parser.parse_args()
    if args.record and args.cache in ("user", "alone") and args.preset != "book":
        parser.error(f"--cache {args.cache} --record keeps the book preset's times only")
    if args.keep_cache and (args.cache != "fresh" or any(args.keep_cache.glob("*"))):
        parser.error("--keep-cache needs --cache fresh and an empty or new folder")
    if args.from_build_log:
        seconds = build_log_seconds(args.from_build_log.read_text(errors="replace"))
        if not seconds:
            raise SystemExit(f"no 'Executed notebook in ... seconds' line in {args.from_build_log}")
        _record(seconds, args.preset, "one jupyter-book build from an empty cache; Sphinx runs the "
                                      "chapters in alphabetical order, so aggregation fills the shared cache")
        return
    chapters = args.chapters or [c for c in chapters_in_toc() if is_notebook(c)]
    with tempfile.TemporaryDirectory(prefix="xaiaudio-bench-") as scratch:
        if args.cache == "fresh":
            os.environ[CACHE_ENV] = str(args.keep_cache or Path(scratch) / "cache")
        output_dir = args.output_dir or Path(scratch) / "executed"
        own_cache = Path(scratch) / "caches" if args.cache == "alone" else None
        where = f"an empty cache per chapter in {own_cache}" if own_cache else f"cache {cache_root()}"
        print(f"preset {args.preset}, {where}, {len(chapters)} chapter(s)", flush=True)
        ledgers = Path(scratch) / "ledgers"
        results = run_chapters(chapters, args.preset, output_dir, ledgers, own_cache)
        work = {chapter.stem: read_ledger(ledgers / chapter.stem)
                for chapter, _, status in results if status == "ok"}
    width = max(len(str(c)) for c, _, _ in results)
    print(f"\n{'chapter':{width}}  {'seconds':>8}  status")
    for chapter, seconds, status in results:
        print(f"{str(chapter):{width}}  {seconds:8.1f}  {status}")
    print(f"{'total':{width}}  {sum(s for _, s, _ in results):8.1f}")
    if args.record:
        seconds = {chapter.stem: s for chapter, s, status in results if status == "ok"}
        run, how = {
            "user": (WARM_RUN, "each chapter in a fresh kernel, the cache filled by earlier runs"),
            "alone": (ALONE_RUN, "each chapter in a fresh kernel with an empty cache of its own"),
        }.get(args.cache,
              (args.preset, "each chapter in a fresh kernel, fresh cache, chapters in reading order"))
        _record(seconds, run, how)
        if args.cache == "fresh":
            record_work(WORK_FILE, run, work)
            print(f"recorded the work of {len(work)} chapter(s) in {WORK_FILE}")


if __name__ == "__main__":
    main()
