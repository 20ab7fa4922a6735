"""The interleaved training-step benchmark times each involution network against its counterpart."""

import json
from pathlib import Path

import pytest

from involution_tf import records, train_steps, training
from involution_tf.comparison import COUNTERPARTS, step_ratios
from involution_tf.models import INPUT_SHAPES

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_times_every_pair_and_reports_the_ratio(tmp_path, capsys):
    out = tmp_path / "steps.json"
    train_steps.main(["--quick", "--json", str(out)])
    record = json.loads(out.read_text())
    assert record["repeats"] == 2
    assert [(row["model"], row["counterpart"]) for row in record["rows"]] == list(COUNTERPARTS.items())
    for row in record["rows"]:
        assert row["dataset"] == "mnist" and row["batch_size"] == train_steps.QUICK_BATCH_SIZE
        assert min(row[key] for key in train_steps._KEYS) > 0
    printed = capsys.readouterr().out
    rednet = record["rows"][1]
    ratios = (
        rednet["seconds"] / rednet["counterpart_seconds"],
        rednet["xla_seconds"] / rednet["xla_counterpart_seconds"],
        step_ratios(rednet)[2],
    )
    assert "| MNIST | rednet |" in printed and "| {:.2f}x | {:.2f}x | {:.2f}x |".format(*ratios) in printed


def test_each_network_is_timed_as_fit_runs_it_and_with_xla(monkeypatch):
    compiled = []
    build = training.compiled_model

    def spy(model, *args, jit_compile="auto", **kwargs):
        compiled.append((model, jit_compile))
        return build(model, *args, jit_compile=jit_compile, **kwargs)

    monkeypatch.setattr(training, "compiled_model", spy)
    times = train_steps.time_pair("mnist", "involution_swap", repeats=1, batch_size=2)
    assert compiled == [
        ("involution_swap", False),
        ("conv_baseline", False),
        ("involution_swap", True),
        ("conv_baseline", True),
    ]
    assert list(times) == list(train_steps._KEYS)


def test_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        train_steps.main(["--quick", "--repeats", "0"])


def test_readme_shows_the_committed_record_of_every_pair_on_every_dataset():
    record = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
    pairs = [(row["dataset"], row["model"]) for row in record["rows"]]
    assert pairs == [(dataset, model) for dataset in INPUT_SHAPES for model in COUNTERPARTS]
    report = train_steps.format_report(record)
    assert (
        f"<!-- train_steps:start -->\n{report}\n<!-- train_steps:end -->" in (ROOT / "README.md").read_text()
    )
