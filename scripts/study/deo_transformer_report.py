#!/usr/bin/env python3
"""Report of the deo-transformer study (Studies/deo-transformer.json) from its trial files.

Usage: python3 scripts/study/deo_transformer_report.py STUDY_DIR OUT_MD [--tuning-seeds K]

Protocol (stated in the report):
- seeds 1..K (default 2) are TUNING seeds: for every method family (the label before '[') the
  grid setting with the lowest mean final held-out loss on the tuning seeds is chosen;
- seeds K+1.. are REPORTING seeds (disjoint): every number below is on them only;
- budgets are equal in gradient evaluations (the study's `budget.cost`; the dimer's extra
  gradients are paid from it), so DEO variants take fewer optimizer steps;
- plateau length: level = held-out loss at the first evaluation (x = 0); escape = the first
  evaluation whose held-out loss is below FRACTION x level (as DEOOnTransformer's detector);
  runs that never get there are right-censored at the budget (Kaplan-Meier median and the
  fraction escaped are reported);
- final held-out loss: mean and 95% t-interval over reporting seeds; paired difference against
  the tuned baseline (the better of adam/adamw on the tuning seeds) with a 95% t-interval and
  a two-sided sign-flip permutation p-value (exact over 2^n sign patterns).
Needs only the Python standard library (figures are hand-written SVG).
"""
import argparse
import glob
import itertools
import json
import math
import os
import statistics
from collections import defaultdict

FRACTION = 0.8
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 20: 2.086,
        30: 2.042}


def t975(df):
    if df in T975:
        return T975[df]
    keys = sorted(k for k in T975 if k <= df)
    return T975[keys[-1]] if keys else float("nan")


def ci(values):
    n = len(values)
    m = statistics.fmean(values)
    if n < 2:
        return m, float("nan"), float("nan")
    h = t975(n - 1) * statistics.stdev(values) / math.sqrt(n)
    return m, m - h, m + h


def sign_flip_p(diffs):
    n = len(diffs)
    obs = abs(sum(diffs))
    if n > 16:
        return float("nan")
    count = 0
    for signs in itertools.product((1, -1), repeat=n):
        if abs(sum(s * d for s, d in zip(signs, diffs))) >= obs - 1e-15:
            count += 1
    return count / 2 ** n


def km_median(times, events, horizon):
    """Kaplan-Meier median of escape times (events True) with right-censoring."""
    data = sorted(zip(times, events))
    s = 1.0
    at_risk = len(data)
    i = 0
    while i < len(data):
        t = data[i][0]
        d = sum(1 for tt, e in data if tt == t and e)
        c = sum(1 for tt, e in data if tt == t)
        if d:
            s *= 1 - d / at_risk
            if s <= 0.5:
                return t
        at_risk -= c
        i += c
    return None  # not reached: median > horizon


def family(label):
    return label.split("[", 1)[0]


def final_heldout(trial):
    h = trial.get("heldOut")
    if not h or trial.get("failure"):
        return float("inf")
    return h[-1][1]


def escape(trial):
    h = trial.get("heldOut") or []
    if not h:
        return None
    level = h[0][1]
    for row in h:
        if row[1] < FRACTION * level:
            return row[0]
    return None


def svg_curves(path, title, series, xlabel, ylabel):
    w, hgt, ml, mr, mt, mb = 640, 400, 60, 190, 30, 45
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    if not xs:
        return
    x0, x1 = min(xs), max(xs)
    # Clip at 1.1 × the largest starting value (a diverging method leaves the plot at the top).
    start_max = max(pts[0][1] for _, pts in series if pts)
    ys = [min(y, 1.1 * start_max) for y in ys]
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y1 = y0 + 1
    px = lambda x: ml + (x - x0) / max(x1 - x0, 1e-12) * (w - ml - mr)
    py = lambda y: mt + (y1 - y) / (y1 - y0) * (hgt - mt - mb)
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{hgt}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{hgt}" fill="white"/>',
           f'<text x="{ml}" y="18" font-size="13">{title}</text>',
           f'<line x1="{ml}" y1="{hgt-mb}" x2="{w-mr}" y2="{hgt-mb}" stroke="black"/>',
           f'<line x1="{ml}" y1="{mt}" x2="{ml}" y2="{hgt-mb}" stroke="black"/>',
           f'<text x="{(ml+w-mr)/2}" y="{hgt-8}" text-anchor="middle">{xlabel}</text>',
           f'<text x="14" y="{(mt+hgt-mb)/2}" transform="rotate(-90 14 {(mt+hgt-mb)/2})" '
           f'text-anchor="middle">{ylabel}</text>']
    for k in range(5):
        xv = x0 + k * (x1 - x0) / 4
        yv = y0 + k * (y1 - y0) / 4
        out.append(f'<text x="{px(xv):.1f}" y="{hgt-mb+14}" text-anchor="middle">{xv:.0f}</text>')
        out.append(f'<text x="{ml-4}" y="{py(yv)+4:.1f}" text-anchor="end">{yv:.2f}</text>')
    for i, (name, pts) in enumerate(series):
        c = colors[i % len(colors)]
        d = " ".join(f"{px(x):.1f},{py(min(y, y1)):.1f}" for x, y in pts)
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.6" points="{d}"/>')
        out.append(f'<text x="{w-mr+8}" y="{mt+14+16*i}" fill="{c}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def canonical(value):
    """JSON with sorted keys and every number as a float (1 and 1.0 are the same value)."""
    def norm(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)):
            return float(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        return {k: norm(x) for k, x in v.items()}
    return json.dumps(norm(value), sort_keys=True)


def load_trials(study_dir, config):
    """Trial files keyed by content (`trials/<key>.json` = {format, key, definition, result}):
    labels are recovered by matching each definition's problem and expanded optimizer spec
    against the config's problems and grid settings. Older label-keyed files (a flat trial
    result) are read as they are."""
    settings = []
    for o in config["optimizers"]:
        grid = o.get("grid") or {}
        keys = sorted(grid)
        for combo in itertools.product(*[grid[k] for k in keys]):
            spec = json.loads(json.dumps(o["spec"]))
            for k, v in zip(keys, combo):
                index, field = k.split(".", 1)
                spec[int(index)][field] = v
            suffix = ",".join(f"{k.split('.')[-1]}={json.dumps(v)}" for k, v in zip(keys, combo))
            settings.append((canonical(spec), f"{o['label']}[{suffix}]" if keys else o["label"]))
    problems = [(p["problem"], canonical(p.get("parameters") or {}), p["label"])
                for p in config["problems"]]
    out = []
    for path in glob.glob(os.path.join(study_dir, "trials", "*.json")):
        t = json.load(open(path))
        if "definition" not in t:
            out.append(t)
            continue
        d = t["definition"]
        prob = next((lab for name, params, lab in problems
                     if name == d["problem"]["problem"]
                     and params == canonical(d["problem"].get("parameters") or {})), None)
        opt = next((lab for spec, lab in settings if spec == canonical(d["optimizer"])), None)
        if prob is None or opt is None:
            continue  # a trial of an earlier version of the config
        r = dict(t["result"])
        r.update(problem=prob, optimizer=opt, seed=d["seed"])
        out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("study_dir")
    ap.add_argument("out_md")
    ap.add_argument("--tuning-seeds", type=int, default=2)
    a = ap.parse_args()
    config = json.load(open(os.path.join(a.study_dir, "study.json")))
    trials = load_trials(a.study_dir, config)
    settings_total = 0
    for o in config["optimizers"]:
        n = 1
        for v in (o.get("grid") or {}).values():
            n *= len(v)
        settings_total += n
    total = settings_total * config["seeds"] * len(config["problems"])
    K = a.tuning_seeds
    # Trials the config defines but the directory lacks (not run yet, or not recorded).
    expected = []
    for pr in config["problems"]:
        for o in config["optimizers"]:
            grid = o.get("grid") or {}
            keys = sorted(grid)
            for combo in itertools.product(*[grid[k] for k in keys]):
                suffix = ",".join(f"{k.split('.')[-1]}={json.dumps(v)}" for k, v in zip(keys, combo))
                label = f"{o['label']}[{suffix}]" if keys else o["label"]
                for seed in range(1, config["seeds"] + 1):
                    expected.append((pr["label"], label, seed))
    have = {(t["problem"], t["optimizer"], t["seed"]) for t in trials}
    missing = [e for e in expected if e not in have]
    by = defaultdict(list)  # (problem, setting) -> trials
    for t in trials:
        by[(t["problem"], t["optimizer"])].append(t)
    figdir = os.path.dirname(a.out_md) or "."
    base = os.path.splitext(os.path.basename(a.out_md))[0].replace("-report", "")
    lines = []
    P = lines.append
    P(f"Trials on disk: {len(trials)} of {total} "
      f"({'complete' if len(trials) == total else 'PARTIAL'}).")
    P("")
    for problem in [p["label"] for p in config["problems"]]:
        fams = defaultdict(list)
        for (pr, label) in by:
            if pr == problem:
                fams[family(label)].append(label)
        if not fams:
            P(f"## {problem}: no trials yet")
            P("")
            continue
        P(f"## {problem}")
        P("")
        P(f"Tuning (seeds 1–{K}): mean final held-out loss of each grid setting "
          "(lowest per family chosen; n = tuning seeds done).")
        P("")
        P("| setting | tuning mean | n |")
        P("| --- | ---: | ---: |")
        chosen = {}
        for fam in sorted(fams):
            best = None
            for label in sorted(fams[fam]):
                vals = [final_heldout(t) for t in by[(problem, label)] if t["seed"] <= K]
                if not vals:
                    continue
                m = statistics.fmean(vals)
                P(f"| {label} | {m:.4f} | {len(vals)} |")
                if best is None or m < best[0]:
                    best = (m, label)
            if best:
                chosen[fam] = best[1]
        P("")
        base_fams = [f for f in ("adam", "adamw") if f in chosen]
        baseline = None
        if base_fams:
            tmeans = {f: statistics.fmean(final_heldout(t) for t in by[(problem, chosen[f])]
                                          if t["seed"] <= K) for f in base_fams}
            baseline = chosen[min(base_fams, key=lambda f: tmeans[f])]
        P(f"Reporting seeds ({K + 1}–{config['seeds']}), chosen settings; tuned baseline = "
          f"`{baseline}`. Δ = setting − baseline on the same seed (negative = better).")
        P("")
        P("| family | chosen setting | n | final held-out loss (95% CI) | accuracy | "
          "Δ vs baseline (95% CI) | sign-flip p | escaped | KM median escape (grad evals) | "
          "steps |")
        P("| --- | --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |")
        horizon = config["budget"].get("cost") or config["budget"].get("steps")
        base_by_seed = {t["seed"]: final_heldout(t) for t in by[(problem, baseline)]
                        if t["seed"] > K} if baseline else {}
        series = []
        for fam in sorted(chosen):
            label = chosen[fam]
            rep = sorted((t for t in by[(problem, label)] if t["seed"] > K),
                         key=lambda t: t["seed"])
            if not rep:
                P(f"| {fam} | {label} | 0 | — | — | — | — | — | — | — |")
                continue
            vals = [final_heldout(t) for t in rep]
            bad = sum(1 for v in vals if not math.isfinite(v))
            if bad:
                P(f"| {fam} | `{label}` | {len(rep)} | {bad} of {len(rep)} runs ended non-finite | "
                  "— | — | — | — | — | — |")
                continue
            m, lo, hi = ci(vals)
            accs = [t["heldOut"][-1][2] for t in rep if t.get("heldOut")
                    and len(t["heldOut"][-1]) > 2]
            acc = f"{statistics.fmean(accs):.3f}" if accs else "—"
            diffs = [final_heldout(t) - base_by_seed[t["seed"]] for t in rep
                     if t["seed"] in base_by_seed and math.isfinite(base_by_seed[t["seed"]])]
            if diffs and label != baseline:
                dm, dlo, dhi = ci(diffs)
                dtxt = f"{dm:+.4g} [{dlo:+.4g}, {dhi:+.4g}] (n={len(diffs)})"
                ptxt = f"{sign_flip_p(diffs):.3g}"
            else:
                dtxt, ptxt = "(baseline)" if label == baseline else "—", "—"
            esc = [escape(t) for t in rep]
            times = [e if e is not None else horizon for e in esc]
            events = [e is not None for e in esc]
            med = km_median(times, events, horizon)
            medtxt = f"{med:.0f}" if med is not None else f"> {horizon}"
            steps = statistics.fmean(t["steps"] for t in rep)
            P(f"| {fam} | `{label}` | {len(rep)} | {m:.4g} [{lo:.4g}, {hi:.4g}] | {acc} | "
              f"{dtxt} | {ptxt} | {sum(events)}/{len(rep)} | {medtxt} | {steps:.0f} |")
            # mean held-out curve over reporting seeds
            rows = [t["heldOut"] for t in rep if t.get("heldOut")]
            npts = min(len(r) for r in rows)
            pts = [(statistics.fmean(r[i][0] for r in rows), statistics.fmean(r[i][1] for r in rows))
                   for i in range(npts)]
            series.append((fam, pts))
        P("")
        gone = [m for m in missing if m[0] == problem]
        if gone:
            P(f"Missing trials ({len(gone)}; not in the directory — with a finished study these "
              "are runs the runner could not record, e.g. a NaN final loss, which JSON cannot "
              "hold): " + ", ".join(f"`{l}`/{sd}" for _, l, sd in gone) + ".")
            P("")
        fig = f"{base}-{problem}.svg"
        svg_curves(os.path.join(figdir, fig), f"{problem}: held-out loss, mean over reporting seeds",
                   series, "gradient evaluations", "held-out loss")
        P(f"![{problem}]({fig})")
        P("")
    # Did the dimer ever act? Corrected DEO (projection + negative-curvature step when C < 0)
    # and the literal reading (projection only) have bit-identical runs exactly when the dimer
    # never reported C < 0 (then neither stage acts and both are Adam with fewer steps).
    P("## Did the dimer ever report negative curvature?")
    P("")
    P("Runs of corrected DEO over Adam and of the literal reading (same learning rate, same "
      "seed) whose whole loss curve and final held-out loss are bit-identical: then the dimer "
      "never reported C < 0 in that run, and neither the projection nor the "
      "negative-curvature step ever acted.")
    P("")
    P("| problem | learning rate | identical / pairs |")
    P("| --- | --- | ---: |")
    for problem in [p["label"] for p in config["problems"]]:
        for lr in ("0.001", "0.003"):
            a_ = {t["seed"]: t for t in by[(problem, f"deo-adam[learningRate={lr}]")]}
            b_ = {t["seed"]: t for t in by[(problem, f"literal[learningRate={lr}]")]}
            seeds = sorted(set(a_) & set(b_))
            same = sum(1 for k in seeds if a_[k]["curve"] == b_[k]["curve"]
                       and a_[k]["heldOut"] == b_[k]["heldOut"])
            P(f"| {problem} | {lr} | {same} / {len(seeds)} |")
    P("")
    with open(a.out_md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
