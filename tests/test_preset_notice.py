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
    recorded = preset_notice(setup("book", "cpu", corpus="recorded")).data
    assert "the recorded corpus" in recorded and "written for the synthetic corpus" in recorded
    assert "Data" in recorded and "preset (" not in recorded
    folder = preset_notice(setup("smoke", "cpu", data_dir=str(tmp_path))).data
    assert str(tmp_path) in folder and "<code>smoke</code> preset" in folder
    assert preset_notice(setup("book", "cpu", corpus="synthetic")) is None
