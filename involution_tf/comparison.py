"""The convolution-vs-involution comparison, read from result records: tables, ratios and the README.

The records are what :func:`involution_tf.training.train_and_evaluate` wrote (``results/comparison.json``
for the committed full runs). Nothing here measures or types a figure of ours; the seed study's own
figures, which the comparison puts beside ours, are quoted from its presentation in :data:`SEED`.

    python -m involution_tf.comparison [--results FILE] [--train-steps FILE] [--seeds FILE]
        [--readme README.md]

prints the results table and the targets table (whose speed target reads the interleaved step measurement
of :mod:`involution_tf.train_steps`, and whose accuracy target also checks the records of other seeds)
and, with ``--readme``, writes them between the README's ``results`` and ``targets`` markers: run it again
after a new step measurement or seed.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from involution_tf.models import INPUT_SHAPES, MODELS
from involution_tf.records import (
    DEFAULT_RESULTS,
    DEFAULT_RUNS,
    DEFAULT_SEEDS,
    DEFAULT_TRAIN_STEPS,
    load_records,
    replace_section,
)

__all__ = [
    "SEED",
    "TARGETS",
    "DATASET_NAMES",
    "latest",
    "speed_ratios",
    "results_table",
    "targets_report",
    "Spread",
    "spread",
    "compare",
    "runs_table",
    "controls_table",
    "main",
]

DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}

# The seed study's results table (accuracy, trainable parameters, total training seconds on CPU and on
# GPU), as its presentation gives them. Its involution networks are our `involution_swap`.
SEED = {
    ("mnist", "conv_baseline"): dict(
        test_accuracy=0.9897, params=34_826, cpu_seconds=502.75, gpu_seconds=65.26
    ),
    ("mnist", "involution_swap"): dict(
        test_accuracy=0.8882, params=544, cpu_seconds=323.23, gpu_seconds=73.35
    ),
    ("fashion_mnist", "conv_baseline"): dict(
        test_accuracy=0.9191, params=257_162, cpu_seconds=982.03, gpu_seconds=86.23
    ),
    ("fashion_mnist", "involution_swap"): dict(
        test_accuracy=0.8234, params=3_916, cpu_seconds=621.97, gpu_seconds=479.08
    ),
    ("cifar10", "conv_baseline"): dict(
        test_accuracy=0.6478, params=319_178, cpu_seconds=1077.86, gpu_seconds=142.44
    ),
    ("cifar10", "involution_swap"): dict(
        test_accuracy=0.3110, params=13_074, cpu_seconds=922.53, gpu_seconds=203.27
    ),
}

# The course's targets for `rednet`: at least this test accuracy (and the baseline's), at most this fraction
# of the baseline's parameters, at most this many seconds of training on a 2-core CPU.
TARGETS = {"mnist": 0.993, "fashion_mnist": 0.925, "cifar10": 0.80}
MAX_PARAMS_FRACTION = 1 / 3
MAX_TRAINING_SECONDS = 15 * 60

# Each involution network and the convolution network it is timed against.
COUNTERPARTS = {"involution_swap": "conv_baseline", "rednet": "rednet_conv_control"}
# The RedNet's three controls, and what the RedNet against each of them measures.
CONTROLS = {
    "rednet_conv_control": "involution against a 3x3 convolution, everything else equal",
    "rednet_depthwise_control": "the generated, per-pixel kernel against a static KxK one per channel",
    "conv_matched_params": "involution against convolution at equal parameters",
}


def latest(records: Iterable[dict]) -> dict[tuple[str, str], dict]:
    """The last record of every (dataset, model) pair."""
    return {(r["dataset"], r["model"]): r for r in records}


def speed_ratios(records: Iterable[dict]) -> dict[tuple[str, str], float]:
    """Seconds per epoch of each involution network divided by its convolution counterpart's
    (below 1: the involution network trains faster), for every pair that has both records."""
    runs = latest(records)
    return {
        (dataset, model): runs[dataset, model]["seconds_per_epoch"] / runs[dataset, conv]["seconds_per_epoch"]
        for (dataset, model) in runs
        if model in COUNTERPARTS and (dataset, conv := COUNTERPARTS[model]) in runs
    }


def _seed_cells(dataset: str, model: str) -> str:
    seed = SEED.get((dataset, model))
    if seed is None:
        return "| | | |"
    return f"| {seed['test_accuracy']:.2%} | {seed['params']:,} | {seed['cpu_seconds']:.0f} s |"


def results_table(records: Iterable[dict]) -> str:
    """A markdown table of every dataset and model with records, the seed's figures beside ours."""
    runs = latest(records)
    ratios = speed_ratios(runs.values())
    lines = [
        "| dataset | model | test accuracy | parameters | epochs | s / epoch | total s | "
        "s / epoch vs conv | seed accuracy | seed parameters | seed CPU time |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset in INPUT_SHAPES:
        for model in MODELS:
            run = runs.get((dataset, model))
            if run is None:
                continue
            ratio = ratios.get((dataset, model))
            lines.append(
                f"| {DATASET_NAMES[dataset]} | {model} | {run['test_accuracy']:.2%} | {run['params']:,} | "
                f"{run['epochs']} | {run['seconds_per_epoch']:.1f} | {run['total_seconds']:.0f} | "
                f"{'' if ratio is None else f'{ratio:.2f}x'} {_seed_cells(dataset, model)}"
            )
    devices = sorted({r["device"] for r in runs.values()})
    lines += ["", f"Device: {'; '.join(devices)}." if devices else "No records yet."]
    return "\n".join(lines)


def step_ratios(row: dict) -> tuple[float, float, float, float, float]:
    """A :mod:`involution_tf.train_steps` row's ratios, the involution network's step over its
    counterpart's: as ``fit`` runs them on a CPU, both with the whole step compiled by XLA, each at its
    faster setting (XLA or not), then the floors - the involution network with a zero-cost involution
    op - as ``fit`` runs them and each at its faster setting."""
    counterpart_best = min(row["counterpart_seconds"], row["xla_counterpart_seconds"])
    return (
        row["seconds"] / row["counterpart_seconds"],
        row["xla_seconds"] / row["xla_counterpart_seconds"],
        min(row["seconds"], row["xla_seconds"]) / counterpart_best,
        row["zero_op_seconds"] / row["counterpart_seconds"],
        min(row["zero_op_seconds"], row["xla_zero_op_seconds"]) / counterpart_best,
    )


def _verdict(ok: bool, text: str) -> str:
    return f"{text}: {'met' if ok else 'MISSED'}"


def _accuracy_cell(rednet: dict, wanted: float, seeds: Iterable[dict]) -> str:
    """The ``rednet`` record's test accuracy against the target, then each other seed's of its dataset."""
    others = [r for r in seeds if (r["dataset"], r["model"]) == (rednet["dataset"], "rednet")]
    verdicts = [_verdict(rednet["test_accuracy"] >= wanted, f"{rednet['test_accuracy']:.2%} ({wanted:.2%})")]
    for other in sorted(others, key=lambda r: r["seed"]):
        verdicts.append(
            _verdict(other["test_accuracy"] >= wanted, f"seed {other['seed']} {other['test_accuracy']:.2%}")
        )
    return "; ".join(verdicts)


def targets_report(
    records: Iterable[dict], train_steps: dict | None = None, seeds: Iterable[dict] = ()
) -> str:
    """A markdown table, one row per dataset: does the ``rednet`` record meet each target? (met / MISSED,
    with figures).

    With ``train_steps`` (a record of :mod:`involution_tf.train_steps`), also the speed target: a training
    step no slower than the convolution control's, as measured there (interleaved, so on the same machine),
    both as ``fit`` runs them on a CPU and with each network at its faster setting; beside them, the floors
    that no faster involution op could go below (the RedNet with a zero-cost op). ``seeds`` are records of
    the same trainings with other seeds (``results/seeds.json``): their ``rednet`` accuracies are checked
    beside the record's, so that a target met by luck shows.
    """
    runs, seeds = latest(records), list(seeds)
    step_rows = {
        row["dataset"]: row
        for row in (train_steps or {}).get("rows", [])
        if (row["model"], row["counterpart"]) == ("rednet", "rednet_conv_control")
    }
    lines = [
        "| dataset | test accuracy (target), then other seeds | parameters / conv_baseline's (target <= 1/3) "
        "| training time (target <= 15 min) | training step / conv control's, as fit runs them and faster vs "
        "faster (target <= 1x; the floors: the RedNet with a zero-cost involution op) |",
        "|---|---|---|---|---|",
    ]
    for dataset, target in TARGETS.items():
        rednet, baseline = runs.get((dataset, "rednet")), runs.get((dataset, "conv_baseline"))
        if rednet is None or baseline is None:
            lines.append(f"| {DATASET_NAMES[dataset]} | no rednet and conv_baseline records to check | | | |")
            continue
        wanted = max(target, baseline["test_accuracy"])
        fraction = rednet["params"] / baseline["params"]
        cells = [
            _accuracy_cell(rednet, wanted, seeds),
            _verdict(fraction <= MAX_PARAMS_FRACTION, f"{fraction:.3f}"),
            _verdict(
                rednet["total_seconds"] <= MAX_TRAINING_SECONDS, f"{rednet['total_seconds'] / 60:.1f} min"
            ),
        ]
        if dataset in step_rows:
            as_fit, _, fastest, floor, fastest_floor = step_ratios(step_rows[dataset])
            text = (
                f"{as_fit:.2f}x and {fastest:.2f}x "
                f"(floors with a zero-cost op {floor:.2f}x and {fastest_floor:.2f}x)"
            )
            cells.append(_verdict(max(as_fit, fastest) <= 1, text))
        else:
            cells.append("not measured")
        lines.append(f"| {DATASET_NAMES[dataset]} | {' | '.join(cells)} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (0 for one run) and number of runs of a figure."""

    mean: float
    sd: float
    n: int

    def percent(self) -> str:
        """As the tables show it: ``99.12 ± 0.05% (3)``."""
        return f"{100 * self.mean:.2f} ± {100 * self.sd:.2f}% ({self.n})"


def spread(values: Sequence[float]) -> Spread:
    """The :class:`Spread` of one figure over runs (at least one)."""
    if not values:
        raise ValueError("`values` must hold at least one run's figure, got none.")
    return Spread(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0, len(values))


def compare(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """Our mean accuracy minus theirs, in points, and whether it exceeds the runs' spread: twice the
    standard error of the difference of means, sqrt(sd1²/n1 + sd2²/n2) (about a 95% interval); with fewer
    than two runs on a side there is no spread to compare with."""
    a, b = spread(ours), spread(theirs)
    points = 100 * (a.mean - b.mean)
    if min(a.n, b.n) < 2:
        return f"{points:+.2f} points: too few runs to tell ({a.n} and {b.n})"
    noise = 200 * math.sqrt(a.sd**2 / a.n + b.sd**2 / b.n)
    if abs(points) <= noise:
        return f"within noise ({points:+.2f} ± {noise:.2f} points)"
    return f"{'ahead' if points > 0 else 'behind'} by {abs(points):.2f} points (± {noise:.2f})"


def _accuracies(records: Iterable[dict], dataset: str, model: str, key: str = "test_accuracy") -> list[float]:
    return [r[key] for r in records if (r["dataset"], r["model"]) == (dataset, model)]


def runs_table(records: Iterable[dict]) -> str:
    """A markdown table of every dataset and network of the validation protocol: test and validation
    accuracy as mean ± sd (runs), parameters, training time; the student study's figures beside its two."""
    records = list(records)
    lines = [
        "| dataset | model | test accuracy | validation accuracy | parameters | s / epoch | longest run min "
        "| student study's accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset in INPUT_SHAPES:
        for model in MODELS:
            runs = [r for r in records if (r["dataset"], r["model"]) == (dataset, model)]
            if not runs:
                continue
            study = SEED.get((dataset, model))
            study_accuracy = "" if study is None else f"{study['test_accuracy']:.2%}"
            test = spread([r["test_accuracy"] for r in runs]).percent()
            lines.append(
                f"| {DATASET_NAMES[dataset]} | {model} | {test} "
                f"| {spread([r['validation_accuracy'] for r in runs]).percent()} | {runs[0]['params']:,} "
                f"| {statistics.median(r['seconds_per_epoch'] for r in runs):.1f} "
                f"| {max(r['total_seconds'] for r in runs) / 60:.1f} "
                f"| {study_accuracy} |"
            )
    devices = sorted({r["device"] for r in records})
    lines += ["", f"Device: {'; '.join(devices)}." if devices else "No records yet."]
    return "\n".join(lines)


def controls_table(records: Iterable[dict]) -> str:
    """The RedNet against each of its controls, per dataset: the difference of mean test accuracies and
    whether it exceeds the runs' spread (:func:`compare`)."""
    records = list(records)
    lines = ["| dataset | RedNet against | what it measures | RedNet's test accuracy |", "|---|---|---|---|"]
    for dataset in INPUT_SHAPES:
        rednet = _accuracies(records, dataset, "rednet")
        for control, meaning in CONTROLS.items():
            theirs = _accuracies(records, dataset, control)
            if rednet and theirs:
                lines.append(
                    f"| {DATASET_NAMES[dataset]} | {control} | {meaning} | {compare(rednet, theirs)} |"
                )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Print (and put in the README) the comparison tables.")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="JSON results file to read")
    parser.add_argument(
        "--train-steps",
        default=str(DEFAULT_TRAIN_STEPS),
        help="JSON file of python -m involution_tf.train_steps, for the speed target (skipped if absent)",
    )
    parser.add_argument(
        "--seeds", default=str(DEFAULT_SEEDS), help="JSON records of other seeds, checked beside the targets"
    )
    parser.add_argument(
        "--runs", default=str(DEFAULT_RUNS), help="JSON records of the validation protocol's runs"
    )
    parser.add_argument(
        "--readme", help="replace the results, targets, runs and controls sections of this README"
    )
    args = parser.parse_args(argv)
    runs = load_records(args.results)
    steps_file = Path(args.train_steps)
    steps = json.loads(steps_file.read_text()) if steps_file.exists() else None
    table, targets = results_table(runs), targets_report(runs, steps, load_records(args.seeds))
    protocol = load_records(args.runs)
    spreads, controls = runs_table(protocol), controls_table(protocol)
    print(f"{table}\n\n{targets}\n\n{spreads}\n\n{controls}")
    if args.readme:
        for section, text in (
            ("results", table),
            ("targets", targets),
            ("runs", spreads),
            ("controls", controls),
        ):
            replace_section(args.readme, section, text)


if __name__ == "__main__":
    main()
