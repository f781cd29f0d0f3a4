#!/usr/bin/env bash
# The escape benchmark (issue 4): every method at every saddle, and Du et al.'s octopus.
# Usage: Benchmarks/Escape/run.sh [seeds=10]   -> Benchmarks/Escape/RESULTS.md, saddles.csv, octopus.csv
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${1:-10}
swift build -c release --product saddle >/dev/null
dir=Benchmarks/Escape
{
  echo "# Escape benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
  echo "- build: \`swift build -c release\` (no extra flags)"
  echo "- cost unit: gradient 1, loss-only evaluation 1, exact Hessian-vector product 2; every"
  echo "  evaluation of every stage and estimator counted; columns grads/losses/HVPs are medians"
  echo "- each method's best setting from its grid (\`saddle escape --help\`); runs that did not"
  echo "  finish count as the budget (shown as ≥budget)"
  echo
  echo "## Saddles: evaluations to escape (f < f_saddle − δ), start = saddle + 1e-8, $SEEDS seeds"
  echo
  echo "Command: \`saddle escape --seeds $SEEDS --csv $dir/saddles.csv\`"
  echo
  .build/release/saddle escape --seeds "$SEEDS" --csv "$dir/saddles.csv"
  echo
  echo "## Octopus (Du et al. 2017, L = e, γ = 1, τ = e): evaluations to reach the global minimum"
  echo "(f < −dν + 1), start uniform in [−1, 1]^d, $SEEDS seeds, budget 20000"
  echo
  echo "Command: \`saddle escape --octopus --seeds $SEEDS --budget 20000 --csv $dir/octopus.csv\`"
  echo
  .build/release/saddle escape --octopus --seeds "$SEEDS" --budget 20000 --csv "$dir/octopus.csv"
} > "$dir/RESULTS.md"
echo "wrote $dir/RESULTS.md"
