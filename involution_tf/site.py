"""The course's website: the committed notebooks, as they are, with a landing page, a results page
generated from the records, the API and the glossary, built offline into an ignored folder.

    python -m involution_tf site [--output build/site]

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


def headline(readme: Path) -> str:
    """The README's headline section, as its authors wrote it (the site's landing page shows it too)."""
    text = Path(readme).read_text()
    start, end = "<!-- headline:start -->\n", "\n<!-- headline:end -->"
    if start not in text or end not in text:
        raise ValueError(f"`readme` {readme} has no headline section ({start.strip()} ... {end.strip()}).")
    return text.split(start, 1)[1].split(end, 1)[0]


def results_page(results: Path = RESULTS) -> str:
    """The results page: every table of the records in ``results``, as notebook 05 generates them, and the
    GPU measurements where a GPU run wrote them."""
    from involution_tf import benchmark, comparison, frontier, train_steps
    from involution_tf.records import load_records

    runs = load_records(results / "runs.json")
    steps = json.loads((results / "train_steps.json").read_text())
    verdicts = frontier.verdicts(runs, steps)
    sections = [
        "# Results",
        "Every table here is generated from the records in `results/` when the site is built; [notebook "
        "04](notebooks/05_how_we_measured.ipynb) shows the same results with their figures and says how "
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
        "Holm's correction over the table (notebooks 04 and 05 draw the curves).",
        frontier.summary(verdicts),
        frontier.findings(verdicts),
        frontier.verdicts_table(verdicts),
        "Every point of the curves, from which each verdict can be checked by hand:",
        frontier.points_table(runs, steps),
        frontier.budget(runs, steps),
        "## Training steps, measured interleaved",
        "Each involution network takes training steps in alternation with each of its controls, so that the "
        "machine's noise hits both alike (notebook 05 explains every column). The XLA columns compile the "
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
        "measured on the test set. The networks were chosen on these runs (notebook 05's appendix); the "
        "protocol's runs above supersede them.",
        comparison.results_table(load_records(results / "comparison.json")),
    ]
    return "\n\n".join(sections)


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
    (generated / "headline.md").write_text(headline(course / "README.md") + "\n")
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
    args = parser.parse_args(argv)
    try:
        index = build(args.output, args.course)
    except ValueError as error:
        parser.error(str(error))
    print(f"site built: {index}")
