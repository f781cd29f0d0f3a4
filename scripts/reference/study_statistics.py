"""Reference values for SaddleStudy's censoring-aware statistics (issue 10, build item 5).

Independent of the Swift code. Run with the peers venv (numpy, scipy, lifelines):
  /tmp/peers/.venv/bin/python scripts/reference/study_statistics.py \
      > Tests/SaddleStudyTests/StatisticsReference.swift
  swift format format -i Tests/SaddleStudyTests/StatisticsReference.swift

What each reference is:
- Wilson 95% interval: scipy.stats.binomtest(k, n).proportion_ci(0.95, method="wilson").
- Kaplan-Meier median with the Brookmeyer-Crowley 95% interval, log transform: a numpy port of
  R survival's survfit(conf.type="log") bands (Greenwood variance of log S; band undefined where
  S = 0) and quantile.survfit's findq (first crossing of 0.5, midpoint of a flat exactly at 0.5,
  tolerance sqrt(machine eps)). Cross-checked here (asserts) against
  (a) lifelines.KaplanMeierFitter: the survival curve at every event time, and the median on
      every dataset whose curve is not flat exactly at 0.5 (lifelines then takes the first time,
      R and SaddleStudy the midpoint);
  (b) the published R output for survfit(Surv(time, status) ~ x, data = aml) (Miller 1981's
      AML data, R's default conf.type = "log"): Maintained median 31 [18, NA],
      Nonmaintained 23 [8, NA].
- Wilcoxon signed-rank p: scipy.stats.wilcoxon(log a, log b) with its defaults
  (zero_method="wilcox", correction=False, method="auto": exact for n <= 50 without ties or
  zeros; the exact permutation distribution for n <= 13 with ties or zeros; otherwise the
  normal approximation with tie correction).
- Paired bootstrap: the median of per-seed cost ratios, resampled with SplitMix64 (seed 0x5EED,
  index = next() % n), 4000 resamples, numpy percentile (linear) at 2.5% / 97.5%: reproduced
  bit for bit. Also, independently, the quantiles at 1.5/2.5/3.5 and 96.5/97.5/98.5% of a
  200,000-resample numpy bootstrap (default_rng(0)): the Swift bounds must lie between the
  1.5% and 3.5% (resp. 96.5% and 98.5%) quantiles (the stated tolerance).
- Dolan-More performance profiles: rho_s(tau) = |{p : t_ps / min_s t_ps <= tau}| / n_p.
"""
import math

import numpy as np
import scipy
import scipy.stats as st
import lifelines

Z = st.norm.ppf(0.975)
TOL = math.sqrt(np.finfo(float).eps)


# ---------------------------------------------------------------- Kaplan-Meier (R port)
def km_curve(times, events):
    times = np.asarray(times, float)
    events = np.asarray(events, bool)
    ts, ss, lo, hi = [], [], [], []
    s, var = 1.0, 0.0
    for t in np.unique(times[events]):
        n = np.sum(times >= t)
        d = np.sum((times == t) & events)
        s *= 1 - d / n
        var = var + d / (n * (n - d)) if n > d else math.inf
        ts.append(t)
        ss.append(s)
        if s == 0:
            lo.append(math.nan)
            hi.append(math.nan)
        else:
            se = math.sqrt(var)
            lo.append(math.exp(math.log(s) - Z * se))
            hi.append(min(math.exp(math.log(s) + Z * se), 1.0))
    return ts, ss, lo, hi


def approx_constant_right(u, idx, v):
    """R approx(u, idx, v, method="constant", f=1, rule=1) with NA pairs dropped."""
    pairs = sorted((a, b) for a, b in zip(u, idx) if not math.isnan(a))
    if not pairs or v < pairs[0][0] or v > pairs[-1][0]:
        return None
    for a, b in pairs:
        if a >= v:
            return b
    return None


def findq(x, y, p, tol=TOL):
    if np.nanmax(y) < p:
        return None
    xmax = x[-1]
    xs, ys, seen = [], [], []
    for a, b in zip(x, y):
        key = "nan" if math.isnan(b) else b
        if key in seen:
            continue
        seen.append(key)
        xs.append(a)
        ys.append(b)
    n = len(ys)
    i1 = approx_constant_right([b + tol for b in ys], range(n), p)
    i2 = approx_constant_right([b - tol for b in ys], range(n), p)
    quant = None if i1 is None or i2 is None else (xs[i1] + xs[i2]) / 2
    if not math.isnan(ys[-1]) and abs(p - ys[-1]) < tol:
        quant = (xs[i1] + xmax) / 2
    return quant


def km_median(times, events):
    ts, ss, lo, hi = km_curve(times, events)
    xmax = float(np.max(times))
    x = [0.0] + list(ts) + ([xmax] if not ts or xmax > ts[-1] else [])
    pad = [] if not ts or xmax <= ts[-1] else [None]

    def curve(c):
        values = [0.0] + [1 - v for v in c]
        if pad:
            values.append(values[-1])  # a censored tail: the curve stays flat to xmax
        return values

    return (findq(x, curve(ss), 0.5), findq(x, curve(lo), 0.5), findq(x, curve(hi), 0.5))


def check_lifelines(times, events, median):
    kmf = lifelines.KaplanMeierFitter().fit(times, events)
    ts, ss, _, _ = km_curve(times, events)
    for t, s in zip(ts, ss):
        assert abs(kmf.survival_function_at_times(t).iloc[0] - s) < 1e-12, (t, s)
    sf = kmf.survival_function_["KM_estimate"]
    flat = any(abs(v - 0.5) < TOL for v in sf.values)
    ll = kmf.median_survival_time_
    if not flat:
        assert (median is None and math.isinf(ll)) or (median == ll), (median, ll)


# The published R output for the AML data (survival::aml), conf.type = "log" (R's default).
AML_MAINTAINED = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161],
                  [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
AML_NONMAINTAINED = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
                     [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
assert km_median(*AML_MAINTAINED) == (31, 18, None)
assert km_median(*AML_NONMAINTAINED) == (23, 8, None)

rng = np.random.default_rng(7)
budget = 1000
draw = np.minimum(np.round(rng.lognormal(6.5, 0.8, 30)), budget)
KM_SETS = {
    "aml maintained (R: 31 [18, NA])": AML_MAINTAINED,
    "aml nonmaintained (R: 23 [8, NA])": AML_NONMAINTAINED,
    "no censoring, n = 10 (flat at 0.5: midpoint)": (
        [2181, 1156, 1402, 990, 1733, 1210, 1620, 1300, 1875, 1044], [1] * 10),
    "no censoring, odd n": ([5, 3, 9, 1, 7], [1] * 5),
    "ties, censored at the budget": (
        [120, 120, 150, 150, 150, 200, 3000, 3000, 180, 120],
        [1, 1, 1, 1, 1, 1, 0, 0, 1, 1]),
    "censoring tied with events": ([10, 10, 20, 20, 30, 40, 40], [1, 0, 1, 0, 1, 1, 0]),
    "half escaped (flat at 0.5 to the budget: R's midpoint)": (
        [100, 200, 300, 3000, 3000, 3000], [1, 1, 1, 0, 0, 0]),
    "two of six escaped (median never reached)": (
        [100, 200, 3000, 3000, 3000, 3000], [1, 1, 0, 0, 0, 0]),
    "flat at 0.5 up to the censored end": ([10, 20, 30, 30], [1, 1, 0, 0]),
    "all censored": ([3000] * 5, [0] * 5),
    "n = 1, escaped": ([42], [1]),
    "n = 1, censored": ([3000], [0]),
    "lognormal n = 30, censored at the budget": (
        [float(v) for v in draw], [int(v < budget) for v in draw]),
}
km_rows = []
for name, (t, e) in KM_SETS.items():
    med = km_median(t, e)
    check_lifelines(t, e, med[0])
    km_rows.append((name, [float(v) for v in t], [bool(v) for v in e], med))

# ---------------------------------------------------------------- Wilson
WILSON = [(0, 10), (10, 10), (9, 10), (3, 10), (1, 1), (0, 1), (37, 50), (5, 7)]
wilson_rows = []
for k, n in WILSON:
    ci = st.binomtest(k, n).proportion_ci(0.95, method="wilson")
    wilson_rows.append((k, n, ci.low, ci.high))


# ---------------------------------------------------------------- Wilcoxon
def scipy_method(d):
    d = np.asarray(d)
    nz = d[d != 0]
    ties = len(np.unique(np.abs(nz))) < len(nz)
    if len(d) > 50:
        return "normal"
    if not ties and len(nz) == len(d):
        return "exact"
    return "exact-conditional" if len(d) <= 13 else "normal"


WILCOXON_SETS = {
    "n = 10, no ties (exact)": (
        [100, 220, 340, 410, 505, 640, 700, 815, 990, 1000],
        [210, 200, 300, 800, 1000, 300, 1450, 1700, 2100, 3000]),
    "n = 9, tied ratios (exact conditional)": (
        [100, 200, 300, 400, 500, 600, 700, 800, 900],
        [200, 400, 150, 800, 1000, 300, 2800, 1600, 1800]),
    "n = 8 with zeros (exact conditional)": (
        [100, 200, 300, 400, 500, 600, 700, 800],
        [100, 400, 300, 1600, 1000, 300, 2800, 200]),
    "n = 20, ties (normal, tie-corrected)": (
        [100 * (i + 1) for i in range(20)],
        [100 * (i + 1) * (2 if i % 3 else 0.5) if i % 5 else 100 * (i + 1) * 3
         for i in range(20)]),
    "n = 60, no ties (normal)": (
        list(np.round(np.exp(np.random.default_rng(3).normal(7, 0.5, 60)))),
        list(np.round(np.exp(np.random.default_rng(4).normal(7.3, 0.5, 60))))),
    "n = 1 (exact, p = 1)": ([100], [300]),
}
wilcoxon_rows = []
for name, (a, b) in WILCOXON_SETS.items():
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    d = np.log(a / b)
    res = st.wilcoxon(d)
    wilcoxon_rows.append((name, list(a), list(b), float(res.statistic), float(res.pvalue),
                          scipy_method(d)))

# Differences given directly (no logarithm), to pin the zero and tie rules of the approximation.
DIFFERENCE_SETS = {
    "n = 17, two zeros and ties (normal; zeros out of the tie correction)":
        [0, 0, 1, -2, 3, 4, -5, 6, 7, 8, -9, 10, 11, 12, 13, 2, -3],
    "n = 12, ties (exact conditional)": [1, -1, 2, 2, -3, 4, 5, 5, 6, -7, 8, 9],
    "n = 30, no ties (exact)": [float(i + 1) * (-1 if i % 4 == 0 else 1) for i in range(30)],
}
difference_rows = []
for name, d in DIFFERENCE_SETS.items():
    res = st.wilcoxon(np.asarray(d, float))
    difference_rows.append((name, [float(v) for v in d], float(res.statistic),
                            float(res.pvalue), scipy_method(d)))


# ---------------------------------------------------------------- paired bootstrap
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def splitmix_bootstrap(ratios, resamples=4000, seed=0x5EED):
    g = SplitMix64(seed)
    n = len(ratios)
    meds = [float(np.median([ratios[g.next() % n] for _ in range(n)]))
            for _ in range(resamples)]
    return float(np.percentile(meds, 2.5)), float(np.percentile(meds, 97.5))


BOOT_SETS = {
    "n = 10, spread ratios": [0.05, 0.08, 0.11, 0.07, 0.2, 0.09, 0.06, 0.13, 0.1, 0.3],
    "n = 7, ties": [0.5, 0.5, 0.25, 1.0, 0.5, 2.0, 0.25],
    "n = 25, lognormal": list(np.exp(np.random.default_rng(11).normal(-1, 0.7, 25))),
    "n = 1": [0.4],
}
boot_rows = []
for name, r in BOOT_SETS.items():
    r = [float(v) for v in r]
    exact = splitmix_bootstrap(r)
    arr = np.asarray(r)
    idx = np.random.default_rng(0).integers(0, len(arr), size=(200_000, len(arr)))
    big = np.median(arr[idx], axis=1)
    q = [float(v) for v in np.percentile(big, [1.5, 2.5, 3.5, 96.5, 97.5, 98.5])]
    boot_rows.append((name, r, float(np.median(arr)), exact, q))

# ---------------------------------------------------------------- performance profile
PROFILE_T = {  # method -> per-problem measure (inf = failed)
    "gd": [100.0, 400.0, math.inf, 50.0],
    "deo": [20.0, 400.0, 900.0, 100.0],
    "adam": [40.0, 200.0, math.inf, 25.0],
}
TAUS = [1.0, 1.5, 2.0, 4.0, 5.0, 10.0]
best = np.min(np.array(list(PROFILE_T.values())), axis=0)
profile_rows = []
for m, t in PROFILE_T.items():
    ratios = np.asarray(t) / best
    profile_rows.append((m, [float(np.mean(ratios <= tau)) for tau in TAUS]))


# ---------------------------------------------------------------- emit Swift
def num(v):
    if v is None:
        return "nil"
    if math.isinf(v):
        return "Double.infinity"
    if math.isnan(v):
        return "Double.nan"
    return repr(float(v))


def arr(vs):
    return "[" + ", ".join(num(v) for v in vs) + "]"


def s(x):
    return '"' + x.replace('"', '\\"') + '"'


out = [
    "// Generated by scripts/reference/study_statistics.py "
    f"(numpy {np.__version__}, scipy {scipy.__version__}, lifelines {lifelines.__version__}).",
    "// Do not edit.",
    "",
    "/// Reference values for the study statistics (see the script for what each one is).",
    "enum StatisticsReference {",
    "  /// (successes, trials, Wilson low, Wilson high) from scipy.stats.binomtest.",
    "  static let wilson: [(k: Int, n: Int, low: Double, high: Double)] = [",
]
out += [f"    ({k}, {n}, {num(lo)}, {num(hi)})," for k, n, lo, hi in wilson_rows]
out += [
    "  ]",
    "",
    "  /// KM median and its Brookmeyer-Crowley 95% interval (log transform, R's rules); nil =",
    "  /// not reached / undefined (R's NA).",
    "  static let kaplanMeier:",
    "    [(name: String, times: [Double], events: [Bool], median: Double?, low: Double?,",
    "      high: Double?)] = [",
]
for name, t, e, (m, lo, hi) in km_rows:
    out.append(f"      ({s(name)}, {arr(t)},")
    out.append(f"       [{', '.join('true' if v else 'false' for v in e)}],")
    out.append(f"       {num(m)}, {num(lo)}, {num(hi)}),")
out += [
    "    ]",
    "",
    "  /// scipy.stats.wilcoxon(log(a / b)) with its defaults: statistic min(W+, W-), two-sided",
    "  /// p, and the method scipy's 'auto' chose.",
    "  static let wilcoxon:",
    "    [(name: String, a: [Double], b: [Double], statistic: Double, p: Double,",
    "      method: String)] = [",
]
for name, a, b, stat, p, meth in wilcoxon_rows:
    out.append(f"      ({s(name)}, {arr(a)},")
    out.append(f"       {arr(b)}, {num(stat)}, {num(p)}, {s(meth)}),")
out += [
    "    ]",
    "",
    "  /// scipy.stats.wilcoxon(d) on differences given directly.",
    "  static let wilcoxonDifferences:",
    "    [(name: String, d: [Double], statistic: Double, p: Double, method: String)] = [",
]
for name, d, stat, p, meth in difference_rows:
    out.append(f"      ({s(name)}, {arr(d)},")
    out.append(f"       {num(stat)}, {num(p)}, {s(meth)}),")
out += [
    "    ]",
    "",
    "  /// Per-seed ratios, their median, the SplitMix64 bootstrap's exact 95% bounds, and a",
    "  /// 200,000-resample numpy bootstrap's quantiles at 1.5, 2.5, 3.5, 96.5, 97.5, 98.5%.",
    "  static let bootstrap:",
    "    [(name: String, ratios: [Double], median: Double, low: Double, high: Double,",
    "      quantiles: [Double])] = [",
]
for name, r, med, (lo, hi), q in boot_rows:
    out.append(f"      ({s(name)}, {arr(r)},")
    out.append(f"       {num(med)}, {num(lo)}, {num(hi)}, {arr(q)}),")
out += [
    "    ]",
    "",
    "  /// Dolan-More: per-problem measures per method, the taus, and rho(tau) per method.",
    "  static let profileMeasures: [(method: String, values: [Double])] = [",
]
out += [f"    ({s(m)}, {arr(t)})," for m, t in PROFILE_T.items()]
out += ["  ]", f"  static let profileTaus: [Double] = {arr(TAUS)}",
        "  static let profileRho: [(method: String, rho: [Double])] = ["]
out += [f"    ({s(m)}, {arr(r)})," for m, r in profile_rows]
out += ["  ]", "}"]
if __name__ == "__main__":
    print("\n".join(out))
