"""optax peer for `saddle bench update`: one Adam step (update + apply_updates) at n params.

jax.jit with donated params and state (in place), steady state after warm-up, median of REPS
calls each ending in block_until_ready. Prints one line: `optax-adam n=... ms=...`.
Usage: python optax_peer.py [n=10000000] [reps=30]   (prefix `taskset -c 0` for one CPU)
"""
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import optax

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
opt = optax.adam(1e-3)
k1, k2 = jax.random.split(jax.random.PRNGKey(0))
params = jax.random.normal(k1, (n,), jnp.float32)
grads = jax.random.normal(k2, (n,), jnp.float32) * 1e-2
state = opt.init(params)


def step(p, g, s):
    u, s = opt.update(g, s, p)
    return optax.apply_updates(p, u), s


f = jax.jit(step, donate_argnums=(0, 2))
times = []
for i in range(5 + reps):
    t0 = time.perf_counter()
    params, state = f(params, grads, state)
    jax.block_until_ready((params, state))
    if i >= 5:
        times.append((time.perf_counter() - t0) * 1e3)
print(f"optax-adam n={n} ms={statistics.median(times):.3f} jax={jax.__version__} optax={optax.__version__}")
