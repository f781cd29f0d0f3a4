#!/usr/bin/env python3
"""Report of the sam-imbalance study (Studies/sam-imbalance.json) from its trial files.

Usage: python3 scripts/study/sam_imbalance_report.py STUDY_DIR OUT_MD [--tuning-seeds K]
           [--header FILE]

Protocol (stated in the report):
- seeds 1..K (default 2) are TUNING seeds: for every (problem, method) the learning rate with the
  highest mean held-out balanced accuracy on the tuning seeds is chosen (a choice on the edge of
  the grid is flagged);
- seeds K+1.. are REPORTING seeds (disjoint): every number below is on them only;
- the metric is the held-out accuracy of the rarest training class (`minorityClassAccuracy`,
  stored per trial in `heldOutMetrics`) on the balanced held-out set (evaluation seed 0, the
  same for every trial, so comparisons are paired over seeds); also balanced accuracy and each
  class's accuracy;
- mean with a 95% Student-t interval over reporting seeds; the paired difference against the
  baseline (SGD + LDAM-DRW) with its 95% t-interval and a two-sided sign-flip permutation
  p-value (exact over the 2^n sign patterns).
Needs only the Python standard library (reuses deo_transformer_report's trial loader).
"""
import argparse
import json
import os
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deo_transformer_report import ci, load_trials, sign_flip_p  # noqa: E402


def family(label):
    return label.split("[", 1)[0]


def setting(label):
    """The grid part of a setting label (`learningRate=0.1`), '' without a grid."""
    return label.split("[", 1)[1].rstrip("]") if "[" in label else ""


def rate(label):
    """The grid value of a one-field grid (the learning rate here), for ordering and edges."""
    try:
        return float(setting(label).rsplit("=", 1)[1])
    except (IndexError, ValueError):
        return 0.0


def metric(trial, name):
    m = trial.get("heldOutMetrics") or {}
    if trial.get("failure") or name not in m:
        return 0.0  # a failed run predicts nothing right
    return m[name]


def fmt(m, lo, hi):
    return f"{m:.3f} [{lo:.3f}, {hi:.3f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("study_dir")
    ap.add_argument("out_md")
    ap.add_argument("--tuning-seeds", type=int, default=2)
    ap.add_argument("--header", help="Markdown prepended (command, commit, machine, date)")
    ap.add_argument("--baseline", action="append", default=None,
                    help="METHOD|PROBLEM label of a row the paired differences are taken "
                         "against; repeat for several Δ columns (default: SGD on the first "
                         "problem labelled LDAM-DRW…)")
    a = ap.parse_args()
    config = json.load(open(os.path.join(a.study_dir, "study.json")))
    trials = load_trials(a.study_dir, config)
    k = a.tuning_seeds
    classes = None
    by = defaultdict(list)
    for t in trials:
        by[(t["problem"], family(t["optimizer"]), t["optimizer"])].append(t)
        if classes is None and t.get("heldOutMetrics"):
            classes = sorted(x for x in t["heldOutMetrics"] if x.startswith("accuracy.class"))
    # Rows of the report: (label, problem label, method family).
    rows = []
    for p in config["problems"]:
        for o in config["optimizers"]:
            rows.append((p["label"], o["label"]))
    chosen = {}
    for problem, fam in rows:
        candidates = [(lab, ts) for (pp, ff, lab), ts in by.items() if pp == problem and ff == fam]
        if not candidates:
            continue
        grid = sorted(rate(lab) for lab, _ in candidates)
        best = max(candidates, key=lambda c: statistics.fmean(
            metric(t, "balancedAccuracy") for t in c[1] if t["seed"] <= k) if any(
                t["seed"] <= k for t in c[1]) else -1)
        edge = rate(best[0]) in (grid[0], grid[-1]) and len(grid) > 1
        report = sorted((t for t in best[1] if t["seed"] > k), key=lambda t: t["seed"])
        chosen[(problem, fam)] = (best[0], edge, report)

    keys = []
    for b in a.baseline or []:
        method, problem = b.split("|", 1)
        keys.append((problem, method))
    if not keys:
        keys = [next(((p, f) for p, f in chosen if f == "SGD" and p.startswith("LDAM-DRW")),
                     next(iter(chosen)))]
    bases = [(f"{f} on {p}", chosen[(p, f)]) for p, f in keys if (p, f) in chosen]

    lines = []
    if a.header:
        lines += open(a.header).read().rstrip("\n").split("\n") + [""]
    n_report = max((len(v[2]) for v in chosen.values()), default=0)
    lines += [
        f"Tuning seeds 1–{k} choose each row's grid setting (highest mean held-out balanced "
        f"accuracy); the numbers are over the {n_report} reporting seeds "
        f"{k + 1}–{k + n_report} only. 95% Student-t intervals; Δ is the paired (same seed) "
        "difference in minority-class accuracy against the baseline row named in its column "
        "(95% t-interval; p: two-sided exact sign-flip). `*` marks a setting on the edge "
        "of its grid.",
        "",
    ]
    for i, (name, _) in enumerate(bases):
        lines.append(f"- Δ{i + 1}: against **{name}**")
    lines += [
        "",
        "| problem (loss) | method | setting | minority-class accuracy | balanced accuracy | "
        + " | ".join(f"Δ{i + 1} minority | p{i + 1}" for i in range(len(bases))) + " |",
        "| --- | --- | --- | --- | --- | " + " | ".join("--- | ---" for _ in bases) + " |",
    ]
    for problem, fam in rows:
        if (problem, fam) not in chosen:
            continue
        label, edge, report = chosen[(problem, fam)]
        minority = [metric(t, "minorityClassAccuracy") for t in report]
        balanced = [metric(t, "balancedAccuracy") for t in report]
        failures = sum(1 for t in report if t.get("failure"))
        cells = []
        for _, base in bases:
            base_seeds = {t["seed"]: metric(t, "minorityClassAccuracy") for t in base[2]}
            diffs = [metric(t, "minorityClassAccuracy") - base_seeds[t["seed"]] for t in report
                     if t["seed"] in base_seeds]
            if report is not base[2] and len(diffs) >= 2:
                cells += [fmt(*ci(diffs)), f"{sign_flip_p(diffs):.3f}"]
            else:
                cells += ["—", "—"]
        note = f" ({failures} failed)" if failures else ""
        lines.append(
            f"| {problem} | {fam}{note} | {setting(label)}{'*' if edge else ''} | "
            f"{fmt(*ci(minority))} | {fmt(*ci(balanced))} | " + " | ".join(cells) + " |")
    if classes:
        lines += ["", "Per-class held-out accuracy (mean over reporting seeds; class 0 is the "
                  "most frequent in training, the last class the rarest):", "",
                  "| problem (loss) | method | " + " | ".join(c.split(".")[1] for c in classes)
                  + " |", "| --- | --- | " + " | ".join("---" for _ in classes) + " |"]
        for problem, fam in rows:
            if (problem, fam) not in chosen:
                continue
            report = chosen[(problem, fam)][2]
            means = [statistics.fmean(metric(t, c) for t in report) for c in classes]
            lines.append(f"| {problem} | {fam} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    text = "\n".join(lines) + "\n"
    with open(a.out_md, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
