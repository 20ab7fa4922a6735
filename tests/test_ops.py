"""The TensorFlow op against the NumPy reference: values, gradients, XLA, shapes, dtypes, bad input."""

import re

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from involution_tf import ops
from involution_tf import reference as R

# (B, H, W, C, G, K, s, d): odd sizes, stride 2 and 3, dilation 2 and 3, groups 1 / C/16 / C, K 1..7.
CASES = [
    (2, 7, 7, 16, 1, 3, 1, 1),
    (2, 9, 8, 32, 2, 3, 2, 1),
    (1, 11, 13, 32, 32, 5, 3, 1),
    (3, 8, 8, 16, 16, 7, 1, 1),
    (2, 10, 9, 48, 3, 5, 2, 2),
    (1, 12, 12, 16, 4, 3, 1, 3),
    (2, 6, 5, 8, 8, 1, 2, 1),
    (1, 15, 15, 64, 4, 7, 2, 2),
    (2, 5, 5, 4, 2, 7, 1, 1),
    (1, 14, 11, 16, 1, 3, 3, 3),
]


def random_case(b, h, w, c, g, k, s, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(b, h, w, c)).astype(dtype)
    kernel = rng.normal(size=(b, -(-h // s), -(-w // s), g, k * k)).astype(dtype)
    return x, kernel


@pytest.mark.parametrize("b, h, w, c, g, k, s, d", CASES)
def test_op_matches_numpy_reference(b, h, w, c, g, k, s, d):
    x, kernel = random_case(b, h, w, c, g, k, s)
    y = ops.involution(x, kernel, k, s, d)
    np.testing.assert_allclose(y.numpy(), R.involution(x, kernel, k, s, d), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("b, h, w, c, g, k, s, d", [CASES[1], CASES[4], CASES[9], (1, 5, 6, 4, 2, 3, 2, 1)])
def test_gradients_match_finite_differences_in_float64(b, h, w, c, g, k, s, d):
    x, kernel = random_case(1, min(h, 6), min(w, 7), min(c, 8), min(g, 2), k, s)
    theoretical, numerical = tf.test.compute_gradient(
        lambda a, b_: ops.involution(a, b_, k, s, d), [tf.constant(x), tf.constant(kernel)]
    )
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("b, h, w, c, g, k, s, d", CASES)
def test_hand_written_gradient_matches_autodiff_without_xla(b, h, w, c, g, k, s, d):
    """The compiled custom gradient agrees with TensorFlow's own autodiff of the plain op graph, on
    every case (K=1 at stride 2 leaves a stride phase of dx that no tap reaches: it must be zero)."""
    x, kernel = (tf.constant(a) for a in random_case(b, h, w, c, g, k, s))
    plain = tf.function(lambda a, b_: ops._forward(a, b_, geometry=(k, s, d)), jit_compile=False)
    weights = tf.constant(np.random.default_rng(1).normal(size=(b, -(-h // s), -(-w // s), c)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, kernel])
        fast = tf.reduce_sum(ops.involution(x, kernel, k, s, d) * weights)
        slow = tf.reduce_sum(plain(x, kernel) * weights)
    for got, want in zip(tape.gradient(fast, [x, kernel]), tape.gradient(slow, [x, kernel])):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("jit", [True, False])
def test_xla_on_and_off_agree(jit):
    """Inside a caller's tf.function, with or without jit_compile, and the plain (non-XLA) graph."""
    b, h, w, c, g, k, s, d = CASES[4]
    x, kernel = (tf.constant(a) for a in random_case(b, h, w, c, g, k, s))
    caller = tf.function(lambda a, b_: ops.involution(a, b_, k, s, d), jit_compile=jit)
    plain = tf.function(lambda a, b_: ops._forward(a, b_, geometry=(k, s, d)), jit_compile=False)
    np.testing.assert_allclose(caller(x, kernel).numpy(), plain(x, kernel).numpy(), rtol=1e-12, atol=1e-12)


def test_one_trace_of_each_compiled_pass_serves_every_batch_and_image_size():
    """The op's own compiled forward and backward functions are traced once for a geometry, channel
    count and dtype, whatever the batch and image sizes that reach them (eagerly, under a tape)."""
    compiled = ops._compiled_op((3, 2, 1), 8, 2, tf.float64)
    for b, h, w in [(1, 9, 9), (3, 16, 11), (2, 5, 6)]:
        x, kernel = (tf.constant(a) for a in random_case(b, h, w, 8, 2, 3, 2, dtype=np.float64, seed=h))
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = ops.involution(x, kernel, 3, 2)
        np.testing.assert_allclose(y.numpy(), R.involution(x.numpy(), kernel.numpy(), 3, 2), rtol=1e-10)
        tape.gradient(y, [x, kernel])
    assert compiled.forward.experimental_get_tracing_count() == 1
    assert compiled.backward.experimental_get_tracing_count() == 1


@pytest.mark.parametrize(
    "dtype, tol", [(tf.float16, 2e-2), (tf.bfloat16, 1e-1), (tf.float32, 1e-5), (tf.float64, 1e-12)]
)
def test_dtypes(dtype, tol):
    x, kernel = random_case(2, 9, 9, 16, 2, 3, 2, dtype=np.float32)
    x_t, k_t = tf.cast(x, dtype), tf.cast(kernel, dtype)
    with tf.GradientTape() as tape:
        tape.watch([x_t, k_t])
        y = ops.involution(x_t, k_t, 3, 2)
    dx, dk = tape.gradient(y, [x_t, k_t])
    assert y.dtype == dx.dtype == dk.dtype == dtype
    want = R.involution(tf.cast(x_t, tf.float64).numpy(), tf.cast(k_t, tf.float64).numpy(), 3, 2)
    np.testing.assert_allclose(tf.cast(y, tf.float64).numpy(), want, rtol=tol, atol=tol * 10)


def _largest_buffer(hlo_text: str) -> int:
    """Elements of the largest tensor the entry computation holds: only its instructions get buffers
    (the insides of a fusion are computed element by element and never stored)."""
    entry = hlo_text[hlo_text.index("\nENTRY") :]
    sizes = [np.prod([int(n) for n in dims.split(",")]) for dims in re.findall(r"\[([\d,]+)\]", entry)]
    return int(max(sizes))


def test_compiled_forward_and_backward_never_hold_a_patch_tensor():
    b, h, w, c, g, k = 2, 16, 16, 32, 2, 7
    x, kernel = (tf.constant(a) for a in random_case(b, h, w, c, g, k, 1, dtype=np.float32))

    upstream = tf.random.normal(x.shape)  # an input, as in training (a constant dy of ones folds away)

    def step(a, b_, r):
        with tf.GradientTape() as tape:
            tape.watch([a, b_])
            y = ops.involution(a, b_, k)
        return tape.gradient(y, [a, b_], output_gradients=r)

    compiled = tf.function(step, jit_compile=True)
    hlo = compiled.experimental_get_compiler_ir(x, kernel, upstream)(stage="optimized_hlo")
    patches = b * h * w * k * k * c
    largest = _largest_buffer(hlo)
    assert largest >= b * h * w * c  # the parser sees the real tensors
    assert largest < patches / 4, f"a buffer of {largest} elements, the patch tensor has {patches}"


def test_eager_gradient_tape_runs_the_compiled_forward_pass_not_its_autodiff_form():
    """An eager tape that records the compiled forward function makes TensorFlow build and run a
    `__forward_function` returning every intermediate (and its `__backward_function`), for a gradient
    the hand-written one replaces: measured 3-8x slower forward and backward. None may appear."""
    ops._compiled_op.cache_clear()  # this test's op is built, and its functions listed, afresh
    x, kernel = (tf.constant(a) for a in random_case(2, 6, 6, 16, 1, 3, 1, dtype=np.float32))
    before = set(context.context().list_function_names())
    with tf.GradientTape() as tape:
        tape.watch([x, kernel])
        y = ops.involution(x, kernel, 3)
    dx, dk = tape.gradient(y, [x, kernel])
    assert dx is not None and dk is not None
    new = set(context.context().list_function_names()) - before
    assert new, "the eager context lists the functions it runs"
    assert not [n for n in new if n.startswith("__forward_") or "__backward_" in n], sorted(new)


def test_forward_mode_autodiff_sees_through_the_stopped_forward_inputs():
    """The forward pass runs on stop_gradient inputs; a ForwardAccumulator must still get the true JVP
    (TensorFlow derives it from the hand-written gradient), not zeros."""
    x, kernel = (tf.constant(a) for a in random_case(1, 6, 6, 8, 2, 3, 2))
    tx, tk = (tf.constant(a) for a in random_case(1, 6, 6, 8, 2, 3, 2, seed=1))
    with tf.autodiff.ForwardAccumulator([x, kernel], [tx, tk]) as acc:
        y = ops.involution(x, kernel, 3, 2)
    eps = 1e-6
    numeric = (
        ops.involution(x + eps * tx, kernel + eps * tk, 3, 2)
        - ops.involution(x - eps * tx, kernel - eps * tk, 3, 2)
    ) / (2 * eps)
    assert np.abs(numeric.numpy()).max() > 0.1
    np.testing.assert_allclose(acc.jvp(y).numpy(), numeric.numpy(), rtol=1e-6, atol=1e-6)


BAD_INPUTS = [
    (dict(x=np.zeros((4, 4, 8))), ValueError, "`x` must be 4-D"),
    (dict(kernel_size=4), ValueError, "`kernel_size` must be odd"),
    (dict(kernel_size=-3), ValueError, "`kernel_size` must be a positive integer"),
    (dict(strides=0), ValueError, "`strides` must be a positive integer"),
    (dict(dilation_rate=0), ValueError, "`dilation_rate` must be a positive integer"),
    (dict(kernel=np.zeros((1, 4, 4, 3, 9))), ValueError, "3 groups, which must divide the 8 channels"),
    (dict(kernel=np.zeros((1, 4, 4, 2, 25))), ValueError, "`kernel` must be 5-D"),
    (dict(kernel=np.zeros((1, 3, 4, 2, 9))), ValueError, "axis 1 should be 4"),
    (dict(kernel=np.zeros((2, 4, 4, 2, 9))), ValueError, "axis 0 should be 1"),
    (dict(kernel=np.zeros((1, 4, 4, 2, 9), np.float32)), TypeError, "dtype of `x`"),
    (
        dict(x=np.zeros((1, 4, 4, 8), np.int32), kernel=np.zeros((1, 4, 4, 2, 9), np.int32)),
        TypeError,
        "int32",
    ),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_INPUTS)
def test_bad_input_is_reported_with_argument_and_value(kwargs, error, match):
    args = dict(x=np.zeros((1, 4, 4, 8)), kernel=np.zeros((1, 4, 4, 2, 9)), kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=re.escape(match)):
        ops.involution(**args)


def test_unknown_channel_count_is_rejected_at_trace_time():
    @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, None]), tf.TensorSpec([None, 8, 8, 2, 9])])
    def run(x, kernel):
        return ops.involution(x, kernel, 3)

    with pytest.raises(ValueError, match="known channel count"):
        run.get_concrete_function()
