"""The convolution-vs-involution comparison, read from result records: tables, ratios and verdicts.

The records are what :func:`involution_tf.training.train_and_evaluate` wrote: ``results/runs.json`` for
the validation protocol's runs (every network, three seeds or more), ``results/comparison.json`` for the
earlier single runs. Nothing here measures or types a figure of ours; the student study's own figures, which
the tables put beside ours, are quoted from its presentation in :data:`STUDY`.

    python -m involution_tf compare [--results FILE] [--runs FILE]

prints the tables; the site's results page (:mod:`involution_tf.site`) shows them, generated at each build.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from involution_tf.arguments import command
from involution_tf.models import CONTROLS, COUNTERPARTS, INPUT_SHAPES, MODELS, REDNET
from involution_tf.records import (
    DEFAULT_RESULTS,
    DEFAULT_RUNS,
    at_width,
    load_records,
)

__all__ = [
    "STUDY",
    "DATASET_NAMES",
    "latest",
    "speed_ratios",
    "results_table",
    "Spread",
    "spread",
    "t_tail",
    "t_quantile",
    "welch_df",
    "welch_t",
    "standard_error",
    "POWER",
    "Difference",
    "welch",
    "difference",
    "holm",
    "ALPHA",
    "is_finding",
    "p_text",
    "compare",
    "control_differences",
    "holm_adjusted",
    "accuracies",
    "seed_counts",
    "seeds_phrase",
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
        """As the tables show it: ``99.12% (sd 0.05, n 3)``; "±" is kept for 95% intervals."""
        return f"{100 * self.mean:.2f}% (sd {100 * self.sd:.2f}, n {self.n})"


def spread(values: Sequence[float]) -> Spread:
    """The :class:`Spread` of one figure over runs (at least one)."""
    if not values:
        raise ValueError("`values` must hold at least one run's figure, got none.")
    return Spread(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0, len(values))


def t_tail(t: float, df: float) -> float:
    """The probability that a Student-t variable with ``df`` degrees of freedom exceeds ``t`` (t >= 0):
    I_x(df/2, 1/2) / 2 with x = df / (df + t²), I the regularized incomplete beta function
    (:func:`_betainc`); the normal tail for infinite ``df``."""
    if math.isinf(df):
        return 1 - statistics.NormalDist().cdf(t)
    return _betainc(df / 2, 0.5, df / (df + t * t)) / 2


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by its continued fraction evaluated with Lentz's
    method (Numerical Recipes, section 6.4), in plain Python: statistics need no TensorFlow op. The
    fraction converges fast for x below (a + 1) / (a + b + 2); I_x(a, b) = 1 - I_(1-x)(b, a) covers the
    rest."""
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    if x > (a + 1) / (a + b + 2):
        return 1 - _betainc(b, a, 1 - x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    tiny, f, c, d = 1e-300, 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            term = 1.0
        elif i % 2 == 0:
            term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + term * d
        d = 1 / (tiny if abs(d) < tiny else d)
        c = 1 + term / c
        c = tiny if abs(c) < tiny else c
        f *= c * d
        if abs(1 - c * d) < 1e-15:
            return math.exp(log_front) / a * (f - 1)
    raise ArithmeticError(f"the incomplete beta function did not converge for a={a}, b={b}, x={x}")


def t_quantile(probability: float, df: float) -> float:
    """Student's t quantile: the value a t-distributed variable with ``df`` degrees of freedom stays
    below with ``probability`` (between 0.5 and 1), by bisection on :func:`t_tail`."""
    if not 0.5 < probability < 1:
        raise ValueError(f"`probability` must lie between 0.5 and 1, got {probability!r}.")
    if not df > 0:
        raise ValueError(f"`df` must be positive, got {df!r}.")
    if math.isinf(df):
        return statistics.NormalDist().inv_cdf(probability)
    low, high = 0.0, 1e6
    for _ in range(100):
        t = (low + high) / 2
        low, high = (t, high) if t_tail(t, df) > 1 - probability else (low, t)
    return (low + high) / 2


def welch_df(parts: Sequence[tuple[float, int]]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent means' variances: ``parts`` holds
    each mean's (variance, runs), and the result is (sum v)² / sum(v² / (n - 1)); infinite when every
    variance is 0. Two means give Welch's t-test; more give its interval on interpolated means."""
    if any(n < 2 for _, n in parts):
        raise ValueError(f"`parts` must have two runs each at least, got {[n for _, n in parts]}.")
    total = sum(v for v, _ in parts)
    if total == 0:
        return math.inf
    return total**2 / sum(v**2 / (n - 1) for v, n in parts)


def welch_t(ours: Sequence[float], theirs: Sequence[float], probability: float = 0.975) -> float:
    """The t quantile of Welch's interval for a difference of means (two runs a side at least): Student's
    t with the Welch-Satterthwaite degrees of freedom (:func:`welch_df`)."""
    if min(len(ours), len(theirs)) < 2:
        raise ValueError(
            f"`ours` and `theirs` must hold two runs each at least, got {len(ours)} and {len(theirs)}."
        )
    v1, v2 = _variances_of_means(ours, theirs)
    return t_quantile(probability, welch_df([(v1, len(ours)), (v2, len(theirs))]))


def standard_error(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """The standard error of the difference of two means, sqrt(s1²/n1 + s2²/n2)."""
    return math.sqrt(sum(_variances_of_means(ours, theirs)))


def _variances_of_means(ours: Sequence[float], theirs: Sequence[float]) -> tuple[float, float]:
    """s²/n of each side: the variance of its mean."""
    return spread(ours).sd ** 2 / len(ours), spread(theirs).sd ** 2 / len(theirs)


# The power at which :attr:`Difference.detectable` is given.
POWER = 0.8


@dataclass(frozen=True)
class Difference:
    """Our mean accuracy minus theirs, in points; the half-width of its 95% interval, Welch's test's
    two-sided p-value and the smallest difference these runs would detect (at :data:`POWER`), all None
    with fewer than two runs on a side; and the verdict: "ahead" or "behind" when the interval excludes 0,
    "cannot be told apart" when it contains 0, or "too few runs"."""

    points: float
    noise: float | None
    verdict: str
    p_value: float | None = None
    detectable: float | None = None

    def interval(self, decimals: int = 2) -> str:
        """The 95% interval as the tables print it, "-0.13 to -0.004": a bound that would round to 0 gets
        one more significant digit, so that an interval excluding 0 never reads "to -0.00"."""
        return " to ".join(_bound(x, decimals) for x in (self.points - self.noise, self.points + self.noise))


def _bound(x: float, decimals: int) -> str:
    while x and round(abs(x), decimals) == 0 and decimals < 6:
        decimals += 1
    return f"{x:+.{decimals}f}"


def welch(points: float, parts: Sequence[tuple[float, int]]) -> Difference:
    """The :class:`Difference` of ``points`` (a difference of means, in points) whose means have the
    variances and run counts ``parts`` (in accuracy², as :func:`welch_df` takes them): Welch's 95%
    interval, its t-test and the smallest difference detectable at :data:`POWER`, (t_0.975 + t_POWER) x
    standard error."""
    df = welch_df(parts)
    se = 100 * math.sqrt(sum(v for v, _ in parts))
    t = t_quantile(0.975, df)
    noise = t * se
    p_value = 1.0 if se == 0 and points == 0 else 0.0 if se == 0 else 2 * t_tail(abs(points) / se, df)
    verdict = "cannot be told apart" if abs(points) <= noise else "ahead" if points > 0 else "behind"
    return Difference(points, noise, verdict, p_value, (t + t_quantile(POWER, df)) * se)


def difference(ours: Sequence[float], theirs: Sequence[float]) -> Difference:
    """Our mean accuracy minus theirs and whether Welch's 95% interval, the difference ± t x its
    standard error (t is 4.3 to 2.8 with three runs a side, 1.96 with very many), excludes 0."""
    a, b = spread(ours), spread(theirs)
    points = 100 * (a.mean - b.mean)
    if min(a.n, b.n) < 2:
        return Difference(points, None, "too few runs")
    v1, v2 = _variances_of_means(ours, theirs)
    return welch(points, [(v1, a.n), (v2, b.n)])


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of p-values tested together: the k-th smallest is multiplied by
    (m - k + 1), kept at least as large as the one before and at most 1. A finding survives testing
    m comparisons at once when its adjusted p-value stays below 0.05."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


# The level below which a p-value (Holm-adjusted, where comparisons are tested together) makes a finding.
ALPHA = 0.05


def is_finding(d: Difference | None, adjusted_p: float | None) -> bool:
    """Whether ``d`` is a finding: its 95% interval excludes 0 and its Holm-adjusted p-value (over the
    comparisons tested with it) stays below :data:`ALPHA`. The one rule of every table, chart and summary."""
    excludes_0 = d is not None and d.verdict in ("ahead", "behind")
    return excludes_0 and adjusted_p is not None and adjusted_p < ALPHA


def p_text(p: float | None) -> str:
    """A p-value as the tables print it: three decimals, or "<0.001" below that (never "0.000").

    >>> p_text(0.0412), p_text(0.0004), p_text(None)
    ('0.041', '<0.001', '')
    """
    if p is None:
        return ""
    return "<0.001" if p < 0.0005 else f"{p:.3f}"


def compare(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """:func:`difference` in words, as the controls table gives it."""
    d = difference(ours, theirs)
    if d.noise is None:
        return f"{d.points:+.2f} points: too few runs to tell ({len(ours)} and {len(theirs)})"
    interval = f"{d.points:+.2f} points, 95% interval {d.interval()}"
    if d.verdict == "cannot be told apart":
        return f"cannot be told apart ({interval}; detectable: {d.detectable:.2f})"
    return f"{d.verdict} ({interval})"


def accuracies(records: Iterable[dict], dataset: str, model: str, key: str = "test_accuracy") -> list[float]:
    """``key`` of every run of ``model`` on ``dataset`` at the protocol's width (1)."""
    return [r[key] for r in at_width(records) if (r["dataset"], r["model"]) == (dataset, model)]


def runs_table(records: Iterable[dict]) -> str:
    """A markdown table of every dataset and network of the validation protocol: test and validation
    accuracy as mean (standard deviation, runs), parameters, training time (the median of the runs'
    seconds per epoch, and the longest run); the student study's figures beside its two. The frontier
    sweep's other widths are left out."""
    records = at_width(records)
    lines = [
        "| dataset | model | test accuracy | validation accuracy | parameters | s / epoch, median of runs "
        "| longest run, minutes "
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


def control_differences(
    records: Iterable[dict], key: str = "test_accuracy"
) -> dict[tuple[str, str], Difference]:
    """The RedNet's mean test accuracy (or ``key``: "validation_accuracy", which no choice of the course
    has seen) minus each control's (:func:`difference`), for every dataset and control with runs of both,
    at the protocol's width."""
    records = list(records)
    differences = {}
    for dataset in INPUT_SHAPES:
        rednet = accuracies(records, dataset, REDNET, key)
        for control in CONTROLS:
            theirs = accuracies(records, dataset, control, key)
            if rednet and theirs:
                differences[dataset, control] = difference(rednet, theirs)
    return differences


def holm_adjusted(differences: dict) -> dict:
    """Holm's adjusted p-value (:func:`holm`) of every difference with a p-value, the whole dict being the
    family of comparisons tested together."""
    tested = {key: d.p_value for key, d in differences.items() if d.p_value is not None}
    return dict(zip(tested, holm(list(tested.values()))))


def seed_counts(records: Iterable[dict], comparisons: Iterable[tuple[str, str]]) -> list[int]:
    """How many runs the RedNet and each control have in ``comparisons`` of (dataset, control), each
    count once, smallest first."""
    records = list(records)
    return sorted({len(accuracies(records, d, m)) for d, control in comparisons for m in (REDNET, control)})


def seeds_phrase(records: Iterable[dict], dataset: str, control: str) -> str:
    """ "n seeds" or "n and m seeds": how many runs the RedNet and ``control`` have on ``dataset``."""
    return " and ".join(map(str, seed_counts(records, [(dataset, control)]))) + " seeds"


def controls_table(records: Iterable[dict], key: str = "test_accuracy") -> str:
    """The RedNet against each of its controls, per dataset: the difference of mean test accuracies (or
    ``key``) with its Welch 95% interval, Welch's p-value, Holm's adjustment of it for the table's
    comparisons taken together, and the verdict (:func:`difference`)."""
    records = list(records)
    differences = control_differences(records, key)
    adjusted = holm_adjusted(differences)
    lines = [
        "| dataset | RedNet against | what it measures | RedNet minus control, points | 95% interval | "
        "runs | Welch p | Holm-adjusted p | verdict (detectable: the difference found 80% of the time) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (dataset, control), d in differences.items():
        interval = "" if d.noise is None else d.interval()
        p = p_text(d.p_value)
        holm_p = p_text(adjusted.get((dataset, control)))
        lines.append(
            f"| {DATASET_NAMES[dataset]} | {control} | {CONTROLS[control]} | {d.points:+.2f} | {interval} | "
            f"{seeds_phrase(records, dataset, control)} | {p} | {holm_p} | "
            f"{_verdict_words(d, adjusted.get((dataset, control)))} |"
        )
    return "\n".join(lines)


def _verdict_words(d: Difference, adjusted_p: float | None = None) -> str:
    """A table's verdict: a difference whose interval excludes 0 is a finding only if it survives Holm's
    correction (:func:`is_finding`)."""
    if d.verdict == "too few runs":
        return "not comparable yet (too few runs)"
    if d.verdict == "cannot be told apart":
        return f"cannot be told apart (detectable: {d.detectable:.2f} points)"
    if adjusted_p is not None and not is_finding(d, adjusted_p):
        return (
            f"no finding after Holm's correction ({d.verdict} by {abs(d.points):.2f} points by Welch's test "
            "alone)"
        )
    return f"{d.verdict} by {abs(d.points):.2f} points"


def findings(records: Iterable[dict]) -> str:
    """The controls table read out, one sentence per control: on which datasets the RedNet is ahead of it
    or behind it (and whether that survives Holm's correction for the table's comparisons), or cannot be
    told apart from it with these runs (and what difference they could have detected)."""
    records = list(records)
    differences = control_differences(records)
    adjusted = holm_adjusted(differences)
    sentences = []
    for control, meaning in CONTROLS.items():
        verdicts = []
        for dataset in INPUT_SHAPES:
            d = differences.get((dataset, control))
            if d is None:
                continue
            name = DATASET_NAMES[dataset]
            if d.verdict == "cannot be told apart":
                words = (
                    f"cannot be told apart from it on {name} with {seeds_phrase(records, dataset, control)} "
                    f"(they would detect {d.detectable:.2f} points {POWER:.0%} of the time)"
                )
            elif d.verdict in ("ahead", "behind"):
                words = f"is {d.verdict} by {abs(d.points):.2f} points on {name} " + (
                    "(survives Holm's correction)"
                    if is_finding(d, adjusted[dataset, control])
                    else "by Welch's test alone: not a finding after Holm's correction"
                )
            else:
                words = f"is not comparable yet on {name} (too few runs)"
            verdicts.append(words)
        if verdicts:
            title = meaning[0].upper() + meaning[1:]
            sentences.append(f"- **{title}** (`{control}`): the RedNet {'; '.join(verdicts)}.")
    if not sentences:
        return "No runs of the RedNet and its controls yet."
    return "\n".join(sentences) + (
        f"\n\nHolm's correction is for the {len(adjusted)} comparisons above, tested together: were no "
        "network different from any other, and the comparisons independent, one or more of them would reach "
        f"p < {ALPHA} by chance {1 - (1 - ALPHA) ** len(adjusted):.0%} of the time."
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog=command("compare"), description="Print the comparison tables.")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="JSON results file to read")
    parser.add_argument(
        "--runs", default=str(DEFAULT_RUNS), help="JSON records of the validation protocol's runs"
    )
    args = parser.parse_args(argv)
    protocol = load_records(args.runs)
    tables = (
        results_table(load_records(args.results)),
        runs_table(protocol),
        controls_table(protocol),
        findings(protocol),
    )
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
