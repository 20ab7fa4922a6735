"""NumPy reference implementations: convolution, involution and involution kernel generation.

This module needs only NumPy and never imports TensorFlow itself (imported through the package, it comes
with TensorFlow all the same: ``import involution_tf`` registers the Keras layer). Every operator comes
twice: a *loop form* that mirrors the formula index by index (slow, for reading and for tests on tiny
inputs) and a *vectorized form* that computes the same numbers fast enough for whole images. Layouts
follow TensorFlow: images are NHWC, convolution filters are (K, K, C_in, C_out), involution kernels are
(batch, out_height, out_width, groups, K*K), and channel ``c`` belongs to group ``c // (C // G)`` as in
the paper's official code.
"""

from __future__ import annotations

import numpy as np

from involution_tf.arguments import check_geometry, check_positive_int

__all__ = [
    "same_padding",
    "conv2d_loop",
    "conv2d",
    "involution_loop",
    "involution",
    "average_pool_same",
    "generate_kernel",
    "involution_layer",
    "local_attention",
]


def _check_image(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"`x` must be a 4-D NHWC array (batch, height, width, channels), got shape {x.shape}."
        )
    return x


def same_padding(size: int, window: int, stride: int) -> tuple[int, int, int]:
    """Return ``(out_size, pad_before, pad_after)`` of TensorFlow's "same" padding.

    TensorFlow makes ``ceil(size / stride)`` outputs and puts the smaller half of the padding first.
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2, total - total // 2


def _conv_geometry(x: np.ndarray, k: int, strides: int, padding: str) -> tuple[np.ndarray, int, int]:
    """Pad ``x`` as TensorFlow's conv2d does and return it with the output height and width."""
    if padding == "valid":
        out_h, out_w = (x.shape[1] - k) // strides + 1, (x.shape[2] - k) // strides + 1
        if out_h < 1 or out_w < 1:
            raise ValueError(
                f"`padding`='valid' needs an input at least {k}x{k}, got {x.shape[1]}x{x.shape[2]}."
            )
        return x, out_h, out_w
    if padding != "same":
        raise ValueError(f"`padding` must be 'same' or 'valid', got {padding!r}.")
    out_h, top, bottom = same_padding(x.shape[1], k, strides)
    out_w, left, right = same_padding(x.shape[2], k, strides)
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))), out_h, out_w


def _check_conv_args(x, filters, strides):
    x = _check_image(x)
    filters = np.asarray(filters)
    if filters.ndim != 4 or filters.shape[0] != filters.shape[1] or filters.shape[2] != x.shape[3]:
        raise ValueError(
            f"`filters` must have shape (K, K, {x.shape[3]}, C_out) for an input with "
            f"{x.shape[3]} channels, got {filters.shape}."
        )
    return x, filters, check_positive_int("strides", strides)


def conv2d_loop(x: np.ndarray, filters: np.ndarray, strides: int = 1, padding: str = "same") -> np.ndarray:
    """Convolution as the formula reads: Y[i,j,k] = sum_c sum_(u,v) F[u,v,c,k] X[i*s+u, j*s+v, c].

    ``X`` is the padded input; like TensorFlow (and every deep-learning library) this is a
    cross-correlation, the filter is not flipped.
    """
    x, filters, strides = _check_conv_args(x, filters, strides)
    k, _, c_in, c_out = filters.shape
    xp, out_h, out_w = _conv_geometry(x, k, strides, padding)
    y = np.zeros((x.shape[0], out_h, out_w, c_out), dtype=np.result_type(x, filters))
    for b in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                for o in range(c_out):
                    total = 0.0
                    for c in range(c_in):
                        for u in range(k):
                            for v in range(k):
                                total += filters[u, v, c, o] * xp[b, i * strides + u, j * strides + v, c]
                    y[b, i, j, o] = total
    return y


def conv2d(x: np.ndarray, filters: np.ndarray, strides: int = 1, padding: str = "same") -> np.ndarray:
    """Vectorized convolution: gather the K*K shifted views once, then one tensor contraction."""
    x, filters, strides = _check_conv_args(x, filters, strides)
    k = filters.shape[0]
    xp, out_h, out_w = _conv_geometry(x, k, strides, padding)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))
    windows = windows[:, : (out_h - 1) * strides + 1 : strides, : (out_w - 1) * strides + 1 : strides]
    # windows: (B, out_h, out_w, C_in, K, K)
    return np.einsum("bijcuv,uvco->bijo", windows, filters, optimize=True)


def _check_involution_args(x, kernel, kernel_size, strides, dilation_rate):
    x = _check_image(x)
    kernel_size, strides, dilation_rate = check_geometry(kernel_size, strides, dilation_rate)
    kernel = np.asarray(kernel)
    batch, height, width, channels = x.shape
    out_h, out_w = -(-height // strides), -(-width // strides)
    if kernel.ndim != 5 or kernel.shape[:3] != (batch, out_h, out_w) or kernel.shape[4] != kernel_size**2:
        raise ValueError(
            f"`kernel` must have shape ({batch}, {out_h}, {out_w}, groups, {kernel_size**2}) for this "
            f"input, kernel_size and strides, got {kernel.shape}."
        )
    if channels % kernel.shape[3]:
        raise ValueError(
            f"the input's {channels} channels must divide into the kernel's {kernel.shape[3]} groups."
        )
    return x, kernel, kernel_size, strides, dilation_rate


def _involution_pad(x: np.ndarray, kernel_size: int, dilation_rate: int) -> np.ndarray:
    p = dilation_rate * (kernel_size - 1) // 2
    return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))


def involution_loop(
    x: np.ndarray, kernel: np.ndarray, kernel_size: int, strides: int = 1, dilation_rate: int = 1
) -> np.ndarray:
    """Involution as the formula reads.

    y[b,i,j,c] = sum_(u,v) kernel[b,i,j,g(c),u*K+v] * x_pad[b, i*s+u*d, j*s+v*d, c],
    with g(c) = c // (C // G) and x padded by d*(K-1)/2 on every side.
    """
    x, kernel, k, s, d = _check_involution_args(x, kernel, kernel_size, strides, dilation_rate)
    xp = _involution_pad(x, k, d)
    batch, out_h, out_w, groups, _ = kernel.shape
    channels = x.shape[3]
    group_size = channels // groups
    y = np.zeros((batch, out_h, out_w, channels), dtype=np.result_type(x, kernel))
    for b in range(batch):
        for i in range(out_h):
            for j in range(out_w):
                for c in range(channels):
                    g = c // group_size
                    total = 0.0
                    for u in range(k):
                        for v in range(k):
                            total += kernel[b, i, j, g, u * k + v] * xp[b, i * s + u * d, j * s + v * d, c]
                    y[b, i, j, c] = total
    return y


def involution(
    x: np.ndarray, kernel: np.ndarray, kernel_size: int, strides: int = 1, dilation_rate: int = 1
) -> np.ndarray:
    """Vectorized involution: one multiply-add per window tap over whole strided views."""
    x, kernel, k, s, d = _check_involution_args(x, kernel, kernel_size, strides, dilation_rate)
    xp = _involution_pad(x, k, d)
    batch, out_h, out_w, groups, _ = kernel.shape
    channels = x.shape[3]
    y = np.zeros((batch, out_h, out_w, groups, channels // groups), dtype=np.result_type(x, kernel))
    for u in range(k):
        for v in range(k):
            tap = xp[:, u * d : u * d + (out_h - 1) * s + 1 : s, v * d : v * d + (out_w - 1) * s + 1 : s]
            y += tap.reshape(y.shape) * kernel[..., u * k + v, None]
    return y.reshape(batch, out_h, out_w, channels)


def average_pool_same(x: np.ndarray, pool: int) -> np.ndarray:
    """Average pooling with window = stride = ``pool`` and TensorFlow's "same" padding.

    As in TensorFlow, padded positions are left out of the average (not counted as zeros).
    """
    x = _check_image(x)
    pool = check_positive_int("pool", pool)
    if pool == 1:
        return x
    out_h, top, bottom = same_padding(x.shape[1], pool, pool)
    out_w, left, right = same_padding(x.shape[2], pool, pool)
    pads = ((0, 0), (top, bottom), (left, right), (0, 0))
    sums = np.pad(x, pads).reshape(x.shape[0], out_h, pool, out_w, pool, x.shape[3]).sum(axis=(2, 4))
    counts = np.pad(np.ones(x.shape[1:3]), pads[1:3]).reshape(out_h, pool, out_w, pool).sum(axis=(1, 3))
    return sums / counts[None, :, :, None]


def generate_kernel(
    x: np.ndarray,
    weights: dict[str, np.ndarray],
    kernel_size: int,
    groups: int,
    strides: int = 1,
    epsilon: float = 1e-3,
) -> np.ndarray:
    """The kernel generation function phi(X_ij) = W1 sigma(W0 X_ij), at every output pixel.

    ``weights`` holds ``reduce`` (C, C/r), the inference-mode batch norm (``gamma``, ``beta``,
    ``mean``, ``variance``), ``span`` (C/r, K*K*G) and ``span_bias`` (K*K*G,) — the names that
    :meth:`involution_tf.layers.Involution.reference_weights` returns. For stride > 1 the pixel
    descriptor X_ij is the average over the s x s block the output pixel summarizes. Returns the
    kernel as (batch, out_height, out_width, groups, K*K).
    """
    pooled = average_pool_same(x, strides)
    hidden = pooled @ weights["reduce"]
    hidden = (hidden - weights["mean"]) / np.sqrt(weights["variance"] + epsilon)
    hidden = np.maximum(hidden * weights["gamma"] + weights["beta"], 0.0)  # sigma = BN + ReLU
    span = hidden @ weights["span"] + weights["span_bias"]
    return span.reshape(*span.shape[:3], groups, kernel_size**2)


def involution_layer(
    x: np.ndarray,
    weights: dict[str, np.ndarray],
    kernel_size: int,
    groups: int,
    strides: int = 1,
    dilation_rate: int = 1,
    epsilon: float = 1e-3,
) -> np.ndarray:
    """A whole involution layer in inference mode: generate the kernels, then apply them."""
    kernel = generate_kernel(x, weights, kernel_size, groups, strides, epsilon)
    return involution(x, kernel, kernel_size, strides, dilation_rate)


def local_attention(
    x: np.ndarray, w_q: np.ndarray, w_k: np.ndarray, kernel_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Single-head self-attention over each pixel's K x K window, values = ``x``, as loops over the formula:
    weights softmax over the window of q_ij . k_(i+u, j+v) / sqrt(d), window positions outside the image left
    out. Returns the output and the attention maps, shaped as a one-group involution kernel
    (batch, height, width, 1, K*K)."""
    x = _check_image(x)
    k = check_positive_int("kernel_size", kernel_size)
    queries, keys = x @ w_q, x @ w_k
    batch, height, width, _ = x.shape
    half, scale = k // 2, np.sqrt(w_q.shape[1])
    out, maps = np.zeros_like(x), np.zeros((batch, height, width, 1, k * k))
    for n in range(batch):
        for i in range(height):
            for j in range(width):
                window = [(u * k + v, i + u - half, j + v - half) for u in range(k) for v in range(k)]
                inside = [(t, a, b) for t, a, b in window if 0 <= a < height and 0 <= b < width]
                logits = np.array([queries[n, i, j] @ keys[n, a, b] / scale for _, a, b in inside])
                weights = np.exp(logits - logits.max())
                weights /= weights.sum()
                for weight, (t, a, b) in zip(weights, inside):
                    maps[n, i, j, 0, t] = weight
                    out[n, i, j] += weight * x[n, a, b]
    return out, maps
