"""The cost of crossing the C boundary: one `saddlekit.Optimizer.step` from Python against one
pure-Swift step of the same spec, at 1e3, 1e5 and 1e7 parameters (Guides/Python.md).

    swift build -c release --product SaddleKitC
    python3 python/benchmarks/overhead.py [--spec JSON] [--rounds 5]

Both sides use a fixed gradient (Swift: copied from a stored vector; Python: `loss_and_grad`
returns a stored float32 array), so the difference is the boundary: the ctypes call, the
copies of parameters in and out and of the gradient, and the Python-side checks. Swift and
Python blocks are interleaved in each round; the table shows medians over the rounds.
"""

import argparse
import ctypes
import statistics
import time

import numpy as np

import saddlekit
from saddlekit import _lib

SIZES = [(1_000, 2_000), (100_000, 200), (10_000_000, 5)]


def swift_seconds(spec, count, steps):
    lib = _lib.load()
    seconds = ctypes.c_double()
    message = ctypes.create_string_buffer(1024)
    code = lib.saddlekit_bench_swift_steps(
        spec.encode(), count, steps, ctypes.byref(seconds), message, 1024)
    if code != 0:
        raise RuntimeError(message.value.decode())
    return seconds.value / steps


def python_seconds(spec, count, steps):
    x = np.zeros(count, dtype=np.float32)
    gradient = (np.arange(count) % 7).astype(np.float32) * np.float32(1e-3)
    opt = saddlekit.Optimizer(spec, x)

    def loss_and_grad(_params):
        return 0.0, gradient

    opt.step(x, loss_and_grad)  # warm-up (first-touch of the state buffers)
    start = time.perf_counter()
    for _ in range(steps):
        opt.step(x, loss_and_grad)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default='[{"stage":"adam","learningRate":0.001}]')
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"spec {args.spec}; median of {args.rounds} interleaved rounds")
    print("| parameters | Swift step | Python step | overhead | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for count, steps in SIZES:
        swift, python = [], []
        swift_seconds(args.spec, count, 1)  # warm-up
        for _ in range(args.rounds):
            swift.append(swift_seconds(args.spec, count, steps))
            python.append(python_seconds(args.spec, count, steps))
        s, p = statistics.median(swift), statistics.median(python)
        print(f"| {count:.0e} | {s * 1e6:.1f} µs | {p * 1e6:.1f} µs | {(p - s) * 1e6:.1f} µs "
              f"| {p / s:.2f} |")


if __name__ == "__main__":
    main()
