"""The chapter runtime table of the course guide, read from the file the
chapter benchmark writes.

``benchmarks/bench_chapters.py --record`` writes
``benchmarks/results/chapter_runtimes.json`` (:func:`record_runtimes`):
``{"machine": str, "measured_on": "YYYY-MM-DD", "how": {preset: str},
"seconds": {chapter: {preset: seconds}}}``, chapters in reading order,
``how`` saying how each preset's times were taken
(:func:`measurement_notes`). :func:`read_runtimes` reads it (a missing or
broken file is reported, not raised), :func:`runtime_table` lays it out for
the page, next to the time a student needs to read each chapter and do its
exercises (:data:`STUDENT_MINUTES`, an estimate: :data:`STUDENT_METHOD`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from xaiaudio.core.presets import PRESET_NAMES

#: What the table says where no time was measured.
NOT_MEASURED = "not measured"

#: The column of :func:`runtime_table` with a student's time.
STUDENT_COLUMN = "student: reading + exercises"

#: The run of the runtime file (and column of :func:`runtime_table`) with
#: the ``book`` preset's times from a cache that earlier runs filled
#: (``benchmarks/bench_chapters.py --cache user --record``): what a class
#: that shares a filled cache waits for.
WARM_RUN = "book, cache filled"

#: The run (and column) with the ``book`` preset's times of chapters each
#: run in its own empty cache (``benchmarks/bench_chapters.py --cache alone
#: --record``): what a reader waits for who opens that chapter first.
ALONE_RUN = "book, chapter alone"

#: The extra runs of the book preset, in the table's column order.
BOOK_RUNS = (ALONE_RUN, WARM_RUN)

#: Minutes a student needs to read each chapter and do its exercises,
#: ``(low, high)``: an estimate (:data:`STUDENT_METHOD`), not a
#: measurement with students.
STUDENT_MINUTES = {
    "intro": (15, 20),
    "listening": (90, 105),
    "scattering": (120, 135),
    "deep_taylor": (105, 120),
    "training": (90, 105),
    "lrp_rules": (120, 180),
    "listening_relevance": (65, 80),
    "aggregation": (165, 195),
    "shortcut": (60, 75),
    "prototypes": (120, 145),
    "prototypes_voices": (70, 85),
    "two_ways": (60, 75),
    "scorecard": (65, 80),
    "budgets": (25, 30),
    "kurtosis_ordering": (35, 45),
    "sanity_checks": (20, 25),
    "running": (25, 30),
}

#: How :data:`STUDENT_MINUTES` was estimated.
STUDENT_METHOD = (
    "each chapter was read and each of its exercises attempted before "
    "opening its solution, at the smoke preset, by someone who knows the "
    "package; the time taken on each exercise was scaled by 3 to 5 for a "
    "student who does not, and reading was counted at 35 to 40 words a "
    "minute of technical prose, its code listings, figures and sounds "
    "included (the introduction's estimate was split between it and "
    "'Running the book' when its logistics and exercises moved there; "
    "'Two ways to explain' and 'A shortcut, caught' from their length "
    "and exercises, by analogy with the voices chapter, their exercises "
    "not yet attempted this way; the reproduction chapters 'Training "
    "budgets', 'What drives the kurtosis ordering' and 'Sanity checks', "
    "which have no exercises, from their length alone); "
    "not yet measured with students"
)

#: Where the chapter benchmark writes the runtimes (in a checkout of the
#: repository): ``benchmarks/results/chapter_runtimes.json`` (its value, an
#: absolute path, is this machine's).
#:
#: :meta hide-value:
RUNTIMES_FILE = (
    Path(__file__).resolve().parents[2]
    / "benchmarks"
    / "results"
    / "chapter_runtimes.json"
)


def read_runtimes(path=None) -> tuple[dict, str]:
    """The runtime record, or an empty one and why.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The JSON file written by ``benchmarks/bench_chapters.py --record``;
        default :data:`RUNTIMES_FILE` (a default in the signature would
        print this machine's path in the book).

    Returns
    -------
    record : dict
        The record, or ``{}``.
    problem : str
        ``""``, or a sentence saying what is wrong with the file (missing,
        unreadable, not a JSON object).
    """
    path = Path(RUNTIMES_FILE if path is None else path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return {}, f"no file {path.name} yet"
    except (OSError, ValueError) as error:
        return (
            {},
            f"{path.name} could not be read ({type(error).__name__})",
        )
    if not isinstance(record, dict):
        return {}, f"{path.name} does not hold a JSON object"
    return record, ""


def format_seconds(seconds) -> str:
    """A measured time for the table: ``"12 s"`` below two minutes, ``"3.4
    min"`` from two minutes on, ``"5.2 h"`` from two hours on.

    Used by :func:`runtime_table`.

    Parameters
    ----------
    seconds : object
        A time in seconds.

    Returns
    -------
    str
        The formatted time; :data:`NOT_MEASURED` for anything that is not a
        non-negative number (``None``, a string, a bool, NaN).
    """
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not seconds >= 0
    ):
        return NOT_MEASURED
    if seconds >= 7200:
        return f"{seconds / 3600:.1f} h"
    return (
        f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    )


def runtime_table(record: dict, chapters=()) -> pd.DataFrame:
    """One row per chapter, one column per preset, formatted times.

    Parameters
    ----------
    record : dict
        As returned by :func:`read_runtimes`.
    chapters : sequence of str, default ()
        Chapters to list first, in this order (e.g. the table of contents);
        chapters the record measured but that are not listed follow.

    Returns
    -------
    pandas.DataFrame
        Indexed by chapter, columns ``smoke``, ``book``, ``paper``
        (:data:`xaiaudio.core.presets.PRESET_NAMES`; a missing or
        malformed entry reads :data:`NOT_MEASURED`), :data:`BOOK_RUNS` and
        :data:`STUDENT_COLUMN` (:data:`STUDENT_MINUTES`, ``"-"`` for a
        chapter without an estimate).
    """
    seconds = (
        record.get("seconds")
        if isinstance(record.get("seconds"), dict)
        else {}
    )
    stems = list(dict.fromkeys([*chapters, *seconds]))
    rows = []
    for stem in stems:
        times = (
            seconds.get(stem)
            if isinstance(seconds.get(stem), dict)
            else {}
        )
        student = STUDENT_MINUTES.get(stem)
        rows.append(
            {"chapter": stem}
            | {
                name: format_seconds(times.get(name))
                for name in (*PRESET_NAMES, *BOOK_RUNS)
            }
            | {
                STUDENT_COLUMN: "-"
                if student is None
                else f"{student[0]}-{student[1]} min"
            }
        )
    return pd.DataFrame(
        rows,
        columns=["chapter", *PRESET_NAMES, *BOOK_RUNS, STUDENT_COLUMN],
    ).set_index("chapter")


def measurement_notes(record: dict) -> str:
    """How each preset's times were taken, one clause per preset (``""``
    when the record does not say).

    Parameters
    ----------
    record : dict
        As returned by :func:`read_runtimes`.

    Returns
    -------
    str
        E.g. ``"smoke: chapters one after the other; book: one jupyter-book
        build"``.
    """
    how = record.get("how") if isinstance(record.get("how"), dict) else {}
    noted = [
        preset
        for preset in (*PRESET_NAMES, *BOOK_RUNS)
        if isinstance(how.get(preset), str)
    ]
    return "; ".join(f"{preset}: {how[preset]}" for preset in noted)


def record_runtimes(
    path,
    machine: str,
    measured_on: str,
    preset: str,
    seconds: dict,
    how: str = "",
) -> dict:
    """Add one preset's chapter times to the runtime file (other presets'
    times are kept).

    Times are rounded to 0.1 s; the file's ``machine`` and ``measured_on``
    are replaced. Called by ``benchmarks/bench_chapters.py --record``;
    :func:`read_runtimes` reads the result.

    Parameters
    ----------
    path : str or pathlib.Path
        The JSON file; created when missing (its folder must exist).
    machine : str
        What the times were measured on.
    measured_on : str
        The date, ``YYYY-MM-DD``.
    preset : str
        The preset the times belong to, or one of :data:`BOOK_RUNS`.
    seconds : dict
        Chapter stem -> seconds, in reading order.
    how : str, optional
        How these times were taken (kept per preset, see
        :func:`measurement_notes`).

    Returns
    -------
    dict
        The record written.
    """
    record, _ = read_runtimes(path)
    times = (
        record.get("seconds")
        if isinstance(record.get("seconds"), dict)
        else {}
    )
    for stem, value in seconds.items():
        times.setdefault(stem, {})[preset] = round(float(value), 1)
    notes = (
        record.get("how") if isinstance(record.get("how"), dict) else {}
    )
    notes[preset] = how
    record = {
        "machine": machine,
        "measured_on": measured_on,
        "how": notes,
        "seconds": times,
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n")
    return record


#: Where the chapter benchmark writes what each chapter computed from an
#: empty cache (in a checkout of the repository):
#: ``benchmarks/results/chapter_work.json``, ``{run: {chapter: {work key:
#: totals}}}`` with the totals of
#: :func:`xaiaudio.core.work_ledger.read_ledger`; ``benchmarks.plan``
#: reads it.
#:
#: :meta hide-value:
WORK_FILE = RUNTIMES_FILE.with_name("chapter_work.json")


def record_work(path, run: str, work: dict) -> dict:
    """Replace one run's per-chapter work in the work file (other runs'
    are kept).

    Parameters
    ----------
    path : str or pathlib.Path
        The JSON file; created when missing.
    run : str
        The run (a preset name) the work was counted in.
    work : dict
        Chapter stem -> work totals, in reading order.

    Returns
    -------
    dict
        The record written.
    """
    record = read_work(path)
    record[run] = work
    Path(path).write_text(json.dumps(record, indent=1) + "\n")
    return record


def read_work(path=None) -> dict:
    """The work file's record, ``{}`` when it is missing.

    Raises
    ------
    ValueError
        When the file is not a JSON object.
    """
    path = Path(path or WORK_FILE)
    if not path.exists():
        return {}
    record = json.loads(path.read_text())
    if not isinstance(record, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return record


def plan_file(preset: str, device: str = "cpu") -> Path:
    """Where ``python -m benchmarks.plan --preset P --device D --record``
    writes its plan: ``benchmarks/results/plan_<preset>_<device>.json``."""
    return RUNTIMES_FILE.with_name(f"plan_{preset}_{device}.json")


def plan_table(path) -> tuple[pd.DataFrame, dict]:
    """The cost plan of one preset and device as a table for the page.

    Parameters
    ----------
    path : str or pathlib.Path
        A plan written by ``benchmarks.plan --record`` (:func:`plan_file`).

    Returns
    -------
    tuple
        ``(table, plan)``: one row per chapter (the time predicted, the
        time measured from an empty cache where there is one, and their
        ratio) and a total row; ``plan`` is the file's record (``{}`` and
        an empty table when the file is missing).
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(), {}
    plan = json.loads(path.read_text())
    rows, predicted, measured = [], 0.0, 0.0
    for chapter, row in plan["chapters"].items():
        ratio = (
            f"{row['predicted_s'] / row['measured_s']:.2f}"
            if row["predicted_s"] and row["measured_s"]
            else "-"
        )
        rows.append(
            {
                "chapter": chapter,
                "predicted": format_seconds(row["predicted_s"]),
                "measured": format_seconds(row["measured_s"]),
                "predicted / measured": ratio,
            }
        )
        predicted += row["predicted_s"] or 0.0
        measured += row["measured_s"] or 0.0
    rows.append(
        {
            "chapter": "whole book",
            "predicted": format_seconds(predicted),
            "measured": format_seconds(measured) if measured else "-",
            "predicted / measured": f"{predicted / measured:.2f}"
            if measured
            else "-",
        }
    )
    return pd.DataFrame(rows).set_index("chapter"), plan
