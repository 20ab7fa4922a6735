"""Result records: where runs write what they measured, and where the README and notebooks read it.

Every write goes to a sibling temporary file of its own that is then renamed over the target, so an
interrupted run leaves the previous file whole, never a half-written one, readable as any new file is
(the umask's permissions, not a temporary file's owner-only ones). Adding a record reads, extends and
rewrites its file under an exclusive lock on the folder that holds it (POSIX ``flock`` on the folder
itself, so no lock file is left behind), so that two trainings finishing at once both keep their
record.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: one writer at a time is then the user's to ensure
    fcntl = None

__all__ = [
    "COURSE_ROOT",
    "DEFAULT_RESULTS",
    "DEFAULT_TRAIN_STEPS",
    "DEFAULT_SEEDS",
    "DEFAULT_RUNS",
    "write_text_atomically",
    "load_records",
    "save_record",
    "is_committed",
    "RecordExistsError",
    "same_training",
    "width_of",
    "at_width",
    "publish",
    "device_name",
    "memory_device",
    "measurement",
]


def _course_root() -> Path:
    """The checkout this package runs from (the folder above it, holding pyproject.toml); for an installed
    package, the current folder. Records, notebooks and the site are looked for there by default."""
    checkout = Path(__file__).resolve().parents[1]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


COURSE_ROOT = _course_root()
# The committed records of the full runs, which notebook 05's appendix shows.
DEFAULT_RESULTS = COURSE_ROOT / "results" / "comparison.json"
# The committed interleaved step measurement (python -m involution_tf train-steps --json ...).
DEFAULT_TRAIN_STEPS = DEFAULT_RESULTS.with_name("train_steps.json")
# Records of the same trainings with other seeds than the comparison's seed 0: how far a result is luck.
DEFAULT_SEEDS = DEFAULT_RESULTS.with_name("seeds.json")
# The runs of the validation protocol: every network, dataset and seed, a validation split held out of the
# training set (the two files above hold the earlier runs, whose per-epoch accuracy was test accuracy).
DEFAULT_RUNS = DEFAULT_RESULTS.with_name("runs.json")


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(handle, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_records(path: str | os.PathLike) -> list[dict]:
    """The records of a results file (a JSON list); an empty list if the file does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise ValueError(f"{path} must hold a JSON list of result records, got {type(records).__name__}.")
    return records


# What makes two records the same training: a results file keeps the last record of each. A record
# without a width (those written before the frontier sweep) is of width 1.
_RECORD_KEY = ("dataset", "model", "seed", "width")
_KEY_DEFAULTS = {"width": 1.0}


class RecordExistsError(ValueError):
    """A results file already holds the record of this training (and ``overwrite`` was not given)."""


def save_record(path: str | os.PathLike, record: dict, overwrite: bool = False) -> None:
    """Add ``record`` to the results file. An earlier record of the same training (dataset, model, seed and
    width) is replaced only with ``overwrite``: otherwise :class:`RecordExistsError` says so, and the file
    is left as it was."""
    with _locked(path):
        earlier = load_records(path)
        records = [r for r in earlier if not same_training(r, record)]
        if len(records) < len(earlier) and not overwrite:
            key = ", ".join(f"{k}={_key(record, k)!r}" for k in _RECORD_KEY)
            raise RecordExistsError(
                f"`path` {path} already holds a record of {key}; pass overwrite=True (--overwrite) to "
                "replace it."
            )
        write_text_atomically(path, json.dumps([*records, record], indent=1) + "\n")


@contextlib.contextmanager
def _locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on the folder that holds ``path`` (created if needed)."""
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _umask() -> int:
    """The process's umask (read by setting it, then put back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def same_training(a: dict, b: dict) -> bool:
    """Whether two records are of the same training (dataset, model, seed and width): a file keeps one of
    each."""
    return all(_key(a, k) == _key(b, k) for k in _RECORD_KEY)


def _key(record: dict, name: str):
    return record.get(name, _KEY_DEFAULTS.get(name))


def width_of(record: dict) -> float:
    """The width factor a record's network was trained at (1 for records without one)."""
    return _key(record, "width")


def at_width(records: Iterable[dict], width: float = 1.0) -> list[dict]:
    """The records of networks trained at ``width``: by default the validation protocol's networks as
    :mod:`involution_tf.models` defines them, without the frontier sweep's narrower and wider ones."""
    return [r for r in records if width_of(r) == width]


def is_committed(path: str | os.PathLike) -> bool:
    """Whether ``path`` is one of the repository's committed records (in results/), which only full runs
    may write."""
    return Path(path).resolve().parent == DEFAULT_RESULTS.parent


def publish(report: str, record: dict, json_path: str | None) -> None:
    """What a benchmark's command line does with its result: print the report, and optionally write the
    record to ``json_path`` (the site's results page reads the committed ones)."""
    print(report)
    if json_path:
        write_text_atomically(json_path, json.dumps(record, indent=2) + "\n")


def device_name() -> str:
    """The GPU's name if TensorFlow sees one, else the CPU model and core count."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    return f"CPU: {_cpu_model()} ({os.cpu_count()} cores)"


def memory_device() -> str:
    """The device whose allocator a measurement reads peak memory from: the GPU if there is one."""
    import tensorflow as tf

    return "GPU:0" if tf.config.list_logical_devices("GPU") else "CPU:0"


def measurement(repeats: int, rows: list[dict]) -> dict:
    """A benchmark's JSON-ready record: its rows, with the device and versions they were measured on."""
    import keras
    import tensorflow as tf

    return dict(
        device=device_name(),
        memory_device=memory_device(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        repeats=repeats,
        rows=rows,
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
