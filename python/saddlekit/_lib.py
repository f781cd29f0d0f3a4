"""Finding, building and binding libSaddleKitC (the C API in saddlekit.h)."""

import ctypes
import os
import shutil
import subprocess
import sys

API_VERSION = 1

OK = 0
SPEC_ERROR = 1
ARGUMENT_ERROR = 2
NONFINITE = 3
STATE_ERROR = 4
STOPPED = 5
INTERNAL_ERROR = 6
SKIPPED = 10
ROLLED_BACK = 11

_c_float_p = ctypes.POINTER(ctypes.c_float)
_c_double_p = ctypes.POINTER(ctypes.c_double)

LOSS_AND_GRADIENT_FN = ctypes.CFUNCTYPE(
    ctypes.c_int32, ctypes.c_void_p, _c_float_p, ctypes.c_int64, _c_double_p, _c_float_p)
LOSS_FN = ctypes.CFUNCTYPE(
    ctypes.c_int32, ctypes.c_void_p, _c_float_p, ctypes.c_int64, _c_double_p)
HVP_FN = ctypes.CFUNCTYPE(
    ctypes.c_int32, ctypes.c_void_p, _c_float_p, _c_float_p, ctypes.c_int64, _c_float_p)

NO_LOSS_FN = LOSS_FN()
NO_HVP_FN = HVP_FN()

_LIBRARY_NAME = "libSaddleKitC.dylib" if sys.platform == "darwin" else "libSaddleKitC.so"


def _repository():
    """The SaddleKit checkout: recorded at install time, or the one this file sits in."""
    candidates = []
    try:
        from . import _install  # written by setup.py

        candidates.append(_install.REPOSITORY)
    except ImportError:
        pass
    candidates.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for path in candidates:
        if os.path.exists(os.path.join(path, "Package.swift")):
            return path
    return None


def library_path(build=True):
    """Where the library is: $SADDLEKIT_LIB, else `.build/release/libSaddleKitC.so` in the
    checkout (built with `swift build -c release --product SaddleKitC` when missing)."""
    explicit = os.environ.get("SADDLEKIT_LIB")
    if explicit:
        if not os.path.exists(explicit):
            raise OSError(f"SADDLEKIT_LIB={explicit!r} does not exist")
        return explicit
    repository = _repository()
    if repository is None:
        raise OSError(
            "cannot find libSaddleKitC: set SADDLEKIT_LIB to its path, or install saddlekit "
            "from a SaddleKit checkout (pip install ./python)")
    path = os.path.join(repository, ".build", "release", _LIBRARY_NAME)
    if not os.path.exists(path) and build:
        swift = shutil.which("swift") or (
            "/opt/swift/usr/bin/swift" if os.path.exists("/opt/swift/usr/bin/swift") else None)
        if swift is None:
            raise OSError(f"{path} is missing and swift is not on PATH to build it")
        subprocess.run([swift, "build", "-c", "release", "--product", "SaddleKitC"],
                       cwd=repository, check=True, stdout=sys.stderr)
    if not os.path.exists(path):
        raise OSError(f"{path} is missing (swift build -c release --product SaddleKitC)")
    return path


def _bind(lib):
    i32, i64, u64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_uint64
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "saddlekit_api_version": (i32, []),
        "saddlekit_free": (None, [vp]),
        "saddlekit_registry_json": (i32, [ctypes.POINTER(vp), cp, i64]),
        "saddlekit_optimizer_create": (
            i32, [cp, _c_float_p, i64, cp, u64, cp, i32, ctypes.POINTER(vp), cp, i64]),
        "saddlekit_optimizer_destroy": (None, [vp]),
        "saddlekit_optimizer_parameter_count": (i64, [vp]),
        "saddlekit_optimizer_step": (
            i32, [vp, vp, vp, ctypes.c_double, vp, LOSS_AND_GRADIENT_FN,
                  LOSS_FN, HVP_FN, _c_double_p, cp, i64]),
        "saddlekit_optimizer_counts": (i32, [vp, ctypes.POINTER(i64)]),
        "saddlekit_optimizer_metrics_json": (i32, [vp, ctypes.POINTER(vp), cp, i64]),
        "saddlekit_optimizer_parameters": (i32, [vp, _c_float_p, i64]),
        "saddlekit_optimizer_save_state": (
            i32, [vp, ctypes.POINTER(vp), ctypes.POINTER(i64), cp, i64]),
        "saddlekit_optimizer_load_state": (i32, [vp, ctypes.c_char_p, i64, cp, i64]),
        "saddlekit_bench_swift_steps": (i32, [cp, i64, i64, _c_double_p, cp, i64]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_library = None


def load():
    """The bound library (loaded once)."""
    global _library
    if _library is None:
        path = library_path()
        try:
            lib = _bind(ctypes.CDLL(path))
        except AttributeError as error:
            raise OSError(
                f"{path} lacks a function of C API version {API_VERSION} ({error}); rebuild it: "
                "swift build -c release --product SaddleKitC") from None
        version = lib.saddlekit_api_version()
        if version != API_VERSION:
            raise OSError(
                f"libSaddleKitC has C API version {version}, this package needs {API_VERSION}")
        _library = lib
    return _library
