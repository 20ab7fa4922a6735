"""The repository's promises: one dependency list, the README's two commands, CI running the tests."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pyproject():
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def conda_dependencies() -> set[str]:
    """The dependency strings of environment.yml, conda's and pip's (flat lists; no YAML library needed),
    less pip itself and the editable install of the project."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("dependencies:")
    return {
        line.strip()[2:]
        for line in lines[start + 1 :]
        if re.match(r"^ +- [^ ]", line) and line.strip() not in ("- pip", "- pip:", "- --editable .")
    }


def all_requirements(project: dict) -> set[str]:
    """The runtime dependencies and every extra's, less the extras' references to the project itself."""
    extras = set().union(*project["optional-dependencies"].values())
    return (set(project["dependencies"]) | extras) - {r for r in extras if r.startswith(project["name"])}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = pyproject()["project"]
    wanted = all_requirements(project) | {f"python{project['requires-python']}"}
    assert conda_dependencies() == wanted


def test_dependencies_are_lower_bounds_only():
    project = pyproject()["project"]
    for requirement in all_requirements(project):
        assert re.fullmatch(r"[a-z0-9_-]+>=[\d.]+", requirement), requirement
    assert "tensorflow>=2.16" in project["dependencies"]


def test_installing_the_package_leaves_a_jupyter_stack_alone():
    """Colab installs the package into its own Jupyter: the runtime needs only what `import involution_tf.*`
    imports; the notebook and test tools are extras, and the test extra includes the notebook one."""
    project = pyproject()["project"]
    assert {re.split(">=", r)[0] for r in project["dependencies"]} == {
        "tensorflow",
        "keras",
        "numpy",
        "matplotlib",
    }
    extras = project["optional-dependencies"]
    assert {"jupyterlab>=4.0", "ipykernel>=6.0", "papermill>=2.4"} <= set(extras["notebooks"])
    assert f"{project['name']}[notebooks,site]" in extras["test"]


def readme_commands() -> list[str]:
    """The README's two commands are its bash blocks (its other shell lines are ```shell blocks)."""
    return re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2, commands
    main_job, tests = commands
    assert main_job == 'pip install -e ".[notebooks]" && python -m involution_tf reproduce'
    assert "pip install" in tests and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()
    assert sum("pytest" in line for line in ci.splitlines()) == 1


def test_zero_collected_tests_fail_the_run(tmp_path):
    """pytest's exit code 5 (no tests) must not pass for success, nor for an excuse to CI."""
    import subprocess
    import sys

    (tmp_path / "tests").mkdir()
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout


def test_the_gpu_check_script_is_valid_and_runs_only_what_exists():
    import importlib.util
    import subprocess

    script = ROOT / "scripts" / "gpu_check.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    modules = re.findall(r"python -m ([\w.]+)", script.read_text())
    assert {"pytest", "involution_tf"} <= set(modules)
    assert all(importlib.util.find_spec(m) is not None for m in modules)
    from involution_tf.__main__ import COMMANDS

    commands = re.findall(r"python -m involution_tf ([\w-]+)", script.read_text())
    assert {"benchmark", "train-steps", "reproduce"} <= set(commands) <= {*COMMANDS, "reproduce"}
    tests = re.findall(r"tests/\w+\.py", script.read_text())
    assert tests and all((ROOT / t).exists() for t in tests)


INSTALLED_USE = """
import json, pathlib, sys, tempfile
import involution_tf
import keras
from involution_tf import data, models, training
assert involution_tf.__file__.startswith(sys.prefix), involution_tf.__file__  # installed, not the checkout
from involution_tf import records, site
# the records and the site default to the current folder, never to site-packages
assert records.DEFAULT_RUNS == pathlib.Path.cwd() / "results" / "runs.json", records.DEFAULT_RUNS
assert site.DEFAULT_OUTPUT == pathlib.Path.cwd() / "build" / "site", site.DEFAULT_OUTPUT
(x, y), (x_test, y_test) = data.load_sample("mnist")
arrays = (x[:256], y[:256]), (x_test[:64], y_test[:64])
record = training.train_and_evaluate(
    "rednet", "mnist", arrays, training.quick_recipe("rednet", "mnist"), verbose=0
)
model = models.build_model("rednet", "mnist", 0.5)
path = pathlib.Path(tempfile.mkdtemp()) / "model.keras"
model.save(path)
print(json.dumps(dict(test_images=record["test_images"], saved=str(path))))
"""


@pytest.mark.slow
def test_a_plain_install_from_a_clone_works_from_another_folder(tmp_path):
    """`pip install .` (not editable) into a fresh environment that has the dependencies: the package, its
    samples (package data), building and training a model, and loading a saved model in a new process."""
    import json
    import subprocess
    import sys
    import sysconfig
    import venv

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    )
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    # The dependencies from this interpreter's site-packages, without its editable install of the course.
    Path(purelib.decode().strip(), "dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    subprocess.run([*install, "--no-build-isolation", str(ROOT)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    used = subprocess.run([python, "-c", INSTALLED_USE], capture_output=True, text=True, cwd=elsewhere)
    assert used.returncode == 0, used.stderr[-3000:]
    result = json.loads(used.stdout.strip().splitlines()[-1])
    assert result["test_images"] == 64
    load = "import involution_tf, keras, sys; print(keras.models.load_model(sys.argv[1]).name)"
    loaded = subprocess.run(
        [python, "-c", load, result["saved"]], capture_output=True, text=True, cwd=elsewhere
    )
    assert loaded.returncode == 0 and loaded.stdout.strip().endswith("rednet_w0.5_mnist"), loaded.stderr[
        -2000:
    ]
