#!/usr/bin/env python3
"""Download everything ``make course`` installs into one folder, for a classroom without a good connection.

    python scripts/wheelhouse.py --dest wheelhouse              # every supported Python (3.10 to 3.13)
    python scripts/wheelhouse.py --dest wheelhouse --python 3.11

For each Python version, every pin of requirements.txt, requirements-test.txt
and constraints.txt that applies to it (their environment markers are
evaluated for that version here: pip would evaluate them for the Python
running it) is downloaded as a wheel for this platform with
``pip download --no-deps --only-binary=:all: --python-version 3.X``; the
constraints file is the complete frozen environment, so ``--no-deps`` misses
nothing. Also ``pip`` and ``setuptools`` (to install convlib itself), and the
npm tarballs of the website's JavaScript into ``<dest>/npm`` (copied from
fetch_vendor.py's cache when they are there, else fetched and verified).

While ``<dest>`` holds wheels, the Makefile sets ``PIP_NO_INDEX=1``,
``PIP_FIND_LINKS=<dest>`` and ``CONVLAYER_VENDOR_CACHE=<dest>/npm``, so
``make course`` installs with no network at all.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch_vendor  # noqa: E402
from check_python import supported_range  # noqa: E402

PIN_FILES = ("requirements.txt", "requirements-test.txt", "constraints.txt")
TOOLS = ("pip", "setuptools>=61")


def pins_for(version: str) -> list:
    """``["numpy==2.2.6", ...]``: every pin that applies to Python ``version`` ("3.11" = 3.11.0, or "3.11.7")."""
    minor = ".".join(version.split(".")[:2])
    env = default_environment()
    env.update(
        python_version=minor,
        python_full_version=version if version.count(".") == 2 else f"{minor}.0",
    )
    pins = {}
    for name in PIN_FILES:
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line:
                continue
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                pins[re.sub(r"[-_.]+", "-", req.name).lower()] = f"{req.name}{req.specifier}"
    return sorted(pins.values())


def download(dest: Path, minor: str) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONSTRAINT")
    }
    # a pin may depend on the micro version (soupsieve 4.1.3 needs 3.11.5): the first and the latest micro release
    for version in (f"{minor}.0", f"{minor}.99"):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(pins_for(version)) + "\n")
        try:
            for what in (["-r", f.name], list(TOOLS)):
                cmd = [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--timeout",
                    "30",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    version,
                    "--implementation",
                    "cp",
                    "-d",
                    str(dest),
                    *what,
                ]
                if subprocess.run(cmd, env=env).returncode != 0:
                    raise SystemExit(
                        f"wheelhouse: pip could not download the pins for Python {version} (see its error above); "
                        "check the connection (or HTTPS_PROXY / PIP_INDEX_URL) and run make wheelhouse again"
                    )
        finally:
            os.unlink(f.name)


def npm_tarballs(dest: Path) -> None:
    """The website's pinned npm tarballs in ``dest`` (verified; from fetch_vendor's cache when possible)."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in fetch_vendor.PACKAGES.values():
        cached = fetch_vendor.CACHE / p["tarball"]
        if (
            not (dest / p["tarball"]).exists()
            and cached.exists()
            and not fetch_vendor.tarball_problem(cached, p)
        ):
            shutil.copy2(cached, dest / p["tarball"])
    with (
        tempfile.TemporaryDirectory() as tmp
    ):  # fetch what is missing, verify all, by building a throwaway vendor/
        if fetch_vendor.main(["--vendor", str(Path(tmp) / "vendor"), "--cache", str(dest)]) != 0:
            raise SystemExit("wheelhouse: could not get the website's npm tarballs (see above)")


def main(argv=None) -> int:
    low, high = supported_range()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument(
        "--dest", type=Path, default=ROOT / "wheelhouse", help="the folder (default: wheelhouse/)"
    )
    ap.add_argument(
        "--python",
        action="append",
        help="a version such as 3.11 (repeatable; default: 3.10 to 3.13)",
    )
    ap.add_argument("--no-npm", action="store_true", help="skip the npm tarballs")
    args = ap.parse_args(argv)
    minors = args.python or [f"3.{m}" for m in range(low[1], high[1])]
    args.dest.mkdir(parents=True, exist_ok=True)
    for minor in minors:
        print(
            f"wheelhouse: Python {minor}: {len(pins_for(minor))} pinned packages", file=sys.stderr
        )
        download(args.dest, minor)
    if not args.no_npm:
        npm_tarballs(args.dest / "npm")
    wheels = len(list(args.dest.glob("*.whl")))
    print(
        f"wheelhouse: {wheels} wheels and the npm tarballs in {args.dest}; make course now installs from there, offline"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
