"""The lecture slides (`make slides`, scripts/make_slides.py) in headless Chromium at 1280 x 720.

Every deck is opened from ``file://`` with every non-file request aborted and
recorded. For every slide: a screenshot kept in ``artifacts/slides/``, no
element outside the 1280 x 720 slide, nothing cut off inside a scrolling
box. Per deck: 0 off-host requests, no console errors, math rendered by
MathJax (no raw TeX left), and every explorer changes its picture when an
arrow key moves its focused control, while the deck stays on the same
slide. Also: the slide cells never reach the book or the student notebooks.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

from site_harness import CHROMIUM_ARGS, ROOT  # noqa: F401

ARTIFACTS = ROOT / "artifacts" / "slides"
VIEWPORT = {"width": 1280, "height": 720}


import make_slides  # noqa: E402 - scripts/ (on the path through site_harness)
import studentnb.make as make_student  # noqa: E402

CHAPTERS = make_slides.chapter_notebooks(ROOT)
DECKS = [p.stem for _, p in CHAPTERS] + [make_slides.OVERVIEW_NAME]


@pytest.fixture(scope="module")
def decks(site):
    written = make_slides.build(ROOT, site)
    return {p.name.removesuffix(".slides.html"): p for p in written}


def _open(browser, path: Path):
    ctx = browser.new_context(viewport=VIEWPORT, service_workers="block")
    external, errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            errors.append(f"failed: {r.url} {r.failure}") if r.url.startswith("file://") else None
        ),
    )
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => window.convlayerReveal && window.convlayerReveal.isReady()")
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate("() => window.MathJax && MathJax.startup.promise")
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        page.wait_for_function(
            "(n) => document.querySelectorAll('.convlayer-explorer').length >= n && "
            "[...document.querySelectorAll('.convlayer-explorer')].every(r => Number(r.dataset.frame) > 0)",
            arg=views,
        )
    return ctx, page, external, errors


OVERFLOW_JS = """
() => {
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const section = Reveal.getCurrentSlide();
  const bad = [];
  for (const el of section.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('aside.notes')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const what = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
      bad.push(`${what} outside the slide: [${Math.round(r.left)}, ${Math.round(r.top)}, ${Math.round(r.right)}, ${Math.round(r.bottom)}] vs [${Math.round(box.left)}, ${Math.round(box.top)}, ${Math.round(box.right)}, ${Math.round(box.bottom)}]`);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 2 && el.clientHeight > 0 && !el.closest('mjx-container'))
      bad.push(`${what} cuts its content: scrollHeight ${el.scrollHeight} > ${el.clientHeight}`);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0 && !el.closest('mjx-container'))
      bad.push(`${what} cuts its content sideways: scrollWidth ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return bad;
}
"""

# what an explorer shows: its canvases' pixels and its tables of numbers (the steps explorer draws tables)
PICTURE_JS = """
(root) => [...root.querySelectorAll('canvas')].map(c => c.toDataURL()).join('|') + '|' +
          [...root.querySelectorAll('table')].map(t => t.innerHTML).join('|')
"""


@pytest.mark.parametrize("name", DECKS)
def test_deck_fits_renders_math_and_stays_offline(name, decks, browser):
    path = decks[name]
    ctx, page, external, errors = _open(browser, path)
    try:
        n = page.evaluate("() => Reveal.getTotalSlides()")
        assert n >= 3, f"{name}: only {n} slides"
        out = ARTIFACTS / name
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):
            old.unlink()
        problems = []
        for h in range(n):
            page.evaluate("(h) => Reveal.slide(h, 0)", h)
            page.wait_for_timeout(60)
            page.screenshot(path=str(out / f"{h + 1:02d}.png"))
            problems += [f"slide {h + 1}: {p}" for p in page.evaluate(OVERFLOW_JS)]
        assert not problems, f"{name}:\n" + "\n".join(problems[:20])
        # math: the deck's TeX was typeset by MathJax and none is left raw
        source = path.read_text(encoding="utf-8")
        if "$" in re.sub(r"<script.*?</script>", "", source, flags=re.S):
            assert page.locator("mjx-container").count() > 0, f"{name}: no math typeset"
        text = page.evaluate("() => document.querySelector('.reveal .slides').innerText")
        for raw in ("$$", "\\sum", "\\Delta", "{eq}", "{doc}", ":::"):
            assert raw not in text, f"{name}: raw {raw!r} on a slide"
        assert page.locator("mjx-merror, [data-mjx-error]").count() == 0, f"{name}: MathJax error"
        assert external == [], f"{name}: requests that left the machine: {external}"
        assert errors == [], f"{name}: console errors: {errors}"
    finally:
        ctx.close()


@pytest.mark.parametrize("name", [p.stem for _, p in CHAPTERS])
def test_explorers_are_live_and_keep_their_arrow_keys(name, decks, browser):
    ctx, page, external, errors = _open(browser, decks[name])
    try:
        roots = page.locator(".convlayer-explorer")
        count = roots.count()
        views = (
            decks[name]
            .read_text(encoding="utf-8")
            .count('type="application/vnd.jupyter.widget-view+json"')
        )
        assert count >= 1 and count == views, (
            f"{name}: {count} explorers rendered, {views} in the deck"
        )
        for i in range(count):
            root = roots.nth(i)
            slide = page.evaluate(
                "(el) => Reveal.getIndices(el.closest('.slides > section')).h",
                root.element_handle(),
            )
            page.evaluate("(h) => Reveal.slide(h, 0)", slide)
            page.wait_for_timeout(60)
            before = root.evaluate(PICTURE_JS)
            frame = int(root.get_attribute("data-frame"))
            control = root.locator("input[type=range]").first
            key_up, key_down = "ArrowRight", "ArrowLeft"
            if control.count() == 0:
                control, key_up, key_down = (
                    root.locator("input[type=number], select").first,
                    "ArrowUp",
                    "ArrowDown",
                )
            control.focus()
            at_max = control.evaluate(
                "(c) => c.type === 'range' && Number(c.value) >= Number(c.max)"
            )
            page.keyboard.press(key_down if at_max else key_up)
            page.wait_for_function(
                "([el, f]) => Number(el.dataset.frame) > f", arg=[root.element_handle(), frame]
            )
            page.wait_for_timeout(50)
            assert page.evaluate("() => Reveal.getIndices().h") == slide, (
                f"{name}: the arrow key moved the slide"
            )
            after = root.evaluate(PICTURE_JS)
            label = root.get_attribute("aria-label")
            assert after != before, f"{name}: explorer {label!r} did not change its picture"
            # Escape gives the keys back to the deck: the arrow key changes slides again
            page.keyboard.press("Escape")
            assert page.evaluate("() => document.activeElement === document.body"), (
                f"{name}: Escape kept the focus"
            )
            page.keyboard.press("ArrowRight")
            assert page.evaluate("() => Reveal.getIndices().h") == slide + 1, (
                f"{name}: arrows stopped navigating"
            )
        assert external == [] and errors == [], (external, errors)
    finally:
        ctx.close()


def test_slide_cells_are_hidden_from_the_book_and_the_students(site):
    for docname, path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        slide_only = [c for c in nb.cells if make_slides.SLIDE_ONLY in make_slides.tags(c)]
        assert slide_only, f"{path.name} has no slide cells"
        for c in slide_only:
            assert "remove-cell" in c.metadata["tags"], c.id
            assert c.id.startswith("slides-"), c.id
        html = (site / f"{docname}.html").read_text(encoding="utf-8")
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        # sentences of the slides and their speaker notes (headings may repeat the book's section titles)
        lines = [
            " ".join(line.lstrip("-").split())
            for c in slide_only
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if not line.startswith("#") and "$" not in line and "`" not in line
        ]
        lines = [line for line in lines if len(line) > 45]
        assert len(lines) >= 3, path.name
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{path.name}: slide text on the book page: {leaked}"
        student = make_student.student_notebook(copy.deepcopy(nb), path.name)
        assert not [c.id for c in student.cells if make_slides.SLIDE_ONLY in make_slides.tags(c)]
        # every chapter page links its deck
        assert f'href="../slides/{path.stem}.slides.html"' in html


def test_a_slide_with_myst_syntax_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("## Title\n\nSee {eq}`eq-cc-layer`.")
    cell.metadata.update(tags=["slide-only", "remove-cell"], slideshow={"slide_type": "slide"})
    cell.id = "slides-x"
    nb.cells = [cell]
    with pytest.raises(make_slides.SlidesError, match=r"cell slides-x uses MyST syntax"):
        make_slides.chapter_deck(nb, "chapters/x", "x.ipynb")
    cell.source = "## Fine"
    cell.metadata["tags"] = ["slide-only"]
    with pytest.raises(make_slides.SlidesError, match=r"not 'remove-cell': the book would show it"):
        make_slides.chapter_deck(nb, "chapters/x", "x.ipynb")


def test_decks_are_found_from_the_toc(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: a/05_new\n  - file: notes\n"
    )
    (tmp_path / "a").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "a" / "05_new.ipynb")
    (tmp_path / "notes.md").write_text("# notes\n")
    assert make_slides.chapter_notebooks(tmp_path) == [
        ("a/05_new", tmp_path / "a" / "05_new.ipynb")
    ]
    with pytest.raises(make_slides.SlidesError, match="reveal.js is missing: build the site first"):
        make_slides.build(tmp_path, tmp_path / "_build" / "html")


def test_deck_sizes_are_modest(decks):
    assert sorted(decks) == sorted(DECKS)
    for name, path in decks.items():
        size = path.stat().st_size
        assert size < 2_500_000, f"{name}: {size:,} bytes"
