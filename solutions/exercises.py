"""Solutions of the course's exercises, with their working: try each exercise in its notebook first.

``SOLUTIONS[name]`` is the answer to ``involution_tf.exercises.check(name, answer)``; the tests run every
one of them through its checker.
"""

import numpy as np

from involution_tf import comparison


def conv1x1(x, w):
    """A 1x1 convolution: every pixel's channel vector times the (C_in, C_out) matrix."""
    return x @ w


def involution_at(x, kernel, k, stride, i, j):
    """The involution's output at output pixel (i, j) of image 0: for every channel c of group g, the
    K x K window centred on input pixel (i * stride, j * stride), weighted by that output pixel's kernel
    of group g, zero outside the image (never wrapped around)."""
    _, height, width, channels = x.shape
    groups = kernel.shape[3]
    out = np.zeros(channels)
    for c in range(channels):
        g = c // (channels // groups)  # consecutive blocks of C / G channels
        for u in range(k):
            for v in range(k):
                a, b = i * stride + u - k // 2, j * stride + v - k // 2
                if 0 <= a < height and 0 <= b < width:
                    out[c] += kernel[0, i, j, g, u * k + v] * x[0, a, b, c]
    return out


def layer_equivariant_shifts():
    """The experiment of exercise layer.shift: an Involution layer with stride 2 on a standard normal batch
    and on the batch shifted down by s = 1 to 4 pixels; for each s whose output, in rows 3 to 5 (away from the
    zero padding and np.roll's wrap-around), is the original output shifted down by r output pixels up to
    float32 rounding, s: r. With stride 2 an even shift s moves every 2x2 block phi averages, and every
    window, onto the output pixel s / 2 rows down; an odd one moves them off the output grid, so the
    kernels and the windows change, and the output is no shift of the original (as with a strided
    convolution)."""
    from involution_tf.layers import Involution

    layer = Involution(kernel_size=3, strides=2, group_channels=4)
    x = np.random.default_rng(0).standard_normal((1, 16, 16, 8), dtype=np.float32)
    y = np.asarray(layer(x))

    def output_shift(s):
        y_shifted = np.asarray(layer(np.roll(x, s, axis=1)))
        found = [r for r in range(4) if np.abs(np.roll(y, r, axis=1) - y_shifted)[:, 3:6].max() < 1e-5]
        return found[0] if found else None

    return {s: r for s in (1, 2, 3, 4) if (r := output_shift(s)) is not None}


def _standard_error(a, b):
    """The standard error of the difference of the means, in points."""
    return 100 * np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))


_A, _B = [0.990, 0.992, 0.991], [0.985, 0.987, 0.983]
SAME_KERNEL_IMAGE = np.zeros((1, 8, 8, 4))
SAME_KERNEL_IMAGE[0, 3, 3] = 1.0

SOLUTIONS = {
    "conv.same_shape": (1, -(-28 // 2), -(-28 // 2), 16),
    # one 3x3 layer: 3 pixels wide; the second layer's 3x3 window reaches 1 pixel further on each side: 5
    "conv.receptive_field": 5,
    # 5 * 5 * 64 * 64 weights against 2 * 3 * 3 * 64 * 64: 25 / 18, the same 5x5 window for 28% fewer weights
    "conv.stacked_or_large": 25 / 18,
    "conv.one_by_one": conv1x1,
    # the convolution's output shifts by 2 pixels; stride 2 keeps every other one: 1 pixel
    "conv.shift_with_stride": 2 // 2,
    "involution.kernel_shape": (2, 9, 9, 16 // 4, 3 * 3),
    "involution.group_of_channel": 37 // (64 // 4),
    # at stride 1 phi reads one pixel's own C values, nothing around it: two pixels with the same values get
    # the same kernel from every phi, wherever they are (here both 0, in an image with a single bright pixel)
    "involution.same_kernel": (SAME_KERNEL_IMAGE, (0, 0), (7, 7)),
    "involution.at_pixel": involution_at,
    # with stride 2, phi reads the average of the 2x2 block (2i..2i+1, 2j..2j+1): the kernel changes; the
    # 3x3 window centred on (2i, 2j) holds (2i+1, 2j+1) too: the output changes with it
    "involution.what_changes": "a",
    "layer.output_shape": (None, -(-20 // 3), -(-20 // 3), 32),
    # per pixel the patches hold K * K values for each of the C channels, the kernels for each G group:
    # C / G = 16 times as many, whatever K
    "layer.patches_over_kernels": 64 // (64 // 16),
    "layer.kernel_values_per_pixel": 5 * 5 * (96 // 8),
    "layer.shift": layer_equivariant_shifts(),
    "comparison.noise": _standard_error(_A, _B),
    # t = 3.22 for Welch's degrees of freedom, times the standard error 0.129 points
    "comparison.half_width": comparison.welch_t(_A, _B) * _standard_error(_A, _B),
    # the means differ by 100 * (0.991 - 0.985) = 0.6 points, more than the half-width (0.42): 0 is outside
    "comparison.verdict": "ahead",
    # sorted: B 0.001 x 5 = 0.005, E 0.003 x 4 = 0.012, D 0.011 x 3 = 0.033: findings; A 0.03 x 2 = 0.06
    # fails, and Holm's procedure stops there: C (0.04 x 1) is no finding either, though below 0.05
    "comparison.holm": {"B", "E", "D"},
    # an involution layer keeps its input's channels: a 1-channel image stays 1 channel through every
    # swapped layer, so no layer ever makes several maps from one; fewer parameters follow from that
    "network.swap_channels": "b",
    # involution (C = 128, K = 5, 16 channels a group, r = 4): reduce 128 * 32 = 4,096, BatchNorm 4 * 32,
    # span 32 * 25 * 8 + 25 * 8 = 6,600: 10,824 in all, against 25 * 128 = 3,200 for a 5x5 depthwise
    # convolution, 3.4 times; the span (C/r) K^2 G and the reduce C^2 / r hold nearly all of it
    "network.generator_parameters": (128 * 32 + 4 * 32 + 32 * 25 * 8 + 25 * 8) / (25 * 128),
    # the two networks share everything but the spatial layer's kernel: generated at each pixel and
    # shared by a group of channels, or learned once and one per channel (same window, same stride)
    "network.depthwise_isolates": "c",
    # with the op free the step keeps the kernel generator and the rest, 1.10 times the control's: no op,
    # however fast, takes less than nothing, so 1.10 is the lowest ratio, still slower than the control
    "network.floor": 1.10,
}
