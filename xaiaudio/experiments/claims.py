"""Every claim of the two papers, as data: what the paper says, its number,
and how we measure it.

Each :class:`Claim` names the paper's sentence or table cell and a function
that measures the claim's *effect* for one training seed, signed so that a
positive effect means the claim holds (e.g. "macro accuracy of S1+S2 minus
that of S1, in points"). :mod:`xaiaudio.experiments.scorecard` measures
every claim over seeds and reads the verdict off the interval
(:func:`xaiaudio.experiments.seeds.seed_summary`).

A seed's measurements share their expensive artefacts through
:class:`TechniqueSeed` (scattering features, the two convnets, relevance of
every test clip) and :class:`PrototypeSeed` (the prototype runs and
baselines of one dataset); everything is cached on disk, so the chapters
that discuss a claim and the scorecard chapter train each model once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from xaiaudio.core.presets import RunConfig, settings_for
from xaiaudio.core.published import (
    LOISEAU_TABLE1,
    LOISEAU_TABLE2,
    LOISEAU_TABLE3,
    WANG_KURTOSIS,
    WANG_RELEVANCE_RATES,
    WANG_TABLE1,
)
from xaiaudio.experiments.audible import (
    AUDIBLE_SETTINGS,
    audio_faithfulness,
    paired_differences,
)
from xaiaudio.experiments.datasets import (
    instrument_set,
    load_pmt_dataset,
    voice_set,
)
from xaiaudio.experiments.prototype_experiments import (
    run_prototype_experiments,
)
from xaiaudio.experiments.relevance import clip_relevance
from xaiaudio.experiments.technique_convnets import (
    TechniqueFeatures,
    score_on_test,
    technique_features,
    trained_convnet,
)
from xaiaudio.explain.faithfulness import rate_localisation
from xaiaudio.explain.statistics import (
    classwise_top_n,
    kurtosis_per_example,
    order_shares,
)

WANG = "Wang et al. 2023"
LOISEAU = "Loiseau et al. 2022"
#: Claims of this book, tested like the papers'.
OURS = "this book"

#: The composite the published numbers came from, and the baseline every
#: explainer must beat.
PUBLISHED_LRP = "LRP-[eps, z+] published"
RANDOM = "random"


class NotMeasurable(Exception):
    """Raised by a measure when the data cannot answer the claim (say
    why in the message)."""


@dataclass(frozen=True)
class Claim:
    """One claim of a paper and how the book measures it.

    Attributes
    ----------
    id : str
        Short id, ``A1`` ... for Wang et al., ``B1`` ... for Loiseau et al.
        (a suffix names the dataset or variant).
    paper : str
        Which paper.
    claim : str
        The claim in a few words.
    source : str
        The paper's sentence or table cell it comes from.
    metric : str
        What the effect is, with its unit; positive means the claim holds.
    paper_value : float or None
        The paper's effect in the same unit, when the paper gives numbers.
    chapter : str
        The file name, without ``.md``, of the chapter that discusses it
        (e.g. ``"lrp_rules"``).
    measure : callable
        ``measure(seed_run) -> float``: the effect for one seed.
    data : str
        ``"techniques"`` (Wang et al.'s task), ``"instruments"`` or
        ``"voices"``.
    margin : float or None
        None for a superiority claim (the effect is above zero); for a
        non-inferiority claim ("as well as"), how far below zero the
        effect may fall, in its unit, with ``margin_source`` saying where
        the margin comes from.
    margin_source : str
        Why the margin is what it is (empty for superiority claims).
    """

    id: str
    paper: str
    claim: str
    source: str
    metric: str
    paper_value: float | None
    chapter: str
    measure: Callable
    data: str
    margin: float | None = None
    margin_source: str = ""


# -------------------------------------------------------------------------
# per-seed artefacts
class TechniqueSeed:
    """The artefacts of one training seed on the playing-technique task,
    computed when first needed.

    Parameters
    ----------
    config : RunConfig
        Preset, device, data folder and the *data* seed (corpus and, by
        default, split).
    seed : int
        The training seed (weights, batches, stochastic explainers).
    redraw_split : bool
        Draw the 6:2:2 split with ``seed`` too (same corpus), instead of
        ``config.seed``.
    progress : bool
        Show progress bars.
    """

    def __init__(
        self,
        config: RunConfig,
        seed: int,
        redraw_split: bool = False,
        progress: bool = False,
    ):
        self.data_config = config
        self.config = dataclasses.replace(config, seed=int(seed))
        self.redraw_split = redraw_split
        self.progress = progress
        self._convnets, self._relevance = {}, {}

    @property
    def features(self) -> TechniqueFeatures:
        """Normalised scattering features and the dataset (split fixed
        or redrawn)."""
        return _technique_features(
            self.data_config,
            self.config.seed if self.redraw_split else None,
        )

    def convnet(self, feature_set: str):
        """The convnet of this seed on ``feature_set`` (``"S1"`` or
        ``"S1+S2"``)."""
        if feature_set not in self._convnets:
            self._convnets[feature_set] = trained_convnet(
                self.config,
                self.features,
                feature_set,
                progress=self.progress,
            )
        return self._convnets[feature_set]

    def relevance(self, method: str) -> dict:
        """Time-averaged relevance of every test clip for the S1+S2
        convnet (``clip_relevance``)."""
        if method not in self._relevance:
            model = self.convnet("S1+S2")
            self._relevance[method] = clip_relevance(
                self.config, self.features, model, method
            )
        return self._relevance[method]

    def macro_accuracy(self, feature_set: str) -> float:
        """Macro accuracy of this seed's convnet on the test split."""
        return score_on_test(
            self.config, self.features, self.convnet(feature_set)
        ).macro_accuracy


class PrototypeSeed:
    """The prototype runs and baselines of one training seed on one
    dataset.

    Parameters
    ----------
    config : RunConfig
        Preset, device, data folder (SOL for ``instruments``, LibriSpeech
        for ``voices``) and data seed.
    seed : int
        The training seed.
    data : str
        ``"instruments"`` or ``"voices"``.
    progress : bool
        Show progress bars.
    """

    def __init__(
        self,
        config: RunConfig,
        seed: int,
        data: str,
        progress: bool = False,
    ):
        self.data_config = config
        self.config = dataclasses.replace(config, seed=int(seed))
        self.data = data
        self.progress = progress

    @functools.cached_property
    def results(self) -> dict:
        spectrograms = _spectrogram_set(self.data_config, self.data)
        return run_prototype_experiments(
            spectrograms, self.config, progress=self.progress
        )


@functools.cache
def _technique_features(
    config: RunConfig, split_seed: int | None
) -> TechniqueFeatures:
    """The features of the technique task, computed once per process and
    split (seeds share them)."""
    dataset = load_pmt_dataset(config, split_seed=split_seed)
    return technique_features(config, dataset, progress=False)


@functools.cache
def _spectrogram_set(config: RunConfig, data: str):
    """The log-mels of a dataset, computed once per process (every seed
    shares them)."""
    return (instrument_set if data == "instruments" else voice_set)(
        config
    )[0]


# -------------------------------------------------------------------------
# measures: Wang et al.
def s2_gain_points(run: TechniqueSeed) -> float:
    """Macro accuracy of the convnet on S1+S2 minus on S1 alone, in
    percentage points."""
    return 100.0 * (run.macro_accuracy("S1+S2") - run.macro_accuracy("S1"))


def kurtosis_gain(method: str) -> Callable:
    """Effect of A2: mean over test clips of kurtosis(``method``) -
    kurtosis(LRP-eps)."""

    def measure(run: TechniqueSeed) -> float:
        ours = kurtosis_per_example(run.relevance(method)["relevance"])
        epsilon = kurtosis_per_example(
            run.relevance("LRP-eps")["relevance"]
        )
        return float(np.nanmean(ours - epsilon))

    measure.__name__ = f"kurtosis_gain_{method}"
    return measure


def localisation_difference_points(
    run: TechniqueSeed, method: str, against: str
) -> float:
    """Share of test clips whose top S2 path is within half an octave of
    the true rate, ``method`` minus ``against`` (two explainers), in
    points (needs ground-truth rates)."""
    rates = run.features.dataset.split("test")["rate_hz"].to_numpy(
        dtype=float
    )
    known = np.isfinite(rates)
    if not known.any():
        raise NotMeasurable(
            "the test clips have no ground-truth modulation rate (real "
            "recordings)"
        )
    modulation_hz = run.features.paths.lambda2
    shares = {
        m: rate_localisation(
            run.relevance(m)["relevance"][known],
            modulation_hz,
            rates[known],
        ).mean()
        for m in (method, against)
    }
    return 100.0 * float(shares[method] - shares[against])


def localisation_gain_points(run: TechniqueSeed) -> float:
    """:func:`localisation_difference_points` of the published composite
    against the random explainer."""
    return localisation_difference_points(run, PUBLISHED_LRP, RANDOM)


def s1_relevance_deficit_points(run: TechniqueSeed) -> float:
    """S1's share of the paths minus its mean share of absolute
    relevance (published composite), in points."""
    paths = run.features.paths
    shares = order_shares(
        run.relevance(PUBLISHED_LRP)["relevance"], paths.n_s1
    )
    return 100.0 * float(
        paths.n_s1 / len(paths) - np.nanmean(shares[:, 0])
    )


def modal_rate_agreement(
    relevance,
    predicted,
    midi,
    modulation_hz,
    n_classes: int,
    n: int = 5,
    tolerance_octaves: float = 1.0,
) -> float:
    """Pitch invariance of class-wise maps: the share of classes whose
    top-``n`` map peaks at the same modulation rate for low and for high
    notes.

    For each predicted class, its test clips are split at the class's
    median MIDI pitch; each half's class-wise top-``n`` map (Eq. 13) is
    summed over carriers, and the modulation rate ``lambda2`` with the most
    votes is its peak. A class agrees when its two peaks are within
    ``tolerance_octaves``. Classes with fewer than two clips in a half are
    left out.

    Parameters
    ----------
    relevance : numpy.ndarray, shape (clips, paths)
        Time-averaged relevance.
    predicted : array-like of int, shape (clips,)
        The explained (predicted) class of each clip.
    midi : array-like of float, shape (clips,)
        Pitch of each clip.
    modulation_hz : numpy.ndarray, shape (paths,)
        ``lambda2`` of each path, NaN for S1 (S1 votes are not peaks of a
        rate).
    n_classes, n, tolerance_octaves
        As above.

    Returns
    -------
    float
        The share in [0, 1]; NaN when no class has enough clips.
    """
    predicted, midi = np.asarray(predicted), np.asarray(midi, dtype=float)
    second = np.isfinite(modulation_hz)
    rates = np.unique(modulation_hz[second])
    agree = []
    for c in range(n_classes):
        members = np.flatnonzero(predicted == c)
        if len(members) < 4:
            continue
        median = np.median(midi[members])
        halves = [
            members[midi[members] <= median],
            members[midi[members] > median],
        ]
        if min(len(h) for h in halves) < 2:
            continue
        peaks = []
        for half in halves:
            counts = classwise_top_n(
                relevance[half], np.zeros(len(half), int), 1, n
            )[0]
            votes = [
                counts[second & (modulation_hz == r)].sum() for r in rates
            ]
            peaks.append(rates[int(np.argmax(votes))])
        agree.append(
            abs(np.log2(peaks[0] / peaks[1])) <= tolerance_octaves
        )
    return float(np.mean(agree)) if agree else float("nan")


def pitch_invariance_points(run: TechniqueSeed) -> float:
    """Share of classes whose top-5 peak rate agrees across low and high
    notes, published composite minus the random explainer (whose peaks
    agree only by chance), in points."""
    midi = run.features.dataset.split("test")["midi"].to_numpy(dtype=float)
    shares = {}
    for method in (PUBLISHED_LRP, RANDOM):
        result = run.relevance(method)
        shares[method] = modal_rate_agreement(
            result["relevance"],
            result["predicted"],
            midi,
            run.features.paths.lambda2,
            len(run.features.dataset.classes),
        )
    if not np.isfinite(shares[PUBLISHED_LRP]):
        raise NotMeasurable(
            "no class has two clips on each side of its median pitch"
        )
    return 100.0 * (shares[PUBLISHED_LRP] - shares[RANDOM])


def audible_keep_gain_points(run: TechniqueSeed) -> float:
    """Mean over the tested clips of p(class | the published composite's
    top k paths only) - p(class | k random paths only), rendered as sound
    and classified again, in points, on
    :data:`~xaiaudio.experiments.audible.AUDIBLE_SETTINGS` ``claim_clips``
    of the faithfulness test's clips.
    """
    clips = settings_for(AUDIBLE_SETTINGS, run.config).claim_clips
    table = audio_faithfulness(
        run.config,
        run.features,
        run.convnet("S1+S2"),
        methods=(PUBLISHED_LRP,),
        modes=("keep",),
        seed=run.data_config.seed,
        clips=clips,
    )
    differences = paired_differences(table)["keep"]
    if differences.empty:
        raise NotMeasurable(
            "no tested clip has enough paths of positive relevance"
        )
    return 100.0 * float(differences.mean())


# -------------------------------------------------------------------------
# measures: Loiseau et al.
def lrec_falls(prefix: str) -> Callable:
    """Effect of B1: the smallest drop of validation L_rec from one
    curriculum stage to the next (raw -> gain -> pitch -> filters);
    positive when every added transformation lowers it."""

    def measure(run: PrototypeSeed) -> float:
        values = [
            row[f"{prefix}_L_rec"] for row in run.results["table1"][:4]
        ]
        return float(np.min(-np.diff(values)))

    measure.__name__ = f"lrec_falls_{prefix}"
    return measure


def cross_entropy_gain(run: PrototypeSeed) -> float:
    """Validation OA with the cross-entropy stage minus without it
    (Table 1), in points."""
    rows = run.results["table1"]
    return float(rows[4]["sup_OA"] - rows[3]["sup_OA"])


def supervised_vs_direct(run: PrototypeSeed) -> float:
    """Test OA of supervised prototypes minus the direct CNN's (Table
    3), in points."""
    return float(
        run.results["test_supervised"]["OA"]
        - run.results["direct"]["test"]["OA"]
    )


def unsupervised_vs_autoencoder(run: PrototypeSeed) -> float:
    """Test OA of unsupervised prototypes minus autoencoder + k-means
    (Table 2), in points."""
    return float(
        run.results["test_unsupervised"]["OA"]
        - run.results["autoencoder"]["test"]["OA"]
    )


def own_prototype_share(run: PrototypeSeed) -> float:
    """Share of test clips best reconstructed by their own class's
    prototype (supervised, without cross-entropy, as in Fig. 6), minus
    chance (one in K classes), in points."""
    data = _spectrogram_set(run.data_config, run.data)
    n_classes = len(data.class_names)
    return float(
        run.results["test_supervised_no_ce"]["OA"] - 100.0 / n_classes
    )


# -------------------------------------------------------------------------
# the registry: the papers' effects, from their published numbers
def _table1(feature_set: str) -> str:
    """One row of Wang et al.'s Table 1, as the paper prints it."""
    return " / ".join(
        f"{value:.2f}" for value in WANG_TABLE1[feature_set].values()
    )


def _wang_macro(feature_set: str) -> float:
    """The mean of a row of Wang et al.'s Table 1: its macro accuracy."""
    return float(np.mean(list(WANG_TABLE1[feature_set].values())))


_EPS, _PLUS = (
    WANG_KURTOSIS["LRP-eps"].mean,
    WANG_KURTOSIS[PUBLISHED_LRP].mean,
)


def _wang_claims() -> list[Claim]:
    return [
        Claim(
            "A1",
            WANG,
            "S1+S2 beats S1 in macro accuracy",
            f"Table 1: S1 {_table1('S1')}; S1+S2 {_table1('S1+S2')}",
            "macro accuracy S1+S2 - S1 (points)",
            _wang_macro("S1+S2") - _wang_macro("S1"),
            "training",
            s2_gain_points,
            "techniques",
        ),
        Claim(
            "A2",
            WANG,
            "LRP-[eps, z+] (zennit EpsilonPlus) gives peakier maps than "
            "LRP-eps",
            f"Sec. 4.2: mean kurtosis {_EPS:.2f} (LRP-eps) and "
            f"{_PLUS:.2f} (LRP-[eps, z+])",
            "mean kurtosis difference over test clips",
            _PLUS - _EPS,
            "lrp_rules",
            kurtosis_gain(PUBLISHED_LRP),
            "techniques",
        ),
        Claim(
            "A2w",
            WANG,
            "LRP-[eps, z+] as the text describes it gives peakier maps "
            "than LRP-eps",
            "Sec. 3: eps on convolutions, z+ on dense layers (not what "
            "the published code ran)",
            "mean kurtosis difference over test clips",
            None,
            "lrp_rules",
            kurtosis_gain("LRP-[eps, z+] as written"),
            "techniques",
        ),
        Claim(
            "A3",
            WANG,
            "relevance peaks near the clip's modulation rate",
            "Sec. 4.2: relevance localised around the modulation rate ("
            + ", ".join(
                f"{hz:g} Hz {technique}"
                for technique, hz in WANG_RELEVANCE_RATES.items()
            )
            + ")",
            "clips localised within half an octave, LRP-[eps, z+] - "
            "random (points)",
            None,
            "aggregation",
            localisation_gain_points,
            "techniques",
        ),
        Claim(
            "A4",
            WANG,
            "S1 carries little relevance",
            "Sec. 4.2: S1x exhibits low relevance values for all PMTs as "
            "compared to S2x",
            "S1's share of paths - its share of absolute relevance "
            "(points)",
            None,
            "lrp_rules",
            s1_relevance_deficit_points,
            "techniques",
        ),
        Claim(
            "A5",
            WANG,
            "class-wise maps peak at the class's rate across pitch",
            "Sec. 4.3: high values at the modulation rate of the playing "
            "techniques across pitch",
            "classes whose top-5 peak rate agrees for low and high notes, "
            "LRP-[eps, z+] - random (points)",
            None,
            "aggregation",
            pitch_invariance_points,
            "techniques",
        ),
        Claim(
            "C1",
            OURS,
            "what LRP calls relevant is what the network needs, in sound",
            "chapter Listening to relevance: the top k paths of the "
            "published composite, rendered alone, against k random paths",
            "p(class | top k only) - p(class | k random only) (points)",
            None,
            "listening_relevance",
            audible_keep_gain_points,
            "techniques",
        ),
    ]


def _loiseau_claims(
    data: str, suffix: str, chapter: str, values: dict
) -> list[Claim]:
    return [
        Claim(
            f"B1s-{suffix}",
            LOISEAU,
            f"each transformation lowers L_rec, supervised ({data})",
            "Table 1: each successive addition of a transformation "
            "decreases L_rec",
            "smallest drop of validation L_rec x 100 between stages",
            values["b1s"],
            chapter,
            lrec_falls("sup"),
            data,
        ),
        Claim(
            f"B1u-{suffix}",
            LOISEAU,
            f"each transformation lowers L_rec, unsupervised ({data})",
            "Table 1: each successive addition of a transformation "
            "decreases L_rec",
            "smallest drop of validation L_rec x 100 between stages",
            values["b1u"],
            chapter,
            lrec_falls("unsup"),
            data,
        ),
        Claim(
            f"B2-{suffix}",
            LOISEAU,
            f"cross-entropy raises OA ({data})",
            "Table 1: supervised with the cross-entropy loss, our model "
            "reaches high accuracy",
            "validation OA with - without cross-entropy (points)",
            values["b2"],
            chapter,
            cross_entropy_gain,
            data,
        ),
        Claim(
            f"B3-{suffix}",
            LOISEAU,
            f"supervised prototypes classify as well as a direct CNN "
            f"({data})",
            "Table 3: ours with supervision vs direct classification",
            "test OA prototypes - CNN (points)",
            values["b3"],
            chapter,
            supervised_vs_direct,
            data,
            margin=values["b3_margin"],
            margin_source=(
                "Table 3's gap between direct classification and APNet"
            ),
        ),
        Claim(
            f"B4-{suffix}",
            LOISEAU,
            f"unsupervised prototypes >= autoencoder + k-means ({data})",
            "Table 2: ours without supervision vs autoencoder + k-means",
            "test OA prototypes - autoencoder (points)",
            values["b4"],
            chapter,
            unsupervised_vs_autoencoder,
            data,
        ),
        Claim(
            f"B5-{suffix}",
            LOISEAU,
            f"a clip's own prototype reconstructs it best ({data})",
            "Fig. 6: the prototype of the corresponding instrument "
            "provides the lowest error",
            "test clips best reconstructed by their own prototype - "
            "chance (points)",
            None,
            chapter,
            own_prototype_share,
            data,
        ),
    ]


#: The curriculum stages of Loiseau et al.'s Table 1 whose L_rec B1
#: compares, in order.
_STAGES = ("raw", "gain", "pitch", "filters")


def _loiseau_values(dataset: str) -> dict:
    """The paper's effects of B1-B4 on ``dataset`` (``"SOL"`` or
    ``"LibriSpeech"``), from Tables 1-3, and B3's non-inferiority margin:
    how far the paper's earlier prototype network (APNet) falls below
    direct classification, the loss the paper treats as worse."""
    table1 = LOISEAU_TABLE1[dataset]
    ours_unsup = LOISEAU_TABLE2[dataset]["ours without supervision"]
    ours_sup = LOISEAU_TABLE3[dataset]["ours with supervision"]

    def smallest_drop(supervision: str) -> float:
        values = [table1[stage][supervision].l_rec for stage in _STAGES]
        return float(np.min(-np.diff(values)))

    return {
        "b1s": smallest_drop("sup"),
        "b1u": smallest_drop("unsup"),
        "b2": table1["cross-entropy"]["sup"].oa
        - table1["filters"]["sup"].oa,
        "b3": ours_sup.oa
        - LOISEAU_TABLE3[dataset]["direct classification"].oa,
        "b3_margin": LOISEAU_TABLE3[dataset]["direct classification"].oa
        - LOISEAU_TABLE3[dataset]["APNet"].oa,
        "b4": ours_unsup.oa
        - LOISEAU_TABLE2[dataset]["autoencoder + k-means"].oa,
    }


#: Every claim, by id, in the order the scorecard lists them.
CLAIMS: dict[str, Claim] = {
    claim.id: claim
    for claim in [
        *_wang_claims(),
        *_loiseau_claims(
            "instruments", "sol", "prototypes", _loiseau_values("SOL")
        ),
        *_loiseau_claims(
            "voices",
            "speech",
            "prototypes_voices",
            _loiseau_values("LibriSpeech"),
        ),
    ]
}

#: The registry as the package defines it: a worker process imports the
#: registry afresh and knows only these claims.
PACKAGE_CLAIMS = dict(CLAIMS)


def registered_claims(claim_ids: Sequence[str] | None) -> list[Claim]:
    """The claims of ``claim_ids`` (default: every claim of
    :data:`CLAIMS`), in that order.

    Raises
    ------
    ValueError
        If an id is not in the registry.
    """
    unknown = [i for i in (claim_ids or ()) if i not in CLAIMS]
    if unknown:
        raise ValueError(
            f"no claim {', '.join(map(repr, unknown))} in the registry "
            f"(it holds {', '.join(CLAIMS)})"
        )
    return [CLAIMS[i] for i in (claim_ids or CLAIMS)]
