"""The Keras 3 Involution layer: reference equality, shapes, saving, mixed precision, distribution."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from involution_tf import reference as R
from involution_tf.layers import Involution


def randomize_batch_norm(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.norm.moving_mean.assign(rng.normal(size=layer.norm.moving_mean.shape))
    layer.norm.moving_variance.assign(rng.uniform(0.5, 2.0, size=layer.norm.moving_variance.shape))
    layer.norm.gamma.assign(rng.uniform(0.5, 1.5, size=layer.norm.gamma.shape))


@pytest.mark.parametrize(
    "kernel_size, strides, group_channels, dilation_rate", [(3, 1, 4, 1), (5, 2, 8, 1), (7, 3, 16, 2)]
)
def test_layer_matches_numpy_layer(kernel_size, strides, group_channels, dilation_rate):
    x = np.random.default_rng(1).normal(size=(2, 11, 9, 16)).astype(np.float32)
    layer = Involution(kernel_size, strides, group_channels, reduction_ratio=2, dilation_rate=dilation_rate)
    layer.build(x.shape)
    randomize_batch_norm(layer)
    got = layer(x, training=False).numpy()
    want = R.involution_layer(
        x.astype(np.float64), layer.reference_weights(), kernel_size, layer.groups, strides, dilation_rate
    )
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    kernel = layer.generate_kernel(x, training=False).numpy()
    assert kernel.shape == (2, -(-11 // strides), -(-9 // strides), 16 // group_channels, kernel_size**2)
    np.testing.assert_allclose(
        kernel,
        R.generate_kernel(
            x.astype(np.float64), layer.reference_weights(), kernel_size, layer.groups, strides
        ),
        rtol=1e-4,
        atol=1e-4,
    )


@pytest.mark.parametrize(
    "strides, shape, expected",
    [
        (1, (None, 9, 9, 8), (None, 9, 9, 8)),
        (2, (4, 9, 10, 8), (4, 5, 5, 8)),
        (3, (None, None, None, 8), (None, None, None, 8)),
    ],
)
def test_output_shape(strides, shape, expected):
    layer = Involution(3, strides, group_channels=4)
    assert layer.compute_output_shape(shape) == expected
    out = keras.Input(shape[1:], batch_size=shape[0])
    assert tuple(layer(out).shape) == expected


def test_parameter_count_follows_the_design():
    layer = Involution(kernel_size=7, group_channels=16, reduction_ratio=4)
    layer.build((None, 8, 8, 64))
    reduce, norm, span = 64 * 16, 4 * 16, 16 * 49 * 4 + 49 * 4
    assert layer.count_params() == reduce + norm + span


def test_layer_trains_and_gradients_reach_every_weight():
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 8)).astype(np.float32)
    layer = Involution(3, 2, group_channels=4)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == len(layer.trainable_weights) == 5
    assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_config_round_trip():
    layer = Involution(5, 2, 8, 2, 3, span_bias_initializer=keras.initializers.Constant(0.5), name="inv")
    clone = Involution.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    clone.build((None, 9, 9, 16))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone.span.bias), np.full(25 * 2, 0.5))
    assert keras.saving.get_registered_object("involution_tf>Involution") is Involution


def test_span_initializers_start_the_kernel_static_or_dynamic():
    x = np.random.default_rng(3).normal(size=(2, 6, 6, 8)).astype(np.float32)
    static = Involution(3, group_channels=4, span_initializer="zeros", span_bias_initializer="ones")
    static.build(x.shape)
    kernel = keras.ops.convert_to_numpy(static.generate_kernel(x))
    np.testing.assert_array_equal(kernel, np.ones((2, 6, 6, 2, 9)))  # every pixel: the same all-ones kernel
    default = Involution(3, group_channels=4)
    default.build(x.shape)
    assert not keras.ops.convert_to_numpy(default.span.bias).any()  # Keras's default: purely dynamic


@pytest.mark.parametrize("argument", ["span_initializer", "span_bias_initializer"])
def test_unknown_initializer_names_the_argument(argument):
    with pytest.raises(ValueError, match=f"`{argument}` must be a Keras initializer.*'nonsense'"):
        Involution(3, **{argument: "nonsense"})


def test_keras_file_loads_in_a_fresh_process_with_identical_predictions(tmp_path, run_python):
    x = np.random.default_rng(2).normal(size=(3, 12, 12, 8)).astype(np.float32)
    inputs = keras.Input((12, 12, 8))
    hidden = Involution(3, 2, group_channels=4, name="inv")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(hidden)))
    model.compile("adam", "mse")
    model.fit(x, np.ones((3, 2)), epochs=2, verbose=0)  # moves the batch-norm statistics
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "want.npy", model.predict(x, verbose=0))
    out = run_python(
        """
        import numpy as np, keras
        import involution_tf  # the package import registers the layer
        model = keras.models.load_model("model.keras")
        got = model.predict(np.load("x.npy"), verbose=0)
        print(type(model.get_layer("inv")).__name__, np.abs(got - np.load("want.npy")).max())
        """
    )
    name, err = out.split()
    assert name == "Involution" and float(err) == 0.0


def test_exported_rednet_serves_the_same_predictions_without_the_package(tmp_path, run_python):
    """`model.export()` writes a SavedModel whose graph holds the op: serving it needs TensorFlow only."""
    from involution_tf.models import build_model

    model = build_model("rednet", "mnist")
    x = np.random.default_rng(3).uniform(size=(4, 28, 28, 1)).astype(np.float32)
    model.export(tmp_path / "served", verbose=False)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "want.npy", model.predict(x, verbose=0))
    out = run_python(
        """
        import sys
        import numpy as np, tensorflow as tf
        served = tf.saved_model.load("served")
        got = served.serve(tf.constant(np.load("x.npy"))).numpy()
        imported = any(m.startswith("involution_tf") for m in sys.modules)
        print(imported, np.abs(got - np.load("want.npy")).max())
        """
    )
    imported, err = out.split()
    assert imported == "False" and float(err) < 1e-5


def test_mixed_float16_policy_computes_in_float16_and_keeps_float32_weights():
    layer = Involution(3, group_channels=4, dtype="mixed_float16")
    x = np.random.default_rng(3).normal(size=(2, 8, 8, 8)).astype(np.float32)
    y = layer(x, training=False)
    assert y.dtype == tf.float16
    assert {w.dtype for w in layer.weights} == {"float32"}
    assert all(sub.compute_dtype == "float16" for sub in (layer.reduce, layer.norm, layer.span))
    want = Involution.from_config({**layer.get_config(), "dtype": "float32"})
    want.build(x.shape)
    want.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        y.numpy().astype(np.float32), want(x, training=False).numpy(), rtol=2e-2, atol=2e-2
    )


def test_trains_under_mirrored_strategy_on_two_logical_cpus(run_python):
    out = run_python(
        """
        import numpy as np, tensorflow as tf, keras
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from involution_tf.layers import Involution
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            model = keras.Sequential([keras.Input((8, 8, 8)), Involution(3, 2, group_channels=4),
                                      keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
            model.compile("adam", "mse")
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 8, 8, 8)).astype("float32")
        y = (3.0 + 0.1 * rng.normal(size=(32, 2))).astype("float32")  # far from the initial output
        history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
        print(strategy.num_replicas_in_sync, history.history["loss"][0], history.history["loss"][-1])
        """
    )
    replicas, first, last = out.split()[-3:]
    assert int(replicas) == 2
    assert float(last) < float(first)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kernel_size=4), "`kernel_size` must be odd"),
        (dict(kernel_size=0), "`kernel_size` must be a positive integer"),
        (dict(strides=0), "`strides` must be a positive integer"),
        (dict(dilation_rate=0), "`dilation_rate` must be a positive integer"),
        (dict(reduction_ratio=0), "`reduction_ratio` must be a positive integer"),
        (dict(group_channels=0), "`group_channels` must be a positive integer"),
        (dict(group_channels=2.5), "`group_channels` must be a positive integer"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Involution(**kwargs)


@pytest.mark.parametrize(
    "shape, match",
    [
        ((2, 8, 8, 6), "`group_channels`=4 must divide the input's 6 channels"),
        ((2, 8, 8), "expects 4-D NHWC input"),
        ((2, 8, 8, None), "channel count"),
    ],
)
def test_bad_input_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        Involution(3, group_channels=4).build(shape)


def test_the_layer_s_full_keras_contract():
    """Keras's own input check once built; shapes validated before use; a named error before build."""
    import re as regex

    layer = Involution(3, group_channels=4, name="inv")
    with pytest.raises(ValueError, match=regex.escape("inv.generate_kernel() needs the built layer")):
        layer.generate_kernel(np.zeros((1, 8, 8, 8), np.float32))
    with pytest.raises(ValueError, match="inv.reference_weights"):
        layer.reference_weights()
    with pytest.raises(ValueError, match="expects 4-D NHWC input"):
        layer.compute_output_shape((None, 8, 8))
    layer(np.zeros((1, 8, 8, 8), np.float32))
    with pytest.raises(ValueError, match="layer 'inv'.*expected axis -1 of input shape to have value 8"):
        layer(np.zeros((1, 8, 8, 12), np.float32))


def test_another_keras_backend_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ValueError, match="needs Keras's TensorFlow backend.*got the 'jax' backend"):
        Involution(3)
