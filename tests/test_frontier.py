"""The frontier's verdicts: interpolation in log cost, Welch's interval on the interpolated mean, no
extrapolation, Holm's correction, and verdicts that follow from the committed records."""

import math

import pytest

from involution_tf import comparison, frontier, models, records


def run(model, width, params, accuracy, seed, dataset="cifar10"):
    return dict(dataset=dataset, model=model, width=width, params=params, test_accuracy=accuracy, seed=seed)


def curve(model, sizes, spread=(0.0, 0.002, 0.004)):
    """Three seeds of ``model`` at each (width, params, mean accuracy)."""
    return [
        run(model, width, params, accuracy - 0.002 + d, seed)
        for width, params, accuracy in sizes
        for seed, d in enumerate(spread)
    ]


# A convolution curve at 0.70 (10,000 params), 0.7 width (20,000: conv_matched_params), 0.80 (40,000).
CONV = curve("rednet_conv_control", [(0.5, 10_000, 0.70), (1.0, 40_000, 0.80)]) + curve(
    "conv_matched_params", [(1.0, 20_000, 0.75)]
)


def test_the_control_is_interpolated_in_log_parameters_between_its_neighbouring_widths():
    rednet = curve("rednet", [(1.0, 20_000, 0.76), (2.0, 80_000, 0.85), (0.5, 5_000, 0.60)])
    found = {(v.width, v.control, v.cost): v for v in frontier.verdicts(rednet + CONV)}
    at_matched = found[1.0, "convolution", "params"]  # exactly on conv_matched_params: no interpolation
    assert at_matched.difference.points == pytest.approx(1.0)
    assert at_matched.control_here == "100% conv_matched_params"
    assert found[2.0, "convolution", "params"].kind == "no verdict"  # wider than the widest control
    assert found[0.5, "convolution", "params"].words() == frontier.OUTSIDE + " recorded so far"
    assert found[1.0, "convolution", "step_ms"].words() == "no verdict: step time not measured"
    assert found[1.0, "depthwise", "params"].kind == "no verdict"  # no depthwise runs at all
    widest = curve("rednet_conv_control", [(2.0, 160_000, 0.85)])  # the control now spans every width
    found = {(v.width, v.control, v.cost): v for v in frontier.verdicts(rednet + CONV + widest)}
    assert found[0.5, "convolution", "params"].words() == (
        "no verdict: the RedNet's cost lies outside the control's widths (more seeds cannot change that)"
    )


def test_halfway_in_log_parameters_the_interpolated_mean_halves_the_variance_of_each_neighbour():
    rednet = curve("rednet", [(1.0, math.sqrt(20_000 * 40_000), 0.79)])
    (v,) = [v for v in frontier.verdicts(rednet + CONV) if (v.control, v.cost) == ("convolution", "params")]
    assert v.difference.points == pytest.approx(100 * (0.79 - 0.775))
    sd2 = 0.002**2 / 3  # every point's variance of the mean
    se = 100 * math.sqrt(sd2 + 0.25 * sd2 + 0.25 * sd2)
    df = comparison.welch_df([(sd2, 3), (sd2 / 4, 3), (sd2 / 4, 3)])
    assert v.difference.noise == pytest.approx(comparison.t_quantile(0.975, df) * se)
    assert v.kind == "above the frontier" and v.seeds == 3
    assert set(v.control_here.split(", ")) == {"50% conv_matched_params", "50% width 1"}


def test_a_difference_inside_the_noise_says_what_the_runs_could_detect():
    rednet = curve("rednet", [(1.0, 20_000, 0.7505)], spread=(0.0, 0.02, 0.04))
    (v,) = [v for v in frontier.verdicts(rednet + CONV) if (v.control, v.cost) == ("convolution", "params")]
    assert v.kind == "cannot be told apart"
    assert v.words() == (
        "cannot be told apart with 3 RedNet runs (these runs would detect "
        f"{v.difference.detectable:.2f} points 80% of the time)"
    )
    assert v.difference.detectable > abs(v.difference.points)


def test_step_times_place_each_network_on_the_second_cost_axis():
    rednet = curve("rednet", [(1.0, 20_000, 0.76)])
    steps = {
        "sweep": [
            dict(dataset="cifar10", model="rednet", width=1.0, seconds=0.030),
            dict(dataset="cifar10", model="rednet_conv_control", width=0.5, seconds=0.010),
            dict(dataset="cifar10", model="rednet_conv_control", width=1.0, seconds=0.090),
            dict(dataset="cifar10", model="conv_matched_params", width=1.0, seconds=0.020),
        ]
    }
    families = frontier.points(rednet + CONV, "cifar10", steps)
    assert [(p.model, p.step_ms) for p in families["convolution"]] == [
        ("rednet_conv_control", 10.0),
        ("conv_matched_params", 20.0),
        ("rednet_conv_control", 90.0),
    ]
    (v,) = [
        v
        for v in frontier.verdicts(rednet + CONV, steps)
        if (v.control, v.cost) == ("convolution", "step_ms")
    ]
    a = math.log(30 / 20) / math.log(90 / 20)  # between conv_matched_params and the width-1 control
    assert v.difference.points == pytest.approx(100 * (0.76 - ((1 - a) * 0.75 + a * 0.80)))


def test_the_table_adjusts_every_verdict_for_the_others_and_the_summary_counts_them():
    rednet = curve("rednet", [(1.0, 20_000, 0.76), (0.5, 10_000, 0.69)])
    found = frontier.verdicts(rednet + CONV)
    table = frontier.verdicts_table(found)
    assert "| CIFAR-10 | 1 | 3×3 convolution control | parameters | 100% conv_matched_params | +1.00 |" in (
        table
    )
    assert "above the frontier (survives Holm's correction)" in table
    assert "| CIFAR-10 | 0.5 | 3×3 convolution control | parameters | 100% width 0.5 | -1.00 |" in table
    assert table.count("\n| CIFAR-10 |") == 2  # the verdicts with an interval; the others in a sentence each:
    assert (
        "\n\nNo verdict: step time not measured, in 4 comparisons: CIFAR-10 width 0.5 against the 3×3 "
        "convolution " in table
    )
    assert (
        "\n\nNo verdict: the RedNet's cost lies outside the control's widths recorded so far, in 2 "
        "comparisons: CIFAR-10 width 0.5" in table
    )
    summary = frontier.summary(found)
    assert (
        "- Against the 3×3 convolution control, at equal parameters: 1 above the frontier (after Holm's "
        "correction); 1 below the frontier (after Holm's correction)." in summary
    )
    assert "at equal time per training step: 2 no verdict yet." in summary
    assert "Holm's correction runs over the 2 verdicts of the table that have an interval" in summary


def test_the_findings_read_the_verdicts_out_per_dataset_with_their_widths():
    rednet = curve("rednet", [(1.0, 20_000, 0.76), (0.5, 10_000, 0.69)])
    assert frontier.findings(frontier.verdicts(rednet + CONV)) == (
        "- **CIFAR-10**: the RedNet is below the frontier of the 3×3 convolution control at equal "
        "parameters (width 0.5); above the frontier of the 3×3 convolution control at equal parameters "
        "(width 1). Of its 8 comparisons: 2 findings; 0 cannot be told apart; 0 differ by Welch's test "
        "alone, not after Holm's correction; 2 no verdict, the RedNet's cost lying outside the control's "
        "widths; 4 no verdict yet."
    )
    level = curve("rednet", [(1.0, 20_000, 0.75), (0.5, 10_000, 0.70)])
    assert frontier.findings(frontier.verdicts(level + CONV)).startswith("- **CIFAR-10**: no finding. Of its")
    assert frontier.findings([]) == "No runs of the frontier yet."


def test_a_difference_that_fails_holms_correction_is_no_finding_in_the_table_nor_in_the_summary():
    """Welch's interval excludes 0, but among many verdicts Holm's adjusted p-value reaches 0.05."""
    rednet = curve("rednet", [(1.0, 20_000, 0.755)])
    (v,) = [v for v in frontier.verdicts(rednet + CONV) if (v.control, v.cost) == ("convolution", "params")]
    assert v.kind == "above the frontier" and 0.01 < v.difference.p_value < 0.05
    assert v.words(adjusted_p=0.2) == "not a finding after Holm's correction (above by Welch's test alone)"
    assert v.words(adjusted_p=0.01) == "above the frontier (survives Holm's correction)"
    twice = curve("rednet", [(1.0, 20_000, 0.755), (0.5, 10_000, 0.705)])  # two such p-values: Holm doubles
    summary = frontier.summary(frontier.verdicts(twice + CONV))
    assert "at equal parameters: 2 above by Welch's test alone, not after Holm's correction." in summary


@pytest.mark.committed_results
def test_verdicts_follow_from_the_committed_records():
    """Every verdict the notebook shows is recomputed here from results/runs.json: a RedNet is above or
    below a control curve only where its Welch interval at that cost excludes 0."""
    runs = records.load_records(records.DEFAULT_RUNS)
    for v in frontier.verdicts(runs):
        if v.difference is None:
            continue
        d = v.difference
        assert (v.kind == "cannot be told apart") == (abs(d.points) <= d.noise)
        assert v.seeds == sum(
            r["model"] == "rednet" and r["dataset"] == v.dataset and records.width_of(r) == v.width
            for r in runs
        )


def test_no_verdict_says_why():
    rednet = curve("rednet", [(1.0, 15_000, 0.76)])  # between a one-run width and conv_matched_params
    one_run = [run("rednet_conv_control", 0.5, 10_000, 0.7, 0), *CONV[3:]]  # width 0.5 with one run only
    (v,) = [
        v for v in frontier.verdicts(rednet + one_run) if (v.control, v.cost) == ("convolution", "params")
    ]
    assert v.words() == "no verdict: a neighbouring width of the control has fewer than two runs yet"
    lone = curve("rednet", [(2.0, 30_000, 0.76)], spread=(0.0,))
    (v,) = [v for v in frontier.verdicts(lone + CONV) if (v.control, v.cost) == ("convolution", "params")]
    assert v.words() == "no verdict: the RedNet has fewer than two runs at this width yet"


def test_the_budget_reads_the_fastest_run_and_gives_the_step_times_lower_bound():
    """0.5 s a step, 1,000 images in batches of 128 (8 steps an epoch), 60 epochs: 4 minutes of steps;
    runs of 5 and 7 minutes in all."""
    recipe = {"batch_size": 128}
    runs = [
        dict(
            dataset="mnist",
            model="rednet",
            width=2.0,
            train_images=1000,
            epochs=60,
            recipe=recipe,
            total_seconds=s,
            device="CPU: a test machine",
        )
        for s in (300.0, 420.0)
    ]
    steps = {
        "device": "CPU: a quiet one",
        "sweep": [dict(dataset="mnist", model="rednet", width=2.0, seconds=0.5)],
    }
    assert frontier.training_minutes(runs, steps) == [("mnist", "rednet", 2.0, 4.0, 5.0, 7.0)]
    said = frontier.budget(runs, steps)
    assert (
        "each of the 1 networks of the sweep has a run that took at most 20 minutes: width 2 stands" in said
    )
    assert "took 5.0 minutes in its fastest run and 7.0 in its slowest" in said
    assert "alone (its steps times its median step, timed on a quiet machine) make 4.0 minutes" in said
    assert "recorded on a test machine; the step times on a quiet one." in said
    assert "took 5.0 minutes in its one run so far;" in frontier.budget(runs[:1], steps)
    runs[0]["total_seconds"] = 1260.0  # 21 minutes and 7: one run within the budget is enough
    assert "has a run that took at most 20 minutes" in frontier.budget(runs, steps)
    runs[1]["total_seconds"] = 1500.0  # 21 and 25 minutes
    assert "1 of the 1 networks of the sweep took more than 20 minutes in every run: too large" in (
        frontier.budget(runs, steps)
    )
    steps["sweep"].append(dict(dataset="mnist", model="rednet", width=1.0, seconds=0.1))  # timed, no run yet
    assert "1 of the 1 networks with runs so far (of 2 timed) took more" in frontier.budget(runs, steps)
    steps["sweep"][0]["width"] = 0.5  # a network without runs is not judged
    assert frontier.budget(runs, steps).startswith("No network of the sweep")


@pytest.mark.committed_results
def test_every_network_of_the_sweep_fits_the_budget_by_its_fastest_committed_run():
    import json

    steps = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
    rows = frontier.training_minutes(records.load_records(records.DEFAULT_RUNS), steps)
    assert len(rows) >= 27 and max(row[4] for row in rows) <= frontier.BUDGET_MINUTES


@pytest.mark.committed_results
def test_the_results_page_shows_the_frontier_and_its_budget():
    import json

    from involution_tf import site

    runs = records.load_records(records.DEFAULT_RUNS)
    steps = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
    page = site.results_page()
    found = frontier.verdicts(runs, steps)
    for part in (frontier.summary(found), frontier.findings(found), frontier.verdicts_table(found)):
        assert part in page
    assert frontier.budget(runs, steps) in page
    assert frontier.points_table(runs, steps) in page


@pytest.mark.committed_results
def test_notebook_04_frontier_conclusions_still_say_what_the_committed_records_say():
    """The frontier bullet of notebook 04's "What we learn" is prose: each claim is recomputed here."""
    import json
    from pathlib import Path

    runs = records.load_records(records.DEFAULT_RUNS)
    steps = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
    found = frontier.verdicts(runs, steps)
    adjusted = frontier.holm_of(found)
    finding = {
        (v.dataset, v.width, v.control, v.cost): v
        for i, v in enumerate(found)
        if comparison.is_finding(v.difference, adjusted.get(i))
    }
    at_params = {key: v.kind for key, v in finding.items() if key[3] == "params"}
    assert at_params == {  # "above the 3×3 convolution's curve on MNIST, at widths 1 and 2"
        ("mnist", 1.0, "convolution", "params"): "above the frontier",
        ("mnist", 2.0, "convolution", "params"): "above the frontier",
    }
    points = [f"{finding['mnist', w, 'convolution', 'params'].difference.points:+.2f}" for w in (1.0, 2.0)]
    assert points == ["+0.27", "+0.31"]
    matched = finding["mnist", 1.0, "convolution", "params"].control_here
    assert matched.startswith("96% conv_matched_params")
    key = ("cifar10", 1.0, "depthwise", "params")
    (i,) = [i for i, v in enumerate(found) if (v.dataset, v.width, v.control, v.cost) == key]
    depthwise_cifar = found[i]
    assert depthwise_cifar.kind == "below the frontier" and key not in finding  # "by Welch's test alone"
    others = [v for v in found if v.cost == "params" and v.difference and v is not depthwise_cifar]
    assert all(v.kind == "cannot be told apart" for v in others if v not in finding.values())  # "Every other"
    last_round = {("rednet_depthwise_control", 6), ("conv_matched_params", 6)}  # CIFAR-10, width 1
    before = [
        r
        for r in runs
        if not (
            r["dataset"] == "cifar10" and records.width_of(r) == 1 and (r["model"], r["seed"]) in last_round
        )
    ]
    assert len(before) == len(runs) - 2
    earlier = frontier.verdicts(before, steps)
    edge = frontier.holm_of(earlier)[i]  # "with 6 seeds of the depthwise control ... a finding, at 0.049"
    assert (earlier[i].dataset, earlier[i].width, earlier[i].control, earlier[i].cost) == key
    assert comparison.is_finding(earlier[i].difference, edge)
    in_time = {key: v for key, v in finding.items() if key[3] == "step_ms"}
    everywhere = {(d, 0.5, c, "step_ms") for d in models.INPUT_SHAPES for c in ("convolution", "depthwise")}
    cifar_1 = [
        ("cifar10", 1.0, c, "step_ms") for c in ("convolution", "depthwise")
    ]  # as the text orders them
    assert set(in_time) == everywhere | set(cifar_1)
    assert all(v.kind == "below the frontier" for v in in_time.values())

    def behind(keys):  # "0.75–1.12", or "3.82" for one
        gaps = [f"{-in_time[key].difference.points:.2f}" for key in keys]
        return min(gaps) if len(set(gaps)) == 1 else f"{min(gaps, key=float)}–{max(gaps, key=float)}"

    heaviest = [max(in_time[key].weighed, key=lambda lw: lw[1]) for key in everywhere]
    assert {label for label, _ in heaviest} <= {"width 1", "conv_matched_params"}
    weights = [w for _, w in heaviest]
    width_1_in_time = [v for v in found if (v.width, v.cost) == (1.0, "step_ms") and v.dataset != "cifar10"]
    kinds = {v.kind for v in width_1_in_time}  # "behind by Welch's test alone, or cannot be told apart"
    assert len(width_1_in_time) == 4 and kinds == {"below the frontier", "cannot be told apart"}
    xla = [
        comparison.step_ratios(row)[1]
        for row in steps["rows"]
        if row["counterpart"] == "rednet_depthwise_control"
    ]
    assert (
        len(xla) == 3 and max(xla) < 1
    )  # "Compiled by XLA ... the depthwise control's step is the slower one"
    faster_vs_faster = [
        comparison.step_ratios(row)[2]
        for row in steps["rows"]
        if row["counterpart"] == "rednet_depthwise_control"
    ]
    assert min(faster_vs_faster) > 1  # "it stays faster with each network at its faster setting"
    mnist_1 = {
        v.cost: (i, v)
        for i, v in enumerate(found)
        if (v.dataset, v.width, v.control) == ("mnist", 1.0, "convolution")
    }
    (i_params, at_params_1), (i_time, at_time_1) = mnist_1["params"], mnist_1["step_ms"]
    assert at_params_1.kind == "above the frontier" and comparison.is_finding(
        at_params_1.difference, adjusted[i_params]
    )
    assert at_time_1.kind == "below the frontier" and not comparison.is_finding(
        at_time_1.difference, adjusted[i_time]
    )
    widest = [v for v in found if (v.width, v.cost) == (2.0, "step_ms")]
    assert widest and all(v.difference is None for v in widest)  # "the width-2 RedNets ... get no verdict"
    for dataset in models.INPUT_SHAPES:  # "slower than every control network"
        families = frontier.points(runs, dataset, steps)
        rednet_2 = next(p for p in families["involution"] if p.width == 2.0)
        controls = [p for family in frontier.CONTROL_FAMILIES for p in families[family]]
        assert all(rednet_2.step_ms > p.step_ms for p in controls)
    outside = [v for v in found if v.reason.startswith(frontier.OUTSIDE)]
    assert all("cannot change" in v.reason for v in outside)
    assert all(v.width == 2.0 or (v.width, v.cost) == (0.5, "params") for v in outside)
    compared = {
        cost: {v.width for v in found if v.difference and v.control == "convolution" and v.cost == cost}
        for cost in frontier.COSTS
    }
    assert compared["params"] & compared["step_ms"] == {1.0}  # "only width 1 is compared at both costs"
    cells = json.loads((Path(__file__).parents[1] / "notebooks" / "05_how_we_measured.ipynb").read_text())
    notebook = " ".join(" ".join("".join(cell["source"]) for cell in cells["cells"]).split())
    for claim in (
        "more accurate than the 3×3 convolution's curve on MNIST, at widths 1 and 2 (+0.27 and +0.31 points: "
        "about 27 and 31 fewer errors in 10,000 test images)",
        "weighs `conv_matched_params` at 96%",
        "On CIFAR-10 the width-1 RedNet lies below the depthwise control's curve by Welch's test alone.",
        f"on CIFAR-10 lies {-depthwise_cifar.difference.points:.2f} points above the RedNet, by Welch's test "
        "alone",
        f"was a finding, at an adjusted p-value of {comparison.p_text(edge)}; with the seventh it is one no "
        f"longer ({comparison.p_text(adjusted[i])})",
        "Every other verdict at equal parameters cannot tell the RedNet from the control's curve.",
        "Compiled by XLA, as Keras compiles on a GPU, the depthwise control's step is the slower one here",
        "On MNIST it lies above that curve at equal parameters and behind it at equal time by Welch's test "
        "alone",
        "(the width-2 RedNets, slower than every control network, get no verdict at equal time)",
        f"less accurate than both curves on CIFAR-10 (by {behind(cifar_1[:1])} and {behind(cifar_1[1:])} "
        "points); on MNIST and Fashion-MNIST it is behind by Welch's test alone, or cannot be told apart.",
        f"by {behind(k for k in everywhere if k[0] != 'cifar10')} points on MNIST and Fashion-MNIST and "
        f"{behind(k for k in everywhere if k[0] == 'cifar10')} on CIFAR-10",
        f"(which the curves weigh at {100 * min(weights):.0f}–{max(weights):.0%} there)",
        f"{len(outside)} of the {len(found)} comparisons get no verdict",
        f"over the frontier's {len(adjusted)} verdicts; {len(finding)} do.",
        "Against the 3×3 convolution, only width 1 is compared at both costs.",
    ):
        assert claim in notebook, claim


def test_the_points_table_lists_every_width_of_every_family_with_its_cost_and_accuracy():
    rednet = curve("rednet", [(1.0, 20_000, 0.76)])
    steps = {"sweep": [dict(dataset="cifar10", model="rednet", width=1.0, seconds=0.0123)]}
    rows = frontier.points_table(rednet + CONV, steps).splitlines()[2:]
    assert rows == [
        "| CIFAR-10 | RedNet (involution) | width 1 | 20,000 | 12.3 | 76.00% (sd 0.20, n 3) |",
        "| CIFAR-10 | 3×3 convolution control | width 0.5 | 10,000 | not measured | 70.00% (sd 0.20, n 3) |",
        "| CIFAR-10 | 3×3 convolution control | conv_matched_params | 20,000 | not measured "
        "| 75.00% (sd 0.20, n 3) |",
        "| CIFAR-10 | 3×3 convolution control | width 1 | 40,000 | not measured | 80.00% (sd 0.20, n 3) |",
    ]
