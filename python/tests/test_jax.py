"""saddlekit.jax on a JAX model, compared with the NumPy (float64 → float32) trajectory.

JAX computes the Rosenbrock gradient in float32 with its own fusion, so the trajectories
differ by rounding: after 200 Adam steps (lr 0.01) the parameters agree to 1e-4 (absolute),
and the counts exactly.
"""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import saddlekit  # noqa: E402
import saddlekit.jax as sj  # noqa: E402
from problems import rosenbrock  # noqa: E402

SPEC = '[{"stage":"adam","learningRate":0.01}]'
TOLERANCE = 1e-4


def jax_rosenbrock(params):
    x, y = params["xy"][0], params["xy"][1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def test_jax_model_follows_the_numpy_trajectory():
    params = {"xy": jnp.array([-1.2, 1.0], dtype=jnp.float32)}
    opt = sj.Optimizer(SPEC, params)
    value_and_grad = jax.jit(jax.value_and_grad(jax_rosenbrock))
    for _ in range(200):
        params, loss = opt.step(params, value_and_grad)

    x = np.array([-1.2, 1.0], dtype=np.float32)
    reference = saddlekit.Optimizer(SPEC, x)
    for _ in range(200):
        reference.step(x, rosenbrock)
    assert np.max(np.abs(np.asarray(params["xy"]) - x)) < TOLERANCE
    assert opt.counts == reference.counts
    assert isinstance(loss, float)


def test_jax_dimer_and_state():
    params = {"w": jnp.array([0.01, 0.02], dtype=jnp.float32)}

    def saddle(p):
        return p["w"][0] ** 2 - p["w"][1] ** 2

    value_and_grad = jax.jit(jax.value_and_grad(saddle))
    opt = sj.Optimizer('[{"stage":"deo-adam","learningRate":0.01,"period":2}]', params)
    for _ in range(4):
        params, _ = opt.step(params, value_and_grad)
    assert opt.counts["gradients"] > 4
    saved = opt.state_dict()
    restored = sj.Optimizer('[{"stage":"deo-adam","learningRate":0.01,"period":2}]', params)
    back = restored.load_state_dict(saved)
    assert np.array_equal(np.asarray(back["w"]), np.asarray(params["w"]))
