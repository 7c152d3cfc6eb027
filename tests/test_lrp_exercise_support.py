"""What chapter "Comparing LRP rules" generates beside its exercises: the drivers table reconciled with
claim A2, and the positive-S2 sentence that names its networks."""

from __future__ import annotations

import pytest

from xaiaudio.experiments.seeds import seed_summary
from xaiaudio.report import rule_comparison


def _summary_row(per_seed, **extra) -> dict:
    return {**seed_summary(per_seed).as_dict(), **extra}


CLAIM_SEEDS = [1.0, 0.2, 2.0, 1.2, 1.1]       # over 5 seeds the interval is above zero, over 3 not


def test_drivers_and_claim_says_the_verdicts_differ_only_through_the_number_of_seeds():
    claim = _summary_row(CLAIM_SEEDS, id="A2", variant="split fixed")
    row = _summary_row([1.0001, 0.2, 2.0])
    assert claim["verdict"] == "holds" and row["verdict"] == "inconclusive"
    text = rule_comparison.drivers_and_claim(row, claim)
    assert text.startswith("The table's first row measures the effect of claim A2 with the split fixed: "
                           "the same networks (seeds 0 to 2), the same split")
    assert "differ by at most 5e-05 of the largest." in text
    assert ("Its verdict (not told apart) differs from the claim's, which holds over 5 seeds "
            "(1.10 [0.30, 1.90])") in text
    assert "the claim's own first 3 seeds give 1.07 [-1.17, 3.31], the row's verdict too." in text
    assert "times 4.30 on either side, over 5 seeds times 2.78" in text
    assert text.endswith(".")


def test_drivers_and_claim_with_the_same_verdict_says_they_agree():
    claim = _summary_row(CLAIM_SEEDS[:3], id="A2", variant="split fixed")
    row = _summary_row(CLAIM_SEEDS[:3])
    text = rule_comparison.drivers_and_claim(row, claim)
    assert text.endswith("The two verdicts agree, over the same 3 seeds: the claim is inconclusive, and the "
                         "row reads the maps as not told apart.")
    five = rule_comparison.drivers_and_claim(
        _summary_row([2.0, 2.1, 2.2]),
        _summary_row([2.0, 2.1, 2.2, 2.0, 2.1], id="A2", variant="split fixed"))
    assert five.endswith("over 3 seeds instead of 5: the claim holds, and the row reads the maps as peakier.")


def test_drivers_and_claim_refuses_what_it_cannot_reconcile():
    claim = _summary_row(CLAIM_SEEDS, id="A2", variant="split fixed")
    with pytest.raises(ValueError, match="not the same networks"):
        rule_comparison.drivers_and_claim(_summary_row([1.5, 0.2, 2.0]), claim)
    with pytest.raises(ValueError, match="first ones"):
        rule_comparison.drivers_and_claim(_summary_row(CLAIM_SEEDS + [1.0]), claim)
    forged = {**_summary_row([1.0, 0.2, 2.0]), "verdict": "holds"}
    with pytest.raises(ValueError, match="first 3 seeds read 'inconclusive'"):
        rule_comparison.drivers_and_claim(forged, claim)


def _driver_row(state, positive, baseline):
    return {"id": "pub", "variant": state, "factor": "layers", "estimate": -1.0, "ci_low": -2.0,
            "ci_high": -0.5, "n_seeds": 3, "verdict": "fails", "kurtosis": 3.0, "baseline_kurtosis": 8.0,
            "positive_s2": positive, "baseline_positive_s2": baseline, "input_correlation": 0.98}


def test_positive_s2_sentence_names_the_trained_networks_and_compares_with_the_untrained_ones():
    rows = [_driver_row("trained", 99.7, 58.0), _driver_row("untrained", 44.2, 40.0)]
    maps = rule_comparison.drivers_conclusion(rows, {}, reference="pub")["maps"]
    assert ("On the trained networks, with z+ on the convolutions, 100 % of the S2 paths receive positive "
            "relevance (LRP-eps: 58 %), against 44 % for the same composite before training (LRP-eps: 40 %); "
            "there the magnitude of the map correlates with that of the normalised input at 0.98 on "
            "average.") in maps
    alone = rule_comparison.drivers_conclusion(rows[:1], {}, reference="pub")["maps"]
    assert "before training" not in alone and "(LRP-eps: 58 %); there the magnitude" in alone
