"""The printed handout (`make handout`, scripts/make_handout.py), read back with pypdf and poppler.

One A4 handout of the whole built site (solutions in the appendix) is made
once per test session; the other modes (Letter, no solutions, inline
solutions) are checked on a one-chapter book built from the same site. The
first pages are rendered to PNG in ``artifacts/handout/`` (look at them).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import nbformat
import pytest
import yaml
from pypdf import PdfReader

from site_harness import ROOT

ARTIFACTS = ROOT / "artifacts" / "handout"
SITE_URL = "https://example.org/convlayer/"
MM = 72 / 25.4
PRINTABLE_MM = 5.0  # every printer prints at least 5 mm from each edge
A4 = (210 * MM, 297 * MM)
LETTER = (8.5 * 72, 11 * 72)


import make_handout  # noqa: E402 - scripts/ (on the path through site_harness)


def _poppler(tool):
    path = shutil.which(tool)
    if not path:
        pytest.fail(
            f"{tool} not found: install poppler-utils (`make browser` installs it with chromium)"
        )
    return path


@pytest.fixture(scope="module")
def handout(site, tmp_path_factory, browser):
    out = tmp_path_factory.mktemp("handout") / "handout.pdf"
    summary = make_handout.build(
        site, ROOT, out, paper="a4", solutions="appendix", site_url=SITE_URL, browser=browser
    )
    reader = PdfReader(out)
    texts = [page.extract_text() or "" for page in reader.pages]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    subprocess.run(
        [
            _poppler("pdftoppm"),
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "6",
            str(out),
            str(ARTIFACTS / "page"),
        ],
        check=True,
    )
    return out, summary, reader, texts


def _titles(site):
    """Every page's title (its h1), in the order of _toc.yml."""
    titles = []
    for docname in make_handout.toc_docnames(ROOT):
        page = (site / f"{docname}.html").read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
        titles.append(" ".join(re.sub(r"<[^>]+>|#", " ", h1).split()))
    return titles


def _norm(text):
    return " ".join(text.replace("\u00ad", "").split())


def test_page_count_contents_and_chapter_titles(handout, site):
    out, summary, reader, texts = handout
    assert 30 <= len(reader.pages) <= 200, len(reader.pages)
    assert len(reader.pages) == summary["pages"]
    for page in reader.pages:
        assert (
            abs(float(page.mediabox.width) - A4[0]) < 1
            and abs(float(page.mediabox.height) - A4[1]) < 1
        )
    titles = _titles(site)
    cover = _norm(" ".join(texts[: summary["cover_pages"]]))
    assert "Contents" in cover
    for title in titles + ["Appendix: solutions"]:
        first = summary["starts"][title]
        # the contents give the page, the chapter begins there, and its title is in the top margin of its pages
        assert re.search(re.escape(title) + r"\s*" + str(first) + r"\b", cover), (title, first)
        assert title in _norm(texts[first - 1]), (title, first, texts[first - 1][:200])
        assert f"{first} / {len(reader.pages)}" in texts[first - 1]
    # page numbers run through: page n says "n / N"
    for n, text in enumerate(texts[summary["cover_pages"] :], start=summary["cover_pages"] + 1):
        assert f"{n} / {len(reader.pages)}" in text, n
    # bookmarks for every chapter
    assert [item.title for item in reader.outline] == titles + ["Appendix: solutions"]


def test_text_is_extractable_and_fonts_are_embedded(handout):
    out, summary, reader, texts = handout
    words = sum(len(t.split()) for t in texts)
    assert words > 300 * len(texts) / 2, f"only {words} words in {len(texts)} pages"
    assert sum(1 for t in texts if len(t.split()) < 20) <= 3, "pages without text"
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for name, ref in (resources.get("/Font") or {}).items():
            font = ref.get_object()
            fonts[(font.get("/BaseFont"), font.get("/Subtype"))] = font
    assert fonts
    for (base, subtype), font in fonts.items():
        if subtype == "/Type3":
            continue  # glyphs drawn in the PDF itself
        descriptor = font.get("/FontDescriptor")
        if subtype == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
            f"{base} is not embedded"
        )


def test_nothing_outside_the_printable_area(handout):
    out, summary, reader, texts = handout
    bbox = subprocess.run(
        [_poppler("pdftotext"), "-bbox", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = bbox.split("<page ")[1:]
    assert len(pages) == len(reader.pages)
    bad = []
    for n, block in enumerate(pages, start=1):
        w, h = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', block).groups())
        edge = PRINTABLE_MM * MM
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>',
            block,
        ):
            x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
            if len(word) == 1 and (0xE000 <= ord(word) <= 0xF8FF or 0x2320 <= ord(word) <= 0x23B3):
                # MathJax's stretchy bracket pieces are glyphs scaled by a transform; poppler
                # reports them with a box far larger than what is painted (they sit inside a formula)
                continue
            if x0 < edge or y0 < edge or x1 > w - edge or y1 > h - edge:
                bad.append(
                    f"page {n}: {word!r} at ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}) on {w:.0f} x {h:.0f}"
                )
    assert not bad, "\n".join(bad[:20])


def test_explorers_are_figures_with_captions_never_controls(handout, site, browser, server):
    out, summary, reader, texts = handout
    text = _norm(" ".join(texts))
    # the explorers' control labels, read from the live pages; a label that the
    # book's own text also uses (e.g. "image") cannot be told apart and is left out
    labels, prose = set(), []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    names = []
    for docname in make_handout.toc_docnames(ROOT):
        page.goto(f"{server}/{docname}.html", wait_until="load")
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        if views:
            page.wait_for_function(
                f"() => document.querySelectorAll('.convlayer-explorer label').length > 0 && "
                f"document.querySelectorAll('.convlayer-explorer').length >= {views}"
            )
        labels |= {
            _norm(t)
            for t in page.locator(".convlayer-explorer label").all_inner_texts()
            if _norm(t)
        }
        names += page.eval_on_selector_all(
            ".convlayer-explorer", "els => els.map(e => e.getAttribute('aria-label'))"
        )
        prose.append(
            _norm(
                page.evaluate(
                    "() => { const a = document.querySelector('article').cloneNode(true);"
                    " a.querySelectorAll('.convlayer-explorer, script').forEach(e => e.remove()); return a.innerText; }"
                )
            )
        )
    ctx.close()
    prose = " ".join(prose)
    checked = sorted(label for label in labels if label not in prose)
    assert "kernel rows" in checked and len(checked) >= 8, checked
    assert not [label for label in checked if label in text], "control labels printed"
    # every explorer is there as a figure with its caption and address
    assert len(names) >= 5
    for name in names:
        assert f"Explorer: {name}, shown in one representative state" in text, name
    assert text.count(f"live, with its controls, at {SITE_URL}chapters/") == len(names)


def test_solutions_are_in_the_appendix_only(handout):
    out, summary, reader, texts = handout
    appendix = summary["starts"]["Appendix: solutions"]
    body, tail = (
        "".join(" ".join(part).split()) for part in (texts[: appendix - 1], texts[appendix - 1 :])
    )
    chapters = [
        p
        for _, p in [(d, ROOT / f"{d}.ipynb") for d in make_handout.toc_docnames(ROOT)]
        if p.exists()
    ]
    solution_lines = []
    for path in chapters:
        nb = nbformat.read(path, as_version=4)
        # lines found only in solutions (a solution may repeat a string of the chapter's own text)
        others = "".join(
            "".join(c.source.split())
            for c in nb.cells
            if "solution" not in c.metadata.get("tags", [])
        )
        for cell in nb.cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                solution_lines += [
                    line.strip()
                    for line in cell.source.splitlines()
                    if len(line.strip()) > 30
                    and not line.strip().startswith(("def ", "#", '"""'))
                    and "".join(line.split())[:30] not in others
                ][:1]
    assert len(solution_lines) >= 10
    for line in solution_lines:
        words = "".join(line.split())[:30]
        assert words not in body, f"solution in the chapters: {words!r}"
        assert words in tail, f"solution missing from the appendix: {words!r}"
    assert "SolutiontoExercise1.1" in tail


def test_code_wraps_instead_of_being_cut(handout):
    out, summary, reader, texts = handout
    text = _norm(" ".join(texts)).replace(" ", "")
    # the longest code lines of the chapters are printed to their last character
    longest = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and not (
                {"solution", "remove-cell", "remove-input"} & set(cell.metadata.get("tags", []))
            ):
                longest += [
                    line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
                ]
    longest = sorted(longest, key=len)[-8:]
    assert len(longest[0]) > 100
    for line in longest:
        assert line.replace(" ", "")[-25:] in text, f"cut: {line[-40:]!r}"


def test_first_pages_are_rendered(handout):
    pngs = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pngs) == 6 and all(p.stat().st_size > 5_000 for p in pngs)


@pytest.fixture(scope="module")
def one_chapter_book(tmp_path_factory):
    """A book of the intro and chapter 1 only, printed from the same site."""
    book = tmp_path_factory.mktemp("book1")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    docs = make_handout.toc_docnames(ROOT)
    (book / "_toc.yml").write_text(
        yaml.safe_dump({"format": "jb-book", "root": docs[0], "chapters": [{"file": docs[1]}]})
    )
    return book


@pytest.mark.parametrize("solutions", ["none", "inline"])
def test_letter_paper_and_the_other_solution_modes(
    solutions, site, one_chapter_book, tmp_path, browser
):
    out = tmp_path / "h.pdf"
    summary = make_handout.build(
        site, one_chapter_book, out, paper="letter", solutions=solutions, browser=browser
    )
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    page = reader.pages[0]
    assert (
        abs(float(page.mediabox.width) - LETTER[0]) < 1
        and abs(float(page.mediabox.height) - LETTER[1]) < 1
    )
    text = _norm(" ".join(p.extract_text() for p in reader.pages))
    packed = "".join(text.split())
    nb = nbformat.read(ROOT / f"{make_handout.toc_docnames(ROOT)[1]}.ipynb", as_version=4)
    sol = next(
        c for c in nb.cells if "solution" in c.metadata.get("tags", []) and c.cell_type == "code"
    )
    line = "".join(
        next(
            ln
            for ln in sol.source.splitlines()
            if len(ln.strip()) > 30 and not ln.lstrip().startswith("#")
        ).split()
    )[:30]
    assert "Appendix: solutions" not in text
    assert (line in packed) == (solutions == "inline"), (solutions, line)
    # the toggles' own titles never print ("Show the solution" is also a phrase of the intro)
    assert "Hide the solution" not in text and "Hide the check's output" not in text
    # without SITE_URL the captions name the page on the course website
    assert "live, with its controls, at the course website, page chapters/" in text
    assert summary["pages"] == len(reader.pages)


def test_bad_arguments_are_named(site, tmp_path):
    with pytest.raises(
        make_handout.HandoutError, match=r"^paper must be one of a4, letter; got 'a5'"
    ):
        make_handout.build(site, ROOT, tmp_path / "x.pdf", paper="a5")
    with pytest.raises(
        make_handout.HandoutError,
        match=r"^solutions must be one of none, appendix, inline; got 'all'",
    ):
        make_handout.build(site, ROOT, tmp_path / "x.pdf", solutions="all")
    with pytest.raises(make_handout.HandoutError, match=r"is missing: build the site first"):
        make_handout.build(tmp_path, ROOT, tmp_path / "x.pdf")
