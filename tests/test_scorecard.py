"""The claims registry, the pitch-invariance measure, and the scorecard on a small SOL-layout folder."""

import dataclasses
import json

import numpy as np
import pytest

from xaiaudio.core.presets import setup
from xaiaudio.experiments import scorecard as scorecard_module
from xaiaudio.experiments.claims import CLAIMS, modal_rate_agreement
from xaiaudio.experiments.scorecard import (
    FIXED_SPLIT,
    REDRAWN_SPLIT,
    run_scorecard,
    scorecard_json,
    scorecard_markdown,
    scorecard_on_corpora,
    verdicts_across_splits,
)
from xaiaudio.report.claim_reports import across_splits_sentence
from xaiaudio.scorecard.__main__ import main
from xaiaudio.synth import corpus


def test_registry_covers_every_claim_of_both_papers():
    ids = set(CLAIMS)
    assert {"A1", "A2", "A2w", "A3", "A4", "A5", "C1"} <= ids
    assert CLAIMS["C1"].paper == "this book" and CLAIMS["C1"].paper_value is None
    for dataset in ("sol", "speech"):
        assert {f"{b}-{dataset}" for b in ("B1s", "B1u", "B2", "B3", "B4", "B5")} <= ids
    for claim in CLAIMS.values():
        assert claim.source and claim.metric and callable(claim.measure)
        assert claim.data in ("techniques", "instruments", "voices")
    assert CLAIMS["A1"].paper_value == pytest.approx(98.838 - 80.6)
    assert CLAIMS["A2"].paper_value == pytest.approx(5.40)


def test_modal_rate_agreement_finds_agreeing_and_disagreeing_classes():
    # two S1 paths (lambda2 NaN) and S2 paths at 4, 8 and 32 Hz
    modulation_hz = np.array([np.nan, np.nan, 4.0, 8.0, 32.0, 32.0])
    midi = np.array([40, 41, 42, 43, 70, 71, 72, 73] * 2, dtype=float)
    predicted = np.repeat([0, 1], 8)
    relevance = np.zeros((16, 6))
    relevance[:8, 3] = 1.0                    # class 0 always peaks at 8 Hz: agrees across pitch
    relevance[8:12, 2] = 1.0                  # class 1: 4 Hz for low notes ...
    relevance[12:, 4:] = 1.0                  # ... 32 Hz (two carriers) for high notes: 3 octaves apart
    assert modal_rate_agreement(relevance, predicted, midi, modulation_hz, 2, n=1) == 0.5
    relevance[12:, 4:] = 0.0
    relevance[12:, 2] = 1.0
    assert modal_rate_agreement(relevance, predicted, midi, modulation_hz, 2, n=1) == 1.0
    assert np.isnan(modal_rate_agreement(relevance[:3], predicted[:3], midi[:3], modulation_hz, 2, n=1))


def test_json_is_strict_and_markdown_lists_every_row():
    card = {"preset": "smoke", "seeds": 2, "claims": [
        {"id": "A3", "variant": "split fixed", "claim": "c", "metric": "m", "paper_value": None,
         "estimate": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n_seeds": 0,
         "per_seed": [float("nan")], "verdict": "not measurable", "reason": "r", "chapter": "x"}]}
    text = scorecard_json(card)
    assert json.loads(text)["claims"][0]["estimate"] is None and "NaN" not in text
    assert "| A3 | c | split fixed | m | - | - | - | 0 | **not measurable** |" in scorecard_markdown(card)
    card["claims"][0]["metric"] = "p(class | top k)"
    assert "| p(class \\| top k) |" in scorecard_markdown(card)


def _row(claim_id, per_seed):
    from xaiaudio.experiments.scorecard import _claim_row

    measured = {"per_seed": per_seed, "not_measurable": "", "errors": []}
    return _claim_row(CLAIMS[claim_id], FIXED_SPLIT, measured)


def test_b3_is_non_inferiority_with_the_papers_apnet_gap_as_margin():
    assert CLAIMS["B3-sol"].margin == pytest.approx(97.8 - 95.3)
    assert CLAIMS["B3-speech"].margin == pytest.approx(99.4 - 97.8)
    assert "APNet" in CLAIMS["B3-sol"].margin_source
    assert [i for i in CLAIMS if CLAIMS[i].margin is not None] == ["B3-sol", "B3-speech"]
    close = _row("B3-sol", [-0.5, 0.3, -0.2, 0.1, -0.4])
    assert close["verdict"] == "non-inferior" and close["vs_paper"] == "below"
    assert _row("B3-sol", [-23.0, -20.0, -26.0, -21.5, -25.0])["verdict"] == "inferior"
    assert "the margin" in close["reason"]


def test_every_row_with_a_paper_value_says_where_the_paper_lies():
    a1 = CLAIMS["A1"].paper_value                       # 18.2 points
    assert _row("A1", [a1 - 1, a1 + 1, a1, a1 + 0.5, a1 - 0.5])["vs_paper"] == "contains"
    assert _row("A1", [2.0, 3.0, 2.5, 2.2, 2.8])["vs_paper"] == "below"
    assert _row("A3", [60.0, 62.0, 65.0])["vs_paper"] is None    # the paper gives no number


def test_holm_correction_over_every_row_read():
    from xaiaudio.experiments.scorecard import with_holm

    rows = [_row("A1", [2.0, 2.5, 3.0, 2.2, 2.8]),           # p ~ 1e-5: survives
            _row("A4", [0.4, 1.9, 0.2, 1.5, 0.9]),           # p ~ 0.03 alone: not after Holm
            _row("A2", [-1.0, 1.0, 0.5, -0.5, 0.2])]
    assert [row["verdict"] for row in rows] == ["holds", "holds", "inconclusive"]
    corrected = with_holm(rows)
    assert [row["verdict_holm"] for row in corrected] == ["holds", "inconclusive", "inconclusive"]
    assert corrected[1]["p_holm"] == pytest.approx(min(1.0, 2 * rows[1]["p_value"]))
    assert verdicts_across_splits({"claims": corrected})["A4"]["verdict_holm"] == "inconclusive"


def test_b5_and_a5_are_read_against_chance_not_fifty_percent(monkeypatch):
    from types import SimpleNamespace

    from xaiaudio.experiments import claims

    monkeypatch.setattr(claims, "_spectrogram_set",
                        lambda config, data: SimpleNamespace(class_names=list(range(16))))
    run = SimpleNamespace(data_config=None, data="instruments",
                          results={"test_supervised_no_ce": {"OA": 40.0}})
    assert claims.own_prototype_share(run) == pytest.approx(40.0 - 100 / 16)
    assert "chance" in CLAIMS["B5-sol"].metric and "random" in CLAIMS["A5"].metric


def test_cli_on_a_sol_folder_without_ground_truth_writes_valid_json(tmp_path, capsys):
    folder = tmp_path / "SOL"
    corpus.write_sol_tree(folder, corpus.iter_corpus("smoke", seed=3))
    (folder / "metadata.csv").unlink()        # a real SOL folder has no ground-truth rates
    out = tmp_path / "sc.json"
    assert main(["--preset", "smoke", "--seeds", "2", "--data-dir", str(folder), "--claims", "A1", "A3",
                 "--json", str(out), "--markdown", str(tmp_path / "sc.md")]) == 0
    card = json.loads(out.read_text())
    assert card["data"]["techniques"] == str(folder) and card["seeds"] == 2
    rows = {(row["id"], row["variant"]): row for row in card["claims"]}
    assert set(rows) == {("A1", "split fixed"), ("A1", "split redrawn"), ("A3", "split fixed"),
                         ("A3", "split redrawn")}
    a1 = rows[("A1", "split fixed")]
    assert a1["verdict"] in ("holds", "fails", "inconclusive") and len(a1["per_seed"]) == 2
    assert all(isinstance(v, float) for v in a1["per_seed"])
    a3 = rows[("A3", "split fixed")]
    assert a3["verdict"] == "not measurable" and "ground-truth" in a3["reason"]
    assert "| A1 |" in (tmp_path / "sc.md").read_text() and "| A1 |" in capsys.readouterr().out


def test_cli_refuses_one_seed_and_missing_folders(tmp_path):
    with pytest.raises(SystemExit):
        main(["--preset", "smoke", "--seeds", "1"])
    with pytest.raises(SystemExit):
        main(["--preset", "smoke", "--data-dir", str(tmp_path / "absent")])


def test_seeds_in_parallel_processes_land_on_their_own_seed_and_claim(isolated_cache):
    config = setup("smoke", "cpu")
    claim_ids = ["A1", "B4-speech", "B5-speech"]
    parallel = run_scorecard(config, 2, claim_ids=claim_ids, progress=False, workers=2,
                             variants=(FIXED_SPLIT, REDRAWN_SPLIT))
    # In this process every run now loads from the cache the workers filled: same values, same places.
    in_process = run_scorecard(config, 2, claim_ids=claim_ids, progress=False, workers=1,
                               variants=(FIXED_SPLIT, REDRAWN_SPLIT))
    assert [(row["id"], row["variant"]) for row in parallel["claims"]] == [
        ("A1", FIXED_SPLIT), ("A1", REDRAWN_SPLIT), ("B4-speech", FIXED_SPLIT), ("B5-speech", FIXED_SPLIT)]
    assert [row["per_seed"] for row in parallel["claims"]] == [row["per_seed"]
                                                               for row in in_process["claims"]]
    assert parallel["claims"][0]["per_seed"] != parallel["claims"][1]["per_seed"]


def test_a_verdict_that_depends_on_the_split_is_inconclusive():
    def row(claim_id, variant, verdict):
        return {"id": claim_id, "variant": variant, "verdict": verdict}

    card = {"claims": [row("A1", FIXED_SPLIT, "holds"), row("A2", FIXED_SPLIT, "holds"),
                       row("A1", REDRAWN_SPLIT, "holds"), row("A2", REDRAWN_SPLIT, "inconclusive"),
                       row("B3-sol", FIXED_SPLIT, "fails")]}
    verdicts = verdicts_across_splits(card)
    assert list(verdicts) == ["A1", "A2", "B3-sol"]
    assert [verdicts[i]["verdict"] for i in verdicts] == ["holds", "inconclusive", "fails"]
    assert [verdicts[i]["split_dependent"] for i in verdicts] == [False, True, False]
    sentence = across_splits_sentence(verdicts["A2"])
    assert "holds with the split fixed but is inconclusive with the split redrawn" in sentence
    assert across_splits_sentence(verdicts["A1"]).startswith("Claim A1 holds with the split fixed and")


def test_voice_claims_link_the_voices_chapter():
    assert {CLAIMS[i].chapter for i in CLAIMS if i.endswith("-speech")} == {"prototypes_voices"}
    assert {CLAIMS[i].chapter for i in CLAIMS if i.endswith("-sol")} == {"prototypes"}


def test_a_verdict_sentence_names_the_corpus_its_row_was_measured_on():
    from xaiaudio.report.claim_reports import claim_sentence

    row = {"claim": "S1+S2 beats S1", "metric": "points", "estimate": 10.0, "ci_low": 5.0, "ci_high": 15.0,
           "n_seeds": 5, "verdict": "holds", "reason": "", "variant": FIXED_SPLIT, "paper_value": None}
    assert "(split fixed)" in claim_sentence(row)
    assert "(split fixed, recorded corpus)" in claim_sentence({**row, "corpus": "recorded"})
    assert "(split fixed, /data/SOL)" in claim_sentence({**row, "corpus": "/data/SOL"})


def test_a_claim_on_two_corpora_is_stated_with_its_verdict_and_intervals_on_each():
    from xaiaudio.report.claim_reports import across_corpora_sentence

    def row(corpus, variant, estimate):
        return {"id": "C1", "corpus": corpus, "variant": variant, "estimate": estimate,
                "ci_low": estimate - 1, "ci_high": estimate + 1, "verdict": "holds"}

    card = {"claims": [row("recorded", FIXED_SPLIT, 3.0), row("synthetic", FIXED_SPLIT, 9.0)],
            "verdicts": [{"id": "C1", "corpus": "recorded", "verdict": "inconclusive"},
                         {"id": "C1", "corpus": "synthetic", "verdict": "holds"}]}
    assert across_corpora_sentence("C1", card) == (
        "C1 is inconclusive on the recorded corpus (split fixed: 3.0 [2.0, 4.0]) and holds on the "
        "synthetic corpus (split fixed: 9.0 [8.0, 10.0]).")


def test_unknown_claims_and_notebook_claims_in_workers_are_refused_before_any_training(
        isolated_cache, monkeypatch):
    config = setup("smoke", "cpu")
    with pytest.raises(ValueError, match="no claim 'X9' in the registry"):
        run_scorecard(config, 2, claim_ids=["X9"], progress=False)
    with pytest.raises(ValueError, match="no claim 'X9' in the registry"):
        scorecard_on_corpora(config, ["synthetic"], 2, claim_ids=["X9"], progress=False)
    # claims a notebook registers or replaces: spawned workers import the registry without them
    mine = dataclasses.replace(CLAIMS["A1"], id="X1", measure=lambda run: 1.0)
    monkeypatch.setitem(CLAIMS, "X1", mine)
    monkeypatch.setitem(CLAIMS, "A1", dataclasses.replace(CLAIMS["A1"], measure=lambda run: 2.0))
    for claim_id in ("X1", "A1"):
        with pytest.raises(ValueError, match=f"{claim_id} was added to"):
            run_scorecard(config, 2, claim_ids=[claim_id], progress=False, workers=2)
    assert not any(isolated_cache.iterdir())  # nothing was computed
    # left to choose (on a machine where it would start four workers), the scorecard measures
    # them in this process
    monkeypatch.setattr(scorecard_module, "default_workers", lambda config, n_jobs: 4)
    card = run_scorecard(config, 2, claim_ids=["X1", "A1"], progress=False,
                         variants=(FIXED_SPLIT,))
    assert [row["per_seed"] for row in card["claims"]] == [[1.0, 1.0], [2.0, 2.0]]
