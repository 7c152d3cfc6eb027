"""The scorecard's command line stops on what cannot work, before any training; saves what it finished;
and leaves no worker process behind when it is stopped."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from xaiaudio.core.presets import setup
from xaiaudio.experiments import scorecard
from xaiaudio.scorecard.__main__ import main


@pytest.fixture
def no_training(monkeypatch):
    """Any seed measured fails the test: the errors below must come before training."""
    def measure_seed(*args):
        raise AssertionError("a seed was measured")

    monkeypatch.setattr(scorecard, "measure_seed", measure_seed)


def test_help_answers_without_importing_torch():
    code = ("import sys\nfrom xaiaudio.scorecard.__main__ import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--data-dir" in result.stdout and result.stdout.strip().endswith("False")


def test_a_wrong_layout_folder_stops_before_any_seed_with_what_was_expected_and_found(
        tmp_path, capsys, no_training):
    folder = tmp_path / "recordings"
    (folder / "violin").mkdir(parents=True)
    for name in ("take1.wav", "take2.wav"):
        (folder / "violin" / name).write_bytes(b"RIFF")
    out = tmp_path / "sc.json"
    assert main(["--preset", "smoke", "--data-dir", str(folder), "--claims", "A1", "--json", str(out)]) == 2
    message = capsys.readouterr().err
    assert str(folder) in message and "Bn-vib-A4-mf.wav" in message
    assert "2 name outside the pattern" in message  # what was found, counted per reason
    assert not out.exists()


def test_a_broken_librispeech_folder_is_an_error_not_a_failed_seed(tmp_path, capsys, no_training):
    voices = tmp_path / "LibriSpeech"
    voices.mkdir()
    (voices / "readme.txt").write_text("no speakers here")
    assert main(["--preset", "smoke", "--voices-dir", str(voices), "--claims", "B4-speech"]) == 2
    assert str(voices) in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_device_this_machine_lacks_is_an_error(capsys, no_training):
    assert main(["--preset", "smoke", "--device", "cuda", "--claims", "A1"]) == 2
    assert "CUDA" in capsys.readouterr().err


def test_output_paths_are_checked_before_the_run(tmp_path, no_training):
    with pytest.raises(SystemExit) as stopped:
        main(["--preset", "smoke", "--claims", "A1", "--json", str(tmp_path / "absent" / "sc.json")])
    assert stopped.value.code == 2
    with pytest.raises(SystemExit):
        main(["--preset", "smoke", "--claims", "A1", "--markdown", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["--preset", "smoke", "--claims", "NOPE"])


def _fake_seed(claim_ids, config, voices_config, variant, seed):
    return {claim_id: (float(seed + 1), None, None) for claim_id in claim_ids}


def test_the_json_is_saved_as_each_stage_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(scorecard, "measure_seed", _fake_seed)
    saved = []
    card = scorecard.run_scorecard(setup("smoke", "cpu"), 2, claim_ids=["A1", "B4-speech"], progress=False,
                                   workers=1, on_progress=lambda partial: saved.append(partial))
    # three stages (techniques fixed, redrawn, voices): two partial saves, then the whole card
    assert [len(partial["claims"]) for partial in saved] == [1, 2]
    assert not any(partial["complete"] for partial in saved) and card["complete"]
    assert [row["id"] for row in card["claims"]] == ["A1", "A1", "B4-speech"]

    monkeypatch.setattr(scorecard, "measure_seed", _fake_seed)
    out = tmp_path / "sc.json"
    assert main(["--preset", "smoke", "--claims", "A1", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["complete"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["sc.json"]  # no temporary file left


def test_only_a_diverged_training_is_a_failed_seed(monkeypatch):
    def claim_measuring(error):
        def measure(run):
            raise error

        return dataclasses.replace(scorecard.CLAIMS["A1"], measure=measure)

    monkeypatch.setattr(scorecard, "_seed_run", lambda *args: None)
    monkeypatch.setitem(scorecard.CLAIMS, "A1", claim_measuring(FloatingPointError("loss became nan")))
    value, why, error = scorecard.measure_seed(["A1"], None, None, scorecard.FIXED_SPLIT, 3)["A1"]
    assert value != value and why is None and error == "seed 3: FloatingPointError: loss became nan"
    # a data or configuration error is not a seed's failure: it stops the run
    monkeypatch.setitem(scorecard.CLAIMS, "A1", claim_measuring(ValueError("a split column was expected")))
    with pytest.raises(ValueError, match="split column"):
        scorecard.measure_seed(["A1"], None, None, scorecard.FIXED_SPLIT, 3)


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def _wait_for_workers(process, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = _descendants(process.pid)
        if len(workers) >= count:
            return workers
        assert process.poll() is None, process.communicate()
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} worker processes after {timeout} s")


def _gone_within(pids, seconds):
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _alive(pids)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
def test_sigterm_of_the_command_stops_every_worker(tmp_path):
    environment = {**os.environ, "XAIAUDIO_CACHE": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [sys.executable, "-m", "xaiaudio.scorecard", "--preset", "smoke", "--seeds", "4", "--workers", "2",
         "--claims", "A1", "B4-speech"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers = _wait_for_workers(process, 2, timeout=240)
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    assert _gone_within(workers, 5), f"workers still running: {_alive(workers)}"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_workers_exit_when_their_parent_is_killed_or_interrupted(stop):
    code = ("import time\nfrom xaiaudio.core.parallel import run_in_processes\n"
            "run_in_processes(time.sleep, [(120,)] * 4, 2)\n")
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    workers = _wait_for_workers(process, 2, timeout=60)
    time.sleep(2)  # the workers' watchdogs start once the interpreter has imported torch
    process.send_signal(stop)
    process.wait(30)
    assert _gone_within(workers, 5), f"workers still running after {stop.name}: {_alive(workers)}"


def _corpus_seed(claim_ids, config, voices_config, variant, seed):
    # the recorded corpus reverses every effect, as A2 and C1 do on recorded samples
    sign = -1.0 if config.corpus == "recorded" else 1.0
    return {claim_id: (sign * (10.0 + seed / 10), None, None) for claim_id in claim_ids}


def test_each_claim_is_measured_on_each_corpus_and_the_voices_once(monkeypatch):
    monkeypatch.setattr(scorecard, "measure_seed", _corpus_seed)
    saved = []
    card = scorecard.scorecard_on_corpora(setup("smoke", "cpu"), ("recorded", "synthetic"), 3,
                                          claim_ids=["A1", "B4-speech"], progress=False, workers=1,
                                          on_progress=saved.append)
    assert [(row["id"], row["corpus"]) for row in card["claims"]] == [
        ("A1", "recorded"), ("A1", "recorded"), ("B4-speech", "synthetic voices"),
        ("A1", "synthetic"), ("A1", "synthetic")]
    assert card["corpora"] == ["recorded", "synthetic"] and card["complete"]
    assert not any(partial["complete"] for partial in saved)
    verdicts = {(entry["id"], entry["corpus"]): entry["verdict"] for entry in card["verdicts"]}
    assert verdicts[("A1", "recorded")] != verdicts[("A1", "synthetic")]
    # Holm's family is every row of both corpora
    assert all("p_holm" in row for row in card["claims"])
    header = scorecard.scorecard_markdown(card).splitlines()[0]
    assert "| corpus |" in header
    assert "| corpus |" not in scorecard.scorecard_markdown(
        scorecard.run_scorecard(setup("smoke", "cpu"), 2, claim_ids=["A1"], progress=False, workers=1,
                                variants=["split fixed"])).splitlines()[0]


def test_the_command_measures_both_corpora_unless_told(tmp_path, monkeypatch):
    monkeypatch.setattr(scorecard, "measure_seed", _corpus_seed)
    out = tmp_path / "sc.json"
    assert main(["--preset", "smoke", "--claims", "A1", "--workers", "1", "--json", str(out)]) == 0
    assert {row["corpus"] for row in json.loads(out.read_text())["claims"]} == {"recorded", "synthetic"}
    assert main(["--preset", "smoke", "--claims", "A1", "--workers", "1", "--corpus", "recorded",
                 "--json", str(out)]) == 0
    assert {row["corpus"] for row in json.loads(out.read_text())["claims"]} == {"recorded"}


def test_an_unknown_corpus_or_one_beside_a_data_folder_is_refused(tmp_path, no_training, capsys):
    for argv in (["--corpus", "real"], ["--corpus", "recorded", "--data-dir", str(tmp_path)]):
        with pytest.raises(SystemExit) as stopped:
            main(["--preset", "smoke", "--claims", "A1", *argv])
        assert stopped.value.code == 2
    assert "--data-dir" in capsys.readouterr().err
