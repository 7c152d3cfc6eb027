"""Runs in parallel processes: results by job, one torch thread per process, a dead process reported."""

import math
import os

import pytest
import torch

from xaiaudio.core.parallel import default_workers, run_in_processes
from xaiaudio.core.presets import setup


def test_results_are_keyed_by_job_index():
    assert run_in_processes(math.pow, [(2, 3), (3, 2), (10, 0)], workers=2) == {0: 8.0, 1: 9.0, 2: 1.0}


def test_each_process_has_one_torch_thread():
    assert run_in_processes(torch.get_num_threads, [(), ()], workers=2) == {0: 1, 1: 1}


def test_a_shared_object_reaches_every_job():
    from xaiaudio.core.parallel import worker_shared

    assert run_in_processes(worker_shared, [(), ()], workers=2, shared={"data": 7}) == {0: {"data": 7},
                                                                                       1: {"data": 7}}


def test_a_dead_process_is_reported_and_its_jobs_left_to_the_caller():
    with pytest.warns(UserWarning, match="worker process died"):
        assert run_in_processes(os._exit, [(3,)], workers=2) == {}


def test_an_exception_in_a_job_propagates():
    with pytest.raises(ValueError):
        run_in_processes(math.sqrt, [(-1.0,)], workers=2)


def test_default_workers():
    assert default_workers(setup("smoke", "cpu"), 8) == 1
    assert default_workers(setup("book", "cpu"), 1) == 1
    assert 1 <= default_workers(setup("book", "cpu"), 8) <= (os.cpu_count() or 1)
