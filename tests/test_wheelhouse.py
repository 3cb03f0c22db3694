"""`make wheelhouse`, then `make course` with no network: the classroom without a good connection.

The wheelhouse of the Python running the tests is built (online, once; cached
in ``.venvs/wheelhouse-<hash>`` until a pin changes), then the environment is
installed from it by the Makefile's own setup rule into a new venv with every
network route closed: pip's index points at a dead local port, the machine's
pip configuration is ignored, proxies are dead, and the home cache of npm
tarballs is an empty folder. The other Pythons' wheels are only resolved by
``make wheelhouse`` itself (downloading them here would take minutes).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import fetch_vendor  # noqa: E402
import wheelhouse  # noqa: E402

MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
VERSION = platform.python_version()  # pins may depend on the micro version


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_env(tmp_path: Path, house: Path) -> dict:
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "VIRTUAL_ENV", "CONVLAYER_"))
    }
    (tmp_path / "home").mkdir(exist_ok=True)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=f"{dead}/simple",
        PIP_NO_CACHE_DIR="1",
        PIP_RETRIES="0",
        HTTPS_PROXY=dead,
        HTTP_PROXY=dead,
        https_proxy=dead,
        http_proxy=dead,
        NPM_CONFIG_REGISTRY=dead,
        XDG_CACHE_HOME=str(tmp_path / "home"),
        HOME=str(tmp_path / "home"),
    )
    return env


@pytest.fixture(scope="module")
def house() -> Path:
    digest = hashlib.sha256(
        b"".join((ROOT / n).read_bytes() for n in wheelhouse.PIN_FILES) + MINOR.encode()
    ).hexdigest()[:12]
    dest = ROOT / ".venvs" / f"wheelhouse-{digest}"
    if not (dest / ".complete").exists():
        if os.environ.get("PIP_NO_INDEX"):
            pytest.skip(
                "already installing from a wheelhouse (PIP_NO_INDEX): building another one needs the index"
            )
        proc = subprocess.run(
            [sys.executable, ROOT / "scripts" / "wheelhouse.py", "--dest", dest, "--python", MINOR],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        (dest / ".complete").write_text("ok\n")
    return dest


def test_the_wheelhouse_holds_every_pin_for_each_python_and_the_npm_tarballs(house):
    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    wheels = {(norm(p.name.split("-")[0]), p.name.split("-")[1]) for p in house.glob("*.whl")}
    for pin in wheelhouse.pins_for(VERSION):
        name, version = pin.split("==")
        assert (norm(name), version) in wheels, pin
    assert any(name == "setuptools" for name, _ in wheels)  # convlib itself is built with it
    for p in fetch_vendor.PACKAGES.values():
        assert not fetch_vendor.tarball_problem(house / "npm" / p["tarball"], p)
    # the per-version pins differ where they must: 3.10 gets the last NumPy that supports it
    assert "numpy==2.2.6" in wheelhouse.pins_for("3.10") and "numpy==2.4.6" in wheelhouse.pins_for(
        "3.13"
    )


def test_make_setup_installs_from_the_wheelhouse_with_no_network(house, tmp_path):
    venv = tmp_path / "venv"
    env = offline_env(tmp_path, house)
    start = time.monotonic()
    proc = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            ROOT,
            f"VENV={venv}",
            f"WHEELHOUSE={house}",
            f"{venv}/.installed",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    seconds = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    check = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import convlib, numpy, jupyter_book, pytest; print(numpy.__version__)",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert check.returncode == 0, check.stderr
    want = dict(p.split("==") for p in wheelhouse.pins_for(VERSION))
    assert check.stdout.strip() == want["numpy"]
    print(f"offline make setup from the wheelhouse: {seconds:.0f} s")


def test_the_vendored_javascript_comes_from_the_wheelhouse_with_no_network(house, tmp_path):
    env = offline_env(tmp_path, house)
    # what the Makefile exports while the wheelhouse exists
    listing = subprocess.run(
        ["make", "--no-print-directory", "-C", ROOT, f"WHEELHOUSE={house}", "-pn", "vendor"],
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert (
        f"CONVLAYER_VENDOR_CACHE := {house}/npm" in listing
        and f"PIP_FIND_LINKS := {house}" in listing
    )
    assert "PIP_NO_INDEX := 1" in listing
    env["CONVLAYER_VENDOR_CACHE"] = str(house / "npm")
    proc = subprocess.run(
        [sys.executable, ROOT / "scripts" / "fetch_vendor.py", "--vendor", tmp_path / "vendor"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "vendor" / "_static" / "mathjax" / "tex-mml-chtml.js").exists()


def test_without_a_wheelhouse_nothing_is_switched_off(tmp_path):
    listing = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            ROOT,
            f"WHEELHOUSE={tmp_path}/none",
            "-pn",
            "vendor",
        ],
        capture_output=True,
        text=True,
    ).stdout
    assert "PIP_NO_INDEX := 1" not in listing
