"""The solutions runner: the blocks it collects; it fails on a solution that raises or is silent."""

import textwrap

import nbformat
import papermill
import pytest

from tools.notebooks import execute_chapter
from tools.solutions import SOLUTION_TAG, chapter_solutions, silent_solutions

CHAPTER = textwrap.dedent('''\
    ---
    kernelspec:
      name: python3
      display_name: Python 3
    ---

    ```{code-cell} ipython3
    :tags: [parameters]
    preset = "smoke"
    ```

    ```{code-cell} ipython3
    answer = 42
    ```

    ````{exercise}
    :label: ex-print
    Print the answer.
    ````

    ````{solution} ex-print
    :class: dropdown

    ```python
    print(answer)
    ```

    ```bash
    echo not run
    ```
    ````

    ````{solution} ex-prose
    :class: dropdown

    Only words.
    ````

    ````{solution} ex-silent
    :class: dropdown

    ```python
    silent = answer + 1
    ```
    ````
    ''')


def test_solutions_are_collected_with_their_python_blocks_only():
    solutions = chapter_solutions(CHAPTER)
    assert [(solution.label, solution.code) for solution in solutions] == [
        ("ex-print", "print(answer)"), ("ex-prose", ""), ("ex-silent", "silent = answer + 1")]


def test_a_silent_solution_is_reported_and_a_printing_one_is_not(tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(CHAPTER)
    executed, _ = execute_chapter(chapter, tmp_path / "out", solutions=True)
    notebook = nbformat.read(executed, as_version=4)
    assert [cell.metadata[SOLUTION_TAG] for cell in notebook.cells
            if SOLUTION_TAG in cell.metadata.get("tags", [])] == ["ex-print", "ex-silent"]
    assert silent_solutions(notebook) == ["ex-silent"]


def test_a_solution_that_raises_fails_the_run(tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(CHAPTER.replace("print(answer)", "print(undefined_name)"))
    with pytest.raises(papermill.PapermillExecutionError, match="undefined_name"):
        execute_chapter(chapter, tmp_path / "out", solutions=True)
