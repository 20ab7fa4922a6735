"""The Keras 3 ``Involution`` layer: a kernel-generation branch plus :func:`involution_tf.ops.involution`."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from involution_tf import ops
from involution_tf.arguments import check_geometry, check_positive_int

__all__ = ["Involution"]


def _initializer(argument: str, value) -> keras.initializers.Initializer:
    """``keras.initializers.get(value)``, with a `ValueError` that names the argument."""
    try:
        return keras.initializers.get(value)
    except ValueError as error:
        raise ValueError(f"`{argument}` must be a Keras initializer or its name, got {value!r}.") from error


@keras.saving.register_keras_serializable(package="involution_tf")
class Involution(keras.layers.Layer):
    """Involution (Li et al., CVPR 2021): a K x K kernel generated at every pixel, shared by a
    group of channels.

    Kernel generation follows the paper's official code: average-pool by ``strides`` (when > 1,
    "same" padding, so the kernel grid matches the output) -> 1x1 convolution to
    ``channels // reduction_ratio`` (at least 1) -> BatchNorm -> ReLU -> 1x1 convolution to
    ``K*K*groups`` values read as (groups, K*K) - the "span" convolution. The kernels are then applied
    by :func:`involution_tf.ops.involution`.

    The span's bias is the static part of every pixel's kernel, its weights the dynamic part. Keras's
    defaults (Glorot weights, zero bias) start the kernel purely dynamic, so that the output is a
    product of two random functions of the input; :mod:`involution_tf.models` starts its CIFAR-10
    RedNet with a random static kernel instead (see ``RedNetConfig``).

    Args:
        kernel_size: K, odd and positive.
        strides: output size is ceil(size / strides).
        group_channels: channels that share one kernel; groups = channels // group_channels.
        reduction_ratio: channel reduction of the kernel-generation bottleneck.
        dilation_rate: spacing of the window taps.
        span_initializer: initializer of the span convolution's weights (Keras's name or object).
        span_bias_initializer: initializer of its bias, the static part of the kernel.
        **kwargs: standard layer arguments (``name``, ``dtype`` - a dtype policy such as
            ``"mixed_float16"``, ...).

    Input shape: (batch, height, width, channels), channels known and divisible by group_channels.
    Output shape: (batch, ceil(height / strides), ceil(width / strides), channels).

    Returns (when called):
        The involution of the inputs by the kernels generated from them, in the layer's compute dtype.

    Raises:
        ValueError: a bad argument (named, with the value and what was expected); under a Keras backend
            other than TensorFlow (the op is TensorFlow's); an input that is not 4-D NHWC, whose channels
            are unknown or not divisible by ``group_channels``, or, once built, has another channel count
            (Keras's own input check); a method that needs the built layer called before it is built.

    Attributes:
        op: the function that applies the generated kernels, with the signature of
            :func:`involution_tf.ops.involution`; None (the default) uses that op. An override point for
            measurements that swap in a stand-in (:func:`involution_tf.train_steps.zero_cost_involution`);
            not part of the layer's config, so a saved layer always reloads with the real op.

    Not supported: channels-first inputs (``data_format`` is channels-last only), rectangular windows or
    strides (one ``kernel_size`` and one ``strides`` for both axes), and padding other than "same".

    Example:
        >>> import keras
        >>> from involution_tf.layers import Involution
        >>> inputs = keras.Input((32, 32, 64))
        >>> Involution(kernel_size=7, strides=2, group_channels=16)(inputs).shape
        (None, 16, 16, 64)
    """

    def __init__(
        self,
        kernel_size: int = 7,
        strides: int = 1,
        group_channels: int = 16,
        reduction_ratio: int = 4,
        dilation_rate: int = 1,
        span_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        span_bias_initializer: str | keras.initializers.Initializer = "zeros",
        **kwargs,
    ):
        if keras.backend.backend() != "tensorflow":
            raise ValueError(
                f"Involution needs Keras's TensorFlow backend (its op is TensorFlow's), got the "
                f"{keras.backend.backend()!r} backend; set KERAS_BACKEND=tensorflow before importing keras."
            )
        super().__init__(**kwargs)
        self.kernel_size, self.strides, self.dilation_rate = check_geometry(
            kernel_size, strides, dilation_rate
        )
        self.group_channels = check_positive_int("group_channels", group_channels)
        self.reduction_ratio = check_positive_int("reduction_ratio", reduction_ratio)
        self.span_initializer = _initializer("span_initializer", span_initializer)
        self.span_bias_initializer = _initializer("span_bias_initializer", span_bias_initializer)
        self.op = None

    def _channels(self, input_shape) -> int:
        if len(input_shape) != 4:
            raise ValueError(
                f"{self.__class__.__name__} expects 4-D NHWC input (batch, height, width, channels), "
                f"got shape {tuple(input_shape)}."
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"The channel count (last axis) of the input must be known, got shape {tuple(input_shape)}."
            )
        if channels % self.group_channels:
            raise ValueError(
                f"`group_channels`={self.group_channels} must divide the input's {channels} channels "
                f"(groups = channels // group_channels)."
            )
        return channels

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})
        self.groups = channels // self.group_channels
        policy = self.dtype_policy
        self.pool = (
            keras.layers.AveragePooling2D(
                self.strides, self.strides, padding="same", dtype=policy, name="pool"
            )
            if self.strides > 1
            else None
        )
        self.reduce = keras.layers.Conv2D(
            max(1, channels // self.reduction_ratio), 1, use_bias=False, dtype=policy, name="reduce"
        )
        self.norm = keras.layers.BatchNormalization(dtype=policy, name="norm")
        self.span = keras.layers.Conv2D(
            self.kernel_size**2 * self.groups,
            1,
            kernel_initializer=self.span_initializer,
            bias_initializer=self.span_bias_initializer,
            dtype=policy,
            name="span",
        )
        shape = tuple(input_shape)
        if self.pool is not None:
            shape = self.pool.compute_output_shape(shape)
        self.reduce.build(shape)
        shape = self.reduce.compute_output_shape(shape)
        self.norm.build(shape)
        self.span.build(shape)

    def _check_built(self, method: str) -> None:
        if not self.built:
            raise ValueError(
                f"{self.name}.{method}() needs the built layer: call the layer on an input first (or "
                "build(input_shape))."
            )

    def generate_kernel(self, inputs, training=None) -> tf.Tensor:
        """The kernels the layer generates for ``inputs``, one per output pixel and group.

        Args:
            inputs: a batch of the shape the layer was built for, (batch, height, width, channels).
            training: whether BatchNorm uses the batch's statistics (True) or its moving ones.

        Returns:
            (batch, ceil(height / strides), ceil(width / strides), groups, K*K), tap u*K+v being row u,
            column v of the window.

        Raises:
            ValueError: the layer is not built yet.
        """
        self._check_built("generate_kernel")
        features = inputs if self.pool is None else self.pool(inputs)
        hidden = keras.ops.relu(self.norm(self.reduce(features), training=training))
        span = self.span(hidden)
        shape = tf.concat([tf.shape(span)[:3], [self.groups, self.kernel_size**2]], axis=0)
        return tf.reshape(span, shape)

    def call(self, inputs, training=None):
        self._channels(inputs.shape)
        kernel = self.generate_kernel(inputs, training=training)
        op = self.op or ops.involution
        return op(inputs, kernel, self.kernel_size, self.strides, self.dilation_rate)

    def compute_output_shape(self, input_shape):
        channels = self._channels(input_shape)  # validates the shape before it is unpacked
        batch, height, width, _ = input_shape
        size = [None if n is None else ops.output_size(n, self.strides) for n in (height, width)]
        return (batch, *size, channels)

    def reference_weights(self) -> dict[str, np.ndarray]:
        """The weights under the names :func:`involution_tf.reference.generate_kernel` takes."""
        self._check_built("reference_weights")
        return {
            "reduce": keras.ops.convert_to_numpy(self.reduce.kernel)[0, 0],
            "gamma": keras.ops.convert_to_numpy(self.norm.gamma),
            "beta": keras.ops.convert_to_numpy(self.norm.beta),
            "mean": keras.ops.convert_to_numpy(self.norm.moving_mean),
            "variance": keras.ops.convert_to_numpy(self.norm.moving_variance),
            "span": keras.ops.convert_to_numpy(self.span.kernel)[0, 0],
            "span_bias": keras.ops.convert_to_numpy(self.span.bias),
        }

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size,
            strides=self.strides,
            group_channels=self.group_channels,
            reduction_ratio=self.reduction_ratio,
            dilation_rate=self.dilation_rate,
            span_initializer=keras.initializers.serialize(self.span_initializer),
            span_bias_initializer=keras.initializers.serialize(self.span_bias_initializer),
        )
        return config
