"""Datasets: a verified local cache, Keras's download as the fallback, and small committed samples.

``load_dataset(name)`` returns ``(x_train, y_train), (x_test, y_test)`` exactly as Keras's
``load_data()`` does, from ``<cache>/<name>.npz`` when that file holds the right arrays, else from
Keras's own download (then cached). The cache directory is the ``data_dir`` argument, else the
``INVOLUTION_TF_DATA`` environment variable, else ``data/`` at the top of the repository. Arrays
are checked by the SHA-256 of their raw bytes, so a file from any source holding the same data
passes, and a truncated or different file is reported and never used. Writes go to a temporary
file renamed into place, so an interrupted run never leaves a half-written cache.

``load_sample(name)`` returns the class-balanced real subset committed under ``involution_tf/samples/``,
for quick mode and tests.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from involution_tf.arguments import command

__all__ = [
    "DATASETS",
    "load_dataset",
    "load_sample",
    "make_sample",
    "default_data_dir",
    "verify",
    "missing_datasets",
    "check_datasets",
    "download_reachable",
    "VALIDATION_PER_CLASS",
    "validation_split",
]

# The committed samples ship inside the package (package data): they are there after any install.
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
# A checkout keeps the full datasets in its data/ folder; an installed package in the user's cache.
_CHECKOUT_DATA = Path(__file__).resolve().parents[1] / "data"
KEYS = ("x_train", "y_train", "x_test", "y_test")

# SHA-256 of each array's raw bytes, hashlib.sha256(np.ascontiguousarray(a).tobytes()).
DATASETS = {
    "mnist": {
        "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    },
    "fashion_mnist": {
        "x_train": "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
        "y_train": "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
        "x_test": "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
        "y_test": "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
    },
    "cifar10": {
        "x_train": "47af8b02cfcfb6cdf3dbbd1969ad7f1b70f4413f6f80f437b020ee4e5bc8304a",
        "y_train": "2b7cd2f24487317614016b72ffd53071c3062f592f0eb300c18a770d41ae1253",
        "x_test": "f9b1e2130bab680db56eb06d886f7f1ad0f1183907ceff4659d1735c890f5b04",
        "y_test": "cec8a24a1e92aa2ecaa0bbd3dbfa86bf6cd8759fbd209a832824c8cf0afca9d5",
    },
}

# Where Keras's load_data() downloads each dataset from.
DOWNLOAD_HOSTS = {
    "mnist": "storage.googleapis.com",
    "fashion_mnist": "storage.googleapis.com",
    "cifar10": "www.cs.toronto.edu",
}

Split = tuple[np.ndarray, np.ndarray]


def _check_name(name: str) -> str:
    if name not in DATASETS:
        raise ValueError(f"`name` must be one of {sorted(DATASETS)}, got {name!r}.")
    return name


def default_data_dir() -> Path:
    """The cache directory: $INVOLUTION_TF_DATA if set, else data/ at the top of a checkout, else (an
    installed package, far from any checkout) ~/.cache/involution_tf."""
    if os.environ.get("INVOLUTION_TF_DATA"):
        return Path(os.environ["INVOLUTION_TF_DATA"])
    if (_CHECKOUT_DATA / "README.md").exists():
        return _CHECKOUT_DATA
    return Path.home() / ".cache" / "involution_tf"


def verify(name: str, arrays: dict[str, np.ndarray]) -> list[str]:
    """Return the keys whose content does not match the published dataset (empty when all do)."""
    want = DATASETS[_check_name(name)]
    return [
        key
        for key in KEYS
        if key not in arrays
        or hashlib.sha256(np.ascontiguousarray(arrays[key]).tobytes()).hexdigest() != want[key]
    ]


def _read_cache(name: str, path: Path) -> dict[str, np.ndarray] | None:
    """The cached arrays if the file exists and verifies; a warning and None if it is damaged."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as error:  # a truncated zip raises several kinds of error
        warnings.warn(f"{path} is unreadable ({error}); it will not be used.", stacklevel=3)
        return None
    bad = verify(name, arrays)
    if bad:
        warnings.warn(
            f"{path} does not hold the real {name} ({', '.join(bad)} differ); it will not be used.",
            stacklevel=3,
        )
        return None
    return arrays


def _write_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
    os.replace(tmp, path)


def _download(name: str) -> dict[str, np.ndarray]:
    import keras

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def load_dataset(name: str, data_dir: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Load a full dataset, verified, in Keras's ``load_data()`` layout (see the module docstring)."""
    path = Path(data_dir or default_data_dir()) / f"{_check_name(name)}.npz"
    arrays = _read_cache(name, path)
    if arrays is None:
        try:
            arrays = _download(name)
        except Exception as error:
            raise FileNotFoundError(
                f"Could not get {name}: no valid {path} and Keras's download failed ({error}). Place the "
                f"dataset at {path} as an .npz with arrays {', '.join(KEYS)} (Keras's load_data() layout), "
                f"or point `data_dir` / INVOLUTION_TF_DATA at a folder that holds {name}.npz."
            ) from error
        bad = verify(name, arrays)
        if bad:
            raise ValueError(
                f"the downloaded {name} does not match the published checksums ({', '.join(bad)})."
            )
        _write_atomically(path, arrays)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def missing_datasets(data_dir: str | os.PathLike | None = None) -> list[str]:
    """The datasets without a verified copy in the cache: ``load_dataset`` would download them."""
    folder = Path(data_dir or default_data_dir())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged file is simply missing here
        return [name for name in DATASETS if _read_cache(name, folder / f"{name}.npz") is None]


def download_reachable(names: list[str], timeout: float = 5.0) -> bool:
    """Whether the download hosts of these datasets answer (a TCP connection on port 443)."""
    import socket

    try:
        for host in {DOWNLOAD_HOSTS[name] for name in names}:
            socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def check_datasets(names: Sequence[str] | None = None) -> None:
    """Before full trainings on ``names`` (default: every dataset): each must be in the cache, or its
    download host reachable (then it says where the download will go); else a ``FileNotFoundError`` that
    says which files to place where."""
    missing = [name for name in missing_datasets() if names is None or name in names]
    if not missing:
        return
    folder = default_data_dir()
    if download_reachable(missing):
        print(f"{', '.join(missing)}: not in {folder} yet, downloaded there on first use.", flush=True)
        return
    raise FileNotFoundError(
        f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} neither in {folder} nor downloadable "
        f"(no network). Place {', '.join(f'{name}.npz' for name in missing)} in {folder} (or in the folder "
        "named by INVOLUTION_TF_DATA): .npz files with the arrays x_train, y_train, x_test, y_test of "
        "Keras's load_data(); their checksums are verified before use (data/README.md)."
    )


# The validation split held out of every training set: 500 images per class, 5,000 in all, always the same
# ones (its own seed, not a training's), so that every choice is made on images no run trains on.
VALIDATION_PER_CLASS = 500
VALIDATION_SEED = 1234


def validation_split(labels: np.ndarray, per_class: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) into a training set: ``per_class`` images of each class held out for
    validation, drawn with a fixed seed, both in the original order. ``per_class`` defaults to
    :data:`VALIDATION_PER_CLASS`, or to a tenth of the rarest class (at least 1) in a smaller set such
    as a committed sample; a class never gives up its last training image."""
    labels = np.asarray(labels).reshape(-1)
    classes, counts = np.unique(labels, return_counts=True)
    if per_class is None:
        per_class = max(1, min(VALIDATION_PER_CLASS, counts.min() // 10))
    if per_class < 1:
        raise ValueError(f"`per_class` must be a positive number of images, got {per_class}.")
    rng = np.random.default_rng(VALIDATION_SEED)
    held = np.sort(
        np.concatenate(
            [
                rng.choice(np.flatnonzero(labels == c), min(per_class, n - 1), replace=False)
                for c, n in zip(classes, counts)
            ]
        )
    ).astype(int)
    return np.setdiff1d(np.arange(len(labels)), held), held


def make_sample(
    arrays: dict[str, np.ndarray], train_per_class: int = 200, test_per_class: int = 50, seed: int = 0
) -> dict[str, np.ndarray]:
    """A class-balanced random subset of a dataset, in the original order of the chosen images."""
    rng = np.random.default_rng(seed)
    sample = {}
    for split, per_class in (("train", train_per_class), ("test", test_per_class)):
        labels = arrays[f"y_{split}"].reshape(-1)
        chosen = np.sort(
            np.concatenate(
                [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
            )
        )
        sample[f"x_{split}"], sample[f"y_{split}"] = (
            arrays[f"x_{split}"][chosen],
            arrays[f"y_{split}"][chosen],
        )
    return sample


def load_sample(name: str) -> tuple[Split, Split]:
    """The committed real sample of a dataset (200 train and 50 test images per class)."""
    with np.load(SAMPLES_DIR / f"{_check_name(name)}.npz", allow_pickle=False) as npz:
        return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])


def _write_samples(data_dir: str | None) -> None:
    for name in DATASETS:
        (x_train, y_train), (x_test, y_test) = load_dataset(name, data_dir)
        sample = make_sample(dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test))
        _write_atomically(SAMPLES_DIR / f"{name}.npz", sample)
        print(f"wrote {SAMPLES_DIR / name}.npz: " + ", ".join(f"{k} {v.shape}" for k, v in sample.items()))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=command("samples"),
        description="Rebuild the committed samples from the full datasets in the cache.",
    )
    parser.add_argument("--data-dir", help="cache directory (default: $INVOLUTION_TF_DATA or data/)")
    _write_samples(parser.parse_args(argv).data_dir)


if __name__ == "__main__":
    main()
