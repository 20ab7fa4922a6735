"""What others measured, quoted with their sources, for the notebooks to put beside the course's own figures.

Nothing here was measured by this course: every figure is copied from the source named beside it, and the
tables that show them say so.
"""

from __future__ import annotations

__all__ = [
    "PAPER",
    "PAPER_IMAGENET",
    "PAPER_ABSTRACT",
    "PADDLECLAS",
    "PADDLECLAS_GPU",
    "resnet_baseline",
    "imagenet_table",
    "latency_table",
]

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

# The paper's abstract on its ImageNet baseline, word for word (arXiv:2103.06255).
PAPER_ABSTRACT = (
    "Our involution-based models improve the performance of convolutional baselines using ResNet-50 by up to "
    "1.6% top-1 accuracy, 2.5% and 2.4% bounding box AP, and 4.7% mean IoU absolutely while compressing the "
    "computational cost to 66%, 65%, 72%, and 57% on the above benchmarks, respectively."
)

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


def resnet_baseline(name: str) -> tuple[float, float]:
    """The parameters (M) and FLOPs (G) of the ResNet a RedNet of the zoo is compared with, as its
    percentages imply: the RedNet's figure divided by (1 - the percentage fewer). The zoo does not give
    the ResNets' accuracy."""
    row = PAPER_IMAGENET[name]
    return row["params_m"] / (1 - row["fewer_params"] / 100), row["flops_g"] / (1 - row["fewer_flops"] / 100)


def imagenet_table() -> str:
    """The paper's ImageNet results as a markdown table, each RedNet beside the ResNet of its depth (its
    size implied by the zoo's percentages), with the sources and what they do not give."""
    lines = [
        "| network | parameters (M) | FLOPs (G) | top-1 (%) | the ResNet of its depth: parameters (M) "
        "| FLOPs (G) |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in PAPER_IMAGENET.items():
        params, flops = resnet_baseline(name)
        lines.append(
            f"| {name} | {row['params_m']:.2f} | {row['flops_g']:.2f} | {row['top1']:.2f} | {params:.1f} | "
            f"{flops:.2f} |"
        )
    return "\n".join(
        lines
        + [
            "",
            f"Source: {PAPER}. The zoo gives each RedNet's percentage fewer parameters and FLOPs than its "
            "ResNet, from which the ResNet columns follow, but not the ResNets' accuracy. The paper's "
            f'abstract gives the ResNet-50 comparison: "{PAPER_ABSTRACT}"',
        ]
    )


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
