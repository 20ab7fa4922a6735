"""TensorFlow's start-up log lines, and the filter process that drops them while TensorFlow imports.

TensorFlow's C++ start-up writes INFO lines to the process's stderr before its logging is configured,
whatever TF_CPP_MIN_LOG_LEVEL says, and Jupyter shows them under the cell that imported it. Only these
lines are ever dropped: an INFO log line, absl's warning about them, and the known second line of the
CPU-instructions message.

Run as a script, this module is the filter: it reads everything the importing process writes to its stderr
until that process closes the pipe or dies. If the import ended well (the process wrote :data:`DONE`
last), it writes on all but the start-up INFO lines; if the import failed, or the process died in it (a
crash leaves it no chance to write anything afterwards), it writes everything. Plain Python: it never
loads TensorFlow.
"""

from __future__ import annotations

import re
import sys

__all__ = ["DONE", "without_start_up_info"]

_INFO_LINE = re.compile(r"^I\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_KNOWN_START_UP_LINES = (
    "WARNING: All log messages before absl::InitializeLog()",
    "To enable the following instructions:",
)
# What the importing process writes last when TensorFlow imported without error.
DONE = b"\0involution_tf: TensorFlow imported\n"


def without_start_up_info(text: str) -> str:
    """``text`` less TensorFlow's start-up INFO lines (see the module docstring)."""
    return "".join(
        line
        for line in text.splitlines(keepends=True)
        if not (_INFO_LINE.match(line) or line.startswith(_KNOWN_START_UP_LINES))
    )


def _filter(source, sink) -> None:
    """Read ``source`` to its end and write it to ``sink``: filtered if it ends with :data:`DONE`, else
    whole."""
    data = source.read()
    if data.endswith(DONE):
        data = without_start_up_info(data[: -len(DONE)].decode(errors="replace")).encode()
    sink.write(data)
    sink.flush()


if __name__ == "__main__":
    _filter(sys.stdin.buffer, sys.stdout.buffer)
