"""The Examples in the public docstrings of the core (and of the statistics) run and print what they show."""

import doctest

import pytest

from involution_tf import arguments, comparison, costs, layers, ops, reference


@pytest.mark.parametrize(
    "module", [arguments, comparison, costs, layers, ops, reference], ids=lambda m: m.__name__
)
def test_the_docstring_examples_run_as_written(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    if module in (comparison, layers, ops):
        assert tried > 0  # the Examples of the layer, the op and p_text are there, and were run
