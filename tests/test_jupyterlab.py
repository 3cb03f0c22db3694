"""Round trip in a live JupyterLab 4: the explorer computes in the page AND its state reaches the kernel.

Starts JupyterLab (a pinned test-only dependency) on 127.0.0.1 with a throw-away
configuration, opens a copy of chapter 1 in headless Chromium, runs all cells,
moves the explorer's "row shift" slider with the keyboard (JupyterLab must not
swallow the arrow keys: the inputs carry data-lm-suppress-shortcuts), checks that
the page drew the new frames, then runs a new cell that prints
``explorer.row_shift`` and reads the kernel's answer; finally a cell sets
``explorer.col_shift`` and the page's slider and picture follow. Every request leaving
127.0.0.1 is aborted. The server is stopped by its PID (killed after a timeout:
JupyterLab may ignore SIGTERM while shutting down its kernels).
"""

from __future__ import annotations

import pytest

from lab_harness import running_lab
from site_harness import ROOT, SCREENSHOTS, keep_on_host

CHAPTER = ROOT / "chapters" / "01_translation_invariance.ipynb"
RUN_TIMEOUT_MS = 180_000
STEP_TIMEOUT_MS = 15_000


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a copy of chapter 1; yields (url, token, notebook name)."""
    with running_lab(tmp_path, [CHAPTER]) as (url, token):
        yield url, token, CHAPTER.name


def test_keyboard_moves_the_explorer_and_the_kernel_sees_it(lab, browser):
    # the session's one Playwright browser (tests/site_harness.py): a second
    # sync_playwright() in the same test session refuses to start
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url, token, name = lab
    external, errors = [], []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        keep_on_host(ctx, external)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/lab/tree/{name}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # JupyterLab may ask which kernel to start: the notebook's own (python3, this environment)
        select = page.locator(".jp-Dialog button", has_text="Select")
        try:
            select.wait_for(timeout=10_000)
            select.click()
        except PlaywrightTimeout:
            pass
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
        )

        # Run > Run All Cells
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        root = page.wait_for_selector(
            ".convlayer-explorer[data-explorer='invariance']", timeout=RUN_TIMEOUT_MS
        )
        page.wait_for_function(
            "(el) => Number(el.dataset.frame) > 0", arg=root, timeout=STEP_TIMEOUT_MS
        )
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=RUN_TIMEOUT_MS
        )

        slider = root.query_selector("input[type=range]")
        assert slider.evaluate("(s) => s.labels[0].textContent") == "row shift"
        assert slider.get_attribute("data-lm-suppress-shortcuts") == "true"
        slider.scroll_into_view_if_needed()
        frames = int(root.get_attribute("data-frame"))
        slider.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([el, n]) => Number(el.dataset.frame) >= n + 3",
            arg=[root, frames],
            timeout=STEP_TIMEOUT_MS,
        )
        assert slider.input_value() == "3", "JupyterLab swallowed the arrow keys"
        assert "shift in (3, 0)" in root.query_selector(".convlayer-readout").inner_text()

        # a new cell at the end asks the kernel
        page.locator(".jp-Notebook .jp-Cell").last.click()
        page.keyboard.press("Escape")
        page.keyboard.press("b")
        page.keyboard.press("Enter")
        page.keyboard.type(
            'print("kernel sees row_shift =", explorer.row_shift, explorer.frame().peak)'
        )
        page.keyboard.press("Shift+Enter")
        answer = page.wait_for_selector(
            ".jp-OutputArea-output:has-text('kernel sees row_shift')", timeout=STEP_TIMEOUT_MS
        )
        assert "kernel sees row_shift = 3 (14, 11)" in answer.inner_text()

        # and the other way: Python sets a trait, the page moves the slider and redraws
        frames = int(root.get_attribute("data-frame"))
        page.keyboard.press("Escape")
        page.keyboard.press("b")
        page.keyboard.press("Enter")
        page.keyboard.type("explorer.col_shift = 7")
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            "([el, n]) => Number(el.dataset.frame) > n", arg=[root, frames], timeout=STEP_TIMEOUT_MS
        )
        col = root.query_selector_all("input[type=range]")[1]
        assert col.input_value() == "7"
        # (text_content: JupyterLab may have scrolled the output out of view)
        assert "shift in (3, 7)" in root.query_selector(".convlayer-readout").text_content()
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-failure.png"))
        raise
    finally:
        ctx.close()
    assert not external, f"requests to other hosts: {external[:5]}"
    assert not errors, f"uncaught errors in JupyterLab: {errors[:5]}"
