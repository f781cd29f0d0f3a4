"""`saddlekit.torch.SaddleOptimizer`: a SaddleKit optimizer as a `torch.optim.Optimizer`.

Importable only when PyTorch is installed. The convention is `torch.optim.LBFGS`'s:
`step(closure)` where the closure clears the gradients, computes the loss on its batch, calls
`backward()` and returns the loss; the optimizer calls it again at every extra point it needs
(the dimer's probe, SAM's ascent point, …), with the parameters set to that point.
"""

import numpy as np
import torch

from ._optimizer import Optimizer


def _scalar(loss):
    return float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)


class SaddleOptimizer(torch.optim.Optimizer):
    """``SaddleOptimizer(model.parameters(), spec=…, seed=0, on_nonfinite="stop",
    names=None)``. Parameters are flattened (in float32, on the CPU) into one vector with one
    segment per tensor, named by ``names`` (e.g. ``[n for n, _ in model.named_parameters()]``)
    or ``param0``, ``param1``, …; stage ``segments`` fields refer to these names."""

    def __init__(self, params, spec, seed=0, on_nonfinite="stop", names=None):
        super().__init__(params, defaults={})
        self._tensors = [p for group in self.param_groups for p in group["params"]]
        if names is None:
            names = [f"param{i}" for i in range(len(self._tensors))]
        names = list(names)
        if len(names) != len(self._tensors):
            raise ValueError(f"{len(names)} names for {len(self._tensors)} parameter tensors")
        segments = [(name, tuple(p.shape) or (1,)) for name, p in zip(names, self._tensors)]
        self._flat = self._gather()
        self.saddle = Optimizer(spec, self._flat, segments=segments, seed=seed,
                                on_nonfinite=on_nonfinite)

    def _gather(self):
        if not self._tensors:
            return np.zeros(0, dtype=np.float32)
        return torch.cat([p.detach().reshape(-1).to("cpu", torch.float32)
                          for p in self._tensors]).numpy().copy()

    @torch.no_grad()
    def _scatter(self, flat):
        offset = 0
        source = torch.from_numpy(np.ascontiguousarray(flat).reshape(-1))
        for p in self._tensors:
            n = p.numel()
            p.copy_(source[offset:offset + n].view_as(p).to(p.device, p.dtype))
            offset += n

    def _gradient(self):
        parts = []
        for p in self._tensors:
            g = p.grad
            parts.append(torch.zeros(p.numel()) if g is None
                         else g.detach().reshape(-1).to("cpu", torch.float32))
        return torch.cat(parts).numpy()

    def step(self, closure):
        """One SaddleKit step; returns the loss (a float) before it."""
        if closure is None:
            raise ValueError("SaddleOptimizer.step needs a closure (as torch.optim.LBFGS)")

        def loss_and_grad(x):
            self._scatter(x)
            with torch.enable_grad():
                loss = closure()
            return _scalar(loss), self._gradient()

        x = self._gather()
        first = [True]

        def evaluate(point):
            if first[0]:  # the current point: the parameters are already there
                first[0] = False
                with torch.enable_grad():
                    loss = closure()
                return _scalar(loss), self._gradient()
            return loss_and_grad(point)

        try:
            return self.saddle.step(x, evaluate)
        finally:
            self._scatter(x)

    def state_dict(self):
        return {"saddlekit_state": self.saddle.state_dict()["saddlekit_state"]}

    def load_state_dict(self, state_dict):
        x = self._gather()
        self.saddle.load_state_dict(state_dict, params=x)
        self._scatter(x)

    @property
    def counts(self):
        return self.saddle.counts

    @property
    def metrics(self):
        return self.saddle.metrics
