"""Sphinx extension: a link to the lecture slides on every chapter page.

Each notebook chapter gets, under its title, a link to its reveal.js deck
``slides/<notebook name>.slides.html`` (written by ``make slides``,
scripts/make_slides.py); the root page links the overview deck. The link is
hidden on paper (``_static/print.css``).
"""

from __future__ import annotations

import posixpath
import re

DECKS = "slides"
H1_END = re.compile(r"</h1>", re.I)


def _link(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context:
        return
    source = app.env.doc2path(pagename, base=False)
    root = app.config.root_doc
    if str(source).endswith(".ipynb"):
        deck, text = f"{posixpath.basename(pagename)}.slides.html", "Slides for this chapter"
    elif pagename == root:
        deck, text = (
            "overview.slides.html",
            "Slides: an overview of the lecture, and one deck per chapter",
        )
    else:
        return
    href = posixpath.relpath(f"{DECKS}/{deck}", posixpath.dirname(pagename) or ".")
    html = (
        f'<p class="convlayer-deck-link"><a href="{href}">{text}</a> '
        "(reveal.js, works offline; press S for the speaker notes)</p>"
    )
    body = context["body"]
    match = H1_END.search(body)
    context["body"] = body[: match.end()] + html + body[match.end() :] if match else html + body


def setup(app):
    app.connect("html-page-context", _link)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
