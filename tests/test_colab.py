"""The notebooks' Colab cell, run as a Colab user runs it: in a running kernel of an environment that has
TensorFlow and Jupyter but not the package, the cell installs it, and the notebook's own imports must then
work in that same kernel, without a restart, with the relative paths resolving."""

import os
import subprocess
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_involution_in_a_network.ipynb"
REPOSITORY = "https://github.com/involution-course/involution-course"
COURSE = "/content/involution-course"

# The environment's sitecustomize hides this checkout's own (editable) install of the package, which the
# environment would otherwise inherit from the interpreter running the tests: a new Colab runtime has none.
HIDE_THIS_CHECKOUT = """
import sys
sys.meta_path[:] = [
    f for f in sys.meta_path
    if "involution_tf" not in getattr(sys.modules.get(getattr(f, "__module__", "")), "MAPPING", {})
]
"""


def colab_like_environment(folder: Path) -> Path:
    """A virtual environment that sees the running interpreter's packages (TensorFlow, Jupyter) but not
    involution_tf; its Python. The running interpreter's own site-packages are added (a virtual
    environment's, when the tests run in one; ``system_site_packages`` would give the base interpreter's
    instead, without what the virtual environment installed)."""
    python, site_packages = venv_seeing_this_interpreter(folder)
    Path(site_packages, "sitecustomize.py").write_text(HIDE_THIS_CHECKOUT)
    return python


def venv_seeing_this_interpreter(folder: Path) -> tuple[Path, str]:
    """A virtual environment whose site-packages add the running interpreter's (their .pth files
    processed): its Python and its own site-packages."""
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site_packages = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
    ).strip()
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    Path(site_packages, "running_interpreter.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in ours)
    )
    return python, site_packages


def start_kernel(python: Path, folder: Path, env: dict):
    spec = folder / "kernels" / "colab"
    spec.mkdir(parents=True)
    argv = f'["{python}", "-m", "ipykernel_launcher", "-f", "{{connection_file}}"]'
    (spec / "kernel.json").write_text(f'{{"argv": {argv}, "display_name": "colab", "language": "python"}}')
    manager = KernelManager(
        kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    manager.start_kernel(cwd=str(folder), env=env)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    return manager, client


def run_cell(client, source: str) -> str:
    """Execute ``source`` in the kernel; its printed output, or a test failure with the error."""
    printed = []

    def collect(message):
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            printed.append("\n".join(content["traceback"]))

    reply = client.execute_interactive(source, output_hook=collect, timeout=600)
    assert reply["content"]["status"] == "ok", f"{source[:200]}\n...\n{''.join(printed)[-3000:]}"
    return "".join(printed)


def colab_cell_and_imports() -> tuple[str, list[str]]:
    """The notebook's Colab cell, and its code cells after it up to the one that imports the package."""
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    last = next(n for n, source in enumerate(cells) if "from involution_tf import" in source)
    return cells[0], cells[1 : last + 1]


@pytest.fixture
def colab_kernel(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # pip finds everything in the environment already: no build isolation, no index, no download.
    env.update(PIP_NO_BUILD_ISOLATION="0", PIP_NO_INDEX="1", INVOLUTION_TF_QUICK="1")
    python = colab_like_environment(tmp_path / "env")
    manager, client = start_kernel(python, tmp_path, env)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.slow
def test_the_package_imports_in_the_kernel_that_ran_the_colab_cell(colab_kernel, tmp_path):
    client = colab_kernel
    course = tmp_path / "content" / "involution-course"
    cell, following = colab_cell_and_imports()
    assert REPOSITORY in cell and COURSE in cell
    run_cell(
        client,
        "import importlib.util, sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')",
    )
    assert run_cell(client, "print(importlib.util.find_spec('involution_tf'))").strip() == "None"
    run_cell(client, cell.replace(REPOSITORY, f"file://{ROOT}").replace(COURSE, str(course)))
    for source in following:
        run_cell(client, source)
    found = run_cell(
        client,
        "import involution_tf.data\nfrom pathlib import Path\n"
        "print(Path(involution_tf.__file__).parent.parent, Path.cwd(), "
        "(involution_tf.data.SAMPLES_DIR / 'mnist.npz').is_file(), "
        "Path('../results/comparison.json').is_file())",
    )
    assert found.split() == [str(course), str(course / "notebooks"), "True", "True"]


def test_every_notebook_has_the_same_colab_cell():
    first_cells = {
        [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"][0]
        for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
    }
    assert len(first_cells) == 1  # so the test above, on notebook 04's, holds for all


def test_the_environment_sees_the_packages_of_a_virtual_environment_the_tests_run_in(tmp_path):
    """The tests run from inside a user's virtual environment (here one whose packages are this
    interpreter's): the Colab-like environment made from it must see them, ipykernel included."""
    outer_python, _ = venv_seeing_this_interpreter(tmp_path / "users-venv")
    make_inner = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); import test_colab; "
        f"print(test_colab.colab_like_environment(__import__('pathlib').Path({str(tmp_path / 'inner')!r})))"
    )
    inner_python = (
        subprocess.check_output([outer_python, "-c", make_inner], text=True).strip().splitlines()[-1]
    )
    found = subprocess.run(
        [
            inner_python,
            "-c",
            "import ipykernel_launcher, tensorflow, importlib.util as u; print(u.find_spec('involution_tf'))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout, whose folder would be on the path
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.strip().splitlines()[-1] == "None"  # the package itself stays hidden
