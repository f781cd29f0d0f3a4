"""`saddlekit.jax`: SaddleKit optimizers for JAX parameter pytrees.

    opt = saddlekit.jax.Optimizer(spec, params)           # any pytree of float32 arrays
    value_and_grad = jax.jit(jax.value_and_grad(loss_fn))  # params -> (loss, grads)
    params, loss = opt.step(params, value_and_grad)       # updated parameters out

The pytree is flattened (`jax.flatten_util.ravel_pytree`) into one float32 vector with one
segment per leaf, named by its tree path (e.g. `['w']`).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ._optimizer import Optimizer as _Optimizer


class Optimizer:
    """A SaddleKit optimizer over a JAX pytree of parameters."""

    def __init__(self, spec, params, seed=0, on_nonfinite="stop"):
        flat, self._unravel = ravel_pytree(params)
        leaves = jax.tree_util.tree_flatten_with_path(params)[0]
        segments = [(jax.tree_util.keystr(path) or "x", tuple(np.shape(leaf)) or (1,))
                    for path, leaf in leaves]
        self._x = np.asarray(flat, dtype=np.float32).copy()
        self.saddle = _Optimizer(spec, self._x, segments=segments, seed=seed,
                                 on_nonfinite=on_nonfinite)

    def step(self, params, value_and_grad):
        """One step: ``value_and_grad(params) -> (loss, grads)`` (grads a pytree like params)
        is called at the current point and wherever the optimizer needs another evaluation.
        Returns ``(new_params, loss)``."""
        x = np.asarray(ravel_pytree(params)[0], dtype=np.float32).copy()

        def loss_and_grad(point):
            loss, grads = value_and_grad(self._unravel(jnp.asarray(point)))
            return float(loss), np.asarray(ravel_pytree(grads)[0], dtype=np.float32)

        loss = self.saddle.step(x, loss_and_grad)
        return self._unravel(jnp.asarray(x)), loss

    def state_dict(self):
        return self.saddle.state_dict()

    def load_state_dict(self, state):
        """Restores a state; returns the saved parameters as a pytree."""
        self.saddle.load_state_dict(state)
        return self._unravel(jnp.asarray(self.saddle.parameters))

    @property
    def counts(self):
        return self.saddle.counts

    @property
    def metrics(self):
        return self.saddle.metrics


def step(optimizer, params, value_and_grad):
    """``optimizer.step(params, value_and_grad)`` as a function: updated parameters, loss."""
    return optimizer.step(params, value_and_grad)
