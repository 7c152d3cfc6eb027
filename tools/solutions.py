"""Exercise solutions as code that runs: collect them from a chapter and check what they print.

A chapter's ``{solution}`` blocks are markdown (the book shows them in dropdowns), so the book's own
build never runs the code they show.  :func:`chapter_solutions` reads the fenced ``python`` blocks of
every solution; :func:`append_solutions` adds them to the chapter's notebook as code cells after the
chapter's last cell, one cell per solution, tagged ``solution`` with the exercise label in the cell's
metadata, so that a solution runs in the context a student has at the end of the chapter.
:func:`silent_solutions` lists the solutions of an executed notebook that printed nothing.

``python -m tools.notebooks book/scattering.md --solutions`` runs a chapter with its solutions;
``tests/test_chapters.py`` runs every chapter that way at the smoke preset and fails when a solution
raises or prints nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

#: A ``{solution}`` directive fenced with three or more backticks, up to its closing fence.
_SOLUTION = re.compile(r"^(`{3,})\{solution\} (\S+)[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
#: A fenced ``python`` code block inside a solution (shell commands use ``bash`` and are not run).
_PYTHON = re.compile(r"^(`{3,})python[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)

SOLUTION_TAG = "solution"


@dataclass(frozen=True)
class Solution:
    """One exercise's solution: its label and its Python code (``""`` for a solution in prose only)."""

    label: str
    code: str


def chapter_solutions(text: str) -> list[Solution]:
    """Every ``{solution}`` block of a chapter's MyST text, in page order."""
    return [
        Solution(label, "\n".join(code.rstrip("\n") for _, code in _PYTHON.findall(body)))
        for _, label, body in _SOLUTION.findall(text)
    ]


def append_solutions(notebook: nbformat.NotebookNode, solutions: list[Solution]) -> None:
    """Append one code cell per solution with code, tagged :data:`SOLUTION_TAG`."""
    for solution in solutions:
        if solution.code:
            cell = nbformat.v4.new_code_cell(solution.code)
            cell.metadata["tags"] = [SOLUTION_TAG]
            cell.metadata[SOLUTION_TAG] = solution.label
            notebook.cells.append(cell)


def _prints(output: dict) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") == "stdout" and bool("".join(output.get("text", "")).strip())
    return output.get("output_type") in ("execute_result", "display_data")


def silent_solutions(executed: nbformat.NotebookNode) -> list[str]:
    """The labels of the solution cells of an executed notebook that printed or displayed nothing.

    Warnings on stderr do not count: a solution answers its exercise on stdout, with a value or a
    figure.
    """
    return [
        cell.metadata[SOLUTION_TAG]
        for cell in executed.cells
        if SOLUTION_TAG in cell.metadata.get("tags", [])
        and not any(_prints(output) for output in cell.get("outputs", []))
    ]


def solutions_of(chapter: Path) -> list[Solution]:
    """The solutions of a chapter file."""
    return chapter_solutions(chapter.read_text())
