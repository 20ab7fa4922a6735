"""The figures the notebooks show, each made by one function from arrays or result records."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from involution_tf import costs

__all__ = [
    "show_images",
    "plot_cost_curves",
    "plot_pixel_kernels",
    "plot_benchmark",
    "plot_accuracy_vs_params",
    "plot_training_curves",
    "plot_epoch_times",
]


def show_images(images: Sequence[np.ndarray], titles: Sequence[str], ncols: int | None = None, cmap="gray"):
    """A row (or grid) of images with titles; signed images get a diverging colour map centred on 0."""
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.3 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        image = np.asarray(image)
        if image.ndim == 2 and image.min() < 0:
            limit = np.abs(image).max() or 1.0
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_cost_curves(channels: Sequence[int], kernel_sizes: Sequence[int], group_channels: int = 16):
    """Parameters and multiply-adds of a C -> C convolution and an involution, against C and K."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for k, style in zip(kernel_sizes, ("-", "--", ":")):
        axes[0].plot(
            channels, [costs.conv2d_params(c, c, k) for c in channels], "C0" + style, label=f"conv K={k}"
        )
        axes[0].plot(
            channels,
            [costs.involution_params(c, k, group_channels) for c in channels],
            "C1" + style,
            label=f"involution K={k}",
        )
        axes[1].plot(channels, [costs.conv2d_macs(56, 56, c, c, k) for c in channels], "C0" + style)
        axes[1].plot(
            channels, [costs.involution_macs(56, 56, c, k, group_channels) for c in channels], "C1" + style
        )
    for ax, title in zip(axes, ("parameters", "multiply-adds on a 56x56 image")):
        ax.set(xscale="log", yscale="log", xlabel="channels C (in = out)", title=title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_pixel_kernels(
    image: np.ndarray, kernels: np.ndarray, pixels: Sequence[tuple[int, int]], group: int = 0
):
    """The K x K kernel an involution generated at a few pixels of one image, and a map of how far
    each pixel's kernel is from the image's mean kernel. ``kernels``: (H, W, groups, K*K)."""
    k = int(round(np.sqrt(kernels.shape[-1])))
    maps = kernels[:, :, group]
    distance = np.linalg.norm(maps - maps.mean(axis=(0, 1)), axis=-1)
    fig, axes = plt.subplots(1, len(pixels) + 2, figsize=(2.3 * (len(pixels) + 2), 2.6))
    axes[0].imshow(image.squeeze(), cmap="gray")
    axes[0].set_title("input")
    for n, (i, j) in enumerate(pixels):
        axes[0].scatter([j], [i], s=40, marker="s", edgecolors=f"C{n}", facecolors="none", linewidths=2)
        kernel = maps[i, j].reshape(k, k)
        limit = np.abs(kernel).max() or 1.0
        axes[n + 1].imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[n + 1].set_title(f"kernel at ({i},{j})", color=f"C{n}", fontsize=9)
    axes[-1].imshow(distance, cmap="magma")
    axes[-1].set_title("|kernel - mean kernel|", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_benchmark(record: dict):
    """Time of each contender relative to Conv2D, forward and forward+backward, per shape; and the
    op's time against its memory-traffic bound."""
    rows = record["rows"]
    names = list(rows[0]["timings"])
    labels = [",".join(map(str, row["shape"])) for row in rows]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    width = 0.8 / len(names)
    for ax, key, title in zip(axes[:2], ("forward", "forward_backward"), ("forward", "forward + backward")):
        for n, name in enumerate(names):
            ratios = [row["timings"][name][key] / row["timings"]["Conv2D"][key] for row in rows]
            ax.bar(np.arange(len(rows)) + n * width, ratios, width, label=name)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set(
            yscale="log", title=f"{title}: time / Conv2D time", xticks=np.arange(len(rows)) + 0.4 - width / 2
        )
        ax.set_xticklabels(labels, fontsize=8)
    axes[0].legend(fontsize=8)
    for key, bound, style in (
        ("forward", "bound_forward", "o-"),
        ("forward_backward", "bound_forward_backward", "s-"),
    ):
        axes[2].plot(
            labels, [row["timings"]["involution_tf"][key] * 1e3 for row in rows], style, label=f"{key}"
        )
        axes[2].plot(
            labels, [row[bound] * 1e3 for row in rows], style, alpha=0.4, label=f"{key} traffic bound"
        )
    axes[2].set(yscale="log", ylabel="ms", title="involution_tf vs memory-traffic bound")
    axes[2].tick_params(axis="x", labelsize=8)
    axes[2].legend(fontsize=8)
    fig.suptitle(record["device"], fontsize=9)
    fig.tight_layout()
    return fig


# Colour by family (orange: involution, blue: convolution, green: depthwise convolution), marker by network
# design (circles: the student study's networks, stars and others: the RedNet-style ones).
MODEL_STYLES = {
    "conv_baseline": ("C0", "o"),
    "involution_swap": ("C1", "o"),
    "rednet": ("C1", "*"),
    "rednet_conv_control": ("C0", "*"),
    "rednet_depthwise_control": ("C2", "D"),
    "conv_matched_params": ("C0", "s"),
}


def _by_dataset(records: Sequence[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(record["dataset"], []).append(record)
    return grouped


def plot_accuracy_vs_params(records: Sequence[dict]):
    """Test accuracy against parameter count (log scale, as in the paper's figures), one panel per
    dataset, every run a point (several seeds of a network stack up at its parameter count), coloured by
    family (see :data:`MODEL_STYLES`), one legend entry per network."""
    grouped = _by_dataset(records)
    fig, axes = plt.subplots(1, len(grouped), figsize=(4.6 * len(grouped), 3.8), squeeze=False)
    for ax, (dataset, runs) in zip(axes[0], grouped.items()):
        for model in [m for m in MODEL_STYLES if any(r["model"] == m for r in runs)]:
            colour, marker = MODEL_STYLES[model]
            mine = [r for r in runs if r["model"] == model]
            ax.scatter(
                [r["params"] for r in mine],
                [100 * r["test_accuracy"] for r in mine],
                c=colour,
                marker=marker,
                s=60,
                alpha=0.7,
                label=f"{model} ({len(mine)})",
            )
        ax.set(xscale="log", xlabel="parameters (log scale)", ylabel="test accuracy (%)", title=dataset)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # no overlapping 2x10^4 labels
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].legend(fontsize=7, title="network (runs)", title_fontsize=7)
    fig.tight_layout()
    return fig


def plot_training_curves(records: Sequence[dict]):
    """Accuracy after every epoch on the held-out split (the validation split in the protocol's records,
    the test set in the earlier ones), one panel per dataset, every run, one legend entry per network."""
    grouped = _by_dataset(records)
    held_out = "validation" if all("validation_images" in r for r in records) else "test"
    fig, axes = plt.subplots(1, len(grouped), figsize=(4.6 * len(grouped), 3.6), squeeze=False)
    for ax, (dataset, runs) in zip(axes[0], grouped.items()):
        labelled = set()
        for run in runs:
            colour, marker = MODEL_STYLES[run["model"]]
            accuracy = 100 * np.asarray(run["history"]["val_accuracy"])
            label = None if run["model"] in labelled else run["model"]
            labelled.add(run["model"])
            ax.plot(
                np.arange(1, len(accuracy) + 1), accuracy, colour, marker=marker, ms=4, alpha=0.7, label=label
            )
        ax.set(xlabel="epoch", ylabel=f"{held_out} accuracy (%)", title=dataset)
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_epoch_times(records: Sequence[dict]):
    """Seconds per training epoch (median over epochs, then over a network's runs) of every model,
    grouped by dataset."""
    grouped = _by_dataset(records)
    models = [m for m in MODEL_STYLES if any(r["model"] == m for r in records)]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / len(models)
    for n, model in enumerate(models):
        times = [
            np.median([r["seconds_per_epoch"] for r in runs if r["model"] == model] or [np.nan])
            for runs in grouped.values()
        ]
        ax.bar(
            np.arange(len(grouped)) + n * width,
            times,
            width,
            color=MODEL_STYLES[model][0],
            hatch="//" if model.startswith("rednet") else None,
            alpha=0.85,
            label=model,
        )
    ax.set_xticks(np.arange(len(grouped)) + 0.4 - width / 2)
    ax.set_xticklabels(list(grouped))
    ax.set(ylabel="seconds per epoch", title=f"training time per epoch - {records[0]['device']}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
