"""Measure the teaching chapters: prose, code, listed package source, figures, players and anatomy.

``python -m tools.book_report`` prints one row per teaching chapter (:data:`TEACHING_CHAPTERS`);
``--markdown`` prints the same as a Markdown table and ``--json FILE`` writes the numbers as JSON
(one object per chapter, keyed by its name), e.g. for the before/after table of a closing note.
Every number is a *static* count, read from the chapter's source with jupytext: nothing runs.

The columns, and the rules behind them:

prose words
    Words of the markdown cells: whitespace-separated tokens holding a letter or a digit.  Left
    out: fenced code blocks (```` ```python ````, ``{code-block}``, ``{literalinclude}``,
    ``{eval-rst}``, ``{math}`` and ``$$`` blocks), directive lines and their option lines
    (``:class: dropdown``, a ``---`` YAML block), MyST labels/targets (``(name)=``), comments (``%``
    lines, ``<!-- -->``) and images.  A glue role (``{glue:text}`name:.2f```) is one word; another
    role is the words of its explicit text (``{ref}`the text <target>```) or else one word
    (``{cite}`key```, ``{doc}`intro```).  A directive's argument counts only where it is a title
    (``{admonition}``, ``{dropdown}``, ``{exercise}``...), not a path or a label.  Exercises and
    their solutions count: they are prose of the page.
visible code lines
    Non-blank lines of the code cells shown open on the page: every code cell but those tagged
    ``remove-input``, ``remove-cell`` or ``hide-input``.  A ``hide-input`` cell is collapsed, one
    click away, so it is *not* visible here; its lines are the separate **collapsed code lines**.
glue lines
    Lines of visible code cells taken by ``glue(...)`` calls, every line of a multi-line call
    (found with :mod:`ast`).
listed package lines
    Lines of package source (files under ``xaiaudio/``) that the page shows through
    ``{literalinclude}``: the object's lines for ``:pyobject:`` (decorators to ``end_lineno``,
    resolved with :mod:`ast`; ``Class.method`` works), the whole file's lines otherwise, then
    narrowed by ``:lines:``, ``:start-at:``/``:start-after:`` and ``:end-at:``/``:end-before:``.
figures
    Drawn pictures, counted per code cell whose output shows (not tagged ``remove-cell`` or
    ``remove-output``; a hidden-input cell's figure shows): the largest of the number of figure
    openers (``plt.subplots``, ``plt.figure``, ``plt.subplot_mosaic``, an animation's
    ``to_jshtml``/``to_html5_video``) and the number of ``plt.show()`` / ``display(fig)`` calls,
    and at least 1 when the cell calls a ``plot_*`` or ``*diagram*`` function, a drawing ``plt.``
    function (``plt.imshow``, ``plt.plot``...) or touches ``fig.``.  Sub-figures' ``subplots`` are
    not new figures.
    A loop counts once (static count).  Plus markdown ``{figure}``/``{image}``/``{glue:figure}``
    directives and ``![...](...)`` images.  Diagrams are included in the figures.  A figure made
    in a cell and glued for a ``{glue:figure}`` counts twice.
diagrams
    Figures that say they are diagrams: calls of functions whose name holds ``diagram`` (the
    package's ``*diagram*`` functions), and ``{figure}``/``{image}``/``![...]`` pictures of a
    ``_static/*.svg`` file.
audio players
    Per code cell whose output shows: calls of ``Audio(...)`` and of package functions that
    return a player (top-level functions and methods of ``xaiaudio`` whose body calls ``Audio``,
    found by :func:`player_functions`: the scattering explorer's ``widget``).  Loops count once.
hook, what we found, summary, how sure
    The four parts of the new chapter anatomy.  **hook**: a sound and a picture before the first
    visible code cell, i.e. at least one audio player and one figure from the cells above it
    (hidden code cells, or a markdown figure).  **what we found** / **summary** / **how sure**: a
    heading (any level) named exactly "What we found", "Summary", "How sure are we" (a trailing
    "?" or "." is allowed); "How sure are we" may also be the title of an ``{admonition}`` or
    ``{dropdown}`` box (collapsed or not).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
BOOK = REPOSITORY / "book"
PACKAGE = REPOSITORY / "xaiaudio"

#: The teaching chapters, in reading order (``book/<name>.md``).
TEACHING_CHAPTERS = (
    "listening",
    "scattering",
    "deep_taylor",
    "training",
    "lrp_rules",
    "listening_relevance",
    "aggregation",
    "shortcut",
    "prototypes",
    "prototypes_voices",
    "two_ways",
)

HIDDEN_INPUT = {"remove-input", "remove-cell"}
COLLAPSED_INPUT = {"hide-input"}
HIDDEN_OUTPUT = {"remove-cell", "remove-output"}

ANATOMY_HEADINGS = {"what_we_found": "What we found", "summary": "Summary", "how_sure": "How sure are we"}
#: Directives whose contents are code or markup, not prose.
CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "literalinclude", "eval-rst", "math", "code-cell",
                   "raw", "csv-table", "glue:figure", "glue:math", "mermaid", "graphviz"}
#: Directives whose argument is a title (prose), not a path or a label.
TITLE_DIRECTIVES = {"admonition", "dropdown", "exercise", "topic", "sidebar", "card", "tab-item", "margin",
                    "note", "tip", "warning", "important", "seealso", "attention", "caution", "hint"}
PICTURE_DIRECTIVES = {"figure", "image", "glue:figure"}
BOX_DIRECTIVES = {"admonition", "dropdown"}
PYPLOT = {"plt", "pyplot"}
FIGURE_OPENERS = {"subplots", "subplot_mosaic", "figure"}
ANIMATION_OPENERS = {"to_jshtml", "to_html5_video"}
#: ``plt.`` calls that draw nothing.
PYPLOT_SETTINGS = {"close", "rc", "rcdefaults", "rc_context", "ion", "ioff", "switch_backend", "get_cmap",
                   "colormaps", "cycler"}

FENCE = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*(?:\{(?P<name>[\w:.-]+)\})?\s*(?P<argument>.*?)\s*$")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
LABEL = re.compile(r"^\s*\([^()\s]+\)=\s*$")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<content>[^`]*)`")
IMAGE = re.compile(r"!\[[^\]]*\]\((?P<target>[^)\s]+)[^)]*\)")
LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")
WORD = re.compile(r"[^\W_]")


@dataclass
class ChapterReport:
    """The numbers of one chapter (see the module's docstring for the rules)."""

    chapter: str
    prose_words: int = 0
    visible_code_lines: int = 0
    collapsed_code_lines: int = 0
    hidden_code_lines: int = 0
    glue_lines: int = 0
    listed_package_lines: int = 0
    figures: int = 0
    diagrams: int = 0
    audio_players: int = 0
    hook: bool = False
    what_we_found: bool = False
    summary: bool = False
    how_sure: bool = False


#: Column titles of the printed tables.
COLUMNS = {
    "chapter": "chapter",
    "prose_words": "prose words",
    "visible_code_lines": "visible code lines",
    "collapsed_code_lines": "collapsed code lines",
    "hidden_code_lines": "hidden code lines",
    "glue_lines": "glue lines",
    "listed_package_lines": "listed package lines",
    "figures": "figures",
    "diagrams": "diagrams",
    "audio_players": "audio players",
    "hook": "hook",
    "what_we_found": "What we found",
    "summary": "Summary",
    "how_sure": "How sure are we",
}


# ---------------------------------------------------------------------------------------------
# Python source: calls, glue lines, objects for :pyobject:


def _parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, IPython magics and shell lines blanked (line numbers kept)."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    """``(dotted name of the callee, call)`` for every call in ``tree``."""
    return [(_dotted(node.func), node) for node in ast.walk(tree) if isinstance(node, ast.Call)]


def glue_lines(source: str) -> int:
    """Lines of ``source`` taken by ``glue(...)`` calls (all lines of a multi-line call)."""
    tree = _parse(source)
    if tree is None:  # not Python: lines holding ``glue(`` until the brackets close
        taken, depth = set(), 0
        for number, line in enumerate(source.splitlines()):
            if depth or re.search(r"\bglue\(", line):
                taken.add(number)
                depth = max(0, depth + line.count("(") - line.count(")"))
        return len(taken)
    taken = set()
    for name, call in _calls(tree):
        if name.split(".")[-1] == "glue":
            taken.update(range(call.lineno, call.end_lineno + 1))
    return len(taken)


def _object_lines(path: Path, qualified: str) -> tuple[int, int]:
    """First and last line (1-based) of ``Class.method`` or ``function`` in ``path``."""
    body = ast.parse(path.read_text()).body
    node = None
    for part in qualified.split("."):
        found = [n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                 and n.name == part]
        found += [n for n in body if isinstance(n, ast.Assign | ast.AnnAssign)
                  and part in {_dotted(t) for t in (n.targets if isinstance(n, ast.Assign) else [n.target])}]
        if not found:
            raise LookupError(f"{path} has no {qualified!r}")
        node = found[0]
        body = getattr(node, "body", [])
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def _select_lines(spec: str, count: int) -> list[int]:
    """0-based indices picked by a Sphinx ``:lines:`` value such as ``1-3,5,8-``."""
    picked = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            start, _, stop = part.partition("-")
            picked += range(int(start or 1) - 1, int(stop) if stop else count)
        elif part:
            picked.append(int(part) - 1)
    return [i for i in picked if 0 <= i < count]


def listed_lines(path: Path, options: dict[str, str]) -> int:
    """Lines of ``path`` a ``{literalinclude}`` with ``options`` shows."""
    lines = path.read_text().splitlines()
    if "pyobject" in options:
        first, last = _object_lines(path, options["pyobject"])
        lines = lines[first - 1:last]
    if "lines" in options:
        lines = [lines[i] for i in _select_lines(options["lines"], len(lines))]
    for key in ("start-at", "start-after"):
        if key in options:
            start = next((i for i, line in enumerate(lines) if options[key] in line), None)
            if start is not None:
                lines = lines[start + (key == "start-after"):]
    for key in ("end-at", "end-before"):
        if key in options:
            stop = next((i for i, line in enumerate(lines) if options[key] in line), None)
            if stop is not None:
                lines = lines[:stop + (key == "end-at")]
    return len(lines)


@cache
def player_functions(package: Path = PACKAGE) -> frozenset[str]:
    """Names of the package's functions and methods that make an audio player (call ``Audio``)."""
    names = set()
    for module in sorted(package.rglob("*.py")):
        try:
            tree = ast.parse(module.read_text())
        except (SyntaxError, UnicodeDecodeError):
            continue
        definitions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            definitions += [n for n in cls.body if isinstance(n, ast.FunctionDef)]
        for definition in definitions:
            if any(name.split(".")[-1] == "Audio" for name, _ in _calls(definition)):
                names.add(definition.name)
    return frozenset(names)


@dataclass
class _Drawing:
    figures: int = 0
    diagrams: int = 0
    players: int = 0


def code_drawing(source: str, players: frozenset[str]) -> _Drawing:
    """Figures, diagrams and audio players one code cell makes (static count, see the docstring)."""
    tree = _parse(source)
    if tree is None:
        return _Drawing()
    openers = shows = diagrams = audio = 0
    painter = False
    for name, call in _calls(tree):
        parts = name.split(".")
        last = parts[-1]
        pyplot = len(parts) == 2 and parts[0] in PYPLOT
        if (pyplot and last in FIGURE_OPENERS) or (len(parts) > 1 and last in ANIMATION_OPENERS):
            openers += 1
        elif name.endswith(("plt.show", "pyplot.show")):
            shows += 1
        elif last == "display" and call.args and re.search(r"(^fig\w*$|\.figure$)", _dotted(call.args[0])):
            shows += 1
        if "diagram" in last.lower():
            diagrams += 1
        if last.startswith("plot_") or "diagram" in last.lower() or (
                pyplot and last not in PYPLOT_SETTINGS and not last[:1].isupper()):
            painter = True
        if last == "Audio" or last in players:
            audio += 1
    painter = painter or any(isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                             and re.fullmatch(r"fig\w*", node.value.id) for node in ast.walk(tree))
    figures = max(openers, shows, int(painter), diagrams)
    return _Drawing(figures, diagrams, audio)


# ---------------------------------------------------------------------------------------------
# Markdown: prose words, headings, boxes, pictures and literalincludes


@dataclass
class _Markdown:
    words: int = 0
    headings: list[str] | None = None
    box_titles: list[str] | None = None
    pictures: list[str] | None = None  # the targets of figure/image directives and ![...](...)
    includes: list[tuple[str, dict[str, str]]] | None = None  # literalinclude path and options


def _words(line: str) -> int:
    line = re.sub(r"<!--.*?-->", " ", line)
    line = IMAGE.sub(" ", line)

    def role(match: re.Match) -> str:
        if match["name"].startswith("glue"):
            return " glued "
        explicit = re.fullmatch(r"\s*(.*?)\s*<[^<>]*>\s*", match["content"], re.S)
        return f" {explicit[1]} " if explicit and explicit[1] else " reference "

    line = ROLE.sub(role, line)
    line = LINK.sub(lambda match: f" {match['text']} ", line)
    return sum(1 for token in line.split() if WORD.search(token))


def read_markdown(source: str) -> _Markdown:
    """Walk one markdown cell: count prose words, collect headings, box titles, pictures, includes."""
    result = _Markdown(0, [], [], [], [])
    lines = source.splitlines()
    stack: list[tuple[str, bool]] = []  # open fences: (fence, is it code)
    index = 0
    in_comment = in_math = False
    while index < len(lines):
        line = lines[index]
        index += 1
        fence = FENCE.match(line)
        code = bool(stack) and stack[-1][1]
        if fence and stack and not fence["name"] and not fence["argument"] and \
                fence["fence"][0] == stack[-1][0][0] and len(fence["fence"]) >= len(stack[-1][0]):
            stack.pop()  # a closing fence
            continue
        if code:
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        stripped = line.strip()
        if in_math or stripped.startswith("$$"):  # a display-math block: not prose
            if in_math:
                in_math = not stripped.endswith("$$")
            else:
                in_math = not (len(stripped) > 4 and stripped.endswith("$$"))
            continue
        if fence:
            name = fence["name"] or ""
            is_code = fence["fence"][0] == "`" and (not name or name in CODE_DIRECTIVES)
            stack.append((fence["fence"], is_code or name in CODE_DIRECTIVES))
            options = {}
            if index < len(lines) and lines[index].strip() == "---":  # a YAML block of options
                end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "---"), index)
                index = end + 1
            while index < len(lines) and (option := OPTION.match(lines[index])):
                options[option["key"]] = option["value"]
                index += 1
            argument = fence["argument"]
            if name in TITLE_DIRECTIVES:
                result.words += _words(argument)
            if name in BOX_DIRECTIVES:
                result.box_titles.append(argument)
            if name in PICTURE_DIRECTIVES:
                result.pictures.append(argument)
            if name == "literalinclude":
                result.includes.append((argument, options))
            continue
        if LABEL.match(line) or stripped.startswith("%"):
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        heading = HEADING.match(line)
        if heading:
            result.headings.append(heading["text"])
        result.pictures += [match["target"] for match in IMAGE.finditer(line)]
        result.words += _words(line)
    return result


def _named(text: str, name: str) -> bool:
    return text.strip().rstrip("?.").strip() == name


# ---------------------------------------------------------------------------------------------
# Chapters


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def chapter_report(path: Path, package: Path = PACKAGE) -> ChapterReport:
    """Measure one chapter (a jupytext notebook); ``package``: the folder whose listed source counts."""
    import jupytext

    notebook = jupytext.read(path)
    package = package.resolve()
    players = player_functions(package)
    report = ChapterReport(path.stem)
    headings, box_titles = [], []
    hook_sound = hook_picture = 0
    before_code = True
    for cell in notebook.cells:
        source = cell.source
        tags = _tags(cell)
        if cell.cell_type == "markdown":
            markdown = read_markdown(source)
            report.prose_words += markdown.words
            headings += markdown.headings
            box_titles += markdown.box_titles
            diagrams = sum(1 for target in markdown.pictures
                           if re.search(r"(^|/)_static/.*\.svg$", target.strip()))
            report.figures += len(markdown.pictures)
            report.diagrams += diagrams
            if before_code:
                hook_picture += len(markdown.pictures)
            for target, options in markdown.includes:
                file = (path.parent / target.strip()).resolve()
                if not file.is_relative_to(package):
                    continue
                try:
                    report.listed_package_lines += listed_lines(file, options)
                except (OSError, LookupError, SyntaxError, ValueError) as error:
                    print(f"{path}: cannot measure literalinclude {target}: {error}", file=sys.stderr)
            continue
        if cell.cell_type != "code":
            continue
        lines = sum(1 for line in source.splitlines() if line.strip())
        if tags & HIDDEN_INPUT:
            report.hidden_code_lines += lines
        elif tags & COLLAPSED_INPUT:
            report.collapsed_code_lines += lines
        else:
            report.visible_code_lines += lines
            report.glue_lines += glue_lines(source)
        if not tags & (HIDDEN_INPUT | COLLAPSED_INPUT):
            before_code = False  # the first visible code cell ends the hook
        if not tags & HIDDEN_OUTPUT:
            drawing = code_drawing(source, players)
            report.figures += drawing.figures
            report.diagrams += drawing.diagrams
            report.audio_players += drawing.players
            if before_code:
                hook_sound += drawing.players
                hook_picture += drawing.figures
    report.hook = bool(hook_sound and hook_picture)
    for field, name in ANATOMY_HEADINGS.items():
        setattr(report, field, any(_named(text, name) for text in headings))
    report.how_sure = report.how_sure or any(_named(title, ANATOMY_HEADINGS["how_sure"])
                                             for title in box_titles)
    return report


def book_report(book: Path = BOOK, chapters=TEACHING_CHAPTERS,
                package: Path = PACKAGE) -> list[ChapterReport]:
    """One :class:`ChapterReport` per chapter name (``book/<name>.md``), in the order given."""
    return [chapter_report(book / f"{name}.md", package) for name in chapters]


# ---------------------------------------------------------------------------------------------
# Output


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _totals(reports: list[ChapterReport]) -> dict:
    total = {}
    for field in fields(ChapterReport):
        values = [getattr(report, field.name) for report in reports]
        if field.name == "chapter":
            total[field.name] = "total"
        elif field.type in (bool, "bool"):
            total[field.name] = f"{sum(values)}/{len(values)}"
        else:
            total[field.name] = sum(values)
    return total


def as_rows(reports: list[ChapterReport]) -> list[list[str]]:
    rows = [[_cell(getattr(report, key)) for key in COLUMNS] for report in reports]
    total = _totals(reports)
    rows.append([_cell(total[key]) for key in COLUMNS])
    return rows


def markdown_table(reports: list[ChapterReport]) -> str:
    header = list(COLUMNS.values())
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in as_rows(reports)]
    return "\n".join(lines)


def text_table(reports: list[ChapterReport]) -> str:
    table = [list(COLUMNS.values())] + as_rows(reports)
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
                     for row in table)


def as_json(reports: list[ChapterReport]) -> dict:
    return {report.chapter: {k: v for k, v in asdict(report).items() if k != "chapter"} for report in reports}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the numbers as JSON to FILE")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--book", type=Path, default=BOOK, help="the folder of the chapters (default: book/)")
    args = parser.parse_args(argv)
    reports = book_report(args.book)
    print(markdown_table(reports) if args.markdown else text_table(reports))
    if args.json:
        args.json.write_text(json.dumps(as_json(reports), indent=2) + "\n")


if __name__ == "__main__":
    main()
