"""Datasets: checksummed cache, download fallback, clear errors, atomic writes, committed samples."""

import hashlib

import numpy as np
import pytest

from involution_tf import data


def fake_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        x_train=rng.integers(0, 255, (20, 4, 4), dtype=np.uint8),
        y_train=np.arange(20, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 255, (10, 4, 4), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )


@pytest.fixture
def fake_mnist(monkeypatch):
    """Make 'mnist' mean a tiny fake dataset whose checksums we know, and forbid real downloads."""
    arrays = fake_arrays()
    sums = {k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest() for k, v in arrays.items()}
    monkeypatch.setitem(data.DATASETS, "mnist", sums)

    def no_network(name):
        raise ConnectionError("no network in this test")

    monkeypatch.setattr(data, "_download", no_network)
    return arrays


def test_valid_cache_is_used(tmp_path, fake_mnist):
    np.savez(tmp_path / "mnist.npz", **fake_mnist)
    (x_train, y_train), (x_test, y_test) = data.load_dataset("mnist", tmp_path)
    np.testing.assert_array_equal(x_train, fake_mnist["x_train"])
    np.testing.assert_array_equal(y_test, fake_mnist["y_test"])


def test_environment_variable_names_the_cache(tmp_path, fake_mnist, monkeypatch):
    np.savez(tmp_path / "mnist.npz", **fake_mnist)
    monkeypatch.setenv("INVOLUTION_TF_DATA", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    data.load_dataset("mnist")


def test_wrong_or_truncated_cache_is_reported_never_used(tmp_path, fake_mnist):
    np.savez(tmp_path / "mnist.npz", **fake_arrays(seed=1))
    with (
        pytest.warns(UserWarning, match="does not hold the real mnist"),
        pytest.raises(FileNotFoundError) as error,
    ):
        data.load_dataset("mnist", tmp_path)
    assert str(tmp_path / "mnist.npz") in str(error.value) and "x_train, y_train, x_test, y_test" in str(
        error.value
    )
    content = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(content[: len(content) // 2])
    with pytest.warns(UserWarning, match="unreadable"), pytest.raises(FileNotFoundError):
        data.load_dataset("mnist", tmp_path)


def test_download_is_verified_then_cached_atomically(tmp_path, fake_mnist, monkeypatch):
    calls = []
    monkeypatch.setattr(data, "_download", lambda name: calls.append(name) or dict(fake_mnist))
    data.load_dataset("mnist", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.npz"]  # no .part left behind
    data.load_dataset("mnist", tmp_path)
    assert calls == ["mnist"]


def test_a_download_with_other_content_is_refused(tmp_path, fake_mnist, monkeypatch):
    monkeypatch.setattr(data, "_download", lambda name: fake_arrays(seed=2))
    with pytest.raises(ValueError, match="does not match the published checksums"):
        data.load_dataset("mnist", tmp_path)
    assert not (tmp_path / "mnist.npz").exists()


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="`name` must be one of"):
        data.load_dataset("imagenet")


@pytest.mark.parametrize(
    "name, image_shape", [("mnist", (28, 28)), ("fashion_mnist", (28, 28)), ("cifar10", (32, 32, 3))]
)
def test_committed_samples_are_class_balanced_real_images(name, image_shape):
    (x_train, y_train), (x_test, y_test) = data.load_sample(name)
    assert x_train.shape == (2000, *image_shape) and x_test.shape == (500, *image_shape)
    assert x_train.dtype == np.uint8 and x_train.std() > 30  # real pictures, not blank
    assert np.bincount(y_train.reshape(-1)).tolist() == [200] * 10
    assert np.bincount(y_test.reshape(-1)).tolist() == [50] * 10


def test_make_sample_keeps_original_order_and_balance():
    arrays = dict(
        x_train=np.arange(100), y_train=np.arange(100) % 10, x_test=np.arange(50), y_test=np.arange(50) % 10
    )
    sample = data.make_sample(arrays, train_per_class=3, test_per_class=2)
    assert np.all(np.diff(sample["x_train"]) > 0)
    assert np.bincount(sample["y_test"]).tolist() == [2] * 10


def test_validation_split_is_fixed_class_balanced_and_disjoint():
    labels = np.random.default_rng(5).integers(0, 10, size=60_000)
    train, held = data.validation_split(labels)
    assert len(held) == 5_000 and np.array_equal(np.bincount(labels[held]), np.full(10, 500))
    assert np.array_equal(np.union1d(train, held), np.arange(60_000)) and not np.intersect1d(train, held).size
    assert all(np.array_equal(a, b) for a, b in zip(data.validation_split(labels), (train, held)))  # fixed
    (_, y_sample), _ = data.load_sample("mnist")
    assert len(data.validation_split(y_sample)[1]) == 200  # a tenth of each class of a small set


def test_validation_split_leaves_every_class_a_training_image_and_refuses_an_empty_one():
    train, held = data.validation_split(np.array([0, 0, 0, 1, 2, 2]), per_class=5)
    assert (
        list(held) == sorted(held)
        and len(held) == 3
        and set(np.array([0, 0, 0, 1, 2, 2])[train]) == {0, 1, 2}
    )
    with pytest.raises(ValueError, match="`per_class` must be a positive number of images, got 0"):
        data.validation_split(np.repeat(np.arange(10), 3), per_class=0)
