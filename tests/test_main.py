"""`python -m involution_tf reproduce` runs every notebook in order into the output folder."""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import involution_tf.__main__ as cli


def write_notebook(path, body):
    cells = [
        new_code_cell("quick = False\nretrain = False\noutput_dir = None", metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ]
    nbformat.write(
        new_notebook(
            cells=cells,
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        ),
        path,
    )


def test_reproduce_executes_each_notebook_in_order_with_the_parameters(tmp_path, monkeypatch, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("02_b.ipynb", "01_a.ipynb"):
        log = f"Path(output_dir, 'ran.txt').open('a').write('{name} ' + str(quick) + str(retrain) + '\\n')"
        write_notebook(notebooks / name, f"from pathlib import Path\n{log}")
    committed = (notebooks / "01_a.ipynb").read_bytes()
    monkeypatch.setattr(cli, "NOTEBOOKS", notebooks)
    cli.main(["reproduce", "--quick", "--output", str(tmp_path / "out")])
    assert (tmp_path / "out" / "ran.txt").read_text() == "01_a.ipynb TrueFalse\n02_b.ipynb TrueFalse\n"
    assert (tmp_path / "out" / "01_a.ipynb").exists() and (tmp_path / "out" / "02_b.ipynb").exists()
    assert (notebooks / "01_a.ipynb").read_bytes() == committed
    assert "[2/2] 02_b.ipynb done" in capsys.readouterr().out


def test_reproduce_without_notebooks_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "NOTEBOOKS", tmp_path)
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        cli.reproduce(tmp_path / "out", quick=True)


def test_a_command_is_required():
    with pytest.raises(SystemExit):
        cli.main([])


def test_a_run_never_writes_into_a_folder_that_holds_files(tmp_path, monkeypatch, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "earlier.ipynb").write_text("an earlier run")
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--output", str(tmp_path / "out")])
    assert "already holds files" in capsys.readouterr().err
    assert (tmp_path / "out" / "earlier.ipynb").read_text() == "an earlier run"


def test_the_default_run_reads_the_records_in_a_new_folder_and_retraining_is_explicit(tmp_path, monkeypatch):
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        cli,
        "reproduce",
        lambda output, quick, retrain, notebooks: calls.append((output, quick, retrain)) or [],
    )
    cli.main(["reproduce"])
    cli.main(["reproduce", "--retrain"])
    (default, quick, retrain), (again, _, retrained) = calls
    assert (
        default.parent == Path("reproduced")
        and default.name.startswith("full-")
        and not quick
        and not retrain
    )
    assert again.name.startswith("retrain-") and retrained
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--quick", "--retrain"])


def test_retraining_checks_the_datasets_before_any_work(tmp_path, monkeypatch):
    from involution_tf import data

    monkeypatch.setenv("INVOLUTION_TF_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "download_reachable", lambda names: False)
    assert data.missing_datasets() == ["mnist", "fashion_mnist", "cifar10"]
    with pytest.raises(SystemExit, match=r"Place mnist.npz, fashion_mnist.npz, cifar10.npz in .*cache"):
        cli.reproduce(tmp_path / "out", quick=False, retrain=True)
    assert not (tmp_path / "out").exists()  # nothing ran
    monkeypatch.setattr(data, "download_reachable", lambda names: True)
    cli.check_datasets()  # downloadable: it goes on


def test_a_notebook_gets_only_the_parameters_it_declares_and_the_run_prints_no_warning(
    tmp_path, monkeypatch, capfd
):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    cells = [new_code_cell("quick = False", metadata={"tags": ["parameters"]}), new_code_cell("print('ran')")]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(new_notebook(cells=cells, metadata=kernel), notebooks / "01_only_quick.ipynb")
    monkeypatch.setattr(cli, "NOTEBOOKS", notebooks)
    cli.main(["reproduce", "--quick", "--output", str(tmp_path / "out")])
    printed = "".join(capfd.readouterr())
    assert "ran" in printed  # the notebook's output, as it runs
    assert "unknown parameter" not in printed and "without encryption" not in printed, printed


def test_every_command_is_a_subcommand_of_the_one_entry(capsys, monkeypatch):
    import importlib

    for name, (module, _) in cli.COMMANDS.items():
        assert callable(importlib.import_module(f"involution_tf.{module}").main), name
    called = []
    monkeypatch.setattr(importlib.import_module("involution_tf.runs"), "main", called.append)
    cli.main(["runs", "status"])
    assert called == [["status"]]
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--no-such-option"])


@pytest.mark.parametrize("name", cli.COMMANDS)
def test_each_commands_help_names_it_as_it_is_typed(name, capsys):
    with pytest.raises(SystemExit):
        cli.main([name, "--help"])
    assert capsys.readouterr().out.startswith(f"usage: python -m involution_tf {name} ")


def test_through_the_console_script_the_usage_lines_name_it(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["/venv/bin/involution-course", "runs", "--help"])
    with pytest.raises(SystemExit):
        cli.main()
    assert capsys.readouterr().out.startswith("usage: involution-course runs ")
    monkeypatch.setattr("sys.argv", ["/course/involution_tf/__main__.py", "--help"])
    with pytest.raises(SystemExit):
        cli.main()
    assert capsys.readouterr().out.startswith("usage: python -m involution_tf ")
