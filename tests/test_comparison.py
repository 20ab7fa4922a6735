"""The comparison tables come from the records, and the README shows the committed records' table."""

from dataclasses import asdict
from pathlib import Path

import pytest

from involution_tf import comparison, models, records, train_steps, training

ROOT = Path(__file__).resolve().parents[1]
FULL_TRAIN_IMAGES = {"mnist": 60_000, "fashion_mnist": 60_000, "cifar10": 50_000}


def record(dataset, model, accuracy, params, seconds, epochs=2):
    return dict(
        dataset=dataset,
        model=model,
        test_accuracy=accuracy,
        params=params,
        epochs=epochs,
        seconds_per_epoch=seconds,
        total_seconds=seconds * epochs,
        device="CPU: test",
    )


RUNS = [
    record("mnist", "conv_baseline", 0.99, 34_826, 40.0),
    record("mnist", "involution_swap", 0.50, 546, 10.0),
    record("mnist", "rednet", 0.995, 9_905, 30.0),
    record("mnist", "rednet_conv_control", 0.994, 19_930, 20.0),
    record("cifar10", "conv_baseline", 0.70, 319_178, 50.0),
    record("cifar10", "rednet", 0.75, 200_000, 50.0, epochs=30),
]


def test_speed_ratios_divide_each_involution_network_by_its_convolution_counterpart():
    assert comparison.speed_ratios(RUNS) == {("mnist", "involution_swap"): 0.25, ("mnist", "rednet"): 1.5}


def test_results_table_has_a_row_per_record_and_the_seed_beside_ours():
    table = comparison.results_table(RUNS)
    rows = [line for line in table.splitlines() if line.startswith("| MNIST") or line.startswith("| CIFAR")]
    assert len(rows) == len(RUNS)
    assert all(row.count("|") == table.splitlines()[0].count("|") for row in rows)
    swap = next(row for row in rows if "involution_swap" in row)
    assert "50.00%" in swap and "0.25x" in swap and "88.82%" in swap and "544" in swap
    assert "Device: CPU: test." in table


def test_latest_record_wins():
    newer = record("mnist", "rednet", 0.10, 9_905, 30.0)
    assert comparison.latest([*RUNS, newer])["mnist", "rednet"] is newer


def test_targets_report_says_met_and_missed_from_the_figures():
    report = comparison.targets_report(RUNS).splitlines()
    assert report[0].startswith("MNIST: accuracy 99.50% (target 99.30%): met")
    assert report[0].count("MISSED") == 0
    assert "Fashion-MNIST: no rednet" in report[1]
    assert "accuracy 75.00% (target 80.00%): MISSED" in report[2]
    assert "parameters 0.627 of the baseline (target <= 1/3): MISSED" in report[2]
    assert "training 25.0 min (target <= 15 min): MISSED" in report[2]


def _step_row(dataset, model, *seconds):
    """A train_steps row: the step times in the order of ``train_steps._KEYS``."""
    return dict(dataset=dataset, model=model, **dict(zip(train_steps._KEYS, seconds, strict=True)))


def test_targets_report_checks_the_interleaved_step_ratio_when_given():
    steps = dict(
        rows=[
            _step_row("mnist", "rednet", 0.09, 0.1, 0.12, 0.11),  # faster as fit runs both, and at best
            _step_row("mnist", "involution_swap", 0.5, 0.1, 0.5, 0.1),
            _step_row("cifar10", "rednet", 0.3, 0.2, 0.4, 0.25),
        ]
    )
    report = comparison.targets_report(RUNS, steps).splitlines()
    tail = "at each one's faster setting (target <= 1x)"
    assert report[0].endswith(f"training step 0.90x the conv control's as fit runs them, 0.90x {tail}: met")
    assert report[2].endswith(
        f"training step 1.50x the conv control's as fit runs them, 1.50x {tail}: MISSED"
    )
    assert "training step" not in comparison.targets_report(RUNS)


def test_step_target_is_missed_when_the_control_is_faster_under_xla():
    steps = dict(rows=[_step_row("mnist", "rednet", 0.09, 0.1, 0.2, 0.05)])
    report = comparison.targets_report(RUNS, steps).splitlines()
    assert report[0].endswith(
        "0.90x the conv control's as fit runs them, 1.80x at each one's faster setting (target <= 1x): MISSED"
    )


def test_committed_records_are_complete_full_runs():
    runs = records.load_records(records.DEFAULT_RESULTS)
    assert runs, "results/comparison.json holds no records"
    for run in runs:
        assert run["train_images"] == FULL_TRAIN_IMAGES[run["dataset"]], (run["dataset"], run["model"])
        assert len(run["epoch_seconds"]) == run["epochs"] == len(run["history"]["val_accuracy"])
        assert run["test_accuracy"] == run["history"]["val_accuracy"][-1]


def test_committed_records_were_trained_with_the_current_recipes_and_networks():
    for run in records.load_records(records.DEFAULT_RESULTS):
        name = (run["dataset"], run["model"])
        assert run["recipe"] == asdict(training.recipe_for(run["model"], run["dataset"])), name
        assert run["params"] == models.build_model(run["model"], run["dataset"]).count_params(), name


def test_readme_shows_the_table_of_the_committed_records():
    table = comparison.results_table(records.load_records(records.DEFAULT_RESULTS))
    assert f"<!-- results:start -->\n{table}\n<!-- results:end -->" in (ROOT / "README.md").read_text()


def test_replace_section_needs_its_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here")
    with pytest.raises(ValueError, match="results:start"):
        records.replace_section(readme, "results", "table")
