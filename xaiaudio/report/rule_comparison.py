"""Tables and sentences that compare LRP rules on a test set, generated
from the results.

On one trained network: :func:`kurtosis_table` (peakedness per rule and
class), :func:`paired_test_table` (do two rules' kurtosis differ, clip by
clip?) and :func:`order_share_table` (relevance on S1 and S2), with the
statistics of :mod:`xaiaudio.explain.statistics`. Over training seeds, for
the composite taken apart (:mod:`xaiaudio.experiments.kurtosis_drivers`):
:func:`drivers_table`, the generated :func:`drivers_conclusion` (when
does LRP-[eps, z+] give peakier maps than LRP-eps?) and
:func:`drivers_and_claim` (why the table's published row and claim A2 can
read different verdicts); :func:`follows_input_finding`, the statement
that the published composite's map follows its input, as both chapters
about it check it. :func:`tied_leaders` and :func:`names_and` name the
best explainers of a table as a sentence prints them, ties included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

from xaiaudio.core.formatting import format_number
from xaiaudio.experiments.seeds import CONFIDENCE, seed_summary
from xaiaudio.explain import statistics
from xaiaudio.report.findings import Finding

#: The columns of :func:`paired_test_table`, in the order shown.
PAIRED_TEST_COLUMNS = (
    "n",
    "mean_difference",
    "wilcoxon_statistic",
    "wilcoxon_p",
    "t_statistic",
    "t_p",
)


def _mean_pm_std(values) -> str:
    mean, std = statistics.mean_std(values)
    if not np.isfinite(mean):
        return "-"
    return f"{format_number(mean, 2)} ± {format_number(std, 2)}"


def kurtosis_table(
    kurtosis: dict, labels, classes, published: dict
) -> pd.DataFrame:
    """Kurtosis per rule as "mean ± std" over all test clips and over each
    true class.

    Parameters
    ----------
    kurtosis : dict
        Rule name -> per-clip kurtosis
        (:func:`xaiaudio.explain.statistics.kurtosis_per_example`).
    labels : array-like of int
        Each clip's true class, an index into ``classes``.
    classes : sequence of str
        Class names, one column each.
    published : dict
        Rule name -> the paper's figure, shown as given (a rule missing
        here shows "-").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``method``: the published figure, ``all test clips`` and
        one column per class, each "mean ± std" (sample standard deviation,
        finite values only; "nan" for a class without clips).
    """
    labels = np.asarray(labels)
    rows = []
    for name, values in kurtosis.items():
        values = np.asarray(values, dtype=float)
        row = {
            "method": name,
            "published (paper, SOL)": published.get(name, "-"),
            "all test clips": _mean_pm_std(values),
        }
        for index, technique in enumerate(classes):
            row[technique] = _mean_pm_std(values[labels == index])
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")


def paired_test_table(tests: dict, baseline: str) -> pd.DataFrame:
    """One row per rule of its paired test against ``baseline``.

    Parameters
    ----------
    tests : dict
        Rule name -> :func:`xaiaudio.explain.statistics.paired_test` of the
        baseline's scores (first argument) against the rule's (second).
    baseline : str
        The rule every test compares with, named in the index.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PAIRED_TEST_COLUMNS`; the index is named "kurtosis
        of ... minus <baseline>".
    """
    table = pd.DataFrame(tests).T[list(PAIRED_TEST_COLUMNS)]
    table.index.name = f"kurtosis of ... minus {baseline}"
    return table


def order_share_table(relevance: dict, n_s1: int) -> pd.DataFrame:
    """Share of absolute relevance on the S1 and S2 paths per rule,
    averaged over clips (in %).

    Parameters
    ----------
    relevance : dict
        Rule name -> time-averaged relevance ``(clips, paths)``, S1 paths
        first.
    n_s1 : int
        How many paths are first-order.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``method``: ``share on S1 (%)`` (mean over clips), ``std
        (%)`` (its sample standard deviation) and ``share on S2 (%)`` (the
        rest).
    """
    rows = []
    for name, values in relevance.items():
        s1_mean, s1_std = statistics.mean_std(
            statistics.order_shares(values, n_s1)[:, 0]
        )
        rows.append(
            {
                "method": name,
                "share on S1 (%)": 100 * s1_mean,
                "std (%)": 100 * s1_std,
                "share on S2 (%)": 100 * (1 - s1_mean),
            }
        )
    return pd.DataFrame(rows).set_index("method")


#: How each verdict of :func:`xaiaudio.experiments.seeds.seed_summary`
#: reads for a kurtosis difference.
PEAKEDNESS = {
    "holds": "peakier",
    "fails": "flatter",
    "inconclusive": "not told apart",
    "not measurable": "not measurable",
}


def _interval(row: dict) -> str:
    low, high = row["ci_low"], row["ci_high"]
    estimate = format_number(row["estimate"], 2)
    return (
        f"{estimate} [{format_number(low, 2)}, {format_number(high, 2)}]"
    )


def drivers_table(rows) -> pd.DataFrame:
    """The variants of :mod:`xaiaudio.experiments.kurtosis_drivers` as a
    table, one row per variant and state.

    Parameters
    ----------
    rows : sequence of dict
        The ``rows`` of
        :class:`xaiaudio.experiments.kurtosis_drivers.KurtosisDrivers`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``variant`` and ``network`` (trained or untrained):
        ``factor``, ``kurtosis difference [95 % interval]`` over seeds,
        ``[eps, z+] maps`` (peakier, flatter or not told apart, from the
        verdict), the mean kurtosis of the variant's map and of its
        LRP-eps, ``positive S2 paths (%)`` of both, and ``correlation with
        input`` (of the variant's map magnitude with the input magnitude).
    """
    table = pd.DataFrame(
        [
            {
                "variant": row["id"],
                "network": row["variant"],
                "factor": row["factor"],
                "kurtosis difference [95 % interval]": _interval(row),
                "[eps, z+] maps": PEAKEDNESS[row["verdict"]],
                "kurtosis, [eps, z+]": round(row["kurtosis"], 2),
                "kurtosis, LRP-eps": round(row["baseline_kurtosis"], 2),
                "positive S2 paths, [eps, z+] (%)": round(
                    row["positive_s2"]
                ),
                "positive S2 paths, LRP-eps (%)": round(
                    row["baseline_positive_s2"]
                ),
                "correlation with input": round(
                    row["input_correlation"], 2
                ),
            }
            for row in rows
        ]
    )
    return table.set_index(["variant", "network"])


def tied_leaders(values: pd.Series, decimals: int) -> list[str]:
    """The index labels of the largest of ``values`` as printed with
    ``decimals`` places: the leader and every entry that prints equal."""
    printed = values.round(decimals)
    return list(printed.index[printed == printed.max()])


def names_and(names) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``."""
    names = list(names)
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def _quoted(names) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _label(row: dict) -> str:
    return f'"{row["id"]}"' + (
        " before training" if row["variant"] == "untrained" else ""
    )


def _verdict_sentence(group: list, opening: str) -> str:
    parts = [
        f"{phrase} for {_quoted(names)}"
        for verdict, phrase in (
            ("holds", "peakier (the whole 95 % interval above zero)"),
            ("fails", "flatter (the whole interval below zero)"),
            (
                "inconclusive",
                "not told apart from LRP-eps (the interval "
                "containing zero)",
            ),
        )
        if (
            names := [
                row["id"] for row in group if row["verdict"] == verdict
            ]
        )
    ]
    n_seeds = max(row["n_seeds"] for row in group)
    return (
        f"{opening}, over {n_seeds} seeds, the [eps, z+] maps are "
        + "; ".join(parts)
        + "."
    )


def _moved_sentence(rows: list, main: dict) -> str:
    others = [
        row
        for row in rows
        if row is not main and row["verdict"] != main["verdict"]
    ]
    if not others:
        return "Every variant has the verdict of the published pair."
    opening = (
        "Against the published pair on the trained networks (mean "
        f"kurtosis {format_number(main['kurtosis'], 2)} "
        f"for [eps, z+], {format_number(main['baseline_kurtosis'], 2)} "
        f"for LRP-eps), "
        "the variants with another "
        "verdict move mainly"
    )
    moved = {"LRP-eps": [], "[eps, z+]": []}
    for row in others:
        baseline_moved = abs(
            row["baseline_kurtosis"] - main["baseline_kurtosis"]
        ) > abs(row["kurtosis"] - main["kurtosis"])
        moved["LRP-eps" if baseline_moved else "[eps, z+]"].append(
            f"{_label(row)} ([eps, z+] "
            f"{format_number(row['kurtosis'], 2)}, LRP-eps "
            f"{format_number(row['baseline_kurtosis'], 2)})"
        )
    parts = [
        f"the {name} map: {', '.join(labels)}"
        for name, labels in moved.items()
        if labels
    ]
    return opening + " " + "; and mainly ".join(parts) + "."


def _link_sentence(
    state: str, link: dict, agreement_threshold: float
) -> str:
    where = (
        "before training"
        if state == "untrained"
        else "on the trained networks"
    )
    text = (
        f"Clip by clip {where} ({link['n_clips']} clips), the rank "
        "correlation of the published "
        "composite's kurtosis with that of the input magnitude is "
        f"{format_number(link['spearman'], 2)}, and whether "
        "it exceeds the kurtosis of LRP-eps matches whether the input's "
        "does for "
        f"{format_number(100 * link['agreement'], 0)} % of the clips"
    )
    if link["agreement"] >= agreement_threshold:
        text += (
            ": there LRP-[eps, z+] is peakier than LRP-eps when the "
            "normalised input that the first "
            "convolution reads is itself peakier than the LRP-eps map"
        )
    else:
        text += ", so the input's own peakedness decides it only in part"
    return (
        text
        + " (the published map is the peakier for "
        + f"{format_number(100 * link['published_peakier'], 0)} % of "
        f"them)."
    )


def drivers_conclusion(
    rows, links: dict, reference: str, agreement_threshold: float = 0.8
) -> dict:
    """When LRP-[eps, z+] gives peakier maps than LRP-eps, in sentences
    generated from the measurements.

    Three paragraphs. ``verdicts``: per network state, the variants whose
    kurtosis difference is above zero, below zero or undecided over seeds.
    ``maps``: for each variant whose verdict differs from the ``reference``
    pair's on the trained networks, whether it moved mainly the [eps, z+]
    map or the LRP-eps map (the larger change of mean kurtosis), then the
    positive S2 paths of the reference on the trained networks and, when
    ``rows`` hold it, before training, and its input correlation on the
    trained networks.
    ``clips``: per state, whether the input's own peakedness decides, clip
    by clip, which map is peakier (it does when ``agreement`` reaches
    ``agreement_threshold``).

    Parameters
    ----------
    rows : sequence of dict
        The ``rows`` of
        :class:`xaiaudio.experiments.kurtosis_drivers.KurtosisDrivers`.
    links : dict
        State (``"trained"``, ``"untrained"``) ->
        :func:`xaiaudio.experiments.kurtosis_drivers.input_link` of that
        state's clips.
    reference : str
        The ``id`` of the published composite's rows, whose trained row is
        the reference pair.
    agreement_threshold : float
        Share of clips from which the input's peakedness is said to decide
        the ordering.

    Returns
    -------
    dict
        ``{"verdicts": str, "maps": str, "clips": str}``, each sentence
        ending with a full stop (``clips`` is empty without ``links``).
    """
    rows = list(rows)
    openings = {
        "trained": "On the trained networks",
        "untrained": "Before training",
    }
    verdicts = [
        _verdict_sentence(group, opening)
        for state, opening in openings.items()
        if (group := [row for row in rows if row["variant"] == state])
    ]
    main = next(
        row
        for row in rows
        if row["id"] == reference and row["variant"] == "trained"
    )
    untrained = next(
        (
            row
            for row in rows
            if row["id"] == reference and row["variant"] == "untrained"
        ),
        None,
    )
    before = (
        ""
        if untrained is None
        else (
            ", against "
            f"{format_number(untrained['positive_s2'], 0)} % for the "
            "same composite before training (LRP-eps: "
            f"{format_number(untrained['baseline_positive_s2'], 0)} %)"
        )
    )
    positive = (
        "On the trained networks, with z+ on the convolutions, "
        f"{format_number(main['positive_s2'], 0)} % of the "
        "S2 paths receive "
        f"positive relevance (LRP-eps: "
        f"{format_number(main['baseline_positive_s2'], 0)} "
        f"%){before}; there the magnitude of "
        "the map correlates with that of the normalised input at "
        f"{format_number(main['input_correlation'], 2)} on average."
    )
    clips = [
        _link_sentence(state, link, agreement_threshold)
        for state, link in links.items()
    ]
    return {
        "verdicts": " ".join(verdicts),
        "maps": _moved_sentence(rows, main) + " " + positive,
        "clips": " ".join(clips),
    }


_CLAIM_VERDICT = {
    "holds": "holds",
    "fails": "fails",
    "inconclusive": "is inconclusive",
}


def drivers_and_claim(
    driver_row: dict, claim_row: dict, tolerance: float = 0.01
) -> str:
    """Why a row of the drivers table and the scorecard claim that measures
    the same effect can read different verdicts, in one generated
    paragraph.

    The published composite's trained row of
    :func:`xaiaudio.experiments.kurtosis_drivers.measure_drivers` measures
    the effect of claim A2 on the same networks (training seeds ``0 ..
    k-1``) and the same split as A2 with the split fixed, with the
    from-scratch LRP instead of zennit, and reads its verdict off the same
    t interval over seeds; only the number of seeds differs. This checks
    that the shared seeds agree and that the claim's own first ``k`` seeds
    give the row's verdict, then says so.

    Parameters
    ----------
    driver_row : dict
        A row of
        :class:`~xaiaudio.experiments.kurtosis_drivers.KurtosisDrivers`:
        ``per_seed``, ``n_seeds``, ``verdict``.
    claim_row : dict
        The scorecard row of the claim with the split fixed: ``id``,
        ``variant``, ``per_seed``, ``n_seeds``, ``verdict``, ``ci_low``,
        ``ci_high``.
    tolerance : float
        Largest difference between the two per-seed effects, relative to
        the largest of them in magnitude, for the seeds to count as the
        same networks.

    Returns
    -------
    str
        Sentences ending with a full stop.

    Raises
    ------
    ValueError
        When the row has more seeds than the claim, when the shared seeds
        differ by more than ``tolerance``, or when the claim's first ``k``
        seeds do not give the row's verdict (then the two measure different
        things and no sentence can reconcile them).
    """
    k, n = int(driver_row["n_seeds"]), int(claim_row["n_seeds"])
    ours = np.asarray(driver_row["per_seed"], dtype=float)
    theirs = np.asarray(claim_row["per_seed"], dtype=float)
    if k > n or len(ours) != k:
        raise ValueError(
            f"the row has {k} seeds, the claim {n}: the row's seeds must "
            "be the claim's first ones"
        )
    scale = max(np.nanmax(np.abs(theirs[:k])), 1e-12)
    difference = float(np.nanmax(np.abs(ours - theirs[:k])) / scale)
    if not difference <= tolerance:
        raise ValueError(
            f"the shared seeds differ by {difference:.2g} of the largest "
            f"effect (tolerance {tolerance:g}): not the same networks"
        )
    first = seed_summary(theirs[:k])
    if first.verdict != driver_row["verdict"]:
        raise ValueError(
            f"the claim's first {k} seeds read {first.verdict!r}, the row "
            f"{driver_row['verdict']!r}"
        )
    claim = claim_row["id"]
    text = (
        f"The table's first row measures the effect of claim {claim} "
        f"with the split fixed: the same networks (seeds 0 to {k - 1}), "
        "the same split, the same t interval over seeds, with the "
        "from-scratch LRP instead of zennit. On those seeds the two "
        f"per-seed effects differ by at most {difference:.1g} of the "
        "largest."
    )
    verdict = PEAKEDNESS[driver_row["verdict"]]
    if driver_row["verdict"] == claim_row["verdict"]:
        seeds = (
            f"over the same {n} seeds"
            if k == n
            else f"over {k} seeds instead of {n}"
        )
        claim_verdict = _CLAIM_VERDICT.get(
            claim_row["verdict"], claim_row["verdict"]
        )
        return (
            text + f" The two verdicts agree, {seeds}: the claim "
            f"{claim_verdict}, and the row reads the maps as {verdict}."
        )

    def quantile(m: int) -> float:
        return float(scipy.stats.t.ppf((1 + CONFIDENCE) / 2, m - 1))

    return text + (
        f" Its verdict ({verdict}) differs from the claim's, which "
        f"{_CLAIM_VERDICT.get(claim_row['verdict'], claim_row['verdict'])}"
        f" over {n} seeds ({_interval(claim_row)}), only through the "
        f"number of seeds: the claim's own first {k} seeds give "
        f"{format_number(first.estimate, 2)} "
        f"[{format_number(first.ci_low, 2)}, "
        f"{format_number(first.ci_high, 2)}], the row's verdict too. "
        f"Over {k} seeds the 95 % interval is the standard error times "
        f"{quantile(k):.2f} on either side, over {n} seeds times "
        f"{quantile(n):.2f}, and the standard error itself shrinks with "
        "the square root of the number of seeds."
    )


#: The correlation of a map's magnitude with that of its input from which
#: the map is said to follow the input.
FOLLOWS_INPUT = 0.8


def follows_input_finding(trained_r: float, untrained_r: float) -> Finding:
    """The finding that the published composite's map follows the input's
    magnitude, trained or not: both correlations (``input_correlation``
    of the published rows of
    :class:`~xaiaudio.experiments.kurtosis_drivers.KurtosisDrivers`) at
    least :data:`FOLLOWS_INPUT`."""
    return Finding(
        "the published composite's map follows the input's magnitude, "
        "trained or not",
        min(trained_r, untrained_r) >= FOLLOWS_INPUT,
        f"correlation {trained_r:.2f} trained, {untrained_r:.2f} "
        f"untrained (threshold {FOLLOWS_INPUT})",
    )
