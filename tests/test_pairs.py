"""Every chapter has an .ipynb pair in sync, whose first cell installs xaiaudio only where it is missing:
the release of pyproject.toml's version, without the book extra, keeping the kernel's torch."""

import importlib.metadata
import importlib.util
import subprocess
import tomllib
from pathlib import Path

import jupytext
import pytest

from tools import pairs

CHAPTERS = pairs.chapters()


def test_every_notebook_chapter_is_paired():
    assert len(CHAPTERS) >= 10


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_pair_and_install_cell_are_up_to_date(chapter):
    assert pairs.problems(chapter) == [], "run: python -m tools.pairs"


def test_a_stale_pair_is_reported(tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(CHAPTERS[0].read_text())
    assert any("missing" in problem for problem in pairs.problems(chapter))
    pairs.sync(chapter)
    assert pairs.problems(chapter) == []
    chapter.write_text(chapter.read_text() + "\n```{code-cell} ipython3\nx = 1\n```\n")
    assert any("differs" in problem for problem in pairs.problems(chapter))


def _install_cell(chapter) -> str:
    return jupytext.read(chapter).cells[0].source


def _pip_calls_of_the_install_cell(monkeypatch, chapter) -> list[tuple[list[str], str]]:
    """Run the install cell as on a kernel without xaiaudio; each pip command and its constraints file."""
    calls = []

    def run(command, **kwargs):
        constraints = command[command.index("-c") + 1] if "-c" in command else None
        calls.append((command, Path(constraints).read_text() if constraints else ""))

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(subprocess, "run", run)
    exec(_install_cell(chapter), {})
    return calls


def test_install_cell_does_nothing_where_xaiaudio_imports(monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail("pip was called"))
    exec(_install_cell(CHAPTERS[0]), {})


def test_install_cell_installs_the_release_of_pyproject_from_the_configured_repository(monkeypatch):
    version = tomllib.loads(Path("pyproject.toml").read_text())["project"]["version"]
    assert pairs.release_tag() == f"v{version}"
    ((command, _),) = _pip_calls_of_the_install_cell(monkeypatch, CHAPTERS[0])
    assert command[-1] == f"xaiaudio @ git+{pairs.repository_url()}@v{version}"
    source = _install_cell(CHAPTERS[0])
    assert "[book]" not in source, "a reader's kernel needs no Jupyter Book, JupyterLab or papermill"
    assert "@main" not in source and '"main"' not in source


def test_install_cell_keeps_the_kernels_torch(monkeypatch):
    ((command, constraints),) = _pip_calls_of_the_install_cell(monkeypatch, CHAPTERS[0])
    arguments = command[command.index("install") + 1 :]
    constraints_file = command[command.index("-c") + 1]
    requirements = [argument for argument in arguments if argument[0] != "-" and argument != constraints_file]
    assert requirements == [command[-1]] and "torch" not in command[-1]
    assert not {"-U", "--upgrade", "--force-reinstall", "--upgrade-strategy"} & set(arguments)
    # pinned at the installed versions: pip fails rather than replace Colab's CUDA torch
    pins = constraints.split()
    assert f"torch=={importlib.metadata.version('torch')}" in pins
    assert f"torchvision=={importlib.metadata.version('torchvision')}" in pins


def test_a_stale_release_in_the_install_cell_is_reported(tmp_path, monkeypatch):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(CHAPTERS[0].read_text())
    pairs.sync(chapter)
    assert pairs.problems(chapter) == []
    monkeypatch.setattr(pairs, "release_version", lambda: "99.0.0")
    assert any("v99.0.0" in problem and "install cell" in problem for problem in pairs.problems(chapter))
