"""Parameter and multiply-add counts of convolution and involution layers.

Counts follow the layers of this package and of Keras exactly (a test checks them against
``count_params()``). Like the paper, we count multiply-accumulates (MACs, often reported as
"FLOPs"); one MAC is two floating-point operations.
"""

from __future__ import annotations

__all__ = ["conv2d_params", "conv2d_macs", "depthwise_params", "involution_params", "involution_macs"]


def _out(size: int, strides: int) -> int:
    return -(-size // strides)


def conv2d_params(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    """Weights of a K x K convolution: C_in * C_out * K^2 (+ C_out biases)."""
    return c_in * c_out * k * k + (c_out if bias else 0)


def conv2d_macs(height: int, width: int, c_in: int, c_out: int, k: int, strides: int = 1) -> int:
    """Multiply-adds of a "same" convolution: every output pixel and channel sums C_in * K^2 products."""
    return _out(height, strides) * _out(width, strides) * c_out * c_in * k * k


def depthwise_params(channels: int, k: int, bias: bool = False) -> int:
    """Weights of a K x K depthwise convolution: one K x K kernel per channel (+ C biases)."""
    return channels * k * k + (channels if bias else 0)


def _reduced(channels: int, reduction_ratio: int) -> int:
    return max(1, channels // reduction_ratio)


def involution_params(channels: int, k: int, group_channels: int = 16, reduction_ratio: int = 4) -> int:
    """Weights of :class:`involution_tf.layers.Involution` (as ``count_params()`` counts them):
    the reduce 1x1 conv (no bias), batch norm (gamma, beta and the two moving statistics) and the
    span 1x1 conv to K^2 * G outputs with biases. Nothing grows with the image size."""
    groups, reduced = channels // group_channels, _reduced(channels, reduction_ratio)
    return channels * reduced + 4 * reduced + reduced * k * k * groups + k * k * groups


def involution_macs(
    height: int,
    width: int,
    channels: int,
    k: int,
    group_channels: int = 16,
    reduction_ratio: int = 4,
    strides: int = 1,
) -> int:
    """Multiply-adds of an involution layer: kernel generation (two 1x1 convs at each output pixel)
    plus the K^2 multiply-adds per output value of the involution itself."""
    groups, reduced = channels // group_channels, _reduced(channels, reduction_ratio)
    pixels = _out(height, strides) * _out(width, strides)
    return pixels * (channels * reduced + reduced * k * k * groups + k * k * channels)
