"""Train / validation / test splits, and their CSV form.

* :func:`split_table`: the 6:2:2 split of Wang et al. per class and
  instrument (also the 70/10/20 instrument split, and LibriSpeech's
  70/10/20 per speaker), dealt along :func:`split_cycle` so small groups
  reach every split;
* :func:`split_files`: the random per-file 70/10/20 split of Loiseau et al.
  (the synthetic voices);
* :func:`save_split_csv` / :func:`load_split_csv`: a split saved next to
  the data, reused.

The SOL-layout splits are drawn by
:func:`xaiaudio.data.tables.load_sol_table` and, per speaker, by
:mod:`xaiaudio.data.librispeech`; the per-file split serves the synthetic
voices (:mod:`xaiaudio.synth.voices`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def split_cycle(fractions) -> list[int]:
    """The shortest cycle of split indices with the given fractions, spread
    out evenly.

    ``(0.6, 0.2, 0.2)`` gives ``[0, 1, 0, 2, 0]`` (train, val, train, test,
    train): walking a list along the cycle hands out splits in the right
    proportions, and any run of consecutive files gets each split within
    about one file of its share (at most 0.8 file for 6:2:2, 1.1 files for
    70/10/20). Each position goes to the split furthest behind its share so
    far. Used by :func:`split_table`.

    Parameters
    ----------
    fractions : sequence of float
        Share of each split (train, val, test), non-negative, summing to 1;
        each must be a multiple of ``1/n`` for one ``n`` of at most 100.

    Returns
    -------
    list of int
        ``n`` split indices (0 = first split), ``n`` the smallest such
        length.

    Raises
    ------
    ValueError
        When a fraction is negative, the fractions do not sum to 1, or no
        cycle of at most 100 positions has them (e.g. ``(1/3, 1/3 - 0.001,
        1/3 + 0.001)``).
    """
    fractions = np.asarray(fractions, dtype=float)
    if np.any(fractions < 0) or not np.isclose(fractions.sum(), 1.0):
        raise ValueError(
            "split fractions must be non-negative and sum to 1, got "
            f"{tuple(fractions)}"
        )
    length = next(
        (
            n
            for n in range(1, 101)
            if np.allclose(fractions * n, np.round(fractions * n))
        ),
        None,
    )
    if length is None:
        raise ValueError(
            f"split fractions must be multiples of 1/n for some n <= 100, "
            f"got {tuple(fractions)}"
        )
    assigned = np.zeros(len(fractions))
    cycle = []
    for position in range(1, length + 1):
        choice = int(np.argmax(fractions * position - assigned))
        assigned[choice] += 1
        cycle.append(choice)
    return cycle


def split_table(
    table: pd.DataFrame,
    seed: int,
    fractions=(0.6, 0.2, 0.2),
    by=("technique", "instrument"),
) -> pd.Series:
    """Assign each row to ``train``/``val``/``test`` in proportions
    ``fractions``, per class and instrument.

    ``by[0]`` is the class column; the others stratify within a class.
    Within each class, the files of each instrument are shuffled with
    ``seed`` and laid end to end, then dealt along :func:`split_cycle` from
    a random start. Every instrument of every class thus gets a 6:2:2 split
    to within one file, and an instrument with only one or two files of a
    class still lets that class reach the validation and test sets
    (rounding each small group on its own would send them all to training).
    Rows are sorted by path first, so the split depends on the files, not
    on the order they were found in. Called by
    :func:`xaiaudio.data.tables.load_sol_table`: 6:2:2 per technique and
    instrument for the playing-technique task, 70/10/20 per instrument for
    instrument identification; and by
    :func:`xaiaudio.data.librispeech.load_librispeech`: 70/10/20 per
    speaker.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per file, with a ``path`` column and the columns named in
        ``by``.
    seed : int
        Seed of the shuffles and of each class's starting point in the
        cycle.
    fractions : sequence of float
        Shares of train, val and test (see :func:`split_cycle`).
    by : sequence of str
        The class column, then the columns that stratify within a class.

    Returns
    -------
    pandas.Series
        ``"train"``, ``"val"`` or ``"test"`` per row, indexed like
        ``table``.

    Raises
    ------
    ValueError
        For invalid ``fractions`` (see :func:`split_cycle`).
    KeyError
        When ``table`` lacks ``path`` or a column of ``by``.
    """
    names = ("train", "val", "test")
    cycle = split_cycle(fractions)
    rng = np.random.default_rng(seed)
    split = pd.Series("", index=table.index, dtype=object)
    ordered = table.sort_values("path")
    for _, members in ordered.groupby(by[0], sort=True):
        groups = (
            members.groupby(list(by[1:]), sort=True)
            if len(by) > 1
            else [(None, members)]
        )
        dealt = np.concatenate(
            [
                g.index.to_numpy()[rng.permutation(len(g))]
                for _, g in groups
            ]
        )
        start = int(rng.integers(len(cycle)))
        for position, row in enumerate(dealt):
            split[row] = names[cycle[(start + position) % len(cycle)]]
    return split


def relative_paths(table: pd.DataFrame, root) -> list[str]:
    """Each row's path relative to ``root``, in POSIX form: how split and
    metadata CSVs name files.

    Used by :mod:`xaiaudio.data.tables` to join ``metadata.csv`` and to
    save and reload splits.

    Parameters
    ----------
    table : pandas.DataFrame
        Has a ``path`` column of paths under ``root``.
    root : str or pathlib.Path
        The dataset folder.

    Returns
    -------
    list of str
        E.g. ``"Winds/Bn/vibrato/Bn-vib-A4-mf.wav"``, in row order.

    Raises
    ------
    ValueError
        When a path is not under ``root``.
    """
    return [Path(p).relative_to(root).as_posix() for p in table["path"]]


def save_split_csv(table: pd.DataFrame, root, csv_path) -> None:
    """Write each file's path (relative to ``root``) and split to
    ``csv_path``.

    The CSV (columns ``path``, ``split``) can be passed back as
    ``split_csv`` to reuse the split;
    :func:`xaiaudio.data.tables.load_sol_table` saves every split it draws
    in the cache.

    Parameters
    ----------
    table : pandas.DataFrame
        Has ``path`` and ``split`` columns.
    root : str or pathlib.Path
        The dataset folder; paths are written relative to it
        (:func:`relative_paths`).
    csv_path : str or pathlib.Path
        The file to write (overwritten).

    Raises
    ------
    ValueError
        When a path is not under ``root``.
    """
    relative = relative_paths(table, root)
    pd.DataFrame(
        {"path": relative, "split": table["split"].to_numpy()}
    ).to_csv(csv_path, index=False)


def load_split_csv(table: pd.DataFrame, root, csv_path) -> pd.Series:
    """Read a split saved by :func:`save_split_csv` and align it with
    ``table``'s rows.

    Raises ``ValueError`` when the CSV does not name exactly the table's
    files. Used by :func:`xaiaudio.data.tables.load_sol_table` when a
    chapter passes ``split_csv``.

    Parameters
    ----------
    table : pandas.DataFrame
        Has a ``path`` column of paths under ``root``.
    root : str or pathlib.Path
        The dataset folder the CSV's paths are relative to.
    csv_path : str or pathlib.Path
        A CSV with ``path`` and ``split`` columns.

    Returns
    -------
    pandas.Series
        The saved split of each row, indexed like ``table``.

    Raises
    ------
    ValueError
        When files of the table are missing from the CSV or the CSV lists
        files the table does not have (the message counts both).
    """
    saved = pd.read_csv(csv_path)
    by_path = dict(zip(saved["path"], saved["split"]))
    relative = relative_paths(table, root)
    missing = [p for p in relative if p not in by_path]
    extra = set(by_path) - set(relative)
    if missing or extra:
        raise ValueError(
            f"split CSV {csv_path} does not match the folder: "
            f"{len(missing)} files missing "
            f"from it, {len(extra)} listed but absent"
        )
    return pd.Series(
        [by_path[p] for p in relative], index=table.index, dtype=object
    )


def split_files(
    n: int, rng: np.random.Generator, fractions=(0.7, 0.1, 0.2)
) -> np.ndarray:
    """Random per-file split: shuffled, the first 70 % 'train', the next 10
    % 'val', the rest 'test'.

    Not stratified: the speakers' utterances are shuffled together. Used by
    :func:`xaiaudio.synth.voices.make_voice_corpus`.

    Parameters
    ----------
    n : int
        Number of files.
    rng : numpy.random.Generator
        Draws the permutation.
    fractions : sequence of float
        Shares of train and val (the first two entries; test gets the
        rest). Counts are rounded to the nearest file.

    Returns
    -------
    numpy.ndarray
        Strings (dtype ``<U5``), shape ``(n,)``: ``"train"``, ``"val"`` or
        ``"test"``.
    """
    order = rng.permutation(n)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    split = np.empty(n, dtype="<U5")
    split[order[:n_train]] = "train"
    split[order[n_train : n_train + n_val]] = "val"
    split[order[n_train + n_val :]] = "test"
    return split
