"""The benchmark runs, reports ratios, and the README shows the figures of the committed record."""

import json
import os
import tracemalloc
from pathlib import Path

import pytest
import tensorflow as tf

from involution_tf import benchmark, ops, records, site

ROOT = Path(__file__).resolve().parents[1]


def test_extract_patches_baseline_computes_the_same_involution():
    x = tf.random.stateless_normal([2, 9, 9, 8], seed=[1, 2])
    kernel = tf.random.stateless_normal([2, 9, 9, 2, 25], seed=[3, 4])
    got = benchmark.extract_patches_involution(x, kernel, 5)
    tf.debugging.assert_near(got, ops.involution(x, kernel, 5), atol=1e-4)


@pytest.mark.slow
def test_quick_benchmark_reports_every_contender(tmp_path, capsys):
    out = tmp_path / "bench.json"
    benchmark.main(["--quick", "--repeats", "1", "--json", str(out)])
    record = json.loads(out.read_text())
    assert [row["shape"] for row in record["rows"]] == [list(s) for s in benchmark.QUICK_SHAPES]
    for row in record["rows"]:
        assert set(row["timings"]) == set(benchmark.CONTENDERS)
        assert all(t["forward"] > 0 and t["forward_backward"] > 0 for t in row["timings"].values())
        assert all(t["peak_bytes"] > 0 for t in row["timings"].values())  # conftest chose the BFC allocator
        assert row["copy_bandwidth_gb_s"] > 0 and 0 < row["bound_forward"] < row["bound_forward_backward"]
    printed = capsys.readouterr().out
    assert "layer vs Conv2D" in printed and printed.count("| fwd+bwd |") == len(benchmark.QUICK_SHAPES)
    assert record["memory_device"] == records.memory_device()  # the GPU's allocator where there is one


def test_the_whole_layer_is_timed_beside_the_op():
    assert {"involution_tf", "Involution", "Conv2D", "DepthwiseConv2D"} <= set(benchmark.CONTENDERS)
    x = tf.random.normal([2, 8, 8, 16])
    kernel = tf.random.normal([2, 8, 8, 4, 9])
    forward, forward_backward = benchmark._steps("Involution", x, kernel, 3)
    assert forward().shape == x.shape
    # the gradients reach the input and every trainable weight of the layer, kernel generation included:
    # the reduction's kernel, BatchNorm's gamma and beta, the span's kernel and bias
    gradients = forward_backward()
    assert len(gradients) == 1 + 5 and all(g is not None for g in gradients)


def test_the_copy_yardstick_writes_into_a_preallocated_array_with_every_core(monkeypatch):
    workers = []
    real_pool = benchmark.ThreadPoolExecutor
    monkeypatch.setattr(benchmark, "ThreadPoolExecutor", lambda n: workers.append(n) or real_pool(n))
    with benchmark.copy_step(megabytes=16) as (copy, moved):
        copy()
        tracemalloc.start()
        copy()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert moved == 2 * 16 * 2**20  # read + write
    assert peak < 2**20  # no fresh 16 MiB output: NumPy's allocations are traced
    assert workers == [len(os.sched_getaffinity(0))]


def test_on_a_gpu_memory_is_the_gpus(monkeypatch):
    monkeypatch.setattr(
        tf.config, "list_logical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else []
    )
    assert records.memory_device() == "GPU:0"


def test_timings_synchronise_the_device_and_read_nothing_back(monkeypatch):
    synced = []
    monkeypatch.setattr(tf.test.experimental, "sync_devices", lambda: synced.append(1))
    eager = type(tf.constant(1.0))
    for method in ("numpy", "__array__"):
        monkeypatch.setattr(
            eager, method, lambda *a, **k: pytest.fail("a timing copied a tensor to the host")
        )
    assert benchmark.time_once(lambda: tf.ones([4]) * 2) > 0
    assert len(synced) == 2


def test_traffic_bytes_counts_inputs_and_outputs():
    forward, step = benchmark.traffic_bytes((1, 2, 2, 4, 3, 2), itemsize=1)
    x, kernel = 16, 72
    assert forward == 2 * x + kernel
    assert step == forward + 4 * x + 2 * kernel


def test_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        benchmark.main(["--quick", "--repeats", "0"])


@pytest.mark.committed_results
def test_the_results_page_shows_the_committed_benchmark_record():
    record = json.loads((ROOT / "results" / "benchmark.json").read_text())
    assert [row["shape"] for row in record["rows"]] == [list(s) for s in benchmark.DEFAULT_SHAPES]
    assert benchmark.format_report(record) in site.results_page()


def test_peak_memory_is_reported_unknown_when_tensorflow_keeps_no_statistics(monkeypatch):
    def unavailable(device):
        raise ValueError(f"Cannot reset memory stats for device '{device}'")

    monkeypatch.setattr(tf.config.experimental, "reset_memory_stats", unavailable)
    assert benchmark._peak_bytes(lambda: tf.constant(1.0)) is None
    assert benchmark._mebibytes(None) == "n/a" and benchmark._mebibytes(3 * 2**20) == "3"


@pytest.mark.committed_results
def test_the_results_page_shows_the_gpu_record_or_says_it_is_not_measured():
    section = site.results_page().split("## On a GPU")[1].split("## ")[0]
    path = ROOT / "results" / "benchmark_gpu.json"
    if path.exists():
        record = json.loads(path.read_text())
        assert record["memory_device"].startswith("GPU") and benchmark.format_report(record) in section
    else:
        assert "No GPU measurement yet (`benchmark_gpu.json`;" in section


def test_an_unknown_contender_is_refused_not_replaced():
    with pytest.raises(ValueError, match="`name` must be one of .* got 'Attention'"):
        benchmark._steps("Attention", tf.zeros([1, 8, 8, 8]), tf.zeros([1, 8, 8, 2, 9]), 3)
