"""Scattering extraction speed: per-file loop vs batched extraction vs cached re-run.

Run: ``nice python -m benchmarks.bench_scattering [--presets book paper] [--clips 32 4]``.

(a) the reference code's loop: read one file, scatter it, next file (no batching, no cache);
(b) :func:`xaiaudio.features.extraction.extract_features` into an empty cache (batched, reads in a
    background thread, streams to a memory-mapped ``.npy``);
(c) the same call again (cache hit: re-hash the audio files, map the stored array).
Clips are synthetic WAVs written to a temporary folder; the cache is a temporary folder too.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.scratch_cache import empty_cache


def write_clips(folder: Path, preset, count: int) -> list[Path]:
    rng = np.random.default_rng(0)
    t = np.arange(preset.clip_samples) / preset.sample_rate
    paths = []
    for i in range(count):
        f0, rate = 110 * 2 ** rng.uniform(0, 4), rng.uniform(4, 30)
        x = (1 + 0.5 * np.cos(2 * np.pi * rate * t)) * np.sin(2 * np.pi * f0 * t)
        x += 0.01 * rng.standard_normal(len(t))
        path = folder / f"clip{i:04d}.wav"
        sf.write(path, (0.2 * x).astype(np.float32), preset.sample_rate)
        paths.append(path)
    return paths


def measure(presets=("book", "paper"), clips=(32, 4)) -> list[dict]:
    """Clips per second of (a) a per-file loop, (b) batched extraction, (c) a cached re-run, per preset."""
    from xaiaudio.core.presets import get_preset
    from xaiaudio.features import extraction
    from xaiaudio.features.scattering import scattering_module

    rows = []
    with empty_cache() as tmp:
        for name, count in zip(presets, clips):
            preset = get_preset(name)
            folder = tmp / name
            folder.mkdir()
            paths = write_clips(folder, preset, count)
            scattering_module(name)  # build the filters once, outside the timings
            extraction.extract_features_per_file(paths[:1], preset)  # warm-up
            timings = {}
            start = time.perf_counter()
            baseline = extraction.extract_features_per_file(paths, preset)
            timings["a"] = time.perf_counter() - start
            start = time.perf_counter()
            batched = extraction.extract_features(paths, preset, progress=False)
            timings["b"] = time.perf_counter() - start
            start = time.perf_counter()
            cached = extraction.extract_features(paths, preset, progress=False)
            timings["c"] = time.perf_counter() - start
            assert np.allclose(baseline, batched, rtol=1e-4, atol=1e-6)
            assert np.array_equal(batched, cached)
            rows.append({"preset": name, "clips": count,
                         **{key: count / timings[key] for key in "abc"}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["book", "paper"])
    parser.add_argument("--clips", nargs="+", type=int, default=[32, 4], help="clips per preset")
    args = parser.parse_args()
    rows = measure(args.presets, args.clips)
    print(f"{'preset':8} {'clips':>5} {'(a) per-file':>14} {'(b) batched':>14} {'(c) cached':>14} "
          f"{'b/a':>6} {'c/a':>8}   (clips per second)")
    for row in rows:
        a, b, c = row["a"], row["b"], row["c"]
        print(f"{row['preset']:8} {row['clips']:5d} {a:14.2f} {b:14.2f} {c:14.1f} {b / a:6.2f} {c / a:8.1f}")


if __name__ == "__main__":
    main()
