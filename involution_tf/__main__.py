"""Reproduce the course headlessly: run every notebook, in order, with papermill.

    python -m involution_tf reproduce [--quick] [--output DIR]

Each notebook of ``notebooks/`` runs from a fresh kernel into DIR (default ``reproduced/``), with
the parameters ``quick``, ``retrain=True`` (notebook 04 trains every model instead of reading the
committed records) and ``output_dir=DIR`` (where notebook 04 writes its result records and figures).
The committed notebooks are never overwritten. Full mode trains twelve networks: hours on a 2-core
CPU, minutes on a GPU; ``--quick`` runs everything on the committed samples in a few minutes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def reproduce(output: Path, quick: bool) -> list[Path]:
    """Execute every notebook into ``output``; return the executed notebooks' paths."""
    import papermill

    output.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks found in {NOTEBOOKS}")
    done = []
    for n, notebook in enumerate(notebooks, 1):
        print(f"[{n}/{len(notebooks)}] {notebook.name} ...", flush=True)
        start = time.perf_counter()
        papermill.execute_notebook(
            str(notebook),
            str(output / notebook.name),
            parameters=dict(quick=quick, retrain=True, output_dir=str(output.resolve())),
            cwd=str(NOTEBOOKS),
            kernel_name="python3",
            progress_bar=True,
        )
        print(
            f"[{n}/{len(notebooks)}] {notebook.name} done in {time.perf_counter() - start:.0f} s", flush=True
        )
        done.append(output / notebook.name)
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m involution_tf", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reproduce", help="execute every notebook in order into an output folder")
    run.add_argument("--quick", action="store_true", help="small sizes and the committed samples")
    run.add_argument("--output", default="reproduced", help="output folder (default: reproduced/)")
    args = parser.parse_args(argv)
    for path in reproduce(Path(args.output), args.quick):
        print(path)


if __name__ == "__main__":
    main()
