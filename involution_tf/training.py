"""Train a model of :mod:`involution_tf.models` on a dataset and write what happened as a result record.

``train_and_evaluate(model, dataset)`` seeds everything, holds out the validation split, fits with Keras,
measures the training wall time and the validation accuracy of every epoch and the test accuracy once at
the end, and returns - and, given a ``results`` path, saves - one JSON-ready record::

    {"dataset", "model", "seed", "params", "epochs", "train_images", "validation_images",
     "validation_accuracy", "test_accuracy", "seconds_per_epoch", "history", "device", ...}

Two recipes, chosen by the model:

* ``study`` for ``conv_baseline`` and ``involution_swap``: what the student study ran (the keras.io
  examples it followed) - Adam at 1e-3, no augmentation, batches of 128 (MNIST) or 256, 12 epochs.
* ``rednet`` for the RedNet and its three controls alike: AdamW with a one-epoch warm-up to a peak
  learning rate of 8e-3 then a cosine schedule, label smoothing 0.1, random crops of the 2-pixel padded
  image on MNIST and CIFAR-10 and horizontal flips on CIFAR-10 (a flipped digit is another digit). These
  small networks underfit in the few epochs that fit 15 minutes on a 2-core CPU (15, 12 and 11), so they
  get no more augmentation than helped. Notebook 05's appendix gives how each choice was made.

A seed does not repeat a training exactly on a CPU: TensorFlow's multi-threaded kernels are not
deterministic.

Command line: ``python -m involution_tf train DATASET MODEL [--seed N] [--results FILE] [--quick]``; a
full run's record goes to ``results/runs.json`` unless ``--results`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import asdict, dataclass, replace

import keras
import numpy as np
import tensorflow as tf

from involution_tf import data, models
from involution_tf.arguments import command
from involution_tf.records import (
    DEFAULT_RUNS,
    RecordExistsError,
    device_name,
    is_committed,
    load_records,
    same_training,
    save_record,
)

__all__ = ["Recipe", "recipe_for", "quick_recipe", "make_dataset", "compiled_model", "train_and_evaluate"]


@dataclass(frozen=True)
class Recipe:
    """How a model is trained. ``learning_rate`` is the peak of the schedule when ``warmup_epochs``
    > 0 (linear warm-up, then cosine decay to 0), else a constant."""

    name: str
    epochs: int
    batch_size: int
    learning_rate: float
    warmup_epochs: int = 0
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    crop_padding: int = 0
    flip: bool = False


def _study_recipe(dataset: str) -> Recipe:
    return Recipe("study", 12, 128 if dataset == "mnist" else 256, 1e-3)


def _rednet_recipe(dataset: str) -> Recipe:
    return Recipe(
        "rednet",
        {"mnist": 15, "fashion_mnist": 12, "cifar10": 11}[dataset],
        128,
        8e-3,  # peak
        warmup_epochs=1,
        weight_decay=0.05,
        label_smoothing=0.1,
        crop_padding={"mnist": 2, "fashion_mnist": 0, "cifar10": 2}[dataset],
        flip=dataset == "cifar10",
    )


# Each recipe of the registry (:attr:`involution_tf.models.Network.recipe`) made for a dataset.
_RECIPES = {"study": _study_recipe, "rednet": _rednet_recipe}


def recipe_for(model: str, dataset: str) -> Recipe:
    """The recipe the comparison uses for ``model`` on ``dataset`` (see the module docstring)."""
    name = models.network(model, "model").recipe
    models.input_shape(dataset)  # validates the name
    return _RECIPES[name](dataset)


def quick_recipe(model: str, dataset: str) -> Recipe:
    """Quick mode's recipe: :func:`recipe_for`'s, cut to one epoch (a check that everything runs)."""
    return replace(recipe_for(model, dataset), epochs=1)


def _prepare(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 in [0, 1] with a channel axis; labels as a flat int32 vector."""
    x = x.astype(np.float32) / 255.0
    return (x[..., None] if x.ndim == 3 else x), y.reshape(-1).astype(np.int32)


def make_dataset(
    x: np.ndarray, y: np.ndarray, recipe: Recipe, training: bool, seed: int = 0
) -> tf.data.Dataset:
    """A batched ``tf.data`` pipeline of (image, one-hot label); shuffled and augmented when training.

    tf.data's autotuner is switched off: on a 2-core CPU it put about one epoch in three into a mode
    where every training step took twice as long (with or without augmentation), and never did with
    it off (15 of 46 against 0 of 20, 100-step epochs of the MNIST RedNet alternated in one process)."""
    x, y = _prepare(x, y)
    ds = tf.data.Dataset.from_tensor_slices((x, tf.one_hot(y, 10)))
    if training:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        if recipe.crop_padding or recipe.flip:
            ds = ds.map(lambda image, label: (_augment(image, recipe), label), tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.batch(recipe.batch_size).prefetch(tf.data.AUTOTUNE).with_options(options)


def _augment(image: tf.Tensor, recipe: Recipe) -> tf.Tensor:
    """A random crop of the zero-padded image, and a random horizontal flip if the recipe asks."""
    if recipe.crop_padding:
        size = image.shape
        p = recipe.crop_padding
        image = tf.image.resize_with_crop_or_pad(image, size[0] + 2 * p, size[1] + 2 * p)
        image = tf.image.random_crop(image, size)
    return tf.image.random_flip_left_right(image) if recipe.flip else image


def _check_arrays(arrays, dataset: str) -> tuple:
    """``arrays`` unchanged if they hold the dataset's images (grayscale ones may lack the channel axis)
    and one label per image; else a ``ValueError`` that says what was expected."""
    (x_train, y_train), (x_test, y_test) = arrays
    want = models.input_shape(dataset)
    accepted = {want, want[:2]} if want[2] == 1 else {want}
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if tuple(np.shape(x)[1:]) not in accepted or len(x) != len(y) or not len(x):
            raise ValueError(
                f"`arrays` must hold {dataset} images of shape (n, {', '.join(map(str, want))}) with one "
                f"label each; got {split} images of shape {np.shape(x)} and labels {np.shape(y)}."
            )
    return arrays


def _optimizer(recipe: Recipe, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    if not recipe.warmup_epochs:
        return keras.optimizers.Adam(recipe.learning_rate)
    warmup = recipe.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=max(1, recipe.epochs * steps_per_epoch - warmup),
        warmup_target=recipe.learning_rate,
        warmup_steps=warmup,
    )
    return keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay)


def compiled_model(
    model: str,
    dataset: str,
    recipe: Recipe,
    steps_per_epoch: int,
    jit_compile: bool | str = "auto",
    width: float = 1.0,
) -> keras.Model:
    """The network ``model`` for ``dataset`` (at ``width``, see :func:`~involution_tf.models.build_model`),
    compiled with the recipe's optimizer, schedule and loss
    (one-hot labels, logits out) and an accuracy metric: ready for ``fit``. ``jit_compile`` is Keras's:
    "auto" compiles the whole training step with XLA on a GPU (unless distributed), never on a machine
    with only a CPU."""
    network = models.build_model(model, dataset, width)
    network.compile(
        optimizer=_optimizer(recipe, steps_per_epoch),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=recipe.label_smoothing),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return network


class EpochTimer(keras.callbacks.Callback):
    """Wall time of the training part of every epoch (the per-epoch test evaluation excluded)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._done = time.perf_counter(), False

    def on_test_begin(self, logs=None):
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()

    def _stop(self):
        if not self._done:
            self.seconds.append(time.perf_counter() - self._start)
            self._done = True


def _check_results(results, key: dict, arrays, recipe: Recipe | None, overwrite: bool) -> None:
    """Before any training: the committed records take only full runs, and a record of the same training
    already in ``results`` is replaced only with ``overwrite``."""
    full_run = arrays is None and recipe in (None, recipe_for(key["model"], key["dataset"]))
    if is_committed(results) and not full_run:
        raise ValueError(
            f"`results` {results} holds the committed full-run records; a run on a sample or with another "
            "recipe must write elsewhere (or nowhere)."
        )
    if not overwrite and any(same_training(r, key) for r in load_records(results)):
        raise RecordExistsError(
            f"`results` {results} already holds the record of {key['dataset']} {key['model']} seed "
            f"{key['seed']} width {key['width']:g}; pass overwrite=True (--overwrite) to replace it."
        )


def train_and_evaluate(
    model: str,
    dataset: str,
    arrays: tuple | None = None,
    recipe: Recipe | None = None,
    results: str | os.PathLike | None = None,
    strategy: tf.distribute.Strategy | None = None,
    seed: int = 0,
    verbose: int | str = "auto",
    overwrite: bool = False,
    width: float = 1.0,
) -> dict:
    """Train ``model`` (a name of :data:`involution_tf.models.MODELS`) on ``dataset`` and return its
    result record; with ``results``, also save it there. A record of the same dataset, model and seed
    already there is replaced only with ``overwrite``, and the committed records (``results/``) take only
    full runs: the whole dataset and the recipe's own epochs, checked before any training.

    The validation split of :func:`involution_tf.data.validation_split` is held out of the training
    images: the per-epoch ``history["val_accuracy"]`` is measured on it, and the test set is evaluated
    once, after the last epoch, into ``test_accuracy``: choices are made on validation accuracy only.

    Args:
        arrays: ``((x_train, y_train), (x_test, y_test))`` as :func:`involution_tf.data.load_dataset`
            returns them (the validation split is taken from the training images); default: the full
            dataset (``load_dataset(dataset)``).
        recipe: default :func:`recipe_for` ``(model, dataset)``.
        strategy: a ``tf.distribute`` strategy to build and train the model under.
        width: the network's width factor (see :func:`~involution_tf.models.build_model`), recorded.
    """
    models.check_width(model, width)
    if results is not None:
        key = dict(dataset=dataset, model=model, seed=seed, width=width)
        _check_results(results, key, arrays, recipe, overwrite)
    recipe = recipe or recipe_for(model, dataset)
    (x_all, y_all), (x_test, y_test) = _check_arrays(arrays or data.load_dataset(dataset), dataset)
    kept, held = data.validation_split(y_all)
    (x_train, y_train), (x_val, y_val) = (x_all[kept], y_all[kept]), (x_all[held], y_all[held])
    keras.utils.set_random_seed(seed)
    train = make_dataset(x_train, y_train, recipe, training=True, seed=seed)
    validation = make_dataset(x_val, y_val, recipe, training=False)
    steps = -(-len(x_train) // recipe.batch_size)
    with (strategy or tf.distribute.get_strategy()).scope():
        network = compiled_model(model, dataset, recipe, steps, width=width)
    timer = EpochTimer()
    history = network.fit(
        # shuffle=False: the tf.data pipeline already reshuffles every epoch (Keras would only warn).
        train,
        epochs=recipe.epochs,
        validation_data=validation,
        callbacks=[timer],
        verbose=verbose,
        shuffle=False,
    ).history
    test = make_dataset(x_test, y_test, recipe, training=False)
    test_accuracy = network.evaluate(test, verbose=0, return_dict=True)["accuracy"]
    record = dict(
        dataset=dataset,
        model=model,
        params=network.count_params(),
        trainable_params=int(sum(np.prod(w.shape) for w in network.trainable_weights)),
        epochs=recipe.epochs,
        validation_accuracy=float(history["val_accuracy"][-1]),
        test_accuracy=float(test_accuracy),
        seconds_per_epoch=float(np.median(timer.seconds)),  # the median skips the first epoch's compiling
        total_seconds=float(np.sum(timer.seconds)),
        device=device_name(),
        train_images=len(x_train),
        validation_images=len(x_val),
        test_images=len(x_test),
        recipe=asdict(recipe),
        seed=seed,
        width=width,
        epoch_seconds=timer.seconds,
        history={name: [float(v) for v in values] for name, values in history.items()},
        tensorflow=tf.__version__,
        keras=keras.__version__,
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    if results is not None:
        save_record(results, record, overwrite)
    return record


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog=command("train"),
        description="Train one model of the comparison and save its record.",
    )
    parser.add_argument("dataset", choices=sorted(models.INPUT_SHAPES))
    parser.add_argument("model", choices=models.MODELS)
    parser.add_argument(
        "--results",
        help=f"JSON results file to update (default for a full run: results/{DEFAULT_RUNS.name}; a --quick "
        "or --epochs run saves only where this says)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, shuffling and augmentation")
    parser.add_argument(
        "--width", type=float, default=1.0, help=f"width factor, for {', '.join(models.SWEPT_MODELS)} only"
    )
    parser.add_argument("--quick", action="store_true", help="committed sample, one epoch")
    parser.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    parser.add_argument("--overwrite", action="store_true", help="replace a record of the same training")
    args = parser.parse_args(argv)
    full_run = not (args.quick or args.epochs)
    results = args.results or (DEFAULT_RUNS if full_run else None)
    recipe = (quick_recipe if args.quick else recipe_for)(args.model, args.dataset)
    if args.epochs:
        recipe = replace(recipe, epochs=args.epochs)
    arrays = data.load_sample(args.dataset) if args.quick else None
    if results is not None:
        try:
            models.check_width(args.model, args.width)
            key = dict(dataset=args.dataset, model=args.model, seed=args.seed, width=args.width)
            _check_results(results, key, arrays, recipe, args.overwrite)
        except ValueError as error:
            parser.error(str(error))
    record = train_and_evaluate(
        args.model,
        args.dataset,
        arrays,
        recipe,
        results,
        seed=args.seed,
        verbose=2,
        overwrite=args.overwrite,
        width=args.width,
    )
    print(
        f"{args.dataset} {args.model}: test accuracy {record['test_accuracy']:.4f}, "
        f"{record['params']:,} parameters, {record['seconds_per_epoch']:.1f} s/epoch; "
        + (f"record saved to {results}" if results else "record not saved (pass --results FILE to keep it)")
    )


if __name__ == "__main__":
    main()
