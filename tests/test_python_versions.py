"""Every Python the README names works; any other stops at once, in one line; Binder's pins resolve.

The supported range is pyproject.toml's ``requires-python`` (3.10 to 3.13).
For each supported Python found on this machine (pyenv's versions, or
``python3.X`` on PATH; see scripts/python_venvs.py) other than the one running
this suite, a cached venv gets that version's runtime pins (requirements.txt
under constraints.txt, with their environment markers) and executes a chapter
in a Jupyter kernel. The first build of a venv downloads its wheels (minutes);
afterwards the venv is reused until a pin changes (``.venvs/``, git-ignored).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import check_python  # noqa: E402
import python_venvs  # noqa: E402

LOW, HIGH = check_python.supported_range()
SUPPORTED = [f"3.{m}" for m in range(LOW[1], HIGH[1])]


def pins(path: Path, minor: str, full: str = "") -> dict:
    """``{name: version}`` of the ``==`` pins in a requirements file that apply to Python ``minor`` (micro 0 or ``full``)."""
    env = default_environment()
    env.update(python_version=minor, python_full_version=full or f"{minor}.0")
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        (spec,) = req.specifier
        assert spec.operator == "==", line
        assert name not in found, f"{path.name}: two pins of {name} apply to Python {minor}"
        found[name] = spec.version
    return found


# ---------------------------------------------------------------------------
# the range, stated once and everywhere


def test_the_range_is_the_same_in_pyproject_readme_and_the_check():
    assert check_python.range_text() == "3.10 to 3.13"
    assert 'requires-python = ">=3.10,<3.14"' in (ROOT / "pyproject.toml").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "Python 3.10 to 3.13" in readme and "3.10+" not in readme


@pytest.mark.parametrize("minor", SUPPORTED)
def test_every_supported_python_has_exactly_one_pin_of_each_package(minor):
    runtime = pins(ROOT / "requirements.txt", minor)
    test = pins(ROOT / "requirements-test.txt", minor)
    frozen = pins(ROOT / "constraints.txt", minor)
    for name, version in {**runtime, **test}.items():
        assert frozen.get(name) == version, (
            f"Python {minor}: {name}=={version} in requirements, {frozen.get(name)} in constraints"
        )
    # the versions that dropped 3.10 are pinned to their last 3.10 release there
    expected_numpy = "2.2.6" if minor == "3.10" else "2.4.6"
    assert runtime["numpy"] == expected_numpy


def test_pins_that_need_a_later_micro_release_have_a_fallback():
    # soupsieve 4.1.3 requires Python 3.11.5: 3.11.0 to 3.11.4 get 2.10
    assert pins(ROOT / "constraints.txt", "3.11", "3.11.4")["soupsieve"] == "2.10"
    assert pins(ROOT / "constraints.txt", "3.11", "3.11.5")["soupsieve"] == "4.1.3"


@pytest.mark.parametrize("version", ["2.7.18", "3.8.18", "3.9.18"])
def test_a_python_outside_the_range_stops_at_once_with_one_line(tmp_path, version):
    python = (
        Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
        / "versions"
        / version
        / "bin"
        / "python"
    )
    if not python.exists():
        pytest.skip(f"no Python {version} under pyenv here")
    start = time.monotonic()
    proc = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            ROOT,
            f"PYTHON={python}",
            f"VENV={tmp_path}/venv",
            "setup",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    seconds = time.monotonic() - start
    assert proc.returncode != 0 and seconds < 10
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, proc.stdout + proc.stderr
    assert f"Python {version}" in lines[0] and "convlayer needs Python 3.10 to 3.13" in lines[0]
    assert "internet" not in lines[0] and "pip" not in lines[0]
    assert not (tmp_path / "venv").exists()


def test_the_check_itself_accepts_the_range_and_names_what_it_refuses():
    assert subprocess.run([sys.executable, ROOT / "scripts" / "check_python.py"]).returncode == 0
    assert check_python.main(["--range"]) == 0


# ---------------------------------------------------------------------------
# each supported Python found here runs a chapter

FOUND = python_venvs.find_pythons()
OTHERS = [m for m in FOUND if m != f"{sys.version_info[0]}.{sys.version_info[1]}"]
CHAPTER = sorted(glob.glob(str(ROOT / "chapters" / "0*.ipynb")))[
    0
]  # the first chapter, whatever its name

RUN_CHAPTER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.monotonic()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
import numpy, matplotlib, convlib
from convlib import corr2d
print(json.dumps({"seconds": time.monotonic() - start, "numpy": numpy.__version__, "matplotlib": matplotlib.__version__,
                  "python": sys.version.split()[0], "corr2d": corr2d(numpy.arange(9).reshape(3, 3), numpy.arange(4).reshape(2, 2)).tolist(),
                  "errors": [o.get("ename") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]}))
"""


def test_supported_pythons_are_found_here():
    assert set(FOUND) <= set(SUPPORTED)
    if not OTHERS:
        pytest.skip("no supported Python besides the running one on this machine")


@pytest.mark.parametrize(
    "minor",
    OTHERS
    or [pytest.param("none", marks=pytest.mark.skip(reason="no other supported Python found"))],
)
def test_each_supported_python_installs_its_pins_and_runs_a_chapter(minor, tmp_path):
    start = time.monotonic()
    venv = python_venvs.venv_for(minor, FOUND[minor], log=lambda m: None)
    built = time.monotonic() - start
    work = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", work)
    proc = subprocess.run(
        [venv / "bin" / "python", "-c", RUN_CHAPTER, work / Path(CHAPTER).name, work],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["python"].startswith(minor + ".")
    assert report["errors"] == []
    assert report["corr2d"] == [[19.0, 25.0], [37.0, 43.0]]
    want = pins(ROOT / "requirements.txt", minor)
    assert (report["numpy"], report["matplotlib"]) == (want["numpy"], want["matplotlib"])
    print(
        f"Python {report['python']}: venv {built:.0f} s, {Path(CHAPTER).name} executed in {report['seconds']:.0f} s"
    )


# ---------------------------------------------------------------------------
# Binder


def binder_python() -> str:
    text = (ROOT / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    assert match, f"binder/runtime.txt must name the Python, e.g. python-3.12; it says {text!r}"
    return match.group(1)


def test_binder_pins_a_supported_python_and_the_course_pins_for_it():
    minor = binder_python()
    assert minor in SUPPORTED
    binder = pins(ROOT / "binder" / "requirements.txt", minor)
    runtime = pins(ROOT / "requirements.txt", minor)
    assert set(binder) == {"numpy", "matplotlib", "ipywidgets", "anywidget"}
    assert all(runtime[name] == version for name, version in binder.items()), (binder, runtime)


def index_reachable() -> str:
    """'' when pip's index answers, else why not (then the resolution test is skipped)."""
    url = os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/"
    parts = urllib.parse.urlsplit(url)
    if os.environ.get("PIP_NO_INDEX"):
        return "PIP_NO_INDEX is set"
    try:
        socket.create_connection(
            (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)), timeout=10
        ).close()
    except OSError as exc:
        return f"the package index {url} is unreachable ({exc})"
    return ""


def test_binder_requirements_resolve_for_binders_python(tmp_path):
    reason = index_reachable()
    if reason:
        pytest.skip(reason)
    minor = binder_python()
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            tmp_path / "report.json",
            "--python-version",
            minor,
            "--only-binary=:all:",
            "--target",
            tmp_path / "target",
            "--timeout",
            "30",
            "-r",
            ROOT / "binder" / "requirements.txt",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    chosen = {
        re.sub(r"[-_.]+", "-", i["metadata"]["name"]).lower(): i["metadata"]["version"]
        for i in json.loads((tmp_path / "report.json").read_text())["install"]
    }
    for name, version in pins(ROOT / "binder" / "requirements.txt", minor).items():
        assert chosen[name] == version
    assert len(chosen) > 10  # their dependencies resolved too (ipykernel, traitlets, ...)
