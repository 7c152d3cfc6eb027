"""Rendering the embedded corpora: seconds to write each corpus into an empty cache, and to find it again.

Run: ``nice python -m benchmarks.bench_corpus [--presets smoke book] [--corpora synthetic recorded]``
``[--record]``.

For each preset and corpus, :func:`xaiaudio.experiments.datasets.embedded_corpus_dir` is called twice in a
fresh, empty cache folder: (a) renders every clip and writes the SOL tree and its ``metadata.csv`` (what a
first chapter pays), (b) finds the cached folder (what every later chapter pays). ``--record`` writes the
rows to ``benchmarks/results/corpus_rendering.json``. Time only on a quiet machine: the load average when
each corpus started is kept with its row.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
from pathlib import Path

import pandas as pd

from benchmarks.scratch_cache import empty_cache

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "corpus_rendering.json"


def measure(presets=("smoke", "book"), corpora=("synthetic", "recorded"), seed: int = 0) -> list[dict]:
    """One row per preset and corpus: clips, audio seconds, render seconds (a), cached seconds (b)."""
    from xaiaudio.core.presets import get_preset
    from xaiaudio.experiments.datasets import embedded_corpus_dir

    rows = []
    with empty_cache():
        for preset_name in presets:
            preset = get_preset(preset_name)
            for corpus_name in corpora:
                load = os.getloadavg()[0]
                start = time.perf_counter()
                folder = embedded_corpus_dir(preset, seed, corpus_name)
                rendered = time.perf_counter() - start
                start = time.perf_counter()
                again = embedded_corpus_dir(preset, seed, corpus_name)
                cached = time.perf_counter() - start
                assert again == folder
                clips = len(pd.read_csv(folder / "metadata.csv"))
                rows.append({
                    "preset": preset_name,
                    "corpus": corpus_name,
                    "clips": clips,
                    "audio seconds": round(clips * preset.clip_seconds, 1),
                    "render seconds": round(rendered, 2),
                    "ms per clip": round(1000 * rendered / clips, 1),
                    "cached seconds": round(cached, 3),
                    "load average at start": round(load, 2),
                })
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["smoke", "book"])
    parser.add_argument("--corpora", nargs="+", default=["synthetic", "recorded"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", action="store_true", help=f"write the rows to {RESULTS_FILE.name}")
    args = parser.parse_args()
    rows = measure(args.presets, args.corpora, args.seed)
    print(pd.DataFrame(rows).to_string(index=False))
    if args.record:
        RESULTS_FILE.write_text(json.dumps({
            "machine": f"{os.cpu_count()} CPU cores",
            "measured_on": datetime.date.today().isoformat(),
            "command": "python -m benchmarks.bench_corpus " + " ".join(
                ["--presets", *args.presets, "--corpora", *args.corpora]),
            "rows": rows,
        }, indent=1) + "\n")
        print(f"recorded in {RESULTS_FILE}")


if __name__ == "__main__":
    main()
