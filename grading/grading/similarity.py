"""Pairs of students whose functions are nearly identical once names, comments and formatting are gone.

A report for the instructor to read, never a penalty: short exercises have
few ways to be right, and two students may well have worked together as
allowed. Each function exercise's answer is parsed (:mod:`ast`), its
docstring dropped, every name that is not a builtin renamed to ``v0, v1, ...``
in order of first use, and the result printed back (:func:`ast.unparse`,
which drops comments and formatting). Two such token sequences are compared
with :class:`difflib.SequenceMatcher` (1.0: the same code up to names,
comments and layout).
"""

from __future__ import annotations

import ast
import builtins
import difflib
import itertools
import re

from .exercises import EXERCISES

THRESHOLD = 0.9
MAX_PAIRS = 50  # per exercise in the report, highest scores first
MIN_TOKENS = 40  # shorter answers are alike by necessity (``return corr2d(X, K[::-1, ::-1])``)
_TOKEN = re.compile(r"\w+|[^\w\s]")
_BUILTINS = set(dir(builtins))


def function_source(nb, name: str) -> str:
    """The source of the last top-level ``def name`` among the notebook's code cells (``""`` when none)."""
    found = ""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                found = ast.get_source_segment(cell.source, node) or ""
    return found


class _Rename(ast.NodeTransformer):
    def __init__(self):
        self.names: dict = {}

    def _new(self, name: str) -> str:
        if name in _BUILTINS:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg, node.annotation = self._new(node.arg), None
        return node

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(getattr(body[0], "value", None), ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
        node.returns = None
        self.generic_visit(node)
        return node


def normalise(source: str) -> list:
    """The tokens of ``source`` with names, docstrings, comments and formatting removed (``[]`` if it does not parse).

    Examples
    --------
    >>> a = "def f(X, K):\\n    # sum\\n    out = X * K\\n    return out.sum()"
    >>> b = "def g(img, ker):\\n    '''doc'''\\n    r = img*ker   # product\\n    return r.sum()"
    >>> normalise(a) == normalise(b)
    True
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return _TOKEN.findall(ast.unparse(_Rename().visit(tree)))


def score(a: list, b: list, floor: float = 0.0) -> float:
    """Similarity of two token lists, 0 to 1 (:meth:`difflib.SequenceMatcher.ratio`).

    Below ``floor`` the cheap upper bound (:meth:`~difflib.SequenceMatcher.quick_ratio`)
    is returned instead, which keeps a class of hundreds fast.
    """
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    bound = m.quick_ratio()
    return bound if bound < floor else m.ratio()


def pairs(records: dict, threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS) -> list:
    """``[(label, score, student_a, student_b)]`` of every pair at or above ``threshold``, highest first per exercise."""
    found = []
    for ex in (e for e in EXERCISES if e.kind == "function"):
        tokens = {}
        for student, rec in sorted(records.items()):
            src = rec["chapters"].get(ex.chapter, {}).get("sources", {}).get(ex.label, "")
            t = normalise(src)
            if len(t) >= min_tokens:
                tokens[student] = t
        # students with the same normalised code share one comparison (a class of the model answer is fast)
        groups: dict = {}
        for student in sorted(tokens):
            groups.setdefault(tuple(tokens[student]), []).append(student)
        scores = {
            (t, u): round(score(list(t), list(u), threshold), 3)
            for t, u in itertools.combinations(groups, 2)
        }
        hits = [
            (ex.label, 1.0, a, b)
            for members in groups.values()
            for a, b in itertools.combinations(members, 2)
        ]
        for (t, u), sc in scores.items():
            hits += [(ex.label, sc, *sorted((a, b))) for a in groups[t] for b in groups[u]]
        found += sorted((h for h in hits if h[1] >= threshold), key=lambda h: (-h[1], h[2], h[3]))
    return found


def report(records: dict, threshold: float = THRESHOLD) -> str:
    """``similarity.md``: per function exercise the similar pairs, their score and both students' code."""
    lines = [
        "# Similar answers",
        "",
        f"Pairs of students whose function is at least {threshold:.0%} alike after removing names, comments and "
        f"formatting (answers under {MIN_TOKENS} tokens are skipped). A report to read, not a verdict: "
        "short exercises have few right answers, and students may have worked together as allowed.",
        "",
    ]
    found = pairs(records, threshold)
    if not found:
        lines.append("No pair above the threshold.")
    shown = []
    for ex in EXERCISES:
        of_ex = [p for p in found if p[0] == ex.label]
        shown += of_ex[:MAX_PAIRS]
        if len(of_ex) > MAX_PAIRS:
            lines.append(f"{ex.label}: {len(of_ex)} pairs, the {MAX_PAIRS} most similar below.")
    lines += [""] if len(shown) < len(found) else []
    for label, s, a, b in shown:
        ex = next(e for e in EXERCISES if e.label == label)
        lines += [f"## {label}: {a} and {b}, score {s:.3f}", ""]
        for student in (a, b):
            src = records[student]["chapters"][ex.chapter]["sources"][label]
            lines += [f"{student}:", "", "```python", src.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"
