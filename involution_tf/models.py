"""Model builders for the dataset comparison: the student study's networks, and involution done right.

``build_model(name, dataset)`` makes one of the six networks of :data:`NETWORKS`, the registry every module
reads a network's family, recipe and role from (10 logits out):

* ``conv_baseline`` - the student study's convolution networks. MNIST: the keras.io "Simple MNIST convnet"
  (Conv32 - pool - Conv64 - pool - Flatten - Dropout 0.5 - Dense 10), 34,826 parameters.
  Fashion-MNIST and CIFAR-10: Conv32 - pool - Conv64 - pool - Conv64 (3x3 "same", ReLU) - Flatten -
  Dense 64 - Dense 10, 257,162 and 319,178 parameters.
* ``involution_swap`` - the same architecture with every Conv2D replaced by a 3x3 involution that
  keeps the input's channels (one group), as the student study and the public Keras example did. The network
  never mixes channels before the dense head, which is why it has so few parameters - and why it
  learns so little.
* ``rednet`` - involution as the paper uses it (RedNet): a stride-2 3x3 convolution stem, then residual
  bottlenecks in which 1x1 convolutions mix channels and an involution (7x7 on MNIST, 3x3 on
  Fashion-MNIST and CIFAR-10; stride in the involution) mixes space, BatchNorm everywhere, global
  average pooling, one dense layer. On CIFAR-10 each involution's kernel starts as a random static
  kernel plus a smaller dynamic part (see :class:`RedNetConfig`).
* ``rednet_conv_control`` - the same network with a 3x3 convolution in place of every involution:
  the control that isolates what the involution itself contributes.
* ``rednet_depthwise_control`` - the RedNet with a K x K depthwise convolution (same K and stride) in
  place of every involution: a static spatial kernel per channel, where involution generates one per
  pixel and shares it in a group. The RedNet against it measures what the generated kernel adds.
* ``conv_matched_params`` - ``rednet_conv_control`` narrowed (every width times
  :data:`MATCHED_WIDTH`) to within 15% of the RedNet's parameters: the two operators at equal size.

``build_model(name, dataset, width=w)`` scales the stem and every stage of a network of
:data:`SWEPT_MODELS` by ``w`` (the widths of the frontier sweep are :data:`WIDTHS`): the RedNet and its two
controls as curves of accuracy against size, the paper's Figure 1 at the course's scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras

from involution_tf.layers import Involution

__all__ = [
    "INPUT_SHAPES",
    "FAMILIES",
    "Network",
    "NETWORKS",
    "network",
    "MODELS",
    "REDNET",
    "CONTROLS",
    "COUNTERPARTS",
    "input_shape",
    "RedNetConfig",
    "REDNET_CONFIGS",
    "MATCHED_WIDTH",
    "SWEPT_MODELS",
    "WIDTHS",
    "build_model",
    "check_width",
]

INPUT_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
# The width factor that brings the convolution control within 15% of the RedNet's parameters.
MATCHED_WIDTH = {"mnist": 0.75, "fashion_mnist": 0.7, "cifar10": 0.7}
# The families the figures and the frontier group networks by, and how they name each.
FAMILIES = {
    "study": "the student study's networks",
    "involution": "RedNet (involution)",
    "convolution": "3×3 convolution control",
    "depthwise": "depthwise control (fixed K×K)",
}


@dataclass(frozen=True)
class Network:
    """One network of the course, as every module that trains, times, compares or draws it reads it.

    ``mixing`` is its spatial operator ("conv", "involution" or "depthwise"), ``recipe`` the name of its
    training recipe (see :mod:`involution_tf.training`). ``swept`` networks take a width factor;
    ``fixed_width`` narrows a network per dataset instead. ``timed_against`` is the convolution network
    an involution network's epochs are compared with; ``question`` says, for a control of the RedNet,
    what the RedNet against it measures. ``style`` is its colour and marker in every figure."""

    name: str
    family: str
    recipe: str
    mixing: str
    style: tuple[str, str]
    swept: bool = False
    fixed_width: dict[str, float] | None = None
    timed_against: str | None = None
    question: str | None = None

    def width_factor(self, dataset: str, width: float) -> float:
        """The factor this network's widths are multiplied by on ``dataset`` at sweep width ``width``."""
        return self.fixed_width[dataset] if self.fixed_width else width


_STUDY = dict(family="study", recipe="study")
_REDNET = dict(recipe="rednet", swept=True)
NETWORKS = {
    n.name: n
    for n in (
        Network("conv_baseline", mixing="conv", style=("C0", "o"), **_STUDY),
        Network(
            "involution_swap", mixing="involution", style=("C1", "o"), timed_against="conv_baseline", **_STUDY
        ),
        Network(
            "rednet",
            "involution",
            mixing="involution",
            style=("C3", "*"),
            timed_against="rednet_conv_control",
            **_REDNET,
        ),
        Network(
            "rednet_conv_control",
            "convolution",
            mixing="conv",
            style=("C2", "s"),
            **_REDNET,
            question="involution against a 3×3 convolution, everything else equal",
        ),
        Network(
            "rednet_depthwise_control",
            "depthwise",
            mixing="depthwise",
            style=("C4", "D"),
            **_REDNET,
            question="the generated, per-pixel kernel against a fixed K×K one per channel",
        ),
        Network(
            "conv_matched_params",
            "convolution",
            "rednet",
            "conv",
            ("C9", "^"),
            fixed_width=MATCHED_WIDTH,
            question="involution against convolution at equal parameters",
        ),
    )
}
MODELS = tuple(NETWORKS)
# The network the controls are controls of.
REDNET = "rednet"
# The networks that take a width factor, and the factors of the frontier sweep (1 is the protocol's).
SWEPT_MODELS = tuple(n.name for n in NETWORKS.values() if n.swept)
WIDTHS = (0.5, 1.0, 2.0)
# The RedNet's controls, and what the RedNet against each of them measures.
CONTROLS = {n.name: n.question for n in NETWORKS.values() if n.question}
# Each involution network and the convolution network its epochs are compared with.
COUNTERPARTS = {n.name: n.timed_against for n in NETWORKS.values() if n.timed_against}


def network(name: str, argument: str = "name") -> Network:
    """The registry's entry for ``name``; otherwise a ``ValueError`` that names the caller's ``argument``
    and the known networks."""
    if name not in NETWORKS:
        raise ValueError(f"`{argument}` must be one of {list(NETWORKS)}, got {name!r}.")
    return NETWORKS[name]


@dataclass(frozen=True)
class RedNetConfig:
    """Size of a RedNet-style network: a 3x3 stride-2 convolution stem ``stem`` channels wide, then
    (bottleneck width, blocks) per stage, every stage after the first halving the resolution in its
    first block. A block's output has ``expansion`` x its width.

    The stride-2 stem spares a CPU the full-resolution maps, where its time goes. The paper's 7x7
    involution is made for 56x56 maps; the Fashion-MNIST and CIFAR-10 networks' maps shrink to 4x4, so
    they use 3x3, while the shallower MNIST network keeps 7x7 for its reach. The paper's kernel generator
    (16 channels per kernel, reduction to a quarter) is sized for 64-512 channels; these networks have
    16-64, so they reduce to half and, on Fashion-MNIST and CIFAR-10, share a kernel among 4 channels.
    ``static_kernel_init`` starts each kernel as a random static one plus a smaller dynamic part (see
    ``_involution``); the CIFAR-10 network uses it. Notebook 05's appendix gives how each choice was made.
    """

    stem: int
    stages: tuple[tuple[int, int], ...]
    expansion: int = 2
    kernel_size: int = 7
    group_channels: int = 16
    reduction_ratio: int = 4
    static_kernel_init: bool = False


# The stages, 3x3 involution and richer kernel generator that the Fashion-MNIST and CIFAR-10 networks share.
_SMALL_MAP_NETWORK = dict(
    stages=((16, 1), (32, 2), (64, 2)), kernel_size=3, group_channels=4, reduction_ratio=2
)

REDNET_CONFIGS = {
    "mnist": RedNetConfig(stem=16, stages=((16, 1), (32, 1)), reduction_ratio=2),
    "fashion_mnist": RedNetConfig(stem=16, **_SMALL_MAP_NETWORK),
    "cifar10": RedNetConfig(stem=32, static_kernel_init=True, **_SMALL_MAP_NETWORK),
}


def input_shape(dataset: str) -> tuple[int, int, int]:
    """The (height, width, channels) of a dataset's images; `ValueError` for an unknown name."""
    if dataset not in INPUT_SHAPES:
        raise ValueError(f"`dataset` must be one of {sorted(INPUT_SHAPES)}, got {dataset!r}.")
    return INPUT_SHAPES[dataset]


def build_model(name: str, dataset: str, width: float = 1.0) -> keras.Model:
    """The network ``name`` (one of :data:`NETWORKS`) for ``dataset``, named ``<name>_<dataset>``; with a
    ``width`` other than 1 (networks of :data:`SWEPT_MODELS` only), every width times it, named
    ``<name>_w<width>_<dataset>``."""
    net = network(name)
    check_width(name, width)
    inputs = keras.Input(input_shape(dataset))
    if net.family == "study":
        outputs = _study_network(inputs, dataset, involution=net.mixing == "involution")
    else:
        factor = net.width_factor(dataset, width)
        config = REDNET_CONFIGS[dataset] if factor == 1 else _narrowed(REDNET_CONFIGS[dataset], factor)
        outputs = _rednet(inputs, config, net.mixing)
    suffix = "" if width == 1 else f"_w{width:g}"
    return keras.Model(inputs, outputs, name=f"{name}{suffix}_{dataset}")


def check_width(name: str, width: float) -> None:
    """A ``ValueError`` unless ``width`` is a positive number, and 1 for a network outside
    :data:`SWEPT_MODELS`."""
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
        raise ValueError(f"`width` must be a positive number, got {width!r}.")
    if width != 1 and not network(name).swept:
        raise ValueError(
            f"`width` must be 1 for {name!r} (only {list(SWEPT_MODELS)} take one), got {width!r}."
        )


def _study_layer(x, filters: int, padding: str, involution: bool):
    """One of the student study's 3x3 layers: a ReLU convolution, or the involution that replaced it."""
    if not involution:
        return keras.layers.Conv2D(filters, 3, padding=padding, activation="relu")(x)
    channels = x.shape[-1]
    x = Involution(kernel_size=3, group_channels=channels, reduction_ratio=2)(x)
    return keras.layers.ReLU()(x)


def _study_network(inputs, dataset: str, involution: bool):
    """The student study's convolution network for ``dataset``, or its involution swap."""
    if dataset == "mnist":
        x = _study_layer(inputs, 32, "valid", involution)
        x = keras.layers.MaxPooling2D()(x)
        x = _study_layer(x, 64, "valid", involution)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dropout(0.5)(keras.layers.Flatten()(x))
    else:
        x = inputs
        for filters, pool in ((32, True), (64, True), (64, False)):
            x = _study_layer(x, filters, "same", involution)
            x = keras.layers.MaxPooling2D()(x) if pool else x
        x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    return keras.layers.Dense(10)(x)


def _conv_bn(x, filters: int, kernel_size: int = 1, strides: int = 1, relu: bool = True):
    x = keras.layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x) if relu else x


def _involution(config: RedNetConfig, channels: int, strides: int) -> Involution:
    """The RedNet's involution; with ``static_kernel_init``, its kernel starts as a random static K x K
    kernel (the span's bias, He-scaled for one K x K window) plus a dynamic part at half the Glorot
    scale of Keras's default. The paper keeps a group's channel count at every width; a stage narrower than
    one group (the MNIST network at half width) makes its whole width one group."""
    k = config.kernel_size
    init = {}
    if config.static_kernel_init:
        init = dict(
            span_initializer=keras.initializers.VarianceScaling(0.25, "fan_avg", "uniform"),
            span_bias_initializer=keras.initializers.RandomNormal(stddev=(2 / k**2) ** 0.5),
        )
    group_channels = min(config.group_channels, channels)
    return Involution(k, strides, group_channels, config.reduction_ratio, **init)


def _narrowed(config: RedNetConfig, factor: float) -> RedNetConfig:
    """``config`` with its stem and every stage's width times ``factor`` (rounded to a multiple of 4)."""
    width = lambda w: max(4, 4 * round(w * factor / 4))  # noqa: E731
    return replace(config, stem=width(config.stem), stages=tuple((width(w), n) for w, n in config.stages))


def _spatial(x, config: RedNetConfig, strides: int, mixing: str):
    """The block's spatial mixing: the involution, a KxK depthwise convolution, or a 3x3 convolution,
    the first two followed by BatchNorm and ReLU as the convolution is."""
    if mixing == "conv":
        return _conv_bn(x, x.shape[-1], 3, strides)
    if mixing == "involution":
        x = _involution(config, x.shape[-1], strides)(x)
    elif mixing == "depthwise":
        x = keras.layers.DepthwiseConv2D(config.kernel_size, strides, padding="same", use_bias=False)(x)
    else:
        raise ValueError(f"`mixing` must be 'conv', 'involution' or 'depthwise', got {mixing!r}.")
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def _bottleneck(x, width: int, strides: int, config: RedNetConfig, mixing: str):
    """RedNet's bottleneck: 1x1 reduce, spatial mixing (with the stride), 1x1 expand, residual add."""
    out = width * config.expansion
    shortcut = x
    if strides > 1:
        shortcut = keras.layers.AveragePooling2D(strides, padding="same")(shortcut)
    if strides > 1 or x.shape[-1] != out:
        shortcut = _conv_bn(shortcut, out, relu=False)
    y = _conv_bn(x, width)
    y = _spatial(y, config, strides, mixing)
    y = _conv_bn(y, out, relu=False)
    return keras.layers.ReLU()(keras.layers.Add()([shortcut, y]))


def _rednet(inputs, config: RedNetConfig, mixing: str):
    x = _conv_bn(inputs, config.stem, 3, strides=2)
    for stage, (width, blocks) in enumerate(config.stages):
        for block in range(blocks):
            x = _bottleneck(x, width, 2 if stage > 0 and block == 0 else 1, config, mixing)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.layers.Dense(10)(x)
