"""Model builders: the seed's convolution baselines have exactly the seed's parameter counts."""

import numpy as np
import pytest

from involution_tf import models


@pytest.mark.parametrize(
    "dataset, params", [("mnist", 34_826), ("fashion_mnist", 257_162), ("cifar10", 319_178)]
)
def test_conv_baselines_have_the_seed_parameter_counts(dataset, params):
    model = models.conv_baseline(dataset)
    assert model.count_params() == params
    x = np.zeros((2, *models.INPUT_SHAPES[dataset]), np.float32)
    assert model(x).shape == (2, 10)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="`dataset` must be one of"):
        models.conv_baseline("svhn")
