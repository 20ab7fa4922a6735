"""Every exercise's solution passes its checker, a wrong answer is refused with a hint, and the checker
never prints the answer."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from involution_tf import exercises

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("solutions", ROOT / "solutions" / "exercises.py")
solutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solutions)
NOTEBOOKS = [path.read_text() for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]


def test_every_exercise_has_a_solution():
    assert set(solutions.SOLUTIONS) == set(exercises.EXERCISES)


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_the_solution_is_right_and_the_check_shows_no_answer(name, capsys):
    assert exercises.is_right(name, solutions.SOLUTIONS[name])
    assert exercises.check(name, solutions.SOLUTIONS[name]) is None  # nothing left in a notebook's output
    assert capsys.readouterr().out == f"{name}: right.\n"


def wrong(answer):
    """A plausible wrong answer of the same kind."""
    if callable(answer):
        return lambda *arrays: np.zeros_like(answer(*arrays))
    if isinstance(answer, tuple) and isinstance(answer[0], np.ndarray):  # an image and two of its pixels
        x, a, _ = answer
        return x, a, np.unravel_index(np.argmax(x[0].sum(-1)), x.shape[1:3])
    if isinstance(answer, tuple):
        return tuple(a + 1 if isinstance(a, int) else a for a in answer)
    if isinstance(answer, dict):
        return {key: value + 1 for key, value in answer.items()}
    if isinstance(answer, set):
        return answer ^ {"A"}
    if isinstance(answer, str):
        return "behind" if len(answer) > 1 else "c" if answer != "c" else "a"
    return answer * 1.5 + 1


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_a_wrong_answer_is_refused_with_a_hint_that_does_not_give_it_away(name, capsys):
    assert not exercises.is_right(name, wrong(solutions.SOLUTIONS[name]))
    exercises.check(name, wrong(solutions.SOLUTIONS[name]))
    printed = capsys.readouterr().out
    assert printed.startswith(f"{name}: not yet. Hint: ")
    expected = exercises.EXERCISES[name].expected
    if expected is not None and not isinstance(expected(), str):
        assert str(expected()) not in printed


def test_a_function_that_fails_is_a_wrong_answer_and_none_is_no_answer(capsys):
    assert not exercises.is_right("conv.one_by_one", lambda x, w: 1 / 0)
    exercises.check("conv.receptive_field", None)
    exercises.check("conv.one_by_one", lambda x, w: None)  # the notebook's template, unchanged
    printed = capsys.readouterr().out
    assert printed == "conv.receptive_field: not answered yet.\nconv.one_by_one: not answered yet.\n"
    assert not exercises.is_right("conv.receptive_field", True)  # a bool is no count


def _at(
    x,
    kernel,
    k,
    stride,
    i,
    j,
    index=lambda a, n: a,
    group=lambda c, channels, groups: c // (channels // groups),
):
    """involution_at with its border handling and channel-to-group map as parameters, to make wrong ones."""
    _, height, width, channels = x.shape
    groups, out = kernel.shape[3], np.zeros(x.shape[3])
    for c in range(channels):
        for u in range(k):
            for v in range(k):
                a, b = index(i * stride + u - k // 2, height), index(j * stride + v - k // 2, width)
                if 0 <= a < height and 0 <= b < width:
                    out[c] += kernel[0, i, j, group(c, channels, groups), u * k + v] * x[0, a, b, c]
    return out


@pytest.mark.parametrize(
    "wrong_solution",
    [
        lambda x, kernel, k, s, i, j: _at(x, kernel, k, s, i, j, index=lambda a, n: a % n),  # wraps around
        lambda x, kernel, k, s, i, j: _at(x, kernel, k, s, i, j, index=lambda a, n: min(max(a, 0), n - 1)),
        lambda x, kernel, k, s, i, j: _at(x, kernel, 3, s, i, j) if k == 3 else np.zeros(x.shape[3]),
        lambda x, kernel, k, s, i, j: _at(x, kernel, k, 1, i, j),  # ignores the stride
        lambda x, kernel, k, s, i, j: _at(x, kernel, k, s, i, j, group=lambda c, n, g: c % g),  # interleaved
        lambda x, kernel, k, s, i, j: _at(x, kernel, k, s, j, i),  # rows and columns swapped
    ],
    ids=["wraps", "clamps", "K=3 only", "no stride", "groups interleaved", "transposed"],
)
def test_involution_at_pixel_refuses_each_kind_of_wrong_solution(wrong_solution):
    assert exercises.is_right("involution.at_pixel", solutions.involution_at)
    assert not exercises.is_right("involution.at_pixel", wrong_solution)


@pytest.mark.parametrize(
    "answer",
    [
        (np.zeros((1, 8, 8, 4)), (0, 0), (7, 7)),  # a constant image: no experiment
        (solutions.SAME_KERNEL_IMAGE, (0, 0), (0, 0)),  # one pixel twice
        (solutions.SAME_KERNEL_IMAGE, (0, 0), (3, 3)),  # different values
        (solutions.SAME_KERNEL_IMAGE, (0, 0), (8, 8)),  # outside the image
        (solutions.SAME_KERNEL_IMAGE[:, :4], (0, 0), (3, 1)),  # another shape
        "a constant image",
    ],
)
def test_the_same_kernel_experiment_refuses_each_wrong_answer(answer):
    assert not exercises.is_right("involution.same_kernel", answer)


def test_the_choice_exercises_refuse_every_other_letter():
    for name in ("network.swap_channels", "network.depthwise_isolates"):
        right = solutions.SOLUTIONS[name]
        assert [c for c in "abcd" if exercises.is_right(name, c)] == [right]


def test_an_unknown_exercise_is_named_in_the_error():
    with pytest.raises(ValueError, match="`name` must be one of .* got 'conv.nothing'"):
        exercises.check("conv.nothing", 1)


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_every_exercise_is_asked_in_a_notebook(name):
    assert sum(f'exercises.check(\\"{name}\\"' in text for text in NOTEBOOKS) == 1


def test_what_changes_is_what_the_keras_layer_does():
    """Exercise involution.what_changes, run: stride 2, the input pixel (2i + 1, 2j + 1) changed."""
    from involution_tf.layers import Involution

    layer = Involution(kernel_size=3, strides=2, group_channels=4)
    x = np.random.default_rng(0).random((1, 8, 8, 8), dtype=np.float32)
    changed = x.copy()
    changed[0, 2 * 2 + 1, 2 * 1 + 1] += 1.0  # output pixel (i, j) = (2, 1)
    layer(x)  # builds it
    layer.norm.beta.assign(np.full(layer.norm.beta.shape, 3.0))  # BatchNorm's shift keeps phi's ReLU open
    kernel_moved = np.abs(np.asarray(layer.generate_kernel(changed)) - np.asarray(layer.generate_kernel(x)))
    output_moved = np.abs(np.asarray(layer(changed)) - np.asarray(layer(x)))
    answer = {(True, True): "a", (False, True): "b", (False, False): "c", (True, False): "d"}[
        (kernel_moved[0, 2, 1].max() > 1e-6, output_moved[0, 2, 1].max() > 1e-6)
    ]
    assert exercises.is_right("involution.what_changes", answer)


@pytest.mark.parametrize(
    "answer",
    [
        {2: 1},  # one of the two
        {2: 1, 4: 1},  # the output shift not halved for the larger one
        {2: 2, 4: 4},  # the input shifts, not the output's
        {1: 0, 2: 1, 3: 1, 4: 2},  # every shift taken for equivariant
        {1: 1, 3: 2},  # the odd ones
        {2: 1, 4: 2, 6: 3},  # a shift that was not asked
        [2, 4],  # which shifts, without where the output goes
        (2, 4),
        {"2": 1, "4": 2},  # strings for numbers
        {},
        0.0,
    ],
)
def test_the_stride_experiment_refuses_each_partial_or_guessed_answer(answer):
    assert exercises.is_right("layer.shift", {2: 1, 4: 2})
    assert not exercises.is_right("layer.shift", answer)


def test_the_stride_experiment_gives_its_answer_whatever_the_layers_initial_weights():
    """The notebook's batch is centred on 0: with an all-positive batch, about one initialisation in eight
    left every channel of phi's reduction negative and its ReLU zeroed every kernel ({1: 0, 2: 0, ...})."""
    assert all(solutions.layer_equivariant_shifts() == {2: 1, 4: 2} for _ in range(20))


@pytest.mark.parametrize(
    "answer",
    [
        {"A", "B", "C", "D", "E"},  # no correction
        {"B", "E"},  # Bonferroni's
        {"B", "C", "D", "E"},  # Holm's without its stop at the first failure
        {"B", "D"},
        ["B", "D", "E", "E"],  # a letter twice
        "BDE",  # a string, not a set of letters
        {0.001, 0.003, 0.011},  # the p-values, not the comparisons
        3,  # how many, not which
    ],
)
def test_the_holm_exercise_refuses_each_other_correction_and_each_other_form(answer):
    assert exercises.is_right("comparison.holm", {"B", "D", "E"})
    assert exercises.is_right("comparison.holm", ["e", "B ", "D"])  # any order and case
    assert not exercises.is_right("comparison.holm", answer)
