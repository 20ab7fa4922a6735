"""Quoted figures render with their sources, and the derived ratios follow from them."""

from involution_tf import literature


def test_the_papers_table_names_its_source_and_every_rednet():
    table = literature.imagenet_table()
    assert all(f"| {name} |" in table for name in literature.PAPER_IMAGENET)
    assert "github.com/d-li14/involution" in table and "CVPR 2021" in table


def test_the_latency_table_divides_each_rednet_by_the_resnet_of_its_depth():
    table = literature.latency_table()
    red, res = literature.PADDLECLAS_GPU["RedNet50"]["ms"], literature.PADDLECLAS_GPU["ResNet50"]["ms"]
    assert f"| {red[0] / res[0]:.1f}x / {red[2] / res[2]:.1f}x |" in table
    assert "PaddleClas" in table and "TensorRT" in table


def test_each_rednet_stands_beside_the_resnet_its_percentages_imply():
    params, flops = literature.resnet_baseline("RedNet-50")
    assert round(params, 1) == 25.7 and round(flops, 2) == 4.11  # ResNet-50: 25.6M, 4.1 GFLOPs elsewhere
    table = literature.imagenet_table()
    assert "| RedNet-50 | 15.54 | 2.71 | 78.35 | 25.7 | 4.11 |" in table
    assert "up to 1.6% top-1 accuracy" in table and "not the ResNets' accuracy" in table
