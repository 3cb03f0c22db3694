"""The website, checked as a reader would see it.

Builds the book once per test session with the repository's own _config.yml
and _toc.yml (`jupyter-book build -W --keep-going`, into a temporary
directory), serves it on 127.0.0.1 and opens every page in headless Chromium
(Debian's /usr/bin/chromium, driven by Playwright; `make browser` installs it).

Every request that leaves 127.0.0.1 is recorded and aborted, so any use of a
CDN fails the test. Per page: MathJax rendered all math (no raw TeX left),
every widget output rendered its controls and first frame from the saved
widget state (the explorers compute it in the page: tests/test_site_explorers*.py
drive them), no console errors, no failed or 4xx/5xx requests, and the page
has no horizontal overflow at a phone width. Also: next/previous
navigation walks the chapters in order, search finds a chapter, launch/
download/repository buttons point where they should, and a link check over
every internal href/src (including #fragments) of the built HTML.

Accessibility (axe-core), phone fit, page weight and the screenshots of every
page are checked in tests/test_site_a11y.py.

Environment knobs (for debugging, not needed normally):
  CONVLAYER_BOOK_DIR   build this book directory instead of the repository
  CONVLAYER_SITE_HTML  use an already built site (a _build/html folder), no build
"""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

# The fixtures site, server, browser and open_page are in conftest.py.
from site_harness import BOOK_DIR, BRANCH, DOCNAMES, REPO_URL, VIEWPORTS, WIDGET_VIEW, _source_of


def test_book_builds_cleanly(site):
    """The -W build succeeded and produced every page in the table of contents."""
    for doc in DOCNAMES:
        assert (site / f"{doc}.html").is_file(), f"{doc}.html was not built"
    assert (site / "index.html").is_file()


# --------------------------------------------------------------------------
# helpers: saved widget state of a built page
# --------------------------------------------------------------------------
def _widget_outputs(html_text: str) -> tuple[dict, list[str]]:
    """(widget state {model_id: model}, [root model id of each widget output, in page order])."""
    m = re.search(
        r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>',
        html_text,
        re.S,
    )
    state = json.loads(m.group(1))["state"] if m else {}
    views = re.findall(
        r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>',
        html_text,
        re.S,
    )
    return state, [json.loads(v)["model_id"] for v in views]


def _refs(value) -> list[str]:
    """Model ids referenced ("IPY_MODEL_<id>") anywhere inside a state value."""
    found = []
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        found.append(value[len("IPY_MODEL_") :])
    elif isinstance(value, list):
        for v in value:
            found += _refs(v)
    elif isinstance(value, dict):
        for v in value.values():
            found += _refs(v)
    return found


def _shown_models(state: dict, root: str) -> list[str]:
    """Models a widget output displays at first: descendants of root, only the selected child of a Stack."""
    shown, todo = [], [root]
    while todo:
        mid = todo.pop()
        if mid in shown or mid not in state:
            continue
        shown.append(mid)
        model = state[mid]
        st = model.get("state", {})
        if model.get("model_name") == "StackModel":
            kids = _refs(st.get("children", []))
            i = st.get("selected_index")
            todo += [kids[i]] if i is not None and 0 <= i < len(kids) else []
        else:
            todo += [r for k, v in st.items() if k not in ("layout", "style") for r in _refs(v)]
    return shown


# --------------------------------------------------------------------------
# static checks on the built HTML
# --------------------------------------------------------------------------
class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attr, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, a[key]))
        if tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            pass


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_internal_links_are_not_dead(site):
    """Every relative href/src of every built page exists, and every #fragment exists on its target page."""
    # every page except the theme's Jinja template leftovers in _static/
    pages = sorted(
        p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("_static/")
    )
    parsed = {p: _parse(p) for p in pages}
    dead, external_assets = [], []
    for page, info in parsed.items():
        rel = page.relative_to(site).as_posix()
        for tag, attr, url in info.links:
            u = urlsplit(url)
            if u.scheme in ("mailto", "javascript", "data", "blob", "tel"):
                continue
            if u.scheme or url.startswith("//"):
                # external: only plain links are fine, never a script, style or image from another host
                if tag in ("script", "img", "iframe", "source", "video", "audio") or (
                    tag == "link" and attr == "href" and not _is_plain_link(page, url)
                ):
                    external_assets.append(f"{rel}: <{tag} {attr}={url}>")
                continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if u.path.endswith("/") or (target.is_dir()):
                target = target / "index.html"
            if not target.exists():
                dead.append(f"{rel}: {url}")
                continue
            if u.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(u.fragment) not in ids:
                    dead.append(
                        f"{rel}: {url} (no id={u.fragment!r} on {target.relative_to(site)})"
                    )
    assert not external_assets, "assets loaded from other hosts:\n" + "\n".join(external_assets)
    assert not dead, f"{len(dead)} dead internal links:\n" + "\n".join(dead[:60])


def _is_plain_link(page: Path, url: str) -> bool:
    """A <link href=external> that is not a stylesheet/preload/icon (e.g. rel=license)."""
    text = page.read_text(encoding="utf-8", errors="replace")
    for m in re.finditer(r"<link\b[^>]*>", text):
        if url in m.group(0):
            return not re.search(
                r'rel="[^"]*(stylesheet|preload|icon|modulepreload|prefetch)', m.group(0)
            )
    return True


def test_third_party_licences_are_published(site):
    """Licences (and notices) of the vendored JavaScript are served with the site."""
    for rel in (
        "_static/mathjax/LICENSE",
        "_static/jupyter-widgets/LICENSE",
        "_static/jupyter-widgets/embed.js.LICENSE.txt",
        "_static/anywidget/LICENSE",
        "_static/THIRD-PARTY.txt",
    ):
        assert (site / rel).is_file(), f"{rel} is not published with the site"


@pytest.mark.parametrize("doc", DOCNAMES)
def test_page_chrome(site, doc):
    """Title, licence footer, repository/download/launch buttons, search box; nothing from a CDN."""
    text = (site / f"{doc}.html").read_text(encoding="utf-8")
    assert "<title>" in text and "The Convolutional Layer</title>" in text, (
        "book title missing from <title>"
    )
    assert "CC BY 4.0" in text and ">MIT<" in text, "licence footer missing"
    assert "The convlayer authors" in text, "author missing from the footer"
    assert f'href="{REPO_URL}"' in text, "repository button missing"
    assert "search" in text.lower() and "search-button" in text, "search button missing"
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", text), (
        "a script is loaded from another host"
    )
    assert "unpkg.com" not in text and "cdn.jsdelivr" not in text and "cdnjs" not in text
    src = _source_of(doc)
    if src is not None and src.suffix == ".md":
        # download button: the page source
        assert f"_sources/{doc}{src.suffix}" in text, "download button (page source) missing"
    if src is not None and src.suffix == ".ipynb":
        # launch and download buttons open the student notebook (tests/test_site_student.py checks the files)
        nb = f"student-notebooks/{src.name}"
        assert (
            f"https://mybinder.org/v2/gh/convlayer/convlayer/{BRANCH}?urlpath=tree/{nb}" in text
        ), "Binder launch button"
        assert (
            f"https://colab.research.google.com/github/convlayer/convlayer/blob/{BRANCH}/{nb}"
            in text
        ), "Colab launch button"
        assert f'href="{"../" * doc.count("/")}{nb}"' in text, (
            "download button (student notebook) missing"
        )
        assert f"_sources/{doc}.ipynb" not in text, "the instructor notebook is a link target"
        assert "thebe-launch-button" not in text, "thebe must stay off"


# --------------------------------------------------------------------------
# in the browser
# --------------------------------------------------------------------------
RAW_TEX_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, textarea, .highlight, mjx-container, mjx-assistive-mml')
      .forEach(e => e.remove());
  const text = copy.innerText || copy.textContent;
  const hits = [];
  for (const pat of ['$$', '\\\\[', '\\\\]', '\\\\(', '\\\\)', '\\\\begin{', '\\\\frac', '\\\\sum', '^{', '_{']) {
    const i = text.indexOf(pat);
    if (i >= 0) hits.push(text.slice(Math.max(0, i - 40), i + 40).replace(/\\s+/g, ' '));
  }
  return hits;
}"""


def _wait_for_mathjax(page) -> None:
    if not page.locator(".math").count():
        return
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


def _wait_for_widgets(page) -> None:
    n = page.locator(f'script[type="{WIDGET_VIEW}"]').count()
    if not n:
        return
    page.wait_for_function(
        """(type) => Array.from(document.querySelectorAll(`script[type="${type}"]`)).every(s => {
             const sub = s.parentElement.querySelector('.widget-subarea');
             // an ipywidget view, or an explorer (anywidget) that has drawn its first frame
             return sub && (sub.querySelector('.jupyter-widgets')
                            || sub.querySelector('.convlayer-explorer:not([data-frame="0"])'));
           })""",
        arg=WIDGET_VIEW,
    )
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('img.widget-image')).every(i => i.complete && i.naturalWidth > 0)"
    )


def _slug(doc: str) -> str:
    return doc.replace("/", "__")


@pytest.mark.parametrize("doc", DOCNAMES)
def test_page_in_browser(site, open_page, doc):
    page, rec = open_page(f"{doc}.html", "laptop")
    _wait_for_mathjax(page)
    _wait_for_widgets(page)
    page.wait_for_load_state("networkidle")

    # math: every math element typeset by MathJax, no raw TeX left in the text
    n_math = page.locator(".math").count()
    if n_math:
        untypeset = page.evaluate(
            "() => Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80))"
        )
        assert not untypeset, f"math not rendered by MathJax: {untypeset[:5]}"
        assert page.locator("mjx-container").count() >= n_math
    raw = page.evaluate(RAW_TEX_JS)
    assert not raw, f"raw TeX visible on the page: {raw}"

    # at laptop widths (1366 and the smaller 1280) every display equation and
    # every table fits the text column: nothing scrolls sideways or fades out
    for width in (VIEWPORTS["laptop"]["width"], 1280):
        page.set_viewport_size({**VIEWPORTS["laptop"], "width": width})
        page.wait_for_timeout(200)
        wide_math = page.evaluate(
            """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
              .filter(c => [c, c.parentElement].some(e => e.scrollWidth > e.clientWidth + 2))
              .map(c => c.closest('.math') ? c.closest('.math').textContent.slice(0, 60) : '?')"""
        )
        assert not wide_math, (
            f"display equations wider than the text column at {width} px: {wide_math}"
        )
        wide_tables = page.evaluate(
            """() => Array.from(document.querySelectorAll('main table'))
              .map(t => t.parentElement)
              .filter(e => e.scrollWidth > e.clientWidth + 2)
              .map(e => e.textContent.trim().slice(0, 60))"""
        )
        assert not wide_tables, f"tables wider than the text column at {width} px: {wide_tables}"
    page.set_viewport_size(VIEWPORTS["laptop"])

    # labelled display equations carry a number
    for eqno in page.locator(".math .eqno").all_inner_texts():
        assert re.match(r"\(\d+(\.\d+)*\)", eqno.strip()), f"odd equation number {eqno!r}"

    # widgets: every output rendered its controls and its first frame
    html_text = (site / f"{doc}.html").read_text(encoding="utf-8")
    state, roots = _widget_outputs(html_text)
    views = page.locator(f'script[type="{WIDGET_VIEW}"]')
    assert views.count() == len(roots)
    for i, root in enumerate(roots):
        assert root in state, (
            f"widget output {i} has no saved widget state (re-run `make notebooks`)"
        )
        shown = [state[m]["model_name"] for m in _shown_models(state, root)]
        out = views.nth(i).locator("xpath=..")
        where = f"widget output {i} ({state[root]['model_name']})"
        sub = out.locator(".widget-subarea")
        if state[root]["model_name"] == "AnyModel":  # a browser explorer: it drew its first frame
            explorer = sub.locator(".convlayer-explorer")
            assert sub.count() == 1 and explorer.count() == 1, f"{where} did not render"
            assert int(explorer.get_attribute("data-frame") or 0) >= 1, f"{where}: no frame drawn"
            box = explorer.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50, f"{where}: nothing visible"
            canvases = explorer.locator("canvas")
            for k in range(canvases.count()):
                box = canvases.nth(k).bounding_box()
                assert box and box["width"] > 20 and box["height"] > 20, (
                    f"{where}: canvas {k} has no visible frame"
                )
            continue
        assert sub.count() == 1 and sub.locator(".jupyter-widgets").count(), (
            f"{where} did not render"
        )
        n_img = shown.count("ImageModel")
        imgs = sub.locator("img.widget-image")
        assert imgs.count() == n_img, f"{where}: {imgs.count()} images shown, expected {n_img}"
        for k in range(imgs.count()):
            box = imgs.nth(k).bounding_box()
            assert box and box["width"] > 20 and box["height"] > 20, (
                f"{where}: image {k} has no visible frame"
            )
        n_sliders = sum(1 for m in shown if m.endswith("SliderModel"))
        assert sub.locator(".widget-slider").count() == n_sliders, f"{where}: sliders missing"
        n_dropdowns = shown.count("DropdownModel")
        assert sub.locator(".widget-dropdown").count() == n_dropdowns, f"{where}: dropdowns missing"

    assert not rec.problems(), "\n".join(rec.problems())

    # at phone width nothing may stick out sideways (screenshots of every page
    # at 1280 and 390 px are taken by tests/test_site_a11y.py)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.wait_for_timeout(300)
    overflow = page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          // wider than the screen is fine only inside a box that scrolls sideways
          // (a wide table, a kernel-editor grid) and itself fits on the screen
          const scrolls = (e) => {
            for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
              const ox = getComputedStyle(a).overflowX;
              if (ox === 'auto' || ox === 'scroll') return a.getBoundingClientRect().right <= w + 2;
              if (ox === 'hidden' || ox === 'clip') return false;
            }
            return false;
          };
          const wide = [];
          document.querySelectorAll('main *').forEach(e => {
            const r = e.getBoundingClientRect();
            if (r.width && r.right > w + 2 && e.checkVisibility({visibilityProperty: true, opacityProperty: true})
                && !e.closest('pre, .highlight, mjx-container, .bd-sidebar-primary, .bd-sidebar-secondary, dialog')
                && !scrolls(e)) {
              const cls = typeof e.className === 'string' ? e.className.split(' ').slice(0, 2).join('.') : '';
              wide.push(`${e.tagName.toLowerCase()}.${cls} right=${Math.round(r.right)} top=${Math.round(r.top + window.scrollY)}`);
            }
          });
          return {scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 8)};
        }"""
    )
    assert overflow["scroll"] <= overflow["width"] + 2 and not overflow["wide"], (
        f"page is wider than a phone screen: {overflow}"
    )
    assert not rec.problems(), "\n".join(rec.problems())


def test_next_and_previous_walk_the_chapters_in_order(open_page, server):
    page, rec = open_page("index.html", "laptop")
    page.wait_for_url(re.compile(re.escape(DOCNAMES[0]) + r"\.html$"))
    for doc in DOCNAMES[1:]:
        page.locator("a.right-next").first.click()
        page.wait_for_url(re.compile(re.escape(doc) + r"\.html"), wait_until="domcontentloaded")
    assert page.locator("a.right-next").count() == 0, "the last page has a 'next' link"
    for doc in reversed(DOCNAMES[:-1]):
        page.locator("a.left-prev").first.click()
        page.wait_for_url(re.compile(re.escape(doc) + r"\.html"), wait_until="domcontentloaded")
    # the sidebar lists every page and its links work
    page.goto(f"{server}/{DOCNAMES[0]}.html")
    nav = page.locator("nav.bd-docs-nav a.reference")
    hrefs = [
        urljoin(page.url, h) for h in nav.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    ]
    listed = [urlsplit(h).path.lstrip("/").removesuffix(".html") for h in hrefs if "#" not in h]
    assert [d for d in listed if d in DOCNAMES] == [d for d in DOCNAMES if d in listed], (
        f"sidebar order: {listed}"
    )
    assert set(DOCNAMES[1:]) <= set(listed), (
        f"sidebar is missing pages: {set(DOCNAMES[1:]) - set(listed)}"
    )
    nav.last.click()
    page.wait_for_url(re.compile(re.escape(DOCNAMES[-1]) + r"\.html"))
    assert not rec.problems(), "\n".join(rec.problems())


def test_search_finds_a_chapter(open_page):
    # a word from a chapter title, searched the way the search box does it
    doc = DOCNAMES[min(2, len(DOCNAMES) - 1)]
    word = re.sub(r"^\d+_", "", Path(doc).name).split("_")[0]
    page, rec = open_page(f"search.html?q={word}", "laptop")
    page.wait_for_selector("#search-results ul.search li a")
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    assert any(Path(doc).name in h for h in hrefs), (
        f"searching {word!r} did not find {doc}: {hrefs}"
    )
    assert not rec.problems(), "\n".join(rec.problems())


def test_no_js_in_static_source_folder():
    """Jupyter Book 1 adds every .js in _static/ to every page: only the site's own small script lives there."""
    static = BOOK_DIR / "_static"
    scripts = (
        sorted(p.relative_to(static).as_posix() for p in static.rglob("*.js"))
        if static.is_dir()
        else []
    )
    assert scripts in ([], ["convlayer.js"]), (
        f"JavaScript in _static/ would be injected into every page: {scripts}"
    )
    for name in scripts:
        assert (static / name).stat().st_size < 20_000, (
            f"_static/{name} is loaded by every page: keep it small"
        )
