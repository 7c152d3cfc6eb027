"""Renders of selected scattering coefficients (xaiaudio.explain.resynthesis)
and the audio-domain faithfulness tables (xaiaudio.experiments.audible)."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.bench_resynthesis import render_with_torch_lbfgs
from xaiaudio.experiments import audible
from xaiaudio.experiments.audible import (
    AUDIBLE_SETTINGS,
    RANDOM,
    faithfulness_verdicts,
    paired_differences,
    render_rate_agreement,
)
from xaiaudio.explain import resynthesis
from xaiaudio.explain.resynthesis import (
    ResynthesisError,
    ResynthesisSettings,
    random_paths,
    resynthesise,
    safe_peak,
    top_k_paths,
)
from xaiaudio.features.modulation import measure_modulation_rate
from xaiaudio.features.scattering import (
    scatter,
    scattering_paths,
    scattering_spec,
)
from xaiaudio.features.scattering_checks import (
    fwhm,
    modulated_sinusoid,
    s2_peak,
)

PRESET = "smoke"


@pytest.fixture(scope="module")
def am_tone():
    """A 1 kHz carrier, 100 % amplitude-modulated at 7 Hz, and its S2
    peak."""
    tone = modulated_sinusoid(1000.0, 7.0, "am", PRESET)
    return tone, s2_peak(scatter(tone, PRESET), PRESET)


def test_am_tone_from_its_s2_peak_alone_keeps_its_rate(am_tone):
    tone, peak = am_tone
    render = resynthesise(tone, [peak], "keep", PRESET)
    paths = scattering_paths(PRESET)
    rate = measure_modulation_rate(render.audio[0], scattering_spec(PRESET).sample_rate, "tremolo")
    assert render.selected_error[0] < 0.05
    assert abs(rate - 7.0) <= fwhm(paths.sigma2[peak])


def test_every_path_kept_reproduces_the_scattering_within_25_percent(am_tone):
    tone, _ = am_tone
    every = np.arange(len(scattering_paths(PRESET)))
    render = resynthesise(tone, every, "keep", PRESET, ResynthesisSettings(evaluations=37))
    assert render.selected_error[0] < 0.25
    assert render.rest_error[0] == 0.0  # nothing is left outside


def test_every_path_removed_leaves_the_coefficients_at_their_floor(am_tone):
    tone, _ = am_tone
    every = np.arange(len(scattering_paths(PRESET)))
    render = resynthesise(tone, every, "remove", PRESET)
    assert render.selected_error[0] > 0.9  # at most 10 % of S x is left
    assert render.audio.std() < 0.1 * tone.std()  # near silent (< -20 dB)


def test_renders_are_finite_and_deterministic_from_a_seed(am_tone):
    tone, peak = am_tone
    rows = [peak, peak - 1]
    first, again, other = (resynthesise(tone, rows, "keep", PRESET, seed=s) for s in (0, 0, 1))
    assert np.isfinite(first.audio).all()
    assert np.array_equal(first.audio, again.audio)
    assert not np.array_equal(first.audio, other.audio)


def test_a_clip_renders_the_same_alone_and_among_clips_with_other_selections(am_tone):
    """Each clip has its own L-BFGS: its batch mates (other clips, selections and modes, one
    selection wide enough to compute every path) change nothing but float rounding."""
    tone, peak = am_tone
    other = modulated_sinusoid(2000.0, 12.0, "am", PRESET)
    other_peak = s2_peak(scatter(other, PRESET), PRESET)
    paths = scattering_paths(PRESET)
    masks = np.zeros((4, len(paths)), dtype=bool)
    masks[0, [peak]] = True
    masks[1, [other_peak - 1, other_peak]] = True
    masks[2, : paths.n_s1] = True  # every carrier: more than MAX_PARTIAL_CARRIERS
    masks[3, random_paths(len(paths), 12, 0)] = True
    clips, modes = np.stack([tone, other, other, tone]), ["keep", "remove", "keep", "keep"]
    batch = resynthesise(clips, masks, modes, PRESET)
    for i in (0, 1):
        alone = resynthesise(clips[i], masks[i : i + 1], modes[i], PRESET)
        audio_difference = np.abs(batch.audio[i] - alone.audio[0]).max()
        assert audio_difference <= 1e-4 * np.abs(alone.audio[0]).max()
        feature_difference = np.abs(batch.features[i] - alone.features[0]).max()
        assert feature_difference <= 1e-4 * np.abs(alone.features[0]).max()
        assert batch.selected_error[i] == pytest.approx(alone.selected_error[0], rel=1e-3)


def test_per_clip_lbfgs_matches_selected_coefficients_as_well_as_torch_lbfgs_one_by_one(am_tone):
    """The tone's S2 peak (and its neighbours) kept: the per-clip L-BFGS at the preset's
    evaluations against the previous one-clip renders (torch's L-BFGS, strong Wolfe), within 0.02."""
    tone, peak = am_tone
    for rows in ([peak], [peak - 1, peak, peak + 1]):
        render = resynthesise(tone, rows, "keep", PRESET)
        previous = scatter(render_with_torch_lbfgs(tone, rows, "keep", PRESET)[0].numpy(), PRESET)
        clip = scatter(tone, PRESET)[rows]
        previous_error = np.linalg.norm(previous[rows] - clip) / np.linalg.norm(clip)
        assert render.selected_error[0] <= previous_error + 0.02


def test_a_render_made_in_a_batch_is_a_cache_hit_alone_and_the_other_way_round(
    am_tone, tmp_path, monkeypatch
):
    monkeypatch.setenv("XAIAUDIO_CACHE", str(tmp_path))
    tone, peak = am_tone
    other = modulated_sinusoid(2000.0, 12.0, "am", PRESET)
    mu = scatter(tone, PRESET).mean(-1)
    rendered = []
    real = resynthesis.resynthesise

    def counting(clips, *args, **kwargs):
        rendered.append(len(clips))
        return real(clips, *args, **kwargs)

    monkeypatch.setattr(audible, "resynthesise", counting)
    batch = audible.cached_renders(
        [tone, other, tone],
        [[peak], [peak - 1, peak + 3], [peak + 2]],
        ["keep", "remove", "keep"],
        PRESET,
        mu,
        0,
    )
    assert rendered == [3]  # one call for the three
    alone = audible.cached_render(other, [peak + 3, peak - 1], "remove", PRESET, mu, 0)
    assert rendered == [3]  # read back: the selection is a set of paths
    assert np.array_equal(alone["audio"], batch[1]["audio"])
    first = audible.cached_render(other, [peak], "keep", PRESET, mu, 0)
    again = audible.cached_renders([tone, other], [[peak], [peak]], ["remove", "keep"], PRESET, mu, 0)
    assert rendered == [3, 1, 1]  # only the tone's render was missing
    assert np.array_equal(again[1]["features"], first["features"])


def test_silence_stays_silence():
    silence = np.zeros(scattering_spec(PRESET).clip_samples, np.float32)
    for mode in ("keep", "remove"):
        render = resynthesise(silence, [70, 71], mode, PRESET)
        assert not render.audio.any()
    assert not safe_peak({"clip": silence})["clip"].any()


def test_top_k_paths_refuses_what_it_cannot_rank():
    relevance = np.array([0.5, -1.0, 2.0, 0.0])
    assert top_k_paths(relevance, 2).tolist() == [2, 0]
    with pytest.raises(ResynthesisError, match="between 1 and"):
        top_k_paths(relevance, 5)
    with pytest.raises(ResynthesisError, match="positive relevance"):
        top_k_paths(relevance, 3)
    with pytest.raises(ResynthesisError, match="positive relevance"):
        top_k_paths(np.zeros(4), 1)
    with pytest.raises(ResynthesisError, match="NaN"):
        top_k_paths(np.array([1.0, np.nan]), 1)
    assert sorted(random_paths(10, 10, 0).tolist()) == list(range(10))


def test_bad_clips_and_selections_get_clear_errors(am_tone):
    tone, peak = am_tone
    with pytest.raises(ResynthesisError, match="NaN"):
        resynthesise(np.full_like(tone, np.nan), [peak], "keep", PRESET)
    with pytest.raises(ResynthesisError, match="samples"):
        resynthesise(tone[:100], [peak], "keep", PRESET)
    with pytest.raises(ResynthesisError, match="mode"):
        resynthesise(tone, [peak], "mute", PRESET)
    with pytest.raises(ResynthesisError, match="rows"):
        resynthesise(tone, [10**6], "keep", PRESET)
    with pytest.raises(ResynthesisError, match="select no path"):
        resynthesise(tone, np.zeros((1, len(scattering_paths(PRESET))), bool), "keep", PRESET)
    with pytest.raises(ResynthesisError, match="modes"):
        resynthesise(tone, [peak], ["keep", "remove"], PRESET)


def test_safe_peak_scales_everything_by_one_factor():
    out = safe_peak({"clip": np.array([4.0, -2.0]), "render": np.array([1.0, 0.5])})
    assert np.abs(out["clip"]).max() == pytest.approx(0.9)
    assert out["render"] == pytest.approx([0.225, 0.1125])
    with pytest.raises(ResynthesisError, match="NaN"):
        safe_peak({"render": np.array([np.nan])})


def _table(keep_top, keep_random, remove_top, remove_random):
    rows = []
    for position, values in enumerate(zip(keep_top, keep_random, remove_top, remove_random)):
        for (selection, mode), p in zip(
            [("m", "keep"), (RANDOM, "keep"), ("m", "remove"), (RANDOM, "remove")], values
        ):
            rows.append(
                {
                    "position": position,
                    "selection": selection,
                    "mode": mode,
                    "probability": p,
                    "true_rate_hz": 8.0,
                    "render_rate_hz": 8.5 if selection == "m" else 16.0,
                }
            )
    return pd.DataFrame(rows)


def test_paired_differences_and_verdicts_read_the_right_way_round():
    table = _table([0.9, 0.8, 0.7, 0.9], [0.1, 0.2, 0.1, 0.3], [0.2, 0.1, 0.3, 0.2], [0.9, 0.9, 0.8, 0.95])
    differences = paired_differences(table)
    assert differences["keep"].tolist() == pytest.approx([0.8, 0.6, 0.6, 0.6])
    assert differences["remove"].tolist() == pytest.approx([0.7, 0.8, 0.5, 0.75])
    verdicts = faithfulness_verdicts(table).set_index("test")
    assert (verdicts["verdict"] == "holds").all()
    backwards = faithfulness_verdicts(
        _table([0.1] * 4, [0.9, 0.8, 0.9, 0.7], [0.9] * 4, [0.1, 0.2, 0.1, 0.3])
    )
    assert (backwards["verdict"] == "fails").all()
    agreement = render_rate_agreement(table)
    assert agreement["m"] == 1.0 and agreement[RANDOM] == 0.0


def test_claim_clips_are_among_the_chapters_clips_and_shared_by_training_seeds():
    """C1 renders a subset of the chapter's clips, drawn from the data seed only."""
    from types import SimpleNamespace

    from xaiaudio.core.presets import get_preset
    from xaiaudio.experiments.audible import positions_of_test_clips

    features = SimpleNamespace(rows=lambda split: np.arange(100))
    settings = AUDIBLE_SETTINGS["book"]
    configs = [SimpleNamespace(preset=get_preset("book"), seed=s) for s in (0, 3)]
    chapter = positions_of_test_clips(configs[0], features)
    assert len(chapter) == settings.test_clips
    claim = [positions_of_test_clips(c, features, seed=0, clips=settings.claim_clips) for c in configs]
    assert len(claim[0]) == settings.claim_clips
    assert np.array_equal(claim[0], claim[1])  # training seeds 0 and 3, one data seed
    assert set(claim[0]) <= set(chapter)
    assert not np.array_equal(positions_of_test_clips(configs[0], features, seed=1), chapter)
