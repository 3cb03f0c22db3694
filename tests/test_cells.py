"""studentnb.cells: the one cell-by-cell runner of `make check-student` and of the grader's sandbox.

The in-process executor (ShellCells, what the sandboxed harness runs) on a
real IPython shell: errors and time-outs are recorded per cell and the next
cell still runs; a SyntaxError names its line within the cell. The kernel
executor is exercised end to end by tests/test_student_versions.py, the
sandbox by tests/test_grading*.py.
"""

from __future__ import annotations

import time

import pytest
from IPython.core.interactiveshell import InteractiveShell

from studentnb.cells import CellOutcome, ShellCells, error_line, run_cells


@pytest.fixture()
def shell():
    sh = InteractiveShell.instance()
    sh.reset()
    return sh


def test_every_cell_runs_and_each_failure_is_its_own(shell):
    cells = [
        (0, "a = 2"),
        (3, "b = a * 21\n1 / 0"),
        (4, "def f(x)\n    return x"),
        (7, "c = a + 1"),
    ]
    started = []
    outcomes = run_cells(cells, ShellCells(shell, 5), before=lambda i, s: started.append(i))
    assert started == [0, 3, 4, 7]
    assert [(o.index, o.ok, o.error) for o in outcomes] == [
        (0, True, ""),
        (3, False, "ZeroDivisionError"),
        (4, False, "SyntaxError"),
        (7, True, ""),
    ]
    assert outcomes[1].message == "division by zero"
    assert outcomes[2].lineno == 1 and outcomes[2].message == "expected ':'"
    # the cell after a failure ran, in the same namespace
    assert (shell.user_ns["b"], shell.user_ns["c"]) == (
        42,
        3,
    )


def test_a_cell_that_never_ends_is_stopped_after_its_time_and_says_where(shell):
    seen = []
    execute = ShellCells(
        shell, 0.3, where=lambda exc: seen.append(type(exc).__name__) or "line 2 of the cell"
    )
    start = time.monotonic()
    (loop, after) = run_cells([(0, "i = 0\nwhile True:\n    i += 1"), (1, "done = True")], execute)
    assert time.monotonic() - start < 5
    assert (
        loop.timed_out and not loop.ok and loop.error == "" and loop.where == "line 2 of the cell"
    )
    assert seen == ["CellTimeout"] and after.ok and shell.user_ns["done"] is True


def test_before_can_skip_a_cell_and_after_sees_every_outcome(shell):
    ended = []
    outcomes = run_cells(
        [(0, "x = 1"), (1, "x = 2"), (2, "y = x")],
        ShellCells(shell, 5),
        before=lambda i, s: i != 1,
        after=ended.append,
    )
    assert [o.index for o in outcomes] == [0, 2] and ended == outcomes and shell.user_ns["y"] == 1


def test_the_kernel_error_line_is_read_from_the_traceback_or_the_syntax_message():
    raised = {
        "ename": "NameError",
        "evalue": "name 'q' is not defined",
        "traceback": [
            "\x1b[0;31mNameError\x1b[0m",
            "Cell \x1b[0;32mIn[3], line 4\x1b[0m",
            "Cell In[3], line 9",
        ],
    }
    assert error_line(raised) == 4
    assert (
        error_line(
            {"ename": "SyntaxError", "evalue": "invalid syntax (1234.py, line 2)", "traceback": []}
        )
        == 2
    )
    assert error_line({"ename": "ValueError", "evalue": "bad", "traceback": []}) is None
    assert CellOutcome(0, timed_out=True).ok is False and CellOutcome(0).ok is True


@pytest.mark.parametrize("name", ["studentnb.cells", "studentnb.outputs", "studentnb.course"])
def test_the_docstring_examples_of_the_notebook_tools_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
