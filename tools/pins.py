"""Regenerate the pinned requirements from their ``.in`` files with pip-compile (pip-tools).

``requirements.txt`` pins the package with its ``book`` and ``test`` extras (``requirements.in``);
``requirements-ci.txt`` pins what only ``.ci/run`` needs, the browser check's selenium
(``requirements-ci.in``, constrained by ``requirements.txt``).  Existing pins are kept unless
``--upgrade`` is given.  A local version label of torch and torchvision (``2.13.0+cpu``, the CPU
wheel this machine has) is dropped, so that the pin accepts the CPU and the CUDA builds alike.

Usage: ``pip install pip-tools && python -m tools.pins [--upgrade]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tools.notebooks import REPOSITORY

#: Input file -> the pinned file compiled from it, in the order they must be compiled.
PIN_FILES = {"requirements.in": "requirements.txt", "requirements-ci.in": "requirements-ci.txt"}

#: Packages whose pins keep no local version label (``+cpu``, ``+cu126``).
BUILD_NEUTRAL = ("torch", "torchvision")

_LOCAL_LABEL = re.compile(rf"^({'|'.join(BUILD_NEUTRAL)})==([^+\s]+)\+\S+", re.MULTILINE)


def drop_local_labels(pinned: str) -> str:
    """``torch==2.13.0+cpu`` -> ``torch==2.13.0`` (and the same for torchvision)."""
    return _LOCAL_LABEL.sub(r"\1==\2", pinned)


def compile_pins(upgrade: bool = False) -> None:
    """Run pip-compile on every file of :data:`PIN_FILES`, then :func:`drop_local_labels`."""
    pip_compile = shutil.which("pip-compile") or str(Path(sys.executable).with_name("pip-compile"))
    for source, target in PIN_FILES.items():
        command = [pip_compile, "--quiet", "--no-strip-extras", "--no-emit-index-url", "--no-emit-find-links",
                   "--output-file", target, source]
        environment = {**os.environ, "CUSTOM_COMPILE_COMMAND": "python -m tools.pins"}  # the header's command
        command += ["--upgrade"] if upgrade else []
        subprocess.run(command, cwd=REPOSITORY, env=environment, check=True)
        path = REPOSITORY / target
        path.write_text(drop_local_labels(path.read_text()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed")
    compile_pins(parser.parse_args(argv).upgrade)
    return 0


if __name__ == "__main__":
    sys.exit(main())
