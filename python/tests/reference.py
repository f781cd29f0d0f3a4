"""Runs `saddle run` for the reference cases and writes data/saddle_run_expected.json.

    python3 python/tests/reference.py [path/to/saddle]

The tests compare the Python trajectories with this committed file and, whenever the CLI is
built, with a fresh run of the CLI (so the file cannot go stale unnoticed).
"""

import json
import os
import subprocess
import sys
import tempfile

CASES = {
    "rosenbrock-adam": {
        "problem": "rosenbrock", "start": [-1.2, 1.0], "steps": 200,
        "optimizer": [{"stage": "adam", "learningRate": 0.01}],
    },
    "hyperbolic-deo-adam": {
        "problem": "hyperbolic-saddle", "start": [0.01, 0.02], "steps": 40,
        "optimizer": [{"stage": "deo-adam", "learningRate": 0.01, "period": 5}],
    },
}


def run_case(saddle, case):
    with tempfile.TemporaryDirectory() as directory:
        trace = os.path.join(directory, "trace.jsonl")
        command = [saddle, "run", "--problem", case["problem"],
                   "--start", ",".join(repr(v) for v in case["start"]),
                   "--steps", str(case["steps"]),
                   "--optimizer", json.dumps(case["optimizer"], separators=(",", ":")),
                   "--trace", trace]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        with open(trace) as f:
            records = [json.loads(line) for line in f if line.strip()]
    last = records[-1]
    return {"command": command[1:-1] + ["FILE"], "params": last["params"],
            "gradEvals": last["gradEvals"], "losses": [r["loss"] for r in records]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    saddle = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", ".build", "release", "saddle")
    expected = {name: run_case(saddle, case) for name, case in CASES.items()}
    with open(os.path.join(here, "data", "saddle_run_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
