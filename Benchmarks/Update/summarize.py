"""Summarizes one Benchmarks/Update/run.sh run (a directory of raw outputs) as RESULTS.md.

Inputs in DIR: meta (key=value lines), swift-R.json (`saddle bench update --json`),
stream-R-T.txt (stream.c at T threads), optax-R-T.txt (optax_peer.py on T CPUs), R = round.
Usage: python3 summarize.py DIR > RESULTS.md
"""
import glob
import json
import os
import re
import statistics
import sys

directory = sys.argv[1]
meta = dict(
    line.rstrip("\n").split("=", 1)
    for line in open(os.path.join(directory, "meta"))
    if "=" in line
)
rounds = sorted(
    int(re.search(r"swift-(\d+)\.json", p).group(1))
    for p in glob.glob(os.path.join(directory, "swift-*.json"))
)
swift = {r: json.load(open(os.path.join(directory, f"swift-{r}.json"))) for r in rounds}


def peer(kind, r, t, key):
    path = os.path.join(directory, f"{kind}-{r}-{t}.txt")
    if not os.path.exists(path):
        return None
    m = re.search(key + r"=([0-9.]+)", open(path).read())
    return float(m.group(1)) if m else None


def row(r, t):
    return next(x for x in swift[r]["threads"] if x["threads"] == t)


thread_counts = [x["threads"] for x in swift[rounds[0]]["threads"]]
med = statistics.median
cases = [
    ("adam_fused", "Adam, Optimizer (update alone)"),
    ("adam_hand", "Adam, hand-fused loop"),
    ("adam_step", "Adam, public step() (adds the gradient check)"),
    ("chain5_hand", "5-stage chain, hand-fused loop"),
    ("chain5_dsl", "5-stage chain, DSL"),
    ("chain5_json", "5-stage chain, JSON"),
    ("user_rule_dsl", "user rule, DSL"),
    ("user_rule_json", "user rule, JSON"),
    ("ceiling", "C stream ceiling, in process"),
]
optax_version = None
for p in glob.glob(os.path.join(directory, "optax-*.txt")):
    m = re.search(r"jax=(\S+) optax=(\S+)", open(p).read())
    if m:
        optax_version = f"jax {m.group(1)}, optax {m.group(2)}"


def fmt_range(values, f="{:.3f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f.format(med(values)) + " (" + f.format(min(values)) + "–" + f.format(max(values)) + ")"


out = []
w = out.append
w("# Update step — SaddleKit vs the memory ceiling vs optax (interleaved, one run)")
w("")
w(f"- date: {meta['date']}; commit: `{meta['commit']}`")
busy = float(meta["load_start"].split()[0]) > 1.5 * float(meta["cpus"]) / 2
w(f"- machine: {meta['model']}, {meta['cpus']} CPUs, flags: {meta['flags'].strip()}. "
  + ("**Shared**: other jobs ran at the same time" if busy else "Quiet: nothing else ran")
  + f" (load average {meta['load_start']} at the start,")
w(f"  {meta.get('load_end', '?')} at the end; the CPU-share lines below tell); the ratios are paired")
w("  within a repetition (SaddleKit cases and the in-process ceiling) or within a round (peers).")
w(f"- SaddleKit: `swift build -c release` (no extra flags; {meta['swift']}), then per round")
w(f"  `saddle bench update --json --n {meta['n']} --repeats {meta['reps']}` with the counting allocator")
w("  shim preloaded (`Benchmarks/Update/alloc_count.c`); its cases alternate within every")
w("  repetition (order rotated each repetition), thread counts alternate too.")
isa = swift[rounds[0]].get("ceiling_isa", "?")
w(f"- In-process ceiling (`ceiling_ms`): C kernel in `Sources/_SaddleBenchmarkKernels` (SwiftPM's")
w(f"  default C flags, run-time dispatch: {isa}), read 4 arrays, write 3, same thread split as the")
w("  optimizer (`Kernels.parallelFor`).")
w(f"- Peer ceiling: `gcc -O3 -march=native -fopenmp Benchmarks/Update/stream.c` ({meta['gcc']}).")
w(f"- optax: `{meta['python']} Benchmarks/Update/optax_peer.py {meta['n']} 30` on 2 CPUs and with")
w(f"  `taskset -c 0` on one ({optax_version or 'not available: skipped'}).")
for t in thread_counts:
    share = [row(r, t)["ceiling_cpu_ms"] / row(r, t)["ceiling_ms"] for r in rounds if "ceiling_cpu_ms" in row(r, t)]
    if share:
        w(f"- CPU share while timing the ceiling at {t} thread(s): CPU time / wall-clock time = {med(share) * 100:.0f}%")
        w(f"  (≈ {t * 100}% on an idle machine); below that, other jobs held the CPUs during the run.")
w(f"- {len(rounds)} rounds; each runs SaddleKit, then stream.c at 1 and 2 threads, then optax on 2")
w("  CPUs and on 1. Cells show the median over rounds (min–max over rounds).")
w("")
w("## The issue's acceptance ratios")
w("")
w("Wall-clock ratios are what the issue asks for; the CPU-time ratios (the process's CPU time per")
w("step, all threads) leave out the time the process waited for a CPU, so they show what the")
w("code costs when the machine is as busy as it was here. Cells: median over rounds (min–max).")
w("")
w("| threads | ratio | wall clock | CPU time | target | met (wall / CPU) |")
w("| --- | --- | ---: | ---: | ---: | --- |")


def verdict(value, target, higher_is_better):
    if value is None:
        return "–"
    return "yes" if (value >= target if higher_is_better else value <= target) else "no"


def cpu_values(t, key):
    values = [row(r, t).get(key + "_cpu") for r in rounds]
    return [v for v in values if v is not None]


for t in thread_counts:
    pct = [100 / row(r, t)["adam_fused_over_ceiling"] for r in rounds]
    pct_cpu = [100 / v for v in cpu_values(t, "adam_fused_over_ceiling")]
    w(f"| {t} | fused Adam speed / in-process C ceiling (paired), % | {fmt_range(pct, '{:.0f}')} | {fmt_range(pct_cpu, '{:.0f}')} | ≥ 90 | {verdict(med(pct), 90, True)} / {verdict(med(pct_cpu) if pct_cpu else None, 90, True)} |")
    stream_pct = [
        100 * peer("stream", r, t, "median_ms") / row(r, t)["adam_fused_ms"]
        for r in rounds
        if peer("stream", r, t, "median_ms")
    ]
    w(f"| {t} | fused Adam speed / stream.c -O3 -march=native (same round), % | {fmt_range(stream_pct, '{:.0f}')} | – | (≥ 90) | {verdict(med(stream_pct) if stream_pct else None, 90, True)} |")
    optax = [
        peer("optax", r, t, "ms") / row(r, t)["adam_fused_ms"]
        for r in rounds
        if peer("optax", r, t, "ms")
    ]
    target = 1.3 if t == 2 else None
    w(f"| {t} | optax time / fused Adam time (same round) | {fmt_range(optax, '{:.2f}')} | – | {'≥ 1.3' if target else '–'} | {verdict(med(optax), 1.3, True) if (optax and target) else '–'} |")
    for key, label, goal in [
        ("chain5_dsl_over_hand", "5-stage chain: DSL / hand-fused (paired)", 1.15),
        ("chain5_json_over_dsl", "5-stage chain: JSON / DSL (paired)", 1.10),
        ("user_rule_json_over_dsl", "user rule: JSON / DSL (paired)", 1.10),
    ]:
        values = [row(r, t)[key] for r in rounds]
        cpu = cpu_values(t, key)
        w(f"| {t} | {label} | {fmt_range(values, '{:.2f}')} | {fmt_range(cpu, '{:.2f}')} | ≤ {goal:.2f} | {verdict(med(values), goal, False)} / {verdict(med(cpu) if cpu else None, goal, False)} |")
    chain_pct = [100 * row(r, t)["ceiling_ms"] / row(r, t)["chain5_dsl_ms"] for r in rounds]
    w(f"| {t} | 5-stage chain (DSL) speed / in-process C ceiling (same repetitions), % | {fmt_range(chain_pct, '{:.0f}')} | – | (stronger than the hand loop) | – |")
    for key, label in [("chain5_json", "5-stage chain, JSON"), ("user_rule_json", "user rule, JSON")]:
        values = [row(r, t).get(f"{key}_allocations_per_step") for r in rounds]
        values = [v for v in values if v is not None]
        base = [row(r, t).get("adam_hand_allocations_per_step") for r in rounds]
        base = [v for v in base if v is not None]
        if values:
            # On 2 threads `DispatchQueue.concurrentPerform` allocates 5–5.5 blocks per step by
            # itself (the hand loops show the spread); a SaddleKit allocation adds ≥ 1.
            hands = [row(r, t).get(f"{k}_allocations_per_step") for r in rounds for k in ("adam_hand", "chain5_hand")]
            hands = [v for v in hands if v is not None]
            w(f"| {t} | allocations per step, {label} (the hand loops' `parallelFor` alone: {fmt_range(hands, '{:.1f}')}) | {fmt_range(values, '{:.1f}')} | – | 0 by SaddleKit | {verdict(med(values) - max(hands), 0.5, False)} |")
w("")
w("The hand-fused loops are Swift lane loops (`SIMD8<Float>`, the build's baseline SSE2 on")
w("x86-64). The DSL and JSON chains of built-in stages run the C block program they lower to")
w("(`ElementwiseProgram`: run-time AVX-512/AVX2 dispatch, the same bits as the Swift lane loop),")
w("so they can beat the hand loop; the C ceiling row above compares them with the memory limit")
w("instead. A user's own rule (no C form) runs the Swift lane loop in both its DSL and JSON forms.")
w("")
w("## Every case (ms per step)")
w("")
w("| threads | case | median | fastest repetition | q1–q3 (first round) | CPU time | allocs/step |")
w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for t in thread_counts:
    for key, label in cases:
        values = [row(r, t)[f"{key}_ms"] for r in rounds]
        first = row(rounds[0], t)
        allocs = first.get(f"{key}_allocations_per_step")
        fastest = min(row(r, t)[f"{key}_min_ms"] for r in rounds)
        cpu = [row(r, t).get(f"{key}_cpu_ms") for r in rounds]
        w(f"| {t} | {label} | {fmt_range(values)} | {fastest:.3f} | {first[f'{key}_q1_ms']:.3f}–{first[f'{key}_q3_ms']:.3f} | {fmt_range(cpu)} | {'–' if allocs is None else f'{allocs:.1f}'} |")
w("")
w("## Peers (ms per step)")
w("")
w("| threads | stream.c (-O3 -march=native, OpenMP) | optax Adam (jit, donated buffers) |")
w("| --- | ---: | ---: |")
for t in thread_counts:
    s = [peer("stream", r, t, "median_ms") for r in rounds]
    o = [peer("optax", r, t, "ms") for r in rounds]
    w(f"| {t} | {fmt_range(s)} | {fmt_range(o)} |")
w("")
w("Raw per-round JSON of the SaddleKit runs:")
w("")
w("```")
for r in rounds:
    w(json.dumps(swift[r]))
w("```")
print("\n".join(out))
