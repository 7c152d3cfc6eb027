"""The package's layout: stage subpackages, imports only from earlier stages, no cycles."""

import ast
from pathlib import Path

import pytest

from tools.api_page import PAGE, api_page
from xaiaudio import STAGES

PACKAGE = Path(__file__).resolve().parent.parent / "xaiaudio"

#: Command-line entry points (``python -m xaiaudio.<name>``): a package holding only ``__init__.py``
#: and ``__main__.py``, above every stage.
ENTRY_POINTS = ("scorecard",)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(path: Path) -> set[str]:
    """Every ``xaiaudio`` module ``path`` imports, at module level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("xaiaudio"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xaiaudio"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").is_file() or \
                    (PACKAGE.parent / candidate.replace(".", "/") / "__init__.py").is_file()
                names.add(candidate if is_module else node.module)
    return names


def stage_of(name: str) -> int:
    parts = name.split(".")
    if len(parts) == 1:
        return -1
    return len(STAGES) if parts[1] in ENTRY_POINTS else STAGES.index(parts[1])


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: package_imports(path) for name, path in MODULES.items()}


def test_every_module_lives_in_a_stage():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside a stage subpackage: {loose}"
    stray = {p.parent.name for p in PACKAGE.glob("*/*.py")} - set(STAGES) - set(ENTRY_POINTS)
    assert not stray, f"subpackages that are not stages: {stray}"
    for entry in ENTRY_POINTS:
        assert {p.name for p in (PACKAGE / entry).glob("*.py")} == {"__init__.py", "__main__.py"}


@pytest.mark.parametrize("name", [n for n in MODULES if n != "xaiaudio"])
def test_imports_only_from_its_own_or_earlier_stages(name):
    later = sorted(target for target in GRAPH[name] if stage_of(target) > stage_of(name))
    assert not later, f"{name} imports later stages: {later}"


def find_cycle(graph: dict) -> list | None:
    """A list of modules forming an import cycle, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles():
    graph = {name: {t for t in targets if t in GRAPH and t != "xaiaudio"} for name, targets in GRAPH.items()}
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_the_checks_can_fail():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert stage_of("xaiaudio.report.plane") > stage_of("xaiaudio.core.cache")


def test_api_page_is_generated_from_the_current_layout():
    assert PAGE.read_text() == api_page(), "book/api.md is stale: run python -m tools.api_page"
    for name in MODULES:
        if name.count(".") == 2:
            assert f".. automodule:: {name}" in PAGE.read_text(), name


def test_contributing_guide_lists_every_module():
    guide = (PACKAGE.parent / "CONTRIBUTING.md").read_text()
    rows = {f"| `{name.removeprefix('xaiaudio.')}` |" for name in MODULES
            if name.count(".") == 2 and stage_of(name) < len(STAGES)}
    missing = sorted(row for row in rows if row not in guide)
    assert not missing, f"CONTRIBUTING.md's layout table lacks {missing}"


def test_module_names_are_unique_across_stages_and_no_package_function_is_named_like_a_test():
    from collections import Counter

    modules = [path for path in Path("xaiaudio").rglob("*.py") if path.name != "__init__.py"]
    repeated = [name for name, count in Counter(path.name for path in modules).items() if count > 1]
    assert repeated == [], f"module names in more than one stage: {repeated}"
    test_like = [f"{path}:{node.name}" for path in modules for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                 and node.name.lower().startswith("test")]
    assert test_like == [], f"pytest would collect these package objects: {test_like}"


def docstrings_and_comments(path: Path):
    """``(line, text)`` of every module, class and function docstring and every comment of ``path``."""
    import io
    import tokenize

    source = path.read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                yield first.lineno, first.value.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def test_no_docstring_or_comment_names_a_chapter_file():
    """Where a module is used is generated (the API page), never kept by hand in the package."""
    stale = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             for line, text in docstrings_and_comments(path) if "book/" in text]
    assert stale == [], f"chapter references in docstrings or comments: {stale}"


def api_entry(name: str) -> str:
    """The API page's text for module ``name``: its ``automodule`` entry up to the next one."""
    page = PAGE.read_text()
    start = page.index(f".. automodule:: {name}\n")
    ends = [page.find(marker, start + 1) for marker in ("\n.. automodule::", "\n```")]
    return page[start:min(end for end in ends if end != -1)]


def test_api_page_names_the_chapters_that_import_a_module():
    from tools.api_page import imported_modules

    # book/scattering.md ("# The scattering transform") imports xaiaudio.features.scattering
    assert ":doc:`The scattering transform <scattering>`" in api_entry("xaiaudio.features.scattering")
    assert "No chapter imports it directly." in api_entry("xaiaudio.core.cache")
    cell = "\n".join(["%matplotlib inline", "from xaiaudio.explain import composites, lrp",
                      "from xaiaudio.core.presets import setup", "import xaiaudio.report.plane as plane",
                      "import xaiaudio"])
    assert imported_modules(cell) == {"xaiaudio.explain.composites", "xaiaudio.explain.lrp",
                                      "xaiaudio.core.presets", "xaiaudio.report.plane"}
