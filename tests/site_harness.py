"""The built website, served and opened in headless Chromium: shared by the site tests.

Session fixtures (``site``, ``server``, ``browser``, ``open_page``) are
registered in ``tests/conftest.py``; constants and helpers live here so that
every site test module (pages, explorers, accessibility) uses one build, one
server and one browser per test session.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK_DIR = Path(os.environ.get("CONVLAYER_BOOK_DIR", ROOT)).resolve()
sys.path.insert(0, str(ROOT / "scripts"))
from make_slides import toc_entries  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
REPO_URL = "https://github.com/convlayer/convlayer"
BRANCH = "main"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT_MS = 20_000


# --------------------------------------------------------------------------
# the book's pages, from _toc.yml (known at collection time)
# --------------------------------------------------------------------------
DOCNAMES = toc_entries(BOOK_DIR)  # the one reader of _toc.yml (scripts/make_slides.py)


def _source_of(docname: str) -> Path | None:
    for suffix in (".ipynb", ".md"):
        if (BOOK_DIR / f"{docname}{suffix}").exists():
            return BOOK_DIR / f"{docname}{suffix}"
    return None


# --------------------------------------------------------------------------
# session fixtures: build, server, browser
# --------------------------------------------------------------------------
def site(tmp_path_factory) -> Path:
    """The built HTML site (a directory containing index.html)."""
    if os.environ.get("CONVLAYER_SITE_HTML"):
        return Path(os.environ["CONVLAYER_SITE_HTML"]).resolve()
    if not (BOOK_DIR / "vendor" / "_static" / "mathjax" / "tex-mml-chtml.js").is_file():
        pytest.fail("vendor/ is missing: run `make vendor` (scripts/fetch_vendor.py) first")
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb) if jb.exists() else "jupyter-book",
        "build",
        str(BOOK_DIR),
        "--path-output",
        str(out),
        "-W",
        "--keep-going",
    ]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
        )
    print(f"book built in {time.monotonic() - t0:.1f} s")
    # the slides are part of the published site (`make course`): the chapter pages link them
    slides = [
        sys.executable,
        str(ROOT / "scripts" / "make_slides.py"),
        "--book",
        str(BOOK_DIR),
        "--site",
        str(out / "_build" / "html"),
    ]
    proc = subprocess.run(slides, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(slides)}` failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return out / "_build" / "html"


def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (scripts/install_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Recorder:
    """Everything that went wrong while a page was open."""

    def __init__(self):
        self.external: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []

    def problems(self) -> list[str]:
        return (
            [f"request to another host (aborted): {u}" for u in self.external]
            + [f"failed request: {u}" for u in self.failed]
            + [f"console error: {m}" for m in self.console_errors]
        )


def keep_on_host(ctx, external: list) -> None:
    """Abort every request of the browser context ``ctx`` that leaves 127.0.0.1.

    The aborted URLs are appended to ``external``, so that a test can fail
    on them: the site, JupyterLab and the student notebooks must work offline.
    """

    def route(r):
        if urlsplit(r.request.url).hostname != "127.0.0.1":
            external.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    ctx.route("**/*", route)


def open_page(browser, server):
    """open_page(path, viewport="laptop") -> (page, recorder); a fresh context per call."""
    contexts = []

    def _open(path: str, viewport: str = "laptop"):
        ctx = browser.new_context(viewport=VIEWPORTS[viewport], service_workers="block")
        contexts.append(ctx)
        rec = Recorder()

        keep_on_host(ctx, rec.external)
        page = ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on(
            "console", lambda m: rec.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: rec.console_errors.append(f"uncaught: {e}"))
        # ERR_ABORTED on 127.0.0.1 = a load cancelled by navigating away (a missing
        # file shows up as HTTP 404 instead; other hosts are recorded by route())
        page.on(
            "requestfailed",
            lambda r: (
                None
                if "ERR_ABORTED" in (r.failure or "")
                else rec.failed.append(f"{r.url} ({r.failure})")
            ),
        )
        page.on(
            "response",
            lambda r: rec.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )
        page.goto(f"{server}/{path}", wait_until="load")
        return page, rec

    yield _open
    for ctx in contexts:
        ctx.close()
