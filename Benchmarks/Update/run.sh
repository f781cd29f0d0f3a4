#!/usr/bin/env bash
# The update-step benchmark: SaddleKit (`saddle bench update --json`, release build, no extra
# flags), the C memory ceiling (stream.c, gcc -O3 -march=native -fopenmp) and optax
# (optax_peer.py), interleaved in ROUNDS rounds on this machine. Writes Benchmarks/Update/RESULTS.md.
# Usage: Benchmarks/Update/run.sh [n=10000000] [swift repetitions per round=21] [rounds=3]
# PYTHON: a Python with optax (default /tmp/peers/.venv/bin/python if present, else python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}; REPS=${2:-21}; ROUNDS=${3:-3}
if [ -z "${PYTHON:-}" ]; then
  if [ -x /tmp/peers/.venv/bin/python ]; then PYTHON=/tmp/peers/.venv/bin/python; else PYTHON=python3; fi
fi
out=Benchmarks/Update/RESULTS.md
# Raw outputs stay in .build (not committed): `python3 Benchmarks/Update/summarize.py DIR` redoes
# RESULTS.md from them.
raw=.build/bench/update-$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$raw"

swift build -c release --product saddle >/dev/null
mkdir -p .build/bench
gcc -O3 -march=native -fopenmp Benchmarks/Update/stream.c -o .build/bench/stream
gcc -O2 -shared -fPIC Benchmarks/Update/alloc_count.c -o .build/bench/alloc_count.so
has_optax=0
"$PYTHON" -c "import optax" 2>/dev/null && has_optax=1

{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+uncommitted')"
  echo "model=$(lscpu | sed -n 's/^Model name: *//p')"
  echo "cpus=$(nproc)"
  echo "flags=$(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|avx512f|avx512bw|avx512vl|asimd|sve)$' | tr '\n' ' ')"
  echo "swift=$(swift --version 2>&1 | head -1)"
  echo "gcc=$(gcc --version | head -1)"
  echo "python=$PYTHON"
  echo "n=$N"; echo "reps=$REPS"; echo "rounds=$ROUNDS"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$raw/meta"

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  LD_PRELOAD="$PWD/.build/bench/alloc_count.so" \
    .build/release/saddle bench update --json --n "$N" --repeats "$REPS" > "$raw/swift-$round.json"
  for T in 1 2; do OMP_NUM_THREADS=$T .build/bench/stream "$N" 30 > "$raw/stream-$round-$T.txt"; done
  if [ "$has_optax" = 1 ]; then
    "$PYTHON" Benchmarks/Update/optax_peer.py "$N" 30 > "$raw/optax-$round-2.txt" 2>/dev/null
    taskset -c 0 "$PYTHON" Benchmarks/Update/optax_peer.py "$N" 30 > "$raw/optax-$round-1.txt" 2>/dev/null
  fi
done
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$raw/meta"

python3 Benchmarks/Update/summarize.py "$raw" | tee "$out"
