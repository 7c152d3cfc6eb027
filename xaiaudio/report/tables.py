"""Markdown tables and sentences generated from results, never typed by hand.

Tables in the form of Loiseau et al.'s Tables 1-3 and the sentences that state which of
their trends hold.  Chapters "Playable prototypes" and "Playable prototypes: voices".
"""

from __future__ import annotations


def _fmt(value):
    return "-" if value is None else f"{value:.1f}"



def table1_markdown(rows) -> str:
    """Markdown table in the form of the paper's Table 1 (rows of :func:`ablation_rows`)."""
    lines = [
        "| model | unsup. OA | unsup. AA | unsup. L_rec | sup. OA | sup. AA | sup. L_rec |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cells = [_fmt(row[f"{p}_{m}"]) for p in ("unsup", "sup") for m in ("OA", "AA", "L_rec")]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)



def trend_sentence(trends, who) -> str:
    """A sentence stating which Table 1 trends of :func:`trend_summary` hold (generated, never hand-typed)."""
    said = []
    said.append(
        "each added transformation lowers the supervised reconstruction error"
        if trends["sup_lrec_falls"]
        else "the supervised reconstruction error does not fall at every added transformation"
    )
    said.append(
        "so does the unsupervised one"
        if trends["unsup_lrec_falls"]
        else "the unsupervised one does not fall at every stage"
    )
    said.append(
        "the transformations raise supervised accuracy over raw prototypes"
        if trends["transforms_raise_sup_oa"]
        else "the transformations do not raise supervised accuracy"
    )
    cross_entropy = {
        (True, True): "the cross-entropy term raises OA at the cost of a higher reconstruction error, "
                      "as in the paper",
        (True, False): "the cross-entropy term raises OA without raising the reconstruction error "
                       "(the paper saw the error rise)",
        (False, True): "unlike in the paper, the cross-entropy term does not raise OA, "
                       "though it raises the reconstruction error",
        (False, False): "unlike in the paper, the cross-entropy term raises neither OA nor the "
                        "reconstruction error",
    }
    said.append(cross_entropy[(bool(trends["ce_raises_oa"]), bool(trends["ce_costs_lrec"]))])
    return f"For {who}: " + "; ".join(said) + "."



def tables23_markdown(results) -> tuple:
    """Markdown tables in the forms of the paper's Table 2 (clustering) and Table 3 (classification)."""
    ae, direct = results["autoencoder"]["test"], results["direct"]["test"]
    ours_u, ours_s = results["test_unsupervised"], results["test_supervised"]
    t2 = [
        "| clustering (test) | OA | AA |",
        "| --- | ---: | ---: |",
        f"| Autoencoder + k-means | {ae['OA']:.1f} | {ae['AA']:.1f} |",
        f"| Ours without supervision | {ours_u['OA']:.1f} | {ours_u['AA']:.1f} |",
    ]
    t3 = [
        "| classification (test) | OA | AA | L_rec |",
        "| --- | ---: | ---: | ---: |",
        f"| Direct classification (CNN) | {direct['OA']:.1f} | {direct['AA']:.1f} | - |",
        f"| Ours with supervision | {ours_s['OA']:.1f} | {ours_s['AA']:.1f} | {ours_s['L_rec']:.2f} |",
    ]
    return "\n".join(t2), "\n".join(t3)



def comparison_sentence(results, who) -> str:
    """A sentence comparing prototypes with the baselines on the test split, generated from the numbers."""
    ae, direct = results["autoencoder"]["test"]["OA"], results["direct"]["test"]["OA"]
    ours_u, ours_s = results["test_unsupervised"]["OA"], results["test_supervised"]["OA"]
    first = (
        f"unsupervised prototypes cluster {who} better than autoencoder + k-means, as in the paper"
        if ours_u > ae
        else f"unlike in the paper, autoencoder + k-means clusters {who} at least as well"
    )
    second = (
        "supervised prototypes beat the direct CNN, as in the paper"
        if ours_s > direct
        else "the direct CNN is at least as accurate as supervised prototypes (the paper found the opposite)"
    )
    return f"On the test split, {first}; {second}."
