"""A ledger of the work the package computes, for cost plans.

When ``$XAIAUDIO_WORK_LEDGER`` names a folder, every counted computation
(clips scattered, examples trained, explained or rendered, notes
synthesised) appends one line to a file of its own process there: the
kind of work, the shape of one item and how many items. A computation
that a cache hit skips is not counted, so the ledger of a chapter says
what that chapter computed. ``benchmarks.plan`` multiplies the counts by
per-item costs it measures. Without the variable, :func:`count` does
nothing.

A worker process of :func:`xaiaudio.core.parallel.run_in_processes`
marks its lines with the number of workers beside it
(:func:`set_pool_size`): their work runs side by side.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

#: Environment variable naming the ledger's folder.
LEDGER_ENV = "XAIAUDIO_WORK_LEDGER"

#: Processes computing side by side with this one (1: alone).
_POOL_SIZE = [1]


def set_pool_size(workers: int) -> None:
    """Mark this process's later lines as one of ``workers`` processes
    computing side by side (called in each worker as it starts)."""
    _POOL_SIZE[0] = int(workers)


def count(kind: str, items: int, shape: Sequence[int] = ()) -> None:
    """Record ``items`` items of work of ``kind``, each of ``shape``.

    Parameters
    ----------
    kind : str
        What was computed, e.g. ``"convnet training example"``.
    items : int
        How many (nothing is written for 0).
    shape : sequence of int
        The shape of one item (its input), which sets its cost.
    """
    folder = os.environ.get(LEDGER_ENV)
    if not folder or items <= 0:
        return
    line = {
        "kind": kind,
        "shape": [int(n) for n in shape],
        "items": int(items),
        "pool": _POOL_SIZE[0],
    }
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / f"{os.getpid()}.jsonl", "a") as ledger:
        ledger.write(json.dumps(line) + "\n")


def read_ledger(folder: str | Path) -> dict:
    """Totals of a ledger folder.

    Returns
    -------
    dict
        ``"kind|d1xd2" -> {"kind", "shape", "items", "pooled_items",
        "pool"}``: the items counted in processes working alone
        (``items``) and in worker pools (``pooled_items``, with the
        largest pool size seen).
    """
    totals: dict = {}
    for path in sorted(Path(folder).glob("*.jsonl")):
        for text in path.read_text().splitlines():
            line = json.loads(text)
            key = work_key(line["kind"], line["shape"])
            entry = totals.setdefault(
                key,
                {
                    "kind": line["kind"],
                    "shape": line["shape"],
                    "items": 0,
                    "pooled_items": 0,
                    "pool": 1,
                },
            )
            if line["pool"] > 1:
                entry["pooled_items"] += line["items"]
                entry["pool"] = max(entry["pool"], line["pool"])
            else:
                entry["items"] += line["items"]
    return totals


def work_key(kind: str, shape: Sequence[int]) -> str:
    """``"kind|d1xd2"``: the key of one kind of work at one shape."""
    return f"{kind}|{'x'.join(str(int(n)) for n in shape)}"
