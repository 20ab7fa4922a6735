"""What importing the package does: TensorFlow's start-up INFO lines dropped, and nothing else lost."""

import subprocess
import sys
from pathlib import Path

import involution_tf
from involution_tf import tf_start_up

ROOT = Path(__file__).resolve().parents[1]
FAKE_TENSORFLOW = """
import os
os.write(2, b"I0000 00:00:1.000 123 cpu_feature_guard.cc:210] This TensorFlow binary is optimized\\n")
os.write(2, b"To enable the following instructions: AVX2 FMA, rebuild TensorFlow.\\n")
os.write(2, b"a line that explains what is wrong\\n")
{ending}
"""


def import_with_fake_tensorflow(tmp_path: Path, ending: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "tensorflow" / "__init__.py").write_text(FAKE_TENSORFLOW.format(ending=ending))
    code = f"import sys; sys.path[:0] = [{str(fake)!r}, {str(ROOT)!r}]; import involution_tf"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)


def test_a_failing_tensorflow_import_shows_everything_it_wrote(tmp_path):
    result = import_with_fake_tensorflow(tmp_path, 'raise ImportError("libcudart.so.12: cannot open")')
    assert result.returncode != 0
    for line in ("cpu_feature_guard.cc:210", "To enable the following", "a line that explains what is wrong"):
        assert line in result.stderr, result.stderr
    assert "libcudart.so.12: cannot open" in result.stderr


def test_a_tensorflow_that_crashes_in_its_import_still_shows_everything_it_wrote(tmp_path):
    result = import_with_fake_tensorflow(tmp_path, "os.abort()")
    assert result.returncode != 0
    for line in ("cpu_feature_guard.cc:210", "To enable the following", "a line that explains what is wrong"):
        assert line in result.stderr, result.stderr


def test_the_filter_drops_the_start_up_info_only_after_an_import_that_ended_well():
    written = b"I0000 00:00:1.000 123 cpu_feature_guard.cc:210] optimized\na line that explains\n"
    script = [sys.executable, "-I", "-S", tf_start_up.__file__]
    ended_well = subprocess.run(script, input=written + tf_start_up.DONE, capture_output=True)
    assert ended_well.stdout == b"a line that explains\n"
    failed = subprocess.run(script, input=written, capture_output=True)  # no DONE: failed, or died
    assert failed.stdout == written


def test_only_the_start_up_info_lines_are_dropped():
    text = (
        "I0000 00:00:1.000 123 cpu_feature_guard.cc:210] optimized\n"
        "To enable the following instructions: AVX2 FMA.\n"
        "a line that follows an INFO line\n"
        "W0000 00:00:1.000 123 something.cc:1] a warning\n"
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    )
    assert tf_start_up.without_start_up_info(text) == (
        "a line that follows an INFO line\nW0000 00:00:1.000 123 something.cc:1] a warning\n"
    )


def test_the_real_import_writes_no_info_line():
    code = "import involution_tf, sys; print('imported')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}
    )
    assert result.stdout.strip() == "imported"
    assert not [line for line in result.stderr.splitlines() if line.startswith("I0000")], result.stderr


def test_the_numpy_reference_and_the_argument_checks_import_no_tensorflow():
    import ast

    for name in ("reference", "arguments"):
        tree = ast.parse((ROOT / "involution_tf" / f"{name}.py").read_text())
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert not {m for m in imported if m.split(".")[0] in ("tensorflow", "keras")}, (name, imported)
        assert {m for m in imported if m.startswith("involution_tf")} <= {"involution_tf.arguments"}


def _imported_modules(name: str) -> set[str]:
    """The package's modules that ``involution_tf/<name>.py`` imports, read from its source."""
    import ast

    tree = ast.parse((ROOT / "involution_tf" / f"{name}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("involution_tf"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("involution_tf.")}
    return found


def test_the_core_imports_neither_the_study_nor_the_course_and_the_study_never_the_course():
    audiences = involution_tf.AUDIENCES
    modules = {p.stem for p in (ROOT / "involution_tf").glob("*.py")} - {"__init__"}
    assert modules == set().union(*audiences.values())  # every module belongs to one audience
    for name in audiences["core"]:
        assert _imported_modules(name) <= set(audiences["core"]), name
    for name in audiences["study"]:
        assert not _imported_modules(name) & set(audiences["course"]), name
