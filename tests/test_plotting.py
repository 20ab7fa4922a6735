"""The diagrams carry the sizes they are given, and the record figures handle several runs per network."""

import json

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from involution_tf import comparison, models, plotting, records  # noqa: E402


def texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in [*ax.texts, ax.title]) + "\n".join(
        t.get_text() for t in fig.texts
    )


def test_the_operator_at_one_pixel_shows_the_shapes_along_the_way():
    shown = texts(
        plotting.draw_involution_at_pixel(channels=32, kernel_size=5, group_channels=8, reduction_ratio=2)
    )
    for shape in (
        "X_ij: 32 values",
        "32 -> 16",
        "K*K*G = 100",
        "G = 4 kernels",
        "of 5 x 5",
        "c // 8",
        "Y_ij: 32",
    ):
        assert shape in shown, shape


def test_weight_sharing_counts_the_kernels_of_each_operator():
    shown = texts(plotting.draw_weight_sharing(positions=5, channels=6, group_channels=3))
    assert "6 kernels" in shown and "10 kernels" in shown


def test_the_bottlenecks_differ_in_their_spatial_layer_only():
    shown = texts(plotting.draw_bottlenecks(kernel_size=7))
    assert "3x3 convolution" in shown and "7x7 involution" in shown
    assert shown.count("1x1 conv C -> C/4") == 2
    course = texts(plotting.draw_bottlenecks(kernel_size=3, expansion=2))
    assert "3x3 involution, C/2 channels" in course and course.count("1x1 conv C/2 -> C, BN") == 2


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_a_network_is_drawn_block_by_block_with_its_map_sizes(dataset):
    config = models.REDNET_CONFIGS[dataset]
    shown = texts(plotting.draw_network(config, models.input_shape(dataset)))
    assert shown.count("bottleneck") == sum(blocks for _, blocks in config.stages)
    last_width = config.stages[-1][0] * config.expansion
    assert f"x{last_width}" in shown and "dense\n10 logits" in shown


@pytest.mark.committed_results
def test_record_figures_show_every_run_and_one_legend_entry_per_network():
    runs = [dict(r, seed=s) for r in records.load_records(records.DEFAULT_RESULTS) for s in range(2)]
    fig = plotting.plot_accuracy_vs_params(runs)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [
        f"{m} (2)"
        for m in plotting.MODEL_STYLES
        if any(r["model"] == m for r in runs if r["dataset"] == "mnist")
    ] + ["the study's own figure"]
    studied = {(r["dataset"], r["model"]) for r in runs} & set(comparison.STUDY)
    assert len(studied) == 6  # both of the study's networks on its three datasets: a cross each
    assert sum(len(c.get_offsets()) for ax in fig.axes for c in ax.collections) == len(runs) + len(studied)
    curves = plotting.plot_training_curves(runs, plotting.MODEL_STYLES)
    assert curves.axes[0].get_ylabel() == "test accuracy (%)"  # the earlier records' per-epoch accuracy


def test_convolution_at_one_pixel_names_its_filters_and_sizes():
    shown = texts(plotting.draw_convolution_at_pixel(c_in=5, c_out=3, kernel_size=7))
    assert "C_out = 3 filters of 7 x 7 x 5 weights" in shown and "Y_ij: C_out = 3 values" in shown
    assert shown.count("filter ") >= 3


def _protocol_and_sweep():
    runs = records.at_width(records.load_records(records.DEFAULT_RUNS))
    wider = [
        dict(r, width=2.0, params=4 * r["params"], test_accuracy=r["test_accuracy"] + 0.001)
        for r in runs
        if r["model"] in models.SWEPT_MODELS
    ]
    return runs, wider


@pytest.mark.committed_results
def test_the_difference_chart_has_a_dot_and_its_interval_for_every_comparison_and_a_line_at_0():
    runs, wider = _protocol_and_sweep()
    fig = plotting.plot_differences(runs + wider)  # the sweep's other widths are not the protocol's
    differences = comparison.control_differences(runs)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["MNIST", "Fashion-MNIST", "CIFAR-10"]
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert len(labels) == len(differences) == 9 and "against rednet_conv_control" in labels
    dots = [line for ax in fig.axes for line in ax.lines if line.get_marker() == "o"]
    assert sorted(float(d.get_xdata()[0]) for d in dots) == pytest.approx(
        sorted(d.points for d in differences.values())
    )
    assert all(any(list(line.get_xdata()) == [0, 0] for line in ax.lines) for ax in fig.axes)  # lines at 0
    adjusted = comparison.holm_adjusted(differences)
    filled = sorted(float(d.get_xdata()[0]) for d in dots if d.get_markerfacecolor() != "white")
    survivors = sorted(d.points for key, d in differences.items() if adjusted[key] < 0.05)
    assert filled == pytest.approx(survivors) and 0 < len(filled) < len(
        dots
    )  # findings filled, others hollow


@pytest.mark.committed_results
def test_the_frontier_draws_a_curve_per_family_through_its_widths_and_says_when_steps_are_missing():
    runs, wider = _protocol_and_sweep()
    fig = plotting.plot_frontier(runs + wider)
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "MNIST: accuracy against parameters"
    rednet_curve = next(line for line in fig.axes[4].lines if line.get_label() == "RedNet (involution)")
    assert len(rednet_curve.get_xdata()) == 2  # CIFAR-10's RedNet at widths 1 and 2
    conv_curve = next(line for line in fig.axes[4].lines if line.get_label().startswith("3×3"))
    assert len(conv_curve.get_xdata()) == 3  # and conv_matched_params on the convolution curve
    assert "step times not measured yet" in texts(fig)
    single = [dict(r, width=0.5, params=r["params"] // 4, seed=0) for r in wider if r["seed"] == 0]
    partial = plotting.plot_frontier(runs + wider + single)  # width 0.5 has one run so far
    solid = next(line for line in partial.axes[4].lines if line.get_label() == "RedNet (involution)")
    (dotted,) = [
        line
        for line in partial.axes[4].lines
        if line.get_linestyle() == ":" and line.get_color() == solid.get_color()
    ]
    assert len(solid.get_xdata()) == 2 and len(dotted.get_xdata()) == 3
    hollow_entry = "fewer than three runs so far (dotted line)"
    assert hollow_entry in [t.get_text() for t in partial.legends[0].get_texts()]
    assert hollow_entry not in [t.get_text() for t in fig.legends[0].get_texts()]  # every width has 3 runs
    steps = {"sweep": [dict(dataset="mnist", model="rednet", width=w, seconds=0.01 * w) for w in (1.0, 2.0)]}
    steps["device"] = "CPU: a test machine"
    measured = plotting.plot_frontier(runs + wider, steps)
    assert measured.axes[1].get_xlabel() == "ms per training step, a test machine (log scale)"
    assert list(measured.axes[1].lines[0].get_xdata()) == pytest.approx([10.0, 20.0])
    legend = [t.get_text() for t in measured.legends[0].get_texts()]
    assert "3×3 convolution control (with conv_matched_params)" in legend  # the curve's fixed-width point


@pytest.mark.committed_results
def test_training_curves_have_a_panel_per_dataset_with_the_rednet_and_its_controls():
    runs, _ = _protocol_and_sweep()
    fig = plotting.plot_training_curves(runs)
    assert [ax.get_title() for ax in fig.axes] == list(comparison.DATASET_NAMES.values())
    for ax in fig.axes:
        legend = [t.get_text().split(" (")[0] for t in ax.get_legend().get_texts()]
        assert legend == [models.REDNET, *models.CONTROLS]
        low, high = ax.get_ylim()
        for line in ax.lines:  # zoomed on the second half of every curve
            mean = line.get_ydata()
            assert low <= min(mean[len(mean) // 2 :]) and max(mean) <= high
            assert low > mean[0] or mean[0] >= min(mean[len(mean) // 2 :])  # the first epoch climbs


@pytest.mark.committed_results
def test_the_benchmark_chart_names_what_the_text_names_and_its_bounds_stand_apart():
    record = json.loads((records.DEFAULT_RESULTS.parent / "benchmark.json").read_text())
    fig = plotting.plot_benchmark(record)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["the op (ops.involution)", "the Keras layer (with phi)"]
    assert [ax.get_title() for ax in fig.axes] == [
        "forward: time / Conv2D's time",
        "forward + backward: time / Conv2D's time",
    ]
    bound = plotting.plot_traffic_bound(record)
    colours = {line.get_label(): line.get_color() for line in bound.axes[0].lines}
    assert colours["the op, forward"] != colours["its memory-traffic bound, forward"]
