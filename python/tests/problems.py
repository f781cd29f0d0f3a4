"""The closed-form problems of SaddleModels in NumPy, with the same float64 operations in the
same order as the Swift code (so gradients round to the same float32 bits)."""

import numpy as np


def rosenbrock(x, a=1.0, b=100.0):
    """`(a − x)² + b(y − x²)²` and its gradient (Sources/SaddleModels/Problems/Rosenbrock.swift)."""
    px, py = float(x[0]), float(x[1])
    u = a - px
    v = py - px * px
    loss = u * u + b * v * v
    grad = np.array([-2 * (a - px) - 4 * b * px * v, 2 * b * v], dtype=np.float64)
    return loss, grad.astype(np.float32)


def hyperbolic_saddle(x, a=1.0, b=1.0):
    """`a·x² − b·y²` and its gradient (HyperbolicSaddle.swift)."""
    px, py = float(x[0]), float(x[1])
    loss = a * px * px - b * py * py
    grad = np.array([2 * a * px, -2 * b * py], dtype=np.float64)
    return loss, grad.astype(np.float32)


PROBLEMS = {"rosenbrock": rosenbrock, "hyperbolic-saddle": hyperbolic_saddle}
