#!/usr/bin/env bash
# The update-step benchmark: SaddleKit (release build, no extra flags), the C memory ceiling and
# optax, all in one run on this machine. Writes Benchmarks/Update/RESULTS.md.
# Usage: Benchmarks/Update/run.sh [n=10000000] [reps=20]   (needs gcc; optax is skipped when
# PYTHON does not import it — set PYTHON=/path/to/venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}; REPS=${2:-20}; PYTHON=${PYTHON:-python3}
out=Benchmarks/Update/RESULTS.md
swift build -c release --product saddle >/dev/null
mkdir -p .build/bench && gcc -O3 -march=native -fopenmp Benchmarks/Update/stream.c -o .build/bench/stream
{
  echo "# Update step — SaddleKit vs the memory ceiling vs optax (same run)"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, flags: $(lscpu | grep -o -E 'avx512f|avx2|fma' | sort -u | tr '\n' ' ')"
  echo "- SaddleKit: \`swift build -c release\` (no extra flags), \`saddle bench update --n $N --repeats $REPS\`"
  echo "- ceiling (C): \`gcc -O3 -march=native -fopenmp Benchmarks/Update/stream.c\`, in place, read 4 write 3 floats per element"
  echo
  .build/release/saddle bench update --n "$N" --repeats "$REPS"
  echo
  echo "## Peers measured in the same run"
  echo
  echo '```'
  for T in 1 2; do OMP_NUM_THREADS=$T .build/bench/stream "$N" 30; done
  if "$PYTHON" -c "import optax" 2>/dev/null; then
    echo "2 CPUs: $("$PYTHON" Benchmarks/Update/optax_peer.py "$N" 30)"
    echo "1 CPU:  $(taskset -c 0 "$PYTHON" Benchmarks/Update/optax_peer.py "$N" 30)"
  else
    echo "optax: not importable with $PYTHON (skipped)"
  fi
  echo '```'
} | tee "$out"
