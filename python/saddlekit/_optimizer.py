"""`saddlekit.Optimizer`: a SaddleKit optimizer stepping a NumPy float32 parameter vector."""

import ctypes
import json
import math
import warnings

import numpy as np

from . import _lib


class SaddleKitError(Exception):
    """A failure reported by the library: `code` (a SADDLEKIT_* status) and its one-line
    `message`."""

    def __init__(self, message, code=_lib.INTERNAL_ERROR):
        super().__init__(message)
        self.message = message
        self.code = code


class SpecError(SaddleKitError, ValueError):
    """The optimizer spec is invalid; the message is the registry's one-line error."""


class NonFiniteError(SaddleKitError, FloatingPointError):
    """A step produced a NaN or infinity (or a callback failed) and the policy stopped the
    run; the parameters were left unchanged."""


class StateError(SaddleKitError, ValueError):
    """A saved state cannot be loaded into this optimizer."""


class NonFiniteWarning(UserWarning):
    """A non-finite step was skipped or rolled back (policies `skip`, `rollback`)."""


_ERRORS = {
    _lib.SPEC_ERROR: SpecError,
    _lib.ARGUMENT_ERROR: ValueError,
    _lib.NONFINITE: NonFiniteError,
    _lib.STOPPED: NonFiniteError,
    _lib.STATE_ERROR: StateError,
}

_MESSAGE_CAPACITY = 4096


def _raise(code, buffer, cause=None):
    message = buffer.value.decode("utf-8", "replace")
    kind = _ERRORS.get(code, SaddleKitError)
    error = kind(message) if kind is ValueError else kind(message, code)
    raise error from cause


def _take_string(lib, pointer):
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.saddlekit_free(pointer)


def registry():
    """The registry: every problem, estimator, rule and preset, with its parameters
    (name, default, accepted values), as a list of dicts."""
    lib = _lib.load()
    out = ctypes.c_void_p()
    buffer = ctypes.create_string_buffer(_MESSAGE_CAPACITY)
    code = lib.saddlekit_registry_json(ctypes.byref(out), buffer, _MESSAGE_CAPACITY)
    if code != _lib.OK:
        _raise(code, buffer)
    return json.loads(_take_string(lib, out))


def _segments_json(segments, count):
    if segments is None:
        return None
    if isinstance(segments, dict):
        segments = segments.items()
    items = []
    for entry in segments:
        name, shape = entry
        shape = [int(shape)] if np.isscalar(shape) else [int(d) for d in shape]
        items.append({"name": str(name), "shape": shape})
    return json.dumps(items)


class _Bridge:
    """The ctypes callbacks of one optimizer; holds the current step's Python functions and
    the first exception a callback raised (the optimizer itself is not referenced)."""

    def __init__(self):
        self.loss_and_grad = None
        self.loss = None
        self.hvp = None
        self.shape = None
        self.error = None
        self.c_loss_and_grad = _lib.LOSS_AND_GRADIENT_FN(self._loss_and_grad)
        self.c_loss = _lib.LOSS_FN(self._loss)
        self.c_hvp = _lib.HVP_FN(self._hvp)

    def _point(self, pointer, count):
        return np.ctypeslib.as_array(pointer, shape=(count,)).copy().reshape(self.shape)

    def _fail(self, error):
        if self.error is None:
            self.error = error
        return 1

    def _loss_and_grad(self, _context, parameters, count, loss, gradient):
        try:
            value, grad = self.loss_and_grad(self._point(parameters, count))
            grad = np.asarray(grad, dtype=np.float32).reshape(-1)
            if grad.size != count:
                raise ValueError(f"the gradient has {grad.size} values, expected {count}")
            ctypes.memmove(gradient, grad.ctypes.data, count * 4)
            loss[0] = float(value)
            return 0
        except BaseException as error:  # noqa: BLE001 - reported after the step
            return self._fail(error)

    def _loss(self, _context, parameters, count, loss):
        try:
            point = self._point(parameters, count)
            loss[0] = float(self.loss(point) if self.loss else self.loss_and_grad(point)[0])
            return 0
        except BaseException as error:  # noqa: BLE001
            return self._fail(error)

    def _hvp(self, _context, parameters, vector, count, result):
        try:
            v = np.ctypeslib.as_array(vector, shape=(count,)).copy().reshape(self.shape)
            hv = np.asarray(self.hvp(self._point(parameters, count), v), dtype=np.float32)
            hv = hv.reshape(-1)
            if hv.size != count:
                raise ValueError(f"the Hessian-vector product has {hv.size} values, expected {count}")
            ctypes.memmove(result, hv.ctypes.data, count * 4)
            return 0
        except BaseException as error:  # noqa: BLE001
            return self._fail(error)


class Optimizer:
    """A SaddleKit optimizer (a JSON spec, as `saddle run --optimizer`) for a flat float32
    parameter vector.

    ``spec`` is JSON text or the equivalent list/dict; ``parameters`` the starting point
    (copied); ``segments`` names the tensors in the flat vector, ``[(name, shape), …]`` or a
    dict (default: one segment ``"x"``); ``seed`` seeds the optimizer's random draws;
    ``on_nonfinite`` is ``"stop"`` (raise `NonFiniteError`), ``"skip"`` or ``"rollback"``
    (warn and go on); ``exact_hvp=True`` promises an ``hvp`` function to every step.
    """

    def __init__(self, spec, parameters, segments=None, seed=0, on_nonfinite="stop",
                 exact_hvp=False):
        self._lib = _lib.load()
        self._handle = None
        if not isinstance(spec, str):
            spec = json.dumps(spec)
        start = np.ascontiguousarray(np.asarray(parameters, dtype=np.float32).reshape(-1))
        self.size = int(start.size)
        self.exact_hvp = bool(exact_hvp)
        self.events = []
        segments_text = _segments_json(segments, self.size)
        handle = ctypes.c_void_p()
        buffer = ctypes.create_string_buffer(_MESSAGE_CAPACITY)
        code = self._lib.saddlekit_optimizer_create(
            spec.encode("utf-8"), start.ctypes.data_as(_lib._c_float_p), self.size,
            None if segments_text is None else segments_text.encode("utf-8"),
            int(seed) & 0xFFFF_FFFF_FFFF_FFFF, str(on_nonfinite).encode("utf-8"),
            1 if exact_hvp else 0, ctypes.byref(handle), buffer, _MESSAGE_CAPACITY)
        if code != _lib.OK:
            _raise(code, buffer)
        self._handle = handle
        self._bridge = _Bridge()
        self._buffer = buffer
        self._loss_out = ctypes.c_double()

    def close(self):
        """Frees the optimizer (also done when it is garbage-collected)."""
        if self._handle is not None:
            self._lib.saddlekit_optimizer_destroy(self._handle)
            self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _check_parameters(self, params):
        if not isinstance(params, np.ndarray) or params.dtype != np.float32:
            raise TypeError("params must be a float32 numpy array (it is updated in place)")
        if not params.flags.c_contiguous or not params.flags.writeable:
            raise TypeError("params must be C-contiguous and writeable (updated in place)")
        if params.size != self.size:
            raise ValueError(f"params has {params.size} values, the optimizer {self.size}")

    def step(self, params, loss_and_grad, loss=None, hvp=None):
        """One step: evaluates ``loss_and_grad(params) -> (loss, gradient)``, lets the
        optimizer call it (and ``loss(x)``, ``hvp(x, v)`` when given) at the other points it
        needs, on the same batch, and updates ``params`` (float32, in place).

        Returns the loss before the update. A callback that raises or returns a non-finite
        value makes the step non-finite: with ``on_nonfinite="stop"`` this raises
        `NonFiniteError` (chained to the callback's exception), with ``"skip"`` or
        ``"rollback"`` it warns (`NonFiniteWarning`) and records an entry in ``events``.
        """
        if self._handle is None:
            raise ValueError("the optimizer is closed or inside a step (called from a callback)")
        self._check_parameters(params)
        if self.exact_hvp and hvp is None:
            raise ValueError("this optimizer was created with exact_hvp=True: pass hvp=")
        bridge = self._bridge
        bridge.loss_and_grad, bridge.loss, bridge.hvp = loss_and_grad, loss, hvp
        bridge.shape, bridge.error = params.shape, None
        try:
            value, grad = loss_and_grad(params)
            value = float(value)
            grad = np.ascontiguousarray(np.asarray(grad, dtype=np.float32).reshape(-1))
            if grad.size != self.size:
                raise ValueError(f"the gradient has {grad.size} values, expected {self.size}")
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - handled by the non-finite policy
            bridge.error = error
            value, grad = math.nan, np.full(self.size, np.nan, dtype=np.float32)
        buffer = self._buffer
        code = self._lib.saddlekit_optimizer_step(
            self._handle, params.ctypes.data, grad.ctypes.data, value, None,
            bridge.c_loss_and_grad, bridge.c_loss if loss is not None else _lib.NO_LOSS_FN,
            bridge.c_hvp if hvp is not None else _lib.NO_HVP_FN,
            ctypes.byref(self._loss_out), buffer, _MESSAGE_CAPACITY)
        error, bridge.error = bridge.error, None
        bridge.loss_and_grad = bridge.loss = bridge.hvp = None
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise error
        if code == _lib.OK:
            return self._loss_out.value
        message = buffer.value.decode("utf-8", "replace")
        if error is not None:
            message += f" [callback raised {type(error).__name__}: {error}]"
        if code in (_lib.SKIPPED, _lib.ROLLED_BACK):
            action = "skip" if code == _lib.SKIPPED else "rollback"
            self.events.append({"action": action, "message": message, "error": error})
            warnings.warn(message, NonFiniteWarning, stacklevel=2)
            return self._loss_out.value
        kind = _ERRORS.get(code, SaddleKitError)
        raise (kind(message) if kind is ValueError else kind(message, code)) from error

    @property
    def counts(self):
        """Evaluations so far, counted as in Swift: gradients, losses,
        hessian_vector_products, cost (gradient-equivalents) and steps."""
        out = (ctypes.c_int64 * 5)()
        if self._lib.saddlekit_optimizer_counts(self._handle, out) != _lib.OK:
            raise ValueError("the optimizer is closed or inside a step (called from a callback)")
        keys = ("gradients", "losses", "hessian_vector_products", "cost", "steps")
        return dict(zip(keys, (int(v) for v in out)))

    @property
    def metrics(self):
        """Step, loss, curvature, learning-rate scale, counts and every stage's summary
        (learning rates, counters); non-finite values are None."""
        out = ctypes.c_void_p()
        buffer = ctypes.create_string_buffer(_MESSAGE_CAPACITY)
        code = self._lib.saddlekit_optimizer_metrics_json(
            self._handle, ctypes.byref(out), buffer, _MESSAGE_CAPACITY)
        if code != _lib.OK:
            _raise(code, buffer)
        return json.loads(_take_string(self._lib, out))

    @property
    def parameters(self):
        """A copy of the optimizer's parameters (after ``load_state_dict``, the saved ones)."""
        out = np.empty(self.size, dtype=np.float32)
        code = self._lib.saddlekit_optimizer_parameters(
            self._handle, out.ctypes.data_as(_lib._c_float_p), self.size)
        if code != _lib.OK:
            raise ValueError("the optimizer is closed or inside a step (called from a callback)")
        return out

    def state_dict(self):
        """The optimizer's whole state (parameters, every stage's state, random stream, step,
        counts) as ``{"saddlekit_state": bytes}`` (JSON with sorted keys inside)."""
        out = ctypes.c_void_p()
        length = ctypes.c_int64()
        buffer = ctypes.create_string_buffer(_MESSAGE_CAPACITY)
        code = self._lib.saddlekit_optimizer_save_state(
            self._handle, ctypes.byref(out), ctypes.byref(length), buffer, _MESSAGE_CAPACITY)
        if code != _lib.OK:
            _raise(code, buffer)
        try:
            blob = ctypes.string_at(out, length.value)
        finally:
            self._lib.saddlekit_free(out)
        return {"saddlekit_state": blob}

    def load_state_dict(self, state, params=None):
        """Restores a ``state_dict()`` of an optimizer with the same spec and segments; writes
        the saved parameters into ``params`` when given. Raises `StateError` otherwise."""
        blob = state["saddlekit_state"] if isinstance(state, dict) else state
        blob = bytes(blob)
        buffer = ctypes.create_string_buffer(_MESSAGE_CAPACITY)
        code = self._lib.saddlekit_optimizer_load_state(
            self._handle, blob, len(blob), buffer, _MESSAGE_CAPACITY)
        if code != _lib.OK:
            _raise(code, buffer)
        if params is not None:
            self._check_parameters(params)
            params.reshape(-1)[:] = self.parameters
