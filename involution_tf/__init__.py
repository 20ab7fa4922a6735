"""involution_tf: the helper package of the involution course.

It serves three audiences, each a set of modules (:data:`AUDIENCES`; a test holds the rule that the core
imports neither of the others, and the study never imports the course):

* a user of the layer, the core: ``reference`` (the NumPy references), ``ops`` (the TensorFlow op),
  ``layers`` (the Keras 3 layer), ``costs`` and ``arguments``;
* the study: ``models``, ``data``, ``training``, ``runs`` (the queue), ``records``, ``comparison`` and
  ``frontier`` (statistics and reports), ``benchmark`` and ``train_steps``;
* the course: ``exercises``, ``plotting``, ``literature``, ``site`` and the command line (``__main__``).

The layout stays flat, so that every public path (``involution_tf.layers.Involution`` in saved models,
the notebooks' imports) stays where users found it. Importing the package registers the layer with
Keras's serialization, so ``import involution_tf`` is all a saved model needs before
``keras.models.load_model``.
"""

import os
import re
import sys
import tempfile

__version__ = "0.1.0"

AUDIENCES = {
    "core": ("arguments", "reference", "ops", "layers", "costs"),
    "study": (
        "models",
        "data",
        "training",
        "runs",
        "records",
        "comparison",
        "frontier",
        "benchmark",
        "train_steps",
    ),
    "course": ("exercises", "plotting", "literature", "site", "__main__"),
}

# TensorFlow's C++ start-up writes INFO lines to the process's stderr before its logging is configured,
# whatever TF_CPP_MIN_LOG_LEVEL says, and Jupyter shows them under the cell that imported it. Only these
# lines are ever dropped: an INFO log line, absl's warning about them, and the known second line of the
# CPU-instructions message.
_INFO_LINE = re.compile(r"^I\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_KNOWN_START_UP_LINES = (
    "WARNING: All log messages before absl::InitializeLog()",
    "To enable the following instructions:",
)


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up INFO lines dropped from stderr. Anything else it writes stays,
    and if the import fails, everything it wrote is shown, then the error raised."""
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            _restore(saved, captured, keep_all=True)
            raise
        _restore(saved, captured, keep_all=False)


def _restore(saved: int, captured, keep_all: bool) -> None:
    """Put stderr back and write what was captured to it: everything, or all but the start-up INFO."""
    os.dup2(saved, 2)
    os.close(saved)
    captured.seek(0)
    text = captured.read().decode(errors="replace")
    sys.stderr.write(text if keep_all else _without_start_up_info(text))
    sys.stderr.flush()


def _without_start_up_info(text: str) -> str:
    """``text`` less TensorFlow's start-up INFO lines (see :data:`_KNOWN_START_UP_LINES`)."""
    return "".join(
        line
        for line in text.splitlines(keepends=True)
        if not (_INFO_LINE.match(line) or line.startswith(_KNOWN_START_UP_LINES))
    )


_import_tensorflow_quietly()

from involution_tf import layers  # noqa: E402, F401  (registers Involution with Keras)
