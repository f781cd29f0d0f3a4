#!/usr/bin/env bash
# End-to-end test of `saddle study slurm` on a real one-node Slurm cluster on localhost.
#
#   bash scripts/slurm-e2e.sh            (as root; installs Debian's slurm and munge if missing)
#
# 1. Starts munged, slurmctld and slurmd (no systemd) from a slurm.conf in a temporary
#    directory, ports 26817/26818 on 127.0.0.1, and remembers their PIDs.
# 2. Builds the release `saddle`, runs Studies/slurm-e2e.json unsharded as the reference.
# 3. `saddle study slurm … --shards 4 --submit`: the array and the dependent merge job; waits;
#    compares report.md and report.csv byte-for-byte with the reference.
# 4. Submits again held, cancels task 2, releases: the merge job can never run; resubmits with
#    the line `saddle study status` prints; compares again.
# 5. A study with tuningSeeds (Studies/slurm-e2e-tuning.json): the tuning array, the dependent
#    reporting array and the merge; compares report.md, report.csv and tuning.csv with an
#    unsharded run.
# 6. Stops the daemons it started, by PID.
# SADDLE_BIN=path uses that saddle instead of building a release one.
# Exit 0 only if every comparison holds. CI does not run this (it needs root and minutes).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/saddle-slurm-e2e.XXXXXX)"
NODE="$(hostname -s)"
PIDS=()

log() { printf '[slurm-e2e] %s\n' "$*"; }

stop_daemons() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  ((${#PIDS[@]})) && log "stopped daemons (PIDs ${PIDS[*]})"
  return 0
}
trap stop_daemons EXIT

# --- 1. Slurm and munge ------------------------------------------------------------------------
if [[ ! -x /usr/sbin/slurmctld || ! -x /usr/sbin/slurmd || ! -x /usr/sbin/munged ]] \
  || ! command -v sbatch >/dev/null; then
  log "installing slurm and munge from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge
fi
log "$(/usr/sbin/slurmctld -V) on node $NODE, work directory $WORK"

mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool"
chmod 700 "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
/usr/sbin/munged --foreground --force --key-file="$WORK/munge/munge.key" \
  --socket="$WORK/munge/munge.socket" --pid-file="$WORK/munge/munged.pid" \
  --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" \
  >"$WORK/munged.out" 2>&1 &
PIDS+=($!)

cat >"$WORK/slurm.conf" <<EOF
ClusterName=saddle-e2e
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=26817
SlurmdPort=26818
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=e2e Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"

for _ in $(seq 1 50); do [[ -S "$WORK/munge/munge.socket" ]] && break; sleep 0.1; done
/usr/sbin/slurmctld -D -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$WORK/slurmd.out" 2>&1 &
PIDS+=($!)
log "started munged, slurmctld, slurmd (PIDs ${PIDS[*]})"
ready=""
for _ in $(seq 1 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then ready=1; break; fi
  sleep 1
done
if [[ -z "$ready" ]]; then
  log "FAIL: the node did not become idle in 60 s"
  sinfo 2>&1 || true
  tail -n 20 "$WORK/slurmctld.log" "$WORK/slurmd.log" 2>/dev/null || true
  exit 1
fi
log "node ready: $(sinfo -h -o '%P %D %t %c CPUs')"

# --- 2. saddle and the reference run ---------------------------------------------------------
if [[ -n "${SADDLE_BIN:-}" ]]; then
  SADDLE="$SADDLE_BIN"
  log "using $SADDLE"
else
  log "building release saddle"
  (cd "$ROOT" && swift build -c release --product saddle 2>&1 | tail -n 1)
  SADDLE="$(cd "$ROOT" && swift build -c release --show-bin-path)/saddle"
fi
CONFIG="$ROOT/Studies/slurm-e2e.json"
"$SADDLE" study run "$CONFIG" --out "$WORK/direct" --jobs 1 >"$WORK/direct.log"
log "unsharded reference: $(grep -c '^| ' "$WORK/direct/report.md") table lines"

wait_for() { # job ids...; returns when none is pending or running (at most 300 s)
  for _ in $(seq 1 300); do
    if [[ -z "$(squeue -h -j "$(IFS=,; echo "$*")" -t PD,R,CG -o '%i %T %r' 2>/dev/null \
      | grep -v DependencyNeverSatisfied)" ]]; then return 0; fi
    sleep 1
  done
  log "FAIL: jobs $* still queued after 300 s"
  squeue
  return 1
}

same_report() { # dir label [reference dir] [files...]
  local ok=1 reference="${3:-$WORK/direct}" files=("${@:4}")
  ((${#files[@]})) || files=(report.md report.csv)
  for f in "${files[@]}"; do
    if cmp -s "$reference/$f" "$1/$f"; then
      log "$2: $f byte-identical to the unsharded run"
    else
      log "FAIL: $2: $f differs from the unsharded run"
      ok=0
    fi
  done
  ((ok))
}

# --- 3. array + dependent merge --------------------------------------------------------------
cd "$WORK"  # submit from elsewhere than the output: the scripts use absolute paths
OUT="$WORK/sharded"
"$SADDLE" study slurm "$CONFIG" --shards 4 --out "$OUT" --jobs 1 --threads 1 --mem 500M \
  --time 00:10:00 --submit | tee "$WORK/submit.log"
ARRAY="$(sed -n 's/^submitted array job \([0-9]*\) and merge job \([0-9]*\).*/\1/p' "$WORK/submit.log")"
MERGE="$(sed -n 's/^submitted array job \([0-9]*\) and merge job \([0-9]*\).*/\2/p' "$WORK/submit.log")"
wait_for "$ARRAY" "$MERGE"
log "array $ARRAY and merge $MERGE done; task 1 log:"
sed 's/^/    /' "$OUT"/slurm/logs/array-"$ARRAY"_1.out
same_report "$OUT" "sharded (4 tasks + merge job)"

# --- 4. a cancelled task, resubmitted with the line `study status` prints --------------------
OUT2="$WORK/cancelled"
"$SADDLE" study slurm "$CONFIG" --shards 4 --out "$OUT2" --jobs 1 --threads 1 --mem 500M \
  --time 00:10:00 >/dev/null
HELD="$(sbatch --parsable --hold "$OUT2/slurm/array.sh")"
HELD="${HELD%%;*}"
STALE_MERGE="$(sbatch --parsable --dependency=afterok:"$HELD" "$OUT2/slurm/merge.sh")"
STALE_MERGE="${STALE_MERGE%%;*}"
scancel "${HELD}_2"
scontrol release "$HELD"
log "submitted array $HELD held, cancelled task ${HELD}_2, released; merge $STALE_MERGE waits"
wait_for "$HELD"
"$SADDLE" study status "$OUT2" | tee "$WORK/status.log"
LINE="$(sed -n 's/^resubmit: //p' "$WORK/status.log")"
[[ -n "$LINE" ]] || { log "FAIL: study status printed no resubmit line"; exit 1; }
scancel "$STALE_MERGE"  # its dependency can never be satisfied
log "running: $LINE"
jid=""
eval "$LINE" >"$WORK/resubmit.log"
NEW_MERGE="$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' "$WORK/resubmit.log")"
log "resubmitted task 2 as job ${jid%%;*}, merge as job $NEW_MERGE"
wait_for "${jid%%;*}" "$NEW_MERGE"
"$SADDLE" study status "$OUT2"
same_report "$OUT2" "after scancel + resubmission"

# --- 5. tuning phases: tuning array → reporting array (afterok) → merge (afterok) -----------
TCONFIG="$ROOT/Studies/slurm-e2e-tuning.json"
"$SADDLE" study run "$TCONFIG" --out "$WORK/tuning-direct" --jobs 1 >"$WORK/tuning-direct.log"
"$SADDLE" study report "$WORK/tuning-direct" >/dev/null
OUT3="$WORK/tuning-sharded"
"$SADDLE" study slurm "$TCONFIG" --shards 3 --out "$OUT3" --jobs 1 --threads 1 --mem 500M \
  --time 00:10:00 --submit | tee "$WORK/tuning-submit.log"
TUNING="$(sed -n 's/^submitted tuning array job \([0-9]*\).*/\1/p' "$WORK/tuning-submit.log")"
REPORTING="$(sed -n 's/^submitted array job \([0-9]*\).*/\1/p' "$WORK/tuning-submit.log")"
TMERGE="$(sed -n 's/.* and merge job \([0-9]*\).*/\1/p' "$WORK/tuning-submit.log")"
[[ -n "$TUNING" && -n "$REPORTING" && -n "$TMERGE" ]] || { log "FAIL: no job ids"; exit 1; }
log "tuning array $TUNING, reporting array $REPORTING, merge $TMERGE; dependencies:"
scontrol show job "$REPORTING" | grep -o 'Dependency=[^ ]*' | head -n 1 | sed 's/^/    reporting: /'
scontrol show job "$TMERGE" | grep -o 'Dependency=[^ ]*' | head -n 1 | sed 's/^/    merge: /'
wait_for "$TUNING" "$REPORTING" "$TMERGE"
"$SADDLE" study status "$OUT3"
same_report "$OUT3" "tuning phases (3 + 3 tasks + merge job)" "$WORK/tuning-direct" \
  report.md report.csv tuning.csv
log "PASS"
