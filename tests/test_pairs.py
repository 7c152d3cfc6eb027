"""Every chapter has an .ipynb pair in sync, whose first cell installs xaiaudio only where it is missing."""

import importlib.util
import subprocess

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


def test_install_cell_does_nothing_where_xaiaudio_imports(monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail("pip was called"))
    exec(_install_cell(CHAPTERS[0]), {})


def test_install_cell_installs_from_the_configured_repository_where_xaiaudio_is_missing(monkeypatch):
    calls = []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append(command))
    exec(_install_cell(CHAPTERS[0]), {})
    assert len(calls) == 1 and calls[0][-1] == f"xaiaudio[book] @ git+{pairs.repository_url()}"
