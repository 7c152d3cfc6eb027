"""LRP throughput: clips explained per second on this machine, at the book and paper presets.

The convnet has the preset's number of scattering paths (book: J = 11 on 2**16 samples; paper:
1200 paths) and 32 frames; relevance cost does not depend on the feature values, so random inputs
stand in for features. Each composite of ``xaiaudio.attribution`` is timed over a few batches.

Usage: ``python benchmarks/bench_lrp.py [--presets book paper] [--clips 64]``
"""

from __future__ import annotations

import argparse
import time

import torch

from xaiaudio.attribution import COMPOSITES, explain
from xaiaudio.models import PlayingTechniqueConvNet, randomize_batchnorm
from xaiaudio.presets import resolve_device
from xaiaudio.scattering import scattering_paths, scattering_spec


def lrp_throughput(preset: str, rule: str, n_clips: int, batch_size: int = 32, device=None) -> float:
    """Clips per second explained with composite ``rule`` at ``preset``'s feature shape."""
    device = resolve_device(device)
    n_paths = len(scattering_paths(preset).order)
    n_frames = scattering_spec(preset).n_frames
    generator = torch.Generator().manual_seed(0)
    model = randomize_batchnorm(PlayingTechniqueConvNet(n_paths), generator).eval().to(device)
    features = torch.randn(n_clips, n_paths, n_frames, generator=generator).to(device)
    explain(model, features[:2], rule=rule)  # warm-up
    start = time.perf_counter()
    for first in range(0, n_clips, batch_size):
        explain(model, features[first:first + batch_size], rule=rule)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n_clips / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["book", "paper"])
    parser.add_argument("--clips", type=int, default=64)
    args = parser.parse_args()
    print(f"device: {resolve_device(None)}, torch threads: {torch.get_num_threads()}")
    print(f"{'preset':8} {'paths':>6} {'composite':26} {'clips/s':>9}")
    for preset in args.presets:
        n_paths = len(scattering_paths(preset).order)
        for rule in COMPOSITES:
            rate = lrp_throughput(preset, rule, args.clips)
            print(f"{preset:8} {n_paths:6d} {rule:26} {rate:9.1f}")


if __name__ == "__main__":
    main()
