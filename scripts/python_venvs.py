#!/usr/bin/env python3
"""One cached virtual environment per supported Python, with the course's runtime pins.

    python3 scripts/python_venvs.py --list        # the supported Pythons found here, one per minor version
    python3 scripts/python_venvs.py 3.10 3.13     # build (or reuse) their venvs, print one path per line

Pythons are looked for under pyenv (``$PYENV_ROOT/versions/*``, default
``~/.pyenv``) and as ``python3.X`` on ``PATH``; only versions inside
pyproject.toml's ``requires-python`` are kept (see scripts/check_python.py).

Each venv lives in ``.venvs/py3.X-<hash>/`` (git-ignored): the hash covers
requirements.txt, constraints.txt, pyproject.toml and the interpreter's full
version, so a changed pin builds a new venv and an unchanged one is reused at
once. A venv gets ``requirements.txt`` under ``constraints.txt`` (the runtime
and book pins, not the test suite), convlib in editable mode and its kernel
spec; ``.complete`` marks a finished build (a half-built one is rebuilt).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".venvs"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_python import supported_range  # noqa: E402
from pip_command import pip_install  # noqa: E402


def _version(python: str) -> tuple | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return tuple(int(x) for x in out.stdout.strip().split("."))


def find_pythons() -> dict:
    """``{"3.10": "/root/.pyenv/versions/3.10.13/bin/python3", ...}``: one interpreter per supported minor version."""
    low, high = supported_range()
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = sorted(glob.glob(str(pyenv / "versions" / "*" / "bin" / "python3")), reverse=True)
    candidates += [shutil.which(f"python3.{m}") for m in range(low[1], high[1])]
    found = {}
    for python in candidates:
        if not python:
            continue
        version = _version(python)
        if version and low <= version[:2] < high:
            found.setdefault(f"{version[0]}.{version[1]}", python)
    return dict(sorted(found.items(), key=lambda kv: tuple(int(x) for x in kv[0].split("."))))


def pins_hash(python: str) -> str:
    """What the venv of ``python`` depends on: its interpreter version and the pins that apply to it.

    The pins are read with their environment markers evaluated for that
    version, so a comment or a pin for another Python does not rebuild it.
    """
    version = _version(python)
    h = hashlib.sha256(repr(version).encode())
    h.update((ROOT / "pyproject.toml").read_bytes())
    try:
        from packaging.markers import default_environment
        from packaging.requirements import Requirement
    except ImportError:  # a bare Python: the files as they are
        for name in ("requirements.txt", "constraints.txt"):
            h.update((ROOT / name).read_bytes())
        return h.hexdigest()[:12]
    env = default_environment()
    env.update(python_version="%d.%d" % version[:2], python_full_version="%d.%d.%d" % version)
    for name in ("requirements.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                req = Requirement(line)
                if req.marker is None or req.marker.evaluate(env):
                    h.update(f"{name}:{req.name.lower()}{req.specifier}\n".encode())
    return h.hexdigest()[:12]


def venv_for(minor: str, python: str, log=print) -> Path:
    """The venv of ``python`` with the runtime pins, built once and then reused (same pins, same interpreter)."""
    venv = CACHE / f"py{minor}-{pins_hash(python)}"
    if (venv / ".complete").exists():
        return venv
    for old in CACHE.glob(f"py{minor}-*"):  # a stale or half-built venv of this minor version
        shutil.rmtree(old, ignore_errors=True)
    CACHE.mkdir(exist_ok=True)
    log(f"python_venvs: building {venv.name} with {python}")
    vpy = venv / "bin" / "python"
    steps = [
        [python, "-m", "venv", str(venv)],
        pip_install(vpy, "--upgrade", "pip"),
        pip_install(vpy, "-r", ROOT / "requirements.txt", "-c", ROOT / "constraints.txt"),
        pip_install(vpy, "--no-deps", "-e", ROOT),
        [str(vpy), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise RuntimeError(
                f"python_venvs: `{' '.join(step[1:4])} ...` failed for Python {minor}:\n{tail}"
            )
    (venv / ".complete").write_text(" ".join(sys.argv) + "\n")
    return venv


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument(
        "minors", nargs="*", help="versions to build, e.g. 3.10 (default: every one found)"
    )
    ap.add_argument("--list", action="store_true", help="only list the supported Pythons found")
    args = ap.parse_args(argv)
    pythons = find_pythons()
    if args.list:
        for minor, python in pythons.items():
            print(minor, python)
        return 0
    missing = [m for m in args.minors if m not in pythons]
    if missing:
        print(
            f"python_venvs: no Python {', '.join(missing)} found (have: {', '.join(pythons) or 'none'})",
            file=sys.stderr,
        )
        return 1
    for minor in args.minors or pythons:
        try:
            print(venv_for(minor, pythons[minor], log=lambda m: print(m, file=sys.stderr)))
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
