"""The introduction's pipeline figure: both papers' stages, each captioned
with chapters that exist."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from tools.notebooks import chapters_in_toc  # noqa: E402
from xaiaudio.report.pipeline_diagram import (  # noqa: E402
    PIPELINES,
    pipeline_chapters,
    pipeline_diagram,
)


def test_every_chapter_the_diagram_names_is_in_the_table_of_contents():
    toc = [chapter.stem for chapter in chapters_in_toc()]
    assert pipeline_chapters() and set(pipeline_chapters()) <= set(toc)


def test_one_box_per_stage_and_an_arrow_between_neighbours():
    fig = pipeline_diagram()
    try:
        (ax,) = fig.axes
        assert ax.get_label() == "pipelines"
        n_stages = sum(len(stages) for _, stages in PIPELINES)
        assert len(ax.patches) == n_stages
        arrows = [t for t in ax.texts if t.get_text() == ""]
        assert len(arrows) == n_stages - len(PIPELINES)
        texts = {t.get_text() for t in ax.texts}
        assert {title for title, _ in PIPELINES} <= texts
        assert "deep_taylor\nlrp_rules" in texts
    finally:
        plt.close(fig)


def test_the_two_accounts_end_in_a_value_per_band():
    from xaiaudio.report.two_explanations_diagram import ACCOUNTS, two_explanations_diagram

    fig = two_explanations_diagram()
    try:
        (ax,) = fig.axes
        assert ax.get_label() == "accounts"
        assert len(ax.patches) == sum(len(stages) for _, stages in ACCOUNTS)
        assert all("per\nband" in stages[-1][0] for _, stages in ACCOUNTS)
    finally:
        plt.close(fig)
