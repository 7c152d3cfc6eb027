""""What we found" statements are asserted at the book preset and reported elsewhere."""

import textwrap

import papermill
import pytest

from tools.notebooks import execute_chapter
from xaiaudio.core.presets import setup
from xaiaudio.report.findings import Finding, FindingContradicted, check_findings

TRUE = Finding("S1+S2 beats S1", True, "A1 holds: 12.3 points [8.1, 16.5]")
FALSE = Finding("the published composite is flatter", False, "A2 holds: +1.5 [0.9, 2.1]")


def test_at_the_book_preset_a_false_statement_raises_and_names_itself():
    book = setup("book", "cpu")
    assert check_findings([TRUE], book) is None
    with pytest.raises(FindingContradicted, match="the published composite is flatter.*A2 holds"):
        check_findings([TRUE, FALSE], book)


def test_at_another_preset_the_page_shows_this_runs_verdicts():
    note = check_findings([TRUE, FALSE], setup("smoke", "cpu")).data
    assert "supported: S1+S2 beats S1 (A1 holds" in note
    assert "<b>not supported</b>: the published composite is flatter" in note
    assert "smoke preset" in note


def test_a_false_finding_fails_a_chapter_run_at_the_book_preset(tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text(textwrap.dedent('''\
        ---
        kernelspec:
          name: python3
          display_name: Python 3
        ---

        ```{code-cell} ipython3
        :tags: [parameters]
        preset = "book"
        ```

        ## What we found

        The published composite is flatter.

        ```{code-cell} ipython3
        from xaiaudio.core.presets import setup
        from xaiaudio.report.findings import Finding, check_findings

        check_findings([Finding("the published composite is flatter", 1.5 < 0)], setup(preset, "cpu"))
        ```
        '''))
    with pytest.raises(papermill.PapermillExecutionError, match="FindingContradicted"):
        execute_chapter(chapter, tmp_path / "out")
    # the same page at the smoke preset runs, and shows the run's verdict instead
    executed, _ = execute_chapter(chapter, tmp_path / "out", {"preset": "smoke"})
    assert "not supported" in executed.read_text()


def test_follows_input_finding_needs_both_correlations_at_the_threshold():
    from xaiaudio.report.rule_comparison import FOLLOWS_INPUT, follows_input_finding

    assert follows_input_finding(FOLLOWS_INPUT, 0.97).holds
    assert not follows_input_finding(0.97, FOLLOWS_INPUT - 0.01).holds


def test_on_other_data_than_the_prose_the_findings_are_shown_not_asserted(tmp_path):
    # a reader's SOL folder or the other embedded corpus may disagree with the prose: no crash at book
    for config in (setup("book", "cpu", corpus="synthetic"), setup("book", "cpu", data_dir=str(tmp_path))):
        note = check_findings([TRUE, FALSE], config, prose_corpus="recorded").data
        assert "<b>not supported</b>: the published composite is flatter" in note
        assert "book preset on the recorded corpus" in note
    note = check_findings([FALSE], setup("book", "cpu", corpus="synthetic"), prose_corpus="recorded").data
    assert "synthetic corpus" in note
    with pytest.raises(FindingContradicted):
        check_findings([FALSE], setup("book", "cpu", corpus="recorded"), prose_corpus="recorded")
