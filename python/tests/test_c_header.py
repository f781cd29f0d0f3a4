"""The committed header compiles and links against the library, and a C program using only
it reproduces `saddle run`'s Adam trajectory on Rosenbrock bit for bit."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from saddlekit import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))


def test_c_program_through_the_header(tmp_path):
    compiler = shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    library = _lib.library_path(build=False)
    program = tmp_path / "rosenbrock_adam"
    subprocess.run(
        [compiler, "-std=c11", "-Wall", "-Wextra", "-Werror",
         "-I", os.path.join(REPOSITORY, "Sources", "SaddleKitC", "include"),
         os.path.join(HERE, "c", "rosenbrock_adam.c"), "-o", str(program),
         library, f"-Wl,-rpath,{os.path.dirname(library)}", "-lm"],
        check=True)
    output = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
    first, second = output.splitlines()
    bits0, bits1, gradients, calls = first.split()
    with open(os.path.join(HERE, "data", "saddle_run_expected.json")) as f:
        expected = json.load(f)["rosenbrock-adam"]
    want = np.array(expected["params"], dtype=np.float32).view(np.uint32)
    assert [int(bits0, 16), int(bits1, 16)] == want.tolist()
    assert int(gradients) == expected["gradEvals"] == int(calls)
    assert "unknown stage 'adma'" in second
