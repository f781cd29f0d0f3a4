"""saddlekit.Optimizer against `saddle run`, bit for bit, and its error handling."""

import json
import math
import os
import subprocess
import warnings

import numpy as np
import pytest

import saddlekit
from problems import PROBLEMS, hyperbolic_saddle, rosenbrock
from reference import CASES, run_case

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "saddle_run_expected.json")) as f:
    EXPECTED = json.load(f)

ADAM = '[{"stage":"adam","learningRate":0.01}]'


def run_python(case):
    """The case of reference.py stepped from Python: final parameters, counts, losses."""
    x = np.array(case["start"], dtype=np.float32)
    opt = saddlekit.Optimizer(json.dumps(case["optimizer"]), x)
    problem = PROBLEMS[case["problem"]]
    losses = [opt.step(x, problem) for _ in range(case["steps"])]
    return x, opt.counts, losses


@pytest.mark.parametrize("name", sorted(CASES))
def test_trajectory_matches_committed_saddle_run_bit_for_bit(name):
    x, counts, losses = run_python(CASES[name])
    expected = EXPECTED[name]
    # The trace prints each float32 widened to float64 exactly, so == is bit equality.
    assert x.tolist() == expected["params"]
    assert np.array(expected["params"], dtype=np.float32).tobytes() == x.tobytes()
    assert losses == expected["losses"]
    assert counts["gradients"] == expected["gradEvals"]
    assert counts["steps"] == CASES[name]["steps"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_committed_expectation_is_what_saddle_run_prints_now(name, saddle):
    fresh = run_case(saddle, CASES[name])
    assert fresh["params"] == EXPECTED[name]["params"]
    assert fresh["gradEvals"] == EXPECTED[name]["gradEvals"]
    assert fresh["losses"] == EXPECTED[name]["losses"]


def test_dimer_evaluations_arrive_through_the_callback_and_are_counted():
    x = np.array([0.01, 0.02], dtype=np.float32)
    opt = saddlekit.Optimizer('[{"stage":"deo-adam","learningRate":0.01,"period":5}]', x)
    calls = []

    def loss_and_grad(point):
        calls.append(point.copy())
        return hyperbolic_saddle(point)

    for _ in range(10):
        before = len(calls)
        opt.step(x, loss_and_grad)
        assert len(calls) >= before + 1
    counts = opt.counts
    assert counts["gradients"] == len(calls)  # the first evaluation of a step is not repeated
    assert counts["gradients"] > 10  # the dimer's probes
    probes = [p for p in calls if not any(np.array_equal(p, q) for q in calls[:1])]
    assert len(probes) > 0
    assert counts["cost"] == counts["gradients"] + counts["losses"] + 2 * counts[
        "hessian_vector_products"]
    metrics = opt.metrics
    assert metrics["step"] == 10
    assert metrics["curvature"] is not None and metrics["curvature"] < 0  # −2 along y
    assert metrics["counts"]["gradients"] == counts["gradients"]


def test_zeroth_order_losses_use_the_loss_callback():
    x = np.array([0.3, -0.2], dtype=np.float32)
    opt = saddlekit.Optimizer(
        '[{"stage":"random-subspace-ritz","probes":2},{"stage":"sgd","learningRate":0.01}]', x)
    loss_calls = []

    def loss(point):
        loss_calls.append(1)
        return hyperbolic_saddle(point)[0]

    opt.step(x, hyperbolic_saddle, loss=loss)
    assert opt.counts["losses"] == len(loss_calls) > 0
    assert np.all(np.isfinite(x))


def test_exact_hvp_callback():
    x = np.array([0.3, -0.2], dtype=np.float32)
    opt = saddlekit.Optimizer(
        '[{"stage":"lanczos","rank":2,"hvp":"exact"},{"stage":"sgd","learningRate":0.01}]', x,
        exact_hvp=True)
    hessian = np.diag([2.0, -2.0])
    opt.step(x, hyperbolic_saddle, hvp=lambda p, v: (hessian @ v.astype(np.float64)))
    assert opt.counts["hessian_vector_products"] > 0
    assert opt.metrics["curvature"] == pytest.approx(-2.0, rel=1e-5)
    with pytest.raises(ValueError, match="exact_hvp"):
        opt.step(x, hyperbolic_saddle)


def test_state_round_trips_bit_for_bit():
    x = np.array([-1.2, 1.0], dtype=np.float32)
    a = saddlekit.Optimizer(ADAM, x)
    for _ in range(50):
        a.step(x, rosenbrock)
    saved = a.state_dict()
    assert isinstance(saved["saddlekit_state"], bytes)
    for _ in range(50):
        a.step(x, rosenbrock)

    y = np.zeros(2, dtype=np.float32)
    b = saddlekit.Optimizer(ADAM, y)
    b.load_state_dict(saved, params=y)
    assert b.counts["steps"] == 50
    for _ in range(50):
        b.step(y, rosenbrock)
    assert y.tobytes() == x.tobytes()
    assert b.counts == a.counts

    other = saddlekit.Optimizer('[{"stage":"sgd"}]', y)
    with pytest.raises(saddlekit.StateError, match="another optimizer"):
        other.load_state_dict(saved)
    wider = saddlekit.Optimizer(ADAM, np.zeros(3, dtype=np.float32))
    with pytest.raises(saddlekit.StateError, match="layout"):
        wider.load_state_dict(saved)
    with pytest.raises(saddlekit.StateError):
        b.load_state_dict({"saddlekit_state": b"{}"})


def test_bad_spec_raises_the_swift_one_line_error():
    x = np.zeros(2, dtype=np.float32)
    with pytest.raises(saddlekit.SpecError) as info:
        saddlekit.Optimizer('[{"stage":"adma","learningRate":0.01}]', x)
    assert "unknown stage 'adma'; did you mean 'adam'?" in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(saddlekit.SpecError, match="learningRate"):
        saddlekit.Optimizer([{"stage": "adam", "learningRate": -1}], x)
    with pytest.raises(saddlekit.SpecError, match="unknown field|rate"):
        saddlekit.Optimizer([{"stage": "adam", "rate": 1}], x)
    with pytest.raises(saddlekit.SpecError, match="malformed JSON"):
        saddlekit.Optimizer("[{", x)
    with pytest.raises(ValueError, match="segments"):
        saddlekit.Optimizer(ADAM, x, segments=[("w", (3,))])
    with pytest.raises(ValueError, match="policy"):
        saddlekit.Optimizer(ADAM, x, on_nonfinite="ignore")


def test_bad_spec_message_is_the_clis(saddle):
    spec = '[{"stage":"adma","learningRate":0.01}]'
    result = subprocess.run(
        [saddle, "run", "--problem", "rosenbrock", "--steps", "1", "--optimizer", spec],
        capture_output=True, text=True)
    assert result.returncode == 2
    with pytest.raises(saddlekit.SpecError) as info:
        saddlekit.Optimizer(spec, np.zeros(2, dtype=np.float32))
    # The CLI names where the spec came from (`--optimizer, `); the library's message is the rest.
    assert result.stderr.strip() == "saddle: --optimizer, " + str(info.value)


def test_params_must_be_updatable_in_place():
    opt = saddlekit.Optimizer(ADAM, np.zeros(2, dtype=np.float32))
    with pytest.raises(TypeError):
        opt.step(np.zeros(2, dtype=np.float64), rosenbrock)
    with pytest.raises(ValueError):
        opt.step(np.zeros(3, dtype=np.float32), rosenbrock)


class Boom(RuntimeError):
    pass


def failing_after(n, how):
    calls = [0]

    def loss_and_grad(point):
        calls[0] += 1
        if calls[0] > n:
            if how == "raise":
                raise Boom("the model failed")
            return math.nan, np.zeros(2, dtype=np.float32)
        return hyperbolic_saddle(point)

    return loss_and_grad


@pytest.mark.parametrize("how", ["raise", "nan"])
def test_failing_callback_stops_by_default(how):
    x = np.array([0.01, 0.02], dtype=np.float32)
    opt = saddlekit.Optimizer('[{"stage":"deo-adam","learningRate":0.01,"period":1}]', x)
    saved = opt.state_dict()
    with pytest.raises(saddlekit.NonFiniteError) as info:
        opt.step(x, failing_after(1, how))  # the dimer's probe fails
    assert x.tolist() == [np.float32(0.01), np.float32(0.02)]  # unchanged, never NaN
    if how == "raise":
        assert isinstance(info.value.__cause__, Boom)
        assert "Boom" in str(info.value)
    else:
        assert "non-finite" in str(info.value)
    with pytest.raises(saddlekit.NonFiniteError, match="stopped"):
        opt.step(x, hyperbolic_saddle)
    opt.load_state_dict(saved)  # a load clears the stop
    opt.step(x, hyperbolic_saddle)
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("how", ["raise", "nan"])
def test_failing_callback_is_skipped_with_policy_skip(how):
    x = np.array([0.01, 0.02], dtype=np.float32)
    opt = saddlekit.Optimizer(
        '[{"stage":"deo-adam","learningRate":0.01,"period":1}]', x, on_nonfinite="skip")
    with pytest.warns(saddlekit.NonFiniteWarning, match="skipped"):
        opt.step(x, failing_after(0, how))  # the caller's own evaluation fails
    assert x.tolist() == [np.float32(0.01), np.float32(0.02)]
    assert opt.counts["steps"] == 1
    assert opt.events[0]["action"] == "skip"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step(x, hyperbolic_saddle)
    assert opt.counts["steps"] == 2
    assert np.all(np.isfinite(x))


def test_rollback_rewrites_the_parameters_and_halves_the_learning_rate():
    x = np.array([0.01, 0.02], dtype=np.float32)
    opt = saddlekit.Optimizer(ADAM, x, on_nonfinite="rollback")
    for _ in range(3):
        opt.step(x, hyperbolic_saddle)
    with pytest.warns(saddlekit.NonFiniteWarning, match="rolled back to step 0"):
        opt.step(x, failing_after(0, "nan"))
    assert x.tolist() == [np.float32(0.01), np.float32(0.02)]
    assert opt.metrics["learningRateScale"] == 0.5
    assert opt.counts["steps"] == 0


def test_list_returns_the_registry():
    entries = saddlekit.list()
    names = {e["name"]: e for e in entries}
    assert {"adam", "dimer", "deo-adam", "deo-adamw", "rosenbrock"} <= set(names)
    assert names["adam"]["kind"] == "rule"
    assert names["dimer"]["kind"] == "estimator"
    assert any(p["name"] == "learningRate" for p in names["adam"]["parameters"])


def test_segments_name_the_tensors():
    x = np.zeros(5, dtype=np.float32)
    opt = saddlekit.Optimizer(
        [{"stage": "sgd", "learningRate": 0.1, "segments": ["b"]}], x,
        segments=[("w", (2, 2)), ("b", 1)])

    def loss_and_grad(p):
        return float(np.sum(p)), np.ones(5, dtype=np.float32)

    opt.step(x, loss_and_grad)
    # SGD scales only segment "b"; "w" keeps the raw gradient as its direction (θ ← θ − g).
    assert x.tolist()[:4] == [-1, -1, -1, -1]
    assert x[4] == np.float32(-0.1)


def test_header_declares_every_bound_function():
    header = os.path.join(HERE, "..", "..", "Sources", "SaddleKitC", "include", "saddlekit.h")
    text = open(header).read()
    from saddlekit import _lib

    for name in ("saddlekit_api_version", "saddlekit_free", "saddlekit_registry_json",
                 "saddlekit_optimizer_create", "saddlekit_optimizer_destroy",
                 "saddlekit_optimizer_step", "saddlekit_optimizer_counts",
                 "saddlekit_optimizer_metrics_json", "saddlekit_optimizer_parameters",
                 "saddlekit_optimizer_save_state", "saddlekit_optimizer_load_state",
                 "saddlekit_optimizer_parameter_count"):
        assert f" {name}(" in text or f"*{name}(" in text, name
    assert f"#define SADDLEKIT_API_VERSION {_lib.API_VERSION}" in text
    assert saddlekit.api_version() == _lib.API_VERSION


def test_readme_python_snippet_runs():
    readme = open(os.path.join(HERE, "..", "..", "README.md")).read()
    import re

    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) == 1
    namespace = {}
    exec(blocks[0], namespace)  # noqa: S102 - the README's own code
    x = namespace["x"]
    assert x.dtype == np.float32 and np.all(np.isfinite(x))
    assert float(x @ x) < 1000.0  # moved downhill from ‖1‖² = 1000
    assert namespace["opt"].counts["steps"] == 100


def test_a_callback_cannot_reenter_the_optimizer():
    x = np.array([0.01, 0.02], dtype=np.float32)
    opt = saddlekit.Optimizer('[{"stage":"deo-adam","learningRate":0.01,"period":1}]', x)
    seen = []

    def loss_and_grad(point):
        if seen == []:
            seen.append("first")
        else:
            try:
                opt.state_dict()
            except ValueError as error:
                seen.append(str(error))
        return hyperbolic_saddle(point)

    opt.step(x, loss_and_grad)
    assert any("inside a step" in s for s in seen[1:])
    assert opt.counts["steps"] == 1
