"""Training writes honest, complete result records, atomically; recipes and pipelines behave."""

import json
from dataclasses import replace

import numpy as np
import pytest

from involution_tf import data, records, training

REQUIRED = {"dataset", "model", "params", "epochs", "test_accuracy", "seconds_per_epoch", "device"}


def tiny(name="mnist", train=64, test=40):
    (x_train, y_train), (x_test, y_test) = data.load_sample(name)
    return (x_train[:train], y_train[:train]), (x_test[:test], y_test[:test])


def test_train_and_evaluate_writes_one_complete_record_per_dataset_model_and_seed(tmp_path):
    results = tmp_path / "results" / "comparison.json"
    recipe = replace(training.recipe_for("involution_swap", "mnist"), epochs=2, batch_size=32)
    record = training.train_and_evaluate("involution_swap", "mnist", tiny(), recipe, results, verbose=0)
    assert REQUIRED <= set(record)
    assert record["params"] == 546 and record["epochs"] == 2 and record["test_images"] == 40
    assert 0.0 <= record["test_accuracy"] <= 1.0
    # the validation split is held out of the 64 training images; per-epoch accuracy is measured on it
    assert record["validation_images"] == len(data.validation_split(tiny()[0][1])[1]) > 0
    assert record["train_images"] + record["validation_images"] == 64 and record["seed"] == 0
    assert record["validation_accuracy"] == record["history"]["val_accuracy"][-1]
    assert len(record["epoch_seconds"]) == 2 and record["seconds_per_epoch"] > 0
    assert record["total_seconds"] == pytest.approx(sum(record["epoch_seconds"]))
    assert json.loads(results.read_text()) == [record]

    with pytest.raises(
        records.RecordExistsError, match="already holds the record of mnist involution_swap seed 0"
    ):
        training.train_and_evaluate("involution_swap", "mnist", None, recipe, results, verbose=0)
    assert records.load_records(results) == [record]  # refused before loading any data or training
    again = training.train_and_evaluate("involution_swap", "mnist", tiny(), recipe, results, overwrite=True)
    assert records.load_records(results) == [again]  # replaced, not appended
    other = training.train_and_evaluate("involution_swap", "mnist", tiny(), recipe, results, seed=1)
    assert records.load_records(results) == [again, other] and other["seed"] == 1  # another seed: kept


def test_command_line_saves_a_full_run_into_the_runs_and_never_twice(tmp_path, monkeypatch):
    """A full run (here shrunk: a tiny dataset and a one-epoch recipe stand in for the real ones)."""
    monkeypatch.setattr(training, "DEFAULT_RUNS", tmp_path / "runs.json")
    monkeypatch.setattr(data, "load_dataset", lambda name: tiny(name))
    one_epoch = training.quick_recipe("involution_swap", "mnist")
    monkeypatch.setattr(training, "recipe_for", lambda model, dataset: one_epoch)
    training.main(["mnist", "involution_swap", "--seed", "1"])
    (record,) = records.load_records(tmp_path / "runs.json")
    assert record["seed"] == 1 and record["epochs"] == 1
    with pytest.raises(SystemExit):  # the same training again: refused before training
        training.main(["mnist", "involution_swap", "--seed", "1"])
    training.main(["mnist", "involution_swap", "--seed", "1", "--overwrite"])
    assert records.load_records(tmp_path / "runs.json") != [record]


@pytest.mark.committed_results
def test_a_quick_run_never_writes_into_the_committed_records(capsys):
    committed = records.DEFAULT_RESULTS.read_bytes()
    training.main(["mnist", "involution_swap", "--quick"])
    assert "record not saved" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        training.main(["mnist", "involution_swap", "--quick", "--results", str(records.DEFAULT_RESULTS)])
    assert "holds the committed full-run records" in capsys.readouterr().err
    with pytest.raises(ValueError, match="committed full-run records"):
        training.train_and_evaluate("conv_baseline", "mnist", tiny(), results=records.DEFAULT_RUNS)
    assert records.DEFAULT_RESULTS.read_bytes() == committed


def test_rednet_recipe_trains_rednet_and_its_control_alike():
    for dataset in ("mnist", "fashion_mnist", "cifar10"):
        assert training.recipe_for("rednet", dataset) == training.recipe_for("rednet_conv_control", dataset)
        assert training.recipe_for("conv_baseline", dataset) == training.recipe_for(
            "involution_swap", dataset
        )
    assert training.recipe_for("rednet", "mnist").flip is False  # a flipped digit is another digit


@pytest.mark.parametrize(
    "args, match",
    [(("resnet", "mnist"), "`model` must be one of"), (("rednet", "svhn"), "`dataset` must be one of")],
)
def test_recipe_rejects_unknown_names(args, match):
    with pytest.raises(ValueError, match=match):
        training.recipe_for(*args)


def test_pipeline_scales_one_hot_encodes_and_augments_without_changing_shapes():
    (x, y), _ = tiny("cifar10", train=16)
    recipe = replace(training.recipe_for("rednet", "cifar10"), batch_size=16)
    plain = next(iter(training.make_dataset(x, y, recipe, training=False)))
    augmented = next(iter(training.make_dataset(x, y, recipe, training=True)))
    assert plain[0].shape == augmented[0].shape == (16, 32, 32, 3)
    np.testing.assert_allclose(plain[0].numpy(), x / 255.0, atol=1e-6)
    np.testing.assert_array_equal(np.argmax(plain[1], axis=1), y.ravel())
    assert 0.0 <= float(np.min(augmented[0])) and float(np.max(augmented[0])) <= 1.0
    assert not np.allclose(np.sort(augmented[0].numpy().ravel()), np.sort(plain[0].numpy().ravel()))


def test_a_recipe_without_augmentation_only_shuffles_the_training_images():
    (x, y), _ = tiny("fashion_mnist", train=16)
    recipe = replace(training.recipe_for("rednet", "fashion_mnist"), batch_size=16)
    images, labels = next(iter(training.make_dataset(x, y, recipe, training=True)))
    plain = next(iter(training.make_dataset(x, y, recipe, training=False)))[0].numpy()  # in order, scaled
    same = (images.numpy().reshape(16, 1, -1) == plain.reshape(1, 16, -1)).all(axis=2)  # batch i is image j
    assert (same.sum(axis=1) == 1).all(), "every batch image must be one training image, unchanged"
    order = same.argmax(axis=1)
    assert sorted(order) == list(range(16)) and list(order) != list(range(16))  # each once, shuffled
    np.testing.assert_array_equal(np.argmax(labels, axis=1), y.ravel()[order])


@pytest.mark.parametrize("train", [True, False])
def test_pipelines_run_without_the_tf_data_autotuner(train):
    # On 2 cores the autotuner made about one epoch in three run at half speed (see make_dataset).
    (x, y), _ = tiny("mnist", train=8)
    recipe = training.recipe_for("rednet", "mnist")
    assert training.make_dataset(x, y, recipe, training=train).options().autotune.enabled is False


def test_an_interrupted_write_leaves_the_previous_results_whole(tmp_path, monkeypatch):
    results = tmp_path / "comparison.json"
    records.save_record(results, {"dataset": "mnist", "model": "rednet", "test_accuracy": 0.5})
    before = results.read_text()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(records.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        records.save_record(
            results, {"dataset": "mnist", "model": "rednet", "test_accuracy": 0.9}, overwrite=True
        )
    assert results.read_text() == before


def test_results_file_must_hold_a_list(tmp_path):
    bad = tmp_path / "comparison.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="must hold a JSON list"):
        records.load_records(bad)


def test_trains_under_a_mirrored_strategy_and_from_the_command_line(tmp_path, run_python):
    code = """
        import json, sys, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from dataclasses import replace
        from involution_tf import data, training
        (x, y), (xt, yt) = data.load_sample("fashion_mnist")
        # whole batches that split evenly between the replicas (1,800 training and 200 validation images):
        # Keras 3 with TensorFlow fails on an uneven last batch under MirroredStrategy, Conv2D alone too
        recipe = replace(training.recipe_for("rednet", "fashion_mnist"), epochs=1, batch_size=100)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        arrays = (x, y), (xt[:100], yt[:100])
        record = training.train_and_evaluate(
            "rednet", "fashion_mnist", arrays, recipe, strategy=strategy, verbose=0
        )
        print(strategy.num_replicas_in_sync, record["params"])
        training.main(["mnist", "conv_baseline", "--quick", "--results", "cli.json"])
    """
    out = run_python(code)
    assert out.splitlines()[0].split()[0] == "2"
    assert "mnist conv_baseline: test accuracy" in out
    (record,) = json.loads((tmp_path / "cli.json").read_text())
    assert record["epochs"] == 1 and record["params"] == 34_826
    assert (record["train_images"], record["validation_images"]) == (1800, 200)


@pytest.mark.parametrize(
    "dataset, arrays",
    [
        ("cifar10", tiny("mnist")),  # 28x28 digits for a 32x32x3 network
        (
            "mnist",
            ((np.zeros((4, 28, 28), np.uint8), np.zeros(3)), (np.zeros((2, 28, 28), np.uint8), np.zeros(2))),
        ),
    ],
)
def test_arrays_that_do_not_fit_the_dataset_are_refused_before_training(dataset, arrays):
    with pytest.raises(ValueError, match=r"`arrays` must hold .* images of shape"):
        training.train_and_evaluate("conv_baseline", dataset, arrays)


@pytest.mark.slow
def test_two_writers_at_once_keep_every_record(tmp_path):
    """Two processes adding 200 records each to one file: all 400 stay (a lock, and temporary files of
    their own)."""
    import subprocess
    import sys

    code = (
        "import sys; from involution_tf import records\n"
        "for i in range(200): records.save_record(sys.argv[1], dict(dataset='d', model=sys.argv[2], seed=i))"
    )
    path = tmp_path / "runs.json"
    writers = [subprocess.Popen([sys.executable, "-c", code, str(path), f"w{w}"]) for w in range(2)]
    assert [w.wait(timeout=600) for w in writers] == [0, 0]
    assert len(records.load_records(path)) == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.json"]  # no part file, no lock file
    assert path.stat().st_mode & 0o777 == 0o666 & ~records._umask()  # as readable as any new file
