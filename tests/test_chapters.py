"""Execute every chapter listed in _toc.yml, top to bottom in a fresh kernel, at the smoke preset.

All chapters share one cache folder, as they do for a reader; the first chapter that needs an
artefact builds it. Each chapter is also checked to have exactly one ``parameters`` cell.
"""

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools.browser_check import promises_figures
from tools.notebooks import TICKS_CHECKED, chapters_in_toc, execute_chapter, is_notebook
from tools.pairs import CODE_COLUMN, SOURCE_COLUMN
from tools.solutions import silent_solutions, solutions_of

CHAPTERS = [chapter for chapter in chapters_in_toc() if is_notebook(chapter)]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("chapter-cache")


def test_toc_lists_the_foundation_chapters():
    names = [chapter.stem for chapter in CHAPTERS]
    assert names[:2] == ["intro", "listening"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_chapter_code_fits_the_page_column(chapter):
    lines = [line for cell in jupytext.read(chapter).cells if cell.cell_type == "code"
             for line in cell.source.splitlines()]
    assert [line for line in lines if len(line) > CODE_COLUMN] == [], "run: python -m tools.pairs"


LITERALINCLUDE = re.compile(r"```\{literalinclude\} (\S+)\n:pyobject: (\S+)")


def _pyobject_source(path: Path, dotted: str) -> str:
    """The source of ``Class.method`` or ``function`` in ``path``, as literalinclude shows it."""
    nodes = ast.parse(path.read_text()).body
    for name in dotted.split("."):
        node = next(n for n in nodes if getattr(n, "name", None) == name)
        nodes = getattr(node, "body", [])
    return ast.get_source_segment(path.read_text(), node, padded=True)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_package_source_shown_fits_the_page_column(chapter):
    shown = LITERALINCLUDE.findall(chapter.read_text())
    for relative, dotted in shown:
        source = _pyobject_source((chapter.parent / relative).resolve(), dotted)
        wide = [line for line in source.splitlines() if len(line) > SOURCE_COLUMN]
        assert wide == [], f"{relative}:{dotted} (xaiaudio/ruff.toml sets the package's line length)"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_code_blocks_in_the_text_fit_the_page_column(chapter):
    """Code blocks outside cells (exercise solutions, shell commands) sit in narrower dropdowns."""
    wide, fence = [], None
    for line in chapter.read_text().splitlines():
        marker = re.match(r"^(`{3,})(\w*)\s*$", line)
        if fence is None and marker and marker.group(2):
            fence = marker.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is not None and len(line) > CODE_COLUMN:
            wide.append(line)
    assert wide == []


def test_course_guide_plans_every_exercise():
    labels = {label for chapter in CHAPTERS
              for label in re.findall(r"^:label: (\S+)", chapter.read_text(), re.MULTILINE)}
    guide = Path("book/course.md").read_text()
    assert labels, "no exercise labels found"
    assert sorted(label for label in labels if f"{{ref}}`{label} <{label}>`" not in guide) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_chapter_has_one_parameters_cell(chapter):
    notebook = jupytext.read(chapter)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("preset", "device", "data_dir", "strict", "seed"):
        assert f"{name} =" in tagged[0].source


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_a_chapter_run_at_another_preset_says_so_under_its_setup_cell(chapter):
    cells = [cell for cell in jupytext.read(chapter).cells if cell.cell_type == "code"]
    setup = next(i for i, cell in enumerate(cells) if "config = setup(" in cell.source)
    notice = cells[setup + 1]
    assert re.fullmatch(r'(?s).*preset_notice\(config(, prose_corpus="\w+")?\)', notice.source.strip())
    assert "remove-input" in notice.metadata.get("tags", [])


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_the_prose_corpus_is_the_corpus_the_chapter_reads_by_default(chapter):
    """The notice and the asserted findings speak of the data the chapter's text was written for: its default
    ``corpus``; a chapter with no corpus parameter reads neither embedded corpus and names none."""
    source = chapter.read_text()
    parameters = next(cell.source for cell in jupytext.read(chapter).cells
                      if "parameters" in cell.metadata.get("tags", []))
    default = re.search(r'^corpus = "(\w+)"', parameters, re.M)
    named = set(re.findall(r'prose_corpus="(\w+)"', source))
    calls = len(re.findall(r"^(?:preset_notice|check_findings)\(", source, re.M))
    if default is None:
        assert named == set()
    else:
        assert named == {default.group(1)}
        assert source.count(f'prose_corpus="{default.group(1)}"') == calls


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_every_solution_is_code(chapter):
    """A student checks an answer by running it: every solution shows the code that answers."""
    assert [solution.label for solution in solutions_of(chapter) if not solution.code] == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_chapter_and_its_solutions_execute_at_smoke_preset(chapter, shared_cache, tmp_path,
                                                            monkeypatch):
    """The chapter top to bottom, then its solutions' code, each of which must print its answer;
    no figure it draws has overlapping tick labels."""
    monkeypatch.setenv("XAIAUDIO_CACHE", str(shared_cache))
    executed, _ = execute_chapter(chapter, tmp_path, {"preset": "smoke"}, solutions=True,
                                  check_ticks=True)
    notebook = nbformat.read(executed, as_version=4)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    assert silent_solutions(notebook) == []
    # the tick-label check saw the chapter's figures (a hook that never ran would pass silently)
    checked = [int(line.split(TICKS_CHECKED)[1]) for output in outputs
               for line in "".join(output.get("text", "")).splitlines() if TICKS_CHECKED in line]
    assert len(checked) == 1 and (checked[0] > 0 or not promises_figures(chapter.read_text()))
    # a glued NumPy scalar prints as "np.float64(...)", which the book's {glue:text}`key:.1f`
    # cannot format (a build warning): glue Python numbers
    record = "application/papermill.record/text/plain"
    numpy_glue = [output["metadata"]["scrapbook"]["name"] for output in outputs
                  if "scrapbook" in output.get("metadata", {})
                  and str(output["data"].get(record, "")).startswith("np.")]
    assert numpy_glue == [], "glue float(value), not a NumPy scalar"
