"""Resynthesis speed: seconds per rendered clip, one clip at a time and batched.

Run: ``nice python -m benchmarks.bench_resynthesis [--presets book paper] [--clips 4 2] [--k 16]``.

Each clip is a synthetic modulated tone at the preset's rate and length; the selection is its
``k`` largest second-order paths (a relevance map's top k looks like that: a few carriers, several
rates). For each preset and mode (*keep*, *remove*) the benchmark renders the clips (a) one by
one and (b) as one batch sharing the selection, with the preset's
:data:`xaiaudio.explain.resynthesis.RESYNTHESIS_SETTINGS`, on the CPU with the threads torch
has (set ``OMP_NUM_THREADS``), or on CUDA with ``--device cuda``. Time only on a quiet machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


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


def measure(presets=("book", "paper"), clips=(4, 2), k: int = 16, device: str = "cpu") -> list[dict]:
    """Seconds per clip of one-by-one and batched renders, per preset and mode."""
    from xaiaudio.core.presets import get_preset
    from xaiaudio.explain.resynthesis import resynthesise
    from xaiaudio.features.scattering import scatter, scattering_paths

    rows = []
    for name, count in zip(presets, clips):
        preset = get_preset(name)
        audio = tones(preset, count)
        paths = scattering_paths(name)
        energy = scatter(audio[0], name).mean(-1)
        selection = paths.n_s1 + np.argsort(-energy[paths.n_s1 :])[:k]
        batch = torch.as_tensor(audio, device=device)
        resynthesise(batch[:1], selection, "keep", name)  # build the filters outside the timings
        for mode in ("keep", "remove"):
            start = time.perf_counter()
            for clip in batch:
                resynthesise(clip[None], selection, mode, name)
            one_by_one = (time.perf_counter() - start) / count
            start = time.perf_counter()
            render = resynthesise(batch, selection, mode, name)
            batched = (time.perf_counter() - start) / count
            rows.append(
                {
                    "preset": name,
                    "mode": mode,
                    "clips": count,
                    "k": k,
                    "s/clip one by one": round(one_by_one, 2),
                    "s/clip batched": round(batched, 2),
                    "selected error": round(float(np.mean(render.selected_error)), 3),
                }
            )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["book", "paper"])
    parser.add_argument("--clips", nargs="+", type=int, default=[4, 2])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}, device: {args.device}")
    measure(args.presets, args.clips, args.k, args.device)


if __name__ == "__main__":
    main()
