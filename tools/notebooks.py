"""Execute a chapter (a jupytext MyST-markdown notebook) with papermill.

Papermill reads only ``.ipynb``, so the chapter is converted with jupytext first,
with the ``python3`` kernelspec.  Used by ``tests/test_chapters.py`` (every chapter
at the smoke preset) and by the benchmarks (chapter runtimes at the book preset).

Command line: ``python -m tools.notebooks book/scattering.md --preset smoke [--solutions]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

#: What the last cell of a run with ``check_ticks`` prints before the number of figure draws
#: whose tick labels it checked.
TICKS_CHECKED = "figure draws with their tick labels checked:"


def chapters_in_toc(toc_path: Path = REPOSITORY / "_toc.yml") -> list[Path]:
    """The chapter files listed in ``_toc.yml``, in reading order."""
    import yaml

    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]]

    def walk(node):
        for part in node.get("parts", []) + node.get("chapters", []) + node.get("sections", []):
            if "file" in part:
                files.append(part["file"])
            walk(part)

    walk(toc)
    found = []
    for name in files:
        candidates = [REPOSITORY / name] + [REPOSITORY / f"{name}{ext}" for ext in (".md", ".ipynb")]
        existing = [path for path in candidates if path.is_file()]
        if not existing:
            raise FileNotFoundError(f"{toc_path} lists {name!r}, but no {name}.md or {name}.ipynb exists")
        found.append(existing[0])
    return found


def is_notebook(path: Path) -> bool:
    """True for a notebook (``.ipynb``, or MyST markdown whose front matter has a kernelspec)."""
    if path.suffix == ".ipynb":
        return True
    text = path.read_text()
    return text.startswith("---") and "kernelspec:" in text.split("---", 2)[1]


def execute_chapter(chapter: Path, output_dir: Path, parameters: dict | None = None,
                    timeout: int = 1800, solutions: bool = False,
                    check_ticks: bool = False) -> tuple[Path, float]:
    """Run ``chapter`` top to bottom in a fresh kernel; return the executed notebook and seconds taken.

    ``parameters`` overrides the chapter's ``parameters`` cell (e.g. ``{"preset": "smoke"}``).
    With ``solutions``, the code of the chapter's exercise solutions runs after its last cell
    (:mod:`tools.solutions`).  With ``check_ticks``, every figure pyplot draws is checked for
    overlapping tick labels (:mod:`xaiaudio.report.tick_labels`), and a last cell fails the run
    when one had any, or else prints :data:`TICKS_CHECKED` and how many draws it checked.
    Raises papermill's ``PapermillExecutionError`` naming the failing cell.
    """
    import jupytext
    import nbformat
    import papermill

    from tools.solutions import append_solutions, solutions_of

    output_dir.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(chapter)
    if solutions:
        append_solutions(notebook, solutions_of(chapter))
    if check_ticks:
        from xaiaudio.report.tick_labels import HOOK

        notebook.cells.insert(0, nbformat.v4.new_code_cell(
            f"import matplotlib\nmatplotlib.rcParams['figure.hooks'] = [{HOOK!r}]"))
        notebook.cells.append(nbformat.v4.new_code_cell(
            "from xaiaudio.report.tick_labels import raise_if_overlapping\n"
            f"print({TICKS_CHECKED!r}, raise_if_overlapping())"))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = output_dir / f"{chapter.stem}.ipynb"
    jupytext.write(notebook, source, fmt="ipynb")
    executed = output_dir / f"{chapter.stem}.executed.ipynb"
    start = time.perf_counter()
    papermill.execute_notebook(str(source), str(executed), parameters=parameters or {},
                               kernel_name="python3", cwd=str(chapter.parent),
                               execution_timeout=timeout, progress_bar=False)
    return executed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapters to run (default: all in _toc.yml)")
    parser.add_argument("--preset", default="smoke")
    parser.add_argument("--output-dir", type=Path, default=Path("_build/executed"))
    parser.add_argument("--solutions", action="store_true",
                        help="also run the exercise solutions' code, and list those that print nothing")
    parser.add_argument("--check-ticks", action="store_true",
                        help="fail a chapter that draws a figure with overlapping tick labels")
    args = parser.parse_args()
    for chapter in args.chapters or [c for c in chapters_in_toc() if is_notebook(c)]:
        executed, seconds = execute_chapter(chapter, args.output_dir, {"preset": args.preset},
                                            solutions=args.solutions, check_ticks=args.check_ticks)
        print(f"{chapter}: {seconds:.1f} s at preset {args.preset}")
        if args.solutions:
            import nbformat

            from tools.solutions import silent_solutions

            silent = silent_solutions(nbformat.read(executed, as_version=4))
            print(f"  solutions that print nothing: {', '.join(silent) or 'none'}")


if __name__ == "__main__":
    main()
