#!/usr/bin/env python3
"""Build the lecture slides: one reveal.js deck per chapter and an overview deck, into the built site.

    python scripts/make_slides.py                  # after `make book`: _build/html/slides/*.slides.html
    python scripts/make_slides.py --site DIR       # another built site (the decks go to DIR/slides/)

The slides live in the chapter notebooks themselves, so that a change of
notation is one edit:

* cells tagged ``slide-only`` (also tagged ``remove-cell``, so the book and
  the student versions never show them) are written as slides: a markdown
  cell with ``slideshow.slide_type`` ``"slide"`` starts a slide, ``"notes"``
  cells are its speaker notes (press ``S`` in a deck);
* book cells that a slide reuses (a figure, an explorer) carry only
  ``slideshow`` metadata; their source is the book's. A deck shows their
  outputs (figures and explorers), never their code or printed text;
* cells tagged ``slide-overview`` also go into the overview deck.

The chapters are read from ``_toc.yml`` (every ``.ipynb`` entry, in order),
so renaming or splitting a chapter needs no change here. Each deck is
``slides/<notebook name>.slides.html`` and loads reveal.js, MathJax,
require.js and the widget manager from the site's ``_static/`` (pinned by
scripts/fetch_vendor.py): the decks work offline and from ``file://``, and
explorers run from their saved state without a kernel. Each chapter page
links its deck (``_ext/convlayer_slides.py``).
"""

from __future__ import annotations

import argparse
import copy
import html
import posixpath
import re
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "scripts" / "slides_template"
SLIDE_ONLY = "slide-only"
OVERVIEW = "slide-overview"
SLIDES_DIR = "slides"
OVERVIEW_NAME = "overview"
# outputs a deck shows: pictures and explorers (printed text belongs to the book)
SHOWN_MIMES = (
    "application/vnd.jupyter.widget-view+json",
    "image/svg+xml",
    "image/png",
    "text/html",
)
# MyST syntax that nbconvert would print raw on a slide
MYST = re.compile(r"\{(eq|doc|ref|numref|math|term|download)\}`|^(```|:::)\{", re.M)


class SlidesError(Exception):
    """A problem with the book or a slide cell; the message names it."""


def toc_entries(book: Path) -> list[str]:
    """Every file of ``_toc.yml`` in reading order (``root`` first), without suffix."""
    toc = yaml.safe_load((book / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(n).with_suffix("").as_posix()) for n in names]


def chapter_notebooks(book: Path) -> list[tuple[str, Path]]:
    """``(docname, path)`` of every notebook chapter in ``_toc.yml``, in order."""
    return [(d, book / f"{d}.ipynb") for d in toc_entries(book) if (book / f"{d}.ipynb").is_file()]


def tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def is_slide_cell(cell) -> bool:
    return SLIDE_ONLY in tags(cell) or slide_type(cell) is not None


def _check_cell(cell, where: str) -> None:
    cid = cell.get("id", "?")
    if SLIDE_ONLY in tags(cell) and "remove-cell" not in tags(cell):
        raise SlidesError(
            f"{where}: cell {cid} is tagged {SLIDE_ONLY!r} but not 'remove-cell': the book would show it"
        )
    if cell.cell_type == "markdown" and MYST.search(cell.source):
        raise SlidesError(
            f"{where}: slide cell {cid} uses MyST syntax ({MYST.search(cell.source).group(0)!r}), "
            "which a deck would show raw: write plain Markdown and $...$ math on slides"
        )
    if cell.cell_type == "code" and cell.get("execution_count") is None:
        raise SlidesError(
            f"{where}: slide cell {cid} was never executed: run `make notebooks` first"
        )


def deck_cell(cell):
    """The cell as a deck shows it: code cells keep only their figures and explorers."""
    cell = copy.deepcopy(cell)
    cell.metadata.setdefault("slideshow", {}).setdefault("slide_type", "-")
    if cell.cell_type == "code":
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        cell.outputs = [
            _figure(o, alt)
            for o in cell.outputs
            if o.get("output_type") in ("display_data", "execute_result")
            and any(m in o.get("data", {}) for m in SHOWN_MIMES)
        ]
    return cell


def _figure(output, alt: str):
    """A figure output as HTML carrying the cell's alt text (nbconvert would write a placeholder)."""
    data = output.get("data", {})
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        svg = re.sub(r"^<\?xml[^>]*>\s*|<!DOCTYPE[^>]*>\s*", "", svg.strip())
        body = f'<div class="convlayer-slide-figure" role="img" aria-label="{html.escape(alt)}">{svg}</div>'
    elif "image/png" in data:
        body = (
            f'<div class="convlayer-slide-figure"><img src="data:image/png;base64,{data["image/png"].strip()}" '
            f'alt="{html.escape(alt)}"></div>'
        )
    else:
        return output
    return nbformat.v4.new_output("display_data", data={"text/html": body})


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return "Slides"


def md_cell(text: str, kind: str = "slide", cell_id: str = "slides-generated"):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def chapter_deck(nb, docname: str, where: str):
    """The deck notebook of one chapter: its slide cells and a closing slide linking the chapter page."""
    cells = []
    for cell in nb.cells:
        if is_slide_cell(cell):
            _check_cell(cell, where)
            cells.append(deck_cell(cell))
    if not cells:
        raise SlidesError(
            f"{where}: no slide cells (tag cells {SLIDE_ONLY!r} or give them slideshow metadata)"
        )
    if slide_type(cells[0]) != "slide":
        raise SlidesError(
            f"{where}: the first slide cell ({cells[0].get('id')}) must have slide_type 'slide'"
        )
    page = posixpath.relpath(f"{docname}.html", SLIDES_DIR)
    cells.append(
        md_cell(
            f"## Read on\n\n- The chapter, with every derivation, the code and the exercises: "
            f"[{html.escape(title_of(nb))}]({page})\n- All decks: [overview]({OVERVIEW_NAME}.slides.html)",
            cell_id="slides-generated-read-on",
        )
    )
    deck = copy.deepcopy(nb)
    deck.cells = cells
    return deck


def overview_deck(chapters: list, book_title: str):
    """Title slide listing every chapter deck, then every chapter's ``slide-overview`` cells."""
    rows = "\n".join(
        f"{n}. [{html.escape(title)}]({name}.slides.html)"
        for n, (name, title, _) in enumerate(chapters, start=1)
    )
    cells = [
        md_cell(
            f"# {book_title}\n\nAn overview of the lecture. One deck per chapter:\n\n{rows}",
            cell_id="slides-generated-overview-title",
        )
    ]
    widgets = {}
    for name, title, nb in chapters:
        for cell in nb.cells:
            if OVERVIEW in tags(cell):
                _check_cell(cell, name)
                cells.append(deck_cell(cell))
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
        if state:
            widgets.setdefault("state", {}).update(state["state"])
            widgets.setdefault("version_major", state.get("version_major", 2))
            widgets.setdefault("version_minor", state.get("version_minor", 0))
    deck = nbformat.v4.new_notebook()
    deck.cells = cells
    deck.metadata = copy.deepcopy(chapters[0][2].metadata) if chapters else {}
    deck.metadata.pop("widgets", None)
    if widgets and any(
        o.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        for c in cells
        for o in c.get("outputs", [])
    ):
        deck.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": widgets}
    return deck


def exporter():
    from nbconvert import SlidesExporter

    return SlidesExporter(
        template_name="convlayer",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,  # a slide title is not a link target (and its math made dead #anchors)
    )


def write_deck(deck, out: Path, title: str, static: str) -> int:
    body, _ = exporter().from_notebook_node(
        deck,
        resources={"convlayer": {"static": static, "title": title}, "metadata": {"name": title}},
    )
    out.write_text(body, encoding="utf-8")
    return len(body.encode())


def build(book: Path, site: Path) -> list[Path]:
    """Write every deck into ``site/slides/``; returns their paths."""
    if not (site / "_static" / "reveal.js" / "reveal.js").is_file():
        raise SlidesError(
            f"{site}/_static/reveal.js/reveal.js is missing: build the site first (`make book`), "
            "which also fetches and checks reveal.js (`make vendor`)"
        )
    out_dir = site / SLIDES_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    static = posixpath.relpath("_static", SLIDES_DIR)
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8")) or {}
    written, chapters = [], []
    for docname, path in chapter_notebooks(book):
        t0 = time.monotonic()
        nb = nbformat.read(path, as_version=4)
        name = path.stem
        title = title_of(nb)
        deck = chapter_deck(nb, docname, str(path.relative_to(book)))
        target = out_dir / f"{name}.slides.html"
        size = write_deck(deck, target, title, static)
        n_slides = sum(1 for c in deck.cells if slide_type(c) == "slide")
        print(
            f"make_slides: {target.relative_to(site)}  {n_slides} slides, {size / 1e6:.2f} MB, "
            f"{time.monotonic() - t0:.1f} s",
            flush=True,
        )
        written.append(target)
        chapters.append((name, title, nb))
    if not chapters:
        raise SlidesError(f"no notebook chapters in {book / '_toc.yml'}")
    target = out_dir / f"{OVERVIEW_NAME}.slides.html"
    size = write_deck(
        overview_deck(chapters, config.get("title", "Overview")), target, "Overview", static
    )
    print(f"make_slides: {target.relative_to(site)}  overview, {size / 1e6:.2f} MB", flush=True)
    written.append(target)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--book",
        type=Path,
        default=ROOT,
        help="the book folder with _toc.yml (default: the repository)",
    )
    ap.add_argument(
        "--site", type=Path, default=None, help="the built site (default: BOOK/_build/html)"
    )
    args = ap.parse_args(argv)
    book = args.book.resolve()
    site = (args.site or book / "_build" / "html").resolve()
    try:
        decks = build(book, site)
    except SlidesError as exc:
        print(f"make_slides: ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"make_slides: {len(decks)} decks; open file://{decks[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
