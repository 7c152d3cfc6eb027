"""How the book states a claim: a generated sentence and a figure of its
per-seed values.

Every chapter that discusses a claim of the papers shows the same two
things, made here from the scorecard's rows
(:func:`xaiaudio.experiments.scorecard.run_scorecard`, for all claims or a
chapter's own): :func:`claim_sentence` states the verdict with its interval
and number of seeds, and :func:`plot_claims` draws each claim's per-seed
effects, mean and 95 % interval against zero (a forest plot).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from xaiaudio.core.formatting import format_number
from xaiaudio.core.presets import CORPORA

#: Colour of each verdict in figures.
VERDICT_COLOURS = {
    "holds": "tab:green",
    "non-inferior": "tab:green",
    "fails": "tab:red",
    "inferior": "tab:red",
    "inconclusive": "tab:orange",
    "not measurable": "tab:grey",
}


_VERDICT_WORDS = {
    "holds": "holds",
    "fails": "fails",
    "non-inferior": "holds (non-inferior)",
    "inferior": "fails (inferior)",
    "inconclusive": "is inconclusive",
    "not measurable": "is not measurable",
}

#: How our interval stands to the paper's effect (a scorecard row's
#: ``vs_paper``).
_VS_PAPER_WORDS = {
    "contains": "which our interval contains",
    "above": "below our whole interval",
    "below": "above our whole interval",
}


def claim_sentence(row: dict, digits: int = 1) -> str:
    """One sentence stating a claim's verdict from its interval (never
    typed by hand).

    Parameters
    ----------
    row : dict
        A scorecard row: ``claim``, ``metric``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n_seeds``, ``verdict``, ``reason``, ``variant`` and
        ``paper_value`` (and ``corpus``, named when present).
    digits : int
        Decimals of the numbers.

    Returns
    -------
    str
        E.g. "The claim "S1+S2 beats S1 in macro accuracy" holds: macro
        accuracy S1+S2 - S1 (points) is 12.3, 95 % interval [8.1, 16.5]
        over 5 seeds (split fixed); the paper: 18.2, above our whole
        interval." A non-inferiority claim also states its margin.
    """
    if row["verdict"] == "not measurable":
        return (
            f'The claim "{row["claim"]}" is not measurable here: '
            f"{row['reason']}."
        )
    paper = (
        ""
        if row.get("paper_value") is None
        else f"; the paper: {format_number(row['paper_value'], digits)}"
        + (
            f", {_VS_PAPER_WORDS[row['vs_paper']]}"
            if row.get("vs_paper")
            else ""
        )
    )
    margin = (
        ""
        if row.get("margin") is None
        else " (non-inferiority margin "
        f"{format_number(row['margin'], digits)}: {row['margin_source']})"
    )
    verdict = {**_VERDICT_WORDS, "fails": "fails (the opposite holds)"}[
        row["verdict"]
    ]
    return (
        f'The claim "{row["claim"]}" {verdict}: {row["metric"]} is '
        f"{format_number(row['estimate'], digits)}, "
        f"95 % interval [{format_number(row['ci_low'], digits)}, "
        f"{format_number(row['ci_high'], digits)}] over "
        f"{row['n_seeds']} seeds ({_data_words(row)}){margin}{paper}."
    )


def _data_words(row: dict) -> str:
    """The split variant and, when the row says, the data it was measured
    on: "split fixed, recorded corpus"."""
    corpus = row.get("corpus")
    if corpus is None:
        return row["variant"]
    return f"{row['variant']}, " + (
        f"{corpus} corpus" if corpus in CORPORA else corpus
    )


def across_corpora_sentence(claim_id: str, scorecard: dict) -> str:
    """One sentence on a claim measured on more than one corpus: its
    verdict and its intervals (one per split variant) on each.

    Parameters
    ----------
    claim_id : str
        The claim.
    scorecard : dict
        From :func:`xaiaudio.experiments.scorecard.scorecard_on_corpora`.

    Returns
    -------
    str
        E.g. "C1 holds on the synthetic corpus (split fixed: 14.4 [2.0,
        26.8]; split redrawn: 20.7 [2.1, 39.3]) and is inconclusive on the
        recorded corpus (...)."
    """
    verdicts = {
        entry["corpus"]: entry["verdict"]
        for entry in scorecard["verdicts"]
        if entry["id"] == claim_id
    }
    intervals: dict[str, list[str]] = {}
    for row in scorecard["claims"]:
        if row["id"] == claim_id and row["verdict"] != "not measurable":
            intervals.setdefault(row["corpus"], []).append(
                f"{row['variant']}: {format_number(row['estimate'])} "
                f"[{format_number(row['ci_low'])}, "
                f"{format_number(row['ci_high'])}]"
            )
    parts = []
    for corpus, verdict in verdicts.items():
        where = f"{corpus} corpus" if corpus in CORPORA else corpus
        shown = "; ".join(intervals.get(corpus, []))
        parts.append(
            f"{_VERDICT_WORDS[verdict]} on the {where}"
            + (f" ({shown})" if shown else "")
        )
    return f"{claim_id} " + " and ".join(parts) + "."


def across_splits_sentence(entry: dict) -> str:
    """One sentence on whether a claim's verdict survives a new draw of the
    split.

    Parameters
    ----------
    entry : dict
        A claim's entry of
        :func:`xaiaudio.experiments.scorecard.verdicts_across_splits` (its
        ``id``, ``verdict``, ``by_variant`` and ``split_dependent``).

    Returns
    -------
    str
        E.g. "Claim A2 holds with the split fixed but is inconclusive with
        the split redrawn, so the book counts it as inconclusive: its
        verdict depends on which clips were drawn."
    """
    claim_id, by_variant = entry["id"], entry["by_variant"]
    if not entry["split_dependent"]:
        where = (
            "with the split fixed and redrawn alike"
            if len(by_variant) > 1
            else "on its one split"
        )
        return (
            f"Claim {claim_id} {_VERDICT_WORDS[entry['verdict']]} {where}."
        )
    parts = [
        f"{_VERDICT_WORDS[verdict]} with the {variant}"
        for variant, verdict in by_variant.items()
    ]
    return (
        f"Claim {claim_id} {' but '.join(parts)}, so the book counts it "
        "as inconclusive: its "
        "verdict depends on which clips were drawn."
    )


def plot_claims(rows, ax=None, title: str | None = None):
    """Forest plot: per claim, its per-seed effects (dots), mean and 95 %
    interval, zero, and a dotted tick at ``-margin`` for a non-inferiority
    claim.

    Parameters
    ----------
    rows : sequence of dict
        Scorecard rows sharing one unit (``metric``); each row is drawn on
        its own line.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure sized to the rows).
    title : str, optional
        Axes title (default: the rows' metric).

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = list(rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(rows)))
    for y, row in enumerate(rows[::-1]):
        colour = VERDICT_COLOURS[row["verdict"]]
        seeds = np.asarray(
            [np.nan if v is None else v for v in row["per_seed"]],
            dtype=float,
        )
        ax.plot(
            seeds,
            np.full(len(seeds), y),
            "o",
            ms=4,
            alpha=0.5,
            color=colour,
        )
        if row["verdict"] != "not measurable" and np.isfinite(
            row["ci_low"]
        ):
            ax.plot(
                [row["ci_low"], row["ci_high"]],
                [y, y],
                "-",
                lw=2.5,
                color=colour,
            )
        if row["estimate"] is not None and np.isfinite(row["estimate"]):
            ax.plot(row["estimate"], y, "D", ms=7, color=colour)
        if row.get("paper_value") is not None:
            ax.plot(row["paper_value"], y, "x", ms=8, color="black")
    ax.axvline(0.0, color="black", lw=0.8)
    for y, row in enumerate(rows[::-1]):
        if row.get("margin") is not None:
            ax.plot([-row["margin"]] * 2, [y - 0.35, y + 0.35], ":k", lw=1)
    labels = [
        f"{row['id']} ({row['variant']})"
        if row["variant"] != "split fixed"
        else row["id"]
        for row in rows[::-1]
    ]
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(title or rows[0]["metric"])
    ax.grid(axis="x", alpha=0.3)
    return ax
