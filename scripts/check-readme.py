#!/usr/bin/env python3
"""Checks that every line of README.md's ```swift blocks appears verbatim (ignoring leading
whitespace) in Tests/SaddleKitTests/ReadmeExampleTests.swift, which the test suite compiles and
runs. Exit code 1 names the first line that drifted."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text()
test = (root / "Tests/SaddleKitTests/ReadmeExampleTests.swift").read_text()
test_lines = {line.strip() for line in test.splitlines()}
blocks = re.findall(r"```swift\n(.*?)```", readme, re.S)
if not blocks:
    sys.exit("README.md has no swift code block")
for block in blocks:
    for line in block.splitlines():
        if line.strip() and line.strip() != "import SaddleKit" and line.strip() not in test_lines:
            sys.exit(f"README.md line not in ReadmeExampleTests.swift: {line.strip()!r}")
print(f"README: {sum(len(b.splitlines()) for b in blocks)} lines of Swift checked")
