"""Open every chapter of the built book in headless Chromium and check what a reader sees.

Usage: ``nice python -m tools.browser_check [HTML_DIR] [--screenshots DIR] [--toc _toc.yml] [--student]``
(default ``_build/html``; CI's smoke build is ``_build/smoke/_build/html``).

For each page built from a file of ``_toc.yml`` it checks: no cell error / traceback and no
error-like stderr output, no docutils system message, every ``<img>`` loaded in the browser,
at least one figure when the chapter's source draws with matplotlib, at least one ``<audio>``
player with a source when the chapter's source calls ``Audio(``, no unresolved ``{glue:``
placeholder, no ``reports/<chapter>.err.log`` left by a failed execution, launch buttons (Colab,
Binder, JupyterHub) that open an ``.ipynb`` the repository holds, kernel-free sliders (a
matplotlib animation player) that change their image when moved, and, at each width of
:data:`WIDTHS` (a laptop and a phone), a document no wider than the viewport; code blocks that
scroll sideways are counted and reported.  It saves a full-page PNG per chapter and width, prints
one row per page and exits with status 1 when any check fails.
``--no-browser`` runs the same checks on the HTML files as text (images: files exist).

``--student`` checks the student edition (``python -m tools.student_edition``) as well: every page
shows every exercise of its chapter and no solution (no solution box, and none of the passages of
its ``{solution}`` blocks, hidden dropdowns included: :func:`exercises_of`), and no file of the
built folder (``_sources``, search index, downloads...) holds a passage of any solution.

Chromium and chromedriver are Debian's (``/usr/bin/chromium``, ``/usr/bin/chromedriver``),
installed with ``apt-get`` when missing; selenium is told where the driver is, so
selenium-manager never downloads anything.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import bs4

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,2000")
# What makes stderr output (or any cell output) count as an error.
ERROR_PATTERN = re.compile(r"Error|Traceback|Exception")
TRACEBACK_TEXT = "Traceback (most recent call last)"
GLUE_PLACEHOLDER = "{glue:"
# Two cells of a Markdown table's separator row (``| --- | ---: |``; Sphinx turns --- into an em dash)
# in a paragraph of a cell output: a text/markdown output rendered without table support.
RAW_TABLE = re.compile(r"\|\s*:?[-\u2013\u2014]+:?\s*\|\s*:?[-\u2013\u2014]+:?\s*\|")
# Chrome cannot render a screenshot taller than this many CSS pixels in one piece.
MAX_SCREENSHOT_HEIGHT = 16_000
# Viewport widths a reader uses (CSS pixels): a laptop, then a phone.
WIDTHS = (1280, 390)
#: A figure shown narrower than this share of its natural width at WIDTHS[0] fails: its
#: 10-point text would print at under about 7 points.
SHRINK_LIMIT = 2 / 3
# Hosts of the launch buttons, and where their links name the notebook they open.
LAUNCH_HOSTS = ("colab.research.google.com", "mybinder.org", "git-pull")
# Colab: .../blob/<branch>/<path>; Binder and JupyterHub: urlpath=lab/tree/<path> (nbgitpuller's path
# starts with the folder the repository is cloned into).
LAUNCHED_PATH = re.compile(r"(?:/blob/[^/]+/|urlpath=[^&]*?tree/)((?:[\w.-]+/)*[\w.-]+\.\w+)")


# --------------------------------------------------------------------------- pages to check

@dataclass
class Page:
    """One chapter: its source file, its HTML file, and the path the server serves it at."""

    name: str             # e.g. "book/intro"
    source: Path          # e.g. <repo>/book/intro.md
    html: Path            # e.g. <HTML_DIR>/book/intro.html
    promises_audio: bool  # the source calls Audio(
    promises_figures: bool = False  # the source draws with matplotlib


def promises_audio(source_text: str) -> bool:
    """True when a chapter's source builds an audio player (``IPython.display.Audio(``)."""
    return "Audio(" in source_text


def promises_figures(source_text: str) -> bool:
    """True when a chapter's source draws a matplotlib figure (``plt.show(``, ``plt.subplots(``...)."""
    return re.search(r"\bplt\.(show|subplots|figure|imshow|plot)\(", source_text) is not None


def chapter_pages(html_dir: Path, toc_path: Path) -> list[Page]:
    """The pages built from the chapters of ``toc_path``, in reading order.

    Chapter sources are found with :func:`tools.notebooks.chapters_in_toc`; the page of
    ``<root>/book/intro.md`` is ``<html_dir>/book/intro.html``, where ``<root>`` is the folder
    of ``toc_path``.
    """
    from tools import notebooks

    toc_path = toc_path.resolve()
    try:
        sources = notebooks.chapters_in_toc(toc_path)
    except FileNotFoundError as error:  # a listed chapter has no source file
        raise SystemExit(f"browser_check: {error}; fix the table of contents or pass --toc") from None
    pages = []
    for source in sources:
        try:
            relative = source.resolve().relative_to(notebooks.REPOSITORY)
        except ValueError:
            relative = source.resolve().relative_to(toc_path.parent)
        local = toc_path.parent / relative
        source = local if local.is_file() else source
        name = relative.with_suffix("").as_posix()
        text = source.read_text()
        pages.append(Page(name, source, html_dir / f"{name}.html", promises_audio(text),
                          promises_figures(text)))
    return pages


# --------------------------------------------------------------------------- analysis of one page

@dataclass
class PageResult:
    """What was found on one page; ``failures`` empty means the page passed."""

    name: str
    images_ok: int = 0
    images_total: int = 0
    audio_players: int = 0
    figures: int = 0   # images that are cell outputs or figures, not the theme's logos
    errors: list[str] = field(default_factory=list)    # error outputs, tracebacks, system messages
    stderr: list[str] = field(default_factory=list)    # every stderr output (reported, not all failures)
    failures: list[str] = field(default_factory=list)  # one line per failed check
    screenshot: Path | None = None
    seconds: float = 0.0
    launch_links: int = 0  # launch buttons checked (each opens an .ipynb of the repository)
    sliders: int = 0  # kernel-free sliders moved (each must change the image it drives)
    scrolling_code: dict[int, int] = field(default_factory=dict)  # width -> code blocks wider than shown

    @property
    def ok(self) -> bool:
        return not self.failures


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def analyse_report(name: str, report: dict, expects_audio: bool, expects_figures: bool = False,
                   exercises: Exercises | None = None) -> PageResult:
    """Turn the facts collected from a page's DOM into checks.

    ``report`` (built by :data:`COLLECT_JS` in the browser, or :func:`static_report` from the file)::

        {"outputs": [{"classes": "output stderr ...", "text": "..."}, ...],   # cell outputs
         "messages": ["<text of a docutils system message or problematic node>", ...],
         "images": [{"src": "...", "ok": bool, "figure": bool}, ...],  # figure: a cell output / figure
         "audio": [{"sources": ["data:audio/wav;...", ...], "duration": s, "error": code}, ...],
         "paragraphs": ["<text of a <p> inside a cell output>", ...],
         "links": ["<href of every link>", ...],
         "text": "<the visible text of the article>",
         "layout": {width: {"overflow": px, "scrolling_code": n}, ...},  # only from a browser
         "sliders": [{"frames": n, "changed": bool}, ...],  # only from a browser
         "all_text": "<the text of the whole page, hidden parts (closed dropdowns) included>",
         "exercises": ["<id of an exercise box>", ...], "solution_boxes": n}

    ``exercises`` (the student edition only, see :func:`student_problems`): what the chapter's
    exercises and solutions are.
    """
    result = PageResult(name)
    for output in report.get("outputs", []):
        classes = set(output.get("classes", "").split())
        text = output.get("text", "")
        if classes & {"error", "traceback"}:
            result.errors.append(f"error output: {_short(text)}")
        elif "stderr" in classes:
            result.stderr.append(_short(text))
            if ERROR_PATTERN.search(text):
                result.errors.append(f"stderr: {_short(text)}")
        elif TRACEBACK_TEXT in text:
            result.errors.append(f"traceback in output: {_short(text)}")
    for message in report.get("messages", []):
        result.errors.append(f"system message: {_short(message)}")
    text = report.get("text", "")
    if TRACEBACK_TEXT in text and not any("Traceback" in error for error in result.errors):
        result.errors.append("traceback text in the page")
    if result.errors:
        result.failures.append(f"{len(result.errors)} error(s)")

    images = report.get("images", [])
    result.images_total = len(images)
    result.images_ok = sum(bool(image.get("ok")) for image in images)
    result.figures = sum(bool(image.get("figure")) for image in images)
    for image in images:
        if not image.get("ok"):
            result.failures.append(f"image not loaded: {_short(image.get('src', ''), 100)}")
    if report.get("viewport") == WIDTHS[0]:
        for image in images:
            natural, shown = image.get("natural") or 0, image.get("shown") or 0
            # shown 0: inside a closed dropdown, not laid out
            if image.get("figure") and natural and shown and shown < SHRINK_LIMIT * natural:
                result.failures.append(
                    f"figure shown at {100 * shown / natural:.0f} % of its natural width at {WIDTHS[0]} px "
                    f"(its text too small to read): {_short(image.get('src', ''), 80)}")
    if expects_figures and not result.figures:
        result.failures.append("the chapter draws with matplotlib but the page shows no figure "
                               "(was the book built with MPLBACKEND=Agg?)")

    players = [audio for audio in report.get("audio", []) if any(audio.get("sources", []))]
    result.audio_players = len(players)
    if len(players) < len(report.get("audio", [])):
        result.failures.append(f"{len(report['audio']) - len(players)} <audio> without a source")
    if expects_audio and not players:
        result.failures.append("the chapter calls Audio( but the page has no audio player")
    for number, audio in enumerate(players, 1):  # duration and error only come from a browser
        if audio.get("error") is not None or audio.get("duration", 1) in (None, 0):
            result.failures.append(f"audio player {number} cannot play (error {audio.get('error')}, "
                                   f"duration {audio.get('duration')})")

    for paragraph in report.get("paragraphs", []):
        if RAW_TABLE.search(paragraph):
            result.failures.append(f"Markdown table shown as raw text: {_short(paragraph, 80)} (a "
                                   "text/markdown output rendered as CommonMark; set "
                                   "nb_render_markdown_format to gfm or myst)")

    if GLUE_PLACEHOLDER in text:
        where = text.index(GLUE_PLACEHOLDER)
        result.failures.append(f"unresolved glue: {_short(text[where:where + 60])}")

    for link in report.get("links", []):
        if any(host in link for host in LAUNCH_HOSTS):
            result.launch_links += 1
            result.failures += launch_problems(unquote(link))
    for number, slider in enumerate(report.get("sliders", []), 1):
        result.sliders += 1
        if slider["frames"] > 1 and not slider["changed"]:
            result.failures.append(f"slider {number} ({slider['frames']} frames) does not change its image")
    for width, layout in report.get("layout", {}).items():
        if layout["overflow"] > 1:
            result.failures.append(f"at {width} px the document is {layout['overflow']} px wider "
                                   "than the viewport")
        result.scrolling_code[int(width)] = layout["scrolling_code"]
    if exercises is not None:
        result.failures += student_problems(report, exercises)
    return result


def launch_problems(link: str) -> list[str]:
    """Why a launch button's link does not open a notebook of the repository (empty when it does)."""
    from tools.notebooks import REPOSITORY

    found = LAUNCHED_PATH.search(link)
    if found is None:
        return [f"launch link names no file: {_short(link, 100)}"]
    path = found.group(1)
    if "git-pull" in link:
        path = path.split("/", 1)[-1]
    if not path.endswith(".ipynb"):
        return [f"launch link opens {path}, not a notebook (.ipynb)"]
    if not (REPOSITORY / path).is_file():
        return [f"launch link opens {path}, which the repository does not hold"]
    return []


def execution_logs(html_dir: Path, name: str) -> list[Path]:
    """Jupyter Book's logs of a failed execution of chapter ``name`` (``reports/**/<stem>.err.log``)."""
    reports = html_dir / "reports"
    stem = Path(name).name
    return sorted(reports.rglob(f"{stem}.err.log")) if reports.is_dir() else []


# --------------------------------------------------------------------------- the student edition

#: An ``{exercise}`` or ``{solution}`` block of a chapter's MyST text, up to its closing fence.
_EXERCISE_BLOCK = re.compile(r"^(`{3,}|:{3,})\{(exercise|solution)\}([^\n]*)\n(.*?)^\1[ \t]*$",
                             re.MULTILINE | re.DOTALL)
#: A fenced code block (inside a solution).
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
#: Prose a page shows character for character: no markup, quotes or dashes (Sphinx rewrites those).
_PLAIN_RUN = re.compile(r"[A-Za-z0-9 ,;.]+")
#: The shortest code line (characters) and prose run (words) taken as a solution's passage.
MIN_CODE_LINE = 16
MIN_PROSE_WORDS = 6
_TAG = re.compile(r"<[^>]*>")
#: Files of a built book searched for solution passages (the rest: images, fonts, CSS).
TEXT_SUFFIXES = (".html", ".txt", ".md", ".ipynb", ".js", ".json", ".xml", ".py", ".rst")


@dataclass(frozen=True)
class Exercises:
    """What the student edition of one chapter must show (its exercises) and must not (its solutions)."""

    labels: tuple[str, ...] = ()  # the ``:label:`` of each exercise: the id of its box on the page
    count: int = 0  # exercises, labelled or not
    solutions: int = 0  # ``{solution}`` blocks
    solution_text: tuple[str, ...] = ()  # passages of the solutions found nowhere else in the chapter
    outside: str = ""  # the chapter's text without its solutions, whitespace collapsed


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces (how a page's text and a source's text are compared)."""
    return " ".join(text.split())


_LITERALINCLUDE = re.compile(r"^`{3,}\{literalinclude\}[ \t]+(\S+)", re.MULTILINE)


def included_source(source_text: str) -> str:
    """The text of every file a chapter's ``{literalinclude}`` directives name (paths relative to
    ``book/``, as the chapters write them); files that do not exist are skipped."""
    from tools.notebooks import REPOSITORY

    files = [(REPOSITORY / "book" / target).resolve() for target in _LITERALINCLUDE.findall(source_text)]
    return "\n".join(path.read_text() for path in dict.fromkeys(files) if path.is_file())


def exercises_of(source_text: str) -> Exercises:
    """The exercises of a chapter and passages of its solutions that a page must not show.

    A passage is a line of a solution's code block of at least :data:`MIN_CODE_LINE` characters, or
    a run of at least :data:`MIN_PROSE_WORDS` words of its prose without markup, quotes or dashes
    (which Sphinx renders unchanged), that the chapter holds nowhere outside its solutions, the
    package source its ``{literalinclude}`` directives show included (a solution may repeat a line
    that a page lists).
    """
    blocks = list(_EXERCISE_BLOCK.finditer(source_text))
    outside = normalise(_EXERCISE_BLOCK.sub(lambda m: "" if m.group(2) == "solution" else m.group(0),
                                            source_text) + "\n" + included_source(source_text))
    labels, count, solutions, passages = [], 0, 0, []
    for block in blocks:
        lines = block.group(4).splitlines()
        options = []
        while lines and lines[0].startswith(":"):
            options.append(lines.pop(0))
        if block.group(2) == "exercise":
            count += 1
            labels += [line.split(":", 2)[2].strip() for line in options if line.startswith(":label:")]
            continue
        solutions += 1
        body = "\n".join(lines)
        for fence in _FENCE.finditer(body):
            for line in fence.group(2).splitlines():
                line = normalise(line)
                if len(line) >= MIN_CODE_LINE and line not in outside:
                    passages.append(line)
        prose = normalise("\n".join(_LIST_MARKER.sub("", line) for line in _FENCE.sub("", body).splitlines()))
        for run in _PLAIN_RUN.findall(prose):
            run = run.strip(" ,;.")
            if len(run.split()) >= MIN_PROSE_WORDS and run not in outside:
                passages.append(run)
    return Exercises(tuple(labels), count, solutions, tuple(dict.fromkeys(passages)), outside)


def student_problems(report: dict, exercises: Exercises) -> list[str]:
    """Why a page of the student edition fails: a solution shown, or an exercise missing."""
    problems = []
    shown = normalise(report.get("all_text", report.get("text", "")))
    leaked = [passage for passage in exercises.solution_text if passage in shown]
    if leaked:
        problems.append(f"solution text on the page ({len(leaked)} passage(s)): {_short(leaked[0], 80)}")
    if report.get("solution_boxes"):
        problems.append(f"{report['solution_boxes']} solution box(es) on the page")
    boxes = report.get("exercises", [])
    missing = [label for label in exercises.labels if label not in boxes]
    if missing:
        problems.append(f"exercise(s) missing: {', '.join(missing)}")
    elif len(boxes) < exercises.count:
        problems.append(f"{len(boxes)} exercise box(es) on the page, the chapter has {exercises.count}")
    return problems


def solution_files(html_dir: Path, passages: list[str]) -> list[str]:
    """``file: passage`` for each file of a built book that holds a solution passage.

    Files are searched as text, as the text of their HTML (tags dropped, entities unescaped: code
    highlighted word by word) and JSON-unescaped (an ``.ipynb`` download), with whitespace collapsed.
    """
    found = []
    for path in sorted(html_dir.rglob("*")):
        if not path.is_file() or not path.name.endswith(TEXT_SUFFIXES):
            continue
        text = path.read_text(errors="replace")
        variants = {normalise(text), normalise(html.unescape(_TAG.sub("", text))),
                    normalise(text.replace("\\n", "\n").replace('\\"', '"'))}
        for passage in passages:
            if any(passage in variant for variant in variants):
                found.append(f"{path.relative_to(html_dir)}: {_short(passage, 80)}")
                break
    return found


def book_solution_passages(pages: list[Page]) -> list[str]:
    """The solution passages of every chapter that no chapter shows outside its solutions."""
    facts = [exercises_of(page.source.read_text()) for page in pages]
    outside = "\n".join(fact.outside for fact in facts)
    return list(dict.fromkeys(p for fact in facts for p in fact.solution_text if p not in outside))


# --------------------------------------------------------------------------- the DOM, without a browser

def static_report(html_text: str, page: Path | None = None) -> dict:
    """The report of :func:`analyse_report` from HTML text, without a browser.

    The same selectors as :data:`COLLECT_JS`, on the parsed file (no JavaScript, no layout); the
    page's text is that of the whole document, less scripts and styles.  An image counts as loaded
    when it is a ``data:`` URI or, given the page's path, a non-empty local file; a browser also
    proves that the file decodes.

    Parameters
    ----------
    html_text
        The HTML of one page.
    page
        Where the page lies, so that relative image paths can be resolved; ``None``: only
        ``data:`` images count as loaded.

    Returns
    -------
    dict
        The report described in :func:`analyse_report`, without the audio players' ``duration``
        and ``error``, which only a browser knows.
    """
    soup = bs4.BeautifulSoup(html_text, "html.parser")
    images = []
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if not src and img.get("id", "").startswith("_anim_img"):
            continue  # a JavaScript animation's frame, set by its script (the browser checks it)
        ok = src.startswith("data:image/")
        if not ok and page is not None and src and not urlsplit(src).scheme:
            target = Path(os.path.normpath(page.parent / unquote(urlsplit(src).path)))  # as a URL resolves
            ok = target.is_file() and target.stat().st_size > 0
        figure = img.css.closest(".cell_output, figure") is not None or "_images/" in src
        images.append({"src": src, "ok": ok, "figure": figure})
    audio = [{"sources": [e["src"] for e in [player, *player.find_all("source")] if e.get("src")]}
             for player in soup.find_all("audio")]
    outputs = [{"classes": " ".join(e["class"]), "text": e.get_text()} for e in soup.select(".output")]
    # get_text() leaves out the strings of <script>, <style> and <template>, as a reader would.
    return {"outputs": outputs,
            "messages": [e.get_text() for e in soup.select(".system-message, .problematic")],
            "images": images,
            "audio": audio,
            "paragraphs": [p.get_text() for p in soup.select(".cell_output p")],
            "links": [a["href"] for a in soup.find_all("a", href=True)],
            "text": soup.get_text(),
            "all_text": soup.get_text(),
            "exercises": [e.get("id", "") for e in soup.select(".exercise")],
            "solution_boxes": len(soup.select(".solution"))}

# --------------------------------------------------------------------------- the browser

# Run in the page once every image has settled; returns the report of analyse_report.
COLLECT_JS = r"""
const article = document.querySelector('article') || document.querySelector('main') || document.body;
const outputs = Array.from(document.querySelectorAll('.output')).map(
    e => ({classes: e.className, text: e.innerText || e.textContent || ''}));
const messages = Array.from(document.querySelectorAll('.system-message, .problematic')).map(
    e => e.innerText || e.textContent || '');
const images = Array.from(document.images).map(img => ({
    src: img.currentSrc || img.src || '', ok: img.complete && img.naturalWidth > 0,
    figure: Boolean(img.closest('.cell_output, figure'))
        || (img.getAttribute('src') || '').includes('_images/'),
    natural: img.naturalWidth, shown: img.getBoundingClientRect().width}));
const audio = Array.from(document.querySelectorAll('audio')).map(a => ({
    sources: [a.getAttribute('src') || ''].concat(
        Array.from(a.querySelectorAll('source')).map(s => s.getAttribute('src') || ''))
        .filter(s => s.length > 0),
    duration: Number.isFinite(a.duration) ? a.duration : null, error: a.error ? a.error.code : null}));
const paragraphs = Array.from(document.querySelectorAll('.cell_output p')).map(p => p.textContent || '');
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
return {outputs: outputs, messages: messages, images: images, audio: audio, paragraphs: paragraphs,
        links: links, text: article.innerText || article.textContent || '',
        all_text: document.body.textContent || '',
        exercises: Array.from(document.querySelectorAll('.exercise')).map(e => e.id),
        solution_boxes: document.querySelectorAll('.solution').length, viewport: window.innerWidth};
"""

# Move every kernel-free slider (matplotlib's JavaScript animation player) to its last frame and
# say whether the frame shown changed.
SLIDERS_JS = r"""
return Array.from(document.querySelectorAll('.animation input[type=range]')).map(slider => {
    const image = slider.closest('.animation').querySelector('img');
    const before = image ? image.src : null;
    slider.value = slider.max;
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    slider.dispatchEvent(new Event('change', {bubbles: true}));
    return {frames: Number(slider.max) + 1, changed: image !== null && image.src !== before};
});
"""

# How much wider than the viewport the document is, and how many code blocks scroll sideways.
LAYOUT_JS = r"""
const root = document.documentElement;
const code = Array.from(document.querySelectorAll('div.highlight pre'))
    .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1);
return {overflow: Math.max(0, root.scrollWidth - root.clientWidth), scrolling_code: code.length};
"""

# Make lazy images eager and scroll through the page so that every one is requested.
SCROLL_JS = r"""
for (const img of document.images) { img.loading = 'eager'; }
const step = Math.max(window.innerHeight - 100, 200);
const height = document.documentElement.scrollHeight;
for (let y = 0; y <= height; y += step) { window.scrollTo(0, y); }
window.scrollTo(0, height);
return height;
"""

IMAGES_SETTLED_JS = "return Array.from(document.images).every(img => img.complete);"
AUDIO_SETTLED_JS = ("return Array.from(document.querySelectorAll('audio'))"
                    ".every(a => a.readyState >= 1 || a.error !== null || a.networkState === 3);")


def ensure_chromium() -> None:
    """Install Debian's chromium and chromium-driver with apt-get when either is missing."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    apt = shutil.which("apt-get")
    if apt is None:
        raise SystemExit(f"browser_check: {CHROMIUM} or {CHROMEDRIVER} is missing and apt-get is not "
                         "available; install Chromium and its matching chromedriver there by hand")
    prefix = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    if prefix is None:
        raise SystemExit("browser_check: installing chromium needs root (no sudo found); run "
                         "`apt-get install -y chromium chromium-driver` as root")
    for command in (prefix + [apt, "update"], prefix + [apt, "install", "-y", "chromium", "chromium-driver"]):
        print("browser_check: running", " ".join(command), flush=True)
        subprocess.run(command, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        raise SystemExit(f"browser_check: apt-get finished but {CHROMIUM} / {CHROMEDRIVER} is still missing")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(html_dir: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``html_dir`` on 127.0.0.1 at a free port in a daemon thread; return the server and base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def start_browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(60)
    return driver


def wait_for(driver, script: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(script):
            return True
        time.sleep(0.2)
    return False


def screenshot(driver, path: Path) -> None:
    """A full-page PNG of the current page (``Page.captureScreenshot`` beyond the viewport)."""
    import base64

    size = driver.execute_script("return [document.documentElement.scrollWidth, "
                                 "document.documentElement.scrollHeight];")
    width, height = int(size[0]), min(int(size[1]), MAX_SCREENSHOT_HEIGHT)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "fromSurface": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def check_page(driver, base_url: str, html_dir: Path, page: Page, screenshots: Path,
               exercises: Exercises | None = None) -> PageResult:
    start = time.perf_counter()
    if not page.html.is_file():
        result = PageResult(page.name, failures=[f"page not built: {page.html}"])
        result.seconds = time.perf_counter() - start
        return result
    driver.get(f"{base_url}/{page.html.relative_to(html_dir).as_posix()}")
    wait_for(driver, "return document.readyState === 'complete';", 60)
    driver.execute_script(SCROLL_JS)
    settled = wait_for(driver, IMAGES_SETTLED_JS, 30)
    wait_for(driver, AUDIO_SETTLED_JS, 20)  # players still without metadata then report duration None
    driver.execute_script("window.scrollTo(0, 0);")
    report = driver.execute_script(COLLECT_JS)
    report["sliders"] = driver.execute_script(SLIDERS_JS)
    report["layout"], shots = {}, {}
    for width in WIDTHS:
        driver.set_window_size(width, 2000)
        wait_for(driver, f"return window.innerWidth <= {width};", 10)
        report["layout"][width] = driver.execute_script(LAYOUT_JS)
        shots[width] = screenshots / f"{page.name.replace('/', '__')}@{width}.png"
        screenshot(driver, shots[width])
    driver.set_window_size(WIDTHS[0], 2000)
    result = analyse_report(page.name, report, page.promises_audio, page.promises_figures, exercises)
    if not settled:
        result.failures.append("images still loading after 30 s")
    for log in execution_logs(html_dir, page.name):
        result.failures.append(f"execution failed: {log.relative_to(html_dir)}")
    result.screenshot = shots[WIDTHS[0]]
    result.seconds = time.perf_counter() - start
    return result


def check_file(html_dir: Path, page: Page, exercises: Exercises | None = None) -> PageResult:
    """The checks of :func:`check_page` on the HTML file alone (``--no-browser``)."""
    start = time.perf_counter()
    if not page.html.is_file():
        return PageResult(page.name, failures=[f"page not built: {page.html}"])
    result = analyse_report(page.name, static_report(page.html.read_text(), page.html), page.promises_audio,
                            page.promises_figures, exercises)
    for log in execution_logs(html_dir, page.name):
        result.failures.append(f"execution failed: {log.relative_to(html_dir)}")
    result.seconds = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------- report

def table(results: list[PageResult]) -> str:
    """One row per page: page, images ok/total, figures, audio players, errors, stderr outputs, result."""
    rows = [("page", "images", "figures", "audio", "launch", "sliders", "errors", "stderr",
             "code scrolling " + "/".join(f"@{w}" for w in WIDTHS), "seconds", "result")]
    for r in results:
        scrolling = "/".join(str(r.scrolling_code.get(w, "-")) for w in WIDTHS)
        rows.append((r.name, f"{r.images_ok}/{r.images_total}", str(r.figures), str(r.audio_players),
                     str(r.launch_links), str(r.sliders), str(len(r.errors)), str(len(r.stderr)), scrolling,
                     f"{r.seconds:.1f}", "ok" if r.ok else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def details(results: list[PageResult]) -> str:
    lines = []
    for r in results:
        for failure in r.failures:
            lines.append(f"FAIL {r.name}: {failure}")
        for error in r.errors:
            lines.append(f"     {r.name}: {error}")
        for text in r.stderr:
            if not any(text in error for error in r.errors):
                lines.append(f"note {r.name}: stderr (not an error): {text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=Path("_build/html"))
    parser.add_argument("--screenshots", type=Path, default=Path("_build/screenshots"))
    parser.add_argument("--toc", type=Path, default=None,
                        help="the _toc.yml the book was built from (default: the repository's)")
    parser.add_argument("--no-browser", action="store_true",
                        help="check the HTML files as text only (no JavaScript, no screenshots)")
    parser.add_argument("--student", action="store_true",
                        help="the student edition: every exercise shown, no solution anywhere")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    html_dir = args.html_dir.resolve()
    if not html_dir.is_dir():
        raise SystemExit(f"browser_check: {html_dir} is not a folder; build the book first")
    from tools import notebooks

    pages = chapter_pages(html_dir, args.toc or notebooks.REPOSITORY / "_toc.yml")
    exercises = {page.name: exercises_of(page.source.read_text()) if args.student else None for page in pages}
    if args.no_browser:
        results = [check_file(html_dir, page, exercises[page.name]) for page in pages]
    else:
        results = check_in_browser(html_dir, pages, args.screenshots.resolve(), exercises)
    if args.student:
        leaks = solution_files(html_dir, book_solution_passages(pages))
        results.append(PageResult("(every file)", failures=[f"solution text in {leak}" for leak in leaks]))
    print(table(results))
    extra = details(results)
    if extra:
        print(extra)
    failed = [r.name for r in results if not r.ok]
    print(f"browser_check: {len(results)} pages, {len(failed)} failed"
          + ("" if args.no_browser else f", screenshots in {args.screenshots}")
          + f", {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


def check_in_browser(html_dir: Path, pages: list[Page], screenshots: Path,
                     exercises: dict[str, Exercises | None] | None = None) -> list[PageResult]:
    ensure_chromium()
    server, base_url = serve(html_dir)
    results = []
    with tempfile.TemporaryDirectory(prefix="browser-check-profile-") as profile:
        driver = start_browser(Path(profile))
        try:
            for page in pages:
                results.append(check_page(driver, base_url, html_dir, page, screenshots,
                                          (exercises or {}).get(page.name)))
                print(f"checked {page.name} in {results[-1].seconds:.1f} s", file=sys.stderr, flush=True)
        finally:
            driver.quit()
            server.shutdown()
            server.server_close()
    return results


if __name__ == "__main__":
    sys.exit(main())
