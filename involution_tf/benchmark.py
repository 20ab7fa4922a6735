"""Benchmark of the involution op against its alternatives, as ratios measured in one run.

    python -m involution_tf benchmark [--quick] [--repeats N] [--json results.json]

For each shape (B, H, W, C, K, G) it times, interleaved so that the machine's noise hits every
contender alike, the median forward and forward+backward step of:

* ``involution_tf``: :func:`involution_tf.ops.involution` (the kernel is an input: the op alone);
* ``Involution``: the whole :class:`~involution_tf.layers.Involution` layer, kernel generation and op,
  in training mode: what a user swapping a layer gets;
* ``extract_patches``: the involution op of the public Keras example, built on
  ``tf.image.extract_patches``, which materializes a (B, H, W, K*K*C) patch tensor;
* ``Conv2D`` and ``DepthwiseConv2D`` layers of the same shape (C -> C channels, K x K, "same").

It also reports the op's memory-traffic bound: the bytes a pass must read and write divided by the
bandwidth of a plain copy on the same device (STREAM's "copy": a preallocated output, every core, the
fastest of the copies timed between the contenders), and each contender's peak memory as the device's
TensorFlow allocator saw it. On a GPU every timing ends with a device synchronisation, never a copy to
the host. Timings are never asserted anywhere: on a shared machine only ratios mean much.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import keras
import numpy as np
import tensorflow as tf

from involution_tf import ops, runs
from involution_tf.arguments import command
from involution_tf.layers import Involution
from involution_tf.records import measurement, memory_device, publish

# (B, H, W, C, K, G) of the issue: MNIST-sized, CIFAR-sized, and a RedNet stage at K=7.
DEFAULT_SHAPES = ((128, 28, 28, 32, 3, 2), (128, 32, 32, 64, 3, 4), (32, 56, 56, 64, 7, 4))
QUICK_SHAPES = ((8, 16, 16, 16, 3, 2), (4, 16, 16, 32, 7, 2))
CONTENDERS = ("involution_tf", "Involution", "extract_patches", "Conv2D", "DepthwiseConv2D")


def extract_patches_involution(x: tf.Tensor, kernel: tf.Tensor, kernel_size: int) -> tf.Tensor:
    """Involution the way the public Keras example computes it: gather every patch, then reduce."""
    batch, height, width, channels = x.shape
    groups = kernel.shape[3]
    k2 = kernel_size * kernel_size
    patches = tf.image.extract_patches(
        x, [1, kernel_size, kernel_size, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"
    )
    patches = tf.reshape(patches, [batch, height, width, k2, groups, channels // groups])
    weights = tf.transpose(kernel, [0, 1, 2, 4, 3])[..., None]
    return tf.reshape(tf.reduce_sum(patches * weights, axis=3), [batch, height, width, channels])


@dataclass
class Timing:
    forward: float
    forward_backward: float
    peak_bytes: int | None  # allocated by one forward+backward step, beyond its inputs (None: unknown)


# The contenders that are layers, built from (channels, K, groups), and those that are ops of (x, kernel, K).
_LAYERS = {
    "Involution": lambda channels, k, g: Involution(k, group_channels=channels // g),
    "Conv2D": lambda channels, k, g: keras.layers.Conv2D(channels, k, padding="same"),
    "DepthwiseConv2D": lambda channels, k, g: keras.layers.DepthwiseConv2D(k, padding="same"),
}
_OPS = {"involution_tf": ops.involution, "extract_patches": extract_patches_involution}


def _steps(name: str, x: tf.Tensor, kernel: tf.Tensor, k: int) -> tuple[Callable, Callable]:
    """Return (forward, forward+backward) tf.functions for one contender, as model.fit would run them."""
    if name in _LAYERS:
        layer = _LAYERS[name](x.shape[3], k, kernel.shape[3])
        layer.build(x.shape)
        inputs = [x]
        apply = lambda a: layer(a, training=True)  # noqa: E731
        sources = lambda: [x, *layer.trainable_variables]  # noqa: E731
    elif name in _OPS:
        inputs = [x, kernel]
        apply = lambda a, b: _OPS[name](a, b, k)  # noqa: E731
        sources = lambda: inputs  # noqa: E731
    else:
        raise ValueError(f"`name` must be one of {list(CONTENDERS)}, got {name!r}.")

    @tf.function
    def forward():
        return apply(*inputs)

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            y = apply(*inputs)
        return tape.gradient(y, sources())

    return forward, forward_backward


def use_peak_memory_allocator() -> None:
    """Ask TensorFlow for its BFC allocator on the CPU, the one that keeps peak-memory statistics. It
    chooses its allocator when it allocates its first tensor: call this before any tensor exists (the
    command line does; notebook 03 does in its first cell). Set for this process only, and only where
    the user has not chosen."""
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")


def time_once(step: Callable) -> float:
    """Seconds one call of ``step`` takes until the device has finished it (a GPU returns before it
    has: TensorFlow queues its work), without copying anything to the host."""
    tf.test.experimental.sync_devices()
    start = time.perf_counter()
    step()
    tf.test.experimental.sync_devices()
    return time.perf_counter() - start


def _peak_bytes(step: Callable) -> int | None:
    """Peak bytes the step allocated on top of what already existed (its inputs, the weights); None
    when TensorFlow keeps no statistics (its first tensor came before :func:`use_peak_memory_allocator`)."""
    device = memory_device()
    try:
        tf.config.experimental.reset_memory_stats(device)
    except ValueError:
        return None
    before = tf.config.experimental.get_memory_info(device)["current"]
    time_once(step)
    return tf.config.experimental.get_memory_info(device)["peak"] - before


def time_shape(shape: Sequence[int], repeats: int) -> tuple[dict[str, Timing], float]:
    """Median forward and forward+backward seconds and peak bytes of every contender on one shape,
    and the copy bandwidth (bytes/s) timed between them, so that the bound sees the same machine."""
    b, h, w, c, k, g = shape
    x = tf.random.normal([b, h, w, c])
    kernel = tf.random.normal([b, h, w, g, k * k])
    steps = {name: _steps(name, x, kernel, k) for name in CONTENDERS}
    with copy_step() as (copy, copied_bytes):
        for step in [copy, *(s for pair in steps.values() for s in pair)]:  # compile outside the timings
            time_once(step)
        samples = {name: ([], []) for name in CONTENDERS}
        copies = []
        for _ in range(repeats):
            copies.append(time_once(copy))
            for name, (forward, forward_backward) in steps.items():
                samples[name][0].append(time_once(forward))
                samples[name][1].append(time_once(forward_backward))
    timings = {
        name: Timing(statistics.median(f), statistics.median(fb), _peak_bytes(steps[name][1]))
        for name, (f, fb) in samples.items()
    }
    return timings, copied_bytes / min(copies)  # the fastest copy: the bound errs on the strict side


@contextlib.contextmanager
def copy_step(megabytes: int = 256) -> Iterator[tuple[Callable, int]]:
    """A copy of a float32 array several times larger than the caches into a preallocated one, and
    the bytes it moves (read + write): the yardstick of the traffic bound, as STREAM measures a copy.
    On a CPU, NumPy copies one slice per core in threads (it releases the GIL while copying); on a
    GPU, an XLA-compiled pass that reads one buffer and writes another of TensorFlow's memory pool."""
    size = megabytes * 2**20 // 4
    if memory_device().startswith("GPU"):
        source = tf.random.normal([size])
        scale = tf.function(lambda t: t * 2.0, jit_compile=True)
        yield (lambda: scale(source)), 2 * size * 4
        return
    source, target = np.ones(size, np.float32), np.zeros(size, np.float32)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    bounds = np.linspace(0, size, cores + 1).astype(int)
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    with ThreadPoolExecutor(cores) as pool:
        yield (lambda: list(pool.map(lambda s: np.copyto(target[s], source[s]), slices))), 2 * size * 4


def traffic_bytes(shape: Sequence[int], itemsize: int = 4) -> tuple[int, int]:
    """Bytes the op must move at least: forward reads x and the kernel and writes y; the backward
    pass also reads dy (and x, kernel again) and writes dx and dkernel."""
    b, h, w, c, k, g = shape
    x, kernel = b * h * w * c, b * h * w * g * k * k
    forward = (2 * x + kernel) * itemsize
    return forward, forward + (3 * x + 2 * kernel + x) * itemsize


def run(shapes: Sequence[Sequence[int]], repeats: int) -> dict:
    """Measure everything and return it as one JSON-ready record."""
    rows = []
    logger, level = tf.get_logger(), tf.get_logger().level
    # Each contender is a fresh tf.function traced once: the retracing warning is noise.
    logger.setLevel("ERROR")
    try:
        measured = [time_shape(shape, repeats) for shape in shapes]
    finally:
        logger.setLevel(level)
    for shape, (timings, bandwidth) in zip(shapes, measured):
        forward_bytes, step_bytes = traffic_bytes(shape)
        rows.append(
            dict(
                shape=list(shape),
                timings={name: asdict(t) for name, t in timings.items()},
                copy_bandwidth_gb_s=bandwidth / 1e9,
                bound_forward=forward_bytes / bandwidth,
                bound_forward_backward=step_bytes / bandwidth,
            )
        )
    return measurement(repeats, rows)


def format_report(record: dict) -> str:
    """Markdown tables of ratios (and the times and bounds they come from). "op" is
    ``involution_tf`` (the kernel given), "layer" the whole ``Involution`` layer (kernel generation too)."""
    lines = [
        f"Device: {record['device']}; TensorFlow {record['tensorflow']}, Keras {record['keras']}; "
        f"median of {record['repeats']} interleaved runs.",
        "",
        "| B,H,W,C,K,G | pass | op ms | layer ms | op vs Conv2D | op vs DepthwiseConv2D "
        "| layer vs Conv2D | layer vs DepthwiseConv2D | extract_patches / op | copy GB/s "
        "| op's traffic bound ms | op / bound |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        t = row["timings"]
        for label, key, bound in (
            ("fwd", "forward", row["bound_forward"]),
            ("fwd+bwd", "forward_backward", row["bound_forward_backward"]),
        ):
            op, layer = t["involution_tf"][key], t["Involution"][key]
            conv, depthwise = t["Conv2D"][key], t["DepthwiseConv2D"][key]
            lines.append(
                f"| {','.join(map(str, row['shape']))} | {label} | {op * 1e3:.2f} | {layer * 1e3:.2f} | "
                f"{op / conv:.2f}x | {op / depthwise:.2f}x | "
                f"{layer / conv:.2f}x | {layer / depthwise:.2f}x | "
                f"{t['extract_patches'][key] / op:.1f}x | {row['copy_bandwidth_gb_s']:.1f} | "
                f"{bound * 1e3:.2f} | {op / bound:.1f}x |"
            )
    return "\n".join([*lines, "", memory_table(record)])


# How the memory table heads each contender: "op" is the op alone, "layer" the whole layer.
_SHORT_NAMES = {"involution_tf": "op", "Involution": "layer"}
_CONVOLUTIONS = ("Conv2D", "DepthwiseConv2D")


def memory_table(record: dict) -> str:
    """A markdown table of the involutions' peak memory in a forward+backward step, per shape. The
    convolutions' peaks are left out: on a CPU, oneDNN's scratch memory is not counted by TensorFlow's
    allocator, so theirs would not be measured alike."""
    shown = [n for n in CONTENDERS if n not in _CONVOLUTIONS]
    names = [_SHORT_NAMES.get(n, n) for n in shown]
    lines = [
        "| B,H,W,C,K,G | " + " | ".join(f"{n} peak MiB" for n in names) + " |",
        "|---|" + "---|" * len(shown),
    ]
    for row in record["rows"]:
        peaks = " | ".join(_mebibytes(row["timings"][n]["peak_bytes"]) for n in shown)
        lines.append(f"| {','.join(map(str, row['shape']))} | {peaks} |")
    return "\n".join(lines)


def _mebibytes(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 2**20:.0f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=command("benchmark"), description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, a few seconds (for tests and CI)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed runs per contender (default 7, quick 3)"
    )
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    use_peak_memory_allocator()
    runs.warn_if_running("the benchmark")
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 7)
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, got {repeats}")
    record = run(QUICK_SHAPES if args.quick else DEFAULT_SHAPES, repeats)
    publish(format_report(record), record, args.json)


if __name__ == "__main__":
    main()
