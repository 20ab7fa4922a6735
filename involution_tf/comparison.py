"""The convolution-vs-involution comparison, read from result records: tables, ratios and the README.

The records are what :func:`involution_tf.training.train_and_evaluate` wrote: ``results/runs.json`` for
the validation protocol's runs (every network, three seeds), ``results/comparison.json`` for the earlier
single runs. Nothing here measures or types a figure of ours; the student study's own figures, which the
tables put beside ours, are quoted from its presentation in :data:`STUDY`.

    python -m involution_tf.comparison [--results FILE] [--runs FILE] [--readme README.md]

prints the tables and, with ``--readme``, writes them between the README's ``results``, ``runs``,
``controls`` and ``findings`` markers: run it again after new records.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import tensorflow as tf

from involution_tf.models import INPUT_SHAPES, MODELS
from involution_tf.records import (
    DEFAULT_RESULTS,
    DEFAULT_RUNS,
    at_width,
    load_records,
    replace_section,
)

__all__ = [
    "STUDY",
    "DATASET_NAMES",
    "latest",
    "speed_ratios",
    "results_table",
    "Spread",
    "spread",
    "t_quantile",
    "welch_t",
    "standard_error",
    "Difference",
    "difference",
    "compare",
    "findings",
    "runs_table",
    "controls_table",
    "main",
]

DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}

# The student study's results table (accuracy, trainable parameters, total training seconds on CPU and on
# GPU), as its presentation gives them. Its involution networks are our `involution_swap`.
STUDY = {
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


def _study_cells(dataset: str, model: str) -> str:
    study = STUDY.get((dataset, model))
    if study is None:
        return "| | | |"
    return f"| {study['test_accuracy']:.2%} | {study['params']:,} | {study['cpu_seconds']:.0f} s |"


def results_table(records: Iterable[dict]) -> str:
    """A markdown table of every dataset and model with records, the student study's figures beside ours."""
    runs = latest(records)
    ratios = speed_ratios(runs.values())
    lines = [
        "| dataset | model | test accuracy | parameters | epochs | s / epoch | total s | "
        "s / epoch vs conv | study's accuracy | study's parameters | study's CPU time |",
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
                f"{'' if ratio is None else f'{ratio:.2f}x'} {_study_cells(dataset, model)}"
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


def t_quantile(probability: float, df: float) -> float:
    """Student's t quantile: the value a t-distributed variable with ``df`` degrees of freedom stays
    below with ``probability`` (between 0.5 and 1). Bisection on its distribution function,
    1 - I_x(df/2, 1/2) / 2 with x = df / (df + t²), I the regularized incomplete beta function
    (TensorFlow's); the normal quantile for infinite ``df``."""
    if not 0.5 < probability < 1:
        raise ValueError(f"`probability` must lie between 0.5 and 1, got {probability!r}.")
    if not df > 0:
        raise ValueError(f"`df` must be positive, got {df!r}.")
    if math.isinf(df):
        return statistics.NormalDist().inv_cdf(probability)
    tail = tf.constant(2 * (1 - probability), tf.float64)
    low, high = 0.0, 1e6
    for _ in range(100):
        t = (low + high) / 2
        x = tf.constant(df / (df + t * t), tf.float64)
        if tf.math.betainc(tf.constant(df / 2, tf.float64), tf.constant(0.5, tf.float64), x) > tail:
            low = t
        else:
            high = t
    return (low + high) / 2


def welch_t(ours: Sequence[float], theirs: Sequence[float], probability: float = 0.975) -> float:
    """The t quantile of Welch's interval for a difference of means (two runs a side at least): Student's
    t with the Welch-Satterthwaite degrees of freedom, (v1 + v2)² / (v1²/(n1-1) + v2²/(n2-1)), v = s²/n."""
    if min(len(ours), len(theirs)) < 2:
        raise ValueError(
            f"`ours` and `theirs` must hold two runs each at least, got {len(ours)} and {len(theirs)}."
        )
    v1, v2 = _variances_of_means(ours, theirs)
    if v1 + v2 == 0:
        return t_quantile(probability, math.inf)
    return t_quantile(probability, (v1 + v2) ** 2 / (v1**2 / (len(ours) - 1) + v2**2 / (len(theirs) - 1)))


def standard_error(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """The standard error of the difference of two means, sqrt(s1²/n1 + s2²/n2)."""
    return math.sqrt(sum(_variances_of_means(ours, theirs)))


def _variances_of_means(ours: Sequence[float], theirs: Sequence[float]) -> tuple[float, float]:
    """s²/n of each side: the variance of its mean."""
    return spread(ours).sd ** 2 / len(ours), spread(theirs).sd ** 2 / len(theirs)


@dataclass(frozen=True)
class Difference:
    """Our mean accuracy minus theirs, in points, the half-width of its 95% interval (None with fewer than
    two runs on a side) and the verdict: "ahead", "behind", "within noise" or "too few runs"."""

    points: float
    noise: float | None
    verdict: str


def difference(ours: Sequence[float], theirs: Sequence[float]) -> Difference:
    """Our mean accuracy minus theirs and whether it exceeds the runs' spread: Welch's 95% interval, the
    difference ± t x its standard error (:func:`welch_t`; t is 4.3 to 2.8 with three runs a side, 1.96 with
    very many)."""
    a, b = spread(ours), spread(theirs)
    points = 100 * (a.mean - b.mean)
    if min(a.n, b.n) < 2:
        return Difference(points, None, "too few runs")
    noise = 100 * welch_t(ours, theirs) * standard_error(ours, theirs)
    verdict = "within noise" if abs(points) <= noise else "ahead" if points > 0 else "behind"
    return Difference(points, noise, verdict)


def compare(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """:func:`difference` in words, as the controls table gives it."""
    d = difference(ours, theirs)
    if d.noise is None:
        return f"{d.points:+.2f} points: too few runs to tell ({len(ours)} and {len(theirs)})"
    if d.verdict == "within noise":
        return f"within noise ({d.points:+.2f} ± {d.noise:.2f} points)"
    return f"{d.verdict} by {abs(d.points):.2f} points (± {d.noise:.2f})"


def _accuracies(records: Iterable[dict], dataset: str, model: str, key: str = "test_accuracy") -> list[float]:
    """``key`` of every run of ``model`` on ``dataset`` at the protocol's width (1)."""
    return [r[key] for r in at_width(records) if (r["dataset"], r["model"]) == (dataset, model)]


def runs_table(records: Iterable[dict]) -> str:
    """A markdown table of every dataset and network of the validation protocol: test and validation
    accuracy as mean ± sd (runs), parameters, training time; the student study's figures beside its two.
    The frontier sweep's other widths are left out."""
    records = at_width(records)
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
            study = STUDY.get((dataset, model))
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
    lines = [
        "| dataset | RedNet against | what it measures | RedNet's mean test accuracy minus the control's |",
        "|---|---|---|---|",
    ]
    for dataset in INPUT_SHAPES:
        rednet = _accuracies(records, dataset, "rednet")
        for control, meaning in CONTROLS.items():
            theirs = _accuracies(records, dataset, control)
            if rednet and theirs:
                lines.append(
                    f"| {DATASET_NAMES[dataset]} | {control} | {meaning} | {compare(rednet, theirs)} |"
                )
    return "\n".join(lines)


# How :func:`findings` words a verdict that is neither "ahead" nor "behind".
_UNDECIDED = {"within noise": "within noise", "too few runs": "not comparable yet (too few runs)"}


def findings(records: Iterable[dict]) -> str:
    """The controls table read out, one sentence per control: on which datasets the RedNet is ahead of it,
    behind it, or cannot be told apart from it with these runs."""
    records = list(records)
    sentences = []
    for control, meaning in CONTROLS.items():
        verdicts = []
        for dataset in INPUT_SHAPES:
            rednet, theirs = (_accuracies(records, dataset, model) for model in ("rednet", control))
            if rednet and theirs:
                d = difference(rednet, theirs)
                verdict = _UNDECIDED.get(d.verdict, f"{d.verdict} by {abs(d.points):.2f} points")
                verdicts.append(f"{verdict} on {DATASET_NAMES[dataset]}")
        if verdicts:
            title = meaning[0].upper() + meaning[1:]
            sentences.append(f"- **{title}** (`{control}`): the RedNet is {'; '.join(verdicts)}.")
    return "\n".join(sentences) if sentences else "No runs of the RedNet and its controls yet."


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Print (and put in the README) the comparison tables.")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="JSON results file to read")
    parser.add_argument(
        "--runs", default=str(DEFAULT_RUNS), help="JSON records of the validation protocol's runs"
    )
    parser.add_argument("--readme", help="replace the tables' sections of this README (results, runs, ...)")
    args = parser.parse_args(argv)
    protocol = load_records(args.runs)
    tables = dict(
        results=results_table(load_records(args.results)),
        runs=runs_table(protocol),
        controls=controls_table(protocol),
        findings=findings(protocol),
    )
    print("\n\n".join(tables.values()))
    if args.readme:
        for section, text in tables.items():
            replace_section(args.readme, section, text)


if __name__ == "__main__":
    main()
