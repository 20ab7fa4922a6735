"""Model builders for the dataset comparison (issue 5, in progress): the seed study's convolution baselines.

The seed study compared convolution networks with same-architecture involution networks. Its baselines:

* MNIST: the keras.io "Simple MNIST convnet" (Conv32 - pool - Conv64 - pool - Flatten - Dropout 0.5 -
  Dense 10),
  34,826 parameters;
* Fashion-MNIST and CIFAR-10: Conv32 - pool - Conv64 - pool - Conv64 (3x3 "same", ReLU) - Flatten - Dense 64 -
  Dense 10, 257,162 and 319,178 parameters.
"""

from __future__ import annotations

import keras

__all__ = ["INPUT_SHAPES", "conv_baseline"]

INPUT_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3)}


def _input_shape(dataset: str) -> tuple[int, int, int]:
    if dataset not in INPUT_SHAPES:
        raise ValueError(f"`dataset` must be one of {sorted(INPUT_SHAPES)}, got {dataset!r}.")
    return INPUT_SHAPES[dataset]


def conv_baseline(dataset: str) -> keras.Model:
    """The seed's convolution network for ``dataset`` (logits out, 10 classes)."""
    inputs = keras.Input(_input_shape(dataset))
    if dataset == "mnist":
        x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Conv2D(64, 3, activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dropout(0.5)(keras.layers.Flatten()(x))
    else:
        x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
        x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(10)(x), name=f"conv_baseline_{dataset}")
