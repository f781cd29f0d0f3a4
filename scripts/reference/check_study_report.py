"""Recomputes a study report's statistics from its per-seed.csv with the independent
references of study_statistics.py (R-port Kaplan-Meier, scipy Wilson and Wilcoxon) and compares
them with report.csv and paired.csv. Usage:
  /tmp/peers/.venv/bin/python scripts/reference/check_study_report.py STUDY_DIRECTORY
"""
import csv
import math
import sys
from collections import defaultdict

import numpy as np
import scipy.stats as st

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from study_statistics import km_median  # noqa: E402

directory = sys.argv[1]
runs = defaultdict(list)
for r in csv.DictReader(open(f"{directory}/per-seed.csv")):
    runs[(r["problem"], r["optimizer"])].append(r)
checked = 0
for row in csv.DictReader(open(f"{directory}/report.csv")):
    g = runs[(row["problem"], row["optimizer"])]
    if row["escaped"] == "":
        continue
    escaped = [r["escaped"] == "true" for r in g]
    times = [float(r["escape_cost"]) if e else float(r["censored_at"]) for r, e in zip(g, escaped)]
    med, lo, hi = km_median(times, escaped)
    ci = st.binomtest(sum(escaped), len(g)).proportion_ci(0.95, method="wilson")
    got = [row[k] for k in ("escape_cost_median", "escape_cost_low", "escape_cost_high")]
    want = ["" if v is None else repr(float(v)) for v in (med, lo, hi)]
    assert got == want, (row["problem"], row["optimizer"], got, want)
    assert abs(float(row["escape_rate_low"]) - ci.low) < 1e-12
    assert abs(float(row["escape_rate_high"]) - ci.high) < 1e-12
    checked += 1
pairs = 0
for row in csv.DictReader(open(f"{directory}/paired.csv")):
    m = {int(r["seed"]): r for r in runs[(row["problem"], row["method"])]}
    b = {int(r["seed"]): r for r in runs[(row["problem"], row["baseline"])]}

    def cost(r):
        return float(r["escape_cost"] or r["censored_at"])

    ratios = [cost(m[s]) / cost(b[s]) for s in sorted(m) if s in b
              and (m[s]["escaped"] == "true" or b[s]["escaped"] == "true")]
    assert abs(float(row["ratio_median"]) - float(np.median(ratios))) < 1e-12
    p = st.wilcoxon(np.log(ratios)).pvalue if ratios else math.nan
    assert abs(float(row["wilcoxon_p"]) - p) < 1e-9, (row["problem"], row["method"], p)
    pairs += 1
print(f"{checked} rows (KM median + interval, Wilson) and {pairs} paired comparisons "
      "(median ratio, Wilcoxon p) agree with the references")
