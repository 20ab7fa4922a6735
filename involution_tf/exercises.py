"""The course's exercises and their checkers: ``check(name, answer)`` says right, or wrong with a hint,
and never shows the answer. The questions are in the notebooks; the solutions in ``solutions/exercises.py``
at the top of the repository, out of the way.

Answers are numbers (a count, a size), shapes (tuples, ``None`` for an unknown batch), a word, or a
function, which the checker runs against the course's references on random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from involution_tf import comparison, costs, models, reference

__all__ = ["Exercise", "EXERCISES", "check"]


@dataclass(frozen=True)
class Exercise:
    """A hint, and what is right: ``expected`` computes the answer when checked (from the package, never
    typed as a figure), or ``test`` runs a function the student wrote and says whether it is right."""

    hint: str
    expected: Callable[[], Any] | None = None
    test: Callable[[Callable], bool] | None = None
    tolerance: float = 0.0  # relative, for numbers


def _runs_like(function: Callable, want: Callable, shapes: list[tuple], seed: int = 0) -> bool:
    """Whether ``function`` gives what ``want`` gives on random float64 arrays of these shapes."""
    arrays = [np.random.default_rng(seed + n).normal(size=shape) for n, shape in enumerate(shapes)]
    got = function(*arrays)
    return np.shape(got) == np.shape(want(*arrays)) and np.allclose(got, want(*arrays), atol=1e-8)


def _conv1x1_is_right(function: Callable) -> bool:
    return _runs_like(function, lambda x, w: reference.conv2d(x, w[None, None]), [(2, 5, 6, 3), (3, 4)])


def _involution_at_is_right(function: Callable) -> bool:
    def want(x, kernel):
        return reference.involution(x, kernel, 3)[0, 2, 3]

    return _runs_like(lambda x, kernel: function(x, kernel, 3, 2, 3), want, [(1, 6, 7, 4), (1, 6, 7, 2, 9)])


_A, _B = [0.990, 0.992, 0.991], [0.985, 0.987, 0.983]  # the runs of exercise comparison.noise


EXERCISES: dict[str, Exercise] = {
    "conv.same_shape": Exercise(
        "'same' padding keeps ceil(size / stride) pixels; the channels are the filters.",
        expected=lambda: (1, 14, 14, 16),
    ),
    "conv.params": Exercise(
        "every output channel has a K x K x C_in filter and one bias.",
        expected=lambda: costs.conv2d_params(32, 64, 3),
    ),
    "conv.macs": Exercise(
        "each output value sums K x K x C_in products.",
        expected=lambda: costs.conv2d_macs(28, 28, 32, 64, 3),
    ),
    "conv.one_by_one": Exercise(
        "a 1x1 convolution mixes the channels of each pixel alone: x @ w over the last axis.",
        test=_conv1x1_is_right,
    ),
    "involution.kernel_shape": Exercise(
        "one K x K kernel per output pixel and per group: G = C / group_channels.",
        expected=lambda: (2, 9, 9, 4, 9),
    ),
    "involution.group_of_channel": Exercise(
        "channels are split into G consecutive blocks of C / G channels.",
        expected=lambda: 37 // (64 // 4),
    ),
    "involution.params": Exercise(
        "count the reduce 1x1 convolution (no bias), BatchNorm's four vectors and the span 1x1 convolution.",
        expected=lambda: costs.involution_params(64, 7, 16, 4),
    ),
    "involution.at_pixel": Exercise(
        "sum over the K x K window centred on (i, j), zero outside the image; group g = c // (C / G).",
        test=_involution_at_is_right,
    ),
    "layer.output_shape": Exercise(
        "the stride divides the size rounding up; involution keeps the channels.",
        expected=lambda: (None, 16, 16, 32),
    ),
    "layer.patch_mebibytes": Exercise(
        "K x K copies of every input value, 4 bytes each, 2**20 bytes in a MiB.",
        expected=lambda: 32 * 56 * 56 * 64 * 7 * 7 * 4 / 2**20,
        tolerance=0.01,
    ),
    "layer.kernel_values_per_pixel": Exercise(
        "each output pixel gets one K x K kernel per group.",
        expected=lambda: 7 * 7 * (64 // 16),
    ),
    "comparison.noise": Exercise(
        "the standard error of a difference of means is sqrt(s1²/n1 + s2²/n2), s the sample standard "
        "deviation (divide by n - 1); in points.",
        expected=lambda: 100 * comparison.standard_error(_A, _B),
        tolerance=0.01,
    ),
    "comparison.verdict": Exercise(
        "compare the difference of the means, in points, with t times the standard error you computed.",
        expected=lambda: comparison.difference(_A, _B).verdict,
    ),
    "comparison.parameter_ratio": Exercise(
        "count_params() of both networks, the RedNet's divided by its control's.",
        expected=lambda: (
            models.build_model("rednet", "mnist").count_params()
            / models.build_model("rednet_conv_control", "mnist").count_params()
        ),
        tolerance=0.005,
    ),
}


def _is_right(name: str, answer: Any) -> bool:
    exercise = EXERCISES[name]
    if exercise.test is not None:
        try:
            return callable(answer) and exercise.test(answer)
        except Exception:  # a student's function may fail in any way: that is a wrong answer
            return False
    expected = exercise.expected()
    if isinstance(expected, tuple):
        return isinstance(answer, (tuple, list)) and tuple(answer) == expected
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.number)):
        return False
    return math.isclose(
        answer, expected, rel_tol=exercise.tolerance, abs_tol=0 if exercise.tolerance else 0.5
    )


def check(name: str, answer: Any) -> bool:
    """Print whether ``answer`` to exercise ``name`` is right, with a hint when it is not; return it."""
    if name not in EXERCISES:
        raise ValueError(f"`name` must be one of {sorted(EXERCISES)}, got {name!r}.")
    if answer is None:
        print(f"{name}: not answered yet - replace None with your answer.")
        return False
    right = _is_right(name, answer)
    print(f"{name}: right." if right else f"{name}: not yet. Hint: {EXERCISES[name].hint}")
    return right
