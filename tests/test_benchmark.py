"""The benchmark runs, reports ratios, and the README shows the figures of the committed record."""

import json
from pathlib import Path

import pytest
import tensorflow as tf

from involution_tf import benchmark, ops

ROOT = Path(__file__).resolve().parents[1]


def test_extract_patches_baseline_computes_the_same_involution():
    x = tf.random.stateless_normal([2, 9, 9, 8], seed=[1, 2])
    kernel = tf.random.stateless_normal([2, 9, 9, 2, 25], seed=[3, 4])
    got = benchmark.extract_patches_involution(x, kernel, 5)
    tf.debugging.assert_near(got, ops.involution(x, kernel, 5), atol=1e-4)


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
    assert "vs Conv2D" in printed and printed.count("| fwd+bwd |") == len(benchmark.QUICK_SHAPES)


def test_traffic_bytes_counts_inputs_and_outputs():
    forward, step = benchmark.traffic_bytes((1, 2, 2, 4, 3, 2), itemsize=1)
    x, kernel = 16, 72
    assert forward == 2 * x + kernel
    assert step == forward + 4 * x + 2 * kernel


def test_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        benchmark.main(["--quick", "--repeats", "0"])


def test_readme_shows_the_committed_benchmark_record():
    record = json.loads((ROOT / "results" / "benchmark.json").read_text())
    assert [row["shape"] for row in record["rows"]] == [list(s) for s in benchmark.DEFAULT_SHAPES]
    assert benchmark.format_report(record) in (ROOT / "README.md").read_text()


def test_peak_memory_is_reported_unknown_when_tensorflow_keeps_no_statistics(monkeypatch):
    def unavailable(device):
        raise ValueError(f"Cannot reset memory stats for device '{device}'")

    monkeypatch.setattr(tf.config.experimental, "reset_memory_stats", unavailable)
    assert benchmark._peak_bytes(lambda: tf.constant(1.0)) is None
    assert benchmark._mebibytes(None) == "n/a" and benchmark._mebibytes(3 * 2**20) == "3"
