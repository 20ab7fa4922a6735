"""The interleaved training-step benchmark times each involution network against its counterpart."""

import json
from pathlib import Path

import pytest
import tensorflow as tf

from involution_tf import ops, records, site, train_steps, training
from involution_tf.comparison import step_ratios
from involution_tf.layers import Involution
from involution_tf.models import COUNTERPARTS, INPUT_SHAPES

ROOT = Path(__file__).resolve().parents[1]


def test_every_pair_and_every_network_of_the_frontier_is_timed():
    assert set(COUNTERPARTS.items()) < set(train_steps.PAIRS)  # the RedNet's other controls too
    assert (
        len(train_steps.PAIRS) == 4 and len(train_steps.SWEEP) == 10 and ("rednet", 2.0) in train_steps.SWEEP
    )


@pytest.mark.slow
def test_quick_run_times_the_pairs_and_reports_the_ratio(tmp_path, capsys, monkeypatch):
    """One pair and two networks of the sweep (notebook 05's quick mode times them all)."""
    monkeypatch.setattr(train_steps, "PAIRS", (("rednet", "rednet_conv_control"),))
    monkeypatch.setattr(train_steps, "SWEEP", (("rednet", 2.0), ("conv_matched_params", 1.0)))
    out = tmp_path / "steps.json"
    train_steps.main(["--quick", "--json", str(out)])
    record = json.loads(out.read_text())
    assert record["repeats"] == 2
    assert [(row["model"], row["counterpart"]) for row in record["rows"]] == list(train_steps.PAIRS)
    for row in record["rows"]:
        assert row["dataset"] == "mnist" and row["batch_size"] == train_steps.QUICK_BATCH_SIZE
        assert min(row[key] for key in train_steps._KEYS) > 0
    printed = capsys.readouterr().out
    rednet = record["rows"][0]
    ratios = (
        rednet["seconds"] / rednet["counterpart_seconds"],
        rednet["xla_seconds"] / rednet["xla_counterpart_seconds"],
        step_ratios(rednet)[2],
        rednet["zero_op_seconds"] / rednet["counterpart_seconds"],
        step_ratios(rednet)[4],
    )
    assert "| MNIST | rednet |" in printed
    low, high = rednet["ratio_quartiles"]
    assert 0 < low <= high
    cells = [f"{ratios[0]:.2f}x ({low:.2f}-{high:.2f})", *(f"{ratio:.2f}x" for ratio in ratios[1:])]
    assert f"| MNIST | rednet | rednet_conv_control | {' | '.join(cells)} |" in printed
    ms = {key: f"{1e3 * rednet[key]:.1f}" for key in train_steps._KEYS}
    times = (
        f"| {ms['seconds']} / {ms['counterpart_seconds']} "
        f"| {ms['xla_seconds']} / {ms['xla_counterpart_seconds']} "
        f"| {ms['zero_op_seconds']} / {ms['xla_zero_op_seconds']} |"
    )
    assert f"| MNIST | rednet | rednet_conv_control | {train_steps.QUICK_BATCH_SIZE} {times}" in printed
    assert [(row["model"], row["width"]) for row in record["sweep"]] == list(train_steps.SWEEP)
    wide = record["sweep"][0]
    assert wide["seconds"] > 0 and wide["quartiles"][0] <= wide["seconds"] <= wide["quartiles"][1]
    assert f"| MNIST | rednet | 2 | 8 | {1e3 * wide['seconds']:.1f} |" in printed


def test_the_sweep_builds_each_network_at_its_width_in_the_same_rounds(monkeypatch):
    built, times = [], iter(range(1, 1000))
    monkeypatch.setattr(
        train_steps, "_step", lambda model, *args, width, **kwargs: built.append((model, width))
    )
    monkeypatch.setattr(train_steps, "time_once", lambda step: next(times))
    rows = train_steps.time_sweep("cifar10", repeats=3)
    assert built == list(train_steps.SWEEP)
    # 10 networks, two warm-up steps each (1-20), then three rounds: network n takes 20 + n, 30 + n, 40 + n
    assert [row["seconds"] for row in rows] == [31 + n for n in range(10)]
    assert rows[0]["batch_size"] == training.recipe_for("rednet", "cifar10").batch_size


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
        ("involution_swap", False),  # with the zero-cost op
        ("involution_swap", True),
    ]
    assert list(times) == [*train_steps._KEYS, "ratio_quartiles"]


def test_the_ratio_s_spread_is_taken_round_by_round(monkeypatch):
    """Rounds where the involution network takes 1, 2, 3, 4 s and its counterpart 1 s: ratios 1 to 4."""
    warm_up = [1.0] * 12  # six steps, each run twice before the timings
    rounds = [t for seconds in (1.0, 2.0, 3.0, 4.0) for t in (seconds, 1.0, 1.0, 1.0, 1.0, 1.0)]
    times = iter(warm_up + rounds)
    monkeypatch.setattr(train_steps, "_step", lambda *args, **kwargs: None)
    monkeypatch.setattr(train_steps, "time_once", lambda step: next(times))
    measured = train_steps.time_pair("mnist", "rednet", repeats=4)
    assert measured["seconds"] == 2.5 and measured["counterpart_seconds"] == 1.0
    assert measured["ratio_quartiles"] == [1.75, 3.25]


@pytest.mark.parametrize("strides, size", [(1, 6), (2, 7)])
def test_zero_cost_op_has_the_shapes_of_the_involution_and_trains_the_kernel(strides, size):
    x = tf.random.normal([2, size, size, 8])
    out = ops.output_size(size, strides)
    kernel = tf.random.normal([2, out, out, 4, 9])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, kernel])
        y = train_steps.zero_cost_involution(x, kernel, 3, strides)
        loss = tf.reduce_sum(y**2)
    assert y.shape == ops.involution(x, kernel, 3, strides).shape
    assert tf.reduce_any(tape.gradient(loss, x) != 0) and tf.reduce_any(tape.gradient(loss, kernel) != 0)


def _refuse_involution(*args, **kwargs):
    raise AssertionError("the involution op was traced into the step")


def test_the_zero_op_step_applies_the_stand_in_through_the_layer_s_override_point(monkeypatch):
    zero_op = train_steps._step("rednet", "mnist", 2, xla=False, zero_op=True)
    real = train_steps._step("rednet", "mnist", 2, xla=False)
    monkeypatch.setattr(ops, "involution", _refuse_involution)
    zero_op()  # the step calls no involution op
    with pytest.raises(AssertionError, match="traced into the step"):
        real()  # while the real step does
    assert Involution(3).op is None and "op" not in Involution(3).get_config()


def test_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        train_steps.main(["--quick", "--repeats", "0"])


@pytest.mark.committed_results
def test_the_results_page_shows_the_committed_record_of_every_pair_on_every_dataset():
    record = json.loads(records.DEFAULT_TRAIN_STEPS.read_text())
    pairs = [(row["dataset"], row["model"], row["counterpart"]) for row in record["rows"]]
    assert pairs == [(dataset, *pair) for dataset in INPUT_SHAPES for pair in train_steps.PAIRS]
    assert train_steps.format_report(record) in site.results_page()


@pytest.mark.committed_results
def test_a_gpu_measurement_has_a_place_of_its_own_on_the_results_page():
    section = site.results_page().split("## On a GPU")[1].split("## ")[0]
    path = ROOT / "results" / "train_steps_gpu.json"
    if path.exists():
        assert train_steps.format_report(json.loads(path.read_text())) in section
    else:
        assert "No GPU measurement yet (`train_steps_gpu.json`;" in section
