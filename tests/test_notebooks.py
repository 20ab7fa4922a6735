"""The notebooks: structure (badge, Colab cell, parameters, clean run), no copies of package code, and
papermill's quick parameter. nbval (`--nbval-lax`, see pyproject.toml) runs each notebook once, in quick
mode, and compares the cells tagged nbval-check-output with their committed outputs."""

import ast
import contextlib
import importlib
import inspect
import io
import logging
import os
import pkgutil
import re
from pathlib import Path

import nbformat
import papermill
import pytest

import involution_tf

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MODULES = [
    importlib.import_module(f"involution_tf.{module.name}")
    for module in pkgutil.iter_modules(involution_tf.__path__)
]
PACKAGE_NAMES = {
    name
    for module in MODULES
    for name, obj in vars(module).items()
    if (inspect.isfunction(obj) or inspect.isclass(obj))
    and getattr(obj, "__module__", "").startswith("involution_tf")
}


def test_the_course_has_its_notebooks_in_order():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_structure(path):
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert (
        first.cell_type == "markdown" and "colab.research.google.com/assets/colab-badge.svg" in first.source
    )
    assert f"blob/main/notebooks/{path.name}" in first.source
    cells = code_cells(path)
    assert 'if "google.colab" in sys.modules:' in cells[0].source and "pip install" in cells[0].source
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    # plain literals, which papermill can read and override; what derives from them comes in the next cell
    statements = ast.parse(parameters[0].source).body
    assert all(isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) for s in statements)
    assert "quick" in {s.targets[0].id for s in statements}
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
        "not a clean run from a fresh kernel"
    )
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in cells)
    # a course, not a test bench: no tooling comments in the cells students read
    assert not [c for c in cells if re.search(r"NBVAL_|# noqa|isort:", c.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_nothing_the_package_provides(path):
    defined = set()
    for cell in code_cells(path):
        source = "\n".join(  # IPython's shell and magic lines become a no-op of the same indentation
            re.sub(r"^(\s*)[!%].*", r"\1pass", line) for line in cell.source.splitlines()
        )
        defined |= {
            node.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
    assert not defined & PACKAGE_NAMES


def sizes_cell(cells) -> int:
    """Index of the cell that derives the notebook's sizes from its parameters: the one after them."""
    tags = [c.metadata.get("tags", []) for c in cells]
    return 1 + max(n for n, t in enumerate(tags) if "parameters" in t or "injected-parameters" in t)


def printed_by(source: str, parameters: str, **overrides) -> str:
    """What ``source`` prints after the ``parameters`` cell ran, ``overrides`` injected as papermill does."""
    namespace = {"os": os}
    exec(parameters, namespace)
    namespace.update(overrides)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(source, namespace)
    return out.getvalue()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermills_quick_parameter_gives_the_run_nbval_checks(path, caplog, monkeypatch):
    """nbval runs each notebook once, in quick mode through the environment variable. papermill's own
    parameter, injected as papermill injects it, gives the same state from the sizes cell on: that cell
    prints the quick sizes, and no other cell reads the variable."""
    with caplog.at_level(logging.WARNING, logger="papermill"):
        injected = papermill.parameterize.parameterize_notebook(
            papermill.iorw.load_notebook_node(str(path)), {"quick": True}, kernel_name="python3"
        )
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("papermill")]
    cells = [c for c in injected.cells if c.cell_type == "code"]
    (cell,) = [c for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "quick = True" in cell.source
    sizes = sizes_cell(cells)
    (parameters,) = [c.source for c in cells if "parameters" in c.metadata.get("tags", [])]
    monkeypatch.delenv("INVOLUTION_TF_QUICK")
    with_parameter = printed_by(cells[sizes].source, parameters, quick=True)
    assert with_parameter.startswith("quick=True")
    assert with_parameter != printed_by(cells[sizes].source, parameters)
    monkeypatch.setenv("INVOLUTION_TF_QUICK", "1")  # what conftest.py sets for nbval's kernels
    assert printed_by(cells[sizes].source, parameters) == with_parameter
    assert [n for n, c in enumerate(cells) if "INVOLUTION_TF_QUICK" in c.source] == [sizes]
