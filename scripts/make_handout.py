#!/usr/bin/env python3
"""Print the whole course as one PDF handout, from the built site, with headless Chromium.

    python scripts/make_handout.py                          # after `make book`: _build/handout/convlayer-handout.pdf
    python scripts/make_handout.py --paper letter --solutions inline
    make handout PAPER=letter SOLUTIONS=none SITE_URL=https://example.org/convlayer/

Every page of ``_toc.yml`` is opened in Chromium (Playwright, Debian's
``/usr/bin/chromium``), served from 127.0.0.1 with every other host blocked,
and printed with the site's print style sheet (``_static/print.css``, the
same one a reader gets when printing a page from the browser):

* every explorer is printed as its current frame, a representative state
  computed by its own JavaScript from the saved state, without its controls,
  with a caption naming it and the address where it is live
  (``_static/convlayer.js``; ``--site-url`` sets the published address);
* code wraps, figures, explorers and equations do not split, headings do not
  end a page;
* solutions (``--solutions``): ``none`` removes them (and the checks' stored
  outputs, which are the solutions' results), ``appendix`` (default) moves
  them to an appendix at the end, ``inline`` prints them open where they are.

Then a cover with the table of contents is printed, and every page gets the
chapter title at the top and the page number at the bottom (an overlay
printed by Chromium too, merged with pypdf), so that the numbers run through
the whole handout and the table of contents can give them. The PDF also
gets bookmarks. Takes about half a minute on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import http.server
import io
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_slides import toc_entries as toc_docnames  # noqa: E402  (the pages of _toc.yml, in order)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAPERS = {"a4": ("A4", 210.0, 297.0), "letter": ("Letter", 215.9, 279.4)}
SOLUTIONS = ("none", "appendix", "inline")
MARGIN = {"top": "20mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}
TIMEOUT_MS = 60_000


class HandoutError(Exception):
    """Something the handout cannot be made without; the message says what to do."""


# Run in each page before printing: wait for the explorers and MathJax, write
# the explorers' captions, and apply the solutions mode. Returns the page's
# title and, for the appendix, the solutions it removed (as HTML).
PREPARE_JS = r"""
async ([mode, siteUrl]) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  for (let t = 0; t < 400; t++) {
    const roots = [...document.querySelectorAll(".convlayer-explorer")];
    if (roots.length >= views && roots.every((r) => Number(r.dataset.frame) > 0)) break;
    await sleep(100);
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  window.convlayerPrintBase = siteUrl;  // "": the page's path on the course website
  if (window.convlayerPrintCaptions) window.convlayerPrintCaptions();
  const h1 = document.querySelector("article h1, main h1, h1");
  const title = h1 ? h1.textContent.replace(/#\s*$/, "").trim() : document.title;
  const moved = [];
  // the exercise a solution belongs to: the last exercise before it
  const exerciseBefore = (el) => {
    const all = [...document.querySelectorAll("div.exercise")];
    let found = null;
    for (const ex of all) if (ex.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) found = ex;
    if (!found) return "";
    const t = found.querySelector(".admonition-title");
    return t ? t.textContent.trim() : "";
  };
  const solutionCells = [...document.querySelectorAll(".cell.tag_solution")];
  const solutionBlocks = [...document.querySelectorAll("div.solution")];
  const hiddenOutputs = [...document.querySelectorAll(".cell.tag_check details.below-input, .cell.tag_check details.hide")];
  if (mode === "inline") {
    document.querySelectorAll("details").forEach((d) => (d.open = true));
    document.querySelectorAll(".toggle-hidden").forEach((e) => e.classList.remove("toggle-hidden"));
  } else {
    for (const el of [...solutionCells, ...solutionBlocks].sort((a, b) =>
      a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1)) {
      if (mode === "appendix") {
        const clone = el.cloneNode(true);
        clone.querySelectorAll("details").forEach((d) => (d.open = true));
        clone.querySelectorAll(".toggle-hidden").forEach((e) => e.classList.remove("toggle-hidden"));
        clone.classList.remove("toggle-hidden");
        const label = el.matches("div.solution") ? "" : exerciseBefore(el);
        moved.push({ label, html: clone.outerHTML });
      }
      el.remove();
    }
    hiddenOutputs.forEach((d) => d.remove());
  }
  const style = document.createElement("style");
  style.textContent = "@media print { details > summary { display: none !important; } }";
  document.head.appendChild(style);
  const mjxStyles = [...document.querySelectorAll("style")].filter((s) => /mjx-/.test(s.textContent))
    .map((s) => s.textContent);
  return { title, moved, mjxStyles, explorers: document.querySelectorAll(".convlayer-explorer").length };
}
"""


def serve(site: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _pdf(page, paper: str, **extra) -> bytes:
    fmt = PAPERS[paper][0]
    return page.pdf(format=fmt, margin=MARGIN, print_background=True, **extra)


def _count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def cover_html(course: str, entries: list, paper: str, solutions: str, site_url: str) -> str:
    rows = "\n".join(
        f'<tr><td class="t">{html.escape(title)}</td><td class="n">{page}</td></tr>'
        for title, page in entries
    )
    where = html.escape(site_url) if site_url else "the course website"
    sol = {
        "none": "Solutions are not included.",
        "appendix": "Solutions are in the appendix.",
        "inline": "Solutions are printed after their exercises.",
    }[solutions]
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(course)}</title>
<style>
body {{ font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 11pt; color: #000; }}
h1 {{ font-size: 24pt; margin: 0 0 0.3em; }}
p.sub {{ font-size: 12pt; margin: 0 0 2em; }}
h2 {{ font-size: 15pt; margin: 1.5em 0 0.6em; }}
table {{ width: 100%; border-collapse: collapse; }}
td {{ padding: 0.35em 0; border-bottom: 1px dotted #888; }}
td.n {{ text-align: right; width: 4em; }}
p.note {{ font-size: 9.5pt; margin-top: 2em; }}
</style></head><body>
<h1>{html.escape(course)}</h1>
<p class="sub">The course as a printed handout</p>
<h2>Contents</h2>
<table>{rows}</table>
<p class="note">The explorers are interactive on the website; on paper each one shows one representative state,
and its caption gives the address of the page where it is live ({where}). {sol}
Code is printed in full and wraps at the margin. Text and figures: CC BY 4.0.</p>
</body></html>"""


def overlay_html(labels: list, course: str, paper: str) -> str:
    """One page per handout page: the chapter title at the top, the page number at the bottom (in the margins)."""
    _, w, h = PAPERS[paper]
    total = len(labels)
    pages = "\n".join(
        f'<div class="p"><div class="h"><span>{html.escape(label)}</span><span>{html.escape(course)}</span></div>'
        f'<div class="f">{n} / {total}</div></div>'
        if label is not None
        else '<div class="p"></div>'
        for n, label in enumerate(labels, start=1)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: {w}mm {h}mm; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 8.5pt; color: #444; }}
.p {{ position: relative; width: {w}mm; height: {h - 0.5}mm; overflow: hidden; break-after: page; }}
.p:last-child {{ break-after: auto; }}
.h {{ position: absolute; top: 9mm; left: 16mm; right: 16mm; display: flex; justify-content: space-between;
      border-bottom: 0.3pt solid #999; padding-bottom: 1.5mm; }}
.f {{ position: absolute; bottom: 9mm; left: 16mm; right: 16mm; text-align: center; }}
</style></head><body>{pages}</body></html>"""


def appendix_html(chapters: list) -> str:
    parts = []
    for title, moved in chapters:
        if not moved:
            continue
        parts.append(f'<h2 class="convlayer-appendix-chapter">{html.escape(title)}</h2>')
        for item in moved:
            if item["label"]:
                parts.append(
                    f'<p class="rubric"><strong>Solution to {html.escape(item["label"])}</strong></p>'
                )
            parts.append(item["html"])
    return "\n".join(parts)


def build(
    site: Path,
    book: Path,
    out: Path,
    *,
    paper: str = "a4",
    solutions: str = "appendix",
    site_url: str = "",
    log=print,
    browser=None,
) -> dict:
    """Write the handout PDF to ``out``; returns a summary (pages, chapter start pages, seconds).

    ``browser``: a Playwright Chromium browser to use (default: launch /usr/bin/chromium).
    """
    paper = paper.lower()
    if paper not in PAPERS:
        raise HandoutError(f"paper must be one of {', '.join(PAPERS)}; got {paper!r}")
    if solutions not in SOLUTIONS:
        raise HandoutError(f"solutions must be one of {', '.join(SOLUTIONS)}; got {solutions!r}")
    docnames = toc_docnames(book)
    missing = [d for d in docnames if not (site / f"{d}.html").is_file()]
    if missing:
        raise HandoutError(
            f"{site / (missing[0] + '.html')} is missing: build the site first (`make book`)"
        )
    if not Path(CHROMIUM).exists():
        raise HandoutError(
            f"{CHROMIUM} not found: run `make browser` (scripts/install_chromium.sh)"
        )
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    course = (yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8")) or {}).get(
        "title", "Course"
    )
    t0 = time.monotonic()
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    blocked, errors = [], []
    chapters = []  # (title, pdf bytes, moved solutions)
    mjx_styles = []
    try:
        with contextlib.ExitStack() as stack:
            if browser is None:
                p = stack.enter_context(sync_playwright())
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                stack.callback(browser.close)
            ctx = browser.new_context(
                viewport={"width": 1100, "height": 1400}, service_workers="block"
            )

            def route(r):
                if urlsplit(r.request.url).hostname in (
                    "127.0.0.1",
                    None,
                ) or r.request.url.startswith(("data:", "blob:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for docname in docnames:
                t1 = time.monotonic()
                page.goto(f"{base}/{docname}.html", wait_until="load")
                info = page.evaluate(PREPARE_JS, [solutions, site_url])
                page.emulate_media(media="print")
                pdf = _pdf(page, paper)
                page.emulate_media(media="screen")
                chapters.append((info["title"], pdf, info["moved"]))
                mjx_styles += info["mjxStyles"]
                log(
                    f"make_handout: {docname}: {_count(pdf)} pages, {info['explorers']} explorers, "
                    f"{len(info['moved'])} solutions moved, {time.monotonic() - t1:.1f} s"
                )
            appendix = (
                appendix_html([(t, m) for t, _, m in chapters]) if solutions == "appendix" else ""
            )
            if appendix:
                # the last page's style sheets (site, MathJax) print the appendix
                page.goto(f"{base}/{docnames[-1]}.html", wait_until="load")
                page.evaluate(PREPARE_JS, ["none", site_url])
                page.evaluate(
                    """([body, styles]) => {
                      // the theme prints the page title from its print-only header
                      document.querySelectorAll(".onlyprint").forEach((e) => (e.innerHTML = "<h1>Appendix: solutions</h1>"));
                      const main = document.querySelector("article.bd-article") || document.querySelector("main");
                      main.innerHTML = '<section class="convlayer-appendix">' + body + '</section>';
                      for (const css of styles) { const s = document.createElement("style"); s.textContent = css; document.head.appendChild(s); }
                    }""",
                    [appendix, mjx_styles],
                )
                page.emulate_media(media="print")
                chapters.append(("Appendix: solutions", _pdf(page, paper), []))
                log(f"make_handout: appendix: {_count(chapters[-1][1])} pages")
            # cover and contents: its own length first, then the page numbers
            cover_pages = 1
            for _ in range(3):  # the contents' own length decides where the chapters start
                numbered, start = [], cover_pages + 1
                for title, pdf, _ in chapters:
                    numbered.append((title, start))
                    start += _count(pdf)
                page.set_content(cover_html(course, numbered, paper, solutions, site_url))
                cover = _pdf(page, paper)
                if _count(cover) == cover_pages:
                    break
                cover_pages = _count(cover)
            labels = [None] * cover_pages
            for title, pdf, _ in chapters:
                labels += [title] * _count(pdf)
            page.set_content(overlay_html(labels, course, paper))
            overlay = page.pdf(
                format=PAPERS[paper][0],
                margin={"top": "0", "bottom": "0", "left": "0", "right": "0"},
                prefer_css_page_size=True,
            )
            ctx.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    if blocked:
        raise HandoutError(f"pages asked for other hosts (blocked): {blocked[:3]}")
    writer = PdfWriter()
    for pdf in [cover] + [pdf for _, pdf, _ in chapters]:
        writer.append(PdfReader(io.BytesIO(pdf)))
    over = PdfReader(io.BytesIO(overlay))
    if len(over.pages) != len(writer.pages):
        raise HandoutError(
            f"overlay has {len(over.pages)} pages for {len(writer.pages)}: page sizes differ"
        )
    for i, pg in enumerate(writer.pages):
        if labels[i] is not None:
            pg.merge_page(over.pages[i])
    starts = dict(numbered)
    for title, first in numbered:
        writer.add_outline_item(title=title, page_number=first - 1)
    writer.add_metadata(
        {"/Title": f"{course} (handout)", "/Creator": "convlayer scripts/make_handout.py"}
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        writer.write(f)
    summary = {
        "pages": len(writer.pages),
        "starts": starts,
        "seconds": time.monotonic() - t0,
        "errors": errors,
        "cover_pages": cover_pages,
    }
    log(
        f"make_handout: wrote {out} ({summary['pages']} pages, {out.stat().st_size / 1e6:.1f} MB, "
        f"{PAPERS[paper][0]}, solutions {solutions}) in {summary['seconds']:.0f} s"
    )
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--site",
        type=Path,
        default=ROOT / "_build" / "html",
        help="the built site (default _build/html)",
    )
    ap.add_argument(
        "--book", type=Path, default=ROOT, help="the folder with _toc.yml and _config.yml"
    )
    ap.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "handout" / "convlayer-handout.pdf"
    )
    ap.add_argument("--paper", default="a4", help="a4 (default) or letter")
    ap.add_argument("--solutions", default="appendix", help="none, appendix (default) or inline")
    ap.add_argument(
        "--site-url", default="", help="the published site's address, for the explorers' captions"
    )
    args = ap.parse_args(argv)
    try:
        build(
            args.site.resolve(),
            args.book.resolve(),
            args.out.resolve(),
            paper=args.paper,
            solutions=args.solutions.lower(),
            site_url=args.site_url,
        )
    except HandoutError as exc:
        print(f"make_handout: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
