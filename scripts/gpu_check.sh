#!/usr/bin/env bash
# The course's GPU checks in one run of a few minutes, on a machine whose TensorFlow sees a GPU (a Colab
# GPU runtime, or any CUDA machine with the package installed): the op, layer and benchmark tests on the
# GPU (mixed float16, .keras and SavedModel round trips, MirroredStrategy included), the benchmark into
# results/benchmark_gpu.json (the site's results page shows it), the training-step comparison of every involution
# network against its convolution counterpart into results/train_steps_gpu.json, and every notebook in
# quick mode. Commit what it writes.
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import sys, tensorflow as tf; sys.exit(0 if tf.config.list_physical_devices('GPU') else 'no GPU visible to TensorFlow')"
python -m pytest -q -p no:nbval -o addopts="" tests/test_ops.py tests/test_layers.py tests/test_benchmark.py
python -m involution_tf benchmark --json results/benchmark_gpu.json
python -m involution_tf train-steps --json results/train_steps_gpu.json
python -m involution_tf reproduce --quick --output "reproduced/gpu-check-$(date +%Y%m%d-%H%M%S)"
