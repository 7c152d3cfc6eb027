"""Resynthesis speed and quality: seconds per render and selected-coefficient errors, renders of many
clips each with its own selections, one by one and batched.

Run: ``nice python -m benchmarks.bench_resynthesis [--presets smoke book] [--clips 8 8] [--k 16]
[--json benchmarks/results/cpu_resynthesis.json]``.

Each clip is a synthetic modulated tone at the preset's rate and length, with four renders, as the
faithfulness test of the listening-to-relevance chapter makes them: its own ``k`` largest
second-order paths (a relevance map's top k looks like that: a few carriers, several rates) and
``k`` random paths drawn for it, each kept and removed. Three ways to render them, with the
preset's settings, on the CPU with the threads torch has (set ``OMP_NUM_THREADS``) or on CUDA with
``--device cuda``:

- ``torch L-BFGS, one by one``: the previous renders, one per call with torch's L-BFGS
  (:data:`PREVIOUS_ITERATIONS`; its line search would couple the clips of a batch);
- ``per-clip L-BFGS, one by one``: :func:`xaiaudio.explain.resynthesis.resynthesise`, one render
  per call;
- ``per-clip L-BFGS, batched``: the same, every render in one call (each clip still optimised on
  its own: the two give the same renders, to float rounding).

Every way's time includes scattering each clip and each render (the network's input). Errors:
for *keep*, ``||S y - S x|| / ||S x||`` on the selected coefficients (0 is a perfect match); for
*remove*, ``||S y|| / ||S x||`` there, the share of the selected coefficients left (0: all gone).
Time only on a quiet machine; the load average is recorded with each preset.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

#: The previous renders' torch L-BFGS iterations per preset (up to 5/4 as many evaluations).
PREVIOUS_ITERATIONS = {"smoke": 8, "book": 6, "paper": 100}


def tones(preset, count: int) -> np.ndarray:
    """Standardised amplitude-modulated tones (the package's closed-form signal) with a little noise,
    one per clip."""
    from xaiaudio.features.scattering_checks import modulated_sinusoid

    rng = np.random.default_rng(0)
    out = []
    for _ in range(count):
        f0, rate = 220 * 2 ** rng.uniform(0, 3), rng.uniform(4, 20)
        x = modulated_sinusoid(f0, rate, "am", preset, depth=0.8)
        x = x + 0.01 * rng.standard_normal(len(x))
        out.append((x / x.std()).astype(np.float32))
    return np.stack(out)


def render_with_torch_lbfgs(clip, rows, mode: str, preset: str, seed: int = 0) -> torch.Tensor:
    """The previous render of one clip, for comparison: the same start and loss as
    :func:`~xaiaudio.explain.resynthesis.resynthesise`, descended by torch's L-BFGS (strong Wolfe line
    search, :data:`PREVIOUS_ITERATIONS`). Returns the ``(1, samples)`` render."""
    from xaiaudio.explain.resynthesis import SelectedCoefficientLoss, carrier_noise, carrier_stop
    from xaiaudio.features.scattering import scatter_torch, scattering_paths

    x = torch.as_tensor(clip, dtype=torch.float32)[None]
    mask = np.zeros((1, len(scattering_paths(preset))), dtype=bool)
    mask[0, rows] = True
    loss = SelectedCoefficientLoss(scatter_torch(x, preset), mask, [mode], preset)
    start = carrier_noise(x, rows, preset, seed) if mode == "keep" else carrier_stop(x, rows, preset)
    y = start.requires_grad_()
    optimiser = torch.optim.LBFGS(
        [y],
        max_iter=PREVIOUS_ITERATIONS[preset],
        history_size=10,
        line_search_fn="strong_wolfe",
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = loss(y).sum()
        value.backward()
        return value

    optimiser.step(closure)
    return y.detach()


def renders_of(audio: np.ndarray, preset: str, k: int):
    """Four renders per clip, each with the clip's own selection: (clip index, rows, mode)."""
    from xaiaudio.features.scattering import scatter, scattering_paths

    paths = scattering_paths(preset)
    rng = np.random.default_rng(1)
    out = []
    for i, clip in enumerate(audio):
        energy = scatter(clip, preset).mean(-1)
        top = paths.n_s1 + np.argsort(-energy[paths.n_s1 :])[:k]
        random = rng.choice(len(paths), k, replace=False)
        out += [(i, rows, mode) for rows in (top, random) for mode in ("keep", "remove")]
    return out


def errors(clip_features: np.ndarray, rendered: np.ndarray, rows, mode: str) -> float:
    """A render's error on its selected coefficients (see the module's docstring)."""
    clip, render = clip_features[rows], rendered[rows]
    if mode == "keep":
        return float(np.linalg.norm(render - clip) / np.linalg.norm(clip))
    return float(np.linalg.norm(render) / np.linalg.norm(clip))


def measure(presets=("smoke", "book"), clips=(8, 8), k: int = 16, device: str = "cpu") -> list[dict]:
    """Seconds per render and mean selected errors of each way, per preset."""
    from xaiaudio.explain.resynthesis import RESYNTHESIS_SETTINGS, resynthesise
    from xaiaudio.features.scattering import scatter_torch, scattering_paths

    rows_out = []
    for name, count in zip(presets, clips):
        load = os.getloadavg()[0]
        audio = torch.as_tensor(tones(name, count), device=device)
        renders = renders_of(audio.cpu().numpy(), name, k)
        clip_features = scatter_torch(audio, name).cpu().numpy()
        resynthesise(audio[:1], renders[0][1], "keep", name)  # build the filters outside the timings
        results = {}

        start = time.perf_counter()
        features = []
        for i in range(count):
            scatter_torch(audio[i : i + 1], name)  # the previous path scattered each clip once
        for i, rows, mode in renders:
            y = render_with_torch_lbfgs(audio[i].cpu(), rows, mode, name).to(device)
            features.append(scatter_torch(y, name)[0].cpu().numpy())
        results["torch L-BFGS, one by one"] = (time.perf_counter() - start, features, None)

        start = time.perf_counter()
        alone = [resynthesise(audio[i], rows, mode, name) for i, rows, mode in renders]
        results["per-clip L-BFGS, one by one"] = (
            time.perf_counter() - start,
            [r.features[0] for r in alone],
            np.concatenate([r.audio for r in alone]),
        )

        masks = np.zeros((len(renders), len(scattering_paths(name))), dtype=bool)
        for mask, (_, rows, _) in zip(masks, renders):
            mask[rows] = True
        start = time.perf_counter()
        batch = resynthesise(audio[[i for i, _, _ in renders]], masks, [m for _, _, m in renders], name)
        results["per-clip L-BFGS, batched"] = (time.perf_counter() - start, list(batch.features), batch.audio)

        keep = [m == "keep" for _, _, m in renders]
        previous = results["torch L-BFGS, one by one"][0]
        for way, (seconds, features, rendered) in results.items():
            error = np.array(
                [errors(clip_features[i], f, rows, m) for (i, rows, m), f in zip(renders, features)]
            )
            row = {
                "preset": name,
                "way": way,
                "evaluations per render": (
                    f"up to {PREVIOUS_ITERATIONS[name] * 5 // 4}"
                    if rendered is None
                    else RESYNTHESIS_SETTINGS[name].evaluations
                ),
                "renders": len(renders),
                "clips": count,
                "k": k,
                "s/render": round(seconds / len(renders), 3),
                "speed-up over torch L-BFGS one by one": round(previous / seconds, 2),
                "keep error, mean": round(float(error[keep].mean()), 4),
                "keep error, median": round(float(np.median(error[keep])), 4),
                "remove: share left, mean": round(float(error[~np.array(keep)].mean()), 4),
                "remove: share left, median": round(float(np.median(error[~np.array(keep)])), 4),
                "load average before": round(load, 2),
            }
            if way == "per-clip L-BFGS, batched":
                one_by_one = results["per-clip L-BFGS, one by one"][2]
                row["largest relative difference from one by one"] = float(
                    np.max(np.linalg.norm(rendered - one_by_one, axis=1) / np.linalg.norm(one_by_one, axis=1))
                )
            rows_out.append(row)
            print(row, flush=True)
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["smoke", "book"])
    parser.add_argument("--clips", nargs="+", type=int, default=[8, 8])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}, device: {args.device}")
    rows = measure(args.presets, args.clips, args.k, args.device)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(
                {"torch threads": torch.get_num_threads(), "device": args.device, "rows": rows},
                file,
                indent=1,
            )


if __name__ == "__main__":
    main()
