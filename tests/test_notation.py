"""One notation in the whole course: the 0-based kernel K and the kernel size k_h x k_w.

The lecture writes the kernel size as ``h x w``, which clashes with the hidden
representation ``h[i, j]``, and an earlier version of the chapters stored the
offset kernel ``V[a, b]`` (``a = -Delta..Delta``) as ``K[a, b] = V[a, b]``
with ``0 <= a < h``, which is false. The course now uses
``K[a, b] = V[a - Delta, b - Delta]``, the valid output
``Y[i, j] = h[i + Delta, j + Delta]`` and D2L's ``k_h x k_w``. These tests
grep the chapters, the intro and summary, and the text of convlib (docstrings,
comments, messages) for the old forms, and check that the new relations are
stated where the course defines them.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
PAGES = sorted((ROOT / "chapters").glob("*.md"))

OLD_FORMS = {
    "K[a, b] = V[a, b] (the 0-based array is V shifted by Delta)": r"K\[a, ?b(, ?c, ?k)?\][`$\s]*=[`$\s]*V\[a, ?b(, ?c, ?k)?\]",
    "output size with the kernel height h (write H - k_h + 1)": r"\b[HW] ?[-+] ?[hw] ?[-+] ?1\b",
    "an h x w kernel (write k_h x k_w)": r"\bh ?(?:\\times|x) ?w\b",
    "a kernel shape (h, w, ...) (write (k_h, k_w, ...))": r"\(h, ?w[,)]|, ?h, ?w\)",
    "a sum up to h - 1 over the kernel (write k_h - 1)": r"\^\{[hw] ?- ?1\}",
    "kernel height called h": r"\bheight h\b",
    "h, w = K.shape (h is the hidden representation)": r"\bh, ?w = \w+\.shape",
}

def _old_forms(text: str) -> list[str]:
    return [f"{name}: {m.group(0)!r}" for name, pattern in OLD_FORMS.items() for m in re.finditer(pattern, text)]


def _python_text(path: Path) -> str:
    """Docstrings, comments and string literals of a module: what a reader of the docs or an error sees."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return "\n".join(t.string for t in tokens if t.type in (tokenize.STRING, tokenize.COMMENT))


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.name)
def test_chapters_use_one_notation(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        found = [f"cell {c.get('id')}: {hit}" for c in cells for hit in _old_forms("".join(c["source"]))]
    else:
        found = _old_forms(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} uses the old notation:\n" + "\n".join(found)


CONVLIB = sorted((ROOT / "convlib").rglob("*.py"))


@pytest.mark.parametrize("path", CONVLIB, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_convlib_text_uses_one_notation(path):
    found = _old_forms(_python_text(path))
    assert not found, f"{path.relative_to(ROOT)} uses the old notation:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "text, hits",
    [
        ("`K[a, b]` $= V[a, b]$, $0 \\le a < h$", 1),
        ("$K[a, b] = V[a - \\Delta, b - \\Delta]$", 0),
        ("an $(H - h + 1) \\times (W - w + 1)$ output", 2),
        ("$(H - k_h + 1) \\times (W - k_w + 1)$", 0),
        ("an $h \\times w$ kernel", 1),
        ("a $k_h \\times k_w$ kernel and $h[i, j]$", 0),
        ("kernel of shape (h, w, C_in, C_out)", 1),
        ("    h, w = K.shape", 1),
        ("    k_h, k_w = K.shape", 0),
    ],
)
def test_the_patterns_find_the_old_forms_and_only_those(text, hits):
    assert len(_old_forms(text)) == hits


def _source(path: Path, cell_id: str) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c.get("id") == cell_id)


def test_the_new_relations_are_stated_where_the_course_defines_them():
    chapters = {p.stem: p for p in CHAPTERS}
    storage = r"K[a, b] = V[a - \Delta, b - \Delta]"
    assert storage in _source(chapters["02_locality"], "afa4f87c")
    valid = _source(chapters["03_convolution_vs_correlation"], "e1bed604")
    assert storage in valid and r"Y[i, j] = h[i + \Delta, j + \Delta]" in valid and r"k_h \times k_w" in valid
    assert r"K[a, b, c, k] = V[a - \Delta, b - \Delta, c, k]" in _source(chapters["04_channels"], "5366e281")
    for page in ("intro.md", "summary.md"):
        text = (ROOT / "chapters" / page).read_text(encoding="utf-8")
        assert "k_h" in text and r"V[a - \Delta, b - \Delta]" in text, page
