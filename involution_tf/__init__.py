"""involution_tf: the helper package of the involution course.

``reference`` holds the NumPy references, ``ops.involution`` the fast TensorFlow operator and
``layers.Involution`` the Keras 3 layer. Importing the package registers the layer with Keras's
serialization, so ``import involution_tf`` is all a saved model needs before ``keras.models.load_model``.
"""

import os
import re
import sys
import tempfile

__version__ = "0.1.0"

# TensorFlow's C++ start-up writes INFO lines to the process's stderr before its logging is configured,
# whatever TF_CPP_MIN_LOG_LEVEL says, and Jupyter shows them under the cell that imported it.
_LOG_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_ABSL_WARNING = "WARNING: All log messages before absl::InitializeLog()"


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up INFO lines dropped from stderr; anything else it writes stays."""
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
    sys.stderr.write(_without_start_up_info(text))


def _without_start_up_info(text: str) -> str:
    """``text`` less its INFO log lines (and the lines that continue them) and absl's warning about them."""
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        if _LOG_LINE.match(line) or line.startswith(_ABSL_WARNING):
            dropping = line.startswith(("I", "WARNING: All log"))
        if not dropping:
            kept.append(line)
    return "".join(kept)


_import_tensorflow_quietly()

from involution_tf import layers  # noqa: E402, F401  (registers Involution with Keras)
