"""Every explorer on any screen: phone fit, legends, dark mode, tab stops, and width of tables and formulas.

Uses the shared build/server/browser (tests/conftest.py, tests/site_harness.py).
The explorers' pages are found on the built site (explorer_harness.explorer_pages),
not by chapter file name.

- Phone (390 x 844): scrolled so that the explorer's first control sits just
  under the sticky header, the bottom of its main picture (``[data-main]``,
  the output its controls change) is on screen too: the two fit in the
  visible height (about 788 px). Nothing in the explorer is wider than the
  text column and no text is under 12 px, at 390 and at 1280 px.
- Legends: every picture of every explorer has a visible colour bar with its
  numeric range (two numbers, or the RGB note for the photo), at least 12 px.
- Dark mode: with the theme's ``data-theme="dark"`` (and the system's
  ``prefers-color-scheme: dark``) the explorer's text is light on a dark
  background, contrast >= 4.5:1.
- Screenshots of every explorer at 1280 and 390 px, light and dark, go to
  ``artifacts/screenshots/explorers/<name>-<width>-<mode>.png``.
- Tab stops: formulas are not in the tab order (MathJax's ``inTabOrder:
  false``, _config.yml); from the top of the page, the first explorer's first
  control is reached in at most MAX_TAB_STOPS presses of Tab.
- Width, on every page at 1280 and 390 px (solutions opened): each table and
  display formula either fits its box, or lies in a box that scrolls sideways
  and shows it (``data-convlayer-more`` with a fading edge, _static/convlayer.js
  and convlayer.css); nothing is cut off by a box that does not scroll.
"""

from __future__ import annotations

import pytest

from explorer_harness import explorer_pages, find_explorers, layout
from site_harness import DOCNAMES, SCREENSHOTS
from test_site import _wait_for_mathjax, _wait_for_widgets
from test_site_a11y import CLIPPED_JS, _expand_solutions

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
# "a few dozen": the theme's links and buttons (16), cross-references, copy buttons and the code
# boxes that scroll sideways (Chromium makes a scrolling box a tab stop, which keyboard users need
# to scroll it); formulas are no tab stops. Measured 2026-12-02 after the chapter revision (chapter
# 5's explorer moved up), at 1280 x 900: 49, 39, 34, 39 and 50 presses (chapters 1 to 5).
MAX_TAB_STOPS = 52
SHOTS = SCREENSHOTS / "explorers"

# every explorer module the book ships (convlib/widgets/js/*.js): the site must show each
EXPLORERS = ("invariance", "locality", "steps", "playground", "padding", "channels")


@pytest.fixture(scope="module")
def pages(site) -> dict:
    found = explorer_pages(site)
    missing = [name for name in EXPLORERS if name not in found]
    assert not missing, f"explorers on no built page: {missing} (found {found})"
    return found


def _explorer_page_list(site) -> list:
    return sorted({p for paths in explorer_pages(site).values() for p in paths})


def _open(open_page, path: str, size: dict):
    """Open a page at a viewport size (a fresh load at that size) and wait for math and widgets."""
    page, rec = open_page(path, "laptop")
    if size != page.viewport_size:
        page.set_viewport_size(size)
        page.reload(wait_until="load")
    _wait_for_mathjax(page)
    _wait_for_widgets(page)
    return page, rec


def _go_dark(page) -> None:
    """The system's dark mode and the theme's own switch (pydata-sphinx-theme sets data-theme on <html>)."""
    page.emulate_media(color_scheme="dark")
    page.evaluate(
        "() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }"
    )
    page.wait_for_timeout(100)


# --------------------------------------------------------------------------
# phone fit, legends, dark mode and screenshots, per explorer
# --------------------------------------------------------------------------
FIT_JS = """(root) => {
  const first = root.querySelector('input, select');
  const main = root.querySelector('[data-main] canvas, table[data-main]');
  if (!first || !main) return {error: `first control ${!!first}, main picture ${!!main}`};
  // the sticky header (pydata-sphinx-theme) covers the top of the screen
  let header = 0;
  for (const h of document.querySelectorAll('.bd-header, header, .bd-header-article')) {
    const s = getComputedStyle(h);
    const r = h.getBoundingClientRect();
    if ((s.position === 'sticky' || s.position === 'fixed') && r.height && r.top <= 0.5) header = Math.max(header, r.bottom);
  }
  window.scrollBy(0, first.getBoundingClientRect().top - header - 4);
  const top = first.getBoundingClientRect().top;
  const bottom = main.getBoundingClientRect().bottom;
  return {top, bottom, span: bottom - top, visible: window.innerHeight - header, header};
}"""

LEGEND_JS = """(root) => {
  const problems = [];
  for (const fig of root.querySelectorAll('figure.convlayer-panel')) {
    const name = (fig.querySelector('figcaption') || {}).textContent || '?';
    const bar = fig.querySelector('.convlayer-colourbar');
    if (!bar || bar.hidden || !bar.checkVisibility()) { problems.push(`${name}: no colour bar`); continue; }
    const ramp = bar.querySelector('.convlayer-colourbar-ramp').getBoundingClientRect();
    if (ramp.width < 40 || ramp.height < 4) problems.push(`${name}: colour bar ${ramp.width} x ${ramp.height} px`);
    const lo = bar.querySelector('.convlayer-colourbar-lo').textContent;
    const hi = bar.querySelector('.convlayer-colourbar-hi').textContent;
    const number = /^[\\u2212+-]?\\d/;
    if (!number.test(lo) || !number.test(hi)) {
      problems.push(`${name}: colour bar without its range: "${lo}" .. "${hi}"`);
    } else if (Number(bar.dataset.lo) >= Number(bar.dataset.hi)) {
      problems.push(`${name}: empty range ${bar.dataset.lo} .. ${bar.dataset.hi}`);
    }
    for (const t of bar.querySelectorAll('span')) {
      if (t.textContent && parseFloat(getComputedStyle(t).fontSize) < 12) problems.push(`${name}: colour bar text under 12 px`);
    }
  }
  const tables = root.querySelectorAll('table.convlayer-numbers');
  if (tables.length && !root.querySelector('.convlayer-key')) problems.push('number tables without a key to their highlights');
  if (!root.querySelector('figure.convlayer-panel, .convlayer-key')) problems.push('no picture and no key');
  return problems;
}"""

CONTRAST_JS = """(root) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let e = root; e && !bg; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') bg = rgb(c);
  }
  const worst = [];
  for (const e of root.querySelectorAll('label, figcaption, .convlayer-readout, .convlayer-colourbar-ticks span, input[type=text], caption')) {
    if (!e.textContent.trim() && e.tagName !== 'INPUT') continue;
    let back = bg;
    for (let a = e; a && a !== root.parentElement; a = a.parentElement) {
      const c = getComputedStyle(a).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') { back = rgb(c); break; }
    }
    const [l1, l2] = [lum(rgb(getComputedStyle(e).color)), lum(back)];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) worst.push(`${e.tagName.toLowerCase()} "${(e.textContent || e.value).trim().slice(0, 30)}": ${ratio.toFixed(2)}:1`);
  }
  return {background: bg, low: worst.slice(0, 6)};
}"""


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_fits_a_phone_with_legends_light_and_dark(open_page, pages, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = pages[name][0]
    for size in (LAPTOP, PHONE):
        page, rec = _open(open_page, path, size)
        for dark in (False, True):
            if dark:
                _go_dark(page)
            found = [e for e in find_explorers(page) if e.name == name]
            assert len(found) == 1, f"{path}: {len(found)} explorers {name!r}"
            e = found[0]
            where = f"{name} at {size['width']} px{' (dark)' if dark else ''}"
            if size is PHONE:
                fit = e.root.evaluate(FIT_JS)
                assert "error" not in fit, f"{where}: {fit}"
                print(
                    f"\n{where}: first control to the bottom of the main picture {fit['span']:.0f} px, visible {fit['visible']:.0f} px"
                )
                assert fit["span"] <= fit["visible"], (
                    f"{where}: the first control and the bottom of the main picture are {fit['span']:.0f} px apart, "
                    f"more than the {fit['visible']:.0f} px visible under the header"
                )
            else:
                e.root.scroll_into_view_if_needed()
            problems = layout(e)["problems"]
            assert not problems, f"{where}: {problems}"
            legends = e.root.evaluate(LEGEND_JS)
            assert not legends, f"{where}: {legends}"
            contrast = e.root.evaluate(CONTRAST_JS)
            assert not contrast["low"], f"{where}: text contrast under 4.5:1: {contrast['low']}"
            if dark:
                assert sum(contrast["background"]) < 3 * 80, (
                    f"{where}: background {contrast['background']} is not dark"
                )
            # a full-page screenshot clipped to the explorer, scrolled to the top so that the sticky
            # header stays at the top of the page and does not cover the explorer
            page.evaluate("() => window.scrollTo(0, 0)")
            box = e.root.evaluate(
                "(r) => { const b = r.getBoundingClientRect(); return {x: b.left + scrollX, y: b.top + scrollY, width: b.width, height: b.height}; }"
            )
            page.screenshot(
                path=str(SHOTS / f"{name}-{size['width']}-{'dark' if dark else 'light'}.png"),
                full_page=True,
                clip={k: max(0, v - 8) if k in "xy" else v + 16 for k, v in box.items()},
            )
        assert not rec.problems(), "\n".join(rec.problems())
        page.context.close()


# --------------------------------------------------------------------------
# tab stops before the first explorer
# --------------------------------------------------------------------------
def test_formulas_are_not_tab_stops_and_explorers_are_near(site, open_page, pages):
    for path in _explorer_page_list(site):
        page, rec = _open(open_page, path, LAPTOP)
        focusable_math = page.evaluate(
            "() => document.querySelectorAll('mjx-container[tabindex=\"0\"]').length"
        )
        assert focusable_math == 0, f"{path}: {focusable_math} formulas are tab stops"
        page.evaluate(
            "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
        )
        presses = 0
        while presses <= MAX_TAB_STOPS:
            page.keyboard.press("Tab")
            presses += 1
            if page.evaluate(
                "() => !!(document.activeElement && document.activeElement.closest('.convlayer-explorer'))"
            ):
                break
        print(f"\n{path}: {presses} Tab presses to the first explorer")
        assert presses <= MAX_TAB_STOPS, (
            f"{path}: the first explorer is more than {MAX_TAB_STOPS} Tab presses away"
        )
        assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# width: every table and display formula fits or shows that it scrolls
# --------------------------------------------------------------------------
SCROLL_CUE_JS = """() => {
  const problems = [];
  const items = [...document.querySelectorAll('main table'), ...document.querySelectorAll('mjx-container[display="true"]')];
  for (const e of items) {
    if (!e.checkVisibility()) continue;
    const r = e.getBoundingClientRect();
    if (!r.width) continue;
    // the nearest box that scrolls sideways, if the item is wider than its parent box
    let box = null;
    for (let a = e; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && a.scrollWidth > a.clientWidth + 1) { box = a; break; }
    }
    if (!box) continue;
    const mask = getComputedStyle(box).maskImage || getComputedStyle(box).webkitMaskImage || 'none';
    const more = box.getAttribute('data-convlayer-more');
    if (!more || mask === 'none') {
      const text = (e.getAttribute('aria-label') || e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60);
      problems.push(`${e.tagName.toLowerCase()} "${text}" scrolls in ${box.tagName.toLowerCase()}.${String(box.className).split(' ')[0]} without a visible cue (more: ${more}, mask: ${mask.slice(0, 30)})`);
    }
  }
  return problems;
}"""


def _open_everything(page) -> None:
    """Open every collapsed solution: <details> boxes and sphinx-togglebutton's dropdowns (exercise solutions)."""
    _expand_solutions(page)
    page.evaluate(
        "() => document.querySelectorAll('.toggle-hidden button.toggle-button, button.toggle-button.toggle-button-hidden')"
        ".forEach(b => b.click())"
    )


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("doc", DOCNAMES)
def test_tables_and_formulas_fit_or_show_that_they_scroll(open_page, doc, size):
    page, rec = _open(open_page, f"{doc}.html", size)
    _open_everything(page)
    # convlayer.js marks the boxes that scroll on the next animation frame
    page.wait_for_timeout(300)
    clipped = page.evaluate(CLIPPED_JS)
    assert not clipped, f"{doc} at {size['width']} px: {len(clipped)} cut off:\n" + "\n".join(
        clipped[:20]
    )
    cues = page.evaluate(SCROLL_CUE_JS)
    assert not cues, f"{doc} at {size['width']} px:\n" + "\n".join(cues[:20])
    assert not rec.problems(), "\n".join(rec.problems())
