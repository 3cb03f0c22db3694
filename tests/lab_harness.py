"""Start and stop a stock JupyterLab 4 for the browser tests (one mechanism for every JupyterLab test).

:func:`running_lab` serves a folder on 127.0.0.1 with a throw-away
configuration (its own config, runtime, settings and workspace folders; every
cell rendered, not only those near the view; no news toast, no update check,
extension manager read-only) and stops the server by its process group, killed
after a timeout: JupyterLab may ignore SIGTERM while it shuts down its kernels.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from site_harness import CHROMIUM

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL it after a timeout."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_for(url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    """Return once the server answers ``/api/status``; fail with its log if it died or took too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


def lab_env(tmp_path: Path) -> dict:
    """The environment of a JupyterLab whose configuration lives in ``tmp_path``."""
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
    ):
        env[var] = str(tmp_path / sub)
    # render every cell (JupyterLab 4 renders only the cells near the view by default)
    tracker = (
        tmp_path / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    news = (
        tmp_path
        / "settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True, exist_ok=True)
    # no "get notified about news?" toast
    news.write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")
    return env


@contextlib.contextmanager
def running_lab(tmp_path: Path, files):
    """Serve copies of ``files`` with JupyterLab on 127.0.0.1; yield ``(url, token)``."""
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.exists() or shutil.which("jupyter-lab", path=str(jupyter.parent)) is None:
        pytest.fail(
            "JupyterLab is not installed in this environment: run `make setup` (requirements-test.txt)"
        )
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser`")
    work = tmp_path / "work"
    work.mkdir()
    for path in files:
        shutil.copy(path, work / Path(path).name)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--ServerApp.port_retries=0",
        "--allow-root",
        "--LabApp.extension_manager=readonly",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log_path = tmp_path / "lab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=work,
            env=lab_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url, token, proc, log_path)
            yield url, token
        finally:
            stop(proc)
