"""``import convlib`` loads NumPy only: matplotlib, Pillow and ipywidgets wait until an image or widget is asked for.

Each check runs in a fresh interpreter, because this test process has long
imported everything. The import time itself is measured in
``benchmarks/bench_import.py`` (a report, not a test).
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "PIL", "ipywidgets", "scipy", "torch")


def _modules_loaded_after(code: str) -> set:
    """Top-level packages in ``sys.modules`` of a fresh interpreter after running ``code``."""
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


@pytest.mark.parametrize(
    "statement",
    [
        "import convlib",
        "from convlib import *",
        "import convlib.shapes, convlib.kernels, convlib.layer",
    ],
)
def test_import_convlib_loads_no_plotting_or_widget_library(statement):
    loaded = _modules_loaded_after(statement)
    assert "numpy" in loaded and "convlib" in loaded
    assert not loaded & set(HEAVY), f"{statement!r} imported {sorted(loaded & set(HEAVY))}"


def test_image_helpers_that_need_no_file_stay_light():
    loaded = _modules_loaded_after(
        "import convlib\nconvlib.checkerboard(8, 2)\nconvlib.edge_image()\nconvlib.square_image(8)"
    )
    assert not loaded & set(HEAVY)


def test_matplotlib_loads_when_a_sample_photo_is_asked_for():
    # the other side of the lazy import: the photo still works, and it is what brings matplotlib in
    loaded = _modules_loaded_after("import convlib\nassert convlib.photo().shape == (600, 512, 3)")
    assert "matplotlib" in loaded
    assert "ipywidgets" not in loaded
