"""``python -m xaiaudio.scorecard``: every claim of both papers over seeds,
on your own data if you have it.

Examples::

    python -m xaiaudio.scorecard --preset smoke --seeds 2 --json sc.json
    python -m xaiaudio.scorecard --preset book --corpus recorded
    python -m xaiaudio.scorecard --preset book --seeds 5 \\
        --data-dir ~/SOL --voices-dir ~/LibriSpeech \\
        --json sc.json --markdown sc.md

A folder, device or output path that cannot work is an error before any
training (exit status 2, one message); the JSON file is rewritten as each
stage finishes (``"complete": false`` until the end); SIGTERM or Ctrl-C
stops every worker process.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

# The heavy stack (torch, the experiments) is imported only once the
# arguments are read, so that --help answers at once.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xaiaudio.scorecard",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--preset",
        default=None,
        help="smoke, book or paper (default: $XAIAUDIO_PRESET or book)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="training seeds per claim (default: the preset's, 5 at book)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=(
            "seeds trained in parallel processes"
            " (default: one per CPU core; 1 on a GPU)"
        ),
    )
    parser.add_argument(
        "--data-seed",
        type=int,
        default=0,
        help="seed of the corpus and the split",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="a SOL 0.9 HQ / OrchideaSOL folder",
    )
    parser.add_argument(
        "--corpus",
        nargs="+",
        default=None,
        metavar="NAME",
        help=(
            "the embedded corpora to measure without --data-dir: recorded,"
            " synthetic (default: both, each claim on each)"
        ),
    )
    parser.add_argument(
        "--voices-dir", default=None, help="a LibriSpeech folder"
    )
    parser.add_argument(
        "--skip-unreadable",
        action="store_true",
        help=(
            "skip (and report) files the loaders cannot use instead of"
            " stopping at the first one"
        ),
    )
    parser.add_argument(
        "--device",
        default=None,
        help="torch device (default: CUDA when available)",
    )
    parser.add_argument(
        "--claims",
        nargs="+",
        default=None,
        metavar="ID",
        help="only these claims, e.g. A1 B3 (default: all)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write the scorecard as JSON here (updated as stages finish)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="write the table as Markdown here",
    )
    return parser


def _check_output(parser, path: Path | None) -> None:
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        parser.error(f"{path} is a folder; name a file to write")
    if not folder.is_dir():
        parser.error(f"cannot write {path}: no such folder {folder}")
    if not os.access(folder, os.W_OK):
        parser.error(f"cannot write {path}: folder {folder} is read-only")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same
    folder, so a reader never sees a half-written file."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", dir=path.parent
    )
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _stop_on_sigterm(signum, frame) -> None:
    # SystemExit unwinds through the worker pool, which stops its workers
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 2:
        parser.error(
            "--seeds must be at least 2: an interval needs two seeds"
        )
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    for folder in (args.data_dir, args.voices_dir):
        if folder is not None and not Path(folder).is_dir():
            parser.error(f"no such folder: {folder}")
    _check_output(parser, args.json)
    _check_output(parser, args.markdown)

    from xaiaudio.core.presets import CORPORA, PRESET_NAMES, setup
    from xaiaudio.experiments.claims import CLAIMS

    if args.corpus and args.data_dir:
        parser.error(
            "--corpus names embedded corpora: not with --data-dir"
        )
    unknown = sorted(set(args.corpus or ()) - set(CORPORA))
    if unknown:
        parser.error(
            f"unknown corpus {', '.join(unknown)}; the corpora are "
            + ", ".join(CORPORA)
        )
    if args.preset is not None and args.preset not in PRESET_NAMES:
        parser.error(
            f"--preset {args.preset!r}: choose from "
            + ", ".join(PRESET_NAMES)
        )
    unknown = sorted(set(args.claims or ()) - set(CLAIMS))
    if unknown:
        parser.error(
            f"unknown claim(s) {', '.join(unknown)}; the claims are "
            + ", ".join(CLAIMS)
        )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)

    from xaiaudio.experiments.scorecard import (
        scorecard_json,
        scorecard_markdown,
        scorecard_on_corpora,
    )

    def save(scorecard: dict) -> None:
        if args.json:
            write_atomically(args.json, scorecard_json(scorecard) + "\n")

    try:
        config = setup(
            args.preset,
            args.device,
            args.data_dir,
            args.data_seed,
            strict=not args.skip_unreadable,
        )
        scorecard = scorecard_on_corpora(
            config,
            args.corpus or CORPORA,
            args.seeds,
            args.voices_dir,
            args.claims,
            True,
            args.workers,
            on_progress=save,
        )
    # data, device and settings errors, raised before any training
    except (OSError, ValueError) as error:
        print(f"xaiaudio.scorecard: error: {error}", file=sys.stderr)
        return 2
    table = scorecard_markdown(scorecard)
    save(scorecard)
    if args.markdown:
        write_atomically(args.markdown, table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
