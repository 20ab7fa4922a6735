"""The course's exercises and their checkers: ``check(name, answer)`` says right, or wrong with a hint,
and never shows the answer. The questions are in the notebooks; the solutions in ``solutions/exercises.py``
at the top of the repository, out of the way.

Answers are numbers (a count, a size, what an experiment measured), shapes (tuples, ``None`` for an
unknown batch), a word or the letter of a multiple choice, a set of letters, or a function, which the
checker runs against the course's references on random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from involution_tf import comparison, costs, reference

__all__ = ["Exercise", "EXERCISES", "is_right", "check"]


@dataclass(frozen=True)
class Exercise:
    """A hint, and what is right: ``expected`` computes the answer when checked (from the package, never
    typed as a figure), or ``test`` runs a function the student wrote and says whether it is right."""

    hint: str
    expected: Callable[[], Any] | None = None
    test: Callable[[Callable], bool] | None = None
    tolerance: float = 0.0  # relative, for numbers


class _Unanswered(Exception):
    """The student's function returned None: the exercise's template, not an answer yet."""


def _runs_like(function: Callable, want: Callable, shapes: list[tuple], seed: int = 0) -> bool:
    """Whether ``function`` gives what ``want`` gives on random float64 arrays of these shapes."""
    arrays = [np.random.default_rng(seed + n).normal(size=shape) for n, shape in enumerate(shapes)]
    got = function(*arrays)
    if got is None:
        raise _Unanswered
    return np.shape(got) == np.shape(want(*arrays)) and np.allclose(got, want(*arrays), atol=1e-8)


def _conv1x1_is_right(function: Callable) -> bool:
    return _runs_like(function, lambda x, w: reference.conv2d(x, w[None, None]), [(2, 5, 6, 3), (3, 4)])


# Where involution_at is tested: (K, stride, image size, output pixels) - corners, borders and the inside,
# K = 3 and 5, strides 1 and 2, 6 channels in 3 groups, so that a solution that wraps around the border,
# hard-codes K or the stride, or maps channels to groups the wrong way is refused.
_AT_PIXEL_CASES = [
    (3, 1, (6, 7), [(2, 3), (0, 0), (0, 6), (5, 0), (5, 6), (0, 3)]),
    (5, 1, (6, 7), [(0, 0), (1, 5), (5, 6), (3, 3)]),
    (3, 2, (7, 6), [(0, 0), (1, 1), (3, 2), (2, 0)]),
    (5, 2, (8, 9), [(0, 4), (3, 4), (2, 1)]),
]


def _involution_at_is_right(function: Callable) -> bool:
    return all(
        _at_pixel_matches(function, k, stride, size, pixel, seed)
        for seed, (k, stride, size, pixels) in enumerate(_AT_PIXEL_CASES)
        for pixel in pixels
    )


def _at_pixel_matches(function: Callable, k: int, stride: int, size: tuple, pixel: tuple, seed: int) -> bool:
    """Whether ``function(x, kernel, k, stride, i, j)`` gives the reference's output pixel (i, j) for a
    random image of ``size`` with 6 channels in 3 groups."""
    rng = np.random.default_rng(seed)
    out = [-(-n // stride) for n in size]
    x, kernel = rng.normal(size=(1, *size, 6)), rng.normal(size=(1, *out, 3, k * k))
    got = function(x, kernel, k, stride, *pixel)
    if got is None:
        raise _Unanswered
    want = reference.involution(x, kernel, k, stride)[(0, *pixel)]
    return np.shape(got) == np.shape(want) and np.allclose(got, want, atol=1e-8)


_A, _B = [0.990, 0.992, 0.991], [0.985, 0.987, 0.983]  # the runs of the comparison exercises
# Welch p-values of five comparisons tested together: Holm's correction keeps three of them, Bonferroni's
# two, no correction all five, and Holm's without its stop at the first failure four.
def _random_generator_weights(channels: int, k: int, groups: int, rng) -> dict[str, np.ndarray]:
    reduced = max(1, channels // 2)
    return {
        "reduce": rng.standard_normal((channels, reduced)),
        "gamma": rng.uniform(0.5, 1.5, reduced),
        "beta": rng.standard_normal(reduced),
        "mean": rng.standard_normal(reduced),
        "variance": rng.uniform(0.5, 1.5, reduced),
        "span": rng.standard_normal((reduced, k * k * groups)),
        "span_bias": rng.standard_normal(k * k * groups),
    }


def _same_kernel_is_right(answer: Any) -> bool:
    """``(x, a, b)``: a (1, 8, 8, 4) image that is not constant, and two distinct pixels to which every
    kernel generator (stride 1) gives the same kernel."""
    x, a, b = answer
    x, a, b = np.asarray(x, dtype=np.float64), tuple(a), tuple(b)
    inside = all(len(p) == 2 and all(0 <= v < 8 for v in p) for p in (a, b))
    if x.shape != (1, 8, 8, 4) or not inside or a == b or np.ptp(x) == 0:
        return False
    for seed in range(3):
        weights = _random_generator_weights(4, 3, 2, np.random.default_rng(seed))
        kernels = reference.generate_kernel(x, weights, 3, 2)
        if not np.allclose(kernels[0][a], kernels[0][b]):
            return False
    return True


_P_VALUES = {"A": 0.03, "B": 0.001, "C": 0.04, "D": 0.011, "E": 0.003}


def _half_width() -> float:
    """The 95% interval's half-width of A minus B, in points."""
    return 100 * comparison.welch_t(_A, _B) * comparison.standard_error(_A, _B)


EXERCISES: dict[str, Exercise] = {
    "conv.same_shape": Exercise(
        "'same' padding keeps ceil(size / stride) pixels; the channels are the filters.",
        expected=lambda: (1, 14, 14, 16),
    ),
    "conv.receptive_field": Exercise(
        "each 3 x 3 layer lets an output pixel see one pixel further, on every side, than its input pixels "
        "saw.",
        expected=lambda: 1 + 2 * (3 // 2) * 2,
    ),
    "conv.stacked_or_large": Exercise(
        "a K x K convolution from C to C channels holds K * K * C * C weights: compare one 5 x 5 with two "
        "3 x 3.",
        expected=lambda: costs.conv2d_params(64, 64, 5, False) / (2 * costs.conv2d_params(64, 64, 3, False)),
        tolerance=0.01,
    ),
    "conv.one_by_one": Exercise(
        "with a 1 x 1 window, what is left of the sum over the window and the input channels?",
        test=_conv1x1_is_right,
    ),
    "conv.shift_with_stride": Exercise(
        "shift first and convolve, or convolve and shift: the same. Then what does a stride do to a distance "
        "counted in output pixels?",
        expected=lambda: 1,
    ),
    "involution.kernel_shape": Exercise(
        "one K x K kernel per output pixel and per group: G = C / group_channels.",
        expected=lambda: (2, 9, 9, 4, 9),
    ),
    "involution.group_of_channel": Exercise(
        "channels are split into G consecutive blocks of C / G channels.",
        expected=lambda: 37 // (64 // 4),
    ),
    "involution.same_kernel": Exercise(
        "at stride 1, what does phi read to make the kernel of one pixel, and what must two pixels share for "
        "every phi to give them one kernel?",
        test=_same_kernel_is_right,
    ),
    "involution.at_pixel": Exercise(
        "output pixel (i, j) reads the K x K window centred on input pixel (i * stride, j * stride), zero "
        "outside the image; channel c belongs to group c // (C / G).",
        test=_involution_at_is_right,
    ),
    "involution.what_changes": Exercise(
        "with a stride, which input pixels does phi read to make the kernel of output pixel (i, j), and "
        "which does the weighted sum read?",
        expected=lambda: "a",
    ),
    "layer.output_shape": Exercise(
        "the stride divides the size rounding up; involution keeps the channels.",
        expected=lambda: (None, 7, 7, 32),
    ),
    "layer.patches_over_kernels": Exercise(
        "both tensors hold K x K values at every pixel; for how many channels does each hold them?",
        expected=lambda: 64 // (64 // 16),
    ),
    "layer.kernel_values_per_pixel": Exercise(
        "how many kernels does one output pixel get, and how many values has each?",
        expected=lambda: 5 * 5 * (96 // 8),
    ),
    "layer.shift": Exercise(
        "for each input shift s and each output shift r (0, 1, 2 ...), take the largest absolute difference "
        "in output rows 3 to 5; s keeps the layer equivariant if some r brings it below 1e-5. With stride "
        "2, which input pixels does phi average to make one output pixel's kernel?",
        expected=lambda: {2: 1, 4: 2},
    ),
    "comparison.noise": Exercise(
        'the section "The RedNet against its controls" defines the standard error; mind which '
        "standard deviation it takes, and give points, not fractions.",
        expected=lambda: 100 * comparison.standard_error(_A, _B),
        tolerance=0.01,
    ),
    "comparison.half_width": Exercise(
        "Student's t for Welch's degrees of freedom (comparison.welch_t) times the standard error, in "
        "points.",
        expected=_half_width,
        tolerance=0.01,
    ),
    "comparison.verdict": Exercise(
        "is 0 inside the interval, the difference of the means plus or minus the half-width?",
        expected=lambda: comparison.difference(_A, _B).verdict,
    ),
    "comparison.holm": Exercise(
        "sort the p-values; the smallest is multiplied by the number of comparisons, each next one by one "
        "fewer; then each adjusted p-value is raised to the largest before it. Once one reaches 0.05, what "
        "can the ones after it be?",
        expected=lambda: {
            letter for letter, p in zip(_P_VALUES, comparison.holm(list(_P_VALUES.values()))) if p < 0.05
        },
    ),
    "network.swap_channels": Exercise(
        "follow the number of channels from the image through each swapped layer: how many does an "
        "involution layer output, for how many in?",
        expected=lambda: "b",
    ),
    "network.generator_parameters": Exercise(
        "count both layers' weights as count_params() does; the generator's first 1x1 convolution maps C "
        "channels to C / r, and a depthwise convolution holds one K x K kernel per channel.",
        expected=lambda: costs.involution_params(128, 5, 16, 4) / costs.depthwise_params(128, 5),
        tolerance=0.01,
    ),
    "network.depthwise_isolates": Exercise(
        "list what the two networks share and what differs between their spatial layers; a control "
        "answers the question of what differs.",
        expected=lambda: "c",
    ),
    "network.floor": Exercise(
        "the floor is the step with an op that costs nothing: what is left in it, and can any op take "
        "less time than nothing?",
        expected=lambda: 1.10,
        tolerance=0.01,
    ),
}


def is_right(name: str, answer: Any) -> bool:
    """Whether ``answer`` to exercise ``name`` is right (what :func:`check` says, as a bool)."""
    if name not in EXERCISES:
        raise ValueError(f"`name` must be one of {sorted(EXERCISES)}, got {name!r}.")
    exercise = EXERCISES[name]
    if exercise.test is not None:
        try:
            return exercise.test(answer)
        except _Unanswered:
            raise
        except Exception:  # a student's function may fail in any way: that is a wrong answer
            return False
    expected = exercise.expected()
    if isinstance(expected, set):  # letters, in any order, each once
        return (
            isinstance(answer, (set, frozenset, list, tuple))
            and all(isinstance(a, str) for a in answer)
            and len(answer) == len({a.strip().upper() for a in answer}) == len(expected)
            and {a.strip().upper() for a in answer} == expected
        )
    if isinstance(expected, dict):
        return isinstance(answer, dict) and answer == expected
    if isinstance(expected, tuple):
        return isinstance(answer, (tuple, list)) and tuple(answer) == expected
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.number)):
        return False
    if expected == 0:
        return abs(answer) < 1e-3
    return math.isclose(
        answer, expected, rel_tol=exercise.tolerance, abs_tol=0 if exercise.tolerance else 0.5
    )


def check(name: str, answer: Any) -> None:
    """Print whether ``answer`` to exercise ``name`` is right, with a hint when it is not (never the
    answer), or that it is not answered yet: ``None``, or a function that returns ``None``."""
    try:
        right = answer is not None and is_right(name, answer)
    except _Unanswered:
        right = None
    if answer is None or right is None:
        print(f"{name}: not answered yet.")
    else:
        print(f"{name}: right." if right else f"{name}: not yet. Hint: {EXERCISES[name].hint}")
