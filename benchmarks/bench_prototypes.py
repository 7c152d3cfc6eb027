"""Training time of the playable-prototype model: seconds per epoch and to the curriculum's end.

Usage: ``nice python -m benchmarks.bench_prototypes [--preset book] [--data voices|instruments]``.
Trains without the cache (``fit_prototypes``) so the time is real, on CPU unless ``--device`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import time

from xaiaudio.core.presets import setup
from xaiaudio.experiments.datasets import instrument_set, voice_set
from xaiaudio.training.prototype_curriculum import fit_prototypes


def measure(preset: str = "book", data_name: str = "voices", device: str = "cpu") -> dict:
    """Training time (total and per epoch) of supervised and unsupervised prototypes at ``preset``."""
    config = setup(preset, device, None, 0)
    data = (voice_set if data_name == "voices" else instrument_set)(config)[0]
    report = {"preset": preset, "data": data_name, "clips": len(data.labels), "classes": data.n_classes}
    for mode, ce in (("supervised", True), ("unsupervised", False)):
        start = time.perf_counter()
        out = fit_prototypes(data, config, mode, ce, progress=False)
        seconds = time.perf_counter() - start
        epochs = sum(row["epochs"] for row in json.loads(out["history"]))
        report[mode] = {"seconds_total": round(seconds, 1), "epochs": epochs,
                        "seconds_per_epoch": round(seconds / epochs, 2)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="book")
    parser.add_argument("--data", default="voices", choices=("voices", "instruments"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(json.dumps(measure(args.preset, args.data, args.device), indent=1))


if __name__ == "__main__":
    main()
