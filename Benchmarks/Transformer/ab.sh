#!/bin/bash
# Interleaved A/B of two `saddle` builds on one Transformer size, Swift timings only (no JAX):
#   Benchmarks/Transformer/ab.sh OLD_SADDLE NEW_SADDLE CONFIG THREADS REPEATS ROUNDS
# e.g. build the baseline with `git worktree add /tmp/tf-old <commit>` (or `git archive`) and
# `swift build -c release --product saddle` there, then
#   Benchmarks/Transformer/ab.sh /tmp/tf-old/.build/release/saddle .build/release/saddle \
#     reference 1 300 3
# Prints the load average before and after, and one line per build and round (median of
# REPEATS gradient calls, dimer probe, loss).
set -euo pipefail
old=$1 new=$2 config=${3:-reference} threads=${4:-1} repeats=${5:-100} rounds=${6:-2}
uptime
for _ in $(seq "$rounds"); do
  for build in old new; do
    binary=$old
    [ "$build" = new ] && binary=$new
    "$binary" bench transformer --config "$config" --threads "$threads" --repeats "$repeats" \
      --python /bin/true 2>&1 | grep '^| [0-9]* |' |
      awk -F'|' -v b="$build" -v c="$config" \
        '{printf "%s %s threads %s gradient %s ms, dimer probe %s ms, loss %s\n", b, c, $2, $4, $6, $7}'
  done
done
uptime
