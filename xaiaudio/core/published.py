"""The papers' published numbers, each with where the paper prints it.

The one place that types them: the claims
(:mod:`xaiaudio.experiments.claims`), the training chapter's Table 1
(:mod:`xaiaudio.report.training_results`), the chapters and the GPU
appendix read them here (``tests/test_published.py`` checks every value
against the papers' text and that no other module or chapter types one).
Sections, tables and figures are those of the papers:

* Wang, Lostanlen and Lagrange, "Explainable audio classification of
  playing techniques with layer-wise relevance propagation", ICASSP 2023
  (``wang2023explainable``);
* Loiseau et al., "A model you can hear: audio identification with
  playable prototypes", ISMIR 2022 (``loiseau2022model``).

Accuracies are in %, L_rec as the paper prints it.
"""

from __future__ import annotations

from typing import NamedTuple


class MeanStd(NamedTuple):
    """A published mean and its standard deviation."""

    mean: float
    std: float


class Scores(NamedTuple):
    """One row of a table of Loiseau et al.: overall accuracy, average
    (per-class) accuracy and reconstruction error; ``None`` where the
    paper prints none."""

    oa: float | None
    aa: float | None
    l_rec: float | None


# -------------------------------------------------------------------------
# Wang, Lostanlen and Lagrange (ICASSP 2023)

#: Wang et al., Sec. 3.3: files of each technique in SOL-PMT (the text
#: lists them in another order: tremolo, flatterzunge, trill,
#: bisbigliando, vibrato).
WANG_SOL_PMT_COUNTS = {
    "vibrato": 190,
    "trill": 1035,
    "tremolo": 2530,
    "bisbigliando": 286,
    "flatterzunge": 1523,
}

#: Wang et al., Sec. 4.1: the 6:2:2 split per technique and instrument,
#: whose file IDs the paper puts on its companion website (file counts of
#: the authors' published split).
WANG_SOL_PMT_SPLIT = {"train": 3315, "validation": 1098, "test": 1151}

#: Wang et al., Sec. 3.2: trainable parameters of the convnet on S1 (74
#: paths, "10.3 K") and on S1+S2 (1200 paths, "2.1 M").
WANG_PARAMETERS = {"S1": 10.3e3, "S1+S2": 2.1e6}

#: Wang et al., Sec. 3.1: scattering paths kept on SOL at 44.1 kHz (S1
#: alone, and S1 with S2).
WANG_PATHS = {"S1": 74, "S1+S2": 1200}

#: Wang et al., Table 1 (Sec. 4.1): classification accuracy (%) of each
#: technique on the SOL-PMT test split, by feature set.
WANG_TABLE1 = {
    "S1": {
        "vibrato": 72.50,
        "trill": 70.33,
        "tremolo": 92.23,
        "bisbigliando": 88.33,
        "flatterzunge": 79.61,
    },
    "S1+S2": {
        "vibrato": 97.50,
        "trill": 98.56,
        "tremolo": 99.80,
        "bisbigliando": 98.33,
        "flatterzunge": 100.0,
    },
}

#: Wang et al., Sec. 4.2 (text, no table): kurtosis of the time-averaged
#: relevance over the test examples, mean and standard deviation, by the
#: book's name of the rule ("LRP-[eps, z+] published" is the paper's
#: LRP-[eps, z+], which zennit's EpsilonPlus computed).
WANG_KURTOSIS = {
    "LRP-eps": MeanStd(13.82, 8.81),
    "LRP-[eps, z+] published": MeanStd(19.22, 13.72),
}

#: Wang et al., Sec. 4.2 (Fig. 1): the modulation rates (Hz) around which
#: the relevance of a trill and of a flatterzunge is localised.
WANG_RELEVANCE_RATES = {"trill": 8.0, "flatterzunge": 32.0}

#: Not in the paper: an earlier run of the authors' published experiment
#: code, same keys as :data:`WANG_KURTOSIS` (the run-to-run spread of
#: those numbers).
WANG_KURTOSIS_EARLIER_RUN = {
    "LRP-eps": MeanStd(12.06, 8.89),
    "LRP-[eps, z+] published": MeanStd(17.88, 12.29),
}

# -------------------------------------------------------------------------
# Loiseau et al. (ISMIR 2022)

#: Loiseau et al., Sec. 4 ("Datasets"): notes and instruments of their SOL
#: data; one prototype per instrument.
LOISEAU_SOL = {"samples": 24_450, "instruments": 33}
#: Loiseau et al., Sec. 4 ("Datasets"): the predominant speakers of
#: LibriSpeech train-clean-360 they keep; one prototype per speaker.
LOISEAU_SPEAKERS = 128

#: Loiseau et al., Sec. 3.4 ("Implementation details"): trainable
#: parameters of the model ("545k") with :data:`LOISEAU_PARAMETERS_K`
#: prototypes (:data:`LOISEAU_SPEAKERS`: the LibriSpeech model).
LOISEAU_PARAMETERS = 545_000
#: The number of prototypes K of :data:`LOISEAU_PARAMETERS`.
LOISEAU_PARAMETERS_K = 128

#: Loiseau et al., Table 1 (ablation, validation sets): dataset -> stage
#: -> ``"unsup"`` / ``"sup"`` (without / with supervision) -> scores.
#: Stages in the table's order; the cross-entropy row is supervised only.
LOISEAU_TABLE1 = {
    "SOL": {
        "raw": {
            "unsup": Scores(29.3, 13.2, 12.4),
            "sup": Scores(28.4, 39.5, 12.9),
        },
        "gain": {
            "unsup": Scores(32.2, 15.8, 3.4),
            "sup": Scores(37.4, 40.1, 3.8),
        },
        "pitch": {
            "unsup": Scores(37.6, 19.1, 2.6),
            "sup": Scores(51.6, 46.1, 2.9),
        },
        "filters": {
            "unsup": Scores(33.4, 14.6, 1.5),
            "sup": Scores(55.1, 47.7, 2.1),
        },
        "cross-entropy": {"sup": Scores(98.9, 94.5, 2.5)},
    },
    "LibriSpeech": {
        "raw": {
            "unsup": Scores(13.3, 13.2, 8.6),
            "sup": Scores(60.5, 59.5, 8.6),
        },
        "gain": {
            "unsup": Scores(44.4, 43.3, 3.4),
            "sup": Scores(78.7, 79.1, 3.4),
        },
        "pitch": {
            "unsup": Scores(46.8, 46.9, 2.6),
            "sup": Scores(77.2, 77.8, 2.6),
        },
        "filters": {
            "unsup": Scores(48.8, 49.5, 1.6),
            "sup": Scores(88.8, 89.4, 1.6),
        },
        "cross-entropy": {"sup": Scores(99.9, 99.9, 1.9)},
    },
}

#: Loiseau et al., Table 2 (clustering, test sets): dataset -> method ->
#: scores (no L_rec).
LOISEAU_TABLE2 = {
    "SOL": {
        "autoencoder + k-means": Scores(28.7, 12.3, None),
        "APNet + k-means": Scores(37.3, 18.2, None),
        "ours without supervision": Scores(34.5, 15.4, None),
    },
    "LibriSpeech": {
        "autoencoder + k-means": Scores(11.0, 11.1, None),
        "APNet + k-means": Scores(36.3, 36.4, None),
        "ours without supervision": Scores(48.6, 49.5, None),
    },
}

#: Loiseau et al., Table 3 (classification, test sets): dataset -> method
#: -> scores.
LOISEAU_TABLE3 = {
    "SOL": {
        "direct classification": Scores(97.8, 94.8, None),
        "APNet": Scores(95.3, 91.3, 0.1),
        "ours with supervision": Scores(99.3, 95.8, 2.6),
    },
    "LibriSpeech": {
        "direct classification": Scores(99.4, 99.5, None),
        "APNet": Scores(97.8, 97.8, 0.2),
        "ours with supervision": Scores(99.9, 99.9, 2.6),
    },
}
