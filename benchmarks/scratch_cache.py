"""An empty, temporary cache folder for a benchmark that times work from scratch."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xaiaudio.core.cache import CACHE_ENV


@contextlib.contextmanager
def empty_cache() -> Iterator[Path]:
    """Point ``$XAIAUDIO_CACHE`` at a new empty folder for the ``with`` block; restore it and delete the
    folder after. Yields the folder in which the cache and any scratch files may go."""
    previous = os.environ.get(CACHE_ENV)
    with tempfile.TemporaryDirectory(prefix="xaiaudio-bench-") as scratch:
        os.environ[CACHE_ENV] = str(Path(scratch) / "cache")
        try:
            yield Path(scratch)
        finally:
            if previous is None:
                os.environ.pop(CACHE_ENV, None)
            else:
                os.environ[CACHE_ENV] = previous
