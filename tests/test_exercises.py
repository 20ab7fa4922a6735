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
    assert exercises.check(name, solutions.SOLUTIONS[name])
    assert capsys.readouterr().out == f"{name}: right.\n"


def wrong(answer):
    """A plausible wrong answer of the same kind."""
    if callable(answer):
        return lambda *arrays: np.zeros_like(answer(*arrays))
    if isinstance(answer, tuple):
        return tuple(a + 1 if isinstance(a, int) else a for a in answer)
    if isinstance(answer, str):
        return "behind"
    return answer * 1.5 + 1


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_a_wrong_answer_is_refused_with_a_hint_that_does_not_give_it_away(name, capsys):
    assert not exercises.check(name, wrong(solutions.SOLUTIONS[name]))
    printed = capsys.readouterr().out
    assert printed.startswith(f"{name}: not yet. Hint: ")
    expected = exercises.EXERCISES[name].expected
    if expected is not None and not isinstance(expected(), str):
        assert str(expected()) not in printed


def test_a_function_that_fails_is_a_wrong_answer_and_none_is_no_answer(capsys):
    assert not exercises.check("conv.one_by_one", lambda x, w: 1 / 0)
    assert not exercises.check("conv.params", None)
    assert "not answered yet" in capsys.readouterr().out
    assert not exercises.check("conv.params", True)  # a bool is no count


def test_an_unknown_exercise_is_named_in_the_error():
    with pytest.raises(ValueError, match="`name` must be one of .* got 'conv.nothing'"):
        exercises.check("conv.nothing", 1)


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_every_exercise_is_asked_in_a_notebook(name):
    assert sum(f'exercises.check(\\"{name}\\"' in text for text in NOTEBOOKS) == 1
