"""The scorecard: every claim of :mod:`xaiaudio.experiments.claims`
measured over training seeds.

:func:`run_scorecard` trains (or loads from the cache) what each claim
needs for seeds ``0 .. n_seeds - 1`` with the data (corpus and split) fixed
by ``config.seed``, measures each claim's effect per seed, and summarises
it with :func:`xaiaudio.experiments.seeds.seed_summary`. The claims of the
playing-technique task are measured a second time with the split redrawn
from each training seed (variant ``"split redrawn"``), since a verdict that
holds for one split only is not a finding. Every dataset is loaded once
before any seed trains (:func:`check_data`), so a folder, a device or a
setting that cannot work stops the run with its error. Only a seed whose
training diverges (``FloatingPointError``: a NaN loss) or whose measure is
not finite is a failed seed, counted and named in the claim's reason; a
claim the data cannot answer (no ground-truth rates in a real SOL folder)
is ``not measurable``, with why.

The result is plain JSON (:func:`scorecard_json`);
:func:`scorecard_markdown` lays it out as a Markdown table; ``python -m
xaiaudio.scorecard`` runs it from the command line.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence

from tqdm.auto import tqdm

from xaiaudio.core.formatting import format_number
from xaiaudio.core.parallel import default_workers, run_in_processes
from xaiaudio.core.presets import (
    CORPORA,
    RunConfig,
    check_corpus,
    settings_for,
)
from xaiaudio.data.librispeech import (
    LIBRISPEECH_SPEAKERS,
    load_librispeech,
)
from xaiaudio.experiments.claims import (
    CLAIMS,
    PACKAGE_CLAIMS,
    Claim,
    NotMeasurable,
    PrototypeSeed,
    TechniqueSeed,
    registered_claims,
)
from xaiaudio.experiments.datasets import (
    load_instrument_dataset,
    load_pmt_dataset,
)
from xaiaudio.experiments.seeds import (
    compare_with_paper,
    holm_adjusted,
    not_measurable,
    seed_summary,
)

#: The variants of a claim: the data split fixed by ``config.seed``, or
#: redrawn with each seed.
FIXED_SPLIT, REDRAWN_SPLIT = "split fixed", "split redrawn"


#: Training seeds per claim at each preset (the chapter's and the command's
#: default).
SEED_COUNTS = {"smoke": 2, "book": 5, "paper": 10}


def _seed_run(
    config: RunConfig,
    voices_config: RunConfig,
    data: str,
    variant: str,
    seed: int,
):
    if data == "techniques":
        return TechniqueSeed(
            config, seed, redraw_split=variant == REDRAWN_SPLIT
        )
    return PrototypeSeed(
        voices_config if data == "voices" else config, seed, data
    )


def measure_seed(
    claim_ids: Sequence[str],
    config: RunConfig,
    voices_config: RunConfig,
    variant: str,
    seed: int,
) -> dict:
    """The effect of each claim for one training seed (claims sharing one
    ``data``).

    Parameters
    ----------
    claim_ids : sequence of str
        Keys of :data:`~xaiaudio.experiments.claims.CLAIMS`, all with the
        same ``data``.
    config, voices_config : RunConfig
        The data of the technique and instrument claims, and of the voice
        claims.
    variant : str
        :data:`FIXED_SPLIT` or :data:`REDRAWN_SPLIT`.
    seed : int
        The training seed.

    Returns
    -------
    dict
        claim id -> ``(value, not_measurable_reason or None, error or
        None)``.
    """
    claims = [CLAIMS[i] for i in claim_ids]
    run = _seed_run(config, voices_config, claims[0].data, variant, seed)
    out = {}
    for claim in claims:
        try:
            out[claim.id] = (float(claim.measure(run)), None, None)
        except NotMeasurable as why:
            out[claim.id] = (float("nan"), str(why), None)
        # a seed whose training diverged is reported; any other error (the
        # data, the device, a bug) stops the run
        except FloatingPointError as error:
            out[claim.id] = (
                float("nan"),
                None,
                f"seed {seed}: {type(error).__name__}: {error}",
            )
    return out


def _stage_label(claims: Sequence[Claim], variant: str) -> str:
    data = claims[0].data
    return f"{data} ({variant})" if data == "techniques" else data


def measure_over_seeds(
    groups: Sequence[tuple[Sequence[Claim], str]],
    config: RunConfig,
    n_seeds: int,
    voices_config: RunConfig | None = None,
    progress: bool = True,
    workers: int = 1,
    on_group: Callable[[int, dict], None] | None = None,
) -> list[dict]:
    """Per-seed effects of each group of claims, and the reasons of failed
    measurements.

    Every ``(group, seed)`` pair is one job; the jobs of all groups share
    one pool of ``workers`` processes (one torch thread each), so a core
    never idles while another group still has seeds.

    Parameters
    ----------
    groups : sequence of (sequence of Claim, str)
        Claims that share one ``data`` value, and their split variant
        (:data:`FIXED_SPLIT` or :data:`REDRAWN_SPLIT`; the latter for
        technique claims only).
    config : RunConfig
        Preset, device, data folder and data seed.
    n_seeds : int
        Training seeds ``0 .. n_seeds - 1``.
    voices_config : RunConfig, optional
        The configuration of the voices data (its ``data_dir`` a
        LibriSpeech folder); default ``config`` without a data folder (the
        embedded voices).
    progress : bool
        Show a tqdm bar per group (stage).
    workers : int
        Jobs measured at once, each in its own process with one torch
        thread (1: in this process). Every artefact goes through the
        on-disk cache, so the processes share what they build.
    on_group : callable, optional
        ``on_group(index, measured)`` as soon as every seed of group
        ``index`` is measured (``measured`` as in the returned list), so a
        caller can save what is finished.

    Returns
    -------
    list of dict
        Per group, claim id -> ``{"per_seed": [float], "not_measurable":
        str or None, "errors": [str]}``.
    """
    voices_config = voices_config or RunConfig(
        config.preset, config.device, None, config.seed, config.strict
    )
    jobs, prototype_jobs = [], []
    for claims, variant in groups:
        data = {claim.data for claim in claims}
        if len(data) != 1:
            raise ValueError(
                "claims measured together must share their data, got "
                f"{sorted(data)}"
            )
        ids = [claim.id for claim in claims]
        prototype_jobs += [data != {"techniques"}] * n_seeds
        jobs += [
            (ids, config, voices_config, variant, seed)
            for seed in range(n_seeds)
        ]
    bars = [
        tqdm(
            total=n_seeds,
            desc=_stage_label(claims, variant),
            disable=not progress,
            leave=False,
        )
        for claims, variant in groups
    ]
    results = {}
    measured: dict[int, dict] = {}

    def finished(index: int, result: dict) -> None:
        results[index] = result
        bars[index // n_seeds].update(1)
        group = index // n_seeds
        seeds = range(group * n_seeds, (group + 1) * n_seeds)
        if group not in measured and all(i in results for i in seeds):
            measured[group] = _group_measures(
                groups[group][0], [results[i] for i in seeds]
            )
            if on_group is not None:
                on_group(group, measured[group])

    if workers > 1:
        # The prototype curricula take longest: start them first, so no
        # core idles at the end.
        start_order = sorted(
            range(len(jobs)), key=lambda index: not prototype_jobs[index]
        )
        run_in_processes(
            measure_seed,
            [jobs[index] for index in start_order],
            workers,
            on_result=lambda position, result: finished(
                start_order[position], result
            ),
        )
    # every job at one worker, or those a dead worker left
    for index in range(len(jobs)):
        if index not in results:
            finished(index, measure_seed(*jobs[index]))
    for bar in bars:
        bar.close()
    return [measured[group] for group in range(len(groups))]


def _group_measures(claims: Sequence[Claim], seed_results: list) -> dict:
    """Claim id -> per-seed values, reason and errors, from the results
    of :func:`measure_seed` of one group, in seed order."""
    out = {}
    for claim in claims:
        values = [per_seed[claim.id] for per_seed in seed_results]
        reasons = [why for _, why, _ in values if why]
        errors = [error for _, _, error in values if error]
        errors += [
            f"seed {seed}: the measure was not finite"
            for seed, (value, why, error) in enumerate(values)
            if not math.isfinite(value) and not why and not error
        ]
        out[claim.id] = {
            "per_seed": [value for value, _, _ in values],
            "not_measurable": reasons[0] if reasons else None,
            "errors": errors,
        }
    return out


def check_data(
    claims: Sequence[Claim], config: RunConfig, voices_config: RunConfig
) -> None:
    """Load every dataset ``claims`` need, once, before any seed trains.

    A folder that cannot be used raises here, with what was expected and
    what was found, instead of failing every seed of every claim.

    Parameters
    ----------
    claims : sequence of Claim
        The claims to measure.
    config, voices_config : RunConfig
        As in :func:`measure_over_seeds`.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`xaiaudio.experiments.datasets.load_pmt_dataset`,
        :func:`~xaiaudio.experiments.datasets.load_instrument_dataset` and
        :func:`xaiaudio.data.librispeech.load_librispeech`.
    """
    data = {claim.data for claim in claims}
    if "techniques" in data:
        load_pmt_dataset(config)
    if "instruments" in data:
        load_instrument_dataset(config)
    # the embedded voices are generated, not read: nothing to check
    if "voices" in data and voices_config.data_dir:
        load_librispeech(
            voices_config.data_dir,
            settings_for(LIBRISPEECH_SPEAKERS, voices_config),
            seed=voices_config.seed,
            strict=voices_config.strict,
        )


def run_scorecard(
    config: RunConfig,
    n_seeds: int | None = None,
    voices_dir: str | None = None,
    claim_ids: Sequence[str] | None = None,
    progress: bool = True,
    workers: int | None = None,
    variants: Sequence[str] = (FIXED_SPLIT, REDRAWN_SPLIT),
    on_progress: Callable[[dict], None] | None = None,
) -> dict:
    """Measure every claim over ``n_seeds`` training seeds and read each
    verdict off its interval.

    Parameters
    ----------
    config : RunConfig
        Preset, device and data seed; ``config.data_dir`` is a SOL folder
        (playing techniques and instruments) or ``None`` for the embedded
        corpus.
    n_seeds : int, optional
        Training seeds per claim; default :data:`SEED_COUNTS` of the preset
        (5 at ``book``).
    voices_dir : str, optional
        A LibriSpeech folder for the voice claims; ``None`` uses the
        embedded synthetic voices.
    claim_ids : sequence of str, optional
        Only these claims (default: all of
        :data:`~xaiaudio.experiments.claims.CLAIMS`).
    progress : bool
        Show a progress bar per stage.
    workers : int, optional
        Seeds measured in parallel processes; default
        :func:`~xaiaudio.core.parallel.default_workers`, or 1 when a claim
        was added to or replaced in the registry after the package defined
        it (a worker process knows only
        :data:`~xaiaudio.experiments.claims.PACKAGE_CLAIMS`).
    variants : sequence of str
        Split variants of the technique claims (a chapter that discusses
        one claim may ask for the fixed split only).
    on_progress : callable, optional
        Called with the scorecard so far (``"complete": False``, the rows
        of the finished stages) each time a stage finishes: a run stopped
        after an hour keeps what it measured.

    Returns
    -------
    dict
        ``{"preset", "seeds", "data_seed", "data", "complete", "claims":
        [...], "verdicts": [...]}`` (see :func:`scorecard_json`).

    Raises
    ------
    FileNotFoundError, ValueError
        Before any training, when a dataset cannot be used
        (:func:`check_data`), a claim id is not in the registry, or a
        claim added in this process is asked of ``workers > 1``.
    """
    n_seeds = (
        settings_for(SEED_COUNTS, config)
        if n_seeds is None
        else int(n_seeds)
    )
    claims = registered_claims(claim_ids)
    # a claim registered or replaced in this process (a notebook's own)
    # is measured here: worker processes would not find it
    added = [c.id for c in claims if PACKAGE_CLAIMS.get(c.id) is not c]
    voices_config = dataclasses.replace(config, data_dir=voices_dir)
    groups = [
        ([claim for claim in claims if claim.data == data], variant)
        for data, variant in [
            *(("techniques", v) for v in variants),
            ("instruments", FIXED_SPLIT),
            ("voices", FIXED_SPLIT),
        ]
    ]
    groups = [(members, variant) for members, variant in groups if members]
    if workers is None:
        workers = (
            1 if added else default_workers(config, n_seeds * len(groups))
        )
    workers = int(workers)
    if added and workers > 1:
        raise ValueError(
            f"claim {', '.join(added)} was added to (or replaced in) the "
            "registry in this process, and worker processes import it "
            "afresh without it: pass workers=1 (or leave workers out)"
        )
    check_data(claims, config, voices_config)
    sources = {
        "techniques": corpus_label(config),
        "instruments": corpus_label(config),
        "voices": voices_dir or "synthetic voices",
    }
    finished: dict[int, dict] = {}

    def card(complete: bool) -> dict:
        rows = [
            {
                **_claim_row(
                    claim, groups[index][1], finished[index][claim.id]
                ),
                "corpus": sources[claim.data],
            }
            for index in sorted(finished)
            for claim in groups[index][0]
        ]
        out = {
            "preset": config.preset.name,
            "seeds": int(n_seeds),
            "data_seed": config.seed,
            "data": sources,
            "complete": complete,
            "claims": with_holm(rows),
        }
        out["verdicts"] = list(verdicts_across_splits(out).values())
        return out

    def stage_done(index: int, measured: dict) -> None:
        finished[index] = measured
        if on_progress is not None and len(finished) < len(groups):
            on_progress(card(complete=False))

    measure_over_seeds(
        groups,
        config,
        n_seeds,
        voices_config,
        progress,
        workers,
        on_group=stage_done,
    )
    return card(complete=True)


def corpus_label(config: RunConfig) -> str:
    """What a technique or instrument row of the scorecard was measured
    on: ``config.data_dir``, else the embedded corpus's name
    (``"recorded"`` or ``"synthetic"``)."""
    return str(config.data_dir) if config.data_dir else config.corpus


def scorecard_on_corpora(
    config: RunConfig,
    corpora: Sequence[str] = CORPORA,
    n_seeds: int | None = None,
    voices_dir: str | None = None,
    claim_ids: Sequence[str] | None = None,
    progress: bool = True,
    workers: int | None = None,
    on_progress: Callable[[dict], None] | None = None,
) -> dict:
    """The scorecard of every claim on each embedded corpus of
    ``corpora``: one :func:`run_scorecard` per corpus, read as one family.

    A claim that depends on how the notes sound (recorded samples or
    additive synthesis) shows it here: each technique and instrument claim
    has one row per corpus and split variant, with its ``corpus``; the
    voice claims, which use neither corpus, are measured once. Holm's
    correction (:func:`with_holm`) runs over every row of every corpus.
    Every corpus's data is checked before any seed trains.

    Parameters
    ----------
    config : RunConfig
        Preset, device and data seed; its ``corpus`` is replaced by each of
        ``corpora`` in turn. With a ``data_dir`` there is one corpus, that
        folder: the call is :func:`run_scorecard`.
    corpora : sequence of str
        Names from :data:`~xaiaudio.core.presets.CORPORA`.
    n_seeds, voices_dir, claim_ids, progress, workers, on_progress
        As in :func:`run_scorecard`.

    Returns
    -------
    dict
        As :func:`run_scorecard`, with ``"corpora"`` (the names measured)
        and a ``"data"`` entry per task naming every source.

    Raises
    ------
    ValueError
        For an unknown corpus name, or none; otherwise as
        :func:`run_scorecard`.
    """
    corpora = [check_corpus(name) for name in dict.fromkeys(corpora)]
    if not corpora:
        raise ValueError(f"no corpus to measure: name some of {CORPORA}")
    if config.data_dir:
        corpora = [config.corpus]
    configs = [
        dataclasses.replace(config, corpus=name) for name in corpora
    ]
    claims = registered_claims(claim_ids)
    voices_config = dataclasses.replace(config, data_dir=voices_dir)
    for each in configs:
        check_data(claims, each, voices_config)
    done: list[dict] = []

    def merged(cards: list[dict], complete: bool) -> dict:
        rows = [
            {k: v for k, v in row.items() if k not in _HOLM_FIELDS}
            for card in cards
            for row in card["claims"]
        ]
        data = {}
        for card in cards:
            for task, source in card["data"].items():
                data.setdefault(task, [])
                if source not in data[task]:
                    data[task].append(source)
        out = {
            **cards[0],
            "data": {task: " and ".join(v) for task, v in data.items()},
            "corpora": corpora,
            "complete": complete,
            "claims": with_holm(rows),
        }
        out["verdicts"] = list(verdicts_across_splits(out).values())
        return out

    for index, each in enumerate(configs):
        # the voices are the same whatever the corpus: measured once
        ids = [
            claim.id
            for claim in claims
            if index == 0 or claim.data != "voices"
        ]
        if not ids:
            continue

        def stage_done(card: dict) -> None:
            if on_progress is not None:
                on_progress(merged([*done, card], complete=False))

        done.append(
            run_scorecard(
                each,
                n_seeds,
                voices_dir,
                ids,
                progress,
                workers,
                on_progress=stage_done,
            )
        )
        if on_progress is not None and index < len(configs) - 1:
            on_progress(merged(done, complete=False))
    return merged(done, complete=True)


_HOLM_FIELDS = ("p_holm", "verdict_holm")


def _claim_row(claim: Claim, variant: str, measured: dict) -> dict:
    if measured["not_measurable"]:
        summary = not_measurable(
            measured["not_measurable"], len(measured["per_seed"])
        )
    else:
        summary = seed_summary(measured["per_seed"], margin=claim.margin)
    reason = summary.reason
    if measured["errors"]:
        reason += " (" + "; ".join(measured["errors"]) + ")"
    return {
        "id": claim.id,
        "variant": variant,
        "paper": claim.paper,
        "claim": claim.claim,
        "source": claim.source,
        "metric": claim.metric,
        "paper_value": claim.paper_value,
        "vs_paper": compare_with_paper(
            summary.ci_low, summary.ci_high, claim.paper_value
        ),
        "margin": claim.margin,
        "margin_source": claim.margin_source,
        "estimate": summary.estimate,
        "ci_low": summary.ci_low,
        "ci_high": summary.ci_high,
        "n_seeds": summary.n_seeds,
        "per_seed": summary.per_seed,
        "verdict": summary.verdict,
        "reason": reason,
        "chapter": claim.chapter,
        "p_value": summary.p_value,
    }


def with_holm(rows: list[dict]) -> list[dict]:
    """The rows with Holm's correction over the family of every interval
    read (every claim on every split variant it was measured on).

    Each per-claim verdict is read off its own 95 % interval; read
    together, some of ~30 intervals exclude their bar by chance alone.
    Each row gets ``p_holm`` (Holm's adjusted p-value, NaN without an
    interval) and ``verdict_holm``: its verdict when ``p_holm < 0.05``,
    ``inconclusive`` otherwise (the family-wise error rate of the holds /
    fails / non-inferior / inferior verdicts is then at most 5 %).
    """
    adjusted = holm_adjusted([row["p_value"] for row in rows])
    out = []
    for row, p_holm in zip(rows, adjusted, strict=True):
        decided = row["verdict"] if p_holm < 0.05 else "inconclusive"
        if row["verdict"] == "not measurable":
            decided = "not measurable"
        out.append(
            {**row, "p_holm": float(p_holm), "verdict_holm": decided}
        )
    return out


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    return value


def scorecard_json(scorecard: dict) -> str:
    """The scorecard as strict JSON: NaN (a failed seed, an unmeasurable
    claim) becomes ``null``.

    Schema: ``{"preset", "seeds", "data_seed", "data": {"techniques",
    "instruments", "voices"}, "complete", "claims": [{"id", "corpus",
    "variant",
    "paper", "claim", "source", "metric", "paper_value", "vs_paper",
    "margin", "margin_source", "estimate", "ci_low", "ci_high", "n_seeds",
    "per_seed", "verdict", "reason", "chapter", "p_value", "p_holm",
    "verdict_holm"}],
    "verdicts": [{"id", "corpus", "verdict", "verdict_holm",
    "by_variant", "split_dependent"}]}`` (and ``"corpora"``, the corpus
    names, from :func:`scorecard_on_corpora`), ``corpus`` the data a row
    was measured on (:func:`corpus_label`, or the voices' source),
    ``verdict`` one of :data:`~xaiaudio.experiments.seeds.VERDICTS`
    (``non-inferior`` / ``inferior`` for claims with a ``margin``);
    ``vs_paper`` ``contains`` / ``above`` / ``below`` (the paper's effect
    against our interval) or null; ``verdict_holm`` the verdict after
    Holm's correction over all rows (:func:`with_holm`); ``verdicts``
    holds one entry per claim (:func:`verdicts_across_splits`);
    ``complete`` is false in the file a run saves as its stages finish.
    """
    return json.dumps(
        _finite_or_none(scorecard), indent=1, allow_nan=False
    )


def verdicts_across_splits(scorecard: dict) -> dict[str, dict]:
    """The verdict the book states for each claim: one that a new draw of
    the split does not flip.

    A claim measured with the split fixed and with it redrawn keeps its
    verdict only when both variants agree; when they disagree (say, it
    holds on the fixed split and is inconclusive when the split is redrawn)
    the verdict is ``inconclusive``: it depends on which clips were drawn
    for testing. A claim measured on one variant keeps that variant's
    verdict.

    Parameters
    ----------
    scorecard : dict
        As returned by :func:`run_scorecard`.

    Returns
    -------
    dict
        Claim id -> ``{"id", "corpus", "verdict": str, "verdict_holm": str
        (the same, from the rows' Holm-corrected verdicts), "by_variant":
        {variant: verdict}, "split_dependent": bool}``, in the scorecard's
        order. When a claim was measured on more than one corpus
        (:func:`scorecard_on_corpora`) there is one entry per claim and
        corpus, keyed ``"<id> (<corpus>)"``.
    """
    rows = scorecard["claims"]
    # a claim measured on two corpora has one verdict per corpus
    by_corpus = len({(r["id"], r.get("corpus")) for r in rows}) > len(
        {r["id"] for r in rows}
    )
    by_claim: dict[str, dict] = {}
    holm: dict[str, set] = {}
    corpus_of: dict[str, str | None] = {}
    for row in rows:
        key = f"{row['id']} ({row['corpus']})" if by_corpus else row["id"]
        corpus_of[key] = row.get("corpus")
        by_claim.setdefault(key, {"id": row["id"], "by_variant": {}})
        by_claim[key]["by_variant"][row["variant"]] = row["verdict"]
        holm.setdefault(key, set()).add(
            row.get("verdict_holm", row["verdict"])
        )
    out = {}
    for key, entry in by_claim.items():
        by_variant = entry["by_variant"]
        verdicts = sorted(set(by_variant.values()))
        dependent = len(verdicts) > 1
        out[key] = {
            "id": entry["id"],
            "corpus": corpus_of[key],
            "verdict": "inconclusive" if dependent else verdicts[0],
            "verdict_holm": (
                holm[key].pop() if len(holm[key]) == 1 else "inconclusive"
            ),
            "by_variant": by_variant,
            "split_dependent": dependent,
        }
    return out


def scorecard_markdown(scorecard: dict, link: bool = False) -> str:
    """The scorecard as a Markdown table: claim, paper's effect, ours with
    its 95 % interval, verdict (and the corpus, when the card measured
    more than one).

    Parameters
    ----------
    scorecard : dict
        As returned by :func:`run_scorecard`.
    link : bool
        Link each claim to the chapter that discusses it (in the book).

    Returns
    -------
    str
    """
    # the corpus gets a column when the card compares corpora
    corpus_column = len(scorecard.get("corpora", ())) > 1
    lines = [
        "| id | claim | "
        + ("corpus | " if corpus_column else "")
        + "variant | metric | paper | ours (95 % interval) | vs paper "
        "| seeds | verdict |",
        "| --- | --- | "
        + ("--- | " if corpus_column else "")
        + "--- | --- | ---: | --- | --- | ---: | --- |",
    ]
    for row in scorecard["claims"]:
        claim = (
            f"[{row['claim']}]({row['chapter']}.md)"
            if link
            else row["claim"]
        )
        low, high = (
            format_number(row["ci_low"]),
            format_number(row["ci_high"]),
        )
        ours = (
            f"{format_number(row['estimate'])} [{low}, {high}]"
            if row["verdict"] != "not measurable"
            else "-"
        )
        lines.append(
            f"| {row['id']} | {claim} | "
            + (f"{row['corpus']} | " if corpus_column else "")
            + f"{row['variant']} | "
            # a "|" in a metric ("p(class | top k)") would end its cell
            f"{row['metric'].replace('|', chr(92) + '|')} | "
            f"{format_number(row['paper_value'])} | {ours} | "
            f"{row.get('vs_paper') or '-'} | {row['n_seeds']} | "
            f"**{row['verdict']}** |"
        )
    return "\n".join(lines)
