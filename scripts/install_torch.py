"""Install PyTorch 2.13.0 (CPU build) into this venv from a local wheel, when one fits this Python.

PyTorch is optional: ``make bench`` compares convlib with it and
tests/test_torch_equivalence.py (and a few others) use it when it is
installed. PyPI's default Linux wheel of torch is a CUDA build of several
GB, so this script never asks an index for torch: it installs a wheel file
``torch-2.13.0+cpu-*.whl`` from ``TORCH_WHEELS`` (default ``/opt/wheels``,
where this project's machines keep it) whose tags this interpreter
supports, with the pinned dependencies of requirements-torch.txt. Without
such a wheel, or when pip cannot get torch's dependencies (offline), it
prints one line and exits 0: torch is never required.

    .venv/bin/python scripts/install_torch.py      # run by make setup
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from importlib import metadata

from packaging.tags import sys_tags
from packaging.utils import parse_wheel_filename

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pip_command import pip_install  # noqa: E402

VERSION = "2.13.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def matching_wheel(folder: str):
    """The path of a CPU wheel of torch VERSION in ``folder`` that this Python can install, or None."""
    supported = set(sys_tags())
    for path in sorted(glob.glob(os.path.join(folder, f"torch-{VERSION}+cpu-*.whl"))):
        _, _, _, tags = parse_wheel_filename(os.path.basename(path))
        if tags & supported:
            return path
    return None


def main() -> int:
    python = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    try:
        installed = metadata.version("torch")
    except metadata.PackageNotFoundError:
        installed = None
    if installed == f"{VERSION}+cpu":
        print(f"torch: {installed} already installed")
        return 0
    folder = os.environ.get("TORCH_WHEELS", "/opt/wheels")
    wheel = matching_wheel(folder)
    if wheel is None:
        print(
            f"torch: no local CPU wheel of torch {VERSION} for {python} in {folder}; skipped (the torch comparisons and tests are skipped)"
        )
        return 0
    command = pip_install(
        sys.executable,
        wheel,
        "-r",
        os.path.join(ROOT, "requirements-torch.txt"),
        "-c",
        os.path.join(ROOT, "constraints.txt"),
    )
    print(f"torch: installing {os.path.basename(wheel)}")
    if subprocess.run(command, check=False).returncode:
        # optional: a setup without a connection (or a wheelhouse without torch's dependencies) goes on without it
        print(
            "torch: could not install torch or its dependencies (see pip's error above); skipped (the torch comparisons and tests are skipped)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
