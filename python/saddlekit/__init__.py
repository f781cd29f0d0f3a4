"""SaddleKit from Python: SaddleKit's optimizers, curvature estimators and saddle-escape
methods (built in Swift, the same registry and specs as `saddle run`) stepping a model that
stays in Python — NumPy, PyTorch (`saddlekit.torch`) or JAX (`saddlekit.jax`).

    import numpy as np, saddlekit
    x = np.array([-1.2, 1.0], dtype=np.float32)
    opt = saddlekit.Optimizer('[{"stage": "adam", "learningRate": 0.01}]', x)
    for _ in range(200):
        loss = opt.step(x, loss_and_grad)   # loss_and_grad(x) -> (loss, gradient)

See Guides/Python.md for the callback contract.
"""

from ._optimizer import (
    NonFiniteError,
    NonFiniteWarning,
    Optimizer,
    SaddleKitError,
    SpecError,
    StateError,
    registry as _registry,
)

__all__ = [
    "NonFiniteError",
    "NonFiniteWarning",
    "Optimizer",
    "SaddleKitError",
    "SpecError",
    "StateError",
    "api_version",
    "list",
]


def list():  # noqa: A001 - mirrors `saddle list`
    """The registry (what `saddle list` shows): every problem, estimator, rule and preset as
    ``{"name", "kind", "summary", "parameters": [{"name", "default", "accepted"}]}``."""
    return _registry()


def api_version():
    """The C API version of the loaded libSaddleKitC."""
    from . import _lib

    return _lib.load().saddlekit_api_version()
