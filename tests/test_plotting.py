"""The diagrams carry the sizes they are given, and the record figures handle several runs per network."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from involution_tf import models, plotting, records  # noqa: E402


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


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_a_network_is_drawn_block_by_block_with_its_map_sizes(dataset):
    config = models.REDNET_CONFIGS[dataset]
    shown = texts(plotting.draw_network(config, models.input_shape(dataset)))
    assert shown.count("bottleneck") == sum(blocks for _, blocks in config.stages)
    last_width = config.stages[-1][0] * config.expansion
    assert f"x{last_width}" in shown and "dense\n10 logits" in shown


def test_record_figures_show_every_run_and_one_legend_entry_per_network():
    runs = [dict(r, seed=s) for r in records.load_records(records.DEFAULT_RESULTS) for s in range(2)]
    fig = plotting.plot_accuracy_vs_params(runs)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [
        f"{m} (2)"
        for m in plotting.MODEL_STYLES
        if any(r["model"] == m for r in runs if r["dataset"] == "mnist")
    ]
    assert sum(len(c.get_offsets()) for ax in fig.axes for c in ax.collections) == len(runs)
    curves = plotting.plot_training_curves(runs)
    assert curves.axes[0].get_ylabel() == "test accuracy (%)"  # the earlier records' per-epoch accuracy


def test_convolution_at_one_pixel_names_its_filters_and_sizes():
    shown = texts(plotting.draw_convolution_at_pixel(c_in=5, c_out=3, kernel_size=7))
    assert "C_out = 3 filters of 7 x 7 x 5 weights" in shown and "Y_ij: C_out = 3 values" in shown
    assert shown.count("filter ") >= 3
