"""Fake submissions made from the chapters, for the grader's tests and benchmark (and to try the grader).

A submission is the student version of a chapter (:func:`studentnb.make.student_notebook`)
whose starter cells hold the instructor's solutions, except where a variant
replaces them with a known mistake, a cheat or something hostile.
"""

from __future__ import annotations

import random
from pathlib import Path

import nbformat

from studentnb import make as _MS
from studentnb.course import course_root

from .exercises import EXERCISES, by_chapter

CHAPTERS_DIR = course_root() / "chapters"


def _starter_index(nb, names) -> int:
    for i, cell in enumerate(nb.cells):
        if (
            cell.cell_type == "code"
            and "starter" in _MS.tags(cell)
            and set(names) <= _MS.defined_names(cell.source)
        ):
            return i
    raise LookupError(f"no starter cell defines {names}")


def solutions(chapter: str) -> dict:
    """label -> the instructor's solution source for every graded exercise of ``chapter``."""
    nb = nbformat.read(CHAPTERS_DIR / chapter, as_version=4)
    found = {}
    for ex in by_chapter(chapter):
        for cell in nb.cells:
            if (
                cell.cell_type == "code"
                and "solution" in _MS.tags(cell)
                and set(ex.names) <= _MS.defined_names(cell.source)
            ):
                found[ex.label] = cell.source
    return found


def submission(chapter: str, answers=None, *, solved: bool = True, extra=(), edit=None):
    """The student notebook of ``chapter`` with ``answers`` ({label: source}) in its starter cells.

    Exercises not in ``answers`` get the solution (``solved``) or keep their stub.
    ``extra`` cells are appended (code); ``edit(cells)`` may reorder or delete cells.
    """
    nb = _MS.student_notebook(nbformat.read(CHAPTERS_DIR / chapter, as_version=4), chapter)
    chosen = {**(solutions(chapter) if solved else {}), **(answers or {})}
    for ex in by_chapter(chapter):
        if ex.label in chosen:
            nb.cells[_starter_index(nb, ex.names)].source = chosen[ex.label]
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in extra)
    if edit is not None:
        nb.cells = edit(nb.cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


CORR2D = "X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)\n    h, w = K.shape\n"


def _own_corr(
    kernel: str = "K",
    result: str = "Y",
    rows: str = "X.shape[0] - h + 1",
    cols: str = "X.shape[1] - w + 1",
) -> str:
    """A my_corr2d written by the student (a double loop: no library call), with one thing changed."""
    return (
        "def my_corr2d(X, K):\n    "
        + CORR2D
        + f"    K = {kernel}\n    Y = np.zeros(({rows}, {cols}))\n"
        "    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n"
        f"            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n    return {result}\n"
    )


# known mistakes: name -> (label, source, the hint's tag the grader must name)
MISTAKES = {
    "flipped": ("ex-03-corr2d", _own_corr(kernel="K[::-1, ::-1]"), "flipped kernel"),
    "transposed": (
        "ex-03-corr2d",
        _own_corr(kernel="K.T").replace("h, w = K.shape\n", "h, w = K.shape[::-1]\n"),
        "transposed kernel",
    ),
    "mean": ("ex-03-corr2d", _own_corr(result="Y / K.size"), "mean instead of sum"),
    "zeros_like": (
        "ex-03-corr2d",
        "def my_corr2d(X, K):\n    h, w = K.shape\n    Y = np.zeros_like(X)[:X.shape[0] - h + 1, :X.shape[1] - w + 1]\n"
        "    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n    return Y\n",
        "integer output",
    ),
    "too_small": ("ex-03-corr2d", _own_corr(result="Y[:-1, :-1]"), "output one too small"),
    "typo": (
        "ex-03-corr2d",
        "def my_corr2d(X, K):\n    "
        + CORR2D
        + "    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))\n"
        "    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n            Y[i, j] = (X[i:i + h, j:j + h] * K).sum()\n    return Y\n",
        "only square inputs work",
    ),
    "kernels_correlated": (
        "ex-03-compose",
        "def my_combined_kernel(K1, K2):\n    A = np.pad(np.asarray(K1, dtype=float), ((K2.shape[0] - 1,), (K2.shape[1] - 1,)))\n"
        "    return corr2d(A, np.asarray(K2, dtype=float))\n",
        "correlation of the kernels",
    ),
    "one_length_only": (
        "ex-04-input-lengths",
        "def my_input_lengths(m, k, p, s, d):\n    n = (m - 1) * s + d * (k - 1) + 1 - 2 * p\n    return (n, n)\n",
        "one length only",
    ),
    "hand_swapped": (
        "ex-03-hand",
        "corr_by_hand = [[5, 5], [-2, 4]]\nconv_by_hand = [[1, -1], [7, 2]]\n",
        "swapped",
    ),
}

WRONG_CORR2D = "def my_corr2d(X, K):\n    return np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))\n"

# hostile or broken submissions of chapter 3: name -> keyword arguments of submission()
HOSTILE = {
    "hang": {"answers": {"ex-03-corr2d": "def my_corr2d(X, K):\n    while True:\n        pass\n"}},
    "hang_uncatchable": {
        "answers": {
            "ex-03-corr2d": "def my_corr2d(X, K):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n"
        }
    },
    "syntax_error": {
        "answers": {
            "ex-03-compose": "def my_combined_kernel(K1, K2)\n    return np.zeros((1, 1))\n"
        }
    },
    "allclose_patched": {
        "answers": {
            "ex-03-corr2d": "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            + WRONG_CORR2D
        },
    },
    "checker_patched": {
        "answers": {
            "ex-03-corr2d": (
                "import convlib.checks, convlib.checks.engine as _e\n"
                "_e.same_array = lambda got, expected: True\n"
                "convlib.checks.check_corr2d = lambda fn: print('✓ corr2d: all 34 hidden cases pass')\n"
                "check_corr2d = convlib.checks.check_corr2d\n" + WRONG_CORR2D
            )
        },
    },
    "memory_hog": {"extra": ["import numpy as np\nbig = np.ones(10**11)"]},
    "fork_loop": {"extra": ["import os\nwhile True:\n    os.fork()"]},
}


def write_outside(target: Path) -> dict:
    """A submission whose cell tries to write ``target`` (a file outside its folder) and its parent folder."""
    src = (
        "from pathlib import Path\n"
        f"target = Path({str(target)!r})\n"
        "for attempt in (lambda: target.write_text('overwritten by a student'), lambda: (target.parent / 'planted.txt').write_text('x')):\n"
        "    try:\n        attempt()\n    except OSError as e:\n        print('blocked:', type(e).__name__)\n"
    )
    return {"extra": [src]}


def deleted_and_reordered(cells):
    """Drop every check cell and three lesson cells, and move the starters to the end in reverse order."""
    kept = [c for c in cells if "check" not in _MS.tags(c)]
    starters = [c for c in kept if "starter" in _MS.tags(c)]
    others = [c for c in kept if "starter" not in _MS.tags(c)]
    lesson = [i for i, c in enumerate(others) if c.cell_type == "code" and "import" not in c.source]
    others = [c for i, c in enumerate(others) if i not in lesson[2:5]]
    return others + starters[::-1]


def write(folder: Path, student: str, chapter: str, nb) -> Path:
    """Save ``nb`` as ``folder/student/chapter``."""
    path = Path(folder) / student / chapter
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def random_class(folder: Path, chapter: str, n: int, seed: int = 0) -> list:
    """``n`` students of one chapter, each solving every exercise or making one of the known mistakes."""
    rng = random.Random(seed)
    mistakes = [
        m
        for m, (label, _, _) in MISTAKES.items()
        if any(e.label == label for e in by_chapter(chapter))
    ]
    paths = []
    for k in range(n):
        pick = rng.choice([None, *mistakes])
        answers = {MISTAKES[pick][0]: MISTAKES[pick][1]} if pick else {}
        paths.append(write(folder, f"student{k:03d}", chapter, submission(chapter, answers)))
    return paths


__all__ = [
    "EXERCISES",
    "MISTAKES",
    "HOSTILE",
    "submission",
    "solutions",
    "write",
    "write_outside",
    "deleted_and_reordered",
    "random_class",
]
