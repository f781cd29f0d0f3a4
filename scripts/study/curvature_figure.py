#!/usr/bin/env python3
"""Spectral densities (SLQ) and dimer-vs-Lanczos table from DEOOnTransformer --diagnose-at JSON.

Usage: python3 scripts/study/curvature_figure.py Studies/deo-transformer-curvature.json \
           Studies/deo-transformer-spectrum.svg
Prints a markdown table; writes an SVG of the Gaussian-smoothed densities (width 1% of the
largest |node|), one curve per step. Standard library only.
"""
import json
import math
import sys

samples = json.load(open(sys.argv[1]))
print("| step | held-out loss | Lanczos λ_min | Lanczos λ_max | dimer C | angle(N, v_min) | "
      "|C − λ_min|/|λ_min| | SLQ mass < −1% λ_max | SLQ mass > +1% λ_max |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
curves = []
for s in samples:
    d = s["density"]
    nodes, weights = d["nodes"], d["weights"]
    cut = 0.01 * s["lanczosMaximum"]
    neg = sum(w for x, w in zip(nodes, weights) if x < -cut)
    pos = sum(w for x, w in zip(nodes, weights) if x > cut)
    print(f"| {s['step']} | {s['loss']:.3f} | {s['lanczosMinimum']:+.3g} | "
          f"{s['lanczosMaximum']:+.3g} | {s['dimerCurvature']:+.3g} | {s['angleDegrees']:.1f}° | "
          f"{s['relativeError']:.2f} | {neg:.3f} | {pos:.3f} |")
    curves.append((s["step"], nodes, weights))

W, H, ml, mr, mt, mb = 640, 380, 60, 150, 30, 45
lo = min(min(n) for _, n, _ in curves)
hi = max(max(n) for _, n, _ in curves)
span = hi - lo
grid = [lo - 0.05 * span + i * 1.1 * span / 400 for i in range(401)]
width = 0.01 * max(abs(lo), abs(hi))
series = []
for step, nodes, weights in curves:
    ys = []
    for t in grid:
        v = sum(w * math.exp(-0.5 * ((t - x) / width) ** 2) for x, w in zip(nodes, weights))
        ys.append(math.log10(v / (width * math.sqrt(2 * math.pi)) + 1e-6))
    series.append((step, ys))
ymin = min(min(y) for _, y in series)
ymax = max(max(y) for _, y in series)
px = lambda t: ml + (t - grid[0]) / (grid[-1] - grid[0]) * (W - ml - mr)
py = lambda y: mt + (ymax - y) / (ymax - ymin) * (H - mt - mb)
colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{ml}" y="18" font-size="13">Hessian spectral density (SLQ, log10), induction Transformer, Adam</text>',
       f'<line x1="{ml}" y1="{H-mb}" x2="{W-mr}" y2="{H-mb}" stroke="black"/>',
       f'<line x1="{ml}" y1="{mt}" x2="{ml}" y2="{H-mb}" stroke="black"/>',
       f'<line x1="{px(0):.1f}" y1="{mt}" x2="{px(0):.1f}" y2="{H-mb}" stroke="#999" stroke-dasharray="4"/>',
       f'<text x="{(ml+W-mr)/2}" y="{H-8}" text-anchor="middle">eigenvalue</text>']
for k in range(5):
    t = grid[0] + k * (grid[-1] - grid[0]) / 4
    y = ymin + k * (ymax - ymin) / 4
    out.append(f'<text x="{px(t):.1f}" y="{H-mb+14}" text-anchor="middle">{t:.0f}</text>')
    out.append(f'<text x="{ml-4}" y="{py(y)+4:.1f}" text-anchor="end">{y:.1f}</text>')
labels = {0: "initialization", 150: "mid-plateau", 350: "after escape"}
for i, (step, ys) in enumerate(series):
    c = colors[i % 4]
    pts = " ".join(f"{px(t):.1f},{py(y):.1f}" for t, y in zip(grid, ys))
    out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{pts}"/>')
    out.append(f'<text x="{W-mr+8}" y="{mt+14+16*i}" fill="{c}">step {step} {labels.get(step, "")}</text>')
out.append("</svg>")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
