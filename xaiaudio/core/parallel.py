"""Independent training runs in parallel processes, one torch thread each.

On a CPU, the small models of the book train fastest one per core with one
intra-op thread each: the seeds of the scorecard and the runs of the budget
curves go through :func:`run_in_processes`. Every run writes its artefacts
to the on-disk cache, so a run that a dead process did not finish is simply
done again by the caller, in its own process.

No worker outlives the run that started it: an exception in the caller (a
``KeyboardInterrupt`` from a notebook's interrupt, the ``SystemExit`` of a
command's signal handler) terminates the workers, and each worker exits by
itself when its parent process dies (``SIGKILL``, a kernel restart).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable, Sequence

import torch

from xaiaudio.core import work_ledger
from xaiaudio.core.presets import RunConfig


def default_workers(config: RunConfig, n_jobs: int) -> int:
    """Processes for ``n_jobs`` independent runs: one per CPU core on the
    CPU; one on a GPU and at the smoke preset, whose runs take less time
    than starting a process.

    Parameters
    ----------
    config : RunConfig
        The preset and device of the runs.
    n_jobs : int
        How many runs there are (no more processes than runs).

    Returns
    -------
    int
        The number of processes (1: run in the calling process).
    """
    if config.device.type != "cpu" or config.preset.name == "smoke":
        return 1
    return max(1, min(n_jobs, os.cpu_count() or 1))


#: What :func:`run_in_processes` sent to this worker process once
#: (``shared``), for :func:`worker_shared`.
_SHARED: list = [None]


def _exit_with_parent() -> None:
    # blocks until the parent process has ended, however it ended
    multiprocessing.parent_process().join()
    os._exit(1)


def _start_worker(shared, workers: int) -> None:
    # one process per core: more threads would only contend
    torch.set_num_threads(1)
    work_ledger.set_pool_size(workers)
    _SHARED[0] = shared
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def worker_shared():
    """In a job of :func:`run_in_processes`: the ``shared`` object sent
    to this process once."""
    return _SHARED[0]


def run_in_processes(
    function: Callable,
    jobs: Sequence[tuple],
    workers: int,
    shared=None,
    on_result: Callable[[int, object], None] | None = None,
) -> dict:
    """``function(*job)`` for every job, in ``workers`` spawned processes
    with one torch thread each.

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled to the processes).
    jobs : sequence of tuple
        The arguments of each call, in the order they should start (longest
        first pays off).
    workers : int
        Number of processes (at least 2; callers run in their own process
        when it is 1).
    shared : object, optional
        Sent once to each process (e.g. a large dataset, instead of with
        every job); a job reads it with :func:`worker_shared`.
    on_result : callable, optional
        Called as ``on_result(index, result)`` in this process when a job
        finishes (e.g. to move a progress bar).

    Returns
    -------
    dict
        Index of a job in ``jobs`` -> what ``function`` returned, for every
        job that finished. When a process dies (e.g. out of memory) a
        warning says so and the jobs that did not finish are missing: the
        caller runs them itself. An exception raised by ``function``
        propagates.
    """
    # a fresh interpreter: safe under Jupyter and torch
    context = multiprocessing.get_context("spawn")
    results = {}
    pool = concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(shared, workers),
    )
    try:
        futures = {
            pool.submit(function, *job): index
            for index, job in enumerate(jobs)
        }
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
            if on_result is not None:
                on_result(futures[future], results[futures[future]])
    except concurrent.futures.process.BrokenProcessPool:
        warnings.warn(
            f"a worker process died; {len(jobs) - len(results)} of "
            f"{len(jobs)} jobs are left "
            "to the calling process",
            stacklevel=2,
        )
    except BaseException:
        # interrupted, or a job failed: stop the others now rather than
        # let them finish jobs nobody will read
        _terminate(pool)
        raise
    pool.shutdown()
    return results


def _terminate(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop every worker of ``pool`` at once (``shutdown`` alone waits for
    the running jobs)."""
    # the executor keeps its processes in a private mapping; copy it
    # before shutdown clears it
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
