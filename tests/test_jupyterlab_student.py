"""Every published student notebook, opened in a stock JupyterLab 4 (no extension), shows no raw MyST.

Starts JupyterLab (pinned in requirements-test.txt) on 127.0.0.1 with a
throw-away configuration on a copy of ``student-notebooks/``, opens each
notebook in headless Chromium (all cells rendered: windowing off), waits for
MathJax, and reads what the reader sees in the markdown cells: no directive
fences, no ``:label:``/``:class:`` lines, no ``{doc}``/``{eq}``/``{ref}``
roles, no equation labels, no TeX left untypeset and no MathJax error; every
exercise is a heading "Exercise N.k: title". Screenshots (the top of each
notebook and its first exercise) go to ``artifacts/jupyterlab-student/``.
Also: ``make lab`` starts JupyterLab on the course folder (as root too).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import urllib.request

import nbformat
import pytest

from lab_harness import free_port, lab_env, running_lab, stop, wait_for
from site_harness import ROOT, keep_on_host

STUDENT = sorted((ROOT / "student-notebooks").glob("*.ipynb"))
SHOTS = ROOT / "artifacts" / "jupyterlab-student"
RAW = [
    "```{",
    ":::{",
    ":label:",
    ":class:",
    "{doc}`",
    "{eq}`",
    "{ref}`",
    "{numref}`",
    "{exercise}",
    "{solution}",
    "$$",
    "\\tag",
    "\\begin{",
    "\\frac",
    "\\sum",
    "(eq-",
    ")=",
]

VISIBLE_TEXT_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')];
  return cells.map(cell => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('mjx-container, mjx-assistive-mml, code, pre, script').forEach(e => e.remove());
    return copy.textContent;
  });
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab-student"), STUDENT) as (url, token):
        yield url, token


def test_there_are_student_notebooks():
    assert len(STUDENT) >= 4


def test_student_notebooks_render_without_myst_in_stock_jupyterlab(lab, browser):
    # the session's one Playwright browser (tests/site_harness.py): a second
    # sync_playwright() in the same test session refuses to start
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url, token = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    external, errors, problems = [], [], []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        keep_on_host(ctx, external)
        for k, path in enumerate(STUDENT):
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            # a workspace of its own: only this notebook is open (JupyterLab restores the tabs of a workspace)
            page.goto(f"{url}/lab/workspaces/student{k}/tree/{path.name}?token={token}")
            page.wait_for_selector(
                ".jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown", timeout=90_000
            )
            select = page.locator(".jp-Dialog button", has_text="Select")
            try:
                select.wait_for(timeout=3_000)
                select.click()
            except PlaywrightTimeout:
                pass
            nb = nbformat.read(path, as_version=4)
            n_markdown = sum(c.cell_type == "markdown" for c in nb.cells)
            page.wait_for_function(
                f"() => document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length >= {n_markdown}",
                timeout=60_000,
            )
            # MathJax has typeset everything: no $$ left in the visible text
            try:
                page.wait_for_function(
                    f"() => ({VISIBLE_TEXT_JS})().every(t => !t.includes('$$')) "
                    "&& document.querySelectorAll('.jp-RenderedMarkdown mjx-container').length > 0",
                    timeout=60_000,
                )
            except PlaywrightTimeout:
                pass  # reported below with the text that is left
            page.wait_for_timeout(500)
            texts = page.evaluate(VISIBLE_TEXT_JS)
            for i, text in enumerate(texts):
                for pat in RAW:
                    if pat in text:
                        k = text.index(pat)
                        problems.append(
                            f"{path.name}, markdown cell {i}: {pat!r} on screen: ...{text[max(0, k - 60) : k + 60]!r}"
                        )
            merrors = page.locator(".jp-RenderedMarkdown mjx-merror").count()
            if merrors:
                problems.append(
                    f"{path.name}: {merrors} MathJax errors, first: {page.locator('mjx-merror').first.get_attribute('data-mjx-error')}"
                )
            n_math = page.locator(".jp-RenderedMarkdown mjx-container").count()
            if n_math < 10:
                problems.append(f"{path.name}: only {n_math} formulas typeset")
            headings = page.locator(".jp-RenderedMarkdown h3").all_inner_texts()
            exercises = [h for h in headings if h.startswith("Exercise ")]
            expected = sum(
                c.source.count("\n### Exercise ") + c.source.startswith("### Exercise ")
                for c in nb.cells
                if c.cell_type == "markdown"
            )
            if len(exercises) != expected or expected < 3:
                problems.append(
                    f"{path.name}: {len(exercises)} exercise headings on screen, {expected} in the file"
                )
            for h in exercises:
                if not re.fullmatch(r"Exercise \d+\.\d+: \S.*", h.replace("¶", "").strip()):
                    problems.append(f"{path.name}: exercise heading {h!r}")
            page.screenshot(path=str(SHOTS / f"{path.stem}-top.png"))
            first = page.locator(".jp-RenderedMarkdown h3", has_text="Exercise ").first
            first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / f"{path.stem}-exercise.png"))
            page.close()
    finally:
        ctx.close()
    assert not external, f"requests to other hosts: {external[:5]}"
    assert not problems, "\n".join(problems[:30]) + (
        f"\n(uncaught page errors: {errors[:3]})" if errors else ""
    )


def test_make_lab_starts_jupyterlab_on_the_course(tmp_path):
    """`make lab` serves the repository folder; as root it passes --allow-root (JupyterLab refuses root without it)."""
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} --ServerApp.port_retries=0"
    log = tmp_path / "make-lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(ROOT), "lab", f"LAB_ARGS={args}"],
            env=lab_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, token, proc, log)
        with urllib.request.urlopen(
            f"{url}/api/contents/student-notebooks?token={token}", timeout=10
        ) as r:
            listing = json.load(r)
        assert {c["name"] for c in listing["content"]} >= {p.name for p in STUDENT}
        with urllib.request.urlopen(f"{url}/api/contents?token={token}", timeout=10) as r:
            assert {"chapters", "student-notebooks"} <= {c["name"] for c in json.load(r)["content"]}
    finally:
        stop(proc)
    command = next(ln for ln in log.read_text(errors="replace").splitlines() if "jupyter lab" in ln)
    assert f'--ServerApp.root_dir="{ROOT}"' in command
    assert ("--allow-root" in command) == (os.geteuid() == 0), command
