"""How many CPU threads torch may use while a model trains.

On a shared 2-core machine one intra-op thread is fastest for the small
models of the prototype chapters; :func:`torch_threads` sets it for a block
and restores it after.
"""

from __future__ import annotations

import contextlib

import torch


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Temporarily limit torch's intra-op threads (one thread is fastest on
    a shared 2-core machine).

    A context manager: ``with torch_threads(1): ...`` sets
    ``torch.set_num_threads(n)`` for the block and restores the previous
    number afterwards, even when the block raises. Used while the prototype
    models and their baselines train.

    Parameters
    ----------
    n : int or None
        Number of intra-op threads inside the block; ``None`` leaves
        torch's setting alone.

    Yields
    ------
    None
    """
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
