"""LRP throughput: clips explained per second on this machine, at the book and paper presets.

The convnet has the preset's number of scattering paths (book: J = 11 on 2**16 samples; paper:
1200 paths) and 32 frames; relevance cost does not depend on the feature values, so random inputs
stand in for features. Each composite of ``xaiaudio.explain.composites`` is timed over a few batches.

Usage: ``python -m benchmarks.bench_lrp [--presets book paper] [--clips 64]``
"""

from __future__ import annotations

import argparse
import time

import torch

from xaiaudio.core.presets import resolve_device
from xaiaudio.explain.registry import lrp_methods, method_by_slug
from xaiaudio.features.scattering import scattering_paths, scattering_spec
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm


def lrp_throughput(preset: str, rule: str, n_clips: int, batch_size: int = 32, device=None) -> float:
    """Clips per second explained with the zennit composite of LRP method ``rule`` (a slug of
    :func:`xaiaudio.explain.registry.lrp_methods`) at ``preset``'s feature shape."""
    method = method_by_slug(rule)
    device = resolve_device(device)
    n_paths = len(scattering_paths(preset).order)
    n_frames = scattering_spec(preset).n_frames
    generator = torch.Generator().manual_seed(0)
    model = randomise_batchnorm(PlayingTechniqueConvNet(n_paths), generator).eval().to(device)
    features = torch.randn(n_clips, n_paths, n_frames, generator=generator).to(device)
    method.zennit(model, features[:2])  # warm-up
    start = time.perf_counter()
    for first in range(0, n_clips, batch_size):
        method.zennit(model, features[first:first + batch_size])
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
        for method in lrp_methods():
            rate = lrp_throughput(preset, method.slug, args.clips)
            print(f"{preset:8} {n_paths:6d} {method.slug:26} {rate:9.1f}")


if __name__ == "__main__":
    main()
