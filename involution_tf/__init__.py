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
import subprocess
import sys

from involution_tf import tf_start_up

__version__ = "0.1.0"

AUDIENCES = {
    "core": ("arguments", "reference", "ops", "layers", "costs", "tf_start_up"),
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


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up INFO lines dropped from stderr: everything it writes there goes
    through a filter process (:mod:`involution_tf.tf_start_up`), which passes on all of it if the import
    fails or the process dies in it, and all but those lines if it succeeds."""
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        quiet = subprocess.Popen(
            [sys.executable, "-I", "-S", tf_start_up.__file__], stdin=subprocess.PIPE, stdout=saved
        )
    except OSError:  # no interpreter to run the filter (an embedded Python): TensorFlow as it is
        os.close(saved)
        import tensorflow  # noqa: F401

        return
    os.dup2(quiet.stdin.fileno(), 2)
    imported = False
    try:
        import tensorflow  # noqa: F401

        imported = True
    finally:
        sys.stderr.flush()
        if imported:
            os.write(2, tf_start_up.DONE)
        os.dup2(saved, 2)
        os.close(saved)
        quiet.stdin.close()
        try:
            quiet.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a process TensorFlow started still holds the pipe
            quiet.kill()


_import_tensorflow_quietly()

from involution_tf import layers  # noqa: E402, F401  (registers Involution with Keras)
