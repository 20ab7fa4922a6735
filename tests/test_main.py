"""`python -m involution_tf reproduce` runs every notebook in order into the output folder."""

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
        log = f"Path(output_dir, 'ran.txt').open('a').write('{name} ' + str(quick) + '\\n')"
        write_notebook(notebooks / name, f"from pathlib import Path\n{log}")
    committed = (notebooks / "01_a.ipynb").read_bytes()
    monkeypatch.setattr(cli, "NOTEBOOKS", notebooks)
    cli.main(["reproduce", "--quick", "--output", str(tmp_path / "out")])
    assert (tmp_path / "out" / "ran.txt").read_text() == "01_a.ipynb True\n02_b.ipynb True\n"
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
