"""The website for every reader: accessibility, phone fit and page weight, checked in Chromium.

Uses the shared build/server/browser fixtures (tests/conftest.py,
tests/site_harness.py). Per page of the book:

- axe-core (npm ``axe-core``, pinned and checksummed in
  scripts/fetch_vendor.py, fetched into the unpublished ``vendor-test/``) runs
  at 1280 px after MathJax and the widgets have rendered; any serious or
  critical violation fails the test, and every violation is printed.
- axe-core runs again at 390 px (boxes that scroll sideways must be
  reachable by keyboard, and so on).
- At 390 px (a fresh load at phone width) no formula, table, code block or
  widget is cut off: each either lies within the screen, or sits in a box
  that scrolls sideways and itself lies within the screen; nothing is hidden
  by an ``overflow: hidden`` ancestor.
- Every figure in a cell output (not the widgets' frames) has an alt text
  that says what it shows (not its file name), and its smallest text is at
  least 10 CSS px as displayed at both widths (SVG figures: font sizes read
  from the file, scaled by the displayed width; bitmaps must be shown at
  their natural size).
- The page with every resource it loads (fresh browser cache) weighs at most
  2.0 MB gzip-compressed; the load-event time from localhost is printed.
- Screenshots at 1280 and 390 px go to artifacts/screenshots/ (git-ignored),
  named ``<page>-1280.png`` and ``<page>-390.png``, for a human to look at.

Run with ``-s`` to see the per-page violations, weights and load times.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from convlib.widgets._static import MIN_TEXT_PX
from site_harness import BOOK_DIR, DOCNAMES, SCREENSHOTS
from test_site import _slug, _wait_for_mathjax, _wait_for_widgets

AXE_JS = BOOK_DIR / "vendor-test" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_PAGE_GZIP_BYTES = 2_000_000
FAILING_IMPACTS = ("serious", "critical")


def _expand_solutions(page) -> None:
    """Open every collapsed solution (a <details> box), as a reader who reads them would."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(100)


def _open_rendered(open_page, doc: str, size: dict):
    """Open a page at a viewport size, wait for math, widgets and the network to settle."""
    page, rec = open_page(f"{doc}.html", "laptop")
    if size != page.viewport_size:
        # reload at the requested size so the page lays out as it would on that screen
        page.set_viewport_size(size)
        page.reload(wait_until="load")
    _wait_for_mathjax(page)
    _wait_for_widgets(page)
    page.wait_for_load_state("networkidle")
    return page, rec


def _open_screenshot_expand(open_page, doc: str, size: dict):
    """``_open_rendered``, keep a full-page screenshot ``<page>-<width>.png``, then open every solution."""
    page, rec = _open_rendered(open_page, doc, size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{_slug(doc)}-{size['width']}.png"), full_page=True)
    _expand_solutions(page)
    return page, rec


# --------------------------------------------------------------------------
# axe-core at 1280 px
# --------------------------------------------------------------------------
AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')}))
  }));
}"""


def _assert_axe_clean(page, doc: str, width: int) -> None:
    """Run axe-core on the open page; print every violation, fail on serious or critical ones."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make vendor` (scripts/fetch_vendor.py)")
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(AXE_RUN_JS)
    counts = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    print(f"\naxe {doc} at {width} px: {counts or 'no violations'}")
    for v in violations:
        print(f"  [{v['impact']}] {v['id']} ({len(v['nodes'])}): {v['help']}")
        for n in v["nodes"][:4]:
            print(f"      {n['target']}  {n['summary'][:160]}")
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, f"{doc} at {width} px: serious/critical axe violations: " + "; ".join(
        f"{v['id']} x{len(v['nodes'])} ({v['nodes'][0]['target']})" for v in serious
    )


@pytest.mark.parametrize("doc", DOCNAMES)
def test_axe_finds_no_serious_violations(open_page, doc):
    page, rec = _open_screenshot_expand(open_page, doc, DESKTOP)
    figures = _figure_problems(page)
    assert not figures, f"{doc} at {DESKTOP['width']} px: " + "; ".join(figures)
    _assert_axe_clean(page, doc, DESKTOP["width"])
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# figures: alt text and text size as displayed
# --------------------------------------------------------------------------
FIGURES_JS = """async (minPx) => {
  const problems = [];
  const figures = Array.from(document.querySelectorAll('.cell_output img:not(.widget-image)'))
    .filter(img => !img.closest('.jupyter-widgets'));
  for (const img of figures) {
    const name = img.getAttribute('src').split('/').pop();
    const alt = (img.getAttribute('alt') || '').trim();
    if (alt.length < 40 || /[.](png|svg|jpe?g)$/i.test(alt) || alt.includes('_images/')) {
      problems.push(`${name}: alt text does not describe the figure: "${alt.slice(0, 60)}"`);
    }
    const shown = img.getBoundingClientRect().width;
    if (!name.toLowerCase().endsWith('.svg')) {
      if (Math.abs(shown - img.naturalWidth) > 1) {
        problems.push(`${name}: bitmap shown at ${Math.round(shown)} px, drawn at ${img.naturalWidth} px`);
      }
      continue;
    }
    const svg = await (await fetch(img.src)).text();
    const viewBox = svg.match(/viewBox="[\\d.\\s-]*?([\\d.]+)\\s+[\\d.]+"/);
    const sizes = Array.from(svg.matchAll(/font-size:\\s*([\\d.]+)px/g)).map(m => parseFloat(m[1]));
    if (!viewBox || !sizes.length) {
      problems.push(`${name}: SVG without measurable text (text drawn as paths?)`);
      continue;
    }
    const smallest = Math.min(...sizes) * shown / parseFloat(viewBox[1]);
    if (smallest < minPx) problems.push(`${name}: smallest text ${smallest.toFixed(1)} CSS px as displayed`);
  }
  return problems;
}"""


def _figure_problems(page) -> list[str]:
    return page.evaluate(FIGURES_JS, MIN_TEXT_PX)


# --------------------------------------------------------------------------
# nothing cut off at 390 px
# --------------------------------------------------------------------------
# For every formula, table, code block and widget: walk up the ancestors.
# A box that scrolls sideways (overflow-x auto/scroll) makes everything in it
# reachable, and then the box itself has to be reachable; a box with
# overflow hidden/clip cuts off whatever sticks out of it. What is left at
# the top has to lie within the screen. Elements that are not shown (display
# none, a collapsed solution) are skipped.
CLIPPED_JS = """() => {
  // after _expand_solutions(): also the formulas inside solutions
  const screenW = document.documentElement.clientWidth;
  const kinds = {
    formula: 'mjx-container',
    table: 'main table',
    code: 'main pre',
    widget: '.cell_output .jupyter-widgets, .cell_output .widget-subarea > *',
  };
  const label = (e) => {
    const math = e.closest('.math, span.math, mjx-container');
    const text = (math ? (math.getAttribute('aria-label') || math.textContent) : e.textContent) || '';
    return text.replace(/\\s+/g, ' ').trim().slice(0, 70);
  };
  const problem = (e) => {
    let r = e.getBoundingClientRect();
    let left = r.left, right = r.right;
    for (let a = e.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'visible') continue;
      const ar = a.getBoundingClientRect();
      if (ox === 'auto' || ox === 'scroll') {
        // reachable by scrolling this box; from now on the box itself counts
        left = ar.left; right = ar.right;
        continue;
      }
      // hidden / clip: cut off when it sticks out of this box
      if (left < ar.left - 2 || right > ar.right + 2) {
        const cls = typeof a.className === 'string' ? a.className.split(' ')[0] : '';
        return `cut off by ${a.tagName.toLowerCase()}.${cls} (overflow-x ${ox}): ${Math.round(left)}..${Math.round(right)} px in ${Math.round(ar.left)}..${Math.round(ar.right)} px`;
      }
    }
    if (left < -2 || right > screenW + 2) {
      return `off the screen: ${Math.round(left)}..${Math.round(right)} px on a ${screenW} px screen`;
    }
    return null;
  };
  const found = [];
  for (const [kind, selector] of Object.entries(kinds)) {
    for (const e of document.querySelectorAll(selector)) {
      if (!e.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
      const r = e.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const why = problem(e);
      if (why) found.push(`${kind} "${label(e)}": ${why}`);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("doc", DOCNAMES)
def test_nothing_is_cut_off_on_a_phone(open_page, doc):
    page, rec = _open_screenshot_expand(open_page, doc, PHONE)
    clipped = page.evaluate(CLIPPED_JS)
    for c in clipped:
        print(f"\n  {doc}: {c}")
    figures = _figure_problems(page)
    assert not figures, f"{doc} at {PHONE['width']} px: " + "; ".join(figures)
    assert not clipped, f"{doc} at {PHONE['width']} px: {len(clipped)} cut off:\n" + "\n".join(
        clipped[:20]
    )
    # on a phone wide tables and equations scroll: axe checks they can be reached by keyboard
    _assert_axe_clean(page, doc, PHONE["width"])
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# page weight and load time
# --------------------------------------------------------------------------
RESOURCES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    load_ms: nav.loadEventEnd - nav.startTime,
    urls: [nav.name, ...performance.getEntriesByType('resource').map(r => r.name)],
    dropped: performance.getEntriesByType('resource').length >= 250,
  };
}"""


def _served_file(site: Path, server: str, url: str) -> Path:
    """The file of the built site that the local server sent for url."""
    assert url.startswith(server + "/"), f"resource from elsewhere: {url}"
    path = site / unquote(urlsplit(url).path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


@pytest.mark.parametrize("doc", DOCNAMES)
def test_page_weight_and_load_time(site, server, open_page, doc):
    """Every resource the page loads, gzip-compressed (level 6, as a web server would send it), <= 2.0 MB.

    The page is opened in a fresh browser context (empty cache) and measured
    once math and widgets have rendered and the network is idle. Inline data
    (base64 widget frames, saved widget state) counts as part of the HTML.
    """
    page, rec = _open_rendered(open_page, doc, DESKTOP)
    loaded = page.evaluate(RESOURCES_JS)
    assert not loaded["dropped"], "more resources than the browser's resource timing buffer holds"
    urls = [u for u in dict.fromkeys(loaded["urls"]) if not u.startswith(("data:", "blob:"))]
    missing = [u for u in urls if not _served_file(site, server, u).is_file()]
    bodies = {u: _served_file(site, server, u).read_bytes() for u in urls if u not in missing}
    raw = sum(len(b) for b in bodies.values())
    packed = {u: len(gzip.compress(b, compresslevel=6)) for u, b in bodies.items()}
    total = sum(packed.values())
    print(
        f"\nweight {doc}: {len(bodies)} resources, {raw / 1e6:.2f} MB raw, {total / 1e6:.2f} MB gzip; "
        f"load event {loaded['load_ms']:.0f} ms"
    )
    for url, size in sorted(packed.items(), key=lambda kv: -kv[1])[:6]:
        print(f"  {size / 1e3:7.0f} kB  {urlsplit(url).path}")
    assert not missing, f"{doc} asks for files the site does not have: {missing}"
    icon_fonts = [urlsplit(u).path for u in urls if "/fontawesome/webfonts/" in u]
    assert not icon_fonts, (
        f"{doc} downloads icon fonts (an icon missing from _static/icons.css?): {icon_fonts}"
    )
    assert total <= MAX_PAGE_GZIP_BYTES, (
        f"{doc} weighs {total / 1e6:.2f} MB gzip-compressed (limit 2.0 MB)"
    )
    assert not rec.problems(), "\n".join(rec.problems())


def test_every_theme_icon_is_drawn_without_an_icon_font(site):
    """Each Font Awesome icon class on the built pages has its rule in _static/icons.css (scripts/make_icon_css.py).

    Icons the theme only shows later (menus, the theme switch, the search
    dialog) are on the pages too, so this covers what the browser test cannot see.
    """
    css = (BOOK_DIR / "_static" / "icons.css").read_text(encoding="utf-8")
    covered = set(re.findall(r"html \.fa-([a-z0-9-]+)::before \{ --convlayer-icon", css))
    pages = [
        p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("_static/")
    ]
    modifiers = {"solid", "regular", "brands", "lg", "xs", "sm", "fw", "2x", "3x"}
    used = set()
    for page in pages:
        for classes in re.findall(r'<i class="([^"]*)"', page.read_text(encoding="utf-8")):
            used |= {
                c[3:] for c in classes.split() if c.startswith("fa-") and c[3:] not in modifiers
            }
    assert used, (
        "no Font Awesome icons found on the pages (did the theme change how it draws icons?)"
    )
    assert used <= covered, f"icons without a rule in _static/icons.css: {sorted(used - covered)}"
