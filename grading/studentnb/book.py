"""Sphinx extension: the site's launch and download buttons open the student notebooks.

Loaded from ``_config.yml`` (``sphinx: local_extensions``). On every build:

* the Binder and Colab buttons of each chapter page name
  ``student-notebooks/<chapter>.ipynb`` in the repository instead of the
  instructor notebook (sphinx-book-theme builds them from the page's own
  path; they are rewritten after the theme made them);
* the download button offers that student notebook (copied into the site
  at ``student-notebooks/``) and ``student-notebooks.zip``, all of them in
  one file; the instructor notebooks are removed from ``_sources/``, so no
  link and no URL of the site serves them;
* a committed student notebook that differs from what
  ``make student-notebooks`` would write from the chapters is a warning, so
  a ``-W`` build fails until they are regenerated.

``convlayer_solutions`` (``_config.yml``: ``sphinx: config:``; the environment
variable ``CONVLAYER_SOLUTIONS`` wins, which is what ``make course
SOLUTIONS=none`` sets): ``"toggle"`` (default) shows solutions in closed
toggles; ``"none"`` builds the site from the chapters without their solution
cells and without the outputs that belong to an answer
(:func:`studentnb.transforms.site_notebook`): no solution text or code in any
page, in the search index or in a download.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import nbformat
from sphinx.errors import SphinxError
from sphinx.util import logging

from .outputs import oversized_outputs
from .transforms import BookIndex, published_notebook, render, site_notebook

LOGGER = logging.getLogger(__name__)
STUDENT_DIR = "student-notebooks"
ZIP_NAME = "student-notebooks.zip"
MODES = ("toggle", "none")


def solutions_mode(app) -> str:
    mode = (
        (os.environ.get("CONVLAYER_SOLUTIONS") or app.config.convlayer_solutions or "toggle")
        .strip()
        .lower()
    )
    if mode not in MODES:
        raise ValueError(
            f"convlayer_solutions / CONVLAYER_SOLUTIONS: expected one of {MODES}, got {mode!r}"
        )
    return mode


def chapter_sources(app) -> list:
    """The book's notebooks (paths) that have a student version: every .ipynb page of _toc.yml."""
    srcdir = Path(app.srcdir)
    if not (srcdir / "_toc.yml").exists():
        return []
    index = BookIndex.from_book(srcdir)
    return [srcdir / f"{d}.ipynb" for d in index.docs if (srcdir / f"{d}.ipynb").exists()]


def check_published(app) -> None:
    """Warn (an error under -W) when a committed student notebook is missing or stale."""
    srcdir = Path(app.srcdir)
    app.env.convlayer_student = {}
    sources = chapter_sources(app)
    if not sources:
        return
    index = BookIndex.from_book(srcdir)
    for path in sources:
        text = render(published_notebook(nbformat.read(path, as_version=4), path.name, index))
        target = srcdir / STUDENT_DIR / path.name
        if not target.exists():
            LOGGER.warning(
                f"{STUDENT_DIR}/{path.name} is missing: run `make student-notebooks` and commit it"
            )
        elif target.read_text(encoding="utf-8") != text:
            LOGGER.warning(
                f"{STUDENT_DIR}/{path.name} is stale against {path.relative_to(srcdir)}: "
                "run `make student-notebooks` and commit it"
            )


class OversizedOutput(SphinxError):
    category = "Stored output too large"


def check_outputs(app, docname: str, source: list) -> None:
    """``source-read``, before myst-nb parses a notebook: stop the build on an output over the bounds.

    See :mod:`studentnb.outputs`: myst-nb would spend minutes (quadratic time)
    on one long stored line; the build stops at once instead, naming the
    notebook, the cell and the bound.
    """
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    try:
        nb = json.loads(source[0])
    except ValueError:
        return  # not JSON: myst-nb reports it
    problems = oversized_outputs(nb)
    if problems:
        lines = "\n  ".join(problems)
        raise OversizedOutput(
            f"{path.name}: stored outputs over the bounds of studentnb.outputs (clear or shorten them, "
            f"then re-execute the notebook):\n  {lines}"
        )


def strip_solutions(app, docname: str, source: list) -> None:
    """``source-read``: with solutions "none", a chapter notebook loses its solution cells before it is parsed."""
    if solutions_mode(app) != "none" or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    nb = nbformat.reads(source[0], as_version=4)
    source[0] = nbformat.writes(site_notebook(nb))


def student_file(app, pagename: str) -> str | None:
    """``student-notebooks/<name>.ipynb`` for a chapter page that has one, else None."""
    path = Path(app.env.doc2path(pagename))
    if path.suffix != ".ipynb" or not (Path(app.srcdir) / STUDENT_DIR / path.name).exists():
        return None
    return f"{STUDENT_DIR}/{path.name}"


def rewrite_buttons(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context`` (after the theme): launch and download buttons name the student notebook."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    student = student_file(app, pagename)
    own = f"{pagename}.ipynb"
    pathto = context["pathto"]
    for group in buttons:
        if group.get("label") == "launch-buttons":
            if student is None:
                group["buttons"] = []
                continue
            for button in group["buttons"]:
                url = button.get("url", "")
                if not url.endswith(own):
                    raise ValueError(
                        f"{pagename}: launch button {button.get('text')} does not name {own}: {url}"
                    )
                button["url"] = url[: -len(own)] + student
                button["tooltip"] = (
                    f"{button.get('tooltip', 'Launch')} (student notebook, no solutions)"
                )
        if group.get("label") == "download-buttons":
            kept = []
            for button in group["buttons"]:
                if button.get("url", "").endswith(".ipynb"):
                    continue  # the instructor notebook in _sources/ (or a notebook made from a .md page)
                kept.append(button)
            extra = []
            if student is not None:
                extra.append(
                    {
                        "type": "link",
                        "url": pathto(student, 1),
                        "text": ".ipynb",
                        "icon": "fas fa-file",
                        "tooltip": "Download this chapter's student notebook (no solutions)",
                        "label": "download-student-notebook-button",
                    }
                )
            if (Path(app.srcdir) / STUDENT_DIR).is_dir():
                extra.append(
                    {
                        "type": "link",
                        "url": pathto(ZIP_NAME, 1),
                        "text": "all .zip",
                        "icon": "fas fa-download",
                        "tooltip": "Download every chapter's student notebook in one .zip file",
                        "label": "download-student-zip-button",
                    }
                )
            group["buttons"] = extra + kept
    context["header_buttons"] = [g for g in buttons if g.get("type") != "group" or g.get("buttons")]


def publish_files(app, exception) -> None:
    """``build-finished``: copy the student notebooks and their .zip into the site; drop instructor notebooks from _sources/."""
    if exception is not None or app.builder.format != "html":
        return
    outdir, srcdir = Path(app.outdir), Path(app.srcdir)
    for copy in (outdir / "_sources").rglob("*.ipynb"):
        copy.unlink()
    published = sorted((srcdir / STUDENT_DIR).glob("*.ipynb"))
    if not published:
        return
    target = outdir / STUDENT_DIR
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(outdir / ZIP_NAME, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in published:
            data = path.read_bytes()
            json.loads(data)  # a broken file fails the build here, not in a student's browser
            (target / path.name).write_bytes(data)
            info = zipfile.ZipInfo(
                f"convlayer-student-notebooks/{path.name}", date_time=(2026, 1, 1, 0, 0, 0)
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def setup(app):
    app.add_config_value("convlayer_solutions", "toggle", "env")
    app.connect("builder-inited", check_published)
    # before any other handler reads the notebook
    app.connect("source-read", check_outputs, priority=100)
    app.connect("source-read", strip_solutions)
    app.connect("html-page-context", rewrite_buttons, priority=600)
    app.connect("build-finished", publish_files)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
