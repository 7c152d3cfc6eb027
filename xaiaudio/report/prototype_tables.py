"""Markdown tables generated from results, never typed by hand.

Tables in the form of Loiseau et al.'s Tables 1-3, for one training run
(the claims' verdicts come from many seeds:
:mod:`xaiaudio.report.claim_reports`).
"""

from __future__ import annotations

from xaiaudio.core.formatting import format_number


def table1_markdown(rows) -> str:
    """Markdown table in the form of the paper's Table 1 (validation
    metrics after each curriculum stage).

    Parameters
    ----------
    rows : list of dict
        The rows of
        :func:`~xaiaudio.experiments.prototype_experiments.ablation_rows`.

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
            format_number(row[f"{p}_{m}"])
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
        :func:`~xaiaudio.experiments.prototype_experiments.run_prototype_experiments`
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
        f"| Autoencoder + k-means | {format_number(ae['OA'])} | "
        f"{format_number(ae['AA'])} |",
        f"| Ours without supervision | {format_number(ours_u['OA'])} | "
        f"{format_number(ours_u['AA'])} |",
    ]
    t3 = [
        "| classification (test) | OA | AA | L_rec |",
        "| --- | ---: | ---: | ---: |",
        f"| Direct classification (CNN) | {format_number(direct['OA'])} | "
        f"{format_number(direct['AA'])} | - |",
        f"| Ours with supervision | {format_number(ours_s['OA'])} | "
        f"{format_number(ours_s['AA'])} | "
        f"{format_number(ours_s['L_rec'], 2)} |",
    ]
    return "\n".join(t2), "\n".join(t3)
