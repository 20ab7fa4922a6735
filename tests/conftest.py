"""Fixtures shared by the test modules."""

import subprocess
import sys
import textwrap

import pytest


@pytest.fixture
def run_python(tmp_path):
    """Run Python source in a fresh process, in ``tmp_path``; return its standard output, failing
    the test with the end of its standard error if it exits with an error."""

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    return run
