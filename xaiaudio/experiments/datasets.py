"""The datasets the chapters load: the embedded corpus or a reader's own
folder.

:func:`load_pmt_dataset` gives the five-technique task of Wang et al.;
:func:`load_instrument_dataset` gives every note labelled by instrument,
and :func:`instrument_set` / :func:`voice_set` turn notes and voices into
log-mels. With ``config.data_dir=None`` the embedded corpus named by
``config.corpus`` (recorded samples, :mod:`xaiaudio.synth.recorded_corpus`,
or additive synthesis, :mod:`xaiaudio.synth.corpus`) is written once to the
cache in the SOL layout (:func:`embedded_corpus_dir`) and read back by
:func:`xaiaudio.data.tables.load_sol_table`, the code path real SOL takes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from xaiaudio.core import cache
from xaiaudio.core.presets import (
    Preset,
    RunConfig,
    check_corpus,
    settings_for,
)
from xaiaudio.data import sol
from xaiaudio.data.librispeech import (
    LIBRISPEECH_SPEAKERS,
    load_librispeech,
)
from xaiaudio.data.tables import SolDataset, load_sol_table
from xaiaudio.features.spectrograms import SpectrogramSet, spectrogram_set
from xaiaudio.synth import corpus, recorded_corpus
from xaiaudio.synth.soundfont import default_soundfont_path
from xaiaudio.synth.voices import make_voice_corpus
from xaiaudio.training.prototype_curriculum import training_settings


def embedded_corpus_dir(
    preset: Preset, seed: int, corpus_name: str = "synthetic"
) -> Path:
    """The embedded corpus ``corpus_name`` for ``preset`` and ``seed``,
    written in the SOL layout (cached).

    The entry depends on the preset, the seed and the source of the
    generator and of every module it imports
    (:func:`xaiaudio.core.cache.code_fingerprint`), and for the recorded
    corpus on the soundfont's bytes: editing any of them regenerates it.
    Every chapter that loads the playing-technique or instrument data
    without a ``data_dir`` reads this folder, through
    :func:`load_pmt_dataset` and :func:`load_instrument_dataset`.

    Parameters
    ----------
    preset : xaiaudio.core.presets.Preset
        Corpus size, sample rate and clip length.
    seed : int
        Seed of the corpus.
    corpus_name : str
        ``"synthetic"`` (additive synthesis) or ``"recorded"`` (the same
        notes played from a GM soundfont's recorded samples), see
        :data:`xaiaudio.core.presets.CORPORA`.

    Returns
    -------
    pathlib.Path
        The folder, with ``metadata.csv`` (ground truth) beside the audio
        files; the recorded corpus also lists the notes its soundfont
        cannot play in ``silent_notes.csv``.

    Raises
    ------
    ValueError
        For an unknown ``corpus_name``.
    """
    # the writer is the generator's own function, so the entry depends on
    # the generator's code, not on this module's
    if check_corpus(corpus_name) == "synthetic":
        write = functools.partial(
            corpus.write_sol_tree,
            clips=corpus.iter_corpus(preset.name, seed),
        )
        key = cache.content_key("embedded-corpus", preset, seed)
    else:
        write = functools.partial(
            recorded_corpus.render_recorded_corpus,
            preset=preset.name,
            seed=seed,
        )
        key = cache.content_key(
            "recorded-corpus", preset, seed, default_soundfont_path()
        )
    return cache.cached_entry("corpus", key, write)


def _sol_root(config: RunConfig) -> Path:
    return (
        Path(config.data_dir)
        if config.data_dir
        else embedded_corpus_dir(config.preset, config.seed, config.corpus)
    )


def load_pmt_dataset(
    config: RunConfig, split_csv=None, split_seed: int | None = None
) -> SolDataset:
    """The periodic-modulation-technique task: five classes, split 6:2:2
    per technique and instrument.

    Used by
    :func:`xaiaudio.experiments.technique_convnets.technique_features`.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        ``config.data_dir`` is a SOL folder, or ``None`` for the embedded
        corpus; ``config.seed`` draws the split (and the embedded corpus);
        ``config.preset`` sets the sample rate; ``config.strict`` whether a
        ``metadata.csv`` that disagrees with the audio files raises.
    split_csv : str or pathlib.Path, optional
        Reuse a saved split instead of drawing one.
    split_seed : int, optional
        Draw the split with this seed instead of ``config.seed`` (the
        embedded corpus still comes from ``config.seed``).

    Returns
    -------
    xaiaudio.data.tables.SolDataset
        One row per usable clip, labelled by technique (in the order of
        :data:`xaiaudio.data.sol.TECHNIQUES`), with its split and ground
        truth.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`xaiaudio.data.tables.load_sol_table` (a missing folder,
        no usable file, a malformed ``metadata.csv``, a split CSV that does
        not match).
    """
    seed = config.seed if split_seed is None else int(split_seed)
    return load_sol_table(
        _sol_root(config),
        config.preset,
        seed,
        sol.TECHNIQUES,
        "technique",
        (0.6, 0.2, 0.2),
        ("technique", "instrument"),
        split_csv,
        strict=config.strict,
    )


def load_instrument_dataset(
    config: RunConfig, split_csv=None
) -> SolDataset:
    """Instrument identification: every note (ordinario and techniques),
    split 70/10/20 per instrument.

    Called by :func:`instrument_set`.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        ``config.data_dir`` is a SOL folder, or ``None`` for the embedded
        corpus; ``config.seed`` draws the split; ``config.strict`` as in
        :func:`load_pmt_dataset`.
    split_csv : str or pathlib.Path, optional
        Reuse a saved split instead of drawing one.

    Returns
    -------
    xaiaudio.data.tables.SolDataset
        One row per usable note, labelled by instrument (classes in sorted
        order).

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`xaiaudio.data.tables.load_sol_table`.
    """
    return load_sol_table(
        _sol_root(config),
        config.preset,
        config.seed,
        None,
        "instrument",
        (0.7, 0.1, 0.2),
        ("instrument",),
        split_csv,
        strict=config.strict,
    )


def instrument_set(
    config: RunConfig, n_mels: int | None = None
) -> tuple[SpectrogramSet, SolDataset]:
    """Log-mels of every note of :func:`load_instrument_dataset`, labelled
    by instrument.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        Preset (sample rate, mel bands), data folder and seed.
    n_mels : int, optional
        Mel bands; default the preset's
        (:func:`xaiaudio.training.prototype_curriculum.training_settings`).

    Returns
    -------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Normalised log-mels of the whole notes (digital silence trimmed,
        any length) at the preset's sample rate, with labels, splits,
        instrument names and clip names (``"<instrument> <technique> midi
        <midi> <dynamics>"``).
    dataset : xaiaudio.data.tables.SolDataset
        The table the notes come from, in the same order.
    """
    dataset = load_instrument_dataset(config)
    n_mels = n_mels or training_settings(config)["n_mels"]
    table = dataset.table
    # whole notes, as Loiseau et al. evaluate: no padding to a clip length
    clips = [dataset.load_note(i) for i in range(len(table))]
    names = [
        f"{r.instrument} {r.technique} midi {r.midi} {r.dynamics}"
        for r in table.itertuples()
    ]
    data = spectrogram_set(
        clips,
        config.preset.sample_rate,
        table["label"].to_numpy(),
        table["split"].to_numpy(),
        list(dataset.classes),
        n_mels,
        config.preset.sample_rate,
        names,
        "instruments",
    )
    return data, dataset


def voice_set(config: RunConfig, n_mels: int | None = None) -> tuple:
    """Log-mels of the speakers' utterances, labelled by speaker.

    Parameters
    ----------
    config : xaiaudio.core.presets.RunConfig
        ``config.data_dir`` is a LibriSpeech folder
        (:func:`xaiaudio.data.librispeech.load_librispeech`, the preset's
        number of speakers,
        :data:`xaiaudio.data.librispeech.LIBRISPEECH_SPEAKERS`), or
        ``None`` for the synthetic voices of :mod:`xaiaudio.synth.voices`;
        ``config.seed`` draws the split of LibriSpeech's files, per
        speaker (or the synthetic voices and their split);
        ``config.strict``: raise on an unreadable LibriSpeech file, or skip
        it and list it in ``speech.skipped``.
    n_mels : int, optional
        Mel bands; default the preset's
        (:func:`xaiaudio.training.prototype_curriculum.training_settings`).

    Returns
    -------
    data : xaiaudio.features.spectrograms.SpectrogramSet
        Normalised log-mels at the corpus's sample rate (16 kHz),
        ``kind="speech"``.
    speech : LibriSpeechCorpus or VoiceCorpus
        The corpus the utterances come from, in the same order
        (:class:`xaiaudio.data.librispeech.LibriSpeechCorpus` or
        :class:`xaiaudio.synth.voices.VoiceCorpus`).

    Raises
    ------
    xaiaudio.data.librispeech.LibriSpeechError
        When ``config.data_dir`` is not a usable LibriSpeech folder (or,
        with ``config.strict``, holds an unreadable file).
    """
    n_mels = n_mels or training_settings(config)["n_mels"]
    if config.data_dir:
        n_speakers = settings_for(LIBRISPEECH_SPEAKERS, config)
        speech = load_librispeech(
            config.data_dir,
            n_speakers,
            seed=config.seed,
            strict=config.strict,
        )
        clips = [speech.load_audio(i) for i in range(len(speech.paths))]
        labels, class_names, names = (
            speech.labels,
            speech.speakers,
            [str(p) for p in speech.paths],
        )
    else:
        speech = make_voice_corpus(config.preset.name, config.seed)
        clips = speech.audio
        labels, class_names = speech.labels, speech.speaker_names
        names = [
            f"{speech.speakers[k].name} #{i}"
            for i, k in enumerate(speech.labels)
        ]
    data = spectrogram_set(
        clips,
        speech.sample_rate,
        labels,
        speech.split,
        class_names,
        n_mels,
        speech.sample_rate,
        names,
        "speech",
    )
    return data, speech
