"""Table 1 of Wang et al. beside one training run.

The paper's convnet is trained on first-order scattering (S1) and on
first- plus second-order scattering (S1+S2). :func:`table1_comparison`
sets one run's per-class recalls beside the published ones (whether S2
helps is answered over seeds, by the scorecard's claim A1), so the prose
never states a result by hand.
"""

from __future__ import annotations

import pandas as pd

from xaiaudio.core.published import WANG_TABLE1

#: Table 1 of Wang, Lostanlen and Lagrange (ICASSP 2023): per-class
#: accuracy (%) on SOL, by feature set and technique
#: (:data:`xaiaudio.core.published.WANG_TABLE1`, where the paper's numbers
#: live).
PUBLISHED_TABLE1 = WANG_TABLE1

#: Label of the last row of :func:`table1_comparison`: the mean of the
#: per-class values above it.
MACRO_ROW = "macro average"


def table1_comparison(evaluations, classes) -> pd.DataFrame:
    """This run's per-class recall (%) beside the paper's Table 1, with a
    macro-average row.

    Parameters
    ----------
    evaluations : dict
        Test-split scores by feature set name (``"S1"``, ``"S1+S2"``), each
        with ``per_class_recall`` (one value per class, in ``classes``
        order) and ``macro_accuracy`` (fractions in [0, 1]), like
        :class:`xaiaudio.training.classifier.Evaluation`.
    classes : sequence of str
        The technique names, in the order of the class indices.

    Returns
    -------
    pandas.DataFrame
        Index ``classes`` plus :data:`MACRO_ROW`, named ``"technique"``.
        One column per feature set of ``evaluations`` (this run, in %),
        then ``"<name> (published)"`` for each of those feature sets that
        :data:`PUBLISHED_TABLE1` holds. The paper gives no average, so the
        macro row of a published column is the mean of its per-class
        values.
    """
    classes = list(classes)
    results = pd.DataFrame(
        {
            name: 100 * evaluation.per_class_recall
            for name, evaluation in evaluations.items()
        },
        index=classes,
    )
    results.loc[MACRO_ROW] = [
        100 * evaluation.macro_accuracy
        for evaluation in evaluations.values()
    ]
    # Reindexed to this run's class order so that rows line up; a class the
    # paper did not have stays NaN and is left out of the published mean.
    published = pd.DataFrame(
        {
            f"{name} (published)": PUBLISHED_TABLE1[name]
            for name in evaluations
            if name in PUBLISHED_TABLE1
        }
    ).reindex(classes)
    published.loc[MACRO_ROW] = published.mean()
    table = pd.concat([results, published], axis=1)
    table.index.name = "technique"
    return table
