"""The notebooks: structure (badge, Colab cell, parameters, clean run), no copies of package code,
and a papermill run of each in quick mode. nbval (`--nbval-lax`, see pyproject.toml) also runs them
and compares the cells marked NBVAL_CHECK_OUTPUT with their committed outputs."""

import ast
import importlib
import inspect
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
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_"]


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
    assert len(parameters) == 1 and re.search(r"^quick = ", parameters[0].source, re.M)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
        "not a clean run from a fresh kernel"
    )
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert any("NBVAL_CHECK_OUTPUT" in c.source for c in cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_nothing_the_package_provides(path):
    defined = set()
    for cell in code_cells(path):
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("!", "%"))
        )
        defined |= {
            node.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
    assert not defined & PACKAGE_NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_quick_mode_with_papermill(path, tmp_path):
    committed = path.read_bytes()
    output = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(output),
        parameters={"quick": True},
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(output, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "quick = True" in injected[0].source
    assert path.read_bytes() == committed  # the committed notebook is never overwritten
