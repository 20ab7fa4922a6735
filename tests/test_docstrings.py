"""The Examples in the public docstrings of the core run and print what they show."""

import doctest

import pytest

from involution_tf import arguments, costs, layers, ops, reference


@pytest.mark.parametrize("module", [arguments, costs, layers, ops, reference], ids=lambda m: m.__name__)
def test_the_docstring_examples_run_as_written(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    if module in (layers, ops):
        assert tried > 0  # the layer's and the op's Examples are there, and were run
