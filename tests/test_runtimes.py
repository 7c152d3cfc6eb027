"""The course guide's runtime table: reading, formatting and writing the runtime file."""

import json

from tools.notebooks import chapters_in_toc, is_notebook
from xaiaudio.core.presets import PRESET_NAMES
from xaiaudio.report.runtimes import (
    ALONE_RUN,
    NOT_MEASURED,
    RUNTIMES_FILE,
    STUDENT_COLUMN,
    STUDENT_MINUTES,
    WARM_RUN,
    format_seconds,
    measurement_notes,
    read_runtimes,
    record_runtimes,
    runtime_table,
)


def test_format_seconds():
    assert format_seconds(12.4) == "12 s"
    assert format_seconds(204) == "3.4 min"
    assert format_seconds(9000) == "2.5 h"
    for bad in (None, "12", True, -1.0, float("nan")):
        assert format_seconds(bad) == NOT_MEASURED


def test_missing_and_broken_files_are_reported_not_raised(tmp_path):
    assert read_runtimes(tmp_path / "none.json") == ({}, "no file none.json yet")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert read_runtimes(broken)[1] == "broken.json could not be read (JSONDecodeError)"
    broken.write_text("[1, 2]")
    assert read_runtimes(broken) == ({}, "broken.json does not hold a JSON object")
    assert (runtime_table({}, ["intro"])[list(PRESET_NAMES)] == NOT_MEASURED).all().all()


def test_record_then_table_keeps_order_and_other_presets(tmp_path):
    path = tmp_path / "runtimes.json"
    smoke = {"intro": 2.04, "listening": 8.66}
    record_runtimes(path, "a machine", "2026-11-22", "smoke", smoke, "one by one")
    record = record_runtimes(path, "a machine", "2026-11-22", "book", {"listening": 25.0}, "one build")
    assert json.loads(path.read_text()) == record
    assert measurement_notes(record) == "smoke: one by one; book: one build"
    assert measurement_notes({}) == ""
    assert record["seconds"] == {"intro": {"smoke": 2.0}, "listening": {"smoke": 8.7, "book": 25.0}}
    table = runtime_table(record, ["listening"])
    assert list(table.index) == ["listening", "intro"]
    assert table.loc["listening", "book"] == "25 s" and table.loc["intro", "book"] == NOT_MEASURED
    broken = {"seconds": {"intro": "fast"}}
    assert (runtime_table(broken).loc["intro", list(PRESET_NAMES)] == NOT_MEASURED).all()


def test_warm_cache_times_have_their_own_column_and_note(tmp_path):
    path = tmp_path / "runtimes.json"
    record_runtimes(path, "m", "2026-01-01", "book", {"lrp_rules": 120.0}, "cold")
    record = record_runtimes(path, "m", "2026-01-02", WARM_RUN, {"lrp_rules": 9.04}, "warm")
    table = runtime_table(record)
    assert table.loc["lrp_rules", "book"] == format_seconds(120.0)
    assert table.loc["lrp_rules", WARM_RUN] == format_seconds(9.0)
    assert list(table.columns).index(WARM_RUN) == len(PRESET_NAMES) + 1
    assert measurement_notes(record) == f"book: cold; {WARM_RUN}: warm"


def test_times_of_chapters_run_alone_have_their_own_column_and_note(tmp_path):
    path = tmp_path / "runtimes.json"
    record_runtimes(path, "m", "2026-01-01", WARM_RUN, {"lrp_rules": 9.0}, "warm")
    record = record_runtimes(path, "m", "2026-01-02", ALONE_RUN, {"lrp_rules": 600.0}, "alone")
    table = runtime_table(record)
    assert table.loc["lrp_rules", ALONE_RUN] == format_seconds(600.0)
    assert table.loc["lrp_rules", "book"] == NOT_MEASURED
    assert list(table.columns).index(ALONE_RUN) == len(PRESET_NAMES)
    assert measurement_notes(record) == f"{ALONE_RUN}: alone; {WARM_RUN}: warm"


def test_every_chapter_has_a_students_time_next_to_its_runtimes():
    table = runtime_table({}, list(STUDENT_MINUTES) + ["course"])
    assert table.loc["intro", STUDENT_COLUMN] == "15-20 min"
    # every page a student executes has an estimate (the course guide is
    # for the instructor)
    pages = {c.stem for c in chapters_in_toc() if is_notebook(c)}
    assert pages - {"course"} == set(STUDENT_MINUTES)
    assert table.loc["course", STUDENT_COLUMN] == "-"
    assert all(low < high for low, high in STUDENT_MINUTES.values())


def test_the_committed_runtime_file_reads():
    record, problem = read_runtimes(RUNTIMES_FILE)
    assert problem == "" and set(record) == {"machine", "measured_on", "how", "seconds"}


def test_chapter_times_are_read_from_a_jupyter_book_build_log():
    from benchmarks.bench_chapters import build_log_seconds

    log = ("\x1b[01mreading sources... \x1b[39;49;00m[  7%] book/aggregation\n"
           "/tmp/bb/book/aggregation.md: Executing notebook using local CWD [mystnb]\n"
           "/tmp/bb/book/aggregation.md: Executed notebook in 383.19 seconds [mystnb]\n"
           "/tmp/bb/book/course.md: Executed notebook in 2.49 seconds [mystnb]\n")
    assert build_log_seconds(log) == {"aggregation": 383.19, "course": 2.49}
    assert build_log_seconds("nothing executed") == {}


def test_a_plan_reads_as_a_table_with_a_total(tmp_path):
    from xaiaudio.report.runtimes import plan_table

    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"chapters": {
        "intro": {"predicted_s": 110.0, "measured_s": 100.0},
        "paper_only": {"predicted_s": 50.0, "measured_s": None},
    }}))
    table, plan = plan_table(path)
    assert list(table.index) == ["intro", "paper_only", "whole book"]
    assert table.loc["intro", "predicted / measured"] == "1.10"
    assert table.loc["paper_only", "predicted / measured"] == "-"
    assert table.loc["whole book", "predicted"] == "2.7 min"
    assert plan_table(tmp_path / "missing.json")[1] == {}
