"""The student edition (tools/student_edition.py) and the browser check's rules for it.

One test builds a one-page book with Jupyter Book twice (about 15 s each): the normal edition
shows the solution, the student edition shows the exercise and no trace of the solution. The
rest needs no build: the "no solution text" rule on pages shaped like sphinx-exercise's, and the
refusals of ``--reuse`` on an execution cache written here.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from tools import browser_check, notebooks, student_edition

SOLUTION_PROSE = "Count them with the loader and compare the two presets side by side."
SOLUTION_CODE = "answer_to_everything = sum(range(10)) - 3"

CHAPTER = f"""# Intro

Some text before the exercise.

````{{exercise}} Counting clips
:label: tiny-count

How many clips does the corpus hold at each preset?
````

````{{solution}} tiny-count
:class: dropdown

{SOLUTION_PROSE}

```python
{SOLUTION_CODE}
```
````
"""

CONFIG = {"title": "Tiny", "author": "t", "only_build_toc_files": True, "exclude_patterns": ["_build"],
          "execute": {"execute_notebooks": "off"}, "parse": {"myst_enable_extensions": ["colon_fence"]},
          "sphinx": {"extra_extensions": ["sphinx_exercise"]}}


def page(body: str) -> str:
    return f'<html><body><main><article class="bd-article">{body}</article></main></body></html>'


EXERCISE_BOX = ('<div class="exercise admonition" id="tiny-count"><p class="admonition-title">Exercise 1 '
                '(Counting clips)</p><p>How many clips does the corpus hold at each preset?</p></div>')
# sphinx-exercise's dropdown: hidden on the screen, in the page's text all the same.
SOLUTION_BOX = ('<details class="solution dropdown admonition" id="book/intro-solution-1"><summary>Solution'
                f'</summary><p>{SOLUTION_PROSE}</p><div class="highlight"><pre><span class="n">'
                'answer_to_everything</span> <span class="o">=</span> <span class="nb">sum</span>'
                '(<span class="nb">range</span>(<span class="mi">10</span>)) <span class="o">-</span> '
                '<span class="mi">3</span></pre></div></details>')


def report(body: str, tmp_path: Path) -> dict:
    file = tmp_path / "book" / "intro.html"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(page(body))
    return browser_check.static_report(file.read_text(), file)


def test_a_chapters_exercises_and_solution_passages():
    facts = browser_check.exercises_of(CHAPTER)
    assert (facts.labels, facts.count, facts.solutions) == (("tiny-count",), 1, 1)
    assert facts.solution_text == (SOLUTION_CODE, SOLUTION_PROSE.rstrip("."))
    assert "How many clips" in facts.outside and SOLUTION_CODE not in facts.outside
    # A line the chapter also shows outside its solutions is no evidence of a solution.
    shared = CHAPTER.replace("Some text before the exercise.", f"```python\n{SOLUTION_CODE}\n```")
    assert browser_check.exercises_of(shared).solution_text == (SOLUTION_PROSE.rstrip("."),)


def test_the_no_solution_rule_fails_a_page_with_solution_text(tmp_path):
    facts = browser_check.exercises_of(CHAPTER)
    student = browser_check.analyse_report("book/intro", report(EXERCISE_BOX, tmp_path), False,
                                           exercises=facts)
    assert student.ok, student.failures
    shown = browser_check.analyse_report("book/intro", report(EXERCISE_BOX + SOLUTION_BOX, tmp_path), False,
                                         exercises=facts)
    assert shown.failures == ["solution text on the page (2 passage(s)): " + SOLUTION_CODE,
                              "1 solution box(es) on the page"]
    # Solution text outside a solution box (an admonition, a copied cell) fails too.
    copied = browser_check.analyse_report("book/intro", report(EXERCISE_BOX + f"<p>{SOLUTION_PROSE}</p>",
                                                               tmp_path), False, exercises=facts)
    assert copied.failures == ["solution text on the page (1 passage(s)): " + SOLUTION_PROSE.rstrip(".")]
    # Without the exercise, the page fails as well; the normal edition is not checked for any of it.
    assert browser_check.analyse_report("book/intro", report("<p>x</p>", tmp_path), False,
                                        exercises=facts).failures == ["exercise(s) missing: tiny-count"]
    assert browser_check.analyse_report("book/intro", report(SOLUTION_BOX, tmp_path), False).ok


def test_the_browsers_report_is_read_the_same_way():
    facts = browser_check.exercises_of(CHAPTER)
    seen = {"text": "Exercise 1", "all_text": f"Exercise 1 {SOLUTION_CODE}", "exercises": ["tiny-count"],
            "solution_boxes": 0}
    assert browser_check.analyse_report("book/intro", seen, False, exercises=facts).failures == [
        "solution text on the page (1 passage(s)): " + SOLUTION_CODE]


def test_every_file_of_the_build_is_searched(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.html").write_text(page(EXERCISE_BOX))
    (tmp_path / "searchindex.js").write_text('Search.setIndex({"terms": {"clip": [0]}})')
    assert browser_check.solution_files(tmp_path, [SOLUTION_CODE, SOLUTION_PROSE]) == []
    (tmp_path / "book" / "other.html").write_text(page(SOLUTION_BOX))
    (tmp_path / "intro.ipynb").write_text(json.dumps({"cells": [{"source": [SOLUTION_CODE + "\n"]}]}))
    (tmp_path / "_sources").mkdir()
    (tmp_path / "_sources" / "intro.md").write_text(CHAPTER)
    (tmp_path / "figure.png").write_bytes(SOLUTION_CODE.encode())  # not a text file: not searched
    assert browser_check.solution_files(tmp_path, [SOLUTION_CODE]) == [
        f"_sources/intro.md: {SOLUTION_CODE}", f"book/other.html: {SOLUTION_CODE}",
        f"intro.ipynb: {SOLUTION_CODE}"]


def test_the_student_config_hides_solutions_and_sources():
    config = student_edition.student_config(CONFIG, Path("/tmp/cache"))
    assert config["sphinx"]["config"] == {"hide_solutions": True, "html_copy_source": False,
                                          "html_show_sourcelink": False}
    assert config["title"] == "Tiny (student edition)"
    assert config["execute"] == {"execute_notebooks": "off", "cache": "/tmp/cache"}
    assert CONFIG["title"] == "Tiny" and "config" not in CONFIG["sphinx"]  # the book's own is untouched
    repository = yaml.safe_load((notebooks.REPOSITORY / "_config.yml").read_text())
    assert student_edition.student_config(repository)["sphinx"]["config"]["hide_solutions"] is True


def write_tiny_book(root: Path) -> Path:
    (root / "book").mkdir(parents=True)
    (root / "book" / "intro.md").write_text(CHAPTER)
    (root / "_config.yml").write_text(yaml.safe_dump(CONFIG))
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    return root


def test_a_tiny_book_has_its_exercise_and_not_its_solution(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "REPOSITORY", tmp_path)
    root = write_tiny_book(tmp_path)
    html = student_edition.build(root, root / "_build" / "student", "smoke", quiet=True)
    assert html == root / "_build" / "student" / "_build" / "html"
    text = (html / "book" / "intro.html").read_text()
    assert 'id="tiny-count"' in text and "How many clips does the corpus hold" in text
    assert "answer_to_everything" not in text and "Count them with the loader" not in text
    assert not (html / "_sources").exists()
    pages = browser_check.chapter_pages(html, root / "_toc.yml")
    assert browser_check.check_file(html, pages[0], browser_check.exercises_of(CHAPTER)).ok
    # The normal build of the same book shows the solution: the check's rule sees it there.
    normal = root / "_build" / "normal"
    normal_build = subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), "build", str(root),
                                   "--path-output", str(normal), "-W", "-n", "--keep-going"],
                                  capture_output=True, text=True)
    assert normal_build.returncode == 0, normal_build.stdout[-2000:]
    normal_html = normal / "_build" / "html"
    normal_page = browser_check.chapter_pages(normal_html, root / "_toc.yml")[0]
    shown = browser_check.check_file(normal_html, normal_page, browser_check.exercises_of(CHAPTER))
    assert "solution text on the page (2 passage(s)): " + SOLUTION_CODE in shown.failures
    assert browser_check.solution_files(normal_html, browser_check.book_solution_passages(pages))


# ----------------------------------------------------------------------------- --reuse

NOTEBOOK_CHAPTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
print("hello")
```
"""


def cached_book(root: Path, preset: str) -> tuple[Path, Path]:
    """A book with one notebook chapter, and a cache that holds it executed at ``preset``."""
    (root / "xaiaudio").mkdir(parents=True)
    (root / "xaiaudio" / "model.py").write_text("X = 1\n")
    (root / "pyproject.toml").write_text("[project]\n")
    chapter = root / "book" / "chapter.md"
    chapter.parent.mkdir()
    chapter.write_text(NOTEBOOK_CHAPTER)
    old = time.time() - 3600
    for file in (root / "xaiaudio" / "model.py", root / "pyproject.toml"):
        os.utime(file, (old, old))
    notebook = student_edition.chapter_notebook(chapter, CONFIG)
    notice = student_edition.preset_notices().get(preset)
    if notice:
        output = nbformat.v4.new_output("display_data", data={"text/html": notice})
    else:
        output = nbformat.v4.new_output("stream", name="stdout", text="hello\n")
    notebook.cells[-1].outputs = [output]
    cache = root / "cache"
    get_cache(str(cache)).cache_notebook_bundle(CacheBundleIn(notebook, str(chapter)), check_validity=False)
    return cache, chapter


def test_reuse_of_a_fresh_cache_at_the_same_preset(tmp_path):
    cache, chapter = cached_book(tmp_path, "smoke")
    package = tmp_path / "xaiaudio"
    for later in (package / ".ruff_cache" / "x", package / "__pycache__" / "m.pyc"):
        later.parent.mkdir()
        later.write_text("not code")  # written after the build, changes no output
    assert student_edition.reuse_problems(cache, [chapter], CONFIG, "smoke", tmp_path) == []
    assert student_edition.executed_since(cache, time.time() - 60) == [str(chapter)]
    assert student_edition.executed_since(cache, time.time() + 60) == []


def test_reuse_is_refused_at_another_preset(tmp_path):
    cache, chapter = cached_book(tmp_path, "smoke")
    assert student_edition.reuse_problems(cache, [chapter], CONFIG, "book", tmp_path) == [
        "book/chapter.md: ran at the smoke preset, not book"]
    assert student_edition.reuse_problems(cache, [chapter], CONFIG, "paper", tmp_path) == [
        "book/chapter.md: ran at the smoke preset, not paper"]
    cache, chapter = cached_book(tmp_path / "book_preset", "book")
    assert student_edition.reuse_problems(cache, [chapter], CONFIG, "smoke", tmp_path / "book_preset") == [
        "no chapter in the cache says it ran at the smoke preset"]


def test_reuse_is_refused_after_a_package_edit_or_a_chapter_edit(tmp_path):
    cache, chapter = cached_book(tmp_path, "smoke")
    (tmp_path / "xaiaudio" / "model.py").write_text("X = 2\n")  # edited after the build
    future = time.time() + 5
    os.utime(tmp_path / "xaiaudio" / "model.py", (future, future))
    problems = student_edition.reuse_problems(cache, [chapter], CONFIG, "smoke", tmp_path)
    assert len(problems) == 1 and "before xaiaudio/model.py changed" in problems[0]
    chapter.write_text(NOTEBOOK_CHAPTER.replace('print("hello")', 'print("hello again")'))
    assert student_edition.reuse_problems(cache, [chapter], CONFIG, "smoke", tmp_path) == [
        "book/chapter.md: its code is not in the cache (edited since that build?)"]


def test_build_refuses_a_missing_cache_and_builds_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "REPOSITORY", tmp_path)
    root = write_tiny_book(tmp_path)
    with pytest.raises(student_edition.ReuseRefused, match="no execution cache"):
        student_edition.build(root, root / "_build" / "student", "smoke", reuse=root / "_build" / "smoke")


def test_a_solution_line_that_a_page_lists_from_the_package_is_not_a_leak():
    from tools.notebooks import REPOSITORY

    source = (REPOSITORY / "xaiaudio/core/formatting.py").read_text().splitlines()
    listed = next(line.strip() for line in source
                  if len(line.strip()) >= browser_check.MIN_CODE_LINE and line.strip().startswith("return"))
    chapter = ("```{literalinclude} ../xaiaudio/core/formatting.py\n:pyobject: format_number\n```\n\n"
               "````{exercise}\n:label: e\n\nDo it.\n````\n\n"
               "````{solution} e\n:class: dropdown\n\n```python\n" + listed
               + "\nanswer = 42 * 1000 + 7\n```\n````\n")
    passages = browser_check.exercises_of(chapter).solution_text
    assert "answer = 42 * 1000 + 7" in passages
    assert browser_check.normalise(listed) not in passages
