import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


def saddle_binary():
    """The `saddle` CLI of this checkout ($SADDLE_BIN, else .build/release or .build/debug)."""
    explicit = os.environ.get("SADDLE_BIN")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for configuration in ("release", "debug"):
        path = os.path.join(REPOSITORY, ".build", configuration, "saddle")
        if os.path.exists(path):
            return path
    return None


@pytest.fixture
def saddle():
    path = saddle_binary()
    if path is None:
        pytest.skip("the saddle CLI is not built (swift build --product saddle)")
    return path
