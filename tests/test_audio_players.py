"""The hook's row of labelled players."""

import numpy as np

from xaiaudio.report.audio_players import audio_row


def test_one_labelled_full_width_player_per_sound_in_a_wrapping_row():
    tone = np.sin(np.linspace(0, 100, 800))
    html = audio_row([("trill", tone), ("a & b", tone)], rate=8000).data
    assert html.startswith('<div style="display:flex;flex-wrap:wrap')
    assert html.count("<audio ") == 2
    assert html.count('<audio style="width:100%"') == 2
    assert html.index("trill") < html.index("a &amp; b")
