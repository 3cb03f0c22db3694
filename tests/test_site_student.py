"""The site sends students to their own notebooks, and on request holds no solution at all.

* Every chapter page's Binder, Colab and .ipynb download link is mapped to
  the file it names (in the repository for Binder and Colab, in the built
  site for the download); that file must be a committed student notebook with
  no solution cell, no solution line and no MyST left, and the site's copy must
  equal the committed one. The .zip holds exactly the committed notebooks.
  No instructor notebook is published (``_sources/`` has none) or linked.
* The no-solutions build (``CONVLAYER_SOLUTIONS=none``, what ``make course
  SOLUTIONS=none`` sets): every solution cell's text, as 8-word sequences, is
  searched in the text of every page, every downloadable notebook (and the
  .zip), and its words in the search index. The same search over the default
  build must find them (so the search itself works).
* The equation and exercise numbers the student notebooks print are the ones
  the site shows.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from site_harness import BOOK_DIR, BRANCH, DOCNAMES, REPO_URL, ROOT, _source_of
from studentnb.transforms import BookIndex

STUDENT_DIR = ROOT / "student-notebooks"
CHAPTER_DOCS = [d for d in DOCNAMES if (_source_of(d) or Path()).suffix == ".ipynb"]
NGRAM = 8
RAW_MYST = re.compile(
    r"```\{|:::\{|^:label:|^:class:|\{(doc|ref|eq|numref)\}`|\$\$[ \t]*\([\w-]+\)", re.M
)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def words(text: str) -> list:
    return re.findall(r"[A-Za-z0-9_]+", text)


def ngrams(text: str, n: int = NGRAM) -> set:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def chapter_cells():
    for doc in CHAPTER_DOCS:
        yield from nbformat.read(_source_of(doc), as_version=4).cells


def cell_text(cell) -> str:
    """A cell's source and the text of its outputs (what the site shows of it)."""
    parts = [cell.source]
    for out in cell.get("outputs", []):
        parts.append(
            out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"])
        )
        for key in ("text/plain", "text/markdown", "text/html"):
            value = out.get("data", {}).get(key, "")
            parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def solution_ngrams() -> set:
    """8-word sequences of the solution cells that no other cell of any chapter contains."""
    solution, other = set(), set()
    for cell in chapter_cells():
        (solution if "solution" in tags(cell) else other).update(ngrams(cell_text(cell)))
    for doc in DOCNAMES:
        if _source_of(doc).suffix == ".md":
            other |= ngrams(_source_of(doc).read_text(encoding="utf-8"))
    return solution - other


def page_text(path: Path) -> str:
    """The text of a built file as a reader or a download gets it: HTML without tags, notebooks' cell sources."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        return "\n".join(
            c.get("source", "")
            if isinstance(c.get("source"), str)
            else "".join(c.get("source", []))
            for c in json.loads(raw)["cells"]
        )
    return raw


def site_texts(site: Path) -> dict:
    """``{relative path: text}`` of every text file of the site, plus every notebook inside every .zip."""
    texts = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.suffix in (".html", ".ipynb", ".txt", ".md", ".js", ".json") and not rel.startswith(
            ("_static/", "mathjax/")
        ):
            texts[rel] = page_text(path)
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    data = archive.read(name).decode("utf-8")
                    texts[f"{rel}!{name}"] = (
                        page_text_of_notebook(data) if name.endswith(".ipynb") else data
                    )
    return texts


def page_text_of_notebook(data: str) -> str:
    return "\n".join(
        c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        for c in json.loads(data)["cells"]
    )


def leaks(site: Path, grams: set) -> dict:
    found = {}
    for rel, text in site_texts(site).items():
        hit = grams & ngrams(text)
        if hit:
            found[rel] = sorted(" ".join(g) for g in hit)[:3]
    return found


def index_terms(site: Path) -> set:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return set(data["terms"])


def solution_only_stems() -> set:
    """Stems (as Sphinx's English search index makes them) of words that occur only in solution cells."""
    from sphinx.search.en import SearchEnglish

    stem = SearchEnglish({}).stem
    solution, other = set(), set()
    for cell in chapter_cells():
        (solution if "solution" in tags(cell) else other).update(
            w.lower() for w in words(cell_text(cell))
        )
    for doc in DOCNAMES:
        if _source_of(doc).suffix == ".md":
            other.update(w.lower() for w in words(_source_of(doc).read_text(encoding="utf-8")))
    only = {w for w in solution - other if len(w) > 3 and not w.isdigit()}
    return {stem(w) for w in only} - {stem(w) for w in other}


# --------------------------------------------------------------------------
# the default site: launch and download links
# --------------------------------------------------------------------------
def _buttons(text: str) -> dict:
    links = re.findall(r'<a href="([^"]+)"[^>]*>', text)
    binder = [u for u in links if u.startswith("https://mybinder.org/")]
    colab = [u for u in links if u.startswith("https://colab.research.google.com/")]
    ipynb = [
        html.unescape(u)
        for u in links
        if not urlsplit(u).scheme and urlsplit(u).path.endswith(".ipynb")
    ]
    return {"binder": binder, "colab": colab, "download": ipynb}


def _assert_student_notebook(path: Path, chapter: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    instructor = nbformat.read(chapter, as_version=4)
    assert nb.cells[0].id == "student-version-header"
    assert not [c.id for c in nb.cells if "solution" in tags(c)]
    solution_lines = {
        ln.strip()
        for c in instructor.cells
        if "solution" in tags(c)
        for ln in c.source.splitlines()
    }
    other_lines = {
        ln.strip()
        for c in instructor.cells
        if "solution" not in tags(c)
        for ln in c.source.splitlines()
    }
    secret = {ln for ln in solution_lines - other_lines if len(ln) > 20}
    assert secret, "no solution lines to look for"
    text = "\n".join(c.source for c in nb.cells)
    leaked = [ln for ln in secret if ln in text]
    assert not leaked, f"{path.name}: solution lines: {leaked[:3]}"
    raw = [
        m.group(0)
        for c in nb.cells
        if c.cell_type == "markdown"
        for m in RAW_MYST.finditer(c.source)
    ]
    assert not raw, f"{path.name}: MyST left in markdown: {raw[:5]}"


@pytest.mark.parametrize("doc", CHAPTER_DOCS)
def test_launch_and_download_open_the_student_notebook(site, doc):
    chapter = _source_of(doc)
    page = site / f"{doc}.html"
    found = _buttons(page.read_text(encoding="utf-8"))
    assert len(found["binder"]) == 1 and len(found["colab"]) == 1 and len(found["download"]) == 1, (
        found
    )
    repo = urlsplit(REPO_URL).path.strip("/")
    binder = re.fullmatch(
        rf"https://mybinder\.org/v2/gh/{repo}/{BRANCH}\?urlpath=tree/(.+\.ipynb)",
        found["binder"][0],
    )
    colab = re.fullmatch(
        rf"https://colab\.research\.google\.com/github/{repo}/blob/{BRANCH}/(.+\.ipynb)",
        found["colab"][0],
    )
    assert binder and colab, found
    assert binder.group(1) == colab.group(1) == f"student-notebooks/{chapter.name}"
    # path_to_book is "": the repository root is the book's folder
    in_repo = BOOK_DIR / binder.group(1)
    assert in_repo.is_file(), (
        f"the launch buttons name {binder.group(1)}, which is not in the repository"
    )
    _assert_student_notebook(in_repo, chapter)
    downloaded = (page.parent / unquote(found["download"][0])).resolve()
    assert downloaded.is_file(), found["download"]
    assert downloaded.read_bytes() == in_repo.read_bytes(), (
        "the site's download differs from the committed notebook"
    )
    _assert_student_notebook(downloaded, chapter)


def test_no_instructor_notebook_is_published_or_linked(site):
    assert not list((site / "_sources").rglob("*.ipynb")), "instructor notebooks under _sources/"
    chapters = {_source_of(d).name for d in CHAPTER_DOCS}
    for page in site.rglob("*.html"):
        for url in re.findall(
            r'href="([^"]+\.ipynb)"', page.read_text(encoding="utf-8", errors="replace")
        ):
            assert "student-notebooks/" in url, f"{page.relative_to(site)} links {url}"
    assert {p.name for p in (site / "student-notebooks").glob("*.ipynb")} == chapters


def test_one_zip_holds_every_student_notebook(site):
    for doc in DOCNAMES:
        assert re.search(
            r'href="(\.\./)*student-notebooks\.zip"',
            (site / f"{doc}.html").read_text(encoding="utf-8"),
        ), doc
    with zipfile.ZipFile(site / "student-notebooks.zip") as archive:
        names = sorted(archive.namelist())
        assert names == sorted(
            f"convlayer-student-notebooks/{p.name}" for p in STUDENT_DIR.glob("*.ipynb")
        )
        for name in names:
            assert archive.read(name) == (STUDENT_DIR / Path(name).name).read_bytes()


def test_numbers_in_student_notebooks_are_the_sites(site):
    """Every exercise and equation number the transform prints is the one on the built page."""
    index = BookIndex.from_book(BOOK_DIR)
    checked = 0
    for label, target in index.targets.items():
        if target.kind not in ("exercise", "equation"):
            continue
        text = (site / f"{target.docname}.html").read_text(encoding="utf-8")
        if target.kind == "equation":
            m = re.search(
                rf'id="equation-{re.escape(label)}">\s*<span class="eqno">(\([\d.]+\))', text
            )
            assert m and m.group(1) == target.text, (label, target.text, m and m.group(1))
        else:
            m = re.search(
                rf'id="{re.escape(label)}">.*?<span class="caption-number">(Exercise [\d.]+)',
                text,
                re.S,
            )
            assert m and m.group(1).strip() == target.text, (label, target.text, m and m.group(1))
        checked += 1
    assert checked >= 40


# --------------------------------------------------------------------------
# the site without solutions
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site_without_solutions(tmp_path_factory):
    out = tmp_path_factory.mktemp("book-nosolutions")
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, CONVLAYER_SOLUTIONS="none")
    proc = subprocess.run(
        [str(jb), "build", str(BOOK_DIR), "--path-output", str(out), "-W", "--keep-going", "--all"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "_build" / "html"


def test_the_search_finds_solutions_in_the_default_site(site):
    """The leak search works: on the default site (solutions in toggles) it finds them."""
    grams = solution_ngrams()
    assert len(grams) > 200
    found = leaks(site, grams)
    pages = {rel for rel in found if rel.endswith(".html")}
    assert {f"{d}.html" for d in CHAPTER_DOCS} <= pages, sorted(found)
    assert not [rel for rel in found if rel.endswith(".ipynb") or ".zip!" in rel], (
        "a download holds a solution"
    )
    assert solution_only_stems() & index_terms(site), (
        "no solution word in the default search index?"
    )


def test_no_solution_anywhere_without_solutions(site_without_solutions):
    site = site_without_solutions
    for doc in DOCNAMES:
        assert (site / f"{doc}.html").is_file()
    found = leaks(site, solution_ngrams())
    assert not found, f"solution text in the no-solutions build: {found}"
    stems = solution_only_stems() & index_terms(site)
    assert not stems, f"solution words in the search index: {sorted(stems)[:20]}"
    text = (site / f"{CHAPTER_DOCS[-1]}.html").read_text(encoding="utf-8")
    assert "Show the solution" not in text and "solution dropdown" not in text.lower()
    assert not list((site / "_sources").rglob("*.ipynb"))
    assert (site / "student-notebooks.zip").is_file()
