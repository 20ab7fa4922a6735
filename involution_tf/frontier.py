"""The paper's central question at the course's scale: at the same cost, is involution more accurate?

The paper answers it with a curve (RedNets of growing size against ResNets, accuracy against parameters
and FLOPs). Here each family - the RedNet, its 3×3-convolution control and its depthwise control - is a
curve through its widths (:data:`~involution_tf.models.WIDTHS`; the narrowed ``conv_matched_params`` is
one more point of the convolution curve), and each RedNet is set against each control curve at its own
cost: the control's mean accuracy interpolated linearly in log cost between the control's two neighbouring
widths, with Welch's interval on the interpolated mean (its variance is (1 - a)² s1²/n1 + a² s2²/n2, a
the interpolation weight; the degrees of freedom are Satterthwaite's for the three means). The interval
carries the seed-to-seed noise of both sides, not the error of drawing a straight line between two widths.
A RedNet whose cost lies outside the control's range of widths gets no verdict: nothing is extrapolated.

Cost is the parameter count, or the measured milliseconds per training step (the step record's ``sweep``
rows, :func:`involution_tf.train_steps.time_sweep`), each on a log scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from involution_tf import models
from involution_tf.comparison import (
    DATASET_NAMES,
    POWER,
    Difference,
    holm,
    is_finding,
    p_text,
    spread,
    welch,
)
from involution_tf.records import width_of

__all__ = [
    "FAMILIES",
    "COSTS",
    "Point",
    "points",
    "points_table",
    "Verdict",
    "verdicts",
    "holm_of",
    "verdicts_table",
    "summary",
    "findings",
    "BUDGET_MINUTES",
    "training_minutes",
    "budget",
    "cpu_name",
]

# The families of the frontier (the registry's, less the student study's networks) and their names.
FAMILIES = {family: name for family, name in models.FAMILIES.items() if family != "study"}
# The families each RedNet is set against: all but its own.
CONTROL_FAMILIES = tuple(f for f in FAMILIES if f != models.network(models.REDNET).family)
# The two costs the frontier is drawn against, and how they are named.
COSTS = {"params": "parameters", "step_ms": "time per training step"}


@dataclass(frozen=True)
class Point:
    """One network of a family at one width: its parameters, its step time (None if not measured) and
    every run's test accuracy."""

    family: str
    model: str
    width: float
    params: int
    step_ms: float | None
    accuracies: tuple[float, ...]

    def cost(self, name: str) -> float | None:
        return self.params if name == "params" else self.step_ms

    @property
    def label(self) -> str:
        """ "width 0.5", or the network's name where it is not one of its family's swept widths."""
        return self.model if models.network(self.model).fixed_width else f"width {self.width:g}"


def _step_ms(steps: dict | None, dataset: str, model: str, width: float) -> float | None:
    for row in (steps or {}).get("sweep", []):
        if (row["dataset"], row["model"], row["width"]) == (dataset, model, width):
            return 1e3 * row["seconds"]
    return None


def points(records: Iterable[dict], dataset: str, steps: dict | None = None) -> dict[str, list[Point]]:
    """Every family's points on ``dataset`` from the run ``records`` (any widths) and the step record
    ``steps``, sorted by parameters."""
    records = [r for r in records if r["dataset"] == dataset]
    families = {}
    for family in FAMILIES:
        found = {}
        for r in records:
            if models.network(r["model"]).family == family:
                found.setdefault((r["model"], width_of(r)), []).append(r)
        families[family] = sorted(
            (
                Point(
                    family,
                    model,
                    models.network(model).width_factor(dataset, width),
                    runs[0]["params"],
                    _step_ms(steps, dataset, model, width),
                    tuple(r["test_accuracy"] for r in runs),
                )
                for (model, width), runs in found.items()
            ),
            key=lambda p: p.params,
        )
    return families


def points_table(records: Iterable[dict], steps: dict | None = None) -> str:
    """A markdown table of every point the frontier figure draws: each dataset, family and width, with its
    parameters, its time per training step and its test accuracy as mean (standard deviation, runs), so
    that each verdict can be checked by hand."""
    records = list(records)
    lines = [
        "| dataset | family | network | parameters | ms per training step | test accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for dataset, name in DATASET_NAMES.items():
        for family, curve in points(records, dataset, steps).items():
            for p in curve:
                ms = "not measured" if p.step_ms is None else f"{p.step_ms:.1f}"
                accuracy = spread(p.accuracies).percent()
                row = f"{name} | {FAMILIES[family]} | {p.label} | {p.params:,} | {ms} | {accuracy}"
                lines.append(f"| {row} |")
    return "\n".join(lines)


def _interpolated(curve: Sequence[Point], cost: str, at: float) -> tuple[float, list, tuple] | str:
    """The curve's mean accuracy at cost ``at`` (linear in log cost between the two neighbouring points),
    the (variance of the mean, runs) of each point it weighs, and each one's (label, weight); or why there
    is none: ``at`` outside the curve, or a neighbour with fewer than two runs."""
    located = sorted((p for p in curve if p.cost(cost) is not None), key=lambda p: p.cost(cost))
    for low, high in zip(located, located[1:] or located):
        x0, x1 = math.log(low.cost(cost)), math.log(high.cost(cost))
        if not (x0 <= math.log(at) <= x1):
            continue
        if min(len(low.accuracies), len(high.accuracies)) < 2:
            return "no verdict: a neighbouring width of the control has fewer than two runs yet"
        a = 0.0 if x1 == x0 else (math.log(at) - x0) / (x1 - x0)
        weighed = [(w, p) for w, p in ((1 - a, low), (a, high)) if w > 0]
        mean = sum(w * spread(p.accuracies).mean for w, p in weighed)
        parts = [
            (w**2 * spread(p.accuracies).sd ** 2 / len(p.accuracies), len(p.accuracies)) for w, p in weighed
        ]
        return mean, parts, tuple((p.label, w) for w, p in weighed)
    spanned = {p.width for p in curve} >= {min(models.WIDTHS), max(models.WIDTHS)}
    return OUTSIDE + (" (more seeds cannot change that)" if spanned else " recorded so far")


# The reason of a verdict whose RedNet costs less or more than every width of the control.
OUTSIDE = "no verdict: the RedNet's cost lies outside the control's widths"
# The verdicts in the order the summary counts them.
_KINDS = ("above the frontier", "below the frontier", "cannot be told apart", "no verdict")


@dataclass(frozen=True)
class Verdict:
    """The RedNet at one width against a control family at the same cost: the difference (None when the
    RedNet's cost lies outside the control's curve, or either side has fewer than two runs)."""

    dataset: str
    width: float
    control: str
    cost: str
    at: float | None
    seeds: int
    difference: Difference | None
    reason: str = ""  # why there is no difference
    weighed: tuple[tuple[str, float], ...] = ()  # the control's points read at ``at``, with their weights

    @property
    def control_here(self) -> str:
        """Which control networks the curve's value at the RedNet's cost weighs: "96% conv_matched_params,
        4% width 0.5"."""
        return ", ".join(f"{w:.0%} {label}" for label, w in sorted(self.weighed, key=lambda lw: -lw[1]))

    @property
    def kind(self) -> str:
        """ "above the frontier", "below the frontier", "cannot be told apart" or "no verdict"."""
        d = self.difference
        if d is None:
            return "no verdict"
        return {"ahead": "above the frontier", "behind": "below the frontier"}.get(d.verdict, d.verdict)

    def words(self, adjusted_p: float | None = None) -> str:
        """The verdict in plain words; with Holm's ``adjusted_p``, a difference is a finding only if it
        survives Holm's correction, as in the protocol's comparisons."""
        d = self.difference
        if d is None:
            return self.reason
        if self.kind == "cannot be told apart":
            return (
                f"cannot be told apart with {self.seeds} RedNet runs (these runs would detect "
                f"{d.detectable:.2f} points {POWER:.0%} of the time)"
            )
        if adjusted_p is None:
            return self.kind
        if is_finding(d, adjusted_p):
            return f"{self.kind} (survives Holm's correction)"
        return f"not a finding after Holm's correction ({self.kind.split()[0]} by Welch's test alone)"


def _verdict(rednet: Point, curve: Sequence[Point], dataset: str, control: str, cost: str) -> Verdict:
    at, seeds = rednet.cost(cost), len(rednet.accuracies)
    control_side = "no verdict: step time not measured" if at is None else _interpolated(curve, cost, at)
    if seeds < 2:
        control_side = "no verdict: the RedNet has fewer than two runs at this width yet"
    if isinstance(control_side, str):
        return Verdict(dataset, rednet.width, control, cost, at, seeds, None, control_side)
    mean, parts, weighed = control_side
    ours = spread(rednet.accuracies)
    difference = welch(100 * (ours.mean - mean), [(ours.sd**2 / ours.n, ours.n), *parts])
    return Verdict(dataset, rednet.width, control, cost, at, ours.n, difference, weighed=weighed)


def verdicts(records: Iterable[dict], steps: dict | None = None) -> list[Verdict]:
    """Every RedNet width against each control family, at equal parameters and at equal step time, on
    every dataset with records."""
    records = list(records)
    found = []
    for dataset in models.INPUT_SHAPES:
        families = points(records, dataset, steps)
        for rednet in families["involution"]:
            for control in CONTROL_FAMILIES:
                for cost in COSTS:
                    found.append(_verdict(rednet, families[control], dataset, control, cost))
    return found


def holm_of(found: Sequence[Verdict]) -> dict[int, float]:
    """Holm's adjusted p-value of every verdict of ``found`` with an interval, by its index: the whole
    list is the family of comparisons tested together."""
    tested = [i for i, v in enumerate(found) if v.difference is not None]
    return dict(zip(tested, holm([found[i].difference.p_value for i in tested])))


def _kind_of(words: str) -> str:
    """The kind a summary's words count: "below by Welch's test alone, ..." -> "below the frontier"."""
    return next(kind for kind in _KINDS if kind.split()[0] == words.split()[0])


def verdicts_table(found: Sequence[Verdict]) -> str:
    """A markdown table of the verdicts of :func:`verdicts` that have an interval, with Welch's p-value and
    Holm's adjustment for all of them taken together; then the comparisons without a verdict, grouped by
    why, in a sentence each."""
    adjusted = holm_of(found)
    lines = [
        "| dataset | RedNet width | against | at equal | control's accuracy there, read from "
        "| RedNet minus control curve, points | 95% interval | Welch p | Holm-adjusted p | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, v in enumerate(found):
        d = v.difference
        if d is None:
            continue
        lines.append(
            f"| {DATASET_NAMES[v.dataset]} | {v.width:g} | {FAMILIES[v.control]} | {COSTS[v.cost]} | "
            f"{v.control_here} | {d.points:+.2f} | {d.interval()} | {p_text(d.p_value)} "
            f"| {p_text(adjusted[i])} | {v.words(adjusted[i])} |"
        )
    without: dict[str, list[str]] = {}
    for v in found:
        if v.difference is None:
            without.setdefault(v.reason, []).append(
                f"{DATASET_NAMES[v.dataset]} width {v.width:g} against the {FAMILIES[v.control]} at equal "
                f"{COSTS[v.cost]}"
            )
    for reason, which in without.items():
        lines += ["", f"{reason[0].upper()}{reason[1:]}, in {len(which)} comparisons: {'; '.join(which)}."]
    return "\n".join(lines)


def summary(found: Sequence[Verdict]) -> str:
    """The verdicts read out: how many RedNets are above, below, or cannot be told apart from each control
    curve, at each cost, and how many get no verdict."""
    adjusted = holm_of(found)
    lines = []
    for control in CONTROL_FAMILIES:
        for cost in COSTS:
            mine = [(i, v) for i, v in enumerate(found) if (v.control, v.cost) == (control, cost)]
            if not mine:
                continue
            words = [_counted(v, adjusted.get(i)) for i, v in mine]
            order = sorted(set(words), key=lambda w: (_KINDS.index(_kind_of(w)), "alone" in w, w))
            tally = "; ".join(f"{words.count(word)} {word}" for word in order)
            lines.append(f"- Against the {FAMILIES[control]}, at equal {COSTS[cost]}: {tally}.")
    if not lines:
        return "No runs of the frontier yet."
    if adjusted:
        lines.append(
            f"\nHolm's correction runs over the {len(adjusted)} verdicts of the table that have an interval: "
            "the frontier is a question of its own, corrected apart from the protocol's nine comparisons."
        )
    return "\n".join(lines)


def _counted(v: Verdict, adjusted_p: float | None) -> str:
    """How the summary counts a verdict: "above the frontier (after Holm's correction)", "above by Welch's
    test alone, not after Holm's correction", "cannot be told apart", "no verdict yet" or "no verdict,
    outside the control's widths"."""
    if v.kind == "no verdict":
        return (
            "no verdict, outside the control's widths" if v.reason.startswith(OUTSIDE) else "no verdict yet"
        )
    if not v.kind.endswith("frontier"):
        return v.kind
    if is_finding(v.difference, adjusted_p):
        return f"{v.kind} (after Holm's correction)"
    return f"{v.kind.split()[0]} by Welch's test alone, not after Holm's correction"


def findings(found: Sequence[Verdict]) -> str:
    """The verdicts read out per dataset: where the RedNet is above or below a control's frontier, at
    which cost and widths (findings that survive Holm's correction over the table), then how many
    comparisons are no finding, and why, and how many have no verdict, and why."""
    adjusted = holm_of(found)
    lines = []
    for dataset in dict.fromkeys(v.dataset for v in found):
        mine = [(i, v) for i, v in enumerate(found) if v.dataset == dataset]
        widths: dict[tuple[str, str, str], list[str]] = {}
        for i, v in sorted(mine, key=lambda item: list(COSTS).index(item[1].cost)):
            if is_finding(v.difference, adjusted.get(i)):
                widths.setdefault((v.cost, v.kind.split()[0], v.control), []).append(f"{v.width:g}")
        told = [
            f"{where} the frontier of the {FAMILIES[control]} at equal {COSTS[cost]} "
            f"({'width' if len(w) == 1 else 'widths'} {' and '.join(w)})"
            for (cost, where, control), w in widths.items()
        ]
        counted = [_counted(v, adjusted.get(i)) for i, v in mine]
        untold = counted.count("cannot be told apart")
        outside = counted.count("no verdict, outside the control's widths")
        waiting = counted.count("no verdict yet")
        found_here = sum(map(len, widths.values()))
        reading = f"the RedNet is {'; '.join(told)}" if told else "no finding"
        lines.append(
            f"- **{DATASET_NAMES[dataset]}**: {reading}. Of its {len(mine)} comparisons: {found_here} "
            f"finding{'' if found_here == 1 else 's'}; {untold} cannot be told apart; "
            f"{len(mine) - found_here - untold - outside - waiting} differ by Welch's test alone, not after "
            f"Holm's correction; {outside} no verdict, the RedNet's cost lying outside the control's widths"
            + (f"; {waiting} no verdict yet." if waiting else ".")
        )
    return "\n".join(lines) if lines else "No runs of the frontier yet."


# The longest a training of the sweep may take on the course's 2-core CPU: a wider network is too large
# for the course.
BUDGET_MINUTES = 20


def training_minutes(
    records: Iterable[dict], steps: dict
) -> list[tuple[str, str, float, float, float, float]]:
    """Every network of the step record's sweep that has runs, as (dataset, model, width, minutes of
    training steps, its fastest run's minutes, its slowest run's minutes). The first is the median step
    time (timed on a quiet machine) times the steps of an epoch times the epochs: a lower bound of a run,
    which also spends time in its input pipeline. A run's recorded minutes count everything, and whatever
    else the machine ran meanwhile: the fastest run bounds what a run takes from above."""
    records = list(records)
    rows = []
    for step in steps.get("sweep", []):
        key = (step["dataset"], step["model"], step["width"])
        runs = [r for r in records if (r["dataset"], r["model"], width_of(r)) == key]
        if runs:
            per_epoch = math.ceil(runs[0]["train_images"] / runs[0]["recipe"]["batch_size"])
            estimate = step["seconds"] * per_epoch * runs[0]["epochs"] / 60
            recorded = [r["total_seconds"] / 60 for r in runs]
            rows.append((*key, estimate, min(recorded), max(recorded)))
    return rows


def budget(records: Iterable[dict], steps: dict) -> str:
    """Whether every network of the sweep has a run that took at most :data:`BUDGET_MINUTES`, said from
    :func:`training_minutes`, with the figures of the one whose fastest run took longest and the
    machines that measured them."""
    records = list(records)
    rows = training_minutes(records, steps)
    if not rows:
        return "No network of the sweep has both a step time and a run yet."
    dataset, model, width, estimate, fastest, slowest = max(rows, key=lambda row: row[4])
    over = [row for row in rows if row[4] > BUDGET_MINUTES]
    timed = len(steps["sweep"])
    networks = (
        f"the {len(rows)} networks of the sweep"
        if len(rows) == timed
        else f"the {len(rows)} networks with runs so far (of {timed} timed)"
    )
    verdict = (
        f"{len(over)} of {networks} took more than {BUDGET_MINUTES} minutes in every run: too large for the "
        "course, to be swept at 1.5 instead of 2"
        if over
        else f"each of {networks} has a run that took at most {BUDGET_MINUTES} minutes: width 2 stands, and "
        "the fallback to 1.5 was not needed"
    )
    machines = " and ".join(sorted({cpu_name(r["device"]) for r in records if "device" in r}))
    runs = sum((r["dataset"], r["model"], width_of(r)) == (dataset, model, width) for r in records)
    took = (
        f"{fastest:.1f} minutes in its one run so far"
        if runs == 1
        else f"{fastest:.1f} minutes in its fastest run and {slowest:.1f} in its slowest (each including "
        "whatever else the machine was running)"
    )
    step_machine = cpu_name(steps.get("device", "a machine the step record does not name"))
    return (
        f"By the recorded runs, {verdict}. The slowest by its fastest run, the {DATASET_NAMES[dataset]} "
        f"`{model}` at width {width:g}, took {took}; its training steps alone (its steps times its "
        f"median step, timed on a quiet machine) make {estimate:.1f} minutes. The runs were recorded on "
        f"{machines or 'machines the records do not name'}; the step times on {step_machine}."
    )


def cpu_name(device: str) -> str:
    """A record's device as the sentences name it, without trademarks:
    "CPU: Intel(R) Xeon(R) Processor (2 cores)" -> "Intel Xeon (2 cores)".

    >>> cpu_name("CPU: AMD EPYC (2 cores)")
    'AMD EPYC (2 cores)'
    """
    for mark in ("(R)", "(TM)", " Processor", " CPU"):
        device = device.replace(mark, "")
    return device.removeprefix("CPU: ")
