#!/usr/bin/env python3
"""Float64 reference trajectories for SaddleKit's classic update rules.

Runs every rule for STEPS steps on the quartic saddle problem

    f(θ) = ½ Σ λᵢ θᵢ² + Σ cᵢ θᵢ⁴,   ∇f(θ)ᵢ = λᵢ θᵢ + 4 cᵢ θᵢ³,

(some λᵢ < 0, so the origin is a saddle) from a fixed start, with the gradient evaluated at
each iterate, and prints Swift source holding every iterate θ₀ … θ_STEPS.

The formulas are written here from the papers and the PyTorch / optax documentation,
independently of the Swift code, in plain numpy float64:

    python3 scripts/reference/classic_rules.py \
        > Tests/SaddleCoreTests/Rules/ClassicRulesReference.swift
"""

import math

import numpy as np

STEPS = 10
# n = 11: one SIMD8 block plus a 3-element scalar tail in the Swift kernels. Values are dyadic
# so Float32 holds the start exactly.
EIGENVALUES = np.array([2.0, 1.0, 0.5, -0.5, -1.0, 3.0, 1.5, 0.25, -0.25, 4.0, 0.75])
QUARTIC = np.array([0.125, 0.25, 0.0625, 0.5, 0.25, 0.125, 0.0, 0.375, 0.5, 0.0625, 0.25])
START = np.array([1.0, -0.75, 1.5, 0.625, -0.625, 0.875, -1.25, 1.125, -0.5, 0.375, -1.0])


def gradient(theta):
    return EIGENVALUES * theta + 4.0 * QUARTIC * theta**3


def run(direction_of):
    """Iterates θ ← θ − d(g, θ); `direction_of` keeps its own state in a closure."""
    theta = START.copy()
    path = [theta.copy()]
    for _ in range(STEPS):
        g = gradient(theta)
        theta = theta - direction_of(g, theta)
        path.append(theta.copy())
    return path


def constant(eta):
    return lambda t: eta


def warmup_cosine(eta, warmup, steps, final):
    """Linear warm-up η(t+1)/W for t < W, then cosine decay from η to final·η over T − W."""

    def rate(t):
        if t < warmup:
            return eta * (t + 1) / warmup
        decay = max(steps - warmup, 1)
        progress = min(t - warmup, decay) / decay
        return eta * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * progress)))

    return rate


def sgd(lr):
    t = [0]

    def d(g, theta):
        eta = lr(t[0])
        t[0] += 1
        return eta * g

    return d


def momentum(lr, mu, nesterov=False):
    """PyTorch SGD(momentum=μ, dampening=0): b ← μb + g; d = ηb, or η(g + μb) for Nesterov."""
    b = np.zeros_like(START)
    t = [0]

    def d(g, theta):
        nonlocal b
        eta = lr(t[0])
        t[0] += 1
        b = mu * b + g
        return eta * (g + mu * b) if nesterov else eta * b

    return d


def adam(lr, beta1=0.9, beta2=0.999, eps=1e-8, decoupled_decay=0.0):
    """Kingma & Ba, PyTorch form: η·m̂/(√v̂ + ε), plus ηλθ for AdamW."""
    m = np.zeros_like(START)
    v = np.zeros_like(START)
    t = [0]

    def d(g, theta):
        nonlocal m, v
        eta = lr(t[0])
        t[0] += 1
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t[0])
        v_hat = v / (1 - beta2 ** t[0])
        return eta * (m_hat / (np.sqrt(v_hat) + eps) + decoupled_decay * theta)

    return d


def rmsprop(lr, alpha=0.99, eps=1e-8):
    v = np.zeros_like(START)
    t = [0]

    def d(g, theta):
        nonlocal v
        eta = lr(t[0])
        t[0] += 1
        v = alpha * v + (1 - alpha) * g * g
        return eta * g / (np.sqrt(v) + eps)

    return d


def adagrad(lr, eps=1e-10, initial=0.0):
    s = np.full_like(START, initial)
    t = [0]

    def d(g, theta):
        nonlocal s
        eta = lr(t[0])
        t[0] += 1
        s = s + g * g
        return eta * g / (np.sqrt(s) + eps)

    return d


def lion(lr, beta1=0.9, beta2=0.99, decay=0.0):
    """Chen et al. 2023, Algorithm 2: c = β₁m + (1−β₁)g; d = η(sign c + λθ); m ← β₂m + (1−β₂)g."""
    m = np.zeros_like(START)
    t = [0]

    def d(g, theta):
        nonlocal m
        eta = lr(t[0])
        t[0] += 1
        c = beta1 * m + (1 - beta1) * g
        m = beta2 * m + (1 - beta2) * g
        return eta * (np.sign(c) + decay * theta)

    return d


def then(first, second):
    """Stage `first`, then `second` on its output."""
    return lambda g, theta: second(first(g, theta), theta)


def clip_by_value(limit):
    return lambda g, theta: np.clip(g, -limit, limit)


def clip_by_global_norm(max_norm):
    """optax clip_by_global_norm: d·min(1, c/‖d‖)."""

    def d(g, theta):
        norm = np.linalg.norm(g)
        return g * (max_norm / norm) if norm > max_norm else g

    return d


def weight_decay(rate):
    return lambda g, theta: g + rate * theta


def scale(factor):
    return lambda g, theta: factor * g


# Keep in sync with `ClassicRuleCase` in Tests/SaddleCoreTests/Rules/ClassicRuleCase.swift.
CASES = {
    "sgd": lambda: sgd(constant(0.05)),
    "momentum": lambda: momentum(constant(0.05), 0.9),
    "nesterov": lambda: momentum(constant(0.05), 0.9, nesterov=True),
    "adam": lambda: adam(constant(0.05)),
    "adamW": lambda: adam(constant(0.05), decoupled_decay=0.1),
    "rmsProp": lambda: rmsprop(constant(0.01)),
    "adagrad": lambda: adagrad(constant(0.1)),
    "lion": lambda: lion(constant(0.01), decay=0.1),
    "clipByValueSGD": lambda: then(clip_by_value(0.5), sgd(constant(0.05))),
    "clipByGlobalNormSGD": lambda: then(clip_by_global_norm(1.0), sgd(constant(0.1))),
    "weightDecaySGD": lambda: then(weight_decay(0.1), sgd(constant(0.05))),
    "adagradScale": lambda: then(adagrad(constant(0.1)), scale(0.5)),
    "adamWarmupCosine": lambda: adam(warmup_cosine(0.05, 3, 10, 0.1)),
}


def literal(values):
    return "[" + ", ".join(repr(float(x)) for x in values) + "]"


def wrapped(values, indent, suffix=","):
    """An array literal laid out as swift-format lays it out: on one line if it fits in 100
    columns, else `[`, the elements filled greedily at indent + 2 with a trailing comma, `]`."""
    pad = " " * indent
    one_line = pad + literal(values) + suffix
    if len(one_line) < 100:
        return [one_line]
    lines, current = [pad + "["], pad + "  "
    for x in values:
        item = repr(float(x)) + ","
        if len(current) + len(item) >= 100 and current.strip():
            lines.append(current.rstrip())
            current = pad + "  "
        current += item + " "
    lines.append(current.rstrip())
    lines.append(pad + "]" + suffix)
    return lines


def main():
    out = []
    out.append("// Generated by scripts/reference/classic_rules.py — do not edit.")
    out.append("// Float64 numpy trajectories θ₀ … θ₁₀ of f(θ) = ½Σλᵢθᵢ² + Σcᵢθᵢ⁴.")
    out.append("")
    out.append("/// The quartic saddle problem the reference trajectories run on.")
    out.append("let classicRulesProblem = (")
    out.append(f"  eigenvalues: {literal(EIGENVALUES)},")
    out.append(f"  quartic: {literal(QUARTIC)},")
    out.append(f"  start: {literal(START)}")
    out.append(")")
    out.append("")
    out.append("/// Every iterate of every reference run, by case name.")
    out.append("let classicRulesReference: [String: [[Double]]] = [")
    for name, make in CASES.items():
        out.append(f'  "{name}": [')
        for theta in run(make()):
            out.extend(wrapped(theta, 4))
        out.append("  ],")
    out.append("]")
    print("\n".join(out))


if __name__ == "__main__":
    main()
