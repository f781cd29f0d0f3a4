#!/usr/bin/env python3
"""Held-out metrics of a study's reporting trials as a Markdown table (standard library only).

Reads `study.json` and `trials/*.json` of a study directory, keeps the reporting trials
(seeds 1..`seeds`; tuning seeds are 1001+), maps each trial to its optimizer by the most
specific config spec its optimizer contains (grid fields removed), and prints per optimizer
the mean and Student-t 95% interval of the chosen held-out metrics over seeds, and the paired
(same seed) difference against a baseline optimizer.

    scripts/study/held_out_metrics_table.py STUDY_DIR [--metric minorityClassAccuracy ...]
        [--baseline LABEL]
"""
import argparse
import json
import math
import os
import statistics

# Two-sided 95% Student-t critical values t_{0.975, df}, df = 1..30.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def interval(values):
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return mean, float("nan")
    t = T975[min(n - 1, len(T975)) - 1]
    return mean, t * statistics.stdev(values) / math.sqrt(n)


def strip_grid(spec, grid):
    spec = json.loads(json.dumps(spec))
    for key in (grid or {}):
        index, field = key.split(".", 1)
        spec[int(index)].pop(field, None)
    return spec


def contains(trial_spec, base):
    if len(trial_spec) != len(base):
        return False
    return all(all(t.get(k) == v for k, v in b.items()) for t, b in zip(trial_spec, base))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("study_dir")
    parser.add_argument("--metric", action="append")
    parser.add_argument("--baseline")
    args = parser.parse_args()
    metrics = args.metric or ["minorityClassAccuracy", "balancedAccuracy", "loss"]
    config = json.load(open(os.path.join(args.study_dir, "study.json")))
    bases = [(o["label"], strip_grid(o["spec"], o.get("grid"))) for o in config["optimizers"]]
    rows = {label: {} for label, _ in bases}
    settings = {label: None for label, _ in bases}
    trials_dir = os.path.join(args.study_dir, "trials")
    for name in sorted(os.listdir(trials_dir)):
        if not name.endswith(".json"):
            continue
        trial = json.load(open(os.path.join(trials_dir, name)))
        definition = trial["definition"]
        if definition["seed"] > config["seeds"]:
            continue
        spec = definition["optimizer"]
        matches = [(sum(len(s) for s in b), label) for label, b in bases if contains(spec, b)]
        if not matches:
            continue
        label = max(matches)[1]
        held = trial["result"].get("heldOutMetrics") or {}
        rows[label][definition["seed"]] = held
        settings[label] = spec
    baseline = args.baseline or bases[0][0]
    header = ["optimizer", "seeds"] + [f"{m} (mean [95% CI])" for m in metrics]
    header += [f"Δ {metrics[0]} vs {baseline} (paired)"]
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
    for label, _ in bases:
        seeds = rows[label]
        if not seeds:
            continue
        cells = [label, str(len(seeds))]
        for m in metrics:
            values = [s[m] for s in seeds.values() if m in s]
            mean, h = interval(values)
            cells.append(f"{mean:.3f} [{mean - h:.3f}, {mean + h:.3f}]")
        if label == baseline:
            cells.append("—")
        else:
            base = rows[baseline]
            diffs = [seeds[s][metrics[0]] - base[s][metrics[0]] for s in seeds if s in base]
            mean, h = interval(diffs)
            cells.append(f"{mean:+.3f} [{mean - h:+.3f}, {mean + h:+.3f}]")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
