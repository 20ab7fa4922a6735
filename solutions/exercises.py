"""Solutions of the course's exercises, with their working: try each exercise in its notebook first.

``SOLUTIONS[name]`` is the answer to ``involution_tf.exercises.check(name, answer)``; the tests run every
one of them through its checker.
"""

import numpy as np

from involution_tf import models


def conv1x1(x, w):
    """A 1x1 convolution: every pixel's channel vector times the (C_in, C_out) matrix."""
    return x @ w


def involution_at(x, kernel, k, i, j):
    """The involution's output at pixel (i, j) of image 0, stride 1: for every channel c of group g, the
    K x K window around (i, j) weighted by that pixel's kernel of group g (zero outside the image)."""
    _, height, width, channels = x.shape
    groups = kernel.shape[3]
    out = np.zeros(channels)
    for c in range(channels):
        g = c // (channels // groups)
        for u in range(k):
            for v in range(k):
                a, b = i + u - k // 2, j + v - k // 2
                if 0 <= a < height and 0 <= b < width:
                    out[c] += kernel[0, i, j, g, u * k + v] * x[0, a, b, c]
    return out


def _standard_error(a, b):
    """The standard error of the difference of the means, in points."""
    return 100 * np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))


_A, _B = [0.990, 0.992, 0.991], [0.985, 0.987, 0.983]

SOLUTIONS = {
    "conv.same_shape": (1, -(-28 // 2), -(-28 // 2), 16),
    "conv.params": 3 * 3 * 32 * 64 + 64,
    "conv.macs": 28 * 28 * 64 * (3 * 3 * 32),
    "conv.one_by_one": conv1x1,
    "involution.kernel_shape": (2, 9, 9, 16 // 4, 3 * 3),
    "involution.group_of_channel": 37 // (64 // 4),
    # reduce 1x1 (64 -> 16, no bias) + BatchNorm (4 x 16) + span 1x1 (16 -> 49 x 4, with bias)
    "involution.params": 64 * 16 + 4 * 16 + 16 * 49 * 4 + 49 * 4,
    "involution.at_pixel": involution_at,
    "layer.output_shape": (None, -(-31 // 2), -(-31 // 2), 32),
    "layer.patch_mebibytes": 32 * 56 * 56 * 64 * 7 * 7 * 4 / 2**20,
    "layer.kernel_values_per_pixel": 7 * 7 * (64 // 16),
    "comparison.noise": _standard_error(_A, _B),
    # the means differ by 100 * (0.991 - 0.985) = 0.6 points; t x standard error = 3.22 x 0.129 = 0.42 points
    "comparison.verdict": "ahead",
    "comparison.parameter_ratio": models.build_model("rednet", "mnist").count_params()
    / models.build_model("rednet_conv_control", "mnist").count_params(),
}
