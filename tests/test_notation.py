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
    "h = w = 1 for a 1 x 1 kernel (write k_h = k_w = 1)": r"\bh ?= ?w ?= ?1\b",
    "the lecture's letter h in a checker hint (say image and kernel)": r"\bH and h\b",
}

# Slips that once stood in the chapters (wrong claims, notation, code), as they were written: each pattern
# finds the corrected sentence or code in its old form, so that the slip, reintroduced, fails the test.
REVIEW_SLIPS = {
    "'an eye for an eye' without the normalisation (the raw correlation peaks on the cap)": r"an eye for an eye(?![^.]*(?:normalis|NCC))",
    "'Cross-correlation is a detector.' without the brightness proviso": r"(?<!proviso,\n)(?<!proviso, )\b[Cc]ross-correlation is a detector\.",
    "point symmetry called weaker than mirror symmetry": r"[Pp]oint symmetry\s+is\s+weaker",
    "stride divides the work by s_h alone (it is s_h s_w)": r"by about \$s_h\$",
    "'nine in all' next to a bias (ten parameters)": r"nine\s+in\s+all",
    "the flattened matrix called Toeplitz": r"Toeplitz\s+twice\s+over|Toeplitz\s+blocks\s+\(constant\s+along\s+diagonals\)",
    "the valid output printed as h": r"[\"']h\[[^\"']*\] ?=[\"'],\s*Y",
    "a 0-based array named V (call it K)": r"\bV = (?:playground|\w+)\.kernel\b|(?m:^V = rng\.)|`V\[::-1",
    "a parameter count without the bias in the summary": r"\| \$\(2\\Delta \+ 1\)\^2\$ \|",
    "the regression target called T (T is the template)": r"target \$T\$|\bT_g\b",
    "'every deep-learning library' computes cross-correlation": r"every deep-learning\s+library",
    "gradient descent 'will find' the flipped kernel": r"gradient\s+descent will\s+find that one",
    "commutativity alone for the order of stacked kernels": r"Why does the commutativity of convolution make",
    "my_multiply_adds on the padded size for the strided count": r"`my_multiply_adds` on the padded size, or",
    "offsets re-bound mid-sentence": r"offsets there as \$a - \\Delta\$",
    "the lecture's slide remark inside the channel formula": r"one of the lecture's slides\s+names the last index",
    "'something else than'": r"something else than",
    "the photograph's eye region before the photograph": r"photograph's eye region",
}


def _old_forms(text: str, forms: dict = OLD_FORMS) -> list[str]:
    return [
        f"{name}: {m.group(0)!r}"
        for name, pattern in forms.items()
        for m in re.finditer(pattern, text)
    ]


def _review_slips(text: str) -> list[str]:
    return _old_forms(text, REVIEW_SLIPS)


def _python_text(path: Path) -> str:
    """Docstrings, comments and string literals of a module: what a reader of the docs or an error sees."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return "\n".join(t.string for t in tokens if t.type in (tokenize.STRING, tokenize.COMMENT))


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.name)
def test_chapters_use_one_notation(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        found = [
            f"cell {c.get('id')}: {hit}" for c in cells for hit in _old_forms("".join(c["source"]))
        ]
    else:
        found = _old_forms(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} uses the old notation:\n" + "\n".join(found)


def _texts(path: Path) -> list:
    """(where, text) of every cell of a notebook (source and stored text output), or the page."""
    if path.suffix != ".ipynb":
        return [(path.name, path.read_text(encoding="utf-8"))]
    out = []
    for c in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        outputs = "".join("".join(o.get("text", "")) for o in c.get("outputs", []))
        out.append((f"{path.name} cell {c.get('id')}", "".join(c["source"]) + "\n" + outputs))
    return out


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.name)
def test_the_reviewed_slips_stay_fixed(path):
    found = [f"{where}: {hit}" for where, text in _texts(path) for hit in _review_slips(text)]
    assert not found, "a slip that was fixed in the chapters is back:\n" + "\n".join(found)


# The reviewed text, verbatim (or the reviewed code line): each must be found by its pattern; the fixed text must not.
REVIEWED = [
    (
        "The output peaks wherever the image locally looks like the filter:\nedges for a difference filter, an eye for an eye.",
        "E1",
    ),
    ("wherever the\nimage locally *looks like the filter*. Cross-correlation is a detector.", "E1"),
    (
        "(Point symmetry\nis weaker than mirror symmetry: a kernel can equal its 180-degree rotation",
        "E2",
    ),
    (
        "$2p_h = k_h - 1$ keeps the size (odd kernels), and stride $s_h$ divides\n  the outputs, and the work, by about $s_h$.",
        "E3",
    ),
    (
        "(plus one bias per output\nchannel): nine in all for a grey image in and one feature map out.",
        "E4",
    ),
    ("The shared matrix is Toeplitz twice over.", "E5"),
    (
        "form a block\n  Toeplitz matrix with Toeplitz blocks (constant along diagonals), and the",
        "E5",
    ),
    ('    print(f"h[:, :, {k}] =", Y3[:, :, k].astype(int).tolist(),', "N1"),
    ("3. With $h = w = 1$ the layer is", "h = w = 1"),
    ("V = playground.kernel              # re-run this cell after changing the weights", "N3"),
    ("The repair is to rotate every kernel: `V[::-1, ::-1]` (for a 4th-order", "N3"),
    (
        "V = rng.permutation(np.arange(1.0, 82.0)).reshape(2 * H - 1, 2 * W - 1)   # V[a, b], a, b = -4..4",
        "N3",
    ),
    (
        "| Local | $h[i, j] = \\sum_{a, b = -\\Delta}^{\\Delta} V[a, b] \\, x[i + a, j + b]$ | $(2\\Delta + 1)^2$ |",
        "N6",
    ),
    ("Take the\nsquared error between the output $Y$ of {eq}`eq-cc-valid` and a target $T$", "N7"),
    ("T_g = corr2d(x_g, np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]]))", "N7"),
    (
        "This is a **cross-correlation**, and it is what every deep-learning library\ncomputes",
        "1.3",
    ),
    (
        "under cross-correlation the best filter is the flipped $\\bar V$, and gradient\ndescent will find that one instead.",
        "1.3",
    ),
    ("3. Why does the commutativity of convolution make the combined kernel of", "1.3"),
    ("   Use your `my_multiply_adds` on the padded size, or count outputs times", "1.3"),
    ("write the\noffsets there as $a - \\Delta$ and $b - \\Delta$ with", "5.3"),
    ("$V[a, b, c, k]$ (one of the lecture's slides\nnames the last index $d$;", "5.3"),
    ("means something else than the same mark", "5.3"),
    ("The cell below checks this on the photograph's eye region, and counts the", "F1"),
]


@pytest.mark.parametrize(
    "text, slip", REVIEWED, ids=[f"{s}-{i}" for i, (_, s) in enumerate(REVIEWED)]
)
def test_the_patterns_find_each_reviewed_slip(text, slip):
    assert _review_slips(text) or _old_forms(text), (
        f"{slip}: the reviewed text is not found: {text!r}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "edges for a difference filter; an eye for an eye only after normalising each window (NCC)",
        "an eye for an eye with the normalised cross-correlation {eq}`eq-cc-ncc`.",
        "With that proviso,\ncross-correlation is a detector.",
        "divides the number of outputs, and the work, by about\n  $s_h s_w$.",
        "ten parameters for one grey image in and one image out.",
        'print(f"Y[:, :, {k}] =", Y3[:, :, k]',
        "K = playground.kernel",
        "With $k_h = k_w = 1$ the layer is",
        "| $(2\\Delta + 1)^2 + 1$ |",
        "a target $Z$ of the same shape",
        "the mainstream\ndeep-learning frameworks",
    ],
)
def test_the_fixed_text_passes(text):
    assert not _review_slips(text) and not _old_forms(text)


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
        ("With $h = w = 1$ the layer is $h[i, j, k]$", 1),
        ("With $k_h = k_w = 1$ the layer is $h[i, j, k]$", 0),
        ('"H and h mixed up"', 1),
    ],
)
def test_the_patterns_find_the_old_forms_and_only_those(text, hits):
    assert len(_old_forms(text)) == hits


def _source(path: Path, cell_id: str) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c.get("id") == cell_id)


def _cell(cell_id: str) -> str:
    """The source of the cell with this id, in whichever chapter it now lives."""
    for path in CHAPTERS:
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if c.get("id") == cell_id:
                return "".join(c["source"])
    raise AssertionError(f"no chapter has a cell {cell_id}")


def test_the_definitions_the_chapters_rely_on_are_there():
    """Definitions a reader needs before the chapters use them: x[i, j, k], ReLU, the KERNELS numbers, the [1, -1] / Sobel sign."""
    intro = (ROOT / "chapters" / "intro.md").read_text(encoding="utf-8")
    assert (
        "x[i, j, k]" in intro
        and "my_dilated_size(n, k, p, s, d)" in intro
        and "stride $s_h, s_w$" in intro
    )
    assert r"\max(v, 0)" in _cell("ex01-quiz") and "ReLU" in _cell("ex01-quiz")
    kernels = _cell("text18-kernels-intro")
    assert all(
        name in kernels for name in ("Sobel x", "Laplacian", "Gaussian", "box blur", "sharpen")
    )
    signs = _cell("23eb5f3b")
    assert "$[1, -1]$" in signs and "*falls*" in signs and "*rises*" in signs


def test_the_new_relations_are_stated_where_the_course_defines_them():
    chapters = {p.stem: p for p in CHAPTERS}
    storage = r"K[a, b] = V[a - \Delta, b - \Delta]"
    assert storage in _source(chapters["02_locality"], "afa4f87c")
    valid = _source(chapters["03_convolution_vs_correlation"], "e1bed604")
    assert (
        storage in valid
        and r"Y[i, j] = h[i + \Delta, j + \Delta]" in valid
        and r"k_h \times k_w" in valid
    )
    assert r"K[a, b, c, k] = V[a - \Delta, b - \Delta, c, k]" in _source(
        chapters["05_channels"], "5366e281"
    )
    for page in ("intro.md", "summary.md"):
        text = (ROOT / "chapters" / page).read_text(encoding="utf-8")
        assert "k_h" in text and r"V[a - \Delta, b - \Delta]" in text, page
