"""Training-step time of every involution network against its convolution counterpart, as ratios
measured in one run.

    python -m involution_tf train-steps [--quick] [--repeats N] [--json FILE]

The seconds per epoch of the result records come from trainings run one after the other on a shared
machine whose speed moves from one hour to the next: their ratio says as much about the hour as about
the networks. Here the two networks of each pair (``involution_swap`` against ``conv_baseline``,
``rednet`` against ``rednet_conv_control``) take training steps in alternation - forward, backward
and optimizer update, compiled as ``fit`` compiles them, with their recipe's optimizer and batch size,
on one batch of the dataset's shape - so that the machine's noise hits both alike. The ratio is the
median step of the involution network over its counterpart's.

Each network is timed twice: as ``fit`` runs it on a CPU (Keras compiles the step with XLA only on a
GPU), and with the whole step compiled by XLA (``jit_compile=True``), which speeds some networks up
and slows others down on a CPU. The RedNet it slows down: XLA fuses the involution's window loops
with their neighbours, so the BatchNorm and ReLU that produce its input and its gradient are
recomputed at each of the K*K taps, and the transpose a following 1x1 convolution's filter gradient
needs runs the forward loop in a cache-hostile order. The "faster vs faster" column compares each
network at its faster setting.

The frontier's networks - the RedNet and its two controls at every width of the sweep, and the narrowed
convolution network - are timed too, as ``fit`` runs them, all of a dataset's in the same rounds
(:func:`time_sweep`): their medians place each network on the frontier's step-time axis.

The involution network is timed twice more, without and with XLA, with the involution op itself
replaced by a stand-in that costs one multiplication (:func:`zero_cost_involution`): everything else -
the kernel generator, the BatchNorms, the 1x1 convolutions - runs and trains as before. Its ratios to
the counterpart, as ``fit`` runs them and faster vs faster, are floors that no implementation of the
op, however fast, could go below: where they reach 1, the network around the op, not the op, is what
makes it no faster than its convolution counterpart.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from involution_tf import models, runs, training
from involution_tf.arguments import command
from involution_tf.benchmark import time_once
from involution_tf.comparison import DATASET_NAMES, step_ratios
from involution_tf.layers import Involution
from involution_tf.records import measurement, publish

__all__ = [
    "zero_cost_involution",
    "time_pair",
    "SWEEP",
    "time_sweep",
    "run",
    "format_report",
    "ratios_table",
    "main",
]

QUICK_BATCH_SIZE = 8
# Each involution network and the networks it is timed against: its convolution counterpart, and for the
# RedNet its two other controls too.
PAIRS = tuple(dict.fromkeys((*models.COUNTERPARTS.items(), *((models.REDNET, c) for c in models.CONTROLS))))
# A row's step times: the involution network, its counterpart, both with the whole step under XLA, then
# the involution network with a zero-cost involution op, without and with XLA.
_KEYS = (
    "seconds",
    "counterpart_seconds",
    "xla_seconds",
    "xla_counterpart_seconds",
    "zero_op_seconds",
    "xla_zero_op_seconds",
)


def zero_cost_involution(
    x: tf.Tensor, kernel: tf.Tensor, kernel_size: int, strides: int = 1, dilation_rate: int = 1
) -> tf.Tensor:
    """A stand-in for :func:`involution_tf.ops.involution` with its signature and output shape that
    costs one multiplication: the strided input times each group's first kernel tap. The gradient
    reaches both ``x`` and ``kernel``, so the kernel generator still runs and trains."""
    sampled = x[:, ::strides, ::strides]
    grouped = tf.reshape(sampled, tf.concat([tf.shape(kernel)[:4], [-1]], axis=0))
    return tf.reshape(grouped * kernel[..., :1], tf.shape(sampled))


# The networks of the frontier, as (model, width): every width of the three families, and the narrowed
# convolution network.
SWEEP = (
    *((m, w) for m in models.SWEPT_MODELS for w in models.WIDTHS),
    *((n.name, 1.0) for n in models.NETWORKS.values() if n.fixed_width),
)


def _step(
    model: str, dataset: str, batch_size: int | None, xla: bool, zero_op: bool = False, width: float = 1.0
):
    """One compiled training step of ``model`` on a fixed random batch, as a no-argument callable;
    with ``xla``, the whole step is compiled by XLA; with ``zero_op``, every involution layer applies its
    kernels with :func:`zero_cost_involution` (the layer's ``op`` override point)."""
    recipe = training.recipe_for(model, dataset)
    batch = batch_size or recipe.batch_size
    rng = np.random.default_rng(0)
    x = rng.random((batch, *models.input_shape(dataset)), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    # The schedule's length sets the learning rate of a step, not its cost: any steps_per_epoch will do.
    network = training.compiled_model(
        model, dataset, recipe, steps_per_epoch=100, jit_compile=xla, width=width
    )

    if zero_op:
        for layer in network.layers:
            if isinstance(layer, Involution):
                layer.op = zero_cost_involution

    def step():
        return network.train_on_batch(x, y)

    return step


def _rounds(steps: Sequence, repeats: int) -> list[list[float]]:
    """Each step's seconds in ``repeats`` rounds, every step once a round, after two untimed rounds
    (the compilation, then one step more to settle the allocator)."""
    for step in list(steps) * 2:
        time_once(step)
    samples = [[] for _ in steps]
    for _ in range(repeats):
        for times, step in zip(samples, steps):
            times.append(time_once(step))
    return samples


def time_pair(
    dataset: str, model: str, repeats: int, batch_size: int | None = None, counterpart: str | None = None
) -> dict[str, float]:
    """Median seconds per training step of ``model`` and of ``counterpart`` (default: its convolution
    counterpart), without and with XLA, and of ``model`` with a zero-cost involution op, without and with
    XLA, all six interleaved: keys ``seconds``, ``counterpart_seconds``, ``xla_seconds``,
    ``xla_counterpart_seconds``, ``zero_op_seconds``, ``xla_zero_op_seconds``; and ``ratio_quartiles``,
    the first and third quartiles of each round's ratio ``seconds / counterpart_seconds`` (the spread of
    the ratio as fit runs them). ``batch_size`` defaults to the recipe's."""
    names = (model, counterpart or models.COUNTERPARTS[model]) * 2 + (model,) * 2
    steps = [
        _step(name, dataset, batch_size, xla=key.startswith("xla"), zero_op="zero_op" in key)
        for name, key in zip(names, _KEYS)
    ]
    samples = _rounds(steps, repeats)
    medians = {key: statistics.median(times) for key, times in zip(_KEYS, samples)}
    ratios = np.divide(samples[0], samples[1])  # each round's seconds over counterpart_seconds
    return medians | {"ratio_quartiles": [float(q) for q in np.percentile(ratios, [25, 75])]}


def time_sweep(dataset: str, repeats: int, batch_size: int | None = None) -> list[dict]:
    """Median seconds per training step, as ``fit`` runs it, of every network of :data:`SWEEP` on
    ``dataset``, all timed in the same rounds: one row per network, with ``quartiles``, the first and
    third quartiles of its step over the rounds."""
    steps = [_step(model, dataset, batch_size, xla=False, width=width) for model, width in SWEEP]
    samples = _rounds(steps, repeats)
    return [
        dict(
            dataset=dataset,
            model=model,
            width=width,
            batch_size=batch_size or training.recipe_for(model, dataset).batch_size,
            seconds=statistics.median(times),
            quartiles=[float(q) for q in np.percentile(times, [25, 75])],
        )
        for (model, width), times in zip(SWEEP, samples)
    ]


def run(datasets: Sequence[str], repeats: int, batch_size: int | None = None) -> dict:
    """Time every pair of :data:`PAIRS` and every network of :data:`SWEEP` on every dataset and return
    them as one JSON-ready record (the sweep's rows under ``sweep``)."""
    rows = []
    for dataset in datasets:
        for model, counterpart in PAIRS:
            rows.append(
                dict(
                    dataset=dataset,
                    model=model,
                    counterpart=counterpart,
                    batch_size=batch_size or training.recipe_for(model, dataset).batch_size,
                    **time_pair(dataset, model, repeats, batch_size, counterpart),
                )
            )
    sweep = [row for dataset in datasets for row in time_sweep(dataset, repeats, batch_size)]
    return measurement(repeats, rows) | {"sweep": sweep}


def format_report(record: dict) -> str:
    """Two markdown tables of each pair's training steps: the milliseconds (each cell "involution network /
    counterpart"), without and with XLA, and the involution network's with a zero-cost op; then the ratios
    (below 1: involution is faster): as fit runs them, with XLA, each network at its faster setting, and
    the floors - the involution network with a zero-cost op, as fit runs it and at its faster setting."""
    lines = [
        f"Device: {record['device']}; TensorFlow {record['tensorflow']}, Keras {record['keras']}; "
        f"median of {record['repeats']} interleaved training steps.",
        "",
        "| dataset | involution network | counterpart | batch | ms / step, involution / counterpart "
        "| ms with XLA, involution / counterpart | involution ms with a zero-cost op, fit / XLA |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        ms = {key: f"{row[key] * 1e3:.1f}" for key in _KEYS}
        lines.append(
            f"{_pair(row)} {row['batch_size']} | {ms['seconds']} / {ms['counterpart_seconds']} | "
            f"{ms['xla_seconds']} / {ms['xla_counterpart_seconds']} | "
            f"{ms['zero_op_seconds']} / {ms['xla_zero_op_seconds']} |"
        )
    lines += [
        "",
        "The ratios, the involution network's time over its counterpart's (above 1, involution is "
        "slower); in brackets the quartiles of the ratio over the rounds:",
        "",
        "| dataset | involution network | counterpart | ratio | ratio with XLA | faster vs faster "
        "| floor: zero-cost op | floor, faster vs faster |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        ratios = [f"{ratio:.2f}x" for ratio in step_ratios(row)]
        ratios[0] += " ({:.2f}-{:.2f})".format(*row["ratio_quartiles"])
        lines.append(f"{_pair(row)} {' | '.join(ratios)} |")
    if record.get("sweep"):
        lines += ["", _sweep_table(record["sweep"])]
    return "\n".join(lines)


def ratios_table(record: dict) -> str:
    """The lesson's table: each involution network's step over its counterpart's as ``fit`` runs them,
    and the same with a zero-cost involution op (the floor), one row per pair."""
    lines = [
        "| dataset | involution network | counterpart | step time, involution / counterpart "
        "| with an op that costs nothing |",
        "|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        ratio, *_, floor, _ = step_ratios(row)
        lines.append(f"{_pair(row)} {ratio:.2f}× | {floor:.2f}× |")
    return "\n".join(lines)


def _pair(row: dict) -> str:
    """A pair's first three cells: "| MNIST | rednet | rednet_conv_control |"."""
    return f"| {DATASET_NAMES[row['dataset']]} | {row['model']} | {row['counterpart']} |"


def _sweep_table(rows: Sequence[dict]) -> str:
    """The frontier's networks' steps, timed in the same rounds per dataset: median and quartiles."""
    lines = [
        "The frontier's networks, as fit runs them, every network of a dataset in the same rounds:",
        "",
        "| dataset | network | width | batch | ms / step | quartiles |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        low, high = (1e3 * q for q in row["quartiles"])
        lines.append(
            f"| {DATASET_NAMES[row['dataset']]} | {row['model']} | {row['width']:g} | {row['batch_size']} "
            f"| {1e3 * row['seconds']:.1f} | {low:.1f}-{high:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=command("train-steps"), description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"MNIST only, batches of {QUICK_BATCH_SIZE} (for tests and CI)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed steps per network (default 15, quick 2)"
    )
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    runs.warn_if_running("the step measurement")
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 15)
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, got {repeats}")
    if args.quick:
        record = run(["mnist"], repeats, QUICK_BATCH_SIZE)
    else:
        record = run(list(models.INPUT_SHAPES), repeats)
    publish(format_report(record), record, args.json)


if __name__ == "__main__":
    main()
