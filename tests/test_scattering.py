"""Scattering features, path table, normalisation, carrier-modulation plane, explorer callback."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from xaiaudio.features.scattering import (  # noqa: E402
    NORMALISER_C,
    Normaliser,
    fit_normaliser,
    path_table,
    scatter,
    scatter_paths_torch,
    scatter_torch,
    scattering_module,
    scattering_paths,
    scattering_spec,
    select_orders,
)
from xaiaudio.features.scattering_checks import (  # noqa: E402
    closed_form_check,
)
from xaiaudio.report.plane import plot_plane, to_plane  # noqa: E402


def test_paper_preset_has_the_papers_74_s1_1200_paths_and_32_frames():
    spec = scattering_spec("paper")
    assert (spec.sample_rate, spec.clip_samples, spec.J, spec.Q, spec.T) == (44100, 2**18, 13, (8, 2), 2**13)
    paths = scattering_paths("paper")
    assert (paths.n_s1, len(paths), spec.n_frames) == (74, 1200, 32)
    # one forward pass on a single clip: kymatio's output agrees with the table and the frame count
    out = scattering_module(spec)(__import__("torch").zeros(1, spec.clip_samples))
    assert out.shape == (1, len(scattering_module(spec).meta()["order"]), 32)


@pytest.mark.parametrize("preset, n_s1, n_paths", [("smoke", 66, 872), ("book", 66, 872)])
def test_small_presets_path_counts_and_32_frames(preset, n_s1, n_paths):
    paths = scattering_paths(preset)
    assert (paths.n_s1, len(paths), scattering_spec(preset).n_frames) == (n_s1, n_paths, 32)
    assert np.nanmin(paths.lambda2) < 4.0  # modulations down to a few Hz stay visible


def test_path_table_drops_order_0_and_low_carriers_and_puts_s1_first():
    table = path_table("smoke")
    assert list(table.columns[:5]) == ["order", "lambda1_hz", "lambda2_hz", "n1", "n2"]
    assert set(table["order"]) == {1, 2}
    assert (table["lambda1_hz"] >= 32).all()
    n_s1 = (table["order"] == 1).sum()
    assert (table["order"].iloc[:n_s1] == 1).all() and (table["order"].iloc[n_s1:] == 2).all()
    assert table.loc[table["order"] == 1, "lambda2_hz"].isna().all()
    s2 = table[table["order"] == 2]
    assert s2["lambda2_hz"].notna().all() and (s2["n2"] >= 0).all()
    # kymatio's meta: xi in cycles/sample, so lambda = xi * sample rate
    meta = scattering_module("smoke").meta()
    rate = scattering_spec("smoke").sample_rate
    np.testing.assert_allclose(table["lambda1_hz"], meta["xi"][table["kymatio_index"], 0] * rate)
    # every excluded first-order path is below 32 Hz
    dropped = (meta["order"] == 1) & ~np.isin(np.arange(len(meta["order"])), table["kymatio_index"])
    assert (meta["xi"][dropped, 0] * rate < 32).all()


def test_scatter_shapes_orders_and_batch_consistency():
    spec = scattering_spec("smoke")
    rng = np.random.default_rng(0)
    audio = rng.standard_normal((2, spec.clip_samples)).astype(np.float32)
    batch = scatter(audio, "smoke")
    paths = scattering_paths("smoke")
    assert batch.shape == (2, len(paths), 32) and batch.dtype == np.float32
    np.testing.assert_allclose(scatter(audio[1], "smoke"), batch[1], rtol=1e-4, atol=1e-6)
    assert select_orders(batch, "smoke", (1,)).shape == (2, paths.n_s1, 32)
    assert select_orders(batch, "smoke", (2,)).shape == (2, paths.n_s2, 32)
    with pytest.raises(ValueError):
        scatter(audio[:, :100], "smoke")


def test_normaliser_is_fitted_on_the_training_split_only():
    rng = np.random.default_rng(1)
    features = rng.gamma(2.0, 1.0, size=(10, 5, 4)).astype(np.float32)
    split = np.array(["train"] * 6 + ["val"] * 2 + ["test"] * 2)
    norm = fit_normaliser(features, split)
    np.testing.assert_allclose(norm.mu, features[:6].mean(axis=(0, 2)), rtol=1e-6)
    assert norm.n_train == 6 and norm.c == NORMALISER_C
    poisoned = features.copy()
    poisoned[6:] *= 1000.0  # val and test rows never enter mu
    np.testing.assert_array_equal(fit_normaliser(poisoned, split).mu, norm.mu)
    expected = np.log1p(features / (0.1 * norm.mu[:, None] + 1e-8))
    np.testing.assert_allclose(norm(features), expected, rtol=1e-5)
    with pytest.raises(ValueError):
        fit_normaliser(features, np.array(["test"] * 10))
    with pytest.raises(ValueError):
        fit_normaliser(features, split[:5])
    with pytest.raises(ValueError):
        Normaliser(mu=np.ones(3, np.float32))(features)


def test_closed_form_check_peaks_near_carrier_and_rate():
    records = closed_form_check([500.0, 2000.0], [4.0, 16.0], preset="smoke")
    paths = scattering_paths("smoke")
    assert [(r["kind"], r["carrier_hz"], r["rate_hz"]) for r in records] == [
        (kind, fc, fm) for kind in ("am", "fm") for fc in (500.0, 2000.0) for fm in (4.0, 16.0)]
    for r in records:
        # the reported peak is an S2 path, and the frequencies reported are that path's
        assert paths.order[r["path"]] == 2
        assert (r["lambda1_hz"], r["lambda2_hz"]) == pytest.approx((paths.lambda1[r["path"]],
                                                                    paths.lambda2[r["path"]]))
        # Tolerances of this test, not the code's: carrier within 1/Q1 = 1/8 of itself (one constant-Q
        # bandwidth; FM peaks on a filter's flank, 10 % off), rate within half an octave (second-order
        # filters are 1/Q2 = 1/2 octave apart, one octave apart below about 5 Hz).
        assert abs(r["lambda1_hz"] / r["carrier_hz"] - 1) <= 1 / 8, r
        assert abs(np.log2(r["lambda2_hz"] / r["rate_hz"])) <= 0.5, r


def test_to_plane_puts_every_path_in_its_cell():
    paths = scattering_paths("smoke")
    values = np.arange(len(paths), dtype=float)
    plane = to_plane(values, paths)
    assert plane.image.shape == (paths.n_s1, 1 + len(np.unique(paths.n2[paths.order == 2])))
    assert np.all(np.diff(plane.carriers_hz) > 0) and np.all(np.diff(plane.modulations_hz) > 0)
    assert np.isfinite(plane.image).sum() == len(paths)
    for i in [0, paths.n_s1 - 1, paths.n_s1, len(paths) - 1]:
        row = np.flatnonzero(np.isclose(plane.carriers_hz, paths.lambda1[i]))[0]
        col = 0 if paths.order[i] == 1 else 1 + np.flatnonzero(np.isclose(plane.modulations_hz,
                                                                          paths.lambda2[i]))[0]
        assert plane.image[row, col] == values[i]
    batch = to_plane(np.stack([values, -values]), "smoke")
    assert batch.image.shape == (2,) + plane.image.shape
    with pytest.raises(ValueError):
        to_plane(values[:-1], paths)


def test_plot_plane_ticks_stay_in_the_presets_range():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot_plane(np.ones(len(scattering_paths("smoke"))), "smoke", ax=ax, title="ones")
    xlabels = [t.get_text() for t in ax.get_xticklabels()]
    ylabels = [t.get_text() for t in ax.get_yticklabels()]
    assert xlabels[0] == "0" and "8" in xlabels and "1" not in xlabels and "4096" not in xlabels
    assert ylabels[0] == "32" and ylabels[-1] == "8192"
    plt.close(fig)


def test_explorer_callback_returns_audio_features_and_figure():
    import matplotlib.pyplot as plt

    from xaiaudio.report.widgets import ScatteringExplorer

    calls = []

    def fake_note(instrument, midi, dynamics, technique, rate_hz, depth, n_samples, sample_rate, rng):
        calls.append((instrument, midi, technique, rate_hz, depth))
        t = np.arange(n_samples) / sample_rate
        return ((1 + np.cos(2 * np.pi * rate_hz * t)) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

    explorer = ScatteringExplorer("smoke", synthesise=fake_note)
    result = explorer.render("tremolo", 69, 8.0, 12.0)
    assert calls == [("Vn", 69, "tremolo", 8.0, 12.0)]
    assert result.audio.shape == (2**15,) and abs(result.audio.std() - 1) < 1e-3
    assert result.features.shape == (872, 32)
    plt.close(result.figure)
    explorer.widget()  # builds the ipywidgets layout (rendering happens in a kernel)


def test_scatter_paths_torch_equals_the_full_transform_and_has_gradients():
    torch = pytest.importorskip("torch")
    audio = torch.randn(2, scattering_spec("smoke").clip_samples)
    rows = [0, 5, 65, 66, 300, 871, 300]  # S1, S2, several carriers, a repeat
    full = scatter_torch(audio, "smoke")[:, rows]
    signal = audio.clone().requires_grad_()
    part = scatter_paths_torch(signal, rows, "smoke")
    assert torch.equal(part.detach(), full)
    part.sum().backward()
    assert torch.isfinite(signal.grad).all() and signal.grad.abs().sum() > 0
