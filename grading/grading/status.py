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


def cell_name(number: int, source: str = "") -> str:
    r"""``cell N (`first line`)``: how feedback names a cell (``number`` 1-based among all cells).

    Examples
    --------
    >>> cell_name(7, "def my_conv2d(X, K):\n    pass")
    'cell 7 (`def my_conv2d(X, K):`)'
    """
    first = source.strip().splitlines()[0][:60] if source.strip() else ""
    return f"cell {number}" + (f" (`{first}`)" if first else "")


def cell_error(event: dict, source: str, cell_timeout: float):
    r"""The error a code cell ended with, from the sandbox's progress line for it; ``None`` if it ended well.

    ``event`` is what :mod:`grading._harness` reported when the cell ended
    (``{"end": index, "error", "message", "lineno", "line", "timeout"}``; not
    trusted: every field is checked and cut to length), ``source`` the cell's
    text as the grader sent it. The result is
    ``{"cell", "ename", "evalue", "line", "text", "at", "timeout"}``: ``cell``
    is 1-based (``index`` + 1); for a ``SyntaxError`` ``line`` is its number
    within the cell and ``text`` the student's line, quoted from ``source``
    (never IPython's temporary file name); ``at`` is where the student's code
    was when it raised or ran out of time (``line 3 of my_corr2d: ...``).

    Examples
    --------
    >>> e = cell_error({"end": 6, "error": "SyntaxError", "message": "expected ':'", "lineno": 2}, "x = 1\ndef f(a)\n    return a", 30)
    >>> e["cell"], e["ename"], e["evalue"], e["line"], e["text"]
    (7, 'SyntaxError', "expected ':'", 2, 'def f(a)')
    >>> describe(cell_error({"end": 0, "timeout": True, "line": "line 2 of <module>: while True:"}, "i = 0\nwhile True:", 30), "i = 0")
    'cell 1 (`i = 0`) ran longer than 30 s and was stopped at line 2 of the cell: while True:'
    """
    timeout, ename = event.get("timeout") is True, event.get("error")
    if not timeout and not isinstance(ename, str):
        return None
    at = str(event.get("line", ""))[:300].replace(" of <module>", " of the cell")
    err = {
        "cell": int(event["end"]) + 1,
        "ename": "",
        "evalue": "",
        "line": None,
        "text": "",
        "at": at,
        "timeout": cell_timeout if timeout else None,
    }
    if not timeout:
        err["ename"], err["evalue"] = ename[:80], str(event.get("message", ""))[:300]
        lines, n = source.splitlines(), event.get("lineno")
        if type(n) is int and 0 < n <= len(lines):
            err["line"], err["text"] = n, lines[n - 1].strip()[:120]
    return err


def describe(err: dict, source: str = "") -> str:
    """One feedback line for a cell's error (:func:`cell_error`): its 1-based number, the error and the student's line."""
    where = cell_name(err["cell"], source)
    if err.get("timeout") is not None:
        return f"{where} ran longer than {err['timeout']:g} s and was stopped" + (
            f" at {err['at']}" if err.get("at") else ""
        )
    line = f", line {err['line']} of the cell: `{err['text']}`" if err.get("line") else ""
    return f"{where} raised {err['ename']}: {err['evalue']}{line}" + (
        f" ({err['at']})" if err.get("at") else ""
    )


def defines(source: str, name: str) -> bool:
    """Whether a cell's text defines ``name`` (found by text, so it also works for cells that do not compile)."""
    return (
        re.search(rf"^\s*(def\s+{re.escape(name)}\b|{re.escape(name)}\s*(,[^=]*)?=)", source, re.M)
        is not None
    )


def blame_errors(verdicts: dict, errors: dict, sources: dict, exercises) -> None:
    """An answer that is "not defined" because its own cell raised an error gets the status error and that cell's line.

    ``errors`` maps the 1-based number of a cell that raised to its feedback
    line (:func:`describe`), ``sources`` a cell's number to its text;
    ``verdicts`` (label -> Verdict) are changed in place.

    Examples
    --------
    >>> from grading.exercises import EXERCISES
    >>> from grading.hidden import Verdict
    >>> ex = [e for e in EXERCISES if e.label == "ex-03-compose"]
    >>> vs = {"ex-03-compose": Verdict(0, 12, "not answered", "my_combined_kernel is not defined")}
    >>> blame_errors(vs, {7: "cell 7 raised SyntaxError: ..."}, {7: "def my_combined_kernel(K1, K2)"}, ex)
    >>> vs["ex-03-compose"].tag, vs["ex-03-compose"].message
    ('error in its cell', 'my_combined_kernel is not defined because cell 7 raised SyntaxError: ...')
    """
    from .hidden import Verdict

    for ex in exercises:
        v = verdicts.get(ex.label)
        if v is None or v.tag != "not answered":
            continue
        for cell, line in sorted(errors.items()):
            if any(defines(sources.get(cell, ""), n) for n in ex.names):
                verdicts[ex.label] = Verdict(
                    0,
                    v.total,
                    "error in its cell",
                    f"{', '.join(ex.names)} is not defined because {line}",
                )
                break
