"""tools.book_report: every count on a small synthetic chapter, and a run on the real book."""

import json
import re
from pathlib import Path

import pytest

from tools.book_report import (
    PACKAGE,
    TEACHING_CHAPTERS,
    book_report,
    chapter_report,
    glue_lines,
    listed_lines,
    main,
    player_functions,
    read_markdown,
)
from tools.notebooks import chapters_in_toc, is_notebook

FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
"""

MODULE = '''\
"""A small module for the tests."""


def helper(x):
    return x


@staticmethod
def small(x, y):
    """Six lines with the decorator."""
    total = x + y
    return total


class Box:
    def size(self):
        return 1
'''

# hidden cells at the top: a removed install cell (its player does not show), then the hook
TOP = """\
```{code-cell} ipython3
:tags: [remove-cell]

import sys
display(Audio([0.0], rate=8000))
```

```{code-cell} ipython3
:tags: [remove-input]

fig, ax = plt.subplots()
ax.plot([1, 2])
plt.show()
display(Audio([0.0, 0.1], rate=8000))
```
"""

# 3 + 10 + 2 + 2 = 17 prose words; the literalinclude lists `small` (5 lines)
INTRO = """\
# Title words here

(my-label)=
The rate is {glue:text}`rate:.1f` Hz, see {ref}`the figure <fig-x>` and {cite}`key`.

:::{admonition} Two words
:class: tip

Inside box.
:::

```python
x = 1 + 2  # words in a code block
```

% a comment
```{literalinclude} ../pkg/mod.py
:pyobject: small
```
"""

# 8 visible lines, 5 of them glue lines; the "parameters" tag keeps the cell visible
VISIBLE = """\
```{code-cell} ipython3
:tags: [parameters]

rate = 7.0

glue("rate", rate, display=False)
glue(
    "twice",
    2 * rate,
)
print(rate)
draw_pipeline_diagram()
```
"""

# collapsed: 3 lines (its glue is not a visible glue line), one figure
COLLAPSED = """\
```{code-cell} ipython3
:tags: [hide-input]

plot_thing(rate)
glue("hidden", 1, display=False)
display(Audio([0.0], rate=8000))
```
"""

ENDING = """\
## What we found

The verdict.

```{figure} ../_static/flow.svg
:name: fig-flow

A caption of six words here.
```

## Summary

Done.

::::{admonition} How sure are we?
:class: dropdown

Quite.
::::
"""


def write_chapter(folder: Path, *parts: str) -> Path:
    (folder / "pkg").mkdir(exist_ok=True)
    (folder / "pkg" / "mod.py").write_text(MODULE)
    (folder / "book").mkdir(exist_ok=True)
    path = folder / "book" / "chapter.md"
    path.write_text(FRONT_MATTER + "\n" + "\n".join(parts))
    return path


def test_every_count_of_a_synthetic_chapter(tmp_path):
    path = write_chapter(tmp_path, TOP, INTRO, VISIBLE, COLLAPSED, ENDING)
    report = chapter_report(path, package=tmp_path / "pkg")
    # 17 + "What we found The verdict." (5) + caption (6) + "Summary Done." (2) + title and box (5)
    assert report.prose_words == 17 + 5 + 6 + 2 + 5
    assert report.visible_code_lines == 8
    assert report.collapsed_code_lines == 3
    assert report.hidden_code_lines == 2 + 4
    assert report.glue_lines == 5
    assert report.listed_package_lines == 5
    # the hook's subplots, the diagram call, the collapsed plot_thing, the {figure}
    assert report.figures == 4
    assert report.diagrams == 2  # draw_pipeline_diagram() and _static/flow.svg
    assert report.audio_players == 2  # the hook's and the collapsed cell's, not the removed cell's
    assert (report.hook, report.what_we_found, report.summary, report.how_sure) == (True, True, True, True)


def test_parts_absent(tmp_path):
    # the figure and player come after the first visible code cell: no hook; no anatomy headings
    path = write_chapter(tmp_path, INTRO, VISIBLE, TOP, "## What we found here\n\n## Summaries\n")
    report = chapter_report(path, package=tmp_path / "pkg")
    assert report.figures == 2 and report.audio_players == 1
    assert not any((report.hook, report.what_we_found, report.summary, report.how_sure))


def test_hook_needs_both_a_sound_and_a_picture(tmp_path):
    sound_only = "```{code-cell} ipython3\n:tags: [remove-input]\n\ndisplay(Audio([0.0], rate=8000))\n```\n"
    report = chapter_report(write_chapter(tmp_path, sound_only, VISIBLE), package=tmp_path / "pkg")
    assert report.audio_players == 1 and not report.hook


def test_how_sure_as_a_dropdown_title(tmp_path):
    box = ":::{dropdown} How sure are we\nQuite.\n:::\n"
    report = chapter_report(write_chapter(tmp_path, box), package=tmp_path / "pkg")
    assert report.how_sure and not report.summary


def test_prose_words_of_one_cell():
    markdown = read_markdown(INTRO)
    assert markdown.words == 17
    assert markdown.headings == ["Title words here"]
    assert markdown.includes == [("../pkg/mod.py", {"pyobject": "small"})]


def test_glue_lines_counts_every_line_of_a_call():
    source = 'x = 1\nglue("a", x)\nglue(\n    "b",\n    x,\n)\n%time y = 2\n'
    assert glue_lines(source) == 5


def test_listed_lines(tmp_path):
    module = write_chapter(tmp_path).parent.parent / "pkg" / "mod.py"
    assert listed_lines(module, {"pyobject": "small"}) == 5
    assert listed_lines(module, {"pyobject": "Box.size"}) == 2
    assert listed_lines(module, {}) == len(MODULE.splitlines())
    assert listed_lines(module, {"lines": "1-3,5"}) == 4


def test_listed_lines_of_a_real_package_function():
    module = PACKAGE / "explain" / "statistics.py"
    lines = module.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("def group_labels(")), None)
    if start is None:
        pytest.skip("xaiaudio.explain.statistics has no group_labels any more")
    # to the next top-level line, trailing blank lines left out
    stop = next(i for i in range(start + 1, len(lines) + 1) if i == len(lines) or re.match(r"\S", lines[i]))
    while not lines[stop - 1].strip():
        stop -= 1
    assert listed_lines(module, {"pyobject": "group_labels"}) == stop - start


def test_the_explorer_widget_is_a_player():
    assert "widget" in player_functions(PACKAGE)


def test_the_real_book(tmp_path, capsys):
    toc = {path.stem for path in chapters_in_toc() if is_notebook(path)}
    assert set(TEACHING_CHAPTERS) <= toc
    output = tmp_path / "report.json"
    main(["--markdown", "--json", str(output)])
    table = capsys.readouterr().out
    numbers = json.loads(output.read_text())
    assert list(numbers) == list(TEACHING_CHAPTERS)
    for name in TEACHING_CHAPTERS:
        assert re.search(rf"^\| {name} \|", table, re.M)
        assert numbers[name]["prose_words"] > 0
        assert numbers[name]["visible_code_lines"] + numbers[name]["collapsed_code_lines"] > 0
    assert sum(chapter["listed_package_lines"] for chapter in numbers.values()) > 0
    assert sum(chapter["figures"] for chapter in numbers.values()) > 0
    assert sum(chapter["audio_players"] for chapter in numbers.values()) > 0


def test_book_report_takes_a_folder(tmp_path):
    write_chapter(tmp_path, TOP, VISIBLE)
    (report,) = book_report(tmp_path / "book", chapters=("chapter",), package=tmp_path / "pkg")
    assert report.chapter == "chapter" and report.hook
