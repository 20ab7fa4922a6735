"""The training queue: what it trains, in which order, that it resumes, and its background process."""

import os
import subprocess

import pytest

from involution_tf import models, records, runs


def test_every_network_dataset_and_seed_is_a_job_one_seed_at_a_time():
    jobs = runs.jobs()
    assert len(jobs) == len(models.MODELS) * len(models.INPUT_SHAPES) * 3 == len(set(jobs))
    assert [seed for _, _, seed in jobs] == sorted(seed for _, _, seed in jobs)


def test_the_queue_trains_what_is_missing_and_resumes_where_it_stopped(tmp_path):
    results = tmp_path / "runs.json"
    wanted = [("mnist", "involution_swap", 0), ("mnist", "involution_swap", 1)]
    records.save_record(results, dict(dataset="mnist", model="involution_swap", seed=0, test_accuracy=0.5))
    assert runs.missing(results, wanted) == wanted[1:]
    assert runs.run(results, wanted, quick=True) == 1  # only the missing one
    assert runs.missing(results, wanted) == [] and runs.run(results, wanted, quick=True) == 0
    (_, trained) = records.load_records(results)
    assert trained["seed"] == 1 and trained["validation_images"] == 200


def test_a_quick_queue_never_writes_the_committed_records():
    with pytest.raises(ValueError, match="committed full-run records"):
        runs.run(records.DEFAULT_RUNS, [("mnist", "involution_swap", 7)], quick=True)


def test_the_background_queue_is_found_refused_twice_and_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "PID_FILE", tmp_path / "runs.pid")
    assert runs.running() is None
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    (tmp_path / "runs.pid").write_text(str(sleeper.pid))
    assert runs.running() == sleeper.pid
    with pytest.raises(ValueError, match="already running"):
        runs.start()
    assert runs.stop() and sleeper.wait(timeout=10) != 0
    assert runs.running() is None and not runs.stop()
    (tmp_path / "runs.pid").write_text(str(os.getpid()))
    runs.warn_if_running("a benchmark")  # this process stands in for a queue
