"""Run a notebook's code cells one by one: the loop behind ``make check-student`` and the grader.

:func:`run_cells` runs ``(index, source)`` cells in order; a cell that raises
or runs out of time is recorded as a :class:`CellOutcome` and the next cell
still runs. What runs a cell is an executor, a callable
``execute(index, source) -> CellOutcome``:

* :class:`ShellCells` runs the cells in this process's IPython shell, each
  under a ``SIGALRM`` time limit: the grader's harness
  (:mod:`grading._harness`) uses it inside the bubblewrap sandbox;
* :class:`KernelCells` runs them in a Jupyter kernel through nbclient, which
  interrupts a cell that runs too long: ``python -m studentnb.make --run``
  (``make check-student``) uses it on the student's own machine.

This module imports nothing but the standard library: the sandbox imports it
before any student code runs.
"""

from __future__ import annotations

import re
import signal
import time
from dataclasses import dataclass

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_LINE_RE = re.compile(r"Cell In\[\d+\], line (\d+)")
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


@dataclass
class CellOutcome:
    """How one code cell ended.

    ``error`` is the exception's class name ("" when the cell ran to its end),
    ``message`` its text (no ANSI colour codes), ``lineno`` the line within the
    cell where it was raised (None when unknown), ``where`` the executor's own
    description of the place (the grader's ``line 3 of my_corr2d: ...``),
    ``timed_out`` whether the cell was stopped for running too long, and
    ``output`` the text it printed (the kernel executor only).
    """

    index: int
    error: str = ""
    message: str = ""
    lineno: int | None = None
    where: str = ""
    timed_out: bool = False
    output: str = ""

    @property
    def ok(self) -> bool:
        """True when the cell ran to its end within its time."""
        return not self.error and not self.timed_out


def run_cells(cells, execute, *, before=None, after=None) -> list:
    """Run ``cells`` (``[(index, source)]``) in order with ``execute``; one outcome per cell run.

    ``before(index, source)`` is called first for each cell and skips it by
    returning ``False``; ``after(outcome)`` is called when it ended. A cell
    that raised or ran out of time does not stop the next.

    Examples
    --------
    >>> def execute(index, source):
    ...     try:
    ...         exec(source, namespace)
    ...     except Exception as error:
    ...         return CellOutcome(index, type(error).__name__, str(error))
    ...     return CellOutcome(index)
    >>> namespace = {}
    >>> [(o.index, o.ok, o.error) for o in run_cells([(0, "x = 1"), (1, "1 / 0"), (2, "y = x + 1")], execute)]
    [(0, True, ''), (1, False, 'ZeroDivisionError'), (2, True, '')]
    >>> namespace["y"]
    2
    """
    outcomes = []
    for index, source in cells:
        if before is not None and before(index, source) is False:
            continue
        outcome = execute(index, source)
        outcomes.append(outcome)
        if after is not None:
            after(outcome)
    return outcomes


# ---------------------------------------------------------------------------
# in this process: an IPython shell and SIGALRM


class CellTimeout(BaseException):
    """Raised in a cell that ran longer than its time (and again every second)."""


def _on_alarm(signum, frame):
    raise CellTimeout


def _trim(exc):
    """Cut the alarm handler's frame off the end of ``exc``'s traceback."""
    tb, prev = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code is _on_alarm.__code__ and prev is not None:
            prev.tb_next = None
            break
        prev, tb = tb, tb.tb_next
    return exc


class ShellCells:
    """Executor: each cell in ``shell`` (an IPython ``InteractiveShell``) with ``timeout`` seconds.

    When the time is up ``CellTimeout`` is raised in the cell, and again every
    second until the cell ends. ``where(exception)`` describes where the
    student's code was when it raised or was stopped (it receives the
    exception; default: nothing). Must run in the main thread (signals).
    """

    def __init__(self, shell, timeout: float, where=None):
        self.shell, self.timeout, self.where = shell, timeout, where or (lambda exc: "")

    def __call__(self, index: int, source: str) -> CellOutcome:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.timeout, 1.0)
        try:
            result = self.shell.run_cell(source, store_history=False, silent=False)
        except BaseException as e:  # noqa: BLE001 - an alarm that escaped IPython's own handling
            result, escaped = None, e
        else:
            escaped = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
        exc = escaped or (
            result.error_before_exec or result.error_in_exec if result is not None else None
        )
        if exc is None:
            return CellOutcome(index)
        if isinstance(exc, CellTimeout):
            return CellOutcome(index, timed_out=True, where=self.where(_trim(exc)))
        if isinstance(exc, SyntaxError):  # the line within the cell
            return CellOutcome(
                index,
                type(exc).__name__,
                str(exc.msg),
                exc.lineno if isinstance(exc.lineno, int) else None,
            )
        return CellOutcome(index, type(exc).__name__, str(exc), where=self.where(exc))


# ---------------------------------------------------------------------------
# in a Jupyter kernel: nbclient


def plain(text: str) -> str:
    """``text`` without ANSI colour codes."""
    return ANSI_RE.sub("", text or "")


def error_output(cell) -> dict:
    """The first error output of an executed notebook cell (``{}`` if it ran cleanly)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return {}


def error_line(error: dict):
    """The line within the cell where a kernel's error output says it was raised (None if it does not say)."""
    evalue, traceback = plain(error.get("evalue", "")), plain("\n".join(error.get("traceback", [])))
    if (
        error.get("ename") in SYNTAX_ERRORS
    ):  # "invalid syntax (1234.py, line 2)", or "Cell In[3], line 2"
        numbers = re.findall(r"line (\d+)", evalue) or CELL_LINE_RE.findall(traceback)
    else:  # the first frame is the cell itself
        numbers = CELL_LINE_RE.findall(traceback)
    return int(numbers[0]) if numbers else None


class KernelCells:
    """Executor: each cell of ``nb`` in the kernel of ``client`` (an nbclient ``NotebookClient`` with a kernel).

    ``timeout_for(cell)`` is the cell's time in seconds (the client must be made
    with ``timeout_func``, ``interrupt_on_timeout=True`` and
    ``allow_errors=True``: a cell that runs too long is interrupted, the kernel
    lives on). The outcome's ``output`` is the text the cell printed.
    """

    def __init__(self, client, nb, timeout_for):
        self.client, self.nb, self.timeout_for = client, nb, timeout_for

    def __call__(self, index: int, source: str) -> CellOutcome:
        cell = self.nb.cells[index]
        start = time.monotonic()
        self.client.execute_cell(cell, index)
        timed_out = time.monotonic() - start >= self.timeout_for(cell)
        error = error_output(cell)
        text = "".join(
            o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
        )
        message = plain(error.get("evalue", ""))
        if error.get("ename") in SYNTAX_ERRORS:
            message = re.sub(r"\s*\([^()]*line \d+\)$", "", message)
        return CellOutcome(
            index,
            error.get("ename", ""),
            message,
            error_line(error) if error else None,
            timed_out=timed_out,
            output=plain(text),
        )
