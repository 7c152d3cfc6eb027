"""Markdown tables generated from results, never typed by hand.

Tables in the form of Loiseau et al.'s Tables 1-3, for one training run
(the claims' verdicts come from many seeds: :mod:`xaiaudio.report.claims`).
Chapters "Playable prototypes" and "Playable prototypes: voices".
"""

from __future__ import annotations


def _fmt(value):
    return "-" if value is None else f"{value:.1f}"


def table1_markdown(rows) -> str:
    """Markdown table in the form of the paper's Table 1 (validation
    metrics after each curriculum stage).

    Parameters
    ----------
    rows : list of dict
        The rows of :func:`~xaiaudio.experiments.prototypes.ablation_rows`.

    Returns
    -------
    str
        The table; a metric a run did not measure is ``-``.
    """
    lines = [
        "| model | unsup. OA | unsup. AA | unsup. L_rec | sup. OA | sup. "
        "AA | sup. L_rec |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cells = [
            _fmt(row[f"{p}_{m}"])
            for p in ("unsup", "sup")
            for m in ("OA", "AA", "L_rec")
        ]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables23_markdown(results) -> tuple:
    """Markdown tables in the forms of the paper's Table 2 (clustering) and
    Table 3 (classification).

    Parameters
    ----------
    results : dict
        As returned by
        :func:`~xaiaudio.experiments.prototypes.run_prototype_experiments`
        (its ``autoencoder``, ``direct``, ``test_unsupervised`` and
        ``test_supervised``).

    Returns
    -------
    tuple of str
        Table 2 and Table 3, test metrics.
    """
    ae, direct = results["autoencoder"]["test"], results["direct"]["test"]
    ours_u, ours_s = (
        results["test_unsupervised"],
        results["test_supervised"],
    )
    t2 = [
        "| clustering (test) | OA | AA |",
        "| --- | ---: | ---: |",
        f"| Autoencoder + k-means | {ae['OA']:.1f} | {ae['AA']:.1f} |",
        f"| Ours without supervision | {ours_u['OA']:.1f} | "
        f"{ours_u['AA']:.1f} |",
    ]
    t3 = [
        "| classification (test) | OA | AA | L_rec |",
        "| --- | ---: | ---: | ---: |",
        f"| Direct classification (CNN) | {direct['OA']:.1f} | "
        f"{direct['AA']:.1f} | - |",
        f"| Ours with supervision | {ours_s['OA']:.1f} | "
        f"{ours_s['AA']:.1f} | {ours_s['L_rec']:.2f} |",
    ]
    return "\n".join(t2), "\n".join(t3)
