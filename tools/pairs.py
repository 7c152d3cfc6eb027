"""Pair every chapter with an ``.ipynb`` that launch buttons (Colab, Binder, JupyterHub) can open.

A chapter is written as MyST markdown (``book/<chapter>.md``); its pair ``book/<chapter>.ipynb`` is
the same notebook without outputs, written by jupytext (``formats: ipynb,md:myst``).  The book
excludes the ``.ipynb`` files from its build, and sphinx-book-theme's launch buttons point at the
``.ipynb`` when one sits beside the page's source.

Each chapter's first cell (tagged ``remove-cell``, so the book does not show it) installs the
package on a hosted kernel that lacks it (Colab, a hub without the book's environment) from the
repository named in ``_config.yml``, at the release the book was built from (:func:`release_tag`:
``v`` and ``pyproject.toml``'s version), and does nothing where ``xaiaudio`` imports.  It installs
the package without the ``book`` extra (a reader's kernel needs no Jupyter Book, JupyterLab or
papermill) and keeps the kernel's torch and torchvision (Colab's are CUDA builds): they are pip
constraints at their installed versions, so pip fails rather than replace them.

Command line: ``python -m tools.pairs`` formats every chapter's code cells to the page's code
column (``ruff format``, :data:`CODE_COLUMN` characters) and writes the install cell and the pairs;
``python -m tools.pairs --check`` lists the chapters whose pair or install cell is out of date and
exits 1 if there are any (``tests/test_pairs.py`` does the same).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import jupytext
import nbformat
import yaml

from tools.notebooks import REPOSITORY, chapters_in_toc, is_notebook

#: jupytext's pairing of a chapter: the notebook and the MyST markdown it is written in.
PAIRED_FORMATS = "ipynb,md:myst"

INSTALL_TAG = "remove-cell"

#: Characters of code the page's code column shows at 1280 px, measured in Chromium: a code cell is
#: 672 px wide at 8.7 px a character, a hide-input cell or a code block in a dropdown 652-654 px,
#: which holds 73.  Chapter cells and the code blocks of exercises are formatted to it, so that no
#: code block scrolls sideways (``tests/test_chapters.py`` checks it).
CODE_COLUMN = 73
#: The same for the package's source, which chapters show with ``literalinclude`` in the page's
#: flow (672 px): ``xaiaudio/ruff.toml`` sets the package's line length to it.
SOURCE_COLUMN = 75

_INSTALL_TEMPLATE = '''\
# On a hosted kernel (Colab, a hub) without the package: install the
# release the book was built from, keeping the kernel's torch.
import importlib.metadata
import importlib.util
import subprocess
import sys
import tempfile

if importlib.util.find_spec("xaiaudio") is None:
    url = "{url}"
    release = "{tag}"
    package = f"xaiaudio @ git+{{url}}@{{release}}"
    # keep the kernel's torch and torchvision (Colab's are CUDA builds):
    # pinned as installed, pip fails rather than replace them
    kept = []
    for name in ("torch", "torchvision"):
        try:
            kept.append(f"{{name}}=={{importlib.metadata.version(name)}}")
        except importlib.metadata.PackageNotFoundError:
            pass
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as constraints:
        constraints.write("\\n".join(kept) + "\\n")
        constraints.flush()
        command = [sys.executable, "-m", "pip", "install", "-q"]
        command += ["-c", constraints.name, package]
        subprocess.run(command, check=True)
    importlib.invalidate_caches()'''


def repository_url(config_path: Path = REPOSITORY / "_config.yml") -> str:
    """The repository URL of ``_config.yml`` (``repository.url``): the one place that names it."""
    return yaml.safe_load(config_path.read_text())["repository"]["url"].rstrip("/")


def release_version(pyproject_path: Path = REPOSITORY / "pyproject.toml") -> str:
    """The package's version, ``[project] version`` of ``pyproject.toml``: the one place that names the
    release (README, "Your fork, your hub")."""
    return tomllib.loads(pyproject_path.read_text())["project"]["version"]


def release_tag() -> str:
    """The git tag of the release the install cell installs: ``v`` and :func:`release_version`."""
    return f"v{release_version()}"


def install_source(url: str | None = None, tag: str | None = None) -> str:
    """The source of the install cell for release ``tag`` (default :func:`release_tag`) of the repository
    at ``url`` (default :func:`repository_url`)."""
    return _INSTALL_TEMPLATE.format(url=url or repository_url(), tag=tag or release_tag())


def chapters() -> list[Path]:
    """The notebook chapters of ``_toc.yml`` (MyST markdown with a kernelspec)."""
    return [chapter for chapter in chapters_in_toc() if is_notebook(chapter) and chapter.suffix == ".md"]


def _with_install_cell(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    cells = notebook.cells
    if cells and cells[0].cell_type == "code" and INSTALL_TAG in cells[0].metadata.get("tags", []):
        cells[0].source = source
    else:
        cells.insert(0, nbformat.v4.new_code_cell(source, metadata={"tags": [INSTALL_TAG]}))
    notebook.metadata.setdefault("jupytext", {})["formats"] = PAIRED_FORMATS
    return notebook


def _comparable(notebook: nbformat.NotebookNode) -> list[tuple]:
    return [(cell.cell_type, cell.source, sorted(cell.metadata.get("tags", []))) for cell in notebook.cells]


def problems(chapter: Path) -> list[str]:
    """What is out of date for ``chapter``: its install cell, its pairing, its ``.ipynb``."""
    notebook = jupytext.read(chapter)
    found = []
    first = notebook.cells[0] if notebook.cells else None
    if first is None or INSTALL_TAG not in first.metadata.get("tags", []) or first.source != install_source():
        found.append(f"the first cell is not the install cell of tools/pairs.py (release {release_tag()})")
    if notebook.metadata.get("jupytext", {}).get("formats") != PAIRED_FORMATS:
        found.append(f"jupytext formats is not {PAIRED_FORMATS!r}")
    pair = chapter.with_suffix(".ipynb")
    if not pair.is_file():
        return [*found, f"{pair.name} is missing"]
    paired = nbformat.read(pair, as_version=4)
    if _comparable(paired) != _comparable(notebook):
        found.append(f"{pair.name} differs from {chapter.name}")
    if any(cell.get("outputs") or cell.get("execution_count") for cell in paired.cells):
        found.append(f"{pair.name} holds outputs")
    return found


def _formatted(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with its code cells formatted by ``ruff format --line-length CODE_COLUMN``."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "chapter.ipynb"
        jupytext.write(notebook, copy, fmt="ipynb")
        subprocess.run([ruff, "format", "--quiet", "--line-length", str(CODE_COLUMN), str(copy)], check=True)
        formatted = nbformat.read(copy, as_version=4)
    for cell, new in zip(notebook.cells, formatted.cells):
        if cell.cell_type == "code":
            cell.source = new.source
    return notebook


def sync(chapter: Path) -> None:
    """Format the code cells of ``chapter``, write its install cell and pairing, and its ``.ipynb``
    (without outputs)."""
    notebook = _with_install_cell(_formatted(jupytext.read(chapter)), install_source())
    jupytext.write(notebook, chapter, fmt="md:myst")
    seen = set()
    for cell in notebook.cells:  # ids from the content, so that an unchanged cell keeps its id
        cell.id = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
        while cell.id in seen:
            cell.id = hashlib.sha1(cell.id.encode()).hexdigest()[:8]
        seen.add(cell.id)
    jupytext.write(notebook, chapter.with_suffix(".ipynb"), fmt="ipynb")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report chapters out of date")
    args = parser.parse_args(argv)
    stale = 0
    for chapter in chapters():
        if args.check:
            for problem in problems(chapter):
                print(f"{chapter.relative_to(REPOSITORY)}: {problem}")
                stale += 1
        else:
            sync(chapter)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
