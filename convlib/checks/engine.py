"""Shared machinery of the checkers: running hidden cases, recognising known mistakes, messages."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

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
    plain_answer,
    safe_repr,
)

NOT_IMPLEMENTED = "not implemented yet: replace the `raise NotImplementedError` with your code"
NOT_ANSWERED = "not answered yet: replace the `...` with your answer"

# convlib functions that would answer a single-channel correlation exercise on their own
_CORRELATIONS = (corr2d, corr2d_naive, corr2d_multi_in, corr2d_multi_in_out)

# ---------------------------------------------------------------------------
# grading hook (issue 13: instructor-side grading, the separate ``grading`` package)
#
# Students never set this. While the instructor's grader runs a checker, it sets
# GRADING_HOOK to a callable ``hook(title, cases, reference, same, validate)``
# that returns the cases _run uses instead (hidden ones, drawn from the
# instructor's seed) and may keep ``reference``/``same``/``validate`` to score
# every case itself (partial credit). Unset (the default), nothing changes.
GRADING_HOOK: contextvars.ContextVar = contextvars.ContextVar("convlib_grading_hook", default=None)

# ---------------------------------------------------------------------------
# shared machinery


class CheckFailed(AssertionError):
    """A check that did not pass. Its message starts with the count of failing cases and the hint.

    In IPython and Jupyter only the message is shown, without the checker's
    own stack frames (``_render_traceback_``), so the hint is the first thing
    the student reads; plain Python prints the usual traceback.
    """

    __module__ = "convlib.checks"  # where students import it from (and what tracebacks print)

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"CheckFailed: {lines[0]}", *lines[1:]]


@dataclass
class _Case:
    """One hidden test case: the arguments, their names and a short description."""

    args: tuple
    names: tuple
    square: bool = True
    note: str = ""

    def describe(self) -> str:
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
                    lines.extend(f"{name}[:, :, {c}] =\n{_fmt(a[:, :, c])}" for c in range(a.shape[2]))
        return "\n".join(lines)


@dataclass
class _Mistake:
    """A known wrong answer: ``fn(args, expected)`` simulates it (None where it does not apply)."""

    tag: str
    hint: str
    fn: Callable


@dataclass
class _Record:
    case: _Case
    expected: Any
    got: Any = None
    exc: Optional[BaseException] = None
    ok: bool = False
    extra: dict = field(default_factory=dict)
    exc_text: str = ""  # the exception described while the student's code ran (see _calls.call_student)


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


def _same_array(got, expected) -> bool:
    g = _as_float_array(got)
    if g is None or g.shape != np.shape(expected):
        return False
    e = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    return bool(np.allclose(g, e, rtol=1e-4, atol=1e-6 * scale))


def _unchanged(after, before) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and after.shape == before.shape and np.array_equal(after, before)
    return True


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _require_callable(fn, title: str, forbidden=()) -> None:
    if fn is Ellipsis or fn is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    if not callable(fn):
        raise CheckFailed(f"{title}: expected a function (pass it without calling it, e.g. check(my_fn)); got {type(fn).__name__}")
    # inside a time limit: an odd callable (a __getattr__ that sleeps) must not hang the check
    outcome = call_student(library_function, (fn, forbidden), 2.0)
    library = outcome.value if outcome.exc is None and not outcome.timed_out and isinstance(outcome.value, str) else ""
    if library:
        raise CheckFailed(
            f"{title}: Hint [library function]: this is (or only calls) {library}, not your own implementation. "
            "The exercise asks you to write the computation yourself: loops and NumPy are fine."
        )


def _time_out(title: str, case: "_Case", seconds: float, index: int, n_total: int) -> "CheckFailed":
    return CheckFailed(
        f"{title}: {n_total - index} of {n_total} hidden cases fail (hidden case {index + 1} did not finish; "
        f"the {n_total - index - 1} after it were not run).\n"
        f"Hint [time limit]: your function did not return within {seconds:g} s on the case {case.describe()}. "
        "Look for a loop that never ends: a `while` whose condition never changes, or an index that is never increased."
    )


def _not_numbers(title: str, case: "_Case", problem: str, index: int, n_total: int) -> "CheckFailed":
    if "complex" in problem:
        advice = "the correlation of real arrays is real: do not add imaginary parts (no 1j, no complex dtype)."
    else:
        advice = "return an array of numbers (int or float), e.g. one made with np.zeros(...), not text or Python objects."
    return CheckFailed(
        f"{title}: {n_total - index} of {n_total} hidden cases fail (checking stopped at hidden case {index + 1}).\n"
        f"Hint [not numbers]: your function returned an array of {problem}; {advice} Case: {case.describe()}"
    )


def _safe(fn, *args):
    """Run a mistake simulation; None when it does not apply to this case."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except Exception:  # noqa: BLE001 - a simulation that cannot run does not apply
        return None


def _success(title: str, n: int, unit: str = "hidden cases") -> None:
    print(f"✓ {title}: all {n} {unit} pass")


def _failure(title: str, tag: str, hint: str, record: _Record, n_failed: int, n_total: int, *, show_expected: bool = True) -> CheckFailed:
    lines = [f"{title}: {n_failed} of {n_total} hidden cases fail.", f"Hint [{tag}]: {hint}", f"First failing case: {record.case.describe()}"]
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


def _run(
    title: str,
    fn: Callable,
    cases: list,
    reference: Callable,
    *,
    mistakes=(),
    shape_mistakes=(),
    crash_hint: str = "",
    same: Callable = _same_array,
    square_rule: bool = True,
    validate: Optional[Callable] = None,
    returns_array: bool = True,
    time_limit: Optional[float] = DEFAULT_TIME_LIMIT,
    forbidden=(),
) -> None:
    """Call ``fn`` on every case, then succeed or raise a :class:`CheckFailed` that names the mistake.

    Each call runs under ``time_limit`` seconds (None: no limit); with
    ``returns_array`` the result is turned into a NumPy array inside that
    limit and must hold real numbers. ``fn`` may not be, or merely call, a
    SciPy function or one of the convlib functions in ``forbidden``.
    """
    __tracebackhide__ = True
    _require_callable(fn, title, forbidden)
    hook = GRADING_HOOK.get()
    if hook is not None:  # instructor grading: hidden cases instead of the public ones
        cases = hook(title, cases, reference, same, validate)
    # 1. every call of the student's code first, each converted to plain data inside its time limit;
    #    no expected value exists yet, so none can be read from this frame or recorded by the answer
    outcomes = _call_every_case(title, fn, cases, returns_array, time_limit)
    # 2. only then the expected values, and comparisons that run none of the student's code
    records = []
    for case, outcome in zip(cases, outcomes, strict=True):
        got, exc = outcome.value, outcome.exc
        record = _Record(case, reference(*case.args), got, exc, exc_text=outcome.exc_text)
        if exc is None:
            if validate is not None:
                problem = _safe(validate, got, record.expected)
                if problem:
                    raise CheckFailed(f"{title}: {problem} (case: {case.describe()}; got {_fmt_any(got)})")
            record.ok = bool(_safe(same, got, record.expected))
        records.append(record)

    failed = [r for r in records if not r.ok]
    if not failed:
        _success(title, len(records))
        return
    wrong = [r for r in failed if r.exc is None]
    crashed = [r for r in failed if r.exc is not None]
    n_failed, n = len(failed), len(records)

    # 1. a known mistake reproduces every wrong output (where it applies)
    for m in mistakes:
        if _explains(m, wrong, same):
            raise _failure(title, m.tag, m.hint, wrong[0], n_failed, n)

    # 2. right on every square case, wrong or crashing only on non-square ones
    squares = [r for r in records if r.case.square]
    if square_rule and squares and all(r.ok for r in squares) and all(not r.case.square for r in failed):
        hint = (
            "your function is right on every square case but fails when the image or kernel is not square. "
            "Check that you use the height for rows and the width for columns: H, W = X.shape, k_h, k_w = K.shape, "
            "rows range(H - k_h + 1), columns range(W - k_w + 1)."
        )
        raise _failure(title, "only square inputs work", hint, failed[0], n_failed, n)

    # 3. a known shape mistake explains every misshapen output
    def got_shape(r):
        arr = _as_float_array(r.got)
        return None if arr is None else arr.shape

    misshapen = [r for r in wrong if got_shape(r) != np.shape(r.expected)]
    for m in shape_mistakes if misshapen else ():
        pairs = [(_safe(m.fn, r.case.args, np.shape(r.expected)), got_shape(r)) for r in misshapen]
        applicable = [(s, g) for s, g in pairs if s is not None]
        if applicable and all(g is not None and tuple(s) == tuple(g) for s, g in applicable):
            raise _failure(title, m.tag, m.hint, misshapen[0], n_failed, n)

    # 4. the function raised an exception
    if crashed:
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
        raise _failure(title, "exception", hint, r, n_failed, n) from r.exc

    # 5. wrong output shape
    if misshapen:
        r = misshapen[0]
        shape = got_shape(r)
        if shape is None:
            hint = "your function must return an array of numbers (a NumPy array or a rectangular nested list)."
            raise _failure(title, "not an array", hint, r, n_failed, n)
        hint = f"wrong output shape: expected {np.shape(r.expected)}, got {shape}."
        raise _failure(title, "wrong output shape", hint, r, n_failed, n)

    # 6. wrong values for another reason
    r = wrong[0]
    hint = "wrong values (the shape is right). Compare your output with the expected one on this case, entry by entry."
    g = _as_float_array(r.got)
    if g is not None and g.shape == np.shape(r.expected) and g.size:
        idx = np.unravel_index(np.argmax(np.abs(g - np.asarray(r.expected, dtype=float))), g.shape)
        hint += f" The largest difference is at index {tuple(int(i) for i in idx)}."
    raise _failure(title, "wrong values", hint, r, n_failed, n)


def _plain_array(value):
    """The answer of an array exercise as plain data: an ndarray (as_array), or a Foreign for an iterator."""
    kind = iterator_kind(value)
    return Foreign(kind) if kind else as_array(value)


def _call_every_case(title: str, fn: Callable, cases: list, returns_array: bool, time_limit) -> list:
    """The outcome of ``fn`` on every case (plain data); raises CheckFailed for what ends the check early.

    Ends early: a time-out, NotImplementedError, an iterator or an array of
    non-numbers returned, an argument changed in place, None returned.
    """
    convert = _plain_array if returns_array else plain_answer
    outcomes = []
    for index, case in enumerate(cases):
        args = tuple(_copy(a) for a in case.args)
        outcome = call_student(fn, args, time_limit, convert)
        if outcome.timed_out:
            raise _time_out(title, case, time_limit, index, len(cases))
        if isinstance(outcome.exc, NotImplementedError):
            raise CheckFailed(f"{title}: {NOT_IMPLEMENTED}") from None
        got, exc = outcome.value, outcome.exc
        if exc is None and isinstance(got, Foreign) and got.what.startswith(("a generator", "an iterator")):
            what = "an array" if returns_array else "a value"
            raise CheckFailed(
                f"{title}: {len(cases) - index} of {len(cases)} hidden cases fail (checking stopped at hidden case {index + 1}).\n"
                f"Hint [generator]: your function returned {got.what}, not {what}: a `yield`, or a generator expression "
                "in round brackets, only produces values one at a time when something loops over it. Build the result "
                "and return it, e.g. np.array([...]) or a tuple (...) written out."
                f" Case: {case.describe()}"
            )
        if returns_array and exc is None and isinstance(got, np.ndarray) and dtype_problem(got):
            raise _not_numbers(title, case, dtype_problem(got), index, len(cases))
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
        outcomes.append(outcome)
    return outcomes


def _explains(m: _Mistake, wrong: list, same: Callable) -> bool:
    defined = 0
    for r in wrong:
        out = _safe(m.fn, r.case.args, r.expected)
        if out is None:
            continue
        defined += 1
        if not _safe(same, r.got, out):
            return False
    return defined > 0


# ---------------------------------------------------------------------------
# hidden cases


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


def _array(rng, shape, kind):
    if kind == "i":
        return rng.integers(-4, 10, size=shape)
    values = np.round(rng.uniform(-3, 3, size=shape), 3)
    return values.astype(np.float32) if kind == "f32" else values


def _cases_2d(seed: int = 0) -> list:
    """The 34 hidden single-channel cases: the lecture's example plus _SHAPES_2D."""
    rng = np.random.default_rng(seed)
    cases = [_Case((np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)), ("X", "K"), True, "the lecture's example")]
    for H, W, k_h, k_w, kx, kk in _SHAPES_2D:
        X = _array(rng, (H, W), kx)
        K = _array(rng, (k_h, k_w), kk)
        if k_h == k_w and k_h > 1 and (np.array_equal(K, K.T) or np.array_equal(K, K[::-1, ::-1])):
            K[0, -1] += 1  # keep kernels asymmetric so flips and transposes show
        cases.append(_Case((X, K), ("X", "K"), H == W and k_h == k_w))
    return cases


def _loop_valid(X, K, combine):
    """Valid sliding window with a custom window-kernel combination (for mistake simulations)."""
    X, K = np.asarray(X, float), np.asarray(K, float)
    H, W = X.shape
    k_h, k_w = K.shape
    out = np.zeros((H - k_h + 1, W - k_w + 1))
    for i in range(H - k_h + 1):
        for j in range(W - k_w + 1):
            out[i, j] = combine(X[i : i + k_h, j : j + k_w], K)
    return out


def _int_mistakes(what: str = "np.zeros_like(X)"):
    return [
        _Mistake(
            "integer output",
            f"your output holds whole numbers where the answer has fractions: probably {what} on an integer "
            "input (that makes an integer array, so every float sum is truncated when stored), or int(). "
            "Create the output as a float array, e.g. np.zeros((rows, cols)).",
            lambda args, ref: np.trunc(ref) if not np.allclose(ref, np.trunc(ref)) else None,
        ),
        _Mistake(
            "rounded output",
            "your output is rounded to whole numbers; keep the exact sums (no round(), no astype(int)).",
            lambda args, ref: np.round(ref) if not np.allclose(ref, np.round(ref)) else None,
        ),
    ]


def _trunc_channels(X, K):
    """Sum over input channels of per-channel results truncated to integers (zeros_like on an int channel)."""
    X, K = np.asarray(X), np.asarray(K)
    if X.dtype.kind not in "iub":
        return None
    K4 = K if K.ndim == 4 else K[..., None]
    maps = [sum(np.trunc(corr2d(X[:, :, c], K4[:, :, c, k])) for c in range(X.shape[2])) for k in range(K4.shape[3])]
    out = np.stack(maps, axis=-1)
    return out if K.ndim == 4 else out[:, :, 0]


_TRUNC_CHANNELS = _Mistake(
    "integer output",
    "your per-channel results hold whole numbers where the answer has fractions: probably np.zeros_like(X[:, :, c]) "
    "on an integer image (that makes an integer array, so every float sum is truncated when stored). Create "
    "outputs as float arrays, e.g. np.zeros((rows, cols)).",
    lambda args, ref: _trunc_channels(args[0], args[1]),
)


_MEAN = _Mistake(
    "mean instead of sum",
    "your output is the window's mean; the formula sums the products: Y[i, j] = sum_{a,b} K[a, b] X[i+a, j+b] (use .sum(), not .mean()).",
    lambda args, ref: ref / np.asarray(args[1]).size,
)
_OUT_T = _Mistake(
    "rows and columns swapped",
    "your output is transposed: row i of the output belongs to image row i. Store the result at out[i, j] with i over rows (H - k_h + 1) and j over columns (W - k_w + 1).",
    lambda args, ref: ref.T if ref.ndim == 2 else np.swapaxes(ref, 0, 1),
)

_SHAPE_MISTAKES_2D = [
    _Mistake(
        "output one too small",
        "your output is one row and one column too small. A kernel of height k_h fits at H - k_h + 1 positions "
        "(i = 0, ..., H - k_h), so use range(H - k_h + 1) and range(W - k_w + 1).",
        lambda args, s: (s[0] - 1, s[1] - 1) + tuple(s[2:]),
    ),
    _Mistake(
        "output one too large",
        "your output is one row and one column too large: a kernel of height k_h fits at H - k_h + 1 positions, not H - k_h + 2.",
        lambda args, s: (s[0] + 1, s[1] + 1) + tuple(s[2:]),
    ),
    _Mistake(
        "output has the image's shape",
        "your output has the image's shape (H, W). Without padding ('valid') the kernel only fits at "
        "(H - k_h + 1) x (W - k_w + 1) positions: allocate np.zeros((H - k_h + 1, W - k_w + 1)), not np.zeros_like(X).",
        lambda args, s: tuple(np.shape(args[0])[:2]) + tuple(s[2:]),
    ),
    _Mistake(
        "'full' output",
        "your output has the 'full' size (H + k_h - 1) x (W + k_w - 1); the convolutional layer computes the 'valid' part, (H - k_h + 1) x (W - k_w + 1).",
        lambda args, s: (np.shape(args[0])[0] + np.shape(args[1])[0] - 1, np.shape(args[0])[1] + np.shape(args[1])[1] - 1) + tuple(s[2:]),
    ),
    _Mistake(
        "rows and columns swapped",
        "your output has its height and width swapped: rows come first, (H - k_h + 1, W - k_w + 1).",
        lambda args, s: (s[1], s[0]) + tuple(s[2:]),
    ),
]
