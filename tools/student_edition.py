"""Build the student edition of the book: every chapter and exercise, no solution.

Usage::

    python -m tools.student_edition [--preset smoke] [--reuse _build/smoke] [--output _build/student]

It runs ``jupyter-book build . --path-output _build/student -W -n --keep-going`` with the
repository's ``_config.yml`` changed in a copy, ``_build/student/_config.yml`` (:func:`student_config`):
sphinx-exercise's ``hide_solutions`` (a ``{solution}`` block becomes nothing), no copied sources
(``_sources/`` would hold every solution) and "(student edition)" in the title. The HTML is in
``_build/student/_build/html``; the command then searches every file there for the text of the
solutions (:func:`tools.browser_check.solution_files`) and fails when it finds some.

The output folder is emptied first, so the student edition never shows outputs of an earlier
build. Without ``--reuse`` every chapter is executed again at ``--preset`` (default
``$XAIAUDIO_PRESET``, else ``book``). ``--reuse DIR`` takes the executed chapters from the
execution cache of the normal build whose ``--path-output`` was DIR (``DIR/_build/.jupyter_cache``;
``.`` for the default build) instead; hiding solutions changes no code cell, so every chapter
matches its cached notebook. The cache does not know the package or the preset, so reuse is refused
(exit status 2, nothing built) unless (:func:`reuse_problems`):

* every chapter's code is in that cache (a chapter edited since, never executed there);
* every cached notebook it would reuse was executed after the last change to any file of the
  package (``xaiaudio/``) and to ``pyproject.toml``: the normal build ran the code as it is now;
* the cached notebooks ran at ``--preset``: the preset notice of each chapter
  (:func:`xaiaudio.report.preset_notice.preset_notice`) is that preset's, and no other's.

The cache is copied, so the normal build's own cache is never written; after the build the copy
must hold no notebook executed by the student build. CI (``.ci/run``) runs it right after the
normal smoke build: ``python -m tools.student_edition --preset smoke --reuse _build/smoke``.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tools import browser_check, notebooks

ROOT = notebooks.REPOSITORY
DEFAULT_OUTPUT = Path("_build/student")
#: Where Jupyter Book keeps its execution cache under a ``--path-output`` folder.
CACHE = Path("_build") / ".jupyter_cache"
#: Files whose change can change a chapter's outputs without changing its code cells.
CODE_INPUTS = ("xaiaudio", "pyproject.toml")


class ReuseRefused(SystemExit):
    """The cache of ``--reuse`` cannot be used safely; the message says why."""


def student_config(config: dict, cache: Path | None = None) -> dict:
    """The book's configuration (``_config.yml`` as a dict) for the student edition.

    ``hide_solutions`` drops every ``{solution}`` block; ``html_copy_source`` off keeps the chapter
    sources (with their solutions) out of ``_sources/`` and the page's download menu. ``cache``:
    the execution cache to use (absolute), so that one named in ``_config.yml`` is never shared.
    """
    config = copy.deepcopy(config)
    config["title"] = f"{config.get('title') or 'Book'} (student edition)"
    sphinx = config.setdefault("sphinx", {}) or {}
    config["sphinx"] = sphinx
    settings = sphinx.get("config") or {}
    sphinx["config"] = settings
    settings["hide_solutions"] = True
    settings["html_copy_source"] = False
    settings["html_show_sourcelink"] = False
    if cache is not None:
        execute = config.get("execute") or {}
        config["execute"] = execute
        execute["cache"] = str(cache)
    return config


# --------------------------------------------------------------------------- reusing a normal build


def _utc_seconds(moment: datetime.datetime) -> float:
    """Seconds since the epoch of a cache record's time (jupyter-cache stores UTC without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def newest_code_change(root: Path) -> tuple[float, Path | None]:
    """The latest modification time of the files of :data:`CODE_INPUTS`, and that file.

    Byte code and hidden folders (a linter's cache) are left out: they change without the code.
    """
    newest, which = 0.0, None
    for name in CODE_INPUTS:
        path = root / name
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc"
            and not any(part == "__pycache__" or part.startswith(".") for part in p.relative_to(path).parts)]
        for file in files:
            mtime = file.stat().st_mtime
            if mtime > newest:
                newest, which = mtime, file
    return newest, which


def chapter_notebook(chapter: Path, config: dict):
    """A chapter as myst-nb reads it for execution (what the cache's hash is computed from)."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = chapter.read_text()
    extensions = set((config.get("parse") or {}).get("myst_enable_extensions") or [])
    reader = create_nb_reader(str(chapter), MdParserConfig(enable_extensions=extensions), NbParserConfig(),
                              text)
    return None if reader is None else reader.read(text)


def preset_notices() -> dict[str, str]:
    """The HTML of the preset notice of every preset that has one (:mod:`xaiaudio.report.preset_notice`)."""
    from xaiaudio.core.presets import PRESETS, RunConfig
    from xaiaudio.report.preset_notice import preset_notice

    notices = {}
    for name, preset in PRESETS.items():
        # the book's own data: the notice then speaks of the preset alone
        notice = preset_notice(RunConfig(preset, None, None, 0))
        if notice is not None:
            notices[name] = notice.data
    return notices


def _html_outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("text/html")
            if data:
                texts.append(data if isinstance(data, str) else "".join(data))
    return "\n".join(texts)


def reuse_problems(cache_dir: Path, chapters: list[Path], config: dict, preset: str,
                   root: Path = ROOT) -> list[str]:
    """Why the cached notebooks of ``cache_dir`` must not be shown for ``chapters`` at ``preset``.

    Empty when every notebook chapter's code is in the cache, was executed after the newest change
    to the package (:func:`newest_code_change`), and ran at ``preset`` (its preset notice).
    """
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    newest, changed = newest_code_change(root)
    notices = preset_notices()
    problems, seen_notice = [], False
    for chapter in chapters:
        if not notebooks.is_notebook(chapter):
            continue
        name = chapter.relative_to(root).as_posix() if chapter.is_relative_to(root) else str(chapter)
        notebook = chapter_notebook(chapter, config)
        if notebook is None:
            continue
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            problems.append(f"{name}: its code is not in the cache (edited since that build?)")
            continue
        executed = _utc_seconds(record.created)
        if executed < newest:
            problems.append(f"{name}: executed at {time.ctime(executed)}, before "
                            f"{changed.relative_to(root) if changed else 'the package'} changed at "
                            f"{time.ctime(newest)}")
        shown = _html_outputs(cache.get_cache_bundle(record.pk).nb)
        others = sorted(other for other, notice in notices.items() if other != preset and notice in shown)
        if others:
            problems.append(f"{name}: ran at the {', '.join(others)} preset, not {preset}")
        seen_notice = seen_notice or notices.get(preset, "\0") in shown
    if preset in notices and not seen_notice and not problems:
        problems.append(f"no chapter in the cache says it ran at the {preset} preset")
    return problems


def copy_cache(source: Path, destination: Path) -> int:
    """Copy a Jupyter Book execution cache; return how many executed notebooks it holds."""
    from jupyter_cache import get_cache

    shutil.copytree(source, destination)
    return len(get_cache(str(destination)).list_cache_records())


def executed_since(cache_dir: Path, start: float) -> list[str]:
    """The notebooks of a cache executed (not reused) after ``start`` (seconds since the epoch)."""
    from jupyter_cache import get_cache

    return [record.uri for record in get_cache(str(cache_dir)).list_cache_records()
            if _utc_seconds(record.created) >= start]


# --------------------------------------------------------------------------- the build


def build(root: Path, output: Path, preset: str, reuse: Path | None = None,
          quiet: bool = False) -> Path:
    """Build the student edition of the book at ``root`` into ``output``; return its HTML folder.

    Raises :class:`ReuseRefused` (nothing built) when ``reuse``'s cache cannot be used safely, and
    ``SystemExit`` when the build fails or its output holds solution text.
    """
    root, output = root.resolve(), output.resolve()
    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    cache = output / CACHE
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    toc = root / "_toc.yml"
    chapters = chapters_of(toc, root)
    if reuse is not None:
        source = reuse.resolve() / CACHE
        if not source.is_dir():
            raise ReuseRefused(f"student_edition: no execution cache at {source}; build the book there "
                               "first or leave out --reuse")
        reused = copy_cache(source, cache)
        problems = reuse_problems(cache, chapters, config, preset, root)
        if problems:
            shutil.rmtree(output)
            raise ReuseRefused("student_edition: will not reuse " + str(source) + ":\n  "
                               + "\n  ".join(problems) + "\nRebuild that book from scratch (rm -rf "
                               f"{reuse}) at the {preset} preset, or leave out --reuse to execute again.")
        print(f"student_edition: reusing {reused} executed notebooks of {source}", flush=True)
    config_file = output / "_config.yml"
    config_file.write_text(yaml.safe_dump(student_config(config, cache), sort_keys=False))
    executable = Path(sys.executable).with_name("jupyter-book")
    command = [str(executable) if executable.exists() else "jupyter-book", "build", str(root),
               "--path-output", str(output), "--config", str(config_file), "-W", "-n", "--keep-going"]
    start = time.time()
    print("student_edition: " + " ".join(command), flush=True)
    completed = subprocess.run(command, env={**os.environ, "XAIAUDIO_PRESET": preset},
                               stdout=subprocess.DEVNULL if quiet else None)
    if completed.returncode:
        raise SystemExit(f"student_edition: jupyter-book build failed (status {completed.returncode})")
    if reuse is not None:
        executed = executed_since(cache, start)
        if executed:
            raise SystemExit("student_edition: executed instead of reused: " + ", ".join(executed))
    html_dir = output / "_build" / "html"
    pages = browser_check.chapter_pages(html_dir, toc)
    leaks = browser_check.solution_files(html_dir, browser_check.book_solution_passages(pages))
    if leaks:
        raise SystemExit("student_edition: solution text in the student edition:\n  " + "\n  ".join(leaks))
    return html_dir


def chapters_of(toc: Path, root: Path) -> list[Path]:
    """The chapter sources of ``toc`` (under ``root``), as the browser check finds them."""
    return [page.source for page in browser_check.chapter_pages(root / "_build" / "html", toc)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=None,
                        help="the preset the chapters run at (default: $XAIAUDIO_PRESET, else book)")
    parser.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                        help="take the executed chapters of the normal build with --path-output DIR "
                             "(refused unless it ran the current code at the same preset)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"the output folder, emptied first (default {DEFAULT_OUTPUT})")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book (default: this repository)")
    args = parser.parse_args(argv)
    preset = args.preset or os.environ.get("XAIAUDIO_PRESET") or "book"
    output = args.output if args.output.is_absolute() else args.root / args.output
    start = time.perf_counter()
    html_dir = build(args.root, output, preset, args.reuse)
    print(f"student_edition: the {preset} preset's student edition is in {html_dir} "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
