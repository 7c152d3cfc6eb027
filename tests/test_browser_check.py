"""The pure parts of tools/browser_check.py: which pages, and what counts as a broken page.

No browser here: pages are small HTML files shaped like Jupyter Book / myst-nb output, read with
``static_report``; ``analyse_report`` is also fed reports shaped like the browser's.
"""

import html
from pathlib import Path

import pytest

from tools import browser_check, notebooks

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e60000000049454e44ae426082")
AUDIO = '<audio controls="controls"><source src="data:audio/wav;base64,UklGRg==" type="audio/wav"/></audio>'


def page(body: str) -> str:
    """A page shaped like sphinx-book-theme's: scripts and navigation around an <article>."""
    return ("<!DOCTYPE html><html><head><script>var x = 'Traceback (most recent call last)';</script>"
            "<style>.output { color: red }</style></head><body><nav>Contents</nav>"
            f'<main><article class="bd-article">{body}</article></main></body></html>')


def cell(*outputs: str) -> str:
    return ('<div class="cell docutils container"><div class="cell_input"><pre>x = 1</pre></div>'
            f'<div class="cell_output docutils container">{"".join(outputs)}</div></div>')


def output(kind: str, text: str) -> str:
    return (f'<div class="output {kind} highlight-myst-ansi notranslate"><div class="highlight">'
            f"<pre><span></span>{html.escape(text, quote=False)}</pre></div></div>")


def check(tmp_path: Path, body: str, expects_audio: bool = False):
    file = tmp_path / "book" / "chapter.html"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(page(body))
    return browser_check.analyse_report("book/chapter", browser_check.static_report(file.read_text(), file),
                                        expects_audio)


# ----------------------------------------------------------------------------- page discovery

def write_book(root: Path, toc: str) -> Path:
    (root / "book").mkdir(parents=True)
    (root / "book" / "intro.md").write_text("# Intro\n```{code-cell}\nfig, ax = plt.subplots()\n```\n")
    (root / "book" / "listen.md").write_text("```{code-cell}\ndisplay(Audio(x, rate=sr))\n```\n")
    (root / "book" / "nb.ipynb").write_text("{}")
    (root / "_toc.yml").write_text(toc)
    return root / "_toc.yml"


TOC = """format: jb-book
root: book/intro
parts:
  - caption: One
    chapters:
      - file: book/listen
        sections:
          - file: book/nb
"""


def test_chapter_pages_follow_the_toc(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "REPOSITORY", tmp_path)
    toc = write_book(tmp_path, TOC)
    html = tmp_path / "_build" / "html"
    pages = browser_check.chapter_pages(html, toc)
    assert [p.name for p in pages] == ["book/intro", "book/listen", "book/nb"]
    assert [p.html for p in pages] == [html / "book" / f"{n}.html" for n in ("intro", "listen", "nb")]
    assert [p.source.name for p in pages] == ["intro.md", "listen.md", "nb.ipynb"]
    assert [p.promises_audio for p in pages] == [False, True, False]
    assert [p.promises_figures for p in pages] == [True, False, False]


def test_a_chapter_without_a_source_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "REPOSITORY", tmp_path)
    toc = write_book(tmp_path, TOC + "      - file: book/not_written_yet\n")
    with pytest.raises(SystemExit, match="no book/not_written_yet.md"):
        browser_check.chapter_pages(tmp_path / "html", toc)


def test_figure_promise_needs_a_matplotlib_call():
    assert browser_check.promises_figures("plt.show()")
    assert browser_check.promises_figures("fig, axes = plt.subplots(1, 5)")
    assert not browser_check.promises_figures("import matplotlib.pyplot as plt  # later, maybe")


def test_audio_promise_needs_the_call():
    assert browser_check.promises_audio("display(Audio(samples, rate=sr))")
    assert not browser_check.promises_audio("We listen to audio here, no players.")


# ----------------------------------------------------------------------------- analysis of a page

def test_a_clean_page_passes(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "fig.png").write_bytes(PNG)
    body = (cell(output("stream", "accuracy 0.93")) + '<img src="../_images/fig.png" alt="">'
            + '<img src="data:image/png;base64,iVBORw0KGgo=">'
            + cell(f'<div class="output text_html">{AUDIO}</div>')
            + "<p>The accuracy is 93.0 %.</p>")
    result = check(tmp_path, body, expects_audio=True)
    assert result.ok, result.failures
    assert (result.images_ok, result.images_total, result.audio_players) == (2, 2, 1)
    assert result.errors == [] and result.stderr == []
    assert result.figures == 1  # the data: image is neither a cell output nor under _images/


def test_a_plotting_chapter_without_figures_fails(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "logo.png").write_bytes(PNG)
    logo_only = '<a class="launch"><img src="../_static/logo.png"></a>' + cell(output("stream", "done"))
    result = browser_check.analyse_report(
        "book/chapter", browser_check.static_report(page(logo_only), tmp_path / "book" / "chapter.html"),
        expects_audio=False, expects_figures=True)
    assert result.images_ok == 1 and result.figures == 0
    assert not result.ok and "MPLBACKEND" in result.failures[0]
    inline = cell('<img alt="" src="data:image/png;base64,iVBORw0KGgo=">')
    shown = browser_check.static_report(page(logo_only + inline), tmp_path / "book" / "chapter.html")
    assert browser_check.analyse_report("book/chapter", shown, False, expects_figures=True).ok


def test_a_cell_traceback_fails(tmp_path):
    traceback = ("---------\nValueError  Traceback (most recent call last)\n"
                 "Cell In[3], line 1\nValueError: bad shape")
    result = check(tmp_path, cell(output("traceback", traceback)))
    assert not result.ok
    assert len(result.errors) == 1 and "ValueError: bad shape" in result.errors[0]


def test_traceback_text_in_a_plain_output_fails(tmp_path):
    result = check(tmp_path, cell(output("stream", "Traceback (most recent call last):\n  File x")))
    assert not result.ok and "traceback" in result.errors[0]


def test_stderr_is_reported_but_only_error_like_stderr_fails(tmp_path):
    warning = check(tmp_path, cell(output("stderr", "100%|##########| 5/5 [00:01<00:00]")))
    assert warning.ok and warning.stderr == ["100%|##########| 5/5 [00:01<00:00]"]
    for text in ("RuntimeError: out of memory", "Exception ignored in: <function>", "Traceback"):
        failed = check(tmp_path, cell(output("stderr", text)))
        assert not failed.ok and failed.errors == [f"stderr: {text}"], text


def test_the_pages_own_scripts_are_not_read_as_text(tmp_path):
    assert check(tmp_path, "<p>Nothing wrong.</p>").ok  # page() puts a traceback string in a <script>


def test_a_docutils_system_message_fails(tmp_path):
    body = '<div class="system-message"><p class="system-message-title">System Message: ERROR/3</p></div>'
    result = check(tmp_path, body)
    assert not result.ok and "System Message: ERROR/3" in result.errors[0]


def test_broken_images_fail(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "empty.png").write_bytes(b"")
    result = check(tmp_path, '<img src="../missing.png"><img src="../empty.png"><img src="">')
    assert (result.images_ok, result.images_total) == (0, 3)
    assert sum(f.startswith("image not loaded") for f in result.failures) == 3


def test_a_promised_audio_player_must_be_there_with_a_source(tmp_path):
    missing = check(tmp_path, cell(output("stream", "no player")), expects_audio=True)
    assert not missing.ok and "no audio player" in missing.failures[0]
    assert check(tmp_path, cell(output("stream", "no player")), expects_audio=False).ok
    empty = check(tmp_path, '<audio controls="controls"></audio>', expects_audio=True)
    assert empty.audio_players == 0 and len(empty.failures) == 2
    direct = check(tmp_path, '<audio controls src="clip.wav"></audio>', expects_audio=True)
    assert direct.ok and direct.audio_players == 1


def test_an_unresolved_glue_placeholder_fails(tmp_path):
    result = check(tmp_path, "<p>The accuracy is {glue:text}`acc_s1:.1f` %.</p>")
    assert not result.ok and result.failures == ["unresolved glue: {glue:text}`acc_s1:.1f` %."]


def test_a_markdown_table_left_as_raw_text_fails(tmp_path):
    raw = "<p>| model | OA |\n| \u2014 | \u2014: |\n| CNN | 55.6 |</p>"  # what CommonMark makes of it
    result = check(tmp_path, cell(raw))
    assert not result.ok and result.failures[0].startswith("Markdown table shown as raw text: | model | OA |")
    assert check(tmp_path, "<p>| a | b |</p>" + cell("<p>x | y</p>", output("stream", "| --- | --- |"))).ok
    table = "<table><tr><th>model</th><th>OA</th></tr><tr><td>CNN</td><td>55.6</td></tr></table>"
    assert check(tmp_path, cell(table)).ok


def test_an_audio_player_the_browser_cannot_play_fails():
    def audio(**state):
        report = {"audio": [{"sources": ["data:audio/wav;base64,UklGRg=="], **state}]}
        return browser_check.analyse_report("book/x", report, expects_audio=True)

    assert audio(duration=1.5, error=None).ok
    assert audio().ok  # read from the file: nothing known about playback
    assert audio(duration=None, error=4).failures == ["audio player 1 cannot play (error 4, duration None)"]
    assert not audio(duration=0, error=None).ok


def test_a_report_from_the_browser():
    report = {"outputs": [{"classes": "output stream", "text": "ok"},
                          {"classes": "output error", "text": "NameError: name 'x' is not defined"}],
              "messages": [],
              "images": [{"src": "http://127.0.0.1:1/_images/a.png", "ok": True, "figure": True},
                         {"src": "http://127.0.0.1:1/_images/b.png", "ok": False, "figure": True}],
              "audio": [{"sources": ["data:audio/wav;base64,UklGRg=="]}],
              "text": "Some prose."}
    result = browser_check.analyse_report("book/x", report, expects_audio=True, expects_figures=True)
    assert (result.images_ok, result.images_total, result.figures, result.audio_players) == (1, 2, 2, 1)
    assert result.failures == ["1 error(s)", "image not loaded: http://127.0.0.1:1/_images/b.png"]


def test_execution_logs_of_a_failed_chapter(tmp_path):
    (tmp_path / "reports" / "book").mkdir(parents=True)
    (tmp_path / "reports" / "book" / "deep_taylor.err.log").write_text("Traceback")
    assert browser_check.execution_logs(tmp_path, "book/deep_taylor") == [
        tmp_path / "reports" / "book" / "deep_taylor.err.log"]
    assert browser_check.execution_logs(tmp_path, "book/intro") == []


def test_table_has_one_row_per_page():
    good = browser_check.PageResult("book/intro", images_ok=2, images_total=2, figures=1, audio_players=1)
    bad = browser_check.PageResult("book/deep_taylor", images_total=1, failures=["image not loaded: a"],
                                   errors=["error output: x"])
    lines = browser_check.table([good, bad]).splitlines()
    assert len(lines) == 4
    assert lines[2].split() == ["book/intro", "2/2", "1", "1", "0", "0", "0", "0", "-/-", "0.0", "ok"]
    assert lines[3].split() == ["book/deep_taylor", "0/1", "0", "0", "0", "0", "1", "0", "-/-", "0.0", "FAIL"]


def test_a_slider_that_does_not_change_its_image_fails():
    sliders = [{"frames": 6, "changed": True}, {"frames": 6, "changed": False},
               {"frames": 1, "changed": False}]
    result = browser_check.analyse_report("book/x", {"sliders": sliders}, expects_audio=False)
    assert result.sliders == 3
    assert result.failures == ["slider 2 (6 frames) does not change its image"]


def test_launch_buttons_must_open_a_notebook_the_repository_holds(tmp_path):
    colab = "https://colab.research.google.com/github/xaiaudio/xaiaudio/blob/main/book/{}"
    binder = "https://mybinder.org/v2/gh/xaiaudio/xaiaudio/main?urlpath=lab/tree/book/{}"
    hub = ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fx%2Fy"
           "&urlpath=lab%2Ftree%2Fxaiaudio%2Fbook%2F{}&branch=main")
    links = "".join(f'<a href="{url.format("training.ipynb")}">launch</a>' for url in (colab, binder, hub))
    result = check(tmp_path, links + '<a href="https://example.org/a.md">not a launch button</a>')
    assert result.ok and result.launch_links == 3
    assert check(tmp_path, f'<a href="{colab.format("training.md")}">x</a>').failures == [
        "launch link opens book/training.md, not a notebook (.ipynb)"]
    assert check(tmp_path, f'<a href="{binder.format("gone.ipynb")}">x</a>').failures == [
        "launch link opens book/gone.ipynb, which the repository does not hold"]


def test_a_page_wider_than_the_viewport_fails_and_scrolling_code_is_counted():
    layout = {1280: {"overflow": 0, "scrolling_code": 0}, 390: {"overflow": 140, "scrolling_code": 7}}
    result = browser_check.analyse_report("book/x", {"layout": layout}, expects_audio=False)
    assert result.failures == ["at 390 px the document is 140 px wider than the viewport"]
    assert result.scrolling_code == {1280: 0, 390: 7}


def test_a_figure_shrunk_below_two_thirds_of_its_natural_width_fails():
    def report(shown, viewport=1280, figure=True):
        image = {"src": "_images/x.png", "ok": True, "figure": figure, "natural": 1500, "shown": shown}
        return {"images": [image], "viewport": viewport}

    shrunk = browser_check.analyse_report("book/x", report(700), False)
    assert [f for f in shrunk.failures if "natural width" in f] == [
        "figure shown at 47 % of its natural width at 1280 px (its text too small to read): _images/x.png"]
    assert browser_check.analyse_report("book/x", report(1000), False).ok  # two thirds: readable
    assert browser_check.analyse_report("book/x", report(0), False).ok  # in a closed dropdown
    assert browser_check.analyse_report("book/x", report(700, figure=False), False).ok  # a logo
    assert browser_check.analyse_report("book/x", report(700, viewport=390), False).ok  # phones shrink


def test_a_javascript_animation_frame_without_a_src_is_not_a_broken_image_without_a_browser():
    page = ('<div class="cell_output"><div class="animation"><img id="_anim_img0a1b"></div>'
            '<img src=""></div>')
    report = browser_check.static_report(page)
    assert [image["src"] for image in report["images"]] == [""]  # only the plain empty image
    assert not browser_check.analyse_report("book/x", report, False).ok
