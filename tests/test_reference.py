"""The NumPy references: loop forms (the formulas) against vectorized forms, and bad input."""

import numpy as np
import pytest

from involution_tf import reference as R

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("strides", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_conv2d_loop_equals_vectorized(padding, strides, k):
    x = RNG.normal(size=(2, 7, 8, 3))
    filters = RNG.normal(size=(k, k, 3, 4))
    loop = R.conv2d_loop(x, filters, strides, padding)
    np.testing.assert_allclose(R.conv2d(x, filters, strides, padding), loop, rtol=1e-12, atol=1e-12)


def test_conv2d_same_padding_matches_hand_computed_corner():
    x = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    filters = np.ones((3, 3, 1, 1))
    y = R.conv2d_loop(x, filters)
    # Top-left output sums the 2x2 corner (x[0,0], x[0,1], x[1,0], x[1,1]) = 0 + 1 + 4 + 5.
    assert y[0, 0, 0, 0] == 10.0
    assert y.shape == (1, 4, 4, 1)


def test_same_padding_puts_smaller_half_first():
    assert R.same_padding(8, 3, 2) == (4, 0, 1)
    assert R.same_padding(7, 3, 2) == (4, 1, 1)
    assert R.same_padding(5, 1, 2) == (3, 0, 0)


INVOLUTION_CASES = [
    # (H, W, C, G, K, s, d)
    (5, 5, 4, 1, 3, 1, 1),
    (7, 6, 8, 2, 3, 2, 1),
    (9, 9, 6, 3, 5, 3, 2),
    (6, 7, 4, 4, 1, 2, 1),
    (8, 8, 16, 1, 7, 1, 3),
    (5, 9, 2, 2, 3, 1, 2),
]


@pytest.mark.parametrize("h, w, c, g, k, s, d", INVOLUTION_CASES)
def test_involution_loop_equals_vectorized(h, w, c, g, k, s, d):
    x = RNG.normal(size=(2, h, w, c))
    kernel = RNG.normal(size=(2, -(-h // s), -(-w // s), g, k * k))
    loop = R.involution_loop(x, kernel, k, s, d)
    np.testing.assert_allclose(R.involution(x, kernel, k, s, d), loop, rtol=1e-12, atol=1e-12)


def test_involution_with_one_hot_kernel_shifts_the_image():
    """A kernel that is 1 at tap (u, v) only copies x shifted by (u - K//2, v - K//2)."""
    x = RNG.normal(size=(1, 6, 6, 4))
    kernel = np.zeros((1, 6, 6, 2, 9))
    kernel[..., 2 * 3 + 1] = 1.0  # u=2, v=1: row below, same column
    y = R.involution(x, kernel, 3)
    np.testing.assert_array_equal(y[0, :5], x[0, 1:])
    np.testing.assert_array_equal(y[0, 5], 0.0)


def test_involution_with_constant_kernel_is_a_box_filter_per_group():
    """With one kernel everywhere, involution is a depthwise convolution with that kernel."""
    x = RNG.normal(size=(1, 7, 7, 3))
    taps = RNG.normal(size=9)
    kernel = np.broadcast_to(taps, (1, 7, 7, 1, 9))
    filters = np.zeros((3, 3, 3, 3))
    for c in range(3):
        filters[:, :, c, c] = taps.reshape(3, 3)
    np.testing.assert_allclose(R.involution(x, kernel, 3), R.conv2d(x, filters), atol=1e-12)


def test_average_pool_same_leaves_padding_out_of_the_mean():
    x = np.arange(25, dtype=float).reshape(1, 5, 5, 1)
    pooled = R.average_pool_same(x, 2)
    assert pooled.shape == (1, 3, 3, 1)
    assert pooled[0, 0, 0, 0] == np.mean([0, 1, 5, 6])
    assert pooled[0, 2, 2, 0] == 24.0  # the lone bottom-right pixel, not 24 / 4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kernel_size=4), "kernel_size"),
        (dict(kernel_size=0), "kernel_size"),
        (dict(strides=0), "strides"),
        (dict(dilation_rate=0), "dilation_rate"),
        (dict(kernel=np.zeros((1, 5, 5, 2, 4))), "kernel"),
        (dict(kernel=np.zeros((1, 5, 5, 3, 9))), "groups"),
        (dict(x=np.zeros((5, 5, 4))), "x"),
    ],
)
def test_involution_bad_input_raises_value_error(kwargs, match):
    args = dict(x=np.zeros((1, 5, 5, 4)), kernel=np.zeros((1, 5, 5, 2, 9)), kernel_size=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        R.involution(**args)


def test_conv2d_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="filters"):
        R.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="padding"):
        R.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), padding="full")


def test_local_attention_is_an_involution_with_its_maps_as_kernel():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 6, 4))
    out, maps = R.local_attention(x, rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), 3)
    assert maps.shape == (2, 5, 6, 1, 9) and np.allclose(maps.sum(axis=-1), 1.0)
    assert maps[0, 0, 0, 0, 0] == 0.0  # outside the image: no weight
    np.testing.assert_allclose(out, R.involution(x, maps, 3), atol=1e-12)
    with pytest.raises(ValueError, match="`kernel_size` must be a positive integer"):
        R.local_attention(x, np.ones((4, 3)), np.ones((4, 3)), 0)
