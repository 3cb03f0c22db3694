"""The first cell of every chapter, as Colab and Binder run it.

Colab starts with Python 3.12 and ipywidgets 7.7.1 already imported. The
first cell (id ``install-convlib``) must install convlib when it is missing,
and stop with ONE line when that replaced a package the kernel had loaded
(restart the runtime) or when the install failed; the next cell must then
repeat that line instead of failing on a missing module.

Tested in a real kernel: a Python 3.12 venv (from pyenv when there is one,
else this Python) with ipywidgets 7.7.1 imported at start-up by an IPython
startup file, next to a stub ``google.colab`` that records the call to
``output.enable_custom_widget_manager()``. The cell's install URL is pointed
at a copy of this repository (Colab would fetch it from GitHub), at a path
that does not exist, and at this repository with the package index switched
off. The base venv is cached in ``.venvs/colab-<hash>`` and copied per test.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import python_venvs  # noqa: E402

CHAPTERS = sorted(glob.glob(str(ROOT / "chapters" / "0*.ipynb")))
CELL_ID = "install-convlib"
URL_LINE = 'URL = "git+https://github.com/convlayer/convlayer"'
BASE_PINS = ["ipywidgets==7.7.1", "ipykernel==7.4.0", "nbclient==0.11.0", "nbformat==5.11.1"]

RUN = r"""
import json, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True).execute()
print(json.dumps([[{k: o.get(k) for k in ("output_type", "ename", "evalue", "traceback", "text")} for o in c.outputs]
                  for c in nb.cells]))
"""

STUB = {
    "google/__init__.py": "",
    "google/colab/__init__.py": "from . import output\n",
    "google/colab/output.py": (
        "import os\n"
        "def enable_custom_widget_manager():\n"
        "    open(os.environ['COLAB_STUB_LOG'], 'a').write('enable_custom_widget_manager\\n')\n"
    ),
}


def chapter_cells(path) -> tuple:
    """The install cell and the code cell after it."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    index = next(i for i, c in enumerate(cells) if c.get("id") == CELL_ID)
    following = next(c for c in cells[index + 1 :] if c["cell_type"] == "code")
    return "".join(cells[index]["source"]), "".join(following["source"])


def test_every_chapter_has_the_same_first_code_cell():
    sources = set()
    for path in CHAPTERS:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        assert first.get("id") == CELL_ID, (
            f"{Path(path).name}: the first code cell is not {CELL_ID}"
        )
        sources.add("".join(first["source"]))
    assert len(sources) == 1, "the chapters' install cells differ"
    (source,) = sources
    assert source.count(URL_LINE) == 1 and len(source.splitlines()) <= 30


@pytest.fixture(scope="module")
def colab_base():
    python = python_venvs.find_pythons().get("3.12", sys.executable)
    key = hashlib.sha256(
        repr((BASE_PINS, python, python_venvs._version(python))).encode()
    ).hexdigest()[:12]
    base = ROOT / ".venvs" / f"colab-{key}"
    if not (base / ".complete").exists():
        if os.environ.get("PIP_NO_INDEX"):
            pytest.skip(
                "installing from a wheelhouse (PIP_NO_INDEX): ipywidgets 7.7.1, Colab's version, is not in it"
            )
        shutil.rmtree(base, ignore_errors=True)
        subprocess.run([python, "-m", "venv", base], check=True)
        subprocess.run(
            [
                base / "bin" / "python",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--timeout",
                "30",
                *BASE_PINS,
            ],
            check=True,
            capture_output=True,
        )
        (base / ".complete").write_text("ok\n")
    return base


def kernel_env(tmp_path: Path, **extra) -> dict:
    for rel, text in STUB.items():
        (tmp_path / "stub" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "stub" / rel).write_text(text)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    # what Colab has loaded
    (startup / "00-colab.py").write_text("import google.colab\nimport ipywidgets\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "IPYTHON"))
    }
    env.update(
        PYTHONPATH=str(tmp_path / "stub"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        COLAB_STUB_LOG=str(tmp_path / "colab.log"),
    )
    env.update(extra)
    return env


def run_cells(venv: Path, tmp_path: Path, cells: list, env: dict, name: str) -> list:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": s,
            }
            for i, s in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb))
    proc = subprocess.run(
        [venv / "bin" / "python", "-c", RUN, path],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def errors(outputs: list) -> list:
    return [o for o in outputs if o["output_type"] == "error"]


def fresh_venv(colab_base: Path, tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    shutil.copytree(colab_base, venv, symlinks=True)
    return venv


def repo_copy(tmp_path: Path) -> Path:
    """What pip would fetch from GitHub: the package sources (copied, so no build files land in the repository)."""
    src = tmp_path / "convlayer"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "convlib", src / "convlib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "grading", src / "grading", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def assert_one_line_stop(outputs_first: list, outputs_next: list, starts: str) -> str:
    (err,) = errors(outputs_first)
    assert err["ename"] == "SetupStop" and err["evalue"].startswith(starts), err
    assert err["traceback"] == [f"SetupStop: {err['evalue']}"]  # one line, no stack frames
    assert "\n" not in err["evalue"]
    # the next cell repeats the line instead of a ModuleNotFoundError
    (again,) = errors(outputs_next)
    assert (again["ename"], again["evalue"]) == ("SetupStop", err["evalue"])
    assert [o for o in outputs_next if o["output_type"] != "error"] == []
    return err["evalue"]


def test_on_colab_it_installs_then_asks_for_a_restart_once(colab_base, tmp_path):
    install, following = chapter_cells(CHAPTERS[0])
    install = install.replace(URL_LINE, f'URL = "{repo_copy(tmp_path).as_uri()}"')
    venv = fresh_venv(colab_base, tmp_path)
    env = kernel_env(tmp_path)
    first, second = run_cells(venv, tmp_path, [install, following], env, "colab")
    message = assert_one_line_stop(
        first, second, "Restart the runtime now (Colab: Runtime > Restart session"
    )
    assert "ipywidgets 7.7.1 with 8." in message
    # after the restart: both cells run, ipywidgets 8 is loaded, Colab's widget manager is switched on
    first, second, third = run_cells(
        venv,
        tmp_path,
        [install, following, "import ipywidgets; print(ipywidgets.__version__)"],
        env,
        "restarted",
    )
    assert errors(first) == errors(second) == errors(third) == []
    assert third[0]["text"].startswith("8.")
    assert (tmp_path / "colab.log").read_text().count("enable_custom_widget_manager") == 1


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("how", ["wrong-url", "offline"])
def test_a_failed_install_stops_with_one_line_and_later_cells_do_not_cascade(
    colab_base, tmp_path, how
):
    install, following = chapter_cells(CHAPTERS[0])
    extra = {}
    if how == "wrong-url":
        url = (tmp_path / "no-such-repository").as_uri()
    else:  # the repository is there, but no package index: numpy & co cannot be installed
        url = repo_copy(tmp_path).as_uri()
        extra = {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": f"http://127.0.0.1:{closed_port()}/simple",
            "PIP_RETRIES": "0",
            "PIP_TIMEOUT": "5",
            "PIP_FIND_LINKS": "",
            "PIP_NO_CACHE_DIR": "1",
        }
    install = install.replace(URL_LINE, f'URL = "{url}"')
    venv = fresh_venv(colab_base, tmp_path)
    first, second = run_cells(
        venv, tmp_path, [install, following], kernel_env(tmp_path, **extra), how
    )
    message = assert_one_line_stop(
        first, second, f"Setup failed: pip could not install convlib from {url} ("
    )
    assert message.endswith("Check the connection, then run this cell again.")
