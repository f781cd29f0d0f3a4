#!/usr/bin/env bash
# Interleaved timing of the SaddleTensor reference Transformer gradient and its JAX peer, so the
# ratio is measured under the same machine load. Usage (from the package root):
#   Benchmarks/Transformer/run.sh [rounds] [iterations]
# Needs the JAX venv at /tmp/peers/.venv (or PYTHON=...).
set -euo pipefail
ROUNDS=${1:-3}
ITERATIONS=${2:-200}
PYTHON=${PYTHON:-/tmp/peers/.venv/bin/python}
SCRATCH=${SCRATCH:-.build-tensor}
swift build --scratch-path "$SCRATCH" -c release --build-tests -Xswiftc -enable-testing >/dev/null
BIN="$SCRATCH/release/SaddleKitPackageTests.xctest"
for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  SADDLE_BENCH=1 SADDLE_BENCH_PATH="${SADDLE_BENCH_PATH:-avx512}" \
    SADDLE_BENCH_ITERATIONS="$ITERATIONS" \
    "$BIN" --testing-library swift-testing --filter "TransformerBenchmarkTests/timing" 2>&1 |
    grep '^BENCH'
  echo "JAX 2 CPUs: $("$PYTHON" Benchmarks/Transformer/jax_peer.py --reps "$ITERATIONS" 2>/dev/null)"
  echo "JAX 1 CPU:  $(taskset -c 0 "$PYTHON" Benchmarks/Transformer/jax_peer.py --reps "$ITERATIONS" 2>/dev/null)"
done
