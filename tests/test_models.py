"""Model builders: the seed's exact parameter counts, the swap's structure, the RedNet budget."""

import keras
import numpy as np
import pytest

from involution_tf import models
from involution_tf.layers import Involution


@pytest.mark.parametrize(
    "dataset, params", [("mnist", 34_826), ("fashion_mnist", 257_162), ("cifar10", 319_178)]
)
def test_conv_baselines_have_the_student_studys_parameter_counts(dataset, params):
    assert models.build_model("conv_baseline", dataset).count_params() == params


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
@pytest.mark.parametrize("name", models.MODELS)
def test_every_model_maps_a_batch_to_ten_logits(name, dataset):
    model = models.build_model(name, dataset)
    assert model.name == f"{name}_{dataset}"
    x = np.random.default_rng(0).random((2, *models.INPUT_SHAPES[dataset]), dtype=np.float32)
    assert model(x, training=False).shape == (2, 10)


@pytest.mark.parametrize(
    "dataset, conv_layers, seed_trainable",
    [("mnist", 2, 544), ("fashion_mnist", 3, 3_916), ("cifar10", 3, 13_074)],
)
def test_involution_swap_replaces_every_conv_and_keeps_the_channels(dataset, conv_layers, seed_trainable):
    swap = models.build_model("involution_swap", dataset)
    involutions = [layer for layer in swap.layers if isinstance(layer, Involution)]
    assert len(involutions) == conv_layers
    channels = models.INPUT_SHAPES[dataset][-1]
    assert all(layer.output.shape[-1] == channels and layer.groups == 1 for layer in involutions)
    assert not any(type(layer).__name__ == "Conv2D" for layer in swap.layers)
    # The seed counted trainable weights and had a bias on the reduce 1x1 conv: one per involution.
    trainable = sum(int(np.prod(w.shape)) for w in swap.trainable_weights)
    assert trainable + conv_layers == seed_trainable


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_rednet_has_at_most_a_third_of_the_baseline_parameters(dataset):
    rednet = models.build_model("rednet", dataset).count_params()
    assert rednet <= models.build_model("conv_baseline", dataset).count_params() / 3


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_rednet_stem_halves_the_resolution_and_each_later_stage_halves_it_again(dataset):
    config = models.REDNET_CONFIGS[dataset]
    involutions = [
        layer for layer in models.build_model("rednet", dataset).layers if isinstance(layer, Involution)
    ]
    size, sizes = models.input_shape(dataset)[0], []
    for _, blocks in config.stages:
        size = -(-size // 2)  # the stem, then the first block of every later stage
        sizes += [size] * blocks
    assert [layer.output.shape[1] for layer in involutions] == sizes


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_control_differs_from_rednet_only_in_the_spatial_layer(dataset):
    def kinds(name, swap):
        layers = models.build_model(name, dataset).layers
        return [swap.get(type(layer).__name__, type(layer).__name__) for layer in layers]

    rednet = models.build_model("rednet", dataset)
    involutions = sum(isinstance(layer, Involution) for layer in rednet.layers)
    assert involutions == sum(blocks for _, blocks in models.REDNET_CONFIGS[dataset].stages)
    control = kinds("rednet_conv_control", {})
    assert control.count("Conv2D") == kinds("rednet", {}).count("Conv2D") + involutions
    assert "Involution" not in control


@pytest.mark.parametrize(
    "args, match",
    [(("conv_baseline", "svhn"), "`dataset` must be one of"), (("resnet", "mnist"), "`name` must be one of")],
)
def test_unknown_names(args, match):
    with pytest.raises(ValueError, match=match):
        models.build_model(*args)


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_only_a_static_kernel_init_config_changes_keras_initialisation(dataset):
    def span_biases(name):
        model = models.build_model(name, dataset)
        return np.concatenate([layer.span.bias for layer in model.layers if isinstance(layer, Involution)])

    config = models.REDNET_CONFIGS[dataset]
    rednet = span_biases("rednet")
    if config.static_kernel_init:
        assert 0.7 < rednet.std() / (2 / config.kernel_size**2) ** 0.5 < 1.3  # He-scaled for one K x K window
    else:
        assert not rednet.any()  # Keras's default: zeros
    assert not span_biases("involution_swap").any()
    assert any(other.static_kernel_init for other in models.REDNET_CONFIGS.values())


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_depthwise_control_puts_a_static_kxk_depthwise_kernel_where_each_involution_was(dataset):
    rednet = models.build_model("rednet", dataset)
    control = models.build_model("rednet_depthwise_control", dataset)
    involutions = [layer for layer in rednet.layers if isinstance(layer, Involution)]
    depthwise = [layer for layer in control.layers if isinstance(layer, keras.layers.DepthwiseConv2D)]
    assert not any(isinstance(layer, Involution) for layer in control.layers)
    assert [(d.kernel_size[0], d.strides[0]) for d in depthwise] == [
        (i.kernel_size, i.strides) for i in involutions
    ]
    others = lambda model: [  # noqa: E731
        type(layer).__name__
        for layer in model.layers
        if not isinstance(layer, (Involution, keras.layers.DepthwiseConv2D))
    ]
    assert others(control) == others(rednet)


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
def test_matched_convolution_network_has_the_rednets_parameters_within_15_percent(dataset):
    rednet = models.build_model("rednet", dataset).count_params()
    matched = models.build_model("conv_matched_params", dataset)
    assert abs(matched.count_params() / rednet - 1) <= 0.15
    kinds = lambda model: [type(layer).__name__ for layer in model.layers]  # noqa: E731
    assert kinds(matched) == kinds(models.build_model("rednet_conv_control", dataset))  # narrower, not other


@pytest.mark.parametrize("dataset", sorted(models.INPUT_SHAPES))
@pytest.mark.parametrize("name", models.SWEPT_MODELS)
def test_a_width_factor_scales_every_stage_and_keeps_the_layers(name, dataset):
    kinds = lambda model: [type(layer).__name__ for layer in model.layers]  # noqa: E731
    sizes = {w: models.build_model(name, dataset, w) for w in models.WIDTHS}
    assert sizes[1].name == f"{name}_{dataset}" and sizes[0.5].name == f"{name}_w0.5_{dataset}"
    assert kinds(sizes[0.5]) == kinds(sizes[1]) == kinds(sizes[2])
    params = [sizes[w].count_params() for w in models.WIDTHS]
    assert params == sorted(params) and 2.5 < params[2] / params[1] < 4.5  # wider: ~width² params
    assert sizes[2].get_layer(index=1).filters == 2 * models.REDNET_CONFIGS[dataset].stem  # the stem


def test_a_stage_narrower_than_one_group_is_one_group():
    half = models.build_model("rednet", "mnist", 0.5)
    involutions = [layer for layer in half.layers if isinstance(layer, Involution)]
    assert [layer.group_channels for layer in involutions] == [8, 16]  # 16 channels a group, or all


@pytest.mark.parametrize(
    "name, width, match",
    [
        ("conv_baseline", 2.0, "must be 1 for 'conv_baseline'"),
        ("conv_matched_params", 0.5, "must be 1 for"),
        ("rednet", 0, "positive number, got 0"),
        ("rednet", -1.0, "positive number"),
        ("rednet", "2", "positive number"),
        ("rednet", True, "positive number"),
    ],
)
def test_widths_that_make_no_network(name, width, match):
    with pytest.raises(ValueError, match=match):
        models.build_model(name, "mnist", width)


def test_an_unknown_spatial_mixing_is_refused_not_replaced():
    inputs = keras.Input((8, 8, 16))
    with pytest.raises(
        ValueError, match="`mixing` must be 'conv', 'involution' or 'depthwise', got 'attention'"
    ):
        models._spatial(inputs, models.REDNET_CONFIGS["mnist"], 1, "attention")


def test_the_registry_is_the_one_place_a_network_is_described():
    """Every role a module reads (recipe, family, control, counterpart, style) comes from the registry,
    and each entry points only at networks and families that exist."""
    from involution_tf import training

    assert models.MODELS == tuple(models.NETWORKS)
    for name, net in models.NETWORKS.items():
        assert net.name == name
        assert net.family in models.FAMILIES
        assert net.mixing in ("conv", "involution", "depthwise")
        assert training.recipe_for(name, "mnist").name == net.recipe
        assert net.timed_against in (None, *models.NETWORKS)
        assert not (net.swept and net.fixed_width), name
    assert set(models.CONTROLS) == {"rednet_conv_control", "rednet_depthwise_control", "conv_matched_params"}
    assert models.COUNTERPARTS == {"involution_swap": "conv_baseline", "rednet": "rednet_conv_control"}
    assert models.SWEPT_MODELS == ("rednet", "rednet_conv_control", "rednet_depthwise_control")
    assert len({net.style for net in models.NETWORKS.values()}) == len(models.NETWORKS)


@pytest.mark.parametrize("lookup", [models.network, lambda n: models.build_model(n, "mnist")])
def test_an_unknown_network_is_a_value_error_never_a_fallback(lookup):
    with pytest.raises(ValueError, match=r"`name` must be one of \['conv_baseline', .*got 'RedNet'"):
        lookup("RedNet")


def test_a_fixed_width_network_is_narrowed_per_dataset():
    matched = models.network("conv_matched_params")
    assert [matched.width_factor(d, 1.0) for d in models.INPUT_SHAPES] == list(models.MATCHED_WIDTH.values())
    assert models.network("rednet").width_factor("mnist", 2.0) == 2.0
