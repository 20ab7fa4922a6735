"""The course as a lesson: every notebook opens with "You will learn" and ends its main text with a Summary,
the main texts keep their word budgets, notebook 04 leaves the statistics to notebook 05, and every number the
README's headline and notebook 04's prose cite is recomputed here from the records (people write the
sentences; when a record changes, these tests name the sentence to reread)."""

import json
import re
from pathlib import Path

import pytest

from involution_tf import benchmark, comparison, costs, frontier, models, records, training

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Words of prose before the exercises (None: no budget; notebook 05 is the methods, for those who want them).
PROSE_BUDGET = {"01": 1100, "02": 2200, "03": 2200, "04": 2500, "05": None}
GENERATED_BUDGET_04 = 600
# The methods' vocabulary, which notebook 04's main text leaves to notebook 05.
STATISTICS = re.compile(r"Holm|Welch|p-value|p = |standard error|detectable|power|verdict", re.IGNORECASE)
# Words the README's headline would have to explain.
JARGON = re.compile(r"Holm|Welch|verdict|widths?\b|frontier|protocol|as `fit` runs it|finding", re.IGNORECASE)


def words(text: str) -> int:
    """Words as a reader counts them: links' addresses, HTML comments and math markup left out."""
    text = re.sub(r"\]\([^)]*\)|<!--.*?-->|https?://\S+", " ", text, flags=re.DOTALL)
    return len(re.findall(r"[A-Za-z0-9][\w'’.,×–-]*", text))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def main_text(path: Path) -> list[dict]:
    """The notebook's cells before its exercises."""
    found = cells(path)
    end = next(n for n, c in enumerate(found) if source(c).startswith("## Exercises"))
    return found[:end]


def prose(path: Path) -> str:
    return "\n\n".join(source(c) for c in main_text(path) if c["cell_type"] == "markdown")


def generated(path: Path) -> str:
    """The markdown the main text's code cells display (tables, read-outs)."""
    return "\n\n".join(
        "".join(output["data"]["text/markdown"])
        for c in main_text(path)
        if c["cell_type"] == "code"
        for output in c["outputs"]
        if "text/markdown" in output.get("data", {})
    )


def flat(text: str) -> str:
    return " ".join(text.split())


def bullets(text: str) -> int:
    return sum(line.startswith(("- ", "* ")) for line in text.splitlines())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_opens_with_what_you_will_learn_and_ends_its_main_text_with_a_summary(path):
    opening = source(cells(path)[0])
    assert "**You will learn**" in opening
    learn = opening.split("**You will learn**", 1)[1].strip("\n").split("\n\n")[0]
    assert 3 <= bullets(learn) <= 5
    main = main_text(path)
    summaries = [n for n, c in enumerate(main) if source(c).startswith("## Summary")]
    assert len(summaries) == 1, "one Summary, before the exercises"
    assert 3 <= bullets(source(main[summaries[0]])) <= 6
    assert all(c["cell_type"] == "code" or source(c).startswith("Next") for c in main[summaries[0] + 1 :])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_main_text_keeps_its_word_budget(path):
    budget = PROSE_BUDGET[path.name[:2]]
    if budget is not None:
        assert words(prose(path)) <= budget
    if path.name.startswith("04_"):
        assert words(generated(path)) <= GENERATED_BUDGET_04


def test_the_counter_counts_words_not_links():
    assert (
        words("The [keras.io](https://keras.io/examples/vision/involution/) example, 1.8–2.1× as large.") == 6
    )


def test_notebook_04_leaves_the_statistics_to_notebook_05():
    (lesson,) = [p for p in NOTEBOOKS if p.name.startswith("04_")]
    found = STATISTICS.findall(prose(lesson) + generated(lesson))
    assert not found, found


def readme_headline() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("<!-- headline:start -->\n")[1].split("\n<!-- headline:end -->")[0]


class Records:
    """The figures the lesson's sentences cite, computed from the committed records."""

    def __init__(self):
        runs = records.load_records(records.DEFAULT_RUNS)
        self.runs, self.protocol = runs, records.at_width(runs)
        self.steps = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
        self.differences = comparison.control_differences(self.protocol)
        adjusted = comparison.holm_adjusted(self.differences)
        self.found = {k: d for k, d in self.differences.items() if comparison.is_finding(d, adjusted[k])}
        self.untold = [k for k, d in self.differences.items() if d.verdict == "cannot be told apart"]

    def mean(self, dataset: str, model: str) -> float:
        return 100 * comparison.spread(comparison.accuracies(self.protocol, dataset, model)).mean

    def params(self, dataset: str, model: str) -> int:
        return models.build_model(model, dataset).count_params()

    def across(self, values, digits: int = 0, dash: str = "–") -> str:
        return f"{min(values):.{digits}f}{dash}{max(values):.{digits}f}"

    def swap_gap(self, dash: str = "–") -> str:
        gaps = [self.mean(d, "conv_baseline") - self.mean(d, "involution_swap") for d in models.INPUT_SHAPES]
        return self.across(gaps, 0, dash)

    def swap_fewer(self, dash: str) -> str:
        fewer = [
            self.params(d, "conv_baseline") / self.params(d, "involution_swap") for d in models.INPUT_SHAPES
        ]
        return self.across(fewer, 0, dash)

    def step(self, index: int, dash: str) -> str:
        """The RedNet's step over its controls': index 0 as fit runs it, 3 with a zero-cost op."""
        rows = [row for row in self.steps["rows"] if row["model"] == models.REDNET]
        return self.across([comparison.step_ratios(row)[index] for row in rows], 2, dash)

    def seeds(self) -> list[int]:
        return comparison.seed_counts(self.protocol, self.differences)

    def frontier_findings(self) -> list:
        found = frontier.verdicts(self.runs, self.steps)
        adjusted = frontier.holm_of(found)
        return [found[i] for i, p in adjusted.items() if comparison.is_finding(found[i].difference, p)]


def cifar_size(figures: Records) -> float:
    """The CIFAR-10 3×3 control's parameters over the RedNet's."""
    return figures.params("cifar10", "rednet_conv_control") / figures.params("cifar10", "rednet")


@pytest.fixture(scope="module")
def figures():
    return Records()


@pytest.mark.committed_results
def test_the_readme_headline_is_short_plain_and_says_what_the_records_say(figures):
    headline = readme_headline()
    assert words(headline) <= 150 and 3 <= bullets(headline) <= 5
    assert not JARGON.findall(headline), JARGON.findall(headline)
    text = flat(headline)
    mnist = figures.found["mnist", "conv_matched_params"]
    cifar = figures.found["cifar10", "rednet_conv_control"]
    assert set(figures.found) == {("mnist", "conv_matched_params"), ("cifar10", "rednet_conv_control")}
    assert mnist.points > 0 > cifar.points
    depthwise = [figures.differences[d, "rednet_depthwise_control"] for d in models.INPUT_SHAPES]
    assert all(d.verdict in ("cannot be told apart", "ahead") for d in depthwise)  # "not found less accurate"
    assert all(
        figures.params(d, "rednet_depthwise_control") < figures.params(d, "rednet")
        for d in models.INPUT_SHAPES
    )  # "with fewer parameters"
    seeds = figures.seeds()
    for claim in (
        f"costs {figures.swap_gap()} points",
        f"{len(figures.untold)} of {len(figures.differences)} comparisons with its controls cannot be told "
        "apart",
        f"{min(seeds)}–{max(seeds)} runs each",
        f"{mnist.points:.2f} points ahead of a convolution network of its size on MNIST",
        f"{-cifar.points:.2f} points behind a 3×3 convolution with {cifar_size(figures):.1f}× its parameters "
        "on CIFAR-10",
        f"takes {figures.step(0, '–')}× its controls', still {figures.step(3, '–')}× with a sum that costs "
        "nothing",
    ):
        assert claim in text, claim


@pytest.mark.committed_results
def test_the_readme_says_how_much_faster_than_extract_patches_the_committed_benchmark_found():
    record = json.loads((ROOT / "results" / "benchmark.json").read_text())
    ratios = [
        row["timings"]["extract_patches"][key] / row["timings"]["involution_tf"][key]
        for row in record["rows"]
        for key in ("forward", "forward_backward")
    ]
    readme = flat((ROOT / "README.md").read_text())
    assert (
        f"({min(ratios):.0f}–{max(ratios):.0f}× faster in the committed benchmark than an `extract_patches`"
        in readme
    )


@pytest.mark.committed_results
def test_notebook_04_says_what_the_records_say(figures):
    (lesson,) = [p for p in NOTEBOOKS if p.name.startswith("04_")]
    text = flat(" ".join(source(c) for c in cells(lesson) if c["cell_type"] == "markdown"))
    mnist = figures.found["mnist", "conv_matched_params"]
    cifar = figures.found["cifar10", "rednet_conv_control"]
    assert figures.differences["mnist", "rednet_depthwise_control"].verdict == "cannot be told apart"
    assert figures.differences["cifar10", "conv_matched_params"].verdict == "cannot be told apart"
    assert all(  # "Against the depthwise control, the RedNet cannot be told apart on any dataset."
        figures.differences[d, "rednet_depthwise_control"].verdict == "cannot be told apart"
        for d in models.INPUT_SHAPES
    )
    rednet, control = (
        comparison.accuracies(figures.protocol, "cifar10", m) for m in ("rednet", "rednet_conv_control")
    )
    assert min(control) > max(rednet)  # "every run of the 3×3 control beat every run of the RedNet"
    runs = {
        (d, m): len(comparison.accuracies(figures.protocol, d, m))
        for d, control in figures.differences
        for m in (models.REDNET, control)
    }
    assert {n for (d, _), n in runs.items() if d != "cifar10"} == {3}  # "3 seeds a network on MNIST and ..."
    assert {n for (d, _), n in runs.items() if d == "cifar10"} == {7}  # "... and 7 on CIFAR-10"
    fashion = [figures.mean("fashion_mnist", m) for m in (models.REDNET, "rednet_depthwise_control")]
    assert all(round(f) == 93 for f in fashion)  # "on a full run they reach about 93%"
    spread = [
        comparison.spread(comparison.accuracies(figures.protocol, "fashion_mnist", m)).sd
        for m in (models.REDNET, "rednet_depthwise_control")
    ]
    assert all(0.001 <= s <= 0.005 for s in spread)  # "differ by a few tenths of a point"
    assert training.recipe_for(models.REDNET, "fashion_mnist").epochs == 12
    found = figures.frontier_findings()
    at = {(v.cost, v.control, v.kind, v.dataset, v.width) for v in found}
    assert {(c, k, d) for c, _, k, d, _ in at if c == "params"} == {("params", "above the frontier", "mnist")}
    assert not [v for v in found if v.control == "depthwise" and v.cost == "params"]
    assert not [v for v in found if v.cost == "step_ms" and v.kind == "above the frontier"]
    for dataset in models.INPUT_SHAPES:  # "the narrowest RedNets are less accurate than both"
        for control in frontier.CONTROL_FAMILIES:
            assert ("step_ms", control, "below the frontier", dataset, 0.5) in at
        assert ("step_ms", control, "below the frontier", "cifar10", 1.0) in at  # "and the width-1 ... too"
    for claim in (
        f"The swap network trails by {figures.swap_gap(' to ')} points",
        f"it has {figures.swap_fewer(' to ')} times fewer parameters",
        f"Of the {len(figures.differences)} comparisons (three controls on three datasets), "
        f"{len(figures.untold)} cannot be told apart, with 3 seeds a network on MNIST and Fashion-MNIST and "
        "7 on CIFAR-10",
        "the RedNet is ahead of the convolution network of its size (`conv_matched_params`) by "
        f"{mnist.points:.2f} points (95% interval {mnist.interval()})",
        f"behind its 3×3 control by {-cifar.points:.2f} points (95% interval {cifar.interval()})".replace(
            "-", "−"
        ),
        f"That control has about twice the RedNet's parameters ({cifar_size(figures):.2f} times on "
        "CIFAR-10);",
        f"The RedNet's step takes {figures.step(0, ' to ')} times as long as its controls'",
        f"it still takes {figures.step(3, ' to ')} times as long",
    ):
        assert claim in text, claim


def test_notebook_02_says_where_the_parameter_saving_comes_from():
    (costs_cell,) = [p for p in NOTEBOOKS if p.name.startswith("02_")]
    text = flat(prose(costs_cell))
    involution, depthwise = costs.involution_params(64, 3), costs.depthwise_params(64, 3)
    assert (
        f"At $C = 64$, $K = 3$ the involution holds {involution:,} parameters and the depthwise convolution "
        f"{depthwise:,}" in text
    )
    assert "far fewer parameters |" not in text  # the study's row, no longer endorsed


@pytest.mark.committed_results
def test_notebook_03_compares_peak_memory_only_where_it_is_measured_alike():
    record = json.loads((ROOT / "results" / "benchmark.json").read_text())
    table = benchmark.memory_table(record)
    assert "op peak MiB" in table and "Conv2D" not in table


@pytest.mark.committed_results
def test_notebook_03_cites_the_committed_benchmark_as_it_is():
    record = json.loads((ROOT / "results" / "benchmark.json").read_text())
    timing = lambda name, key: [row["timings"][name][key] for row in record["rows"]]  # noqa: E731
    keys = ("forward", "forward_backward")
    layer = [a / b for k in keys for a, b in zip(timing("Involution", k), timing("Conv2D", k))]
    op = [a / b for k in keys for a, b in zip(timing("involution_tf", k), timing("DepthwiseConv2D", k))]
    (notebook,) = [p for p in NOTEBOOKS if p.name.startswith("03_")]
    text = flat(prose(notebook))
    assert f"it takes {min(layer):.2f}–{max(layer):.2f} times Conv2D's time" in text
    assert f"the op takes {min(op):.2f}–{max(op):.2f} times its time" in text
    smallest = record["rows"][0]  # the smallest shape's forward and backward pass: "slower than Conv2D"
    assert (
        smallest["timings"]["Involution"]["forward_backward"]
        > smallest["timings"]["Conv2D"]["forward_backward"]
    )
