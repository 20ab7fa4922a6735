"""Parameter and multiply-add counts against Keras's own counts and a hand count."""

import keras
import pytest

from involution_tf import costs
from involution_tf.layers import Involution


@pytest.mark.parametrize("c_in, c_out, k", [(1, 32, 3), (64, 64, 7), (3, 5, 1)])
def test_conv2d_params_match_keras(c_in, c_out, k):
    layer = keras.layers.Conv2D(c_out, k)
    layer.build((None, 16, 16, c_in))
    assert costs.conv2d_params(c_in, c_out, k) == layer.count_params()


@pytest.mark.parametrize("channels, k, group_channels, ratio", [(64, 7, 16, 4), (32, 3, 8, 2), (4, 5, 1, 8)])
def test_involution_params_match_the_layer(channels, k, group_channels, ratio):
    layer = Involution(k, group_channels=group_channels, reduction_ratio=ratio)
    layer.build((None, 16, 16, channels))
    assert costs.involution_params(channels, k, group_channels, ratio) == layer.count_params()


def test_macs_by_hand():
    assert costs.conv2d_macs(4, 4, 2, 3, 3) == 16 * 3 * 2 * 9
    assert costs.conv2d_macs(5, 5, 1, 1, 3, strides=2) == 9 * 9
    # 16 pixels x (reduce 8*2 + span 2*9*2 + involution 9*8)
    assert costs.involution_macs(4, 4, 8, 3, group_channels=4, reduction_ratio=4) == 16 * (16 + 36 + 72)
