"""saddlekit.torch.SaddleOptimizer (skipped when PyTorch is not installed)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import saddlekit  # noqa: E402
from saddlekit.torch import SaddleOptimizer  # noqa: E402
from problems import rosenbrock  # noqa: E402


def test_torch_matches_numpy_on_rosenbrock():
    xy = torch.nn.Parameter(torch.tensor([-1.2, 1.0], dtype=torch.float32))
    opt = SaddleOptimizer([xy], spec='[{"stage":"adam","learningRate":0.01}]')

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0].double()) ** 2 + 100 * (xy[1].double() - xy[0].double() ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(50):
        opt.step(closure)
    x = np.array([-1.2, 1.0], dtype=np.float32)
    reference = saddlekit.Optimizer('[{"stage":"adam","learningRate":0.01}]', x)
    for _ in range(50):
        reference.step(x, rosenbrock)
    assert np.max(np.abs(xy.detach().numpy() - x)) < 1e-4
    assert opt.counts == reference.counts


def test_torch_dimer_closure_is_called_again():
    w = torch.nn.Parameter(torch.tensor([0.01, 0.02]))
    opt = SaddleOptimizer([w], spec='[{"stage":"deo-adamw","learningRate":0.01,"period":1}]')
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = w[0] ** 2 - w[1] ** 2
        loss.backward()
        return loss

    opt.step(closure)
    assert calls[0] == opt.counts["gradients"] > 1
    state = opt.state_dict()
    opt.load_state_dict(state)
