"""The argument checks that the NumPy reference, the TensorFlow op and the Keras layer share: each bad
value is a ``ValueError`` that names the argument, the value and what was expected; and the name of the
command a user typed, for the command line's usage lines. Plain Python."""

from __future__ import annotations

import numbers
import os
import sys

__all__ = ["check_positive_int", "check_geometry", "command"]


def check_positive_int(name: str, value: int) -> int:
    """``value`` as an int; ``ValueError`` naming the argument unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


def check_geometry(kernel_size: int, strides: int, dilation_rate: int) -> tuple[int, int, int]:
    """Validate an involution window: kernel_size odd and positive, strides and dilation_rate >= 1."""
    kernel_size = check_positive_int("kernel_size", kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(f"`kernel_size` must be odd so the window has a centre, got {kernel_size}.")
    return (
        kernel_size,
        check_positive_int("strides", strides),
        check_positive_int("dilation_rate", dilation_rate),
    )


def command(name: str = "") -> str:
    """The command line's subcommand ``name`` as the user typed the entry: ``involution-course NAME``
    through the console script, else ``python -m involution_tf NAME``."""
    entry = os.path.basename(sys.argv[0]) if sys.argv else ""
    program = "involution-course" if entry.startswith("involution-course") else "python -m involution_tf"
    return f"{program} {name}".strip()
