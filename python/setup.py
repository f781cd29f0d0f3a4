"""Install hook: records where the SaddleKit checkout is, and builds the release library
(`swift build -c release --product SaddleKitC`) when it is missing, so that
`pip install ./python` gives a working `import saddlekit`."""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(HERE)
LIBRARY = os.path.join(REPOSITORY, ".build", "release", "libSaddleKitC.so")


class build_py(_build_py):
    def run(self):
        super().run()
        package = os.path.join(self.build_lib, "saddlekit")
        os.makedirs(package, exist_ok=True)
        with open(os.path.join(package, "_install.py"), "w") as f:
            f.write('"""Written by setup.py at install time."""\n')
            f.write(f"REPOSITORY = {REPOSITORY!r}\n")
        has_package = os.path.exists(os.path.join(REPOSITORY, "Package.swift"))
        if not os.environ.get("SADDLEKIT_LIB") and has_package and not os.path.exists(LIBRARY):
            swift = shutil.which("swift")
            if swift is None:
                print("saddlekit: swift not found; build the library later with "
                      "`swift build -c release --product SaddleKitC`", file=sys.stderr)
                return
            subprocess.run([swift, "build", "-c", "release", "--product", "SaddleKitC"],
                           cwd=REPOSITORY, check=True)


setup(cmdclass={"build_py": build_py})
