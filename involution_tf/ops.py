"""The involution operator in TensorFlow, XLA-compiled, from ops that TensorFlow has on CPUs and GPUs.

``involution(x, kernel, kernel_size, strides, dilation_rate)`` computes, for NHWC ``x`` and a
kernel of shape (batch, out_height, out_width, groups, K*K),

    y[b,i,j,c] = sum_(u,v) kernel[b,i,j,g(c),u*K+v] * x_pad[b, i*s+u*d, j*s+v*d, c]

exactly as :func:`involution_tf.reference.involution` does in NumPy. How it is made fast:

* The forward pass is a sum over the K*K window taps of a strided slice of the padded input times
  one kernel column. XLA fuses the whole sum into one loop over the output, so the
  (B, H, W, K*K, C) patch tensor of the ``tf.image.extract_patches`` approach never exists.
* The backward pass is written out by hand, in gather form, and compiled as well: dkernel gathers
  every output pixel's K*K taps and reduces them over each channel group in one fused loop, and dx
  gathers ``dy * kernel`` from the output pixels whose windows cover each input pixel, one stride
  phase at a time (for stride s, each of the s*s phases of dx sees only K*K / s^2 taps). Left to
  TensorFlow's automatic differentiation, the slices' gradients would be K*K zero-padded copies of
  dx, several times slower.
* Both passes are ``tf.function(jit_compile=True)`` with relaxed shapes, so a caller gets XLA in
  eager mode, inside ``tf.function`` and under ``model.fit`` without setting any flag, and one trace
  serves every batch and image size (XLA compiles once per concrete shape). Inside a caller's whole
  XLA computation (``jit_compile=True`` on a training step) both passes are fused with their
  neighbours, which on a CPU makes a RedNet's step slower, not faster: see
  :mod:`involution_tf.train_steps`.
"""

from __future__ import annotations

import functools

import tensorflow as tf

from involution_tf.arguments import check_geometry

__all__ = ["involution", "output_size", "SUPPORTED_DTYPES"]

SUPPORTED_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def output_size(size: int, strides: int) -> int:
    """Output height or width of an involution with "same" padding: ceil(size / strides)."""
    return -(-size // strides)


def _check_tensors(x: tf.Tensor, kernel: tf.Tensor, kernel_size: int, strides: int) -> None:
    """Check dtypes and every statically known dimension before any kernel runs."""
    if x.dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"`x` must be float16, bfloat16, float32 or float64, got {x.dtype.name}.")
    if kernel.dtype != x.dtype:
        raise TypeError(f"`kernel` must have the dtype of `x` ({x.dtype.name}), got {kernel.dtype.name}.")
    if x.shape.rank != 4:
        raise ValueError(f"`x` must be 4-D NHWC (batch, height, width, channels), got shape {x.shape}.")
    if x.shape[3] is None:
        raise ValueError(f"`x` must have a known channel count (last axis), got shape {x.shape}.")
    if kernel.shape.rank != 5 or kernel.shape[3] is None or kernel.shape[4] != kernel_size**2:
        raise ValueError(
            f"`kernel` must be 5-D (batch, out_height, out_width, groups, {kernel_size**2}) with a known "
            f"groups axis for kernel_size={kernel_size}, got shape {kernel.shape}."
        )
    channels, groups = x.shape[3], kernel.shape[3]
    if groups < 1 or channels % groups:
        raise ValueError(f"`kernel` has {groups} groups, which must divide the {channels} channels of `x`.")
    expected = [
        x.shape[0],
        None if x.shape[1] is None else output_size(x.shape[1], strides),
        None if x.shape[2] is None else output_size(x.shape[2], strides),
    ]
    for axis, (want, got) in enumerate(zip(expected, kernel.shape[:3])):
        if want is not None and got is not None and want != got:
            raise ValueError(
                f"`kernel` shape {kernel.shape} does not match `x` shape {x.shape} with strides={strides}: "
                f"axis {axis} should be {want} (batch, then ceil(size / strides)), got {got}."
            )


def involution(
    x: tf.Tensor, kernel: tf.Tensor, kernel_size: int, strides: int = 1, dilation_rate: int = 1
) -> tf.Tensor:
    """Apply per-pixel, per-group involution kernels to an NHWC batch.

    Args:
        x: input of shape (batch, height, width, channels); channels must be known.
        kernel: (batch, ceil(height / strides), ceil(width / strides), groups, kernel_size**2);
            channel c uses group c // (channels // groups), tap u*K+v is row u, column v.
        kernel_size: K, odd and positive.
        strides: s >= 1; the output has ceil(size / s) rows and columns ("same" padding).
        dilation_rate: d >= 1; the input is padded by d*(K-1)/2 zeros on every side.

    Returns:
        The output, (batch, ceil(height / s), ceil(width / s), channels), in the dtype of ``x``.

    Raises:
        ValueError: ``kernel_size``, ``strides`` or ``dilation_rate`` not a positive integer (or an even
            ``kernel_size``); ``x`` not 4-D with known channels; ``kernel`` not 5-D with K*K taps and a
            groups axis dividing the channels, or with a batch or grid that does not match ``x``.
        TypeError: ``x`` not float16, bfloat16, float32 or float64, or ``kernel`` of another dtype.

    Example:
        >>> import tensorflow as tf
        >>> from involution_tf.ops import involution
        >>> x = tf.ones((2, 8, 8, 6))
        >>> kernel = tf.ones((2, 4, 4, 3, 9)) / 9  # 3 groups of 2 channels, a 3x3 mean filter each
        >>> y = involution(x, kernel, kernel_size=3, strides=2)
        >>> y.shape
        TensorShape([2, 4, 4, 6])
        >>> float(y[0, 1, 1, 0])  # a window inside the image: the mean of nine ones
        1.0
    """
    kernel_size, strides, dilation_rate = check_geometry(kernel_size, strides, dilation_rate)
    x = tf.convert_to_tensor(x)
    kernel = tf.convert_to_tensor(kernel)
    _check_tensors(x, kernel, kernel_size, strides)
    geometry = (kernel_size, strides, dilation_rate)
    return _compiled_op(geometry, x.shape[3], kernel.shape[3], x.dtype)(x, kernel)


@functools.cache
def _compiled_op(geometry: tuple[int, int, int], channels: int, groups: int, dtype: tf.DType):
    """Build, once per geometry, channel count, groups and dtype, the XLA-compiled op and its
    hand-written compiled gradient. Batch and spatial sizes stay free: one trace serves them all."""
    k = geometry[0]
    x_spec = tf.TensorSpec([None, None, None, channels], dtype)
    kernel_spec = tf.TensorSpec([None, None, None, groups, k * k], dtype)
    forward = tf.function(
        functools.partial(_forward, geometry=geometry),
        input_signature=[x_spec, kernel_spec],
        jit_compile=True,
    )
    backward = tf.function(
        functools.partial(_backward, geometry=geometry),
        input_signature=[x_spec, kernel_spec, x_spec],
        jit_compile=True,
    )

    @tf.custom_gradient
    def op(x, kernel):
        def grad(dy):
            return backward(x, kernel, dy)

        # Without stop_gradient an eager GradientTape would run the forward pass in its
        # gradient-recording form (keeping every intermediate for a gradient never used): 3-8x slower.
        return forward(tf.stop_gradient(x), tf.stop_gradient(kernel)), grad

    op.forward, op.backward = forward, backward  # for the tests, which count their traces
    return op


def _sizes(x: tf.Tensor, kernel: tf.Tensor, strides: int):
    shape = tf.shape(x)
    out_h, out_w = (shape[1] + strides - 1) // strides, (shape[2] + strides - 1) // strides
    groups = kernel.shape[3]
    return shape[0], shape[1], shape[2], out_h, out_w, groups, x.shape[3] // groups


def _padding(geometry) -> int:
    """Zeros on each side of the image for "same" padding: d*(K-1)/2."""
    k, _, d = geometry
    return d * (k - 1) // 2


def _pad_spatial(t: tf.Tensor, before: int, after: int) -> tf.Tensor:
    pads = [[0, 0], [before, after], [before, after]] + [[0, 0]] * (t.shape.rank - 3)
    return tf.pad(t, pads)


def _taps(padded: tf.Tensor, geometry, out_h, out_w):
    """Yield (tap index, strided view) of every window tap: padded[:, i*s+u*d, j*s+v*d]."""
    k, s, d = geometry
    for u in range(k):
        for v in range(k):
            rows = slice(u * d, u * d + (out_h - 1) * s + 1, s)
            cols = slice(v * d, v * d + (out_w - 1) * s + 1, s)
            yield u * k + v, padded[:, rows, cols]


def _forward(x, kernel, geometry):
    batch, _, _, out_h, out_w, groups, group_size = _sizes(x, kernel, geometry[1])
    pad = _padding(geometry)
    x_pad = _pad_spatial(x, pad, pad)
    # Read the kernel as (K*K, groups): one contiguous column per tap (twice as fast at K=7).
    taps_first = tf.transpose(kernel, [0, 1, 2, 4, 3])[..., None]
    grouped = [batch, out_h, out_w, groups, group_size]
    y = None
    for t, view in _taps(x_pad, geometry, out_h, out_w):
        term = tf.reshape(view, grouped) * taps_first[:, :, :, t]
        y = term if y is None else y + term
    return tf.reshape(y, [batch, out_h, out_w, groups * group_size])


def _tap_indices(geometry, out_h, out_w, padded_width) -> tf.Tensor:
    """Flat index into the padded image of every output pixel's every tap, (out_h*out_w, K*K)."""
    k, s, d = geometry
    corners = tf.range(out_h)[:, None] * (s * padded_width) + tf.range(out_w)[None, :] * s
    tap_rows = tf.constant([u * d for u in range(k) for _ in range(k)])
    tap_cols = tf.constant([v * d for _ in range(k) for v in range(k)])
    offsets = (tap_rows * padded_width + tap_cols)[None, :]
    return tf.reshape(corners, [-1, 1]) + offsets


def _backward(x, kernel, dy, geometry):
    """(dx, dkernel) of the involution for the upstream gradient dy."""
    _, height, width, _, _, _, group_size = _sizes(x, kernel, geometry[1])
    return _input_gradient(kernel, dy, geometry, height, width, group_size), _kernel_gradient(
        x, kernel, dy, geometry
    )


def _kernel_gradient(x, kernel, dy, geometry):
    """dkernel[b,i,j,g,t] = sum over the channels of group g of x_pad(tap t) * dy, in one fused loop:
    gathering every tap's pixel by its flat index reads dy once, where one reduction per tap would
    stream x and dy from memory K*K times (measured 1.6x slower at K=7)."""
    k, s, _ = geometry
    batch, _, width, out_h, out_w, groups, group_size = _sizes(x, kernel, s)
    pad = _padding(geometry)
    pixels = tf.reshape(_pad_spatial(x, pad, pad), [batch, -1, groups, group_size])
    taps = _tap_indices(geometry, out_h, out_w, width + 2 * pad)  # (out_h*out_w, K*K)
    windows = tf.transpose(tf.gather(pixels, taps, axis=1), [0, 1, 3, 2, 4])
    grouped_dy = tf.reshape(dy, [batch, out_h * out_w, groups, 1, group_size])
    return tf.reshape(tf.reduce_sum(windows * grouped_dy, axis=-1), [batch, out_h, out_w, groups, k * k])


def _input_gradient(kernel, dy, geometry, height, width, group_size):
    """dx[h, w] = sum of dy * kernel_t over the output pixels (i, j) and taps t = (u, v) with
    i*s + u*d - pad = h (and likewise for w), gathered rather than scattered.

    An input row h = a*s + p (phase p) is reached only by the taps u with (p + pad - u*d) divisible
    by s, from output row i = a + (p + pad - u*d) / s. So each of the s*s phases of dx is a sum of
    shifted slices over its own taps (K*K / s^2 of them), and the phases interleave into dx: no
    multiplication by the zeros a stride-s gradient would otherwise be spread with (9x faster dx at
    stride 2 than summing all K*K taps over a zero-spread gradient)."""
    k, s, _ = geometry
    shape = tf.shape(dy)
    batch, out_h, out_w, groups = shape[0], shape[1], shape[2], kernel.shape[3]
    pad = _padding(geometry)
    before, after = -(-pad // s), (s - 1 + pad) // s  # reach of the shifts (p + pad - u*d) / s
    padded = [batch, out_h + before + after, out_w + before + after, groups, group_size]
    dy = tf.reshape(_pad_spatial(dy, before, after), padded)
    taps_first = _pad_spatial(tf.transpose(kernel, [0, 1, 2, 4, 3]), before, after)

    def phase(p_row: int, p_col: int) -> tf.Tensor:
        total = tf.zeros_like(dy[:, :out_h, :out_w])
        for u, top in _phase_shifts(p_row, geometry, before):
            for v, left in _phase_shifts(p_col, geometry, before):
                window = (slice(None), slice(top, top + out_h), slice(left, left + out_w))
                total += dy[window] * taps_first[window][:, :, :, u * k + v, :, None]
        return total

    phases = tf.stack([tf.stack([phase(pr, pc) for pc in range(s)], axis=3) for pr in range(s)], axis=2)
    dx = tf.reshape(phases, [batch, out_h * s, out_w * s, groups * group_size])  # phases interleaved
    return dx[:, :height, :width]


def _phase_shifts(phase: int, geometry, before: int):
    """(tap, start row in the padded gradient) of the taps that reach input rows of this phase."""
    k, s, d = geometry
    pad = _padding(geometry)
    return [(u, before + (phase + pad - u * d) // s) for u in range(k) if (phase + pad - u * d) % s == 0]
