"""Training-step time of every involution network against its convolution counterpart, as ratios
measured in one run.

    python -m involution_tf.train_steps [--quick] [--repeats N] [--json FILE] [--readme README.md]

The seconds per epoch of the result records come from trainings run one after the other on a shared
machine whose speed moves from one hour to the next: their ratio says as much about the hour as about
the networks. Here the two networks of each pair (``involution_swap`` against ``conv_baseline``,
``rednet`` against ``rednet_conv_control``) take training steps in alternation - forward, backward
and optimizer update, compiled as ``fit`` compiles them, with their recipe's optimizer and batch size,
on one batch of the dataset's shape - so that the machine's noise hits both alike. The ratio is the
median step of the involution network over its counterpart's.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from involution_tf import models, training
from involution_tf.benchmark import time_once
from involution_tf.comparison import COUNTERPARTS, DATASET_NAMES
from involution_tf.records import device_name, publish

__all__ = ["time_pair", "run", "format_report", "main"]

QUICK_BATCH_SIZE = 8


def _step(model: str, dataset: str, batch_size: int | None):
    """One compiled training step of ``model`` on a fixed random batch, as a no-argument callable."""
    recipe = training.recipe_for(model, dataset)
    batch = batch_size or recipe.batch_size
    rng = np.random.default_rng(0)
    x = rng.random((batch, *models.input_shape(dataset)), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    # The schedule's length sets the learning rate of a step, not its cost: any steps_per_epoch will do.
    network = training.compiled_model(model, dataset, recipe, steps_per_epoch=100)
    return lambda: network.train_on_batch(x, y)


def time_pair(dataset: str, model: str, repeats: int, batch_size: int | None = None) -> tuple[float, float]:
    """Median seconds per training step of ``model`` and of its convolution counterpart, interleaved.
    ``batch_size`` defaults to the recipe's."""
    steps = [_step(name, dataset, batch_size) for name in (model, COUNTERPARTS[model])]
    for step in steps * 2:  # compile, then one step more to settle the allocator, outside the timings
        time_once(step)
    samples = [[], []]
    for _ in range(repeats):
        for times, step in zip(samples, steps):
            times.append(time_once(step))
    return statistics.median(samples[0]), statistics.median(samples[1])


def run(datasets: Sequence[str], repeats: int, batch_size: int | None = None) -> dict:
    """Time every pair on every dataset and return it as one JSON-ready record."""
    rows = []
    for dataset in datasets:
        for model, counterpart in COUNTERPARTS.items():
            seconds, counterpart_seconds = time_pair(dataset, model, repeats, batch_size)
            rows.append(
                dict(
                    dataset=dataset,
                    model=model,
                    counterpart=counterpart,
                    batch_size=batch_size or training.recipe_for(model, dataset).batch_size,
                    seconds=seconds,
                    counterpart_seconds=counterpart_seconds,
                )
            )
    return dict(
        device=device_name(), tensorflow=tf.__version__, keras=keras.__version__, repeats=repeats, rows=rows
    )


def format_report(record: dict) -> str:
    """A markdown table of each pair's step times and their ratio (below 1: involution is faster)."""
    lines = [
        f"Device: {record['device']}; TensorFlow {record['tensorflow']}, Keras {record['keras']}; "
        f"median of {record['repeats']} interleaved training steps.",
        "",
        "| dataset | involution network | ms / step | convolution counterpart | ms / step | batch | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        lines.append(
            f"| {DATASET_NAMES[row['dataset']]} | {row['model']} | {row['seconds'] * 1e3:.1f} | "
            f"{row['counterpart']} | {row['counterpart_seconds'] * 1e3:.1f} | {row['batch_size']} | "
            f"{row['seconds'] / row['counterpart_seconds']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"MNIST only, batches of {QUICK_BATCH_SIZE} (for tests and CI)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed steps per network (default 15, quick 2)"
    )
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    parser.add_argument(
        "--readme", help="also replace the train_steps section of this README with the report"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 15)
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, got {repeats}")
    if args.quick:
        record = run(["mnist"], repeats, QUICK_BATCH_SIZE)
    else:
        record = run(list(models.INPUT_SHAPES), repeats)
    publish(format_report(record), record, args.json, args.readme, "train_steps")


if __name__ == "__main__":
    main()
