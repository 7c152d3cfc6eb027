"""``python -m xaiaudio.scorecard``: every claim of both papers over seeds,
on your own data if you have it.

Examples::

    python -m xaiaudio.scorecard --preset smoke --seeds 2 --json sc.json
    python -m xaiaudio.scorecard --preset book --seeds 5 \\
        --data-dir ~/SOL --voices-dir ~/LibriSpeech \\
        --json sc.json --markdown sc.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xaiaudio.core.presets import PRESET_NAMES, setup
from xaiaudio.experiments.claims import CLAIMS
from xaiaudio.experiments.scorecard import (
    run_scorecard,
    scorecard_json,
    scorecard_markdown,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m xaiaudio.scorecard",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--preset",
        default=None,
        choices=PRESET_NAMES,
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
        "--voices-dir", default=None, help="a LibriSpeech folder"
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
        choices=list(CLAIMS),
        metavar="ID",
        help="only these claims (default: all)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write the scorecard as JSON here",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="write the table as Markdown here",
    )
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 2:
        parser.error(
            "--seeds must be at least 2: an interval needs two seeds"
        )
    for folder in (args.data_dir, args.voices_dir):
        if folder is not None and not Path(folder).is_dir():
            parser.error(f"no such folder: {folder}")
    config = setup(args.preset, args.device, args.data_dir, args.data_seed)
    scorecard = run_scorecard(
        config,
        args.seeds,
        args.voices_dir,
        args.claims,
        True,
        args.workers,
    )
    table = scorecard_markdown(scorecard)
    if args.json:
        args.json.write_text(scorecard_json(scorecard) + "\n")
    if args.markdown:
        args.markdown.write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
