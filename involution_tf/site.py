"""The course's website: the committed notebooks, as they are, with a landing page, a results page
generated from the records, the API and the glossary, built offline into an ignored folder.

    python -m involution_tf site [--output build/site] [--readme README.md]

Sphinx with MyST-NB and the book theme (Jupyter Book 1's engine, without its command line): a well-kept
toolchain that reads notebooks with their saved outputs and builds with no network. MathJax 3 is copied
from the django-static-mathjax package into the site, never fetched from a CDN. A notebook without its
outputs is refused (it would publish an empty chapter), and so is a build that leaves a warning (a broken
reference, a missing image): Sphinx runs with warnings as errors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from involution_tf.arguments import command
from involution_tf.records import COURSE_ROOT

# The course: a checkout holding site/, notebooks/ and results/ (the one this package is in, else the
# current folder).
ROOT = COURSE_ROOT
RESULTS = ROOT / "results"
DEFAULT_OUTPUT = ROOT / "build" / "site"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

__all__ = ["check_notebooks", "headline", "results_page", "build", "main"]


def check_notebooks(notebooks: Sequence[Path]) -> None:
    """A ``ValueError`` naming every notebook with a code cell that was never run: the site shows the
    committed outputs and executes nothing."""
    unrun = [
        path.name
        for path in notebooks
        if any(
            cell["cell_type"] == "code" and cell["source"] and cell.get("execution_count") is None
            for cell in json.loads(path.read_text())["cells"]
        )
    ]
    if unrun:
        raise ValueError(
            f"`notebooks` {unrun} have code cells without outputs; run them from a fresh kernel "
            "(python -m involution_tf reproduce) and commit them before building the site."
        )


def headline(runs: list[dict], steps: dict) -> str:
    """The headline finding in four plain sentences, each computed from the records."""
    from involution_tf.records import at_width

    protocol = at_width(runs)
    return "\n".join(
        [_study_line(protocol), _protocol_line(protocol), _frontier_line(runs, steps), _speed_line(steps)]
    )


def _mean(protocol: list[dict], dataset: str, model: str) -> float:
    from involution_tf.comparison import accuracies, spread

    return spread(accuracies(protocol, dataset, model)).mean


def _params(protocol: list[dict], dataset: str, model: str) -> int:
    return next(r["params"] for r in protocol if (r["dataset"], r["model"]) == (dataset, model))


def _study_line(protocol: list[dict]) -> str:
    """The student study's ranking: its involution networks' gap, and their two confounded causes."""
    from involution_tf import comparison, models

    swap = next(n for n in models.NETWORKS.values() if n.family == "study" and n.timed_against)
    datasets = comparison.DATASET_NAMES
    gaps = [100 * (_mean(protocol, d, swap.timed_against) - _mean(protocol, d, swap.name)) for d in datasets]
    fewer = [_params(protocol, d, swap.timed_against) / _params(protocol, d, swap.name) for d in datasets]
    return (
        "- **The student study's ranking reproduces.** Its involution networks trail its convolution "
        f"networks by {min(gaps):.0f}–{max(gaps):.0f} points. They also have {min(fewer):.0f}–"
        f"{max(fewer):.0f}× fewer parameters, and no layer of theirs mixes channels: they carry the image's "
        f"{'–'.join(map(str, _channels()))} channels throughout (the paper's RedNet mixes channels with 1×1 "
        "convolutions around each involution). These runs cannot tell which of the two causes the gap."
    )


def _protocol_line(protocol: list[dict]) -> str:
    """The RedNet against its three controls: how many comparisons tell them apart, each finding with
    its direction, what the others could detect, and whether validation accuracy agrees."""
    from involution_tf import comparison, models

    ratio = lambda model, d: _params(protocol, d, model) / _params(protocol, d, models.REDNET)  # noqa: E731
    more = [ratio("conv_matched_params", d) - 1 for d in comparison.DATASET_NAMES]
    times = [ratio("rednet_conv_control", d) for d in comparison.DATASET_NAMES]
    differences = comparison.control_differences(protocol)
    found = _found(differences)
    untold = sum(d.verdict == "cannot be told apart" for d in differences.values())
    welch_only = len(differences) - len(found) - untold
    seeds = comparison.seed_counts(protocol, differences)
    on_validation = _found(comparison.control_differences(protocol, key="validation_accuracy"))
    return (
        f"- **In a RedNet, involution is told apart from its controls in {len(found)} of "
        f"{len(differences)} comparisons.** A RedNet (ResNet's bottleneck with an involution as its spatial "
        "layer, as the paper uses it) against three controls: a 3×3 convolution in its place "
        f"(`rednet_conv_control`, {min(times):.1f}–{max(times):.1f}× its parameters), a fixed K×K depthwise "
        "one (`rednet_depthwise_control`), and a narrower convolution network of about its parameters "
        f"(`conv_matched_params`, {100 * min(more):.0f}–{100 * max(more):.0f}% more). In {untold} of "
        f"{len(differences)} comparisons the two networks cannot be told apart (not the same as equal) with "
        f"{'–'.join(map(str, sorted({seeds[0], seeds[-1]})))} seeds a network (these runs would catch a true "
        f"difference of roughly {_detectable(differences)} 80% of the time)"
        + (f", {welch_only} differ by Welch's test alone, not after Holm's correction" if welch_only else "")
        + f"; the RedNet is {'; '.join(map(_told, found.items())) or 'nowhere ahead or behind'}. "
        f"{_widest(differences)} The RedNet's design was tuned on test accuracy before these runs (notebook "
        "04's appendix); on validation accuracy, which no choice saw, "
        + (
            f"the same {len(found)} comparisons, and no others, are findings."
            if set(on_validation) == set(found)
            else f"{len(set(on_validation) & set(found))} of these findings hold and "
            f"{len(set(on_validation) - set(found))} others appear."
        )
    )


def _found(differences: dict) -> dict:
    """The comparisons of ``differences`` that are findings after Holm's correction."""
    from involution_tf import comparison

    adjusted = comparison.holm_adjusted(differences)
    return {key: d for key, d in differences.items() if comparison.is_finding(d, adjusted[key])}


def _told(finding: tuple) -> str:
    """ "ahead of `conv_matched_params` on MNIST by 0.25 points (its 7×7 involution against 3×3
    convolutions)": a finding, with the window sizes where they differ."""
    from involution_tf import comparison, models

    (dataset, control), d = finding
    k = models.REDNET_CONFIGS[dataset].kernel_size
    window = f" (its {k}×{k} involution against 3×3 convolutions)"
    return (
        f"{'ahead of' if d.points > 0 else 'behind'} `{control}` on {comparison.DATASET_NAMES[dataset]} by "
        f"{abs(d.points):.2f} points" + (window if k != 3 and control != "rednet_depthwise_control" else "")
    )


def _channels() -> list[int]:
    """The images' channel counts over the datasets: [1, 3]."""
    from involution_tf import comparison, models

    return sorted({models.input_shape(d)[-1] for d in comparison.DATASET_NAMES})


def _speed_line(steps: dict) -> str:
    """The RedNet's step against its controls', with the zero-cost-op floor; the study's networks beside."""
    from involution_tf import comparison, frontier, models

    ratios, floors, swaps = [], [], []
    for row in steps["rows"]:
        step = comparison.step_ratios(row)
        if row["model"] == models.REDNET:
            ratios.append(step[0])
            floors.append(step[3])
        elif models.network(row["model"]).family == "study":
            swaps.append(step[0])
    return (
        f"- **On a CPU, the {frontier.cpu_name(steps.get('device', 'unnamed'))}, the RedNet's involution "
        f"costs time.** Its training step, as Keras's `fit` runs it and timed in alternation with each "
        f"control's, takes {min(ratios):.2f}–"
        f"{max(ratios):.2f}× as long as each of its controls'; with an involution op that costs nothing, "
        f"still {min(floors):.2f}–{max(floors):.2f}×: what surrounds the op, its kernel generator, takes the "
        "time more than the op itself. (The study's involution networks take "
        f"{min(swaps):.2f}–{max(swaps):.2f}× their convolution networks' step, carrying "
        f"{'–'.join(map(str, _channels()))} channels.)"
    )


def _frontier_line(runs: list[dict], steps: dict) -> str:
    """The frontier's findings (after Holm's correction): at each cost, which control curves the RedNet is
    more and less accurate than, at which widths and on which datasets; then how many verdicts are no
    finding, how many wait for runs, and how many comparisons lie outside the controls' costs."""
    from involution_tf import comparison, frontier

    found = frontier.verdicts(runs, steps)
    adjusted = frontier.holm_of(found)
    outside = sum(v.reason.startswith(frontier.OUTSIDE) for v in found)
    findings = [found[i] for i, p in adjusted.items() if comparison.is_finding(found[i].difference, p)]

    def at(cost: str) -> str:  # the findings above and below the control curves at equal ``cost``
        more, less = (frontier.found_where(found, cost, side) for side in ("above", "below"))
        above = f"more accurate than {more}" if more else "not found more accurate than any control curve"
        below = f"less accurate than {less}" if less else "not found less accurate than any"
        return f"{above}, and {below}"

    repeated = sum(v.repeats_protocol for v in findings)
    cpu = frontier.cpu_name(steps.get("device", "unnamed"))
    waiting = len(found) - len(adjusted) - outside
    return (
        "- **At equal cost (the paper's question).** The RedNet and its 3×3 and depthwise controls were "
        "trained at widths 0.5, 1 and 2 (their channels times the width; `conv_matched_params` is a fourth "
        "point of the 3×3 curve), and each RedNet compared with each control's curve at the RedNet's own "
        f"cost. At equal parameters, the RedNet is {at('params')}. At equal time per training step — as "
        f"`fit` runs it, timed on the {cpu} — it is {at('step_ms')}. These are the {len(findings)} findings "
        f"after Holm's correction among {len(adjusted)} verdicts"
        + (
            f" ({repeated} of them {'compares' if repeated == 1 else 'compare'} nearly the same two networks "
            "as a protocol comparison, on the same runs: no new evidence)"
            if repeated
            else ""
        )
        + ". "
        + (f"{waiting} more comparisons wait for runs; " if waiting else "")
        + f"{outside} lie outside a control's widths and get no verdict (nothing is extrapolated)."
    )


def _detectable(differences: dict) -> str:
    """The differences the untold comparisons could detect (at 80% power), per dataset, as a phrase."""
    from involution_tf.comparison import DATASET_NAMES

    ranges = []
    for dataset, name in DATASET_NAMES.items():
        seen = [
            d.detectable
            for (where, _), d in differences.items()
            if where == dataset and d.verdict == "cannot be told apart"
        ]
        if seen:
            low, high = f"{min(seen):.2f}", f"{max(seen):.2f}"
            ranges.append(f"{low if low == high else f'{low}–{high}'} points on {name}")
    ranges = ranges[:1] + [r.replace(" points", "") for r in ranges[1:]]
    return ", ".join(ranges) or "no difference yet"


def _widest(differences: dict) -> str:
    """The largest difference the runs cannot tell from 0, in a sentence: what more seeds would settle."""
    from involution_tf.comparison import DATASET_NAMES

    untold = [(key, d) for key, d in differences.items() if d.verdict == "cannot be told apart"]
    if not untold:
        return ""
    (dataset, control), d = max(untold, key=lambda item: abs(item[1].points))
    return (
        f"The largest gap not told apart: on {DATASET_NAMES[dataset]}, the RedNet's mean is "
        f"{abs(d.points):.1f} points {'above' if d.points > 0 else 'below'} `{control}`'s (95% interval of "
        f"the difference {d.interval(decimals=1)})."
    )


def results_page(results: Path = RESULTS) -> str:
    """The results page: every table of the records in ``results``, as notebook 04 generates them, and the
    GPU measurements where a GPU run wrote them."""
    from involution_tf import benchmark, comparison, frontier, train_steps
    from involution_tf.records import load_records

    runs = load_records(results / "runs.json")
    steps = json.loads((results / "train_steps.json").read_text())
    verdicts = frontier.verdicts(runs, steps)
    sections = [
        "# Results",
        "Every table here is generated from the records in `results/` when the site is built; [notebook "
        "04](notebooks/04_dataset_comparison.ipynb) shows the same results with their figures and says how "
        "to read them, and the [glossary](glossary.md) defines every term. The networks: the student "
        "study's `conv_baseline` and `involution_swap`; `rednet`, a ResNet-style network whose bottlenecks "
        "mix space with an involution; and its three controls, `rednet_conv_control` (a 3×3 convolution in "
        "place of every involution), `rednet_depthwise_control` (a fixed K×K depthwise convolution instead) "
        "and `conv_matched_params` (the convolution control narrowed to the RedNet's parameters). Accuracy "
        "is test accuracy, measured once per run. The architectures were chosen on one seed's test "
        "accuracy, so test accuracy may flatter them; validation accuracy, never used for any choice, is "
        "shown alongside.",
        "## The RedNet against its controls",
        comparison.findings(runs),
        comparison.controls_table(runs),
        "The same comparisons on validation accuracy, which no choice of the course has seen:",
        comparison.controls_table(runs, key="validation_accuracy"),
        "## Every network of the validation protocol",
        "The seconds per epoch come from trainings run one after another on shared machines: they are no "
        "speed comparison (the interleaved step times below are).",
        comparison.runs_table(runs),
        "## The frontier",
        "Each RedNet width against each control family at the RedNet's own cost: the control's mean accuracy "
        "interpolated in log cost between its two neighbouring widths, Welch's interval on the difference, "
        "Holm's correction over the table (notebook 04 draws the curves).",
        frontier.summary(verdicts),
        frontier.findings(verdicts),
        frontier.verdicts_table(verdicts),
        "Every point of the curves, from which each verdict can be checked by hand:",
        frontier.points_table(runs, steps),
        frontier.budget(runs, steps),
        "## Training steps, measured interleaved",
        "Each involution network takes training steps in alternation with each of its controls, so that the "
        "machine's noise hits both alike (notebook 04 explains every column). The XLA columns compile the "
        "whole step, as Keras does on a GPU; on this CPU XLA slows some networks several-fold (the depthwise "
        "control most), so compare the networks as `fit` runs them, or each at its faster setting.",
        train_steps.format_report(steps),
        "## The op and the layer against convolution",
        '"op" is `ops.involution` alone, the kernels given; "layer" the whole `Involution` layer, kernel '
        'generation included; "vs" is our time divided by theirs (below 1 is faster). The traffic bound is '
        "the bytes a pass must read and write at the speed of a plain copy (notebook 03's appendix). Conv2D "
        "is a K×K convolution from C to C channels. The convolutions' peak memory does not count oneDNN's "
        "scratch space: compare the involutions' memory with each other.",
        benchmark.format_report(json.loads((results / "benchmark.json").read_text())),
        "## On a GPU",
    ]
    for name, report in (
        ("benchmark_gpu.json", benchmark.format_report),
        ("train_steps_gpu.json", train_steps.format_report),
    ):
        path = results / name
        sections.append(
            report(json.loads(path.read_text()))
            if path.exists()
            else f"No GPU measurement yet (`{name}`; the maintainers' page says how to make one)."
        )
    sections += [
        "## The earlier single runs",
        "Before the protocol: one seed per network, trained on every training image, per-epoch accuracy "
        "measured on the test set. The networks were chosen on these runs (notebook 04's appendix); the "
        "protocol's runs above supersede them.",
        comparison.results_table(load_records(results / "comparison.json")),
    ]
    return "\n\n".join(sections)


def _steps(results: Path = RESULTS) -> dict:
    return json.loads((results / "train_steps.json").read_text())


def _stage(source: Path, course: Path) -> None:
    """Lay out the site's sources from the ``course`` checkout: its site/ and notebooks, MathJax, and the
    generated pages and figures."""
    import mathjax
    import matplotlib

    matplotlib.use("Agg")
    from involution_tf import plotting
    from involution_tf.records import load_records

    shutil.copytree(course / "site", source, dirs_exist_ok=True)
    notebooks = sorted((course / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    check_notebooks(notebooks)
    (source / "notebooks").mkdir()
    for path in notebooks:  # the Colab badge's image from the site itself, which reads offline
        text = path.read_text().replace(COLAB_BADGE, "../_static/colab-badge.svg")
        (source / "notebooks" / path.name).write_text(text)
    static = source / "_static"
    shutil.copytree(Path(mathjax.__file__).parent / "static" / "mathjax" / "es5", static / "mathjax")
    results = course / "results"
    runs = load_records(results / "runs.json")
    generated = source / "_generated"
    generated.mkdir()
    (generated / "headline.md").write_text(headline(runs, _steps(results)) + "\n")
    (source / "results.md").write_text(results_page(results))
    plotting.draw_involution_at_pixel().savefig(static / "operator.png", dpi=110, bbox_inches="tight")
    plotting.plot_differences(runs).savefig(static / "differences.png", dpi=110, bbox_inches="tight")


def build(output: str | Path = DEFAULT_OUTPUT, course: str | Path = ROOT) -> Path:
    """Build the site of the ``course`` checkout into ``output`` (replaced whole); return the path of its
    index page."""
    from sphinx.cmd.build import build_main

    output, course = Path(output), Path(course)
    if not (course / "site" / "conf.py").exists():
        raise ValueError(
            f"`course` {course} is not a checkout of the course (no site/conf.py there): pass its folder."
        )
    with tempfile.TemporaryDirectory(prefix="involution-site-") as staging:
        source = Path(staging) / "src"
        _stage(source, course)
        fresh = Path(staging) / "html"
        status = build_main(["-W", "--keep-going", "-q", "-b", "html", str(source), str(fresh)])
        if status:
            raise ValueError(
                f"the site's build left warnings or errors (sphinx exit status {status}): see above."
            )
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(fresh, output)
    return output / "index.html"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=command("site"), description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder to build into (replaced whole)")
    parser.add_argument(
        "--course", default=str(ROOT), help="the course's checkout (site/, notebooks/, results/)"
    )
    parser.add_argument(
        "--readme", help="also write the headline finding into this README's headline section"
    )
    args = parser.parse_args(argv)
    if args.readme:
        from involution_tf.records import load_records, replace_section

        results = Path(args.course) / "results"
        replace_section(
            args.readme, "headline", headline(load_records(results / "runs.json"), _steps(results))
        )
    try:
        index = build(args.output, args.course)
    except ValueError as error:
        parser.error(str(error))
    print(f"site built: {index}")
