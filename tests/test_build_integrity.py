"""The build does not publish broken things, and offline it stops quickly and says why.

* vendored JavaScript is verified file by file against the pinned npm tarballs
  on every build; a truncated or deleted file is named and restored;
* a broken ``{doc}`` link fails ``make build-book`` (the book step of
  ``make course``) on every run, not only on the first one;
* with the registry unreachable (a proxy set to a closed local port) the fetch
  and the pip step stop within ~30 s with one line saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FETCH = ROOT / "scripts" / "fetch_vendor.py"
VENDOR = ROOT / "vendor"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def offline_env(tmp_path: Path) -> dict:
    """The environment of a machine whose every proxy is a closed local port (and npm's cache is cold)."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {
        k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "npm_config_registry")
    }
    for var in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "https_proxy",
        "http_proxy",
        "npm_config_proxy",
        "npm_config_https_proxy",
    ):
        env[var] = proxy
    env["npm_config_cache"] = str(tmp_path / "npm-cache")
    env["PIP_NO_CACHE_DIR"] = "1"
    return env


def run(cmd, env=None, timeout=120):
    start = time.monotonic()
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )
    return proc, time.monotonic() - start


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(*args, **kwargs):
    """scripts/fetch_vendor.py with the temporary folders of a test."""
    return run([sys.executable, FETCH, *args], **kwargs)


@pytest.fixture()
def vendor_copy(tmp_path):
    """A copy of vendor/ and of the verified tarballs (the cache is passed as tmp_path/cache)."""
    import fetch_vendor as module

    if not all((module.CACHE / p["tarball"]).is_file() for p in module.PACKAGES.values()):
        pytest.fail(f"no verified tarballs in {module.CACHE}: run `make vendor` first")
    shutil.copytree(module.CACHE, tmp_path / "cache")
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR, copy)
    return copy


# ---------------------------------------------------------------------------
# vendored files


@pytest.mark.parametrize(
    "damage, rel",
    [
        ("truncate", "mathjax/tex-mml-chtml.js"),
        ("delete", "jupyter-widgets/embed-amd.js"),
        ("edit", "jupyter-widgets/mathjax3-compat.js"),
    ],
)
def test_a_damaged_vendor_file_is_named_and_restored_without_network(
    vendor_copy, tmp_path, damage, rel
):
    target = vendor_copy / "_static" / rel
    good = sha256(target)
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    elif damage == "delete":
        target.unlink()
    else:
        target.write_text(target.read_text() + "\n// edited\n")

    cache = ["--cache", tmp_path / "cache"]
    proc, _ = fetch("--vendor", vendor_copy, "--check", *cache)
    assert proc.returncode == 1 and str(target) in proc.stdout, proc.stdout + proc.stderr

    proc, _ = fetch("--vendor", vendor_copy, *cache, env=offline_env(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert str(target) in proc.stdout and "restoring" in proc.stdout
    assert sha256(target) == good
    proc, _ = fetch("--vendor", vendor_copy, "--check", *cache)
    assert proc.returncode == 0 and "files match the pinned packages" in proc.stdout


def test_a_tampered_tarball_is_not_trusted(vendor_copy, tmp_path):
    tarball = next((tmp_path / "cache").glob("mathjax-*.tgz"))
    tarball.write_bytes(tarball.read_bytes()[:-10])
    proc, _ = fetch("--vendor", vendor_copy, "--check", "--cache", tmp_path / "cache")
    assert proc.returncode == 1 and "does not match its pinned checksum" in proc.stdout


def test_the_real_vendor_folder_is_verified():
    proc, _ = fetch("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list(VENDOR.rglob("*.tgz"))  # the tarballs stay out of the published folder


# ---------------------------------------------------------------------------
# offline: one line, quickly


@pytest.mark.parametrize("how", ["npm", "urllib"])
def test_an_unreachable_registry_stops_within_30_s_with_one_line(tmp_path, how):
    if how == "npm" and not shutil.which("npm"):
        pytest.skip("npm is not installed")
    options = ["--vendor", tmp_path / "vendor", "--cache", tmp_path / "empty-cache"] + (
        ["--no-npm"] if how == "urllib" else []
    )
    proc, seconds = fetch(*options, env=offline_env(tmp_path), timeout=90)
    assert proc.returncode == 1
    assert seconds < 30, f"took {seconds:.0f} s"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("fetch_vendor: ERROR: could not reach the npm registry")
    assert "127.0.0.1" in lines[0] and "make vendor" in lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "vendor" / "_static").exists()


def test_the_pip_step_stops_within_30_s_with_one_line(tmp_path):
    # `make setup` into a new venv (creating it takes a few seconds, not counted)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    env = offline_env(tmp_path)
    env["PIP_INDEX_URL"] = f"https://127.0.0.1:{closed_port()}/simple"
    for name in (
        "PIP_NO_INDEX",
        "PIP_FIND_LINKS",
    ):  # set by the Makefile while a wheelhouse/ exists
        env.pop(name, None)
    proc, seconds = run(
        [
            "make",
            "--no-print-directory",
            "-C",
            ROOT,
            f"VENV={venv}",
            "WHEELHOUSE=",
            f"{venv}/.installed",
        ],
        env=env,
        timeout=120,
    )
    assert proc.returncode != 0
    assert seconds < 30, f"took {seconds:.0f} s"
    last = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("make")][-1]
    assert last.startswith("setup: could not install the pinned packages from PyPI"), proc.stderr
    assert not (venv / ".installed").exists()


# ---------------------------------------------------------------------------
# warnings fail every build


def small_book(folder: Path, link: str) -> Path:
    folder.mkdir()
    (folder / "_config.yml").write_text(
        'title: "Broken link test"\nexecute:\n  execute_notebooks: "off"\n'
        "only_build_toc_files: true\n"
    )
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (folder / "intro.md").write_text("# Intro\n\nThe next page: {doc}`page`.\n")
    (folder / "page.md").write_text(f"# Page\n\nBack to {{doc}}`{link}`.\n")
    return folder


def test_a_broken_doc_link_fails_every_build(tmp_path):
    book = small_book(tmp_path / "book", "intro-typo")
    make = ["make", "--no-print-directory", "-C", ROOT, f"BOOK={book}", f"BIN={BIN}", "build-book"]
    for attempt in (1, 2):  # the second, incremental-looking run must fail as well
        proc, _ = run(make, timeout=300)
        assert proc.returncode != 0, f"build {attempt} passed:\n{proc.stdout[-2000:]}"
        assert "intro-typo" in proc.stdout + proc.stderr
    (book / "page.md").write_text("# Page\n\nBack to {doc}`intro`.\n")
    proc, _ = run(make, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


# a stored output too large for myst-nb stops the build at once


def _notebook_with_output(path: Path, text: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Noisy page", id="title"),
        nbformat.v4.new_code_cell(
            "import os\nprint(os.urandom(1_500_000).hex())",
            id="noisy",
            execution_count=1,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)],
        ),
    ]
    nbformat.write(nb, path)


def test_a_three_megabyte_output_line_stops_the_build_within_a_minute(tmp_path):
    """myst-nb would merge the stream for over 15 CPU-minutes; the book's extension stops the build before it reads it."""
    book = small_book(tmp_path / "book", "intro")
    config = (book / "_config.yml").read_text()
    (book / "_config.yml").write_text(
        config
        + "sphinx:\n  extra_extensions: [studentnb.book]\n  config:\n    nb_merge_streams: true\n"
    )
    (book / "page.md").unlink()
    _notebook_with_output(book / "page.ipynb", os.urandom(1_500_000).hex() + "\n")
    make = ["make", "--no-print-directory", "-C", ROOT, f"BOOK={book}", f"BIN={BIN}", "build-book"]
    start = time.monotonic()
    proc, _ = run(make, timeout=300)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    assert "page.ipynb: stored outputs over the bounds" in out, out[-2000:]
    assert (
        "cell 2 (id noisy, import os): a stored output line of 3000000 characters (the bound is 10000 per line)"
        in out
    )
    stored = json.loads((book / "page.ipynb").read_text())["cells"][1]["outputs"]
    assert (
        f"{len(json.dumps(stored).encode())} bytes of stored outputs (the bound is 1000000 per cell)"
        in out
    )
    assert took < 60, f"the build took {took:.0f} s to stop"
