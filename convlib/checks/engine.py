r"""The checker engine: the public contract every exercise checker is written against.

A checker describes its exercise and hands it to :func:`run_cases`:

* :class:`Case`: the arguments of one call of the student's function, their
  names, whether the inputs are square, a note for messages, and which
  integer arguments the instructor's grader may grow (``growable``);
* a reference function that computes the right answer of a case;
* :class:`Mistake`\ s: known wrong answers, each a function that simulates
  it, with the hint shown when it explains every wrong output (the shared
  ones are in :mod:`convlib.checks.mistakes`).

:func:`run_cases` calls the student's function on every case (each under a
time limit, see :mod:`convlib.checks.calls`), only then computes the
expected values, and either prints a success line or raises
:class:`CheckFailed` whose ``Hint [tag]`` names the mistake.

The instructor's grader (the ``grading`` package) changes nothing in a
checker: inside :func:`grading_hook` it receives each check's
:class:`CheckSpec` and returns the cases to run instead (hidden ones drawn
from its seed), and can keep the reference and comparison to score every
case itself. Outside the hook (always, for students) nothing changes.

Examples
--------
A checker for ``my_double(x)``, whose known mistake is adding one:

>>> import numpy as np
>>> from convlib.checks.engine import Case, Mistake, run_cases
>>> cases = [Case((np.array([1.0, 2.0]),), ("x",)), Case((np.array([[3.0]]),), ("x",))]
>>> plus_one = Mistake("plus one", "you added one instead of doubling.", lambda args, expected: args[0] + 1)
>>> def check_double(fn):
...     run_cases("double", fn, cases, lambda x: 2 * x, mistakes=[plus_one], square_rule=False)
>>> check_double(lambda x: x * 2.0)
✓ double: all 2 hidden cases pass
>>> check_double(lambda x: x + 1)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
convlib.checks.CheckFailed: double: 2 of 2 hidden cases fail.
Hint [plus one]: you added one instead of doubling.
First failing case: x of shape (2,) (float64)
...
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import numpy as np

from ..channels import corr2d_multi_in, corr2d_multi_in_out
from ..correlate import corr2d, corr2d_naive
from .calls import (
    DEFAULT_TIME_LIMIT,
    Foreign,
    as_array,
    call_student,
    describe_exception,
    dtype_problem,
    iterator_kind,
    library_function,
    numeric_array,
    plain_answer,
    safe_repr,
)

__all__ = [
    "NOT_IMPLEMENTED",
    "NOT_ANSWERED",
    "DEFAULT_TIME_LIMIT",
    "CORRELATIONS",
    "CheckFailed",
    "Case",
    "Mistake",
    "CheckSpec",
    "grading_hook",
    "current_grading_hook",
    "require_callable",
    "run_cases",
    "run_count_cases",
    "same_array",
    "same_count",
    "whole_number",
    "answer_array",
    "random_array",
    "cases_2d",
]

NOT_IMPLEMENTED = "not implemented yet: replace the `raise NotImplementedError` with your code"
"""The message (after the title) for a stub that still raises :class:`NotImplementedError`."""
NOT_ANSWERED = "not answered yet: replace the `...` with your answer"
"""The message (after the title) for an answer that is still ``...`` (or None)."""

CORRELATIONS = (corr2d, corr2d_naive, corr2d_multi_in, corr2d_multi_in_out)
"""convlib functions that would answer a correlation exercise on their own (pass them as ``forbidden``)."""


class CheckFailed(AssertionError):
    """A check that did not pass. Its message starts with the count of failing cases and the hint.

    In IPython and Jupyter only the message is shown, without the checker's
    own stack frames (``_render_traceback_``), so the hint is the first thing
    the student reads; plain Python prints the usual traceback.

    Examples
    --------
    >>> from convlib.checks.engine import CheckFailed
    >>> CheckFailed("corr2d: 1 of 34 hidden cases fail.\\nHint [flipped kernel]: ...")._render_traceback_()
    ['CheckFailed: corr2d: 1 of 34 hidden cases fail.', 'Hint [flipped kernel]: ...']
    """

    __module__ = "convlib.checks"  # where students import it from (and what tracebacks print)

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"CheckFailed: {lines[0]}", *lines[1:]]


# ---------------------------------------------------------------------------
# what a checker declares


@dataclass
class Case:
    """One hidden test case: the arguments of one call, their names, and what the grader may change.

    Parameters
    ----------
    args : tuple
        The positional arguments of the student's function.
    names : tuple of str
        Their names, as the exercise calls them (``("X", "K")``); messages
        use them.
    square : bool
        Whether image and kernel are square: a function right on every square
        case but wrong on others gets the hint "only square inputs work"
        (see ``square_rule`` of :func:`run_cases`).
    note : str
        Shown after the case in messages (``"stride 2"``).
    growable : tuple of str
        Names of the integer arguments the instructor's grader may increase
        in its hidden version of the case (image sizes, layer counts: values
        for which any larger value is still a valid case). Every other
        integer keeps its public value (kernel sizes, strides, paddings,
        positions); arrays are always redrawn with the same shape and dtype.
    worked_example : bool
        The arguments are a worked example of the lecture (the 3 x 3 image and
        2 x 2 kernel whose output is 19, 25, 37, 43), and ``note`` says so.
        The grader redraws the values of a hidden case, so it drops the note
        of such a case instead of calling new values the lecture's example.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.engine import Case
    >>> c = Case((np.zeros((4, 6)), 3), ("X", "k"), square=False, note="k = 3")
    >>> c.describe()
    'X of shape (4, 6) (float64), k=3 [k = 3]'
    >>> Case((480, 640, 3, 3), ("H", "W", "k_h", "k_w"), growable=("H", "W")).growable
    ('H', 'W')
    """

    args: tuple
    names: tuple
    square: bool = True
    note: str = ""
    growable: tuple = ()
    worked_example: bool = False

    def __post_init__(self):
        unknown = [n for n in self.growable if n not in self.names]
        if unknown:
            raise ValueError(
                f"growable names {unknown} are not among the case's argument names {tuple(self.names)}"
            )

    def describe(self) -> str:
        """The case in one line: arrays by shape and dtype, other arguments by value, then the note."""
        parts = []
        for name, a in zip(self.names, self.args, strict=True):
            if isinstance(a, np.ndarray):
                parts.append(f"{name} of shape {a.shape} ({a.dtype})")
            else:
                parts.append(f"{name}={a!r}")
        text = ", ".join(parts)
        return f"{text} [{self.note}]" if self.note else text

    def show_inputs(self) -> str:
        """The input arrays themselves when they are small enough to read."""
        lines = []
        for name, a in zip(self.names, self.args, strict=True):
            if isinstance(a, np.ndarray) and a.size <= 60:
                if a.ndim <= 2:
                    lines.append(f"{name} =\n{_fmt(a)}")
                elif a.ndim == 3:  # one channel slice at a time, channels last
                    lines.extend(
                        f"{name}[:, :, {c}] =\n{_fmt(a[:, :, c])}" for c in range(a.shape[2])
                    )
        return "\n".join(lines)


@dataclass
class Mistake:
    """A known wrong answer, and the hint that names it.

    Parameters
    ----------
    tag : str
        Short name shown as ``Hint [tag]``.
    hint : str
        What went wrong and how to fix it, in the lecture's notation.
    fn : callable
        Simulates the mistake. In ``mistakes=`` of :func:`run_cases`:
        ``fn(args, expected)`` returns the wrong output for a case; in
        ``shape_mistakes=``: ``fn(args, expected_shape)`` returns the wrong
        shape. ``None`` (or an exception) means the mistake does not apply
        to that case. A mistake is named when it reproduces every wrong
        output to which it applies (and applies to at least one).

    Examples
    --------
    >>> from convlib.checks.engine import Mistake
    >>> flipped = Mistake("flipped kernel", "you flipped K.", lambda args, expected: None)
    >>> flipped.tag
    'flipped kernel'
    """

    tag: str
    hint: str
    fn: Callable


@dataclass(frozen=True)
class CheckSpec:
    """What a running check hands to the grading hook (see :func:`grading_hook`).

    Attributes
    ----------
    title : str
        The check's title (``"corr2d"``), the start of its messages.
    cases : tuple of Case
        The public cases.
    reference : callable
        ``reference(*case.args)`` is the right answer.
    same : callable
        ``same(got, expected)``: whether an answer counts as right.
    validate : callable or None
        ``validate(got, expected)``: a text when an answer breaks a rule of
        the exercise (then the check stops with that text), else ``''``.
    forbidden : tuple
        convlib functions the student's function may not be or call.

    Examples
    --------
    >>> from convlib.checks.engine import CheckSpec
    >>> CheckSpec("double", (), abs, lambda g, e: g == e, None, ()).title
    'double'
    """

    title: str
    cases: tuple
    reference: Callable
    same: Callable
    validate: Optional[Callable]
    forbidden: tuple


# ---------------------------------------------------------------------------
# the grading hook

_GRADING_HOOK: contextvars.ContextVar = contextvars.ContextVar("convlib_grading_hook", default=None)


@contextlib.contextmanager
def grading_hook(callback: Callable[[CheckSpec], list]) -> Iterator[None]:
    """Within the block, every :func:`run_cases` asks ``callback(spec)`` for the cases to run.

    For the instructor's grader only; students never use it. ``callback``
    receives the check's :class:`CheckSpec` once the student's function has
    passed :func:`require_callable` (and the check's ``refuse`` rule), before
    any call of it, and returns the list of :class:`Case` to run instead of
    ``spec.cases`` (for grading: hidden ones from the instructor's seed). It
    may keep ``spec.reference``, ``spec.same`` and ``spec.validate`` to score
    every case itself, or raise to stop the check there (a
    :class:`BaseException` that is not an :class:`Exception` passes through
    the checker unchanged). Hooks nest; the previous one is back after the
    block, also when it raises. The hook belongs to the current thread (a
    :mod:`contextvars` variable).

    Parameters
    ----------
    callback : callable
        ``callback(spec: CheckSpec) -> list of Case``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_corr2d
    >>> from convlib.checks.engine import Case, grading_hook, current_grading_hook
    >>> def one_case(spec):
    ...     return [Case((np.ones((3, 3)), np.ones((2, 2))), ("X", "K"))]
    >>> def my_corr2d(X, K):
    ...     return np.full((X.shape[0] - 1, X.shape[1] - 1), 4.0)
    >>> with grading_hook(one_case):
    ...     check_corr2d(my_corr2d)
    ✓ corr2d: all 1 hidden cases pass
    >>> current_grading_hook() is None
    True
    """
    if not callable(callback):
        raise TypeError(f"grading_hook: callback must be callable, got {type(callback).__name__}")
    token = _GRADING_HOOK.set(callback)
    try:
        yield
    finally:
        _GRADING_HOOK.reset(token)


def current_grading_hook() -> Optional[Callable[[CheckSpec], list]]:
    """The callback of the innermost :func:`grading_hook` block, or None (always None for students).

    Examples
    --------
    >>> from convlib.checks.engine import current_grading_hook
    >>> current_grading_hook() is None
    True
    """
    return _GRADING_HOOK.get()


# ---------------------------------------------------------------------------
# comparing and formatting


def _fmt(a) -> str:
    a = np.asarray(a)
    if a.size > 60:
        return f"<array of shape {a.shape}>"
    return np.array2string(a, precision=3, suppress_small=True, max_line_width=100)


def _fmt_any(value) -> str:
    """A student's (plain) answer for a message: small arrays in full, anything else via safe_repr (no student code runs)."""
    if type(value) is np.ndarray and value.dtype != object:
        return f"{_fmt(value)}  (shape {value.shape}, dtype {value.dtype})"
    return safe_repr(value, 300)


def _as_float_array(value):
    """``value`` as a float array if it is an array of real numbers (not strings, objects or complex), else None."""
    try:
        arr = as_array(value)
    except Exception:  # noqa: BLE001 - a failing __array__ is not an array of numbers
        return None
    return None if dtype_problem(arr) else arr.astype(float)


def same_array(got, expected) -> bool:
    """Whether ``got`` is an array of real numbers of ``expected``'s shape and (nearly) its values.

    The default comparison of :func:`run_cases`: relative tolerance 1e-4,
    absolute tolerance 1e-6 times the largest expected magnitude (at least 1).

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.engine import same_array
    >>> same_array([[1.0, 2.0]], np.array([[1.0, 2.00001]])), same_array(np.ones(3), np.ones((3, 1)))
    (True, False)
    """
    g = _as_float_array(got)
    if g is None or g.shape != np.shape(expected):
        return False
    e = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    return bool(np.allclose(g, e, rtol=1e-4, atol=1e-6 * scale))


def same_count(got, expected) -> bool:
    """Whether ``got`` is a whole number (not a bool) equal to the count ``expected``.

    The comparison of counting exercises (``same=same_count``), with
    :func:`whole_number` as their ``validate`` rule.

    Examples
    --------
    >>> from convlib.checks.engine import same_count
    >>> same_count(12, 12), same_count(12.0, 12), same_count(12.5, 12), same_count(True, 1), same_count("12", 12)
    (True, True, False, False, False)
    """
    try:
        return not isinstance(got, bool) and int(got) == got and int(got) == expected
    except (TypeError, ValueError, OverflowError):  # not a number, NaN, inf
        return False


def whole_number(got, expected) -> str:
    """The ``validate`` rule of counting exercises: a hint for a bool, a non-number or a right float, else ``''``.

    A count is an int: a float that equals the count (``/`` instead of
    ``//``) is named before values are compared.

    Examples
    --------
    >>> from convlib.checks.engine import whole_number
    >>> whole_number(12, 12), whole_number(12.0, 12)
    ('', 'Hint [float result]: a count is a whole number: return an int (use // instead of /)')
    """
    if isinstance(got, (bool, np.bool_)):
        return "Hint [not a number]: return the count as an int, not a bool"
    try:
        value = float(got)
    except (TypeError, ValueError):
        return "Hint [not a number]: return the count as an int"
    if isinstance(got, (float, np.floating)) and value == expected:
        return "Hint [float result]: a count is a whole number: return an int (use // instead of /)"
    return ""


def answer_array(title: str, name: str, value) -> np.ndarray:
    """``value`` as a float array, or a :class:`CheckFailed` naming what it holds instead (text, objects, complex numbers).

    For checkers of values (kernels, hand-computed outputs): ``name`` is
    the variable the student filled in.

    Examples
    --------
    >>> from convlib.checks.engine import answer_array
    >>> answer_array("grey kernel", "K", [[1, 2]])
    array([[1., 2.]])
    >>> answer_array("grey kernel", "K", ["a", "b"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: grey kernel: Hint [not numbers]: K must be an array of real numbers, but ...
    """
    arr, problem = numeric_array(value)
    if arr is None:
        raise CheckFailed(
            f"{title}: Hint [not numbers]: {name} must be an array of real numbers, but {problem}. Got {safe_repr(value)}"
        )
    return arr


def _unchanged(after, before) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and after.shape == before.shape
            and np.array_equal(after, before)
        )
    return True


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _safe(fn, *args):
    """Run a mistake simulation; None when it does not apply to this case."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except Exception:  # noqa: BLE001 - a simulation that cannot run does not apply
        return None


# ---------------------------------------------------------------------------
# refusing what is not the student's own function


def require_callable(fn, title: str, forbidden=()) -> None:
    """Raise :class:`CheckFailed` unless ``fn`` is the student's own function.

    Refused: ``...`` or None (not answered), anything not callable, and a
    library function handed in as the answer: any public convlib or SciPy
    function, or a function whose code calls SciPy or one of the convlib
    functions in ``forbidden`` (see :func:`convlib.checks.calls.library_function`;
    recognising it runs under a 2 s limit). :func:`run_cases` calls it first;
    a checker that calls the student's function itself calls it directly,
    and the grader calls it for a library function caught during a hidden call.

    Parameters
    ----------
    fn : object
        The student's answer.
    title : str
        The check's title, the start of the message.
    forbidden : tuple of callables
        convlib functions that would answer the exercise on their own.

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks.engine import require_callable
    >>> require_callable(lambda X, K: X, "corr2d")
    >>> require_callable(corr2d, "corr2d")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: corr2d: Hint [library function]: this is (or only calls) convlib.corr2d, ...
    """
    if fn is Ellipsis or fn is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    if not callable(fn):
        raise CheckFailed(
            f"{title}: expected a function (pass it without calling it, e.g. check(my_fn)); got {type(fn).__name__}"
        )
    # inside a time limit: an odd callable (a __getattr__ that sleeps) must not hang the check
    outcome = call_student(library_function, (fn, forbidden), 2.0)
    library = (
        outcome.value
        if outcome.exc is None and not outcome.timed_out and isinstance(outcome.value, str)
        else ""
    )
    if library:
        raise CheckFailed(
            f"{title}: Hint [library function]: this is (or only calls) {library}, not your own implementation. "
            "The exercise asks you to write the computation yourself: loops and NumPy are fine."
        )


# ---------------------------------------------------------------------------
# running the cases


@dataclass
class _Record:
    case: Case
    expected: Any
    got: Any = None
    exc: Optional[BaseException] = None
    ok: bool = False
    extra: dict = field(default_factory=dict)
    exc_text: str = (
        ""  # the exception described while the student's code ran (see calls.call_student)
    )


def run_cases(
    title: str,
    fn: Callable,
    cases: list,
    reference: Callable,
    *,
    mistakes=(),
    shape_mistakes=(),
    crash_hint: str = "",
    same: Callable = same_array,
    square_rule: bool = True,
    validate: Optional[Callable] = None,
    returns_array: bool = True,
    time_limit: Optional[float] = DEFAULT_TIME_LIMIT,
    forbidden=(),
    refuse: Optional[Callable] = None,
) -> None:
    """Call ``fn`` on every case, then print a success line or raise a :class:`CheckFailed` that names the mistake.

    The steps: :func:`require_callable` (and ``refuse``); the grading hook,
    if any, chooses the cases (:func:`grading_hook`); every call of ``fn``,
    each converted to plain data inside its time limit (a time-out, a stub,
    a generator, non-numbers, an argument changed in place or None returned
    end the check at once); only then the expected values and comparisons;
    and, if some case fails, the first explanation that fits: a known
    mistake, "only square inputs work", a known shape mistake, an
    exception, a wrong shape, wrong values.

    Parameters
    ----------
    title : str
        Start of every message (``"corr2d"``).
    fn : callable
        The student's function.
    cases : list of Case
        The public cases.
    reference : callable
        ``reference(*case.args)``: the right answer.
    mistakes, shape_mistakes : sequence of Mistake
        Known wrong outputs and known wrong output shapes (see :class:`Mistake`).
    crash_hint : str
        Added to the hint when ``fn`` raises.
    same : callable
        ``same(got, expected)``: whether an answer is right (default :func:`same_array`).
    square_rule : bool
        Name "only square inputs work" when every square case passes and only non-square ones fail.
    validate : callable, optional
        ``validate(got, expected)``: a message when the answer breaks a rule of the exercise, else ``''``.
    returns_array : bool
        The answer is an array (converted with ``as_array`` inside the time
        limit, must hold real numbers); otherwise any plain value.
    time_limit : float or None
        Seconds per call (None: no limit).
    forbidden : tuple of callables
        convlib functions ``fn`` may not be or call (see :func:`require_callable`).
    refuse : callable, optional
        ``refuse(fn)``: an extra refusal rule of the exercise, run after
        :func:`require_callable`; a non-empty text ends the check with
        ``CheckFailed(f"{title}: {text}")``.

    Raises
    ------
    CheckFailed
        When ``fn`` is refused or a case fails.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.engine import Case, run_cases
    >>> cases = [Case((np.arange(6.0).reshape(2, 3),), ("X",), square=False)]
    >>> run_cases("row sums", lambda X: X.sum(axis=1), cases, lambda X: X.sum(axis=1))
    ✓ row sums: all 1 hidden cases pass
    >>> run_cases("row sums", lambda X: X.sum(axis=0), cases, lambda X: X.sum(axis=1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: row sums: 1 of 1 hidden cases fail.
    Hint [wrong output shape]: wrong output shape: expected (2,), got (3,).
    ...
    """
    __tracebackhide__ = True
    require_callable(fn, title, forbidden)
    if refuse is not None:
        message = refuse(fn)
        if message:
            raise CheckFailed(f"{title}: {message}")
    cases = _cases_to_run(
        CheckSpec(title, tuple(cases), reference, same, validate, tuple(forbidden))
    )
    # 1. every call of the student's code first, each converted to plain data inside its time limit;
    #    no expected value exists yet, so none can be read from this frame or recorded by the answer
    outcomes = _call_every_case(title, fn, cases, returns_array, time_limit)
    # 2. only then the expected values, and comparisons that run none of the student's code
    records = _compare(title, cases, outcomes, reference, same, validate)
    if all(r.ok for r in records):
        _success(title, len(records))
        return
    raise _explain(title, records, mistakes, shape_mistakes, crash_hint, same, square_rule)


def run_count_cases(
    title: str,
    fn: Callable,
    cases: list,
    reference: Callable,
    mistakes=(),
    time_limit: Optional[float] = DEFAULT_TIME_LIMIT,
    forbidden=(),
) -> None:
    """:func:`run_cases` for a counting exercise: ``fn`` returns a whole number per case.

    The answer must equal the reference exactly (:func:`same_count`); a float
    or a non-number is named first (:func:`whole_number`); square inputs have
    no special meaning, and the result is not turned into an array.

    Examples
    --------
    >>> from convlib.checks.engine import Case, run_count_cases
    >>> cases = [Case((5, 3), ("n", "k"), growable=("n",)), Case((8, 2), ("n", "k"), growable=("n",))]
    >>> run_count_cases("valid positions", lambda n, k: n - k + 1, cases, lambda n, k: n - k + 1)
    ✓ valid positions: all 2 hidden cases pass
    """
    run_cases(
        title,
        fn,
        cases,
        reference,
        mistakes=mistakes,
        same=same_count,
        validate=whole_number,
        square_rule=False,
        returns_array=False,
        time_limit=time_limit,
        forbidden=forbidden,
    )


def _cases_to_run(spec: CheckSpec) -> list:
    """The public cases, or the ones the grading hook returns for them."""
    hook = _GRADING_HOOK.get()
    return list(spec.cases) if hook is None else hook(spec)


def _plain_array(value):
    """The answer of an array exercise as plain data: an ndarray (as_array), or a Foreign for an iterator."""
    kind = iterator_kind(value)
    return Foreign(kind) if kind else as_array(value)


def _call_every_case(
    title: str, fn: Callable, cases: list, returns_array: bool, time_limit
) -> list:
    """The outcome of ``fn`` on every case (plain data); raises CheckFailed for what ends the check early.

    Ends early: a time-out, NotImplementedError, an iterator or an array of
    non-numbers returned, an argument changed in place, None returned.
    """
    convert = _plain_array if returns_array else plain_answer
    outcomes = []
    for index, case in enumerate(cases):
        args = tuple(_copy(a) for a in case.args)
        outcome = call_student(fn, args, time_limit, convert)
        _stop_early(title, case, args, outcome, index, len(cases), returns_array, time_limit)
        outcomes.append(outcome)
    return outcomes


def _stop_early(title, case, args, outcome, index, n_total, returns_array, time_limit) -> None:
    """Raise the CheckFailed for an outcome that ends the check at once (see :func:`_call_every_case`)."""
    if outcome.timed_out:
        raise _time_out(title, case, time_limit, index, n_total)
    if isinstance(outcome.exc, NotImplementedError):
        raise CheckFailed(f"{title}: {NOT_IMPLEMENTED}") from None
    got, exc = outcome.value, outcome.exc
    if (
        exc is None
        and isinstance(got, Foreign)
        and got.what.startswith(("a generator", "an iterator"))
    ):
        what = "an array" if returns_array else "a value"
        raise CheckFailed(
            f"{title}: {n_total - index} of {n_total} hidden cases fail (checking stopped at hidden case {index + 1}).\n"
            f"Hint [generator]: your function returned {got.what}, not {what}: a `yield`, or a generator expression "
            "in round brackets, only produces values one at a time when something loops over it. Build the result "
            "and return it, e.g. np.array([...]) or a tuple (...) written out."
            f" Case: {case.describe()}"
        )
    if returns_array and exc is None and isinstance(got, np.ndarray) and dtype_problem(got):
        raise _not_numbers(title, case, dtype_problem(got), index, n_total)
    for name, after, before in zip(case.names, args, case.args, strict=True):
        if not _unchanged(after, before):
            raise CheckFailed(
                f"{title}: Hint [mutates input]: your function changed its argument {name} in place "
                f"(case: {case.describe()}). A layer must not modify its input: work on a copy "
                f"({name} = {name}.copy()) or build a new output array instead of writing into {name}."
            )
    if exc is None and got is None:
        raise CheckFailed(
            f"{title}: Hint [returned None]: your function returned None (case: {case.describe()}). "
            "Did you forget the `return` statement? (A body of `...` does nothing.)"
        )


def _compare(
    title: str, cases: list, outcomes: list, reference: Callable, same: Callable, validate
) -> list:
    """One record per case: the expected value, the answer, and whether it is right (``validate`` may stop the check)."""
    records = []
    for case, outcome in zip(cases, outcomes, strict=True):
        got, exc = outcome.value, outcome.exc
        record = _Record(case, reference(*case.args), got, exc, exc_text=outcome.exc_text)
        if exc is None:
            if validate is not None:
                problem = _safe(validate, got, record.expected)
                if problem:
                    raise CheckFailed(
                        f"{title}: {problem} (case: {case.describe()}; got {_fmt_any(got)})"
                    )
            record.ok = bool(_safe(same, got, record.expected))
        records.append(record)
    return records


# ---------------------------------------------------------------------------
# naming what went wrong


def _explain(
    title, records, mistakes, shape_mistakes, crash_hint, same, square_rule
) -> CheckFailed:
    """The CheckFailed for failing records: the first explanation that fits, most specific first."""
    failed = [r for r in records if not r.ok]
    wrong = [r for r in failed if r.exc is None]
    misshapen = [r for r in wrong if _got_shape(r) != _shape_of(r.expected)]
    n_failed, n = len(failed), len(records)
    found = (
        _known_mistake(mistakes, wrong, same)
        or (_only_square_inputs_work(records, failed) if square_rule else None)
        or _known_shape_mistake(shape_mistakes, misshapen)
    )
    if found is None:
        crash = _exception(failed, wrong, crash_hint)
        if crash is not None:
            failure = _failure(title, *crash, n_failed, n)
            failure.__cause__ = crash[
                2
            ].exc  # as `raise ... from exc`: the student's exception stays attached
            return failure
        found = _wrong_shape(misshapen) or _wrong_values(wrong)
    return _failure(title, *found, n_failed, n)


def _shape_of(value):
    """The array shape of an expected value, or None for one that is no array (a pair of arrays, say)."""
    try:
        return np.shape(value)
    except ValueError:  # a ragged value: a tuple of arrays of different shapes
        return None


def _got_shape(r: _Record):
    arr = _as_float_array(r.got)
    return None if arr is None else arr.shape


def _known_mistake(mistakes, wrong: list, same: Callable):
    """A known mistake that reproduces every wrong output (where it applies)."""
    for m in mistakes:
        if _explains(m, wrong, same):
            return m.tag, m.hint, wrong[0]
    return None


def _explains(m: Mistake, wrong: list, same: Callable) -> bool:
    defined = 0
    for r in wrong:
        out = _safe(m.fn, r.case.args, r.expected)
        if out is None:
            continue
        defined += 1
        if not _safe(same, r.got, out):
            return False
    return defined > 0


def _only_square_inputs_work(records: list, failed: list):
    """Right on every square case, wrong or crashing only on non-square ones."""
    squares = [r for r in records if r.case.square]
    if squares and all(r.ok for r in squares) and all(not r.case.square for r in failed):
        hint = (
            "your function is right on every square case but fails when the image or kernel is not square. "
            "Check that you use the height for rows and the width for columns: H, W = X.shape, k_h, k_w = K.shape, "
            "rows range(H - k_h + 1), columns range(W - k_w + 1)."
        )
        return "only square inputs work", hint, failed[0]
    return None


def _known_shape_mistake(shape_mistakes, misshapen: list):
    """A known shape mistake that explains every misshapen output."""
    for m in shape_mistakes if misshapen else ():
        pairs = [(_safe(m.fn, r.case.args, np.shape(r.expected)), _got_shape(r)) for r in misshapen]
        applicable = [(s, g) for s, g in pairs if s is not None]
        if applicable and all(g is not None and tuple(s) == tuple(g) for s, g in applicable):
            return m.tag, m.hint, misshapen[0]
    return None


def _exception(failed: list, wrong: list, crash_hint: str):
    """The function raised an exception on some case."""
    crashed = [r for r in failed if r.exc is not None]
    if not crashed:
        return None
    r = crashed[0]
    hint = f"your function raised {r.exc_text or describe_exception(r.exc)}"
    if "broadcast" in hint:
        hint += (
            ". A window and the kernel must have the same shape: the window at (i, j) is "
            "X[i:i+k_h, j:j+k_w] with k_h, k_w = K.shape; check your slice bounds and loop ranges"
        )
    if crash_hint:
        hint += f". {crash_hint}"
    hint += "."
    if wrong:
        hint += f" (Besides, {len(wrong)} other case(s) return wrong outputs.)"
    return "exception", hint, r


def _wrong_shape(misshapen: list):
    """An output of the wrong shape, or no array at all."""
    if not misshapen:
        return None
    r = misshapen[0]
    shape = _got_shape(r)
    if shape is None:
        return (
            "not an array",
            "your function must return an array of numbers (a NumPy array or a rectangular nested list).",
            r,
        )
    return (
        "wrong output shape",
        f"wrong output shape: expected {np.shape(r.expected)}, got {shape}.",
        r,
    )


def _wrong_values(wrong: list):
    """Wrong values for another reason: where the largest difference is."""
    r = wrong[0]
    hint = "wrong values (the shape is right). Compare your output with the expected one on this case, entry by entry."
    g = _as_float_array(r.got)
    if g is not None and g.shape == np.shape(r.expected) and g.size:
        idx = np.unravel_index(np.argmax(np.abs(g - np.asarray(r.expected, dtype=float))), g.shape)
        hint += f" The largest difference is at index {tuple(int(i) for i in idx)}."
    return "wrong values", hint, r


def _time_out(title: str, case: Case, seconds: float, index: int, n_total: int) -> CheckFailed:
    return CheckFailed(
        f"{title}: {n_total - index} of {n_total} hidden cases fail (hidden case {index + 1} did not finish; "
        f"the {n_total - index - 1} after it were not run).\n"
        f"Hint [time limit]: your function did not return within {seconds:g} s on the case {case.describe()}. "
        "Look for a loop that never ends: a `while` whose condition never changes, or an index that is never increased."
    )


def _not_numbers(title: str, case: Case, problem: str, index: int, n_total: int) -> CheckFailed:
    if "complex" in problem:
        advice = "the correlation of real arrays is real: do not add imaginary parts (no 1j, no complex dtype)."
    else:
        advice = "return an array of numbers (int or float), e.g. one made with np.zeros(...), not text or Python objects."
    return CheckFailed(
        f"{title}: {n_total - index} of {n_total} hidden cases fail (checking stopped at hidden case {index + 1}).\n"
        f"Hint [not numbers]: your function returned an array of {problem}; {advice} Case: {case.describe()}"
    )


def _success(title: str, n: int, unit: str = "hidden cases") -> None:
    print(f"✓ {title}: all {n} {unit} pass")


def _failure(
    title: str,
    tag: str,
    hint: str,
    record: _Record,
    n_failed: int,
    n_total: int,
    *,
    show_expected: bool = True,
) -> CheckFailed:
    lines = [
        f"{title}: {n_failed} of {n_total} hidden cases fail.",
        f"Hint [{tag}]: {hint}",
        f"First failing case: {record.case.describe()}",
    ]
    inputs = record.case.show_inputs()
    if inputs:
        lines.append(inputs)
    if show_expected:
        lines.append(f"expected: {_fmt_any(record.expected)}")
    if record.exc is not None:
        lines.append(f"your function raised {record.exc_text or describe_exception(record.exc)}")
    else:
        lines.append(f"got:      {_fmt_any(record.got)}")
    return CheckFailed("\n".join(lines))


# ---------------------------------------------------------------------------
# hidden cases shared by the correlation checkers


_SHAPES_2D = [
    # (H, W, k_h, k_w, dtype of X, dtype of K) -- square cases first
    (1, 1, 1, 1, "f", "f"),
    (4, 4, 1, 1, "f", "f"),
    (5, 5, 2, 2, "f", "f"),
    (6, 6, 3, 3, "f", "f"),
    (7, 7, 4, 4, "f", "f"),
    (8, 8, 5, 5, "f", "f"),
    (4, 4, 4, 4, "f", "f"),
    (5, 5, 3, 3, "i", "i"),
    (6, 6, 2, 2, "i", "f"),
    (6, 6, 3, 3, "f32", "f32"),
    # non-square image and/or kernel
    (4, 7, 2, 2, "f", "f"),
    (7, 4, 3, 3, "f", "f"),
    (6, 6, 1, 3, "f", "f"),
    (6, 6, 3, 1, "f", "f"),
    (7, 7, 2, 5, "f", "f"),
    (7, 7, 5, 2, "f", "f"),
    (4, 7, 2, 3, "f", "f"),
    (7, 4, 3, 2, "f", "f"),
    (5, 9, 1, 5, "f", "f"),
    (9, 5, 5, 1, "f", "f"),
    (6, 8, 4, 3, "f", "f"),
    (8, 6, 3, 4, "f", "f"),
    (3, 10, 2, 4, "f", "f"),
    (10, 3, 4, 2, "f", "f"),
    (5, 6, 5, 6, "f", "f"),
    (1, 6, 1, 3, "f", "f"),
    (6, 1, 3, 1, "f", "f"),
    (5, 9, 3, 3, "i", "i"),
    (5, 7, 2, 3, "i", "f"),
    (8, 5, 2, 4, "i", "f"),
    (6, 9, 5, 4, "f32", "f32"),
    (2, 3, 2, 2, "f", "f"),
    (9, 7, 1, 2, "f", "f"),
]


def random_array(rng: np.random.Generator, shape: tuple, kind: str) -> np.ndarray:
    """A test array: ``kind`` ``"i"`` integers in [-4, 10), ``"f"`` floats in [-3, 3] with 3 decimals, ``"f32"`` the same as float32.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.engine import random_array
    >>> rng = np.random.default_rng(0)
    >>> [random_array(rng, (2, 3), kind).dtype.name for kind in ("i", "f", "f32")]
    ['int64', 'float64', 'float32']
    """
    if kind == "i":
        return rng.integers(-4, 10, size=shape)
    values = np.round(rng.uniform(-3, 3, size=shape), 3)
    return values.astype(np.float32) if kind == "f32" else values


def cases_2d(seed: int = 0) -> list:
    """The 34 hidden single-channel cases ``(X, K)``: the lecture's example, then square and non-square shapes.

    Kernel sizes 1 to 6, float, integer and float32 inputs, a 1 x 1 edge
    case; square kernels are never symmetric (so flips and transposes show).

    Examples
    --------
    >>> from convlib.checks.engine import cases_2d
    >>> cases = cases_2d()
    >>> len(cases), cases[0].describe()
    (34, "X of shape (3, 3) (int64), K of shape (2, 2) (int64) [the lecture's example]")
    """
    rng = np.random.default_rng(seed)
    cases = [
        Case(
            (np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)),
            ("X", "K"),
            True,
            "the lecture's example",
            worked_example=True,
        )
    ]
    for H, W, k_h, k_w, kx, kk in _SHAPES_2D:
        X = random_array(rng, (H, W), kx)
        K = random_array(rng, (k_h, k_w), kk)
        if k_h == k_w and k_h > 1 and (np.array_equal(K, K.T) or np.array_equal(K, K[::-1, ::-1])):
            K[0, -1] += 1  # keep kernels asymmetric so flips and transposes show
        cases.append(Case((X, K), ("X", "K"), H == W and k_h == k_w))
    return cases
