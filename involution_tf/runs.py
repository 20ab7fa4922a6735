"""The training queue: every training of the validation protocol and of the frontier sweep whose record is
missing, trained one at a time on the full dataset, each record saved as soon as its training ends.

What it trains, in this order: the protocol (every network, dataset and seed of :data:`SEEDS`); the
frontier sweep (the networks of :data:`~involution_tf.models.SWEPT_MODELS` at the other widths of
:data:`~involution_tf.models.WIDTHS`, same seeds); then, on CIFAR-10, where three runs a side cannot
resolve the RedNet's differences to its controls, one more seed at a time of the RedNet and of each
control whose 95% interval against it is wider than :data:`TARGET_HALF_WIDTH`, up to :data:`MAX_SEEDS`
(:func:`added_jobs`). The interval's width depends on the runs' spread, not on which side is ahead, so
this rule does not steer a verdict.

    python -m involution_tf runs status   # what is recorded, what is left and about how long, any queue
    python -m involution_tf runs run      # train what is missing, in the foreground
    python -m involution_tf runs start    # the same in the background (log: results/runs.log)
    python -m involution_tf runs stop     # stop the background queue

Each takes ``--results FILE`` (default ``results/runs.json`` of the checkout): the records it reads and
writes, with the queue's PID file and log beside it (``runs.pid``, ``runs.log`` for ``runs.json``).
A queue holds a lock on its PID file (with its PID in it) while it runs and removes the file when it ends;
``status`` and ``stop`` trust a PID only while its lock is held, so a stale file never gets another process
signalled (POSIX only: on Windows no queue is seen running). A stop (Ctrl-C, ``stop``, the machine's end)
loses only the training in progress: the next ``run`` or ``start`` begins with it.
Records go to the records file through :func:`~involution_tf.records.save_record`, which keeps every
record when two queues (two terminals, two machines sharing the folder) finish at once; a training that
another queue recorded meanwhile is skipped.
Never time steps or benchmarks while it runs: :mod:`involution_tf.benchmark` and
:mod:`involution_tf.train_steps` warn when it does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from involution_tf import comparison, data, models, training
from involution_tf.arguments import command
from involution_tf.records import (
    DEFAULT_RUNS,
    RecordExistsError,
    at_width,
    load_records,
    same_training,
    width_of,
)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

__all__ = [
    "SEEDS",
    "ADDED_SEEDS_DATASET",
    "TARGET_HALF_WIDTH",
    "MAX_SEEDS",
    "Job",
    "jobs",
    "added_jobs",
    "missing",
    "time_left",
    "run",
    "running",
    "BUSY_LOAD",
    "warn_if_running",
    "start",
    "stop",
    "main",
]

SEEDS = (0, 1, 2)
# Where seeds are added, up to how many, and until which half-width (in accuracy, 0.01 = 1 point).
ADDED_SEEDS_DATASET = "cifar10"
TARGET_HALF_WIDTH = 0.01
MAX_SEEDS = 8


class Job(NamedTuple):
    """One training: a network at a width factor on a dataset with a seed."""

    dataset: str
    model: str
    seed: int
    width: float = 1.0


def jobs(
    seeds: Sequence[int] = SEEDS,
    datasets: Sequence[str] = tuple(models.INPUT_SHAPES),
    model_names: Sequence[str] = models.MODELS,
    widths: Sequence[float] = models.WIDTHS,
) -> list[Job]:
    """The protocol's jobs (every network at width 1), then the sweep's (the networks of
    :data:`~involution_tf.models.SWEPT_MODELS` among ``model_names`` at the other ``widths``), each a whole
    seed before the next: a stopped queue has a complete picture to show early."""
    protocol = [Job(d, m, s) for s in seeds for d in datasets for m in model_names]
    swept = [m for m in model_names if m in models.SWEPT_MODELS]
    sweep = [Job(d, m, s, w) for s in seeds for d in datasets for m in swept for w in widths if w != 1]
    return protocol + sweep


def added_jobs(records: Sequence[dict]) -> list[Job]:
    """The next round of added CIFAR-10 seeds (see the module docstring): each control whose Welch 95%
    interval against the RedNet (:func:`~involution_tf.comparison.difference`) is still wider than
    ± :data:`TARGET_HALF_WIDTH`, at its next seed while it has fewer than :data:`MAX_SEEDS` runs, and the
    RedNet at that seed if it lacks it. A control is judged against the RedNet's runs of its own seeds, so
    that a round stopped halfway (the RedNet's new seed trained, a control's not) is finished as it began."""
    rednet = _by_seed(records, models.REDNET)
    chosen: list[Job] = []
    for control in models.CONTROLS:
        theirs = _by_seed(records, control)
        unpaired = [Job(ADDED_SEEDS_DATASET, models.REDNET, s) for s in theirs if s not in rednet]
        if unpaired or not 2 <= len(theirs) < MAX_SEEDS:
            chosen += unpaired
            continue
        paired = [rednet[s] for s in theirs]
        if comparison.difference(paired, list(theirs.values())).noise > 100 * TARGET_HALF_WIDTH:
            chosen += [Job(ADDED_SEEDS_DATASET, m, len(theirs)) for m in (models.REDNET, control)]
    wanted = dict.fromkeys(job for job in chosen if job.model != models.REDNET or job.seed not in rednet)
    return sorted(wanted, key=lambda job: job.model != models.REDNET)  # the RedNet first, each job once


def _by_seed(records: Sequence[dict], model: str) -> dict[int, float]:
    """The test accuracies of ``model``'s width-1 runs on :data:`ADDED_SEEDS_DATASET`, by seed."""
    return {
        r["seed"]: r["test_accuracy"]
        for r in at_width(records)
        if (r["dataset"], r["model"]) == (ADDED_SEEDS_DATASET, model)
    }


def missing(results: str | os.PathLike, wanted: Sequence[Job]) -> list[Job]:
    """The jobs without a record in ``results``."""
    done = load_records(results)
    return [job for job in map(_job, wanted) if not any(same_training(r, job._asdict()) for r in done)]


def _job(job: Sequence) -> Job:
    return job if isinstance(job, Job) else Job(*job)


def run(
    results: str | os.PathLike = DEFAULT_RUNS, wanted: Sequence[Job] | None = None, quick: bool = False
) -> int:
    """Train every missing job of ``wanted`` (default: :func:`jobs`, then :func:`added_jobs` round by
    round), one at a time; return how many it recorded. ``quick``: one epoch on the committed samples
    (never into the committed records)."""
    recorded = 0
    while todo := _next_jobs(results, wanted):
        recorded += _train(results, todo, quick)
        if wanted is not None:
            break
    return recorded


def _next_jobs(results: str | os.PathLike, wanted: Sequence[Job] | None) -> list[Job]:
    """What is left of ``wanted``; by default of :func:`jobs`, or else the next round of added seeds."""
    if wanted is not None:
        return missing(results, wanted)
    return missing(results, jobs()) or missing(results, added_jobs(load_records(results)))


def _train(results: str | os.PathLike, todo: Sequence[Job], quick: bool) -> int:
    """Train ``todo`` one job at a time; how many it recorded (another queue may record one first)."""
    recorded = 0
    for dataset, model, seed, width in todo:
        arrays = data.load_sample(dataset) if quick else None
        print(f"--- {dataset} {model} width {width:g} seed {seed}", flush=True)
        try:
            training.train_and_evaluate(
                model,
                dataset,
                arrays,
                training.quick_recipe(model, dataset) if quick else None,
                results,
                seed=seed,
                verbose=2,
                width=width,
            )
        except RecordExistsError as error:
            print(f"    recorded by another queue meanwhile: {error}", flush=True)
            continue
        recorded += 1
    return recorded


def pid_file(results: str | os.PathLike = DEFAULT_RUNS) -> Path:
    """The PID file of the queue that writes ``results``: beside it, with the suffix ``.pid``."""
    return Path(results).with_suffix(".pid")


def log_file(results: str | os.PathLike = DEFAULT_RUNS) -> Path:
    """The log of the background queue that writes ``results``: beside it, with the suffix ``.log``."""
    return Path(results).with_suffix(".log")


def running(results: str | os.PathLike = DEFAULT_RUNS) -> int | None:
    """The PID of the background queue writing ``results`` if one is running on this machine, else None.
    A PID is trusted only while the queue that wrote it holds the lock on the PID file: a file left by a
    queue that died, whose PID may since name another process, is ignored."""
    try:
        with open(pid_file(results)) as f:
            if _lock(f):  # nobody holds it: no queue is running (the lock goes with the file's closing)
                return None
            return int(f.read())
    except (OSError, ValueError):
        return None


def _lock(f) -> bool:
    """Try to take the exclusive lock on an open file without waiting; whether it was taken (always,
    where there are no POSIX locks)."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _queue_lock(results: str | os.PathLike = DEFAULT_RUNS) -> Iterator[None]:
    """Hold the lock on the PID file of ``results``, with this process's PID in it, while the queue runs,
    and remove the file when the queue ends; a ``ValueError`` if another queue holds it."""
    path = pid_file(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path) as f:
        f.truncate(0)
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def _locked(path: Path, attempts: int = 20):
    """``path`` opened and locked by this process; a ``ValueError`` naming the holder's PID if another
    queue holds it. A holder that lets go within a second (``running`` taking a look) is waited for, and
    a file that a queue removed as it ended, between our opening and locking it, is opened anew."""
    for _ in range(attempts):
        f = open(path, "a+")
        if _lock(f) and _still_at(f, path):
            return f
        f.seek(0)
        holder = f.read().strip()
        f.close()
        time.sleep(0.05)
    raise ValueError(f"a queue is already running (PID {holder}); `stop` it first.")


def _still_at(f, path: Path) -> bool:
    """Whether the open file ``f`` is still the file at ``path`` (not one removed since)."""
    try:
        return os.fstat(f.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


# The load average (runnable processes, over the last minute) from which a timing is warned of.
BUSY_LOAD = 1.0


def warn_if_running(what: str) -> None:
    """Say on stderr that something shares the machine with ``what``, whose times it skews: the checkout's
    background queue, or else any work that keeps the load average at :data:`BUSY_LOAD` or above (a
    queue on other records, a test run; POSIX only)."""
    pid = running()
    if pid is not None:
        print(
            f"WARNING: a training queue is running (PID {pid}): {what} shares the CPU with it, so its times "
            "are not to be kept. `python -m involution_tf runs stop` first.",
            file=sys.stderr,
        )
    elif hasattr(os, "getloadavg") and (load := os.getloadavg()[0]) >= BUSY_LOAD:
        print(
            f"WARNING: the machine's load average over the last minute is {load:.1f}: other work shares the "
            f"CPU with {what}, so its times are not to be kept. Let the machine settle first.",
            file=sys.stderr,
        )


def start(results: str | os.PathLike = DEFAULT_RUNS) -> int:
    """Start ``run`` into ``results`` in a background process of its own (it outlives the terminal);
    return its PID."""
    pid = running(results)
    if pid is not None:
        raise ValueError(f"a queue is already running (PID {pid}); `stop` it first.")
    log = log_file(results)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "involution_tf", "runs", "run", "--results", os.fspath(results)],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    for _ in range(600):  # until the queue holds its lock, so that `status` right after sees it
        if running(results) == process.pid:
            return process.pid
        if process.poll() is not None:
            raise ValueError(f"the queue ended at once (exit status {process.returncode}); see {log}.")
        time.sleep(0.1)
    return process.pid


def stop(results: str | os.PathLike = DEFAULT_RUNS) -> bool:
    """Stop the background queue writing ``results`` and the training it runs; whether one was running.
    Only a queue that holds the PID file's lock is signalled (:func:`running`)."""
    pid = running(results)
    if pid is None:
        return False
    try:
        if os.getpgid(pid) == pid:  # a queue `start` made leads its group: the training it runs goes too
            os.killpg(pid, signal.SIGTERM)
        else:  # a queue run in the foreground, in its shell's group: that process only
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:  # it ended meanwhile
        return False
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=command("runs"), description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("status", "run", "start", "stop"))
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RUNS, help=f"the records file (default {DEFAULT_RUNS})"
    )
    args = parser.parse_args(argv)
    results = args.results
    try:
        if args.command in ("run", "start"):
            data.check_datasets(sorted({job.dataset for job in _next_jobs(results, None)}))
        if args.command == "run":
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))  # `stop`: clean up, end
            with _queue_lock(results):
                print(f"recorded {run(results)} trainings into {results}")
        elif args.command == "start":
            print(f"queue started (PID {start(results)}); its log: {log_file(results)}")
        elif args.command == "stop":
            print("queue stopped" if stop(results) else "no queue was running")
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    _status(results)


def time_left(records: Sequence[dict], todo: Sequence[Job]) -> tuple[float, int]:
    """Hours of training ``todo`` would take, each job at the median of the recorded minutes of its
    network (same dataset, model and width), and how many jobs have no such run to go by."""
    hours, unknown = 0.0, 0
    for job in todo:
        seen = [
            r["total_seconds"]
            for r in records
            if (r["dataset"], r["model"], width_of(r)) == (job.dataset, job.model, job.width)
            and "total_seconds" in r
        ]
        if seen:
            hours += statistics.median(seen) / 3600
        else:
            unknown += 1
    return hours, unknown


def _status(results: Path) -> None:
    """Print how many trainings ``results`` holds, whether a queue is running, roughly how long what is
    left takes, and the next three."""
    done = load_records(results)
    left = missing(results, jobs())
    added = missing(results, added_jobs(done))
    pid = running(results)
    print(
        f"{len(jobs()) - len(left)} of {len(jobs())} trainings of the protocol and the sweep recorded in "
        f"{results}; {len(added)} added {ADDED_SEEDS_DATASET} seeds in the next round; "
        + (f"a queue is running (PID {pid})" if pid else "no queue is running")
    )
    if left:
        hours, unknown = time_left(done, left)
        print(
            f"  left: about {hours:.1f} h of training for the protocol and the sweep, each at its network's "
            f"median recorded time so far ({unknown} without a run to go by), then the added seeds"
        )
    for dataset, model, seed, width in (left or added)[:3]:
        print(f"  next: {dataset} {model} width {width:g} seed {seed}")


if __name__ == "__main__":
    main()
