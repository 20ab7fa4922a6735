"""The course's command line: every notebook run headlessly, and the package's other commands.

    python -m involution_tf reproduce [--quick | --retrain] [--output DIR]
    python -m involution_tf site | runs | train | compare | benchmark | train-steps | samples ...

Each notebook of ``notebooks/`` runs from a fresh kernel into DIR, a new folder (default
``reproduced/<mode>-<date>-<time>``; a folder that already holds files is refused, so runs never
overwrite each other), with the parameters ``quick``, ``retrain`` and ``output_dir=DIR``. By default
every notebook runs at full size and notebooks 04 and 05 read the committed records of the full trainings.
``--retrain`` makes notebook 05 run its 54 trainings again on the full datasets, hours on a 2-core CPU
(the README gives the measured time); it first checks that the datasets are in the cache or can be
downloaded. ``--quick`` runs everything on small sizes and the committed samples. The committed
notebooks and records are never written.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
from pathlib import Path

from involution_tf.arguments import command
from involution_tf.records import COURSE_ROOT

NOTEBOOKS = COURSE_ROOT / "notebooks"


def reproduce(
    output: Path, quick: bool, retrain: bool = False, notebooks_dir: Path | None = None
) -> list[Path]:
    """Execute every notebook of ``notebooks_dir`` (default: the checkout's notebooks/) into ``output``
    (absent or empty); return the executed notebooks' paths."""
    import papermill

    folder = Path(notebooks_dir or NOTEBOOKS)
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no notebooks found in {folder}: run from a checkout of the course, or pass --notebooks DIR"
        )
    check_output(output)
    if retrain and not quick:
        check_datasets()
    output.mkdir(parents=True, exist_ok=True)
    done = []
    for n, notebook in enumerate(notebooks, 1):
        print(f"[{n}/{len(notebooks)}] {notebook.name} ...", flush=True)
        start = time.perf_counter()
        wanted = dict(quick=quick, retrain=retrain, output_dir=str(output.resolve()))
        declared = papermill.inspect_notebook(str(notebook))  # each notebook gets only the ones it has
        papermill.execute_notebook(
            str(notebook),
            str(output / notebook.name),
            parameters={name: value for name, value in wanted.items() if name in declared},
            cwd=str(folder),
            kernel_name="python3",
            progress_bar=True,
            log_output=True,  # the notebook's printed output as it runs: a training shows its epochs
            **_local_kernel(),
        )
        print(
            f"[{n}/{len(notebooks)}] {notebook.name} done in {time.perf_counter() - start:.0f} s", flush=True
        )
        done.append(output / notebook.name)
    return done


def _local_kernel() -> dict:
    """Papermill's options for a kernel reached over local IPC sockets where the system has them: no
    network port, so the kernel has no unencrypted TCP to warn about."""
    if os.name != "posix":
        return {}
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class LocalKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc")

    return {"kernel_manager_class": LocalKernelManager}


def _show_papermills_log() -> None:
    """Print papermill's log, which carries the notebooks' output as they run, as plain lines."""
    log = logging.getLogger("papermill")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def check_output(output: Path) -> None:
    """A run writes into a new or empty folder only, so that it never overwrites another run's."""
    if output.exists() and any(output.iterdir()):
        raise ValueError(
            f"`output` {output} already holds files; name a new folder so that no run is overwritten."
        )


def check_datasets() -> None:
    """Before a retraining: every full dataset must be in the cache or downloadable; else say what to do."""
    from involution_tf import data

    try:
        data.check_datasets()
    except FileNotFoundError as error:
        raise SystemExit(f"Retraining needs the full datasets, and {error}") from None


# The package's other commands, each a module with its own main(argv) and --help: `python -m
# involution_tf NAME ...` runs it (its old spelling, `python -m involution_tf.MODULE ...`, works too).
COMMANDS = {
    "site": ("site", "build the course's website"),
    "runs": ("runs", "the training queue: status, run, start, stop"),
    "train": ("training", "train one network on one dataset and record it"),
    "compare": ("comparison", "print the comparison tables of the records"),
    "benchmark": ("benchmark", "time the op and the layer against convolution"),
    "train-steps": ("train_steps", "time the training steps of the networks, interleaved"),
    "samples": ("data", "rebuild the committed samples from the full datasets"),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog=command(), description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reproduce", help="execute every notebook in order into a new output folder")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_true", help="a check that everything runs: small sizes, one epoch (minutes)"
    )
    mode.add_argument(
        "--retrain",
        action="store_true",
        help="notebook 05 runs its trainings again on the full datasets (hours on a 2-core CPU)",
    )
    run.add_argument(
        "--output", help="a new or empty output folder (default: reproduced/<mode>-<date>-<time>)"
    )
    run.add_argument("--notebooks", help=f"the course's notebooks folder (default: {NOTEBOOKS})")
    for name, (_, description) in COMMANDS.items():
        commands.add_parser(name, help=f"{description} ({command(name)} --help)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command in COMMANDS:
        module = importlib.import_module(f"involution_tf.{COMMANDS[args.command][0]}")
        return module.main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    mode_name = "quick" if args.quick else "retrain" if args.retrain else "full"
    output = Path(args.output or f"reproduced/{mode_name}-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        check_output(output)
    except ValueError as error:
        parser.error(str(error))
    _show_papermills_log()
    try:
        done = reproduce(output, args.quick, args.retrain, args.notebooks)
    except FileNotFoundError as error:
        parser.error(str(error))
    for path in done:
        print(path)


if __name__ == "__main__":
    main()
