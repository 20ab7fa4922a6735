"""What others measured, quoted with their sources, for the notebooks to put beside the course's own figures.

Nothing here was measured by this course: every figure is copied from the source named beside it, and the
tables that show them say so.
"""

from __future__ import annotations

__all__ = ["PAPER", "PAPER_IMAGENET", "PADDLECLAS", "PADDLECLAS_GPU", "imagenet_table", "latency_table"]

PAPER = (
    "D. Li, J. Hu, C. Wang, X. Li, Q. She, L. Zhu, T. Zhang, Q. Chen, *Involution: Inverting the "
    "Inherence of Convolution for Visual Recognition*, CVPR 2021 (arXiv:2103.06255); ImageNet figures from "
    "the model zoo of the official code, github.com/d-li14/involution"
)

# RedNet on ImageNet (224x224), as the official model zoo gives it: parameters (millions), FLOPs (billions of
# multiply-adds), top-1 accuracy (%), and how much fewer parameters and FLOPs than the ResNet of the same
# depth (%).
PAPER_IMAGENET = {
    "RedNet-26": dict(params_m=9.23, flops_g=1.73, top1=75.96, fewer_params=32.8, fewer_flops=29.2),
    "RedNet-38": dict(params_m=12.39, flops_g=2.22, top1=77.48, fewer_params=36.7, fewer_flops=31.3),
    "RedNet-50": dict(params_m=15.54, flops_g=2.71, top1=78.35, fewer_params=39.5, fewer_flops=34.1),
    "RedNet-101": dict(params_m=25.65, flops_g=4.74, top1=78.92, fewer_params=42.6, fewer_flops=40.5),
    "RedNet-152": dict(params_m=33.99, flops_g=6.79, top1=79.12, fewer_params=43.5, fewer_flops=41.4),
}

PADDLECLAS = (
    "PaddleClas, ImageNet model zoo overview (docs/en/algorithm_introduction/ImageNet_models_en.md, "
    "github.com/PaddlePaddle/PaddleClas): inference on a GPU, FP32 with TensorRT, 2,100 runs after 100 "
    "warm-ups"
)

# Inference time (ms) at batch sizes 1, 4 and 8, FLOPs (billions) and top-1 (%) of the same zoo's ResNets and
# RedNets, measured alike.
PADDLECLAS_GPU = {
    "ResNet50": dict(ms=(2.54, 4.79, 7.40), flops_g=4.11, top1=76.50),
    "RedNet50": dict(ms=(8.04, 27.71, 53.73), flops_g=2.61, top1=78.33),
    "ResNet101": dict(ms=(4.37, 8.18, 12.38), flops_g=7.83, top1=77.56),
    "RedNet101": dict(ms=(13.07, 44.12, 83.28), flops_g=4.59, top1=78.94),
    "ResNet152": dict(ms=(6.05, 11.41, 17.33), flops_g=11.56, top1=78.26),
    "RedNet152": dict(ms=(18.66, 63.27, 119.48), flops_g=6.57, top1=79.17),
}


def imagenet_table() -> str:
    """The paper's ImageNet results as a markdown table, with its source."""
    lines = [
        "| network | parameters (M) | FLOPs (G) | top-1 (%) | fewer parameters than the ResNet "
        "| fewer FLOPs |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in PAPER_IMAGENET.items():
        lines.append(
            f"| {name} | {row['params_m']:.2f} | {row['flops_g']:.2f} | {row['top1']:.2f} | "
            f"{row['fewer_params']:.1f}% | {row['fewer_flops']:.1f}% |"
        )
    return "\n".join(lines + ["", f"Source: {PAPER}."])


def latency_table() -> str:
    """Each RedNet's GPU inference time against the ResNet of its depth, as PaddleClas measured them."""
    lines = [
        "| network | ms, batch 1 | batch 4 | batch 8 | FLOPs (G) | top-1 (%) "
        "| time vs the ResNet, batch 1 / 8 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in PADDLECLAS_GPU.items():
        resnet = PADDLECLAS_GPU[name.replace("RedNet", "ResNet")]
        ratio = (
            f"{row['ms'][0] / resnet['ms'][0]:.1f}x / {row['ms'][2] / resnet['ms'][2]:.1f}x"
            if name.startswith("RedNet")
            else ""
        )
        times = " | ".join(f"{t:.2f}" for t in row["ms"])
        lines.append(f"| {name} | {times} | {row['flops_g']:.2f} | {row['top1']:.2f} | {ratio} |")
    return "\n".join(lines + ["", f"Source: {PADDLECLAS}."])
