"""The training queue: what it trains, in which order, that it resumes, and its background process."""

import os
import signal
import subprocess
import sys

import pytest

from involution_tf import models, records, runs


def test_every_network_dataset_and_seed_is_a_job_then_the_sweep_one_seed_at_a_time():
    jobs = runs.jobs()
    protocol = len(models.MODELS) * len(models.INPUT_SHAPES) * 3
    sweep = len(models.SWEPT_MODELS) * len(models.INPUT_SHAPES) * 3 * (len(models.WIDTHS) - 1)
    assert len(jobs) == protocol + sweep == len(set(jobs))
    assert all(job.width == 1 for job in jobs[:protocol])
    assert {(job.model, job.width) for job in jobs[protocol:]} == {
        (m, w) for m in models.SWEPT_MODELS for w in models.WIDTHS if w != 1
    }
    for part in (jobs[:protocol], jobs[protocol:]):
        assert [job.seed for job in part] == sorted(job.seed for job in part)


def _cifar(model, accuracies, width=1.0):
    return [
        dict(dataset="cifar10", model=model, seed=s, width=width, test_accuracy=a)
        for s, a in enumerate(accuracies)
    ]


def test_seeds_are_added_to_the_rednet_and_each_control_until_its_interval_is_narrow_enough():
    tight, loose = [0.800, 0.801, 0.802], [0.78, 0.82, 0.80]
    done = [
        *_cifar("rednet", tight),
        *_cifar("rednet_conv_control", [0.810, 0.811, 0.812]),  # ± 0.2 points: done
        *_cifar("rednet_depthwise_control", loose),  # ± 5 points: one more seed
        *_cifar("conv_matched_params", tight),
        *_cifar("rednet_depthwise_control", [0.5, 0.9, 0.1], width=2.0),  # another width: not counted
    ]
    assert runs.added_jobs(done) == [
        runs.Job("cifar10", "rednet", 3),
        runs.Job("cifar10", "rednet_depthwise_control", 3),
    ]
    # At MAX_SEEDS runs a side, no more, however wide the interval.
    capped = [*_cifar("rednet", loose * 3)[: runs.MAX_SEEDS], *_cifar("conv_matched_params", loose * 3)]
    assert runs.added_jobs(capped[: 2 * runs.MAX_SEEDS]) == []
    assert runs.added_jobs(done[:3]) == []  # no control recorded: nothing to compare


def test_a_round_stopped_halfway_is_finished_as_it_began():
    """The RedNet's added seed is trained, a wide control's is not: the control is judged against the
    RedNet's runs of its own seeds, so the RedNet's new run (which would narrow it) changes nothing."""
    loose = [0.78, 0.82, 0.80]
    stopped = [*_cifar("rednet", [0.800, 0.801, 0.802, 0.80]), *_cifar("rednet_depthwise_control", loose)]
    assert runs.added_jobs(stopped) == [runs.Job("cifar10", "rednet_depthwise_control", 3)]
    ahead = [*_cifar("rednet", [0.800, 0.801]), *_cifar("rednet_depthwise_control", loose)]
    assert runs.added_jobs(ahead) == [runs.Job("cifar10", "rednet", 2)]  # the RedNet's missing seed first


def test_the_queue_trains_what_is_missing_and_resumes_where_it_stopped(tmp_path):
    results = tmp_path / "runs.json"
    wanted = [runs.Job("mnist", "involution_swap", 0), runs.Job("mnist", "involution_swap", 1)]
    records.save_record(results, dict(dataset="mnist", model="involution_swap", seed=0, test_accuracy=0.5))
    assert runs.missing(results, wanted) == wanted[1:]
    assert runs.run(results, wanted, quick=True) == 1  # only the missing one
    assert runs.missing(results, wanted) == [] and runs.run(results, wanted, quick=True) == 0
    (_, trained) = records.load_records(results)
    assert trained["seed"] == 1 and trained["validation_images"] == 200 and trained["width"] == 1


def test_a_job_at_another_width_is_another_training(tmp_path):
    results = tmp_path / "runs.json"
    wanted = [runs.Job("mnist", "rednet", 0, 0.5)]
    records.save_record(results, dict(dataset="mnist", model="rednet", seed=0, test_accuracy=0.5))
    assert runs.missing(results, wanted) == wanted  # the record without a width is of width 1
    records.save_record(results, dict(dataset="mnist", model="rednet", seed=0, width=0.5))
    assert runs.missing(results, wanted) == []


def test_a_quick_queue_never_writes_the_committed_records():
    with pytest.raises(ValueError, match="committed full-run records"):
        runs.run(records.DEFAULT_RUNS, [("mnist", "involution_swap", 7)], quick=True)


def test_a_record_written_by_another_queue_meanwhile_is_skipped_not_fatal(tmp_path, monkeypatch):
    """The race: the record is missing when the queue looks, and present when the training ends."""
    trained = []

    def train(model, dataset, *args, seed, **kwargs):
        if seed == 0:
            raise records.RecordExistsError("`results` already holds the record of that training")
        trained.append(seed)

    monkeypatch.setattr(runs.training, "train_and_evaluate", train)
    wanted = [runs.Job("mnist", "involution_swap", 0), runs.Job("mnist", "involution_swap", 1)]
    assert runs.run(tmp_path / "runs.json", wanted) == 1 and trained == [1]
    monkeypatch.setattr(runs.training, "train_and_evaluate", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # any other failure still stops the queue
        runs.run(tmp_path / "runs.json", wanted)


_HOLD_THE_LOCK = """
import signal, sys, time
from pathlib import Path
from involution_tf import runs
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
with runs._queue_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_queue_is_trusted_only_while_it_holds_the_lock_and_stop_cleans_up(tmp_path):
    results, pid_file = tmp_path / "runs.json", tmp_path / "runs.pid"
    assert runs.pid_file(results) == pid_file
    assert runs.running(results) is None and not runs.stop(results)
    queue = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_LOCK, str(results)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert queue.stdout.readline() == "locked\n"
    assert runs.running(results) == queue.pid == int(pid_file.read_text())
    assert runs.running(tmp_path / "other.json") is None  # a queue is the queue of its records file
    with pytest.raises(ValueError, match=f"already running \\(PID {queue.pid}\\)"):
        runs.start(results)
    with pytest.raises(ValueError, match="already running"), runs._queue_lock(results):
        pass  # a second queue in the foreground is refused too
    assert runs.stop(results) and queue.wait(timeout=30) == 143
    assert not pid_file.exists() and runs.running(results) is None


def test_a_stale_pid_file_naming_a_live_unrelated_process_is_never_signalled(tmp_path):
    results = tmp_path / "runs.json"
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        runs.pid_file(results).write_text(str(sleeper.pid))  # a queue that died, its PID since reused
        assert runs.running(results) is None and not runs.stop(results)
        assert sleeper.poll() is None  # still alive: not signalled
    finally:
        sleeper.kill()
        sleeper.wait()


def test_timing_while_a_queue_runs_warns(monkeypatch, capsys):
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2), raising=False)
    monkeypatch.setattr(runs, "running", lambda: 4242)
    runs.warn_if_running("a benchmark")
    warning = capsys.readouterr().err
    assert "a training queue is running (PID 4242): a benchmark shares the CPU" in warning
    monkeypatch.setattr(runs, "running", lambda: None)
    runs.warn_if_running("a benchmark")
    assert capsys.readouterr().err == ""


def test_every_command_works_on_the_records_file_it_is_given(tmp_path, monkeypatch, capsys):
    """``--results`` names the records, and the queue's lock and log lie beside them."""
    results = tmp_path / "elsewhere" / "mine.json"
    records.save_record(results, dict(dataset="mnist", model="conv_baseline", seed=0))
    seen = []

    def run(where):
        seen.append((where, runs.running(where)))
        return 0

    monkeypatch.setattr(runs, "run", run)
    monkeypatch.setattr(runs.data, "check_datasets", lambda names: None)  # the datasets are there
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the queue's SIGTERM handler, not pytest's
    runs.main(["run", "--results", str(results)])
    assert seen == [(results, os.getpid())]  # it held the lock beside the records while it ran
    assert not runs.pid_file(results).exists()
    out = capsys.readouterr().out
    assert f"1 of {len(runs.jobs())} trainings of the protocol and the sweep recorded in {results}" in out
    assert runs.log_file(results) == tmp_path / "elsewhere" / "mine.log"


def test_stop_signals_a_foreground_queue_alone_never_its_shells_group(tmp_path):
    """A queue run in the foreground shares its shell's process group (here pytest's): only it is stopped."""
    results = tmp_path / "runs.json"
    queue = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_LOCK, str(results)], stdout=subprocess.PIPE, text=True
    )
    assert queue.stdout.readline() == "locked\n"
    assert os.getpgid(queue.pid) != queue.pid
    assert runs.stop(results) and queue.wait(timeout=30) == 143  # and pytest, in that group, still runs


def test_a_queue_waits_for_a_brief_look_at_its_lock_and_never_locks_a_removed_file(tmp_path):
    import fcntl
    import threading

    results = tmp_path / "runs.json"
    look = open(runs.pid_file(results), "a+")  # `running` in another process, looking
    fcntl.flock(look, fcntl.LOCK_EX | fcntl.LOCK_NB)
    threading.Timer(0.2, look.close).start()
    with runs._queue_lock(results):
        assert runs.running(results) == os.getpid()
    removed = open(runs.pid_file(results), "a+")  # opened just before a queue ending removed the file
    runs.pid_file(results).unlink()
    assert not runs._still_at(removed, runs.pid_file(results))
    removed.close()


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_queue_without_its_datasets_says_what_to_place_where_before_any_work(
    command, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("INVOLUTION_TF_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(runs.data, "download_reachable", lambda names: False)
    monkeypatch.setattr(runs, "run", lambda *args: 1 / 0)  # never reached
    monkeypatch.setattr(runs, "start", lambda *args: 1 / 0)
    results = tmp_path / "runs.json"
    with pytest.raises(SystemExit):
        runs.main([command, "--results", str(results)])
    error = capsys.readouterr().err
    assert "mnist, fashion_mnist, cifar10 are neither in" in error
    assert "Place mnist.npz, fashion_mnist.npz, cifar10.npz in" in error
    assert not runs.pid_file(results).exists()


def test_timing_on_a_busy_machine_warns_even_without_the_checkouts_queue(monkeypatch, capsys):
    monkeypatch.setattr(runs, "running", lambda: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.7, 0.5, 0.3), raising=False)
    runs.warn_if_running("a benchmark")
    assert "load average over the last minute is 1.7: other work shares the CPU with a benchmark" in (
        capsys.readouterr().err
    )
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.5, 0.3), raising=False)
    runs.warn_if_running("a benchmark")
    assert capsys.readouterr().err == ""


def test_status_says_roughly_how_long_what_is_left_takes_from_the_recorded_runs(tmp_path, capsys):
    """Each job at the median of its network's recorded minutes; a network without a run is counted apart."""
    timed = [
        dict(dataset="mnist", model="rednet", width=2.0, seed=s, total_seconds=t)
        for s, t in ((0, 600), (1, 1200), (2, 900))
    ]
    todo = [
        runs.Job("mnist", "rednet", 3, 2.0),
        runs.Job("mnist", "rednet", 4, 2.0),
        runs.Job("cifar10", "rednet", 0, 2.0),
    ]
    hours, unknown = runs.time_left(timed, todo)
    assert hours == pytest.approx(2 * 900 / 3600) and unknown == 1
    results = tmp_path / "runs.json"
    for record in timed:
        records.save_record(results, record)
    runs.main(["status", "--results", str(results)])
    out = capsys.readouterr().out
    assert "  left: about " in out and " h of training for the protocol and the sweep" in out
