"""The preset notice: a chapter run at another preset than the book's says so at its top."""

from xaiaudio.core.presets import setup
from xaiaudio.report.preset_notice import PROSE_PRESET, preset_notice


def test_no_notice_at_the_preset_the_prose_describes():
    assert PROSE_PRESET == "book"
    assert preset_notice(setup("book", "cpu")) is None


def test_smoke_and_paper_say_what_the_reader_is_looking_at():
    smoke = preset_notice(setup("smoke", "cpu")).data
    assert "<code>smoke</code> preset" in smoke and "<code>book</code> preset" in smoke
    assert "can say the opposite" in smoke and 'class="admonition warning"' in smoke
    paper = preset_notice(setup("paper", "cpu")).data
    assert "<code>paper</code> preset" in paper and "papers' sizes" in paper


def test_other_data_than_the_prose_are_announced_at_any_preset(tmp_path):
    synthetic = preset_notice(setup("book", "cpu", corpus="synthetic"), prose_corpus="recorded").data
    assert "the synthetic corpus" in synthetic and "written for the recorded corpus" in synthetic
    assert "Data" in synthetic and "preset (" not in synthetic
    folder = preset_notice(setup("smoke", "cpu", data_dir=str(tmp_path))).data
    assert str(tmp_path) in folder and "<code>smoke</code> preset" in folder
    assert "written for the embedded corpus" in folder
    assert preset_notice(setup("book", "cpu", corpus="recorded"), prose_corpus="recorded") is None


def test_a_chapter_that_reads_no_embedded_corpus_ignores_the_corpus_setting():
    for corpus in ("recorded", "synthetic"):
        assert preset_notice(setup("book", "cpu", corpus=corpus)) is None
