"""The figures the notebooks show, each made by one function from arrays or result records."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.lines
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from involution_tf import costs, frontier, models
from involution_tf.comparison import DATASET_NAMES, STUDY, control_differences, holm_adjusted, is_finding

__all__ = [
    "show_images",
    "plot_cost_curves",
    "plot_pixel_kernels",
    "plot_benchmark",
    "plot_traffic_bound",
    "MODEL_STYLES",
    "plot_accuracy_vs_params",
    "plot_differences",
    "plot_frontier",
    "plot_training_curves",
    "draw_convolution_at_pixel",
    "draw_involution_at_pixel",
    "draw_weight_sharing",
    "draw_bottlenecks",
    "draw_network",
]


def show_images(images: Sequence[np.ndarray], titles: Sequence[str], ncols: int | None = None, cmap="gray"):
    """A row (or grid) of images with titles. Signed images get a diverging colour map centred on 0 and a
    colour bar that says which sign is red; others a scale from 0 (black), so that a constant image shows
    its level rather than an autoscaled blank."""
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.3 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        image = np.asarray(image)
        if image.ndim == 2 and image.min() < 0:
            limit = np.abs(image).max() or 1.0
            shown = ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
            bar = fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
            bar.set_label("red > 0, blue < 0", fontsize=7)
            bar.ax.tick_params(labelsize=6)
        elif image.ndim == 2:
            shown = ax.imshow(image, cmap=cmap, vmin=0, vmax=max(float(image.max()), 1e-12))
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03).ax.tick_params(labelsize=6)
        else:
            ax.imshow(image)
        ax.axis("on")
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_cost_curves(channels: Sequence[int], kernel_sizes: Sequence[int], group_channels: int = 16):
    """Parameters and multiply-adds of a C -> C convolution and an involution, against C and K."""
    counts = {  # what each panel counts: (convolution, involution) as functions of C and K
        "parameters": (
            lambda c, k: costs.conv2d_params(c, c, k),
            lambda c, k: costs.involution_params(c, k, group_channels),
        ),
        "multiply-adds on a 56x56 image": (
            lambda c, k: costs.conv2d_macs(56, 56, c, c, k),
            lambda c, k: costs.involution_macs(56, 56, c, k, group_channels),
        ),
    }
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, (title, (conv, involution)) in zip(axes, counts.items()):
        for k, style in zip(kernel_sizes, ("-", "--", ":")):
            ax.plot(channels, [conv(c, k) for c in channels], "C0" + style, label=f"convolution, K={k}")
            ax.plot(channels, [involution(c, k) for c in channels], "C1" + style, label=f"involution, K={k}")
        ax.set(xscale="log", yscale="log", xlabel="channels C (in = out)")
        ax.set_ylabel(f"{title.split(' on ')[0]} (log scale)")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(channels, [str(c) for c in channels])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_pixel_kernels(
    image: np.ndarray, kernels: np.ndarray, pixels: Sequence[tuple[int, int]], group: int = 0
):
    """The K x K kernel an involution generated at a few pixels of one image, on one shared colour scale,
    and a map of how far each pixel's kernel is from the image's mean kernel. ``kernels``: (H, W, groups,
    K*K); ``group`` says which group's kernels are shown."""
    k = int(round(np.sqrt(kernels.shape[-1])))
    maps = kernels[:, :, group]
    distance = np.linalg.norm(maps - maps.mean(axis=(0, 1)), axis=-1)
    limit = max(np.abs(maps[i, j]).max() for i, j in pixels) or 1.0
    fig, axes = plt.subplots(1, len(pixels) + 2, figsize=(2.4 * (len(pixels) + 2), 2.8))
    axes[0].imshow(image.squeeze(), cmap="gray")
    axes[0].set_title("input", fontsize=9)
    for n, (i, j) in enumerate(pixels):
        axes[0].scatter([j], [i], s=40, marker="s", edgecolors=f"C{n}", facecolors="none", linewidths=2)
        shown = axes[n + 1].imshow(maps[i, j].reshape(k, k), cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[n + 1].set_title(f"kernel at ({i},{j})", color=f"C{n}", fontsize=9)
    fig.colorbar(shown, ax=axes[1 : len(pixels) + 1], shrink=0.8, label="kernel weight")
    far = axes[-1].imshow(distance, cmap="magma")
    axes[-1].set_title("|kernel - mean kernel|", fontsize=9)
    fig.colorbar(far, ax=axes[-1], shrink=0.8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"group {group} of {kernels.shape[2]}: one shared colour scale for the kernels", fontsize=9)
    return fig


def _shape_label(shape: Sequence[int]) -> str:
    b, h, w, c, k, g = shape
    return f"batch {b}, {h}x{w}\nC={c}, K={k}, G={g}"


# The benchmark's contenders and passes as the notebooks' text names them.
CONTENDER_NAMES = {
    "involution_tf": "the op (ops.involution)",
    "Involution": "the Keras layer (with phi)",
    "extract_patches": "extract_patches (Keras example)",
    "Conv2D": "Conv2D",
    "DepthwiseConv2D": "DepthwiseConv2D",
}
PASS_NAMES = {"forward": "forward", "forward_backward": "forward + backward"}


def plot_benchmark(record: dict):
    """Time of each contender relative to Conv2D (log axis, 1 = as fast as Conv2D), forward and
    forward + backward, per shape."""
    rows = record["rows"]
    names = list(rows[0]["timings"])
    labels = [_shape_label(row["shape"]) for row in rows]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    width = 0.8 / len(names)
    for ax, key in zip(axes, PASS_NAMES):
        for n, name in enumerate(names):
            ratios = [row["timings"][name][key] / row["timings"]["Conv2D"][key] for row in rows]
            ax.bar(np.arange(len(rows)) + n * width, ratios, width, label=CONTENDER_NAMES.get(name, name))
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set(
            title=f"{PASS_NAMES[key]}: time / Conv2D's time",
            ylabel="below 1: faster than Conv2D (log scale)",
            yscale="log",
        )
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(np.arange(len(rows)) + 0.4 - width / 2)
        ax.set_xticklabels(labels, fontsize=8)
    handles, names_shown = axes[0].get_legend_handles_labels()
    fig.legend(handles, names_shown, loc="lower center", ncol=len(names), fontsize=8)
    fig.suptitle(record["device"], fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def plot_traffic_bound(record: dict):
    """The op's time against its memory-traffic bound, forward and forward + backward, per shape."""
    labels = [_shape_label(row["shape"]) for row in record["rows"]]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for key, bound, colour, marker in (
        ("forward", "bound_forward", "C0", "o"),
        ("forward_backward", "bound_forward_backward", "C3", "s"),
    ):
        times = [row["timings"]["involution_tf"][key] * 1e3 for row in record["rows"]]
        ax.plot(labels, times, color=colour, marker=marker, ls="none", label=f"the op, {PASS_NAMES[key]}")
        ax.plot(  # markers only: the shapes are separate measurements, not points of a curve
            labels,
            [row[bound] * 1e3 for row in record["rows"]],
            color="0.45",
            ls="none",
            marker=marker,
            mfc="white",
            label=f"its memory-traffic bound, {PASS_NAMES[key]}",
        )
    ax.set(
        yscale="log",
        ylabel="ms (log scale)",
        title=f"the op against its memory-traffic bound\n{record['device']}",
    )
    ax.title.set_fontsize(10)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# One colour and marker per network, the same in every figure.
MODEL_STYLES = {name: network.style for name, network in models.NETWORKS.items()}
# Each family drawn in the style of its first network in the registry.
FAMILY_STYLES = {
    family: next(n.style for n in models.NETWORKS.values() if n.family == family)
    for family in models.FAMILIES
}


def _by_dataset(records: Sequence[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(record["dataset"], []).append(record)
    return grouped


def _log_axis(ax, label: str) -> None:
    """A log x axis labelled with plain numbers at 1, 2 and 5 times each power of ten, or at every
    integer multiple where the data span less than a power of ten (call it after plotting)."""
    ax.set(xscale="log", xlabel=f"{label} (log scale)")
    low, high = ax.get_xlim()
    subs = (2, 5) if high / low >= 10 else (1.5, 2, 3, 4, 5, 6, 7, 8, 9)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_locator(matplotlib.ticker.LogLocator(subs=subs))
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="both", labelsize=7)
    ax.grid(True, which="both", alpha=0.3)


def plot_accuracy_vs_params(records: Sequence[dict]):
    """Test accuracy against parameter count (log scale, as in the paper's figures), one panel per
    dataset, every run a point (several seeds of a network stack up at its parameter count), one colour
    per network (:data:`MODEL_STYLES`), one legend entry per network; the student study's own figure of
    its networks a cross beside our runs."""
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
            if (dataset, model) in STUDY:  # the study's own figure, beside our runs of its network
                study = STUDY[dataset, model]
                ax.scatter(study["params"], 100 * study["test_accuracy"], c=colour, marker="x", s=60)
        _log_axis(ax, "parameters")
        ax.set(ylabel="test accuracy (%)", title=DATASET_NAMES.get(dataset, dataset))
    handles, _ = axes[0, 0].get_legend_handles_labels()
    if any(key in STUDY for key in ((d, r["model"]) for d, runs in grouped.items() for r in runs)):
        handles.append(
            matplotlib.lines.Line2D(
                [], [], color="0.3", marker="x", ls="none", label="the study's own figure"
            )
        )
    axes[0, 0].legend(handles=handles, fontsize=7, title="network (runs)", title_fontsize=7)
    fig.tight_layout()
    return fig


def plot_differences(records: Sequence[dict]):
    """Every RedNet-minus-control difference of mean test accuracy (the protocol's width) as a dot with
    its Welch 95% interval as whiskers, a line at 0 (an interval that crosses it cannot be told apart), the
    dot filled where the difference survives Holm's correction; one panel per dataset, each on its own
    scale, so that the narrow MNIST intervals stay visible."""
    differences = control_differences(records)
    adjusted = holm_adjusted(differences)
    datasets = [d for d in DATASET_NAMES if any(key[0] == d for key in differences)]
    fig, axes = plt.subplots(len(datasets), 1, figsize=(9, 1.4 + 1.1 * len(datasets)), squeeze=False)
    for ax, dataset in zip(axes[:, 0], datasets):
        mine = [(control, d) for (name, control), d in differences.items() if name == dataset]
        for y, (control, d) in enumerate(reversed(mine)):
            colour = MODEL_STYLES[control][0]
            finding = is_finding(d, adjusted.get((dataset, control)))
            ax.errorbar(
                d.points,
                y,
                xerr=d.noise or 0,
                fmt="o",
                color=colour,
                mfc=colour if finding else "white",
                capsize=4,
            )
        ax.axvline(0, color="0.3", lw=1)
        ax.set_yticks(range(len(mine)), [f"against {control}" for control, _ in reversed(mine)], fontsize=8)
        ax.set_title(DATASET_NAMES[dataset], fontsize=9, loc="left")
        ax.grid(True, axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    axes[-1, 0].set_xlabel("RedNet minus control: mean test accuracy, points (whiskers: 95% interval)")
    fig.suptitle(
        "The RedNet against each control: right of 0, the RedNet is ahead; whiskers that cross 0: the two "
        "cannot be told apart.\nA filled dot: still a difference after allowing for making nine comparisons "
        "(notebook 05). Each dataset on its own scale.",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _family_label(family: str) -> str:
    """A family's legend entry, naming the networks of its curve that are not a width of the sweep."""
    fixed = [n.name for n in models.NETWORKS.values() if n.family == family and not n.swept]
    return frontier.FAMILIES[family] + (f" (with {', '.join(fixed)})" if fixed else "")


def plot_frontier(records: Sequence[dict], steps: dict | None = None):
    """The paper's Figure 1 at the course's scale: test accuracy against parameters and against measured
    ms per training step (both log scale), one row per dataset, one curve per family through the means of
    its widths, every run a faint point; a width with fewer than three runs is a hollow marker, joined by a
    dotted line only, and the legend explains it only when one is drawn. The step axis names the machine
    that timed the steps; a panel without step times says so."""
    datasets = [d for d in DATASET_NAMES if any(r["dataset"] == d for r in records)]
    fig, axes = plt.subplots(len(datasets), 2, figsize=(11, 3.6 * len(datasets)), squeeze=False)
    hollow = False
    for row, dataset in zip(axes, datasets):
        families = frontier.points(records, dataset, steps)
        for ax, cost in zip(row, frontier.COSTS):
            for family, curve in families.items():
                located = sorted((p for p in curve if p.cost(cost) is not None), key=lambda p: p.cost(cost))
                colour, marker = FAMILY_STYLES[family]
                for p in located:
                    ax.scatter(
                        [p.cost(cost)] * len(p.accuracies),
                        100 * np.array(p.accuracies),
                        c=colour,
                        s=12,
                        alpha=0.35,
                    )
                complete = [p for p in located if len(p.accuracies) >= 3]
                ax.plot(  # dotted through every width, solid through those with three runs or more
                    [p.cost(cost) for p in located],
                    [100 * np.mean(p.accuracies) for p in located],
                    color=colour,
                    ls=":",
                    lw=1,
                )
                ax.plot(
                    [p.cost(cost) for p in complete],
                    [100 * np.mean(p.accuracies) for p in complete],
                    color=colour,
                    label=frontier.FAMILIES[family],
                )
                for p in located:  # filled: a mean of three runs or more; hollow: fewer so far
                    filled = len(p.accuracies) >= 3
                    hollow = hollow or not filled
                    ax.plot(
                        p.cost(cost),
                        100 * np.mean(p.accuracies),
                        marker,
                        color=colour,
                        mfc=colour if filled else "white",
                    )
            timed_on = frontier.cpu_name((steps or {}).get("device", ""))
            unit = {"step_ms": "ms per training step"}.get(cost, frontier.COSTS[cost])
            _log_axis(ax, unit + (f", {timed_on}" if cost == "step_ms" and timed_on else ""))
            ax.set(
                ylabel="test accuracy (%)",
                title=f"{DATASET_NAMES[dataset]}: accuracy against {frontier.COSTS[cost]}",
            )
            ax.title.set_fontsize(10)
            if not ax.lines or not any(len(line.get_xdata()) for line in ax.lines):
                ax.text(0.5, 0.5, "step times not measured yet", transform=ax.transAxes, ha="center")
                ax.set(xticks=[], yticks=[], xlabel="", ylabel="")
                ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    handles = [
        matplotlib.lines.Line2D(
            [], [], color=FAMILY_STYLES[f][0], marker=FAMILY_STYLES[f][1], label=_family_label(f)
        )
        for f in frontier.FAMILIES
    ]
    if hollow:
        handles.append(
            matplotlib.lines.Line2D(
                [],
                [],
                color="0.4",
                marker="o",
                mfc="white",
                ls="none",
                label="fewer than three runs so far (dotted line)",
            )
        )
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def plot_training_curves(
    records: Sequence[dict], networks: Sequence[str] = (models.REDNET, *models.CONTROLS)
):
    """Accuracy after every epoch on the held-out split (the validation split in the protocol's records,
    the test set in the earlier ones): one panel per dataset, the RedNet and its controls on the same axes,
    each network's mean over its runs as a line and the runs' range as a band. Each panel's accuracy axis
    is zoomed on the second half of training, where networks a point apart differ: the first epochs climb
    from below it."""
    grouped = _by_dataset([r for r in records if r["model"] in networks])
    held_out = "validation" if all("validation_images" in r for r in records) else "test"
    fig, axes = plt.subplots(1, len(grouped), figsize=(4.4 * len(grouped), 3.6), squeeze=False)
    for ax, (dataset, runs) in zip(axes[0], grouped.items()):
        late = []
        for model in [m for m in networks if any(r["model"] == m for r in runs)]:
            curves = [100 * np.asarray(r["history"]["val_accuracy"]) for r in runs if r["model"] == model]
            stacked = np.stack([c[: min(map(len, curves))] for c in curves])
            epochs = np.arange(1, stacked.shape[1] + 1)
            colour = MODEL_STYLES[model][0]
            ax.fill_between(epochs, stacked.min(0), stacked.max(0), color=colour, alpha=0.2)
            ax.plot(epochs, stacked.mean(0), color=colour, label=f"{model} ({len(curves)} runs)")
            late.append(stacked[:, stacked.shape[1] // 2 :])
        low, high = min(x.min() for x in late), max(x.max() for x in late)
        margin = max(0.2, 0.1 * (high - low))
        ax.set_ylim(low - margin, high + margin)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set(xlabel="epoch", ylabel=f"{held_out} accuracy (%)", title=DATASET_NAMES.get(dataset, dataset))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def _box(ax, x: float, y: float, text: str, width: float = 2.2, height: float = 0.7, colour: str = "#eeeeee"):
    """A rounded box with centred text, centred on (x, y), in data coordinates."""
    ax.add_patch(
        matplotlib.patches.FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05", fc=colour, ec="0.3"
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], text: str = ""):
    ax.annotate("", end, start, arrowprops=dict(arrowstyle="->", color="0.3"))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.15, text, ha="center", fontsize=7)


def _pixel_canvas(figsize: tuple[float, float], width: float, height: float, channels: str, window: int):
    """A blank diagram with, on its left, the input feature map (a few stacked 7x7 channel planes, the
    centre pixel and its K x K window marked) and its caption."""
    fig, ax = plt.subplots(figsize=figsize)
    ax.set(xlim=(0, width), ylim=(0, height))
    ax.axis("off")
    _feature_map(ax, 0.3, 1.25, window)
    ax.text(
        1.7,
        0.7,
        f"input X: H x W x {channels}\npixel (i, j) and its {window}x{window} window",
        ha="center",
        fontsize=8,
    )
    return fig, ax


def _feature_map(ax, x0: float, y0: float, window: int, planes: int = 3):
    """A 7x7 feature map drawn as a few stacked channel planes, its centre pixel and K x K window marked."""
    for depth in range(planes)[::-1]:
        for i in range(7):
            for j in range(7):
                corner = (x0 + 0.25 * depth + 0.4 * j, y0 + 0.25 * depth + 0.4 * i)
                ax.add_patch(matplotlib.patches.Rectangle(corner, 0.4, 0.4, fc="white", ec="0.75", lw=0.5))
    start = 0.4 * (3 - window // 2)
    side = 0.4 * window
    ax.add_patch(
        matplotlib.patches.Rectangle((x0 + start, y0 + start), side, side, fill=False, ec="C1", lw=2, ls="--")
    )
    ax.add_patch(matplotlib.patches.Rectangle((x0 + 1.2, y0 + 1.2), 0.4, 0.4, fc="C1", ec="C1"))


def draw_convolution_at_pixel(c_in: int = 3, c_out: int = 4, kernel_size: int = 3):
    """A convolution at one pixel: each of the C_out filters (K x K x C_in weights, the same at every pixel)
    multiplies the K x K window of every input channel, and the products summed give one output channel."""
    k = kernel_size
    fig, ax = _pixel_canvas((11, 3.8), 13, 5.2, f"C_in (C_in = {c_in})", k)
    colours = plt.get_cmap("RdBu_r")(np.random.default_rng(1).uniform(0.15, 0.85, size=(c_out, k, k)))
    cell = 0.75 / k
    for f in range(c_out):
        x0 = 5.0 + f * 1.0
        for depth in range(min(c_in, 3))[::-1]:
            for i in range(k):
                for j in range(k):
                    corner = (x0 + 0.12 * depth + j * cell, 2.2 + 0.12 * depth + (k - 1 - i) * cell)
                    ax.add_patch(
                        matplotlib.patches.Rectangle(
                            corner, cell, cell, fc=colours[f, i, j], ec="0.5", lw=0.3
                        )
                    )
        ax.text(x0 + 0.45, 1.85, f"filter {f}", ha="center", fontsize=7)
    ax.text(
        5.0 + c_out / 2,
        3.6,
        f"C_out = {c_out} filters of {k} x {k} x {c_in} weights,\nthe same at every pixel",
        ha="center",
        fontsize=8,
    )
    _arrow(ax, (2.8, 2.9), (4.9, 2.7), "window")
    _box(
        ax,
        10.9,
        2.6,
        f"for each filter k:\nsum over the window and\nall {c_in} channels of filter x X",
        width=3.2,
        height=1.2,
        colour="#dbe9f6",
    )
    _arrow(ax, (5.0 + c_out, 2.6), (9.25, 2.6))
    _box(ax, 10.9, 4.4, f"Y_ij: C_out = {c_out} values", colour="#fde2c8")
    _arrow(ax, (10.9, 3.25), (10.9, 4.02))
    ax.set_title(f"Convolution at one pixel: C_in = {c_in}, C_out = {c_out}, K = {k}", fontsize=10)
    return fig


def draw_involution_at_pixel(
    channels: int = 16, kernel_size: int = 3, group_channels: int = 4, reduction_ratio: int = 4
):
    """The operator at one pixel: the pixel's feature vector goes through phi (reduce, BatchNorm and ReLU,
    span) to K*K*G numbers read as G kernels of K x K; each channel's output is its group's kernel times the
    K x K window of that channel, summed. The shapes along the way carry the given sizes."""
    groups, reduced, k = channels // group_channels, max(1, channels // reduction_ratio), kernel_size
    fig, ax = _pixel_canvas((12, 4.2), 15, 6, f"C (C = {channels})", k)
    # phi
    steps = [
        (f"X_ij: {channels} values", "#fde2c8"),
        (f"1x1 conv (reduce)\n{channels} -> {reduced}", "#eeeeee"),
        ("BatchNorm + ReLU", "#eeeeee"),
        (f"1x1 conv (span)\n{reduced} -> K*K*G = {k * k * groups}", "#eeeeee"),
        (f"read as G = {groups} kernels\nof {k} x {k}", "#fde2c8"),
    ]
    for n, (text, colour) in enumerate(steps):
        _box(ax, 6.0, 5.2 - n * 1.05, text, colour=colour)
        if n:
            _arrow(ax, (6.0, 5.2 - (n - 1) * 1.05 - 0.38), (6.0, 5.2 - n * 1.05 + 0.38))
    _arrow(ax, (1.9, 2.1), (4.85, 5.2))
    ax.text(2.4, 4.95, "phi sees only this pixel", fontsize=8, color="C1", ha="center")
    # a bracket around the three layers of phi
    ax.plot([7.25, 7.35, 7.35, 7.25], [4.5, 4.5, 1.7, 1.7], color="0.4", lw=1)
    ax.text(7.5, 3.1, "phi", fontsize=14, color="0.4", style="italic", va="center")
    # the kernels, one per group (coloured cells: random values stand for what phi generates)
    colours = plt.get_cmap("RdBu_r")(np.random.default_rng(0).uniform(0.15, 0.85, size=(groups, k, k)))
    cell = 0.9 / k
    for g in range(groups):
        x0 = 7.6 + g * 0.95
        for i in range(k):
            for j in range(k):
                ax.add_patch(
                    matplotlib.patches.Rectangle(
                        (x0 + j * cell, 1.45 - (i + 1) * cell),
                        cell,
                        cell,
                        fc=colours[g, i, j],
                        ec="0.5",
                        lw=0.4,
                    )
                )
        ax.text(x0 + 0.45, 0.3, f"g={g}", ha="center", fontsize=7)
    _arrow(ax, (7.1, 1.0), (7.55, 1.0))
    # the weighted sum, over the window of every channel
    _box(
        ax,
        12.9,
        3.3,
        f"for each channel c:\nsum over the {k}x{k} window of\n"
        f"kernel[g(c)] x window of channel c\ng(c) = c // {group_channels}",
        width=3.8,
        height=1.4,
        colour="#dbe9f6",
    )
    # the input's K x K window goes to the weighted sum too, under everything else
    ax.set_ylim(-0.5, 6)
    ax.plot([3.4, 3.4, 12.9], [1.4, -0.05, -0.05], color="C1", ls="--", lw=1.2)
    ax.annotate("", (12.9, 2.58), (12.9, -0.05), arrowprops=dict(arrowstyle="->", color="C1", ls="--"))
    ax.text(8.2, -0.35, f"the {k}x{k} window of every channel", fontsize=7, color="C1", ha="center")
    _arrow(ax, (7.6 + groups * 0.95 - 0.2, 1.45), (12.0, 2.55))
    _box(ax, 12.9, 5.3, f"Y_ij: {channels} values", colour="#fde2c8")
    _arrow(ax, (12.9, 4.05), (12.9, 4.92))
    ax.set_title(
        f"Involution at one pixel: C = {channels}, K = {k}, {group_channels} channels per group, "
        f"reduction {reduction_ratio}",
        fontsize=10,
    )
    return fig


def draw_weight_sharing(positions: int = 6, channels: int = 8, group_channels: int = 4):
    """Which kernel each (position, channel) uses: convolution (here depthwise, one spatial kernel per
    channel) shares a kernel along positions; involution shares one along a group's channels, and every
    position has its own. Same colour, same kernel."""
    groups = channels // group_channels
    conv = np.tile(np.arange(channels), (positions, 1))
    involution = np.arange(positions)[:, None] * groups + np.arange(channels)[None, :] // group_channels
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, ids, title in (
        (
            axes[0],
            conv,
            f"convolution (as DepthwiseConv2D): {channels} kernels,\n"
            "one per channel, the same at every position",
        ),
        (
            axes[1],
            involution,
            f"involution: {positions * groups} kernels, one per position and group\n"
            f"(shared by the {group_channels} channels of a group)",
        ),
    ):
        ax.imshow(ids % 20, cmap="tab20", vmin=0, vmax=19, aspect="auto")
        for (i, c), kernel_id in np.ndenumerate(ids):
            ax.text(c, i, str(kernel_id), ha="center", va="center", fontsize=7)
        ax.set(xlabel="channel", ylabel="position (pixel)", title=title)
        ax.title.set_fontsize(9)
        ax.set_xticks(range(channels))
        ax.set_yticks(range(positions))
    fig.suptitle("which kernel each value uses (the numbers are kernel ids)", fontsize=9)
    fig.tight_layout()
    return fig


def draw_bottlenecks(kernel_size: int = 7, expansion: int = 4):
    """The ResNet bottleneck beside the RedNet one: the same block but for its spatial layer. A block's
    output has ``expansion`` times the channels of its middle (ResNet and the paper: 4; this course's
    networks: 2)."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    ax.set(xlim=(0, 8), ylim=(0, 7))
    ax.axis("off")
    narrow = f"C/{expansion}"
    k = kernel_size
    for x0, title, spatial, colour in (
        (2, "ResNet-style bottleneck", f"3x3 convolution, {narrow} -> {narrow}", "#dbe9f6"),
        (6, "RedNet bottleneck", f"{k}x{k} involution, {narrow} channels", "#fde2c8"),
    ):
        ax.text(x0, 6.6, title, ha="center", fontsize=10, weight="bold")
        layers = [
            "input, C channels",
            f"1x1 conv C -> {narrow}, BN, ReLU",
            spatial + ", BN, ReLU",
            f"1x1 conv {narrow} -> C, BN",
            "add the input, ReLU",
        ]
        for n, text in enumerate(layers):
            _box(ax, x0, 5.8 - n * 1.15, text, width=3.3, colour=colour if n == 2 else "#eeeeee")
            if n:
                _arrow(ax, (x0, 5.8 - (n - 1) * 1.15 - 0.38), (x0, 5.8 - n * 1.15 + 0.38))
        ax.annotate(
            "",
            (x0 + 1.7, 1.2),
            (x0 + 1.7, 5.8),
            arrowprops=dict(arrowstyle="->", color="0.5", connectionstyle="arc3,rad=-0.3"),
        )
    ax.text(
        4,
        0.3,
        "only the spatial layer differs: the 1x1 convolutions mix channels, the middle layer mixes space",
        ha="center",
        fontsize=8,
    )
    return fig


def draw_network(config, input_shape: Sequence[int], mixing: str = "involution"):
    """A RedNet-style network of :mod:`involution_tf.models` as blocks, left to right, with the size of
    the maps each block outputs. ``config`` is a :class:`~involution_tf.models.RedNetConfig`."""
    size = -(-input_shape[0] // 2)
    blocks = [(f"input\n{input_shape[0]}x{input_shape[1]}x{input_shape[2]}", "#eeeeee")]
    blocks.append((f"stem 3x3 conv\nstride 2\n{size}x{size}x{config.stem}", "#dbe9f6"))
    spatial = f"{config.kernel_size}x{config.kernel_size} {mixing}" if mixing != "conv" else "3x3 conv"
    for stage, (width, count) in enumerate(config.stages):
        for block in range(count):
            stride = 2 if stage > 0 and block == 0 else 1
            size = -(-size // stride)
            colour = "#fde2c8" if mixing == "involution" else "#dbe9f6"
            blocks.append(
                (
                    f"bottleneck\n{spatial}\nstride {stride}\n{size}x{size}x{width * config.expansion}",
                    colour,
                )
            )
    blocks += [("global\naverage\npool", "#eeeeee"), ("dense\n10 logits", "#eeeeee")]
    fig, ax = plt.subplots(figsize=(1.45 * len(blocks), 2.2))
    ax.set(xlim=(0, 1.45 * len(blocks)), ylim=(0, 2))
    ax.axis("off")
    for n, (text, colour) in enumerate(blocks):
        _box(ax, 0.72 + 1.45 * n, 1.0, text, width=1.25, height=1.5, colour=colour)
        if n:
            _arrow(ax, (0.72 + 1.45 * (n - 1) + 0.66, 1.0), (0.72 + 1.45 * n - 0.66, 1.0))
    return fig
