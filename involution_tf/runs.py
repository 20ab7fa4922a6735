"""The training queue of the validation protocol: every (dataset, model, seed) whose record is missing,
trained one at a time on the full dataset, each record saved as soon as its training ends.

    python -m involution_tf.runs status   # what is recorded, what is left, whether a queue is running
    python -m involution_tf.runs run      # train what is missing, in the foreground
    python -m involution_tf.runs start    # the same in the background (log: results/runs.log)
    python -m involution_tf.runs stop     # stop the background queue

A stop (Ctrl-C, ``stop``, the machine's end) loses only the training in progress: the next ``run`` or
``start`` begins with it. Records go to ``results/runs.json`` through
:func:`~involution_tf.records.save_record`, which keeps every record when two queues (two terminals, two
machines sharing the folder) finish at once; a training that another queue recorded meanwhile is skipped.
Never time steps or benchmarks while it runs: :mod:`involution_tf.benchmark` and
:mod:`involution_tf.train_steps` warn when it does.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from involution_tf import data, models, training
from involution_tf.records import DEFAULT_RUNS, load_records, same_training

__all__ = ["SEEDS", "jobs", "missing", "run", "running", "warn_if_running", "start", "stop", "main"]

SEEDS = (0, 1, 2)
PID_FILE = DEFAULT_RUNS.with_name("runs.pid")
LOG_FILE = DEFAULT_RUNS.with_name("runs.log")

Job = tuple[str, str, int]


def jobs(
    seeds: Sequence[int] = SEEDS,
    datasets: Sequence[str] = tuple(models.INPUT_SHAPES),
    model_names: Sequence[str] = models.MODELS,
) -> list[Job]:
    """Every (dataset, model, seed) of the protocol, a whole seed before the next: one seed of every
    network first, so that a stopped queue has a complete picture to show early."""
    return [(d, m, s) for s in seeds for d in datasets for m in model_names]


def missing(results: str | os.PathLike, wanted: Sequence[Job]) -> list[Job]:
    """The jobs without a record in ``results``."""
    done = load_records(results)
    return [
        (d, m, s)
        for d, m, s in wanted
        if not any(same_training(r, dict(dataset=d, model=m, seed=s)) for r in done)
    ]


def run(
    results: str | os.PathLike = DEFAULT_RUNS, wanted: Sequence[Job] | None = None, quick: bool = False
) -> int:
    """Train every missing job of ``wanted`` (default: :func:`jobs`), one at a time; return how many it
    recorded. ``quick``: one epoch on the committed samples (never into the committed records)."""
    recorded = 0
    for dataset, model, seed in missing(results, jobs() if wanted is None else wanted):
        arrays = data.load_sample(dataset) if quick else None
        print(f"--- {dataset} {model} seed {seed}", flush=True)
        try:
            training.train_and_evaluate(
                model,
                dataset,
                arrays,
                training.quick_recipe(model, dataset) if quick else None,
                results,
                seed=seed,
                verbose=2,
            )
        except ValueError as error:
            if "already holds the record" not in str(error):
                raise
            print(f"    recorded by another queue meanwhile: {error}", flush=True)
            continue
        recorded += 1
    return recorded


def running() -> int | None:
    """The PID of the background queue if one is running on this machine, else None."""
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def warn_if_running(what: str) -> None:
    """Say on stderr that a background training shares the machine with ``what``, whose times it skews."""
    pid = running()
    if pid is not None:
        print(
            f"WARNING: a training queue is running (PID {pid}): {what} shares the CPU with it, so its times "
            "are not to be kept. `python -m involution_tf.runs stop` first.",
            file=sys.stderr,
        )


def start() -> int:
    """Start ``run`` in a background process of its own (it outlives the terminal); return its PID."""
    pid = running()
    if pid is not None:
        raise ValueError(f"a queue is already running (PID {pid}); `stop` it first.")
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG_FILE, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "involution_tf.runs", "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    PID_FILE.write_text(str(process.pid))
    return process.pid


def stop() -> bool:
    """Stop the background queue and the training it runs; whether one was running."""
    pid = running()
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    PID_FILE.unlink(missing_ok=True)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m involution_tf.runs", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("status", "run", "start", "stop"))
    args = parser.parse_args(argv)
    if args.command == "run":
        print(f"recorded {run()} trainings into {DEFAULT_RUNS}")
    elif args.command == "start":
        try:
            print(f"queue started (PID {start()}); its log: {LOG_FILE}")
        except ValueError as error:
            parser.error(str(error))
    elif args.command == "stop":
        print("queue stopped" if stop() else "no queue was running")
    left = missing(DEFAULT_RUNS, jobs())
    pid = running()
    print(
        f"{len(jobs()) - len(left)} of {len(jobs())} trainings recorded in {DEFAULT_RUNS}; "
        + (f"a queue is running (PID {pid})" if pid else "no queue is running")
    )
    for dataset, model, seed in left[:3]:
        print(f"  next: {dataset} {model} seed {seed}")


if __name__ == "__main__":
    main()
