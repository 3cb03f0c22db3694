"""The status of an exercise (ok, wrong, error, time-out, not answered) and the errors of a notebook's cells.

Cell numbers are 1-based positions among *all* cells of the submitted
notebook, markdown included: cell 5 is the fifth cell from the top in
JupyterLab (and the 5 of ``make check-student``).
"""

from __future__ import annotations

import re

EXERCISE_STATUSES = ("ok", "wrong", "error", "time-out", "not answered")
NOT_ANSWERED_TAGS = {"not answered", "not implemented"}
ERROR_TAGS = {"no answer", "exception", "not accepted", "error in its cell"}
_IPYTHON_FILE = re.compile(r"\s*\((?:[^()]*\.py|<[^>]*>), line (\d+)\)\s*$")


def exercise_status(verdict) -> str:
    """One of :data:`EXERCISE_STATUSES` for a :class:`grading.hidden.Verdict` (``None``: not answered).

    Examples
    --------
    >>> from grading.hidden import Verdict
    >>> [exercise_status(v) for v in (Verdict(3, 3), Verdict(1, 3, "flipped kernel"), Verdict(0, 3, "timeout"), None)]
    ['ok', 'wrong', 'time-out', 'not answered']
    """
    if verdict is None:
        return "not answered"
    if verdict.total and verdict.passed == verdict.total:
        return "ok"
    if verdict.tag in ("timeout", "time limit"):
        return "time-out"
    if verdict.tag in NOT_ANSWERED_TAGS:
        return "not answered"
    if verdict.tag in ERROR_TAGS:
        return "error"
    return "wrong"


def cell_error(cell, index: int):
    """The error a code cell ended with, as ``{"cell", "ename", "evalue", "line", "text"}``; ``None`` if none.

    ``cell`` is 1-based (``index`` + 1). For a ``SyntaxError`` the student's own
    line replaces IPython's temporary file name (``2067974373.py``): ``line``
    is its number within the cell and ``text`` the line itself.

    Examples
    --------
    >>> import nbformat
    >>> c = nbformat.v4.new_code_cell("x = 1\\ndef f(a)\\n    return a")
    >>> c.outputs = [nbformat.v4.new_output("error", ename="SyntaxError", evalue="expected ':' (2067974373.py, line 2)", traceback=[])]
    >>> cell_error(c, 6)
    {'cell': 7, 'ename': 'SyntaxError', 'evalue': "expected ':'", 'line': 2, 'text': 'def f(a)'}
    """
    for o in cell.get("outputs", []):
        if o.get("output_type") != "error":
            continue
        evalue, line, text = str(o.get("evalue", ""))[:300], None, ""
        m = _IPYTHON_FILE.search(evalue)
        if m:
            evalue, line = evalue[: m.start()], int(m.group(1))
            lines = cell.source.splitlines()
            text = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
        return {"cell": index + 1, "ename": str(o.get("ename", "")), "evalue": evalue, "line": line, "text": text}
    return None


def describe(err: dict, source: str = "") -> str:
    """One feedback line for a cell's error: its 1-based number, the error and the student's line."""
    first = source.strip().splitlines()[0][:60] if source.strip() else ""
    where = f"cell {err['cell']}" + (f" (`{first}`)" if first else "")
    line = f", line {err['line']} of the cell: `{err['text']}`" if err.get("line") else ""
    return f"{where} raised {err['ename']}: {err['evalue']}{line}"


def defines(source: str, name: str) -> bool:
    """Whether a cell's text defines ``name`` (found by text, so it also works for cells that do not compile)."""
    return re.search(rf"^\s*(def\s+{re.escape(name)}\b|{re.escape(name)}\s*(,[^=]*)?=)", source, re.M) is not None


def blame_errors(verdicts: dict, errors: dict, sources: dict, exercises) -> None:
    """An answer that is "not defined" because its own cell raised an error gets the status error and that cell's line.

    ``errors`` maps the 1-based number of a cell that raised to its feedback
    line (:func:`describe`), ``sources`` a cell's number to its text;
    ``verdicts`` (label -> Verdict) are changed in place.

    Examples
    --------
    >>> from grading.exercises import EXERCISES
    >>> from grading.hidden import Verdict
    >>> ex = [e for e in EXERCISES if e.label == "ex-03-conv2d"]
    >>> vs = {"ex-03-conv2d": Verdict(0, 34, "not answered", "my_conv2d is not defined")}
    >>> blame_errors(vs, {7: "cell 7 raised SyntaxError: ..."}, {7: "def my_conv2d(X, K)"}, ex)
    >>> vs["ex-03-conv2d"].tag, vs["ex-03-conv2d"].message
    ('error in its cell', 'my_conv2d is not defined because cell 7 raised SyntaxError: ...')
    """
    from .hidden import Verdict

    for ex in exercises:
        v = verdicts.get(ex.label)
        if v is None or v.tag != "not answered":
            continue
        for cell, line in sorted(errors.items()):
            if any(defines(sources.get(cell, ""), n) for n in ex.names):
                verdicts[ex.label] = Verdict(0, v.total, "error in its cell", f"{', '.join(ex.names)} is not defined because {line}")
                break
