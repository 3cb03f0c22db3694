r"""Exercise checkers: run a student's answer on hidden cases and explain what is wrong.

Every checker follows the same contract:

* a right answer returns ``None`` and prints a success line such as
  ``✓ corr2d: all 34 hidden cases pass``;
* a wrong answer raises :class:`AssertionError` whose message starts with a
  ``Hint [tag]: ...`` that names the mistake (``[flipped kernel]``,
  ``[forgot to sum over channels]``, ``[only square inputs work]``, ...) and
  shows the first failing case with the expected and the received output;
* a stub that still raises :class:`NotImplementedError`, or an answer that is
  still ``...``, raises :class:`AssertionError` saying so.

The coding checkers call the student's function on many deterministic hidden
cases (non-square images and kernels, kernel sizes 1 to 5, float and integer
inputs, a 1x1 edge case) and compare with convlib's reference implementation.
When an output is wrong, they compare it with the outputs of known mistakes
(a flipped or transposed kernel, a wrong output shape, channels summed on the
wrong axis, integer truncation, ...) to name the mistake. They also detect a
function that modifies its input in place or raises an exception (whose type,
message and triggering case are reported).

Plain comparisons with convlib's own functions decide what is right; there are
no hidden answer keys.

Examples
--------
>>> import numpy as np
>>> from convlib import corr2d
>>> from convlib.checks import check_corr2d
>>> check_corr2d(corr2d)
✓ corr2d: all 34 hidden cases pass
>>> def my_corr2d(X, K):
...     raise NotImplementedError
>>> check_corr2d(my_corr2d)
Traceback (most recent call last):
...
AssertionError: corr2d: not implemented yet: replace the `raise NotImplementedError` with your code
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from .channels import corr2d_multi_in, corr2d_multi_in_out
from .correlate import conv2d, corr2d
from .shapes import fully_connected_params, local_params, output_shape, translation_invariant_params

__all__ = [
    "check_corr2d",
    "check_conv2d",
    "check_output_shape",
    "check_corr2d_multi_in",
    "check_corr2d_multi_in_out",
    "check_conv_layer",
    "check_local_layer",
    "check_dense_weights",
    "check_receptive_field",
    "check_dense_counts",
    "check_layer_counts",
    "check_hand_example",
    "check_edge_kernel",
    "check_pattern_kernel",
    "check_grey_kernel",
    "check_equivariance",
    "pattern_scene",
    "HAND_X",
    "HAND_K",
    "PATTERN",
    "LUMA",
    "EQUIVARIANCE_QUESTIONS",
]

NOT_IMPLEMENTED = "not implemented yet: replace the `raise NotImplementedError` with your code"
NOT_ANSWERED = "not answered yet: replace the `...` with your answer"

# ---------------------------------------------------------------------------
# shared machinery


@dataclass
class _Case:
    """One hidden test case: the arguments, their names and a short description."""

    args: tuple
    names: tuple
    square: bool = True
    note: str = ""

    def describe(self) -> str:
        parts = []
        for name, a in zip(self.names, self.args):
            if isinstance(a, np.ndarray):
                parts.append(f"{name} of shape {a.shape} ({a.dtype})")
            else:
                parts.append(f"{name}={a!r}")
        text = ", ".join(parts)
        return f"{text} [{self.note}]" if self.note else text

    def show_inputs(self) -> str:
        """The input arrays themselves when they are small enough to read."""
        lines = []
        for name, a in zip(self.names, self.args):
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


def _fmt(a) -> str:
    a = np.asarray(a)
    if a.size > 60:
        return f"<array of shape {a.shape}>"
    return np.array2string(a, precision=3, suppress_small=True, max_line_width=100)


def _fmt_any(value) -> str:
    if isinstance(value, (tuple, list)) and all(np.isscalar(v) for v in value):
        return repr(type(value)(v.item() if isinstance(v, np.generic) else v for v in value))
    if np.isscalar(value):
        return repr(value.item() if isinstance(value, np.generic) else value)
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything printable will do
        return repr(value)
    if arr.dtype == object:
        return repr(value)[:300]
    return f"{_fmt(arr)}  (shape {arr.shape}, dtype {arr.dtype})"


def _as_float_array(value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


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


def _require_callable(fn, title: str) -> None:
    if fn is Ellipsis or fn is None:
        raise AssertionError(f"{title}: {NOT_ANSWERED}")
    if not callable(fn):
        raise AssertionError(f"{title}: expected a function (pass it without calling it, e.g. check(my_fn)); got {type(fn).__name__}")


def _safe(fn, *args):
    """Run a mistake simulation; None when it does not apply to this case."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except Exception:  # noqa: BLE001 - a simulation that cannot run does not apply
        return None


def _success(title: str, n: int, unit: str = "hidden cases") -> None:
    print(f"✓ {title}: all {n} {unit} pass")


def _failure(title: str, tag: str, hint: str, record: _Record, n_failed: int, n_total: int, *, show_expected: bool = True) -> AssertionError:
    lines = [f"{title}: {n_failed} of {n_total} hidden cases fail.", f"Hint [{tag}]: {hint}", f"First failing case: {record.case.describe()}"]
    inputs = record.case.show_inputs()
    if inputs:
        lines.append(inputs)
    if show_expected:
        lines.append(f"expected: {_fmt_any(record.expected)}")
    if record.exc is not None:
        lines.append(f"your function raised {type(record.exc).__name__}: {record.exc}")
    else:
        lines.append(f"got:      {_fmt_any(record.got)}")
    return AssertionError("\n".join(lines))


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
) -> None:
    """Call ``fn`` on every case, then succeed or raise an AssertionError that names the mistake."""
    _require_callable(fn, title)
    records = []
    for case in cases:
        expected = reference(*case.args)
        args = tuple(_copy(a) for a in case.args)
        got, exc = None, None
        try:
            with np.errstate(all="ignore"):
                got = fn(*args)
        except NotImplementedError:
            raise AssertionError(f"{title}: {NOT_IMPLEMENTED}") from None
        except Exception as e:  # noqa: BLE001 - the student's code may raise anything
            exc = e
        for name, after, before in zip(case.names, args, case.args):
            if not _unchanged(after, before):
                raise AssertionError(
                    f"{title}: Hint [mutates input]: your function changed its argument {name} in place "
                    f"(case: {case.describe()}). A layer must not modify its input: work on a copy "
                    f"({name} = {name}.copy()) or build a new output array instead of writing into {name}."
                )
        if exc is None and got is None:
            raise AssertionError(
                f"{title}: Hint [returned None]: your function returned None (case: {case.describe()}). "
                "Did you forget the `return` statement? (A body of `...` does nothing.)"
            )
        record = _Record(case, expected, got, exc)
        if exc is None:
            if validate is not None:
                problem = validate(got, expected)
                if problem:
                    raise AssertionError(f"{title}: {problem} (case: {case.describe()}; got {got!r})")
            record.ok = same(got, expected)
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
            "Check that you use the height for rows and the width for columns: H, W = X.shape, h, w = K.shape, "
            "rows range(H - h + 1), columns range(W - w + 1)."
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
        hint = f"your function raised {type(r.exc).__name__}: {r.exc}"
        if "broadcast" in str(r.exc):
            hint += (
                ". A window and the kernel must have the same shape: the window at (i, j) is "
                "X[i:i+h, j:j+w] with h, w = K.shape; check your slice bounds and loop ranges"
            )
        if crash_hint:
            hint += f". {crash_hint}"
        hint += "."
        if wrong:
            hint += f" (Besides, {len(wrong)} other case(s) return wrong outputs.)"
        err = _failure(title, "exception", hint, r, n_failed, n)
        raise err from r.exc

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


def _explains(m: _Mistake, wrong: list, same: Callable) -> bool:
    defined = 0
    for r in wrong:
        out = _safe(m.fn, r.case.args, r.expected)
        if out is None:
            continue
        defined += 1
        if not same(r.got, out):
            return False
    return defined > 0


# ---------------------------------------------------------------------------
# hidden cases


_SHAPES_2D = [
    # (H, W, h, w, dtype of X, dtype of K) -- square cases first
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
    for H, W, h, w, kx, kk in _SHAPES_2D:
        X = _array(rng, (H, W), kx)
        K = _array(rng, (h, w), kk)
        if h == w and h > 1 and (np.array_equal(K, K.T) or np.array_equal(K, K[::-1, ::-1])):
            K[0, -1] += 1  # keep kernels asymmetric so flips and transposes show
        cases.append(_Case((X, K), ("X", "K"), H == W and h == w))
    return cases


def _loop_valid(X, K, combine):
    """Valid sliding window with a custom window-kernel combination (for mistake simulations)."""
    X, K = np.asarray(X, float), np.asarray(K, float)
    H, W = X.shape
    h, w = K.shape
    out = np.zeros((H - h + 1, W - w + 1))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            out[i, j] = combine(X[i : i + h, j : j + w], K)
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
    "your output is the window's mean; the formula sums the products: h[i, j] = sum_{a,b} V[a, b] x[i+a, j+b] (use .sum(), not .mean()).",
    lambda args, ref: ref / np.asarray(args[1]).size,
)
_OUT_T = _Mistake(
    "rows and columns swapped",
    "your output is transposed: row i of the output belongs to image row i. Store the result at out[i, j] with i over rows (H - h + 1) and j over columns (W - w + 1).",
    lambda args, ref: ref.T if ref.ndim == 2 else np.swapaxes(ref, 0, 1),
)

_SHAPE_MISTAKES_2D = [
    _Mistake(
        "output one too small",
        "your output is one row and one column too small. A kernel of height h fits at H - h + 1 positions "
        "(i = 0, ..., H - h), so use range(H - h + 1) and range(W - w + 1).",
        lambda args, s: (s[0] - 1, s[1] - 1) + tuple(s[2:]),
    ),
    _Mistake(
        "output one too large",
        "your output is one row and one column too large: a kernel of height h fits at H - h + 1 positions, not H - h + 2.",
        lambda args, s: (s[0] + 1, s[1] + 1) + tuple(s[2:]),
    ),
    _Mistake(
        "output has the image's shape",
        "your output has the image's shape (H, W). Without padding ('valid') the kernel only fits at "
        "(H - h + 1) x (W - w + 1) positions: allocate np.zeros((H - h + 1, W - w + 1)), not np.zeros_like(X).",
        lambda args, s: tuple(np.shape(args[0])[:2]) + tuple(s[2:]),
    ),
    _Mistake(
        "'full' output",
        "your output has the 'full' size (H + h - 1) x (W + w - 1); the convolutional layer computes the 'valid' part, (H - h + 1) x (W - w + 1).",
        lambda args, s: (np.shape(args[0])[0] + np.shape(args[1])[0] - 1, np.shape(args[0])[1] + np.shape(args[1])[1] - 1) + tuple(s[2:]),
    ),
    _Mistake(
        "rows and columns swapped",
        "your output has its height and width swapped: rows come first, (H - h + 1, W - w + 1).",
        lambda args, s: (s[1], s[0]) + tuple(s[2:]),
    ),
]


# ---------------------------------------------------------------------------
# single-channel layers


def check_corr2d(fn) -> None:
    r"""Check ``fn(X, K)``: the 2-D cross-correlation of the lecture, ``"valid"`` positions only.

    .. math:: h[i, j] = \sum_{a=0}^{h-1} \sum_{b=0}^{w-1} K[a, b] \, X[i + a, j + b]

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - h + 1, W - w + 1)``.

    Raises
    ------
    AssertionError
        With a hint naming the mistake: flipped kernel (that is convolution),
        transposed kernel or image, rows and columns swapped, output one too
        small / image-sized / 'full', matrix product instead of elementwise
        product, mean instead of sum, integer or rounded output, only square
        inputs work, input modified in place, an exception, not implemented.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_corr2d
    >>> def my_corr2d(X, K):
    ...     h, w = K.shape
    ...     Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    ...     for i in range(Y.shape[0]):
    ...         for j in range(Y.shape[1]):
    ...             Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    ...     return Y
    >>> check_corr2d(my_corr2d)
    ✓ corr2d: all 34 hidden cases pass

    Flipping the kernel computes a convolution instead:

    >>> check_corr2d(lambda X, K: my_corr2d(X, K[::-1, ::-1]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: corr2d: 32 of 34 hidden cases fail.
    Hint [flipped kernel]: ...
    """
    mistakes = [
        _Mistake(
            "flipped kernel",
            "you flipped the kernel, which computes a convolution (conv2d). The convolutional layer computes a "
            "cross-correlation: use K[a, b] as it is, h[i, j] = sum_{a,b} K[a, b] X[i+a, j+b].",
            lambda args, ref: conv2d(*args),
        ),
        _Mistake(
            "transposed kernel",
            "your result is the correlation with the transposed kernel K.T: pair K[a, b] with X[i + a, j + b] "
            "(a along rows, b along columns), not K[b, a].",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T),
        ),
        _Mistake(
            "transposed image",
            "you slid the kernel over the transposed image X.T: pair K[a, b] with X[i + a, j + b], not X[j + b, i + a].",
            lambda args, ref: corr2d(np.asarray(args[0]).T, args[1]),
        ),
        _OUT_T,
        _Mistake(
            "matrix product",
            "you combined window and kernel with a matrix product (@ or np.dot); the formula multiplies them "
            "elementwise and sums: (X[i:i+h, j:j+w] * K).sum().",
            lambda args, ref: _loop_valid(args[0], args[1], lambda win, K: (win @ K).sum()) if np.shape(args[1])[0] == np.shape(args[1])[1] else None,
        ),
        _MEAN,
        *_int_mistakes(),
    ]
    _run("corr2d", fn, _cases_2d(0), lambda X, K: corr2d(X, K), mistakes=mistakes, shape_mistakes=_SHAPE_MISTAKES_2D)


def check_conv2d(fn) -> None:
    r"""Check ``fn(X, K)``: the 2-D **convolution** (flipped kernel), ``"valid"`` positions only.

    .. math:: (K \circledast X)[i, j] = \sum_{a=0}^{h-1} \sum_{b=0}^{w-1} K[a, b] \, X[i + h - 1 - a, j + w - 1 - b],

    for ``0 <= i <= H - h`` and ``0 <= j <= W - w`` (the lecture's
    :math:`\sum_{a,b} f(a, b) g(i - a, j - b)` with the output indexed from the
    first position where the kernel fits), that is ``corr2d(X, K[::-1, ::-1])``, as :func:`convlib.conv2d` and
    :func:`scipy.signal.convolve2d` with ``mode="valid"``.

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - h + 1, W - w + 1)``.

    Raises
    ------
    AssertionError
        Hints: forgot the flip, flipped only the rows or only the columns,
        transposed instead of flipped, flipped the image (output rotated),
        flipped image and kernel, plus the shape, dtype, mutation and square
        hints of :func:`check_corr2d`.

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks import check_conv2d
    >>> check_conv2d(lambda X, K: corr2d(X, K[::-1, ::-1]))
    ✓ conv2d: all 34 hidden cases pass
    >>> check_conv2d(corr2d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: conv2d: 32 of 34 hidden cases fail.
    Hint [forgot the flip]: ...
    """
    mistakes = [
        _Mistake(
            "forgot the flip",
            "you computed the cross-correlation: convolution flips the kernel first (rotate it by 180 degrees), "
            "conv2d(X, K) = corr2d(X, K[::-1, ::-1]).",
            lambda args, ref: corr2d(*args),
        ),
        _Mistake(
            "flipped only the rows",
            "you flipped the kernel upside down only (K[::-1]); convolution flips both axes: K[::-1, ::-1].",
            lambda args, ref: corr2d(args[0], np.asarray(args[1])[::-1, :]),
        ),
        _Mistake(
            "flipped only the columns",
            "you flipped the kernel left-right only (K[:, ::-1]); convolution flips both axes: K[::-1, ::-1].",
            lambda args, ref: corr2d(args[0], np.asarray(args[1])[:, ::-1]),
        ),
        _Mistake(
            "transposed instead of flipped",
            "you transposed the kernel (K.T); the flip is a 180-degree rotation, K[::-1, ::-1], which is not a transpose.",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T),
        ),
        _Mistake(
            "flipped the image",
            "your output is the right one rotated by 180 degrees: you flipped the image (or the output) instead of the "
            "kernel. Flip only the kernel: corr2d(X, K[::-1, ::-1]).",
            lambda args, ref: ref[::-1, ::-1],
        ),
        _Mistake(
            "flipped image and kernel",
            "you flipped both the image and the kernel, which gives the cross-correlation rotated by 180 degrees. "
            "Flip only the kernel.",
            lambda args, ref: corr2d(*args)[::-1, ::-1],
        ),
        _Mistake(
            "transposed kernel",
            "your result is the convolution with the transposed kernel: pair K[a, b] with rows along a and columns along b.",
            lambda args, ref: conv2d(args[0], np.asarray(args[1]).T),
        ),
        _OUT_T,
        _MEAN,
        *_int_mistakes(),
    ]
    _run("conv2d", fn, _cases_2d(1), lambda X, K: conv2d(X, K), mistakes=mistakes, shape_mistakes=_SHAPE_MISTAKES_2D)


def _output_shape_cases() -> list:
    cases = []
    sizes = [(3, 3, 2, 2), (1, 1, 1, 1), (5, 5, 3, 3), (4, 7, 2, 3), (7, 4, 3, 2), (6, 9, 1, 5), (9, 6, 5, 1),
             (10, 3, 4, 2), (3, 10, 2, 4), (1024, 768, 5, 3), (28, 28, 5, 5), (8, 12, 8, 12), (11, 7, 4, 4)]
    for H, W, h, w in sizes:
        for mode in ("valid", "same", "full"):
            cases.append(_Case((H, W, h, w, mode), ("H", "W", "h", "w", "mode"), H == W and h == w))
    return cases


def _shape_same(got, expected) -> bool:
    try:
        return len(got) == 2 and all(int(g) == g for g in got) and tuple(int(g) for g in got) == tuple(expected)
    except (TypeError, ValueError):
        return False


def _shape_validate(got, expected) -> str:
    try:
        values = list(got)
    except TypeError:
        return f"Hint [not a pair]: return a tuple (rows, cols), e.g. ({expected[0]}, {expected[1]})"
    if len(values) != 2:
        return f"Hint [not a pair]: return exactly two numbers (rows, cols), e.g. ({expected[0]}, {expected[1]})"
    if any(isinstance(v, float) or isinstance(v, np.floating) for v in values) and all(float(v) == float(e) for v, e in zip(values, expected)):
        return "Hint [float sizes]: sizes must be integers: you returned floats (use // instead of /, or int(...))"
    return ""


def check_output_shape(fn) -> None:
    """Check ``fn(H, W, h, w, mode) -> (rows, cols)``, the output size of a 2-D cross-correlation.

    ``"valid"``: ``(H - h + 1, W - w + 1)``; ``"same"``: ``(H, W)``;
    ``"full"``: ``(H + h - 1, W + w - 1)`` (see :func:`convlib.output_shape`).

    Parameters
    ----------
    fn : callable
        ``fn(H, W, h, w, mode)`` returning a pair of ints.

    Raises
    ------
    AssertionError
        Hints: 'valid' one too small / too large, 'full' one too large / too
        small, 'same' computed like 'valid', 'full' computed like 'same', mode
        ignored, rows and columns swapped, kernel height used for both sides,
        image height used for both sides, float sizes, not a pair, None for a
        mode.

    Examples
    --------
    >>> from convlib import output_shape
    >>> from convlib.checks import check_output_shape
    >>> check_output_shape(output_shape)
    ✓ output_shape: all 39 hidden cases pass
    >>> check_output_shape(lambda H, W, h, w, mode: (H - h, W - w))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: output_shape: 39 of 39 hidden cases fail.
    Hint [mode ignored]: ...
    """

    def valid(H, W, h, w):
        return (H - h + 1, W - w + 1)

    def by_mode(table):
        def sim(args, ref):
            H, W, h, w, mode = args
            return table[mode](H, W, h, w)

        return sim

    right = {"valid": valid, "same": lambda H, W, h, w: (H, W), "full": lambda H, W, h, w: (H + h - 1, W + w - 1)}

    def variant(**changes):
        return by_mode({**right, **changes})

    mistakes = [
        _Mistake(
            "'valid' one too small",
            "in 'valid' mode a kernel of height h fits at H - h + 1 positions (i = 0, ..., H - h): add 1.",
            variant(valid=lambda H, W, h, w: (H - h, W - w)),
        ),
        _Mistake(
            "'valid' one too large",
            "in 'valid' mode a kernel of height h fits at H - h + 1 positions, not H - h + 2.",
            variant(valid=lambda H, W, h, w: (H - h + 2, W - w + 2)),
        ),
        _Mistake(
            "'full' one too large",
            "in 'full' mode the kernel overlaps the image at H + h - 1 positions (from i = -(h - 1) to H - 1), not H + h.",
            variant(full=lambda H, W, h, w: (H + h, W + w)),
        ),
        _Mistake(
            "'full' one too small",
            "in 'full' mode the kernel overlaps the image at H + h - 1 positions (from i = -(h - 1) to H - 1), not H + h - 2.",
            variant(full=lambda H, W, h, w: (H + h - 2, W + w - 2)),
        ),
        _Mistake(
            "'full' padded on one side only",
            "'full' pads h - 1 rows on BOTH sides: (H + 2(h - 1)) - h + 1 = H + h - 1.",
            variant(full=lambda H, W, h, w: (H, W)),
        ),
        _Mistake(
            "'same' computed like 'valid'",
            "'same' pads the image so that the output keeps the image's size: (H, W).",
            variant(same=valid),
        ),
        _Mistake(
            "rows and columns swapped",
            "you return (cols, rows); return the number of rows first: (H', W').",
            lambda args, ref: (ref[1], ref[0]),
        ),
        _Mistake(
            "kernel height used for both sides",
            "you used the kernel height h for the width as well: the columns depend on w.",
            lambda args, ref: right[args[4]](args[0], args[1], args[2], args[2]),
        ),
        _Mistake(
            "image height used for both sides",
            "you used the image height H for the width as well: the columns depend on W.",
            lambda args, ref: right[args[4]](args[0], args[0], args[2], args[3]),
        ),
        _Mistake(
            "H and h mixed up",
            "you subtracted the image from the kernel: 'valid' is (H - h + 1, W - w + 1) with H the image and h the kernel.",
            variant(valid=lambda H, W, h, w: (h - H + 1, w - W + 1)),
        ),
        *[
            _Mistake(
                "mode ignored",
                "you return the same kind of size for every mode; 'valid' is (H - h + 1, W - w + 1), 'same' is (H, W) "
                "and 'full' is (H + h - 1, W + w - 1): look at the mode argument.",
                (lambda args, ref, f=f: f(*args[:4])),
            )
            for f in (valid, right["same"], right["full"], lambda H, W, h, w: (H - h, W - w))
        ],
    ]

    def validate(got, expected):
        return _shape_validate(got, expected)

    def same(got, expected):
        return _shape_same(got, expected)

    _run(
        "output_shape",
        fn,
        _output_shape_cases(),
        lambda H, W, h, w, mode: output_shape(H, W, h, w, mode),
        mistakes=mistakes,
        same=same,
        validate=validate,
    )


# ---------------------------------------------------------------------------
# multi-channel layers


def _cases_multi_in(seed: int = 2) -> list:
    rng = np.random.default_rng(seed)
    X0 = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)
    K0 = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)
    cases = [_Case((X0, K0), ("X", "K"), True, "D2L's two-channel example")]
    shapes = [
        (1, 1, 1, 1, 1, "f"), (5, 5, 2, 2, 3, "f"), (6, 6, 3, 3, 2, "f"), (7, 7, 4, 4, 3, "f"), (4, 4, 1, 1, 4, "f"),
        (6, 6, 5, 5, 2, "f"), (5, 5, 3, 3, 3, "i"), (6, 6, 2, 2, 2, "if"),
        (4, 7, 2, 3, 3, "f"), (7, 4, 3, 2, 3, "f"), (5, 9, 1, 5, 2, "f"), (9, 5, 5, 1, 2, "f"), (6, 8, 3, 3, 4, "f"),
        (8, 6, 2, 4, 1, "f"), (3, 6, 2, 2, 3, "f"), (6, 3, 2, 2, 3, "f"), (5, 7, 2, 3, 2, "if"), (4, 6, 3, 4, 3, "f32"),
        (2, 5, 2, 4, 5, "f"), (7, 5, 4, 2, 2, "i"),
    ]
    for H, W, h, w, C, kind in shapes:
        X = _array(rng, (H, W, C), "i" if kind in ("i", "if") else kind)
        K = _array(rng, (h, w, C), "i" if kind == "i" else ("f" if kind == "if" else kind))
        cases.append(_Case((X, K), ("X", "K"), H == W and h == w))
    return cases


def _per_channel(X, K, op=corr2d):
    X, K = np.asarray(X), np.asarray(K)
    return np.stack([op(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])], axis=-1)


_CHANNEL_CRASH_HINT = "Channels are on the LAST axis: X[:, :, c] has shape (H, W) and K[:, :, c] has shape (h, w)"


def check_corr2d_multi_in(fn) -> None:
    r"""Check ``fn(X, K)``: cross-correlation of an ``(H, W, C)`` image with an ``(h, w, C)`` kernel, summed over channels.

    .. math:: h[i, j] = \sum_c \sum_{a, b} K[a, b, c] \, X[i + a, j + b, c]

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - h + 1, W - w + 1)``.

    Raises
    ------
    AssertionError
        Hints: forgot to sum over channels (output keeps a channel axis, last
        or first), summed over the wrong axis, channels taken from the first
        axis (``zip(X, K)``), used only the first channel, mean over
        channels, every input channel paired with every kernel slice, kernel
        channels in reverse order, flipped kernel, transposed kernel, plus the
        shape, dtype, mutation and square hints of :func:`check_corr2d`.

    Examples
    --------
    >>> from convlib import corr2d, corr2d_multi_in
    >>> from convlib.checks import check_corr2d_multi_in
    >>> check_corr2d_multi_in(lambda X, K: sum(corr2d(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])))
    ✓ corr2d_multi_in: all 21 hidden cases pass
    >>> check_corr2d_multi_in(lambda X, K: corr2d(X[:, :, 0], K[:, :, 0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: corr2d_multi_in: 19 of 21 hidden cases fail.
    Hint [used only the first channel]: ...
    """
    mistakes = [
        _Mistake(
            "forgot to sum over channels",
            "your output keeps one map per channel (shape (H', W', C)); the layer adds the channels up: "
            "h[i, j] = sum_c corr2d(X[:, :, c], K[:, :, c]). Sum the per-channel results.",
            lambda args, ref: _per_channel(*args),
        ),
        _Mistake(
            "forgot to sum over channels",
            "your output stacks one map per channel on axis 0 (shape (C, H', W')); add the channels up: "
            "np.stack(maps).sum(axis=0), or sum(maps).",
            lambda args, ref: np.moveaxis(_per_channel(*args), -1, 0),
        ),
        _Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps) (shape (C, H', W')) sum over axis 0.",
            lambda args, ref: np.moveaxis(_per_channel(*args), -1, 0).sum(axis=-1),
        ),
        _Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps, axis=-1) (shape (H', W', C)) sum over axis -1.",
            lambda args, ref: _per_channel(*args).sum(axis=0),
        ),
        _Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps, axis=-1) (shape (H', W', C)) sum over axis -1, not axis 1.",
            lambda args, ref: _per_channel(*args).sum(axis=1),
        ),
        _Mistake(
            "channels on the first axis",
            "zip(X, K) and X[c] walk along the FIRST axis (image rows), not the channels. " + _CHANNEL_CRASH_HINT + ".",
            lambda args, ref: sum(corr2d(x, k) for x, k in zip(np.asarray(args[0]), np.asarray(args[1]))),
        ),
        _Mistake(
            "used only the first channel",
            "your output uses only channel 0; sum the correlations of ALL channels: sum over c of corr2d(X[:, :, c], K[:, :, c]).",
            lambda args, ref: corr2d(np.asarray(args[0])[:, :, 0], np.asarray(args[1])[:, :, 0]),
        ),
        _Mistake(
            "mean over channels",
            "you averaged over the channels; the formula sums over c (no division by C).",
            lambda args, ref: ref / np.shape(args[0])[2],
        ),
        _Mistake(
            "paired every channel with every kernel slice",
            "you added corr2d(X[:, :, c], K[:, :, d]) for all pairs (c, d); channel c of the image goes with slice c of the kernel only.",
            lambda args, ref: sum(corr2d(np.asarray(args[0])[:, :, c], np.asarray(args[1])[:, :, d]) for c in range(np.shape(args[0])[2]) for d in range(np.shape(args[1])[2])),
        ),
        _Mistake(
            "kernel channels in reverse order",
            "image channel c must be paired with kernel slice c (same index), not with slice C - 1 - c.",
            lambda args, ref: corr2d_multi_in(args[0], np.asarray(args[1])[:, :, ::-1]),
        ),
        _Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer cross-correlates: use K[a, b, c] as it is.",
            lambda args, ref: _per_channel(*args, op=conv2d).sum(axis=-1),
        ),
        _Mistake(
            "transposed kernel",
            "your result uses each kernel slice transposed: pair K[a, b, c] with X[i + a, j + b, c].",
            lambda args, ref: corr2d_multi_in(args[0], np.swapaxes(np.asarray(args[1]), 0, 1)),
        ),
        _OUT_T,
        _Mistake(
            "mean instead of sum",
            "your output is a mean; the formula sums the products over a, b and c.",
            lambda args, ref: ref / np.asarray(args[1]).size,
        ),
        *_int_mistakes(),
        _TRUNC_CHANNELS,
    ]
    _run(
        "corr2d_multi_in",
        fn,
        _cases_multi_in(),
        lambda X, K: corr2d_multi_in(X, K),
        mistakes=mistakes,
        shape_mistakes=_SHAPE_MISTAKES_2D,
        crash_hint=_CHANNEL_CRASH_HINT,
    )


def _cases_multi_in_out(seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    shapes = [
        (1, 1, 1, 1, 1, 1, "f"), (5, 5, 2, 2, 2, 2, "f"), (6, 6, 3, 3, 3, 3, "f"), (4, 4, 1, 1, 3, 2, "f"),
        (7, 7, 4, 4, 2, 3, "f"), (5, 5, 3, 3, 2, 2, "i"), (6, 6, 2, 2, 3, 3, "if"), (6, 6, 5, 5, 1, 2, "f"),
        (4, 7, 2, 3, 3, 2, "f"), (7, 4, 3, 2, 2, 3, "f"), (5, 9, 1, 5, 2, 2, "f"), (9, 5, 5, 1, 3, 3, "f"),
        (6, 8, 3, 3, 3, 4, "f"), (8, 6, 2, 4, 4, 1, "f"), (3, 6, 2, 2, 1, 3, "f"), (6, 3, 2, 2, 3, 1, "f"),
        (5, 7, 2, 3, 2, 2, "if"), (4, 6, 3, 4, 3, 3, "f32"), (5, 8, 1, 1, 3, 2, "f"), (7, 5, 4, 2, 2, 2, "i"),
    ]
    cases = []
    for H, W, h, w, ci, co, kind in shapes:
        X = _array(rng, (H, W, ci), "i" if kind in ("i", "if") else kind)
        K = _array(rng, (h, w, ci, co), "i" if kind == "i" else ("f" if kind == "if" else kind))
        cases.append(_Case((X, K), ("X", "K"), H == W and h == w))
    return cases


def _mio_no_sum(X, K, op=corr2d):
    X, K = np.asarray(X), np.asarray(K)
    return np.stack(
        [np.stack([op(X[:, :, c], K[:, :, c, k]) for k in range(K.shape[3])], axis=-1) for c in range(X.shape[2])], axis=2
    )  # (H', W', C_in, C_out)


def _mio_swapped_io(X, K):
    """The student read K as (h, w, C_out, C_in): output channel k uses K[:, :, k, c]."""
    X, K = np.asarray(X), np.asarray(K)
    maps = []
    for k in range(K.shape[2]):
        maps.append(sum(corr2d(X[:, :, c], K[:, :, k, c]) for c in range(K.shape[3])))
    return np.stack(maps, axis=-1)


_LAYOUT_HINT = (
    "The kernel is indexed V[a, b, c, k]: shape (h, w, C_in, C_out), input channel c on axis 2 and output channel k "
    "on axis 3 (not PyTorch's (C_out, C_in, h, w)); X is (H, W, C_in) with channels last"
)


def _mio_mistakes(op_name: str = "corr2d_multi_in_out"):
    return [
        _Mistake(
            "output channels first",
            "your output is (C_out, H', W'); convlib keeps channels last: (H', W', C_out). Stack the maps with axis=-1.",
            lambda args, ref: np.moveaxis(ref, -1, 0),
        ),
        _Mistake(
            "forgot to sum over input channels",
            "your output keeps the input-channel axis (H', W', C_in, C_out); each output channel k adds up its input channels: "
            "h[:, :, k] = sum_c corr2d(X[:, :, c], K[:, :, c, k]).",
            lambda args, ref: _mio_no_sum(*args),
        ),
        _Mistake(
            "summed over the output channels",
            "you summed over the output channels k instead of the input channels c: for each k, sum over c.",
            lambda args, ref: _mio_no_sum(*args).sum(axis=3),
        ),
        _Mistake(
            "(C_out, C_in) order mixed",
            "you read the kernel as (h, w, C_out, C_in). " + _LAYOUT_HINT + ".",
            lambda args, ref: _mio_swapped_io(*args),
        ),
        _Mistake(
            "same kernel for every output channel",
            "every output channel uses the kernel of channel 0: output channel k must use K[:, :, :, k].",
            lambda args, ref: np.repeat(corr2d_multi_in(args[0], np.asarray(args[1])[:, :, :, 0])[:, :, None], np.shape(args[1])[3], axis=2),
        ),
        _Mistake(
            "only one output channel",
            "you computed only output channel 0 (shape (H', W')); compute one map per output channel and stack them on the last axis.",
            lambda args, ref: ref[:, :, 0],
        ),
        _Mistake(
            "only one output channel",
            "you computed only output channel 0; compute one map per output channel k = 0 .. C_out - 1 and stack them on the last axis.",
            lambda args, ref: ref[:, :, :1],
        ),
        _Mistake(
            "output channels in reverse order",
            "output channel k must come from K[:, :, :, k]; your channels come out in reverse order.",
            lambda args, ref: ref[:, :, ::-1],
        ),
        _Mistake(
            "mean over input channels",
            "you averaged over the input channels; the formula sums over c.",
            lambda args, ref: ref / np.shape(args[0])[2],
        ),
        _Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer cross-correlates: use V[a, b, c, k] as it is.",
            lambda args, ref: _mio_no_sum(*args, op=conv2d).sum(axis=2),
        ),
        _Mistake(
            "transposed kernel",
            "your result uses each kernel slice transposed: pair V[a, b, c, k] with X[i + a, j + b, c].",
            lambda args, ref: corr2d_multi_in_out(args[0], np.swapaxes(np.asarray(args[1]), 0, 1)),
        ),
        _Mistake(
            "rows and columns swapped",
            "your output has rows and columns swapped: (H', W', C_out) with H' rows.",
            lambda args, ref: np.swapaxes(ref, 0, 1),
        ),
        *_int_mistakes(),
        _TRUNC_CHANNELS,
    ]


def check_corr2d_multi_in_out(fn) -> None:
    r"""Check ``fn(X, K)``: the convolutional layer's full operation, without bias.

    .. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c]

    Parameters
    ----------
    fn : callable
        ``fn(X, K)`` with ``X`` of shape ``(H, W, C_in)`` and ``K`` of shape
        ``(h, w, C_in, C_out)``, returning ``(H - h + 1, W - w + 1, C_out)``.

    Raises
    ------
    AssertionError
        Hints: output channels first, forgot to sum over input channels,
        summed over the output channels, (C_out, C_in) order mixed, the same
        kernel for every output channel, only one output channel, output
        channels reversed, mean over input channels, flipped or transposed
        kernel, rows and columns swapped, plus the shape, dtype, mutation and
        square hints of :func:`check_corr2d`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d_multi_in
    >>> from convlib.checks import check_corr2d_multi_in_out
    >>> check_corr2d_multi_in_out(lambda X, K: np.stack([corr2d_multi_in(X, K[..., k]) for k in range(K.shape[3])], axis=-1))
    ✓ corr2d_multi_in_out: all 20 hidden cases pass
    >>> check_corr2d_multi_in_out(lambda X, K: np.stack([corr2d_multi_in(X, K[..., k]) for k in range(K.shape[3])]))
    Traceback (most recent call last):
    ...
    AssertionError: corr2d_multi_in_out: 19 of 20 hidden cases fail.
    Hint [output channels first]: your output is (C_out, H', W'); convlib keeps channels last: (H', W', C_out). Stack the maps with axis=-1.
    First failing case: X of shape (5, 5, 2) (float64), K of shape (2, 2, 2, 2) (float64)
    ...
    """
    _run(
        "corr2d_multi_in_out",
        fn,
        _cases_multi_in_out(),
        lambda X, K: corr2d_multi_in_out(X, K),
        mistakes=_mio_mistakes(),
        shape_mistakes=_SHAPE_MISTAKES_2D,
        crash_hint=_LAYOUT_HINT,
    )


def check_conv_layer(fn) -> None:
    r"""Check ``fn(X, K, b)``: a convolutional layer's forward pass with one bias per output channel.

    .. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c] + b[k]

    Parameters
    ----------
    fn : callable
        ``fn(X, K, b)`` with ``X`` ``(H, W, C_in)``, ``K`` ``(h, w, C_in, C_out)``
        and ``b`` ``(C_out,)``, returning ``(H - h + 1, W - w + 1, C_out)``.

    Raises
    ------
    AssertionError
        Hints: forgot the bias, bias added once per input channel, bias
        subtracted, bias added to output channel 0 only, bias of the wrong
        channel (reversed), plus every hint of :func:`check_corr2d_multi_in_out`.

    Examples
    --------
    >>> from convlib import corr2d_multi_in_out
    >>> from convlib.checks import check_conv_layer
    >>> check_conv_layer(lambda X, K, b: corr2d_multi_in_out(X, K) + b)
    ✓ conv layer: all 20 hidden cases pass
    >>> check_conv_layer(lambda X, K, b: corr2d_multi_in_out(X, K))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: conv layer: 20 of 20 hidden cases fail.
    Hint [forgot the bias]: ...
    """
    rng = np.random.default_rng(4)
    cases = []
    for c in _cases_multi_in_out(5):
        X, K = c.args
        b = np.round(rng.uniform(-2, 2, size=K.shape[3]), 2) + 0.5
        if K.shape[3] > 1:
            b[0], b[-1] = b[0] + 0.25, b[-1] - 0.25  # never symmetric, so a reversed bias shows
        cases.append(_Case((X, K, b), ("X", "K", "b"), c.square))

    def ref_fn(X, K, b):
        return corr2d_multi_in_out(X, K) + b

    def no_bias(args):
        return corr2d_multi_in_out(args[0], args[1])

    lifted = []
    for m in _mio_mistakes():
        # the same mistakes, applied to the bias-free part, with the bias added correctly where it can be
        def sim(args, ref, m=m):
            base = corr2d_multi_in_out(args[0], args[1])
            out = m.fn(args[:2], base)
            if out is None:
                return None
            out = np.asarray(out, dtype=float)
            b = np.asarray(args[2], dtype=float)
            if m.tag == "output channels first" and out.ndim == 3:
                return out + b[:, None, None]
            if out.ndim >= 1 and out.shape[-1] == b.size:
                return out + b
            return out
        lifted.append(_Mistake(m.tag, m.hint, sim))
    mistakes = [
        _Mistake(
            "forgot the bias",
            "your output has no bias: add b[k] to every pixel of output channel k (out + b broadcasts over the last axis).",
            lambda args, ref: no_bias(args),
        ),
        _Mistake(
            "bias added once per input channel",
            "you added the bias inside the sum over input channels, so it counts C_in times: add b[k] once, after the sum.",
            lambda args, ref: no_bias(args) + np.shape(args[0])[2] * np.asarray(args[2]) if np.shape(args[0])[2] > 1 else None,
        ),
        _Mistake(
            "bias subtracted",
            "you subtracted the bias; the layer adds it: h = corr + b.",
            lambda args, ref: no_bias(args) - np.asarray(args[2]),
        ),
        _Mistake(
            "bias on output channel 0 only",
            "only output channel 0 got its bias; output channel k gets b[k] (out + b broadcasts over the last axis).",
            lambda args, ref: no_bias(args) + np.eye(np.size(args[2]))[0] * np.asarray(args[2])[0] if np.size(args[2]) > 1 else None,
        ),
        _Mistake(
            "bias of the wrong channel",
            "output channel k must get b[k]; your biases come in reverse order.",
            lambda args, ref: no_bias(args) + np.asarray(args[2])[::-1],
        ),
        *lifted,
    ]
    _run("conv layer", fn, cases, ref_fn, mistakes=mistakes, shape_mistakes=_SHAPE_MISTAKES_2D, crash_hint=_LAYOUT_HINT + "; b has shape (C_out,)")


# ---------------------------------------------------------------------------
# chapter 1 and 2: dense weights, locality, receptive fields


def _dense_reference(V, H, W):
    V = np.asarray(V, dtype=float)
    h, w = V.shape
    Ho, Wo = H - h + 1, W - w + 1
    Wd = np.zeros((Ho, Wo, H, W))
    for i in range(Ho):
        for j in range(Wo):
            Wd[i, j, i : i + h, j : j + w] = V
    return Wd


def _dense_minus(V, H, W):
    """W[i, j, i - a, j - b] = V[a, b] where the index exists (the convolution's sign)."""
    V = np.asarray(V, dtype=float)
    h, w = V.shape
    Ho, Wo = H - h + 1, W - w + 1
    Wd = np.zeros((Ho, Wo, H, W))
    for i in range(Ho):
        for j in range(Wo):
            for a in range(h):
                for b in range(w):
                    if i - a >= 0 and j - b >= 0:
                        Wd[i, j, i - a, j - b] = V[a, b]
    return Wd


def check_dense_weights(fn) -> None:
    r"""Check ``fn(V, H, W)``: the fully connected weight tensor of a valid cross-correlation.

    The layer ``h = corr2d(x, V)`` is a fully connected layer
    ``h[i, j] = sum_{k, l} W[i, j, k, l] x[k, l]`` whose weights are
    ``W[i, j, i + a, j + b] = V[a, b]`` and zero elsewhere. ``fn`` returns
    that tensor, of shape ``(H - h + 1, W - w + 1, H, W)``.

    Raises
    ------
    AssertionError
        Hints: flipped kernel, transposed kernel, i - a instead of i + a,
        the kernel does not move with (i, j), axes in the order (k, l, i, j),
        hidden rows and columns swapped, hidden layer as large as the image,
        hidden layer one too small, integer or rounded weights, square only.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_dense_weights
    >>> def dense(V, H, W):
    ...     h, w = V.shape
    ...     Wd = np.zeros((H - h + 1, W - w + 1, H, W))
    ...     for i in range(H - h + 1):
    ...         for j in range(W - w + 1):
    ...             Wd[i, j, i:i + h, j:j + w] = V
    ...     return Wd
    >>> check_dense_weights(dense)
    ✓ dense weights: all 16 hidden cases pass
    """
    rng = np.random.default_rng(6)
    cases = []
    for H, W, h, w, kind in [(3, 3, 2, 2, "i"), (1, 1, 1, 1, "f"), (4, 4, 3, 3, "f"), (5, 5, 2, 2, "f"), (4, 4, 1, 1, "f"), (5, 5, 3, 3, "if"),
                             (4, 6, 2, 3, "f"), (6, 4, 3, 2, "f"), (3, 5, 1, 4, "f"), (5, 3, 4, 1, "f"), (5, 7, 3, 3, "f"),
                             (6, 5, 2, 2, "f"), (4, 5, 4, 5, "f"), (2, 6, 2, 2, "f"), (6, 6, 2, 5, "f"), (5, 6, 2, 3, "if")]:
        V = _array(rng, (h, w), "f" if kind == "if" else kind)
        if kind == "if":
            V = V + 0.25
        cases.append(_Case((V, H, W), ("V", "H", "W"), H == W and h == w))
    mistakes = [
        _Mistake(
            "flipped kernel",
            "your weights hold the flipped kernel: W[i, j, i + a, j + b] = V[a, b] with V as it is (the layer cross-correlates).",
            lambda args, ref: _dense_reference(np.asarray(args[0])[::-1, ::-1], args[1], args[2]),
        ),
        _Mistake(
            "transposed kernel",
            "your weights hold the transposed kernel: a is the row offset and b the column offset, W[i, j, i + a, j + b] = V[a, b].",
            lambda args, ref: _dense_reference(np.asarray(args[0]).T, args[1], args[2]),
        ),
        _Mistake(
            "i - a instead of i + a",
            "you placed V[a, b] at (i - a, j - b); the lecture re-indexes k = i + a and l = j + b: W[i, j, i + a, j + b] = V[a, b].",
            lambda args, ref: _dense_minus(*args),
        ),
        _Mistake(
            "kernel does not move",
            "every hidden pixel (i, j) sees the same image pixels: the window must move with (i, j), W[i, j, i + a, j + b] = V[a, b].",
            lambda args, ref: np.broadcast_to(_dense_reference(args[0], args[1], args[2])[0, 0], ref.shape).copy(),
        ),
        _Mistake(
            "axes in the wrong order",
            "your tensor is indexed (k, l, i, j); the lecture's is W[i, j, k, l]: hidden pixel first, image pixel last.",
            lambda args, ref: ref.transpose(2, 3, 0, 1),
        ),
        _Mistake(
            "hidden rows and columns swapped",
            "your first two axes are (j, i); the hidden pixel (i, j) is row i, column j.",
            lambda args, ref: ref.transpose(1, 0, 2, 3),
        ),
        _Mistake(
            "hidden layer as large as the image",
            "your hidden layer has H x W pixels; without padding it has (H - h + 1) x (W - w + 1) (the windows that fit).",
            lambda args, ref: np.pad(ref, ((0, args[1] - ref.shape[0]), (0, args[2] - ref.shape[1]), (0, 0), (0, 0))),
        ),
        _Mistake(
            "hidden layer one too small",
            "your hidden layer is one row and one column too small: there are H - h + 1 positions (i = 0, ..., H - h).",
            lambda args, ref: ref[:-1, :-1] if ref.shape[0] > 1 and ref.shape[1] > 1 else None,
        ),
        *_int_mistakes("np.zeros_like(V)"),
    ]
    _run("dense weights", fn, cases, _dense_reference, mistakes=mistakes, shape_mistakes=[])


def check_local_layer(fn) -> None:
    r"""Check ``fn(X, V)``: the lecture's local layer with zero padding (``corr2d(X, V, "same")``).

    .. math:: h[i, j] = \sum_{a=-\Delta}^{\Delta} \sum_{b=-\Delta}^{\Delta} V[a, b] \, x[i + a, j + b]

    ``V`` is stored as a ``(2 Delta + 1) x (2 Delta + 1)`` array, so the
    lecture's ``V[a, b]`` is ``V[a + Delta, b + Delta]``; pixels outside the
    image count as zero; the output has the image's shape.

    Raises
    ------
    AssertionError
        Hints: no padding ('valid' output), 'full' output, flipped kernel,
        transposed kernel, wrap-around instead of zeros, edge padding instead
        of zeros, output shifted by Delta (V[a, b] used for offset (a, b)
        without the + Delta), negative indices wrap around, mean instead of
        sum, integer output, square only, mutation, exception.

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks import check_local_layer
    >>> check_local_layer(lambda X, V: corr2d(X, V, "same"))
    ✓ local layer: all 20 hidden cases pass
    """
    rng = np.random.default_rng(7)
    cases = []
    for H, W, d, kind in [(1, 1, 0, "f"), (5, 5, 1, "f"), (6, 6, 2, "f"), (4, 4, 0, "f"), (7, 7, 1, "i"), (6, 6, 1, "if"), (5, 5, 2, "f32"),
                          (4, 7, 1, "f"), (7, 4, 1, "f"), (5, 9, 2, "f"), (9, 5, 2, "f"), (3, 8, 1, "f"), (8, 3, 1, "f"),
                          (2, 6, 1, "f"), (6, 2, 1, "f"), (5, 8, 1, "i"), (7, 5, 1, "if"), (4, 6, 2, "f"), (1, 5, 1, "f"), (3, 3, 2, "f")]:
        X = _array(rng, (H, W), "i" if kind in ("i", "if") else kind)
        V = _array(rng, (2 * d + 1, 2 * d + 1), "i" if kind == "i" else ("f" if kind == "if" else kind))
        cases.append(_Case((X, V), ("X", "V"), H == W, f"Delta = {d}"))

    def pad_then(mode):
        def sim(args, ref):
            X, V = np.asarray(args[0], float), np.asarray(args[1], float)
            d = V.shape[0] // 2
            return corr2d(np.pad(X, d, mode=mode), V)

        return sim

    mistakes = [
        _Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer uses V[a, b] with x[i + a, j + b].",
            lambda args, ref: conv2d(args[0], args[1], "same"),
        ),
        _Mistake(
            "transposed kernel",
            "your result uses the transposed kernel: a is the row offset, b the column offset.",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T, "same"),
        ),
        _Mistake(
            "wrap-around instead of zeros",
            "near the border you used pixels from the opposite side (np.roll or modulo indexing); pixels outside the image count as zero.",
            pad_then("wrap"),
        ),
        _Mistake(
            "edge padding instead of zeros",
            "near the border you repeated the edge pixels; pixels outside the image count as zero (np.pad's default mode='constant').",
            pad_then("edge"),
        ),
        _Mistake(
            "output shifted by Delta",
            "your output is shifted: V[a + Delta, b + Delta] is the weight of offset (a, b) with a, b from -Delta to Delta, "
            "so the window of h[i, j] is centred on x[i, j] (pad Delta zeros on each side, then slide).",
            lambda args, ref: corr2d(np.pad(np.asarray(args[0], float), ((0, np.shape(args[1])[0] - 1), (0, np.shape(args[1])[1] - 1))), args[1]),
        ),
        _Mistake(
            "negative indices wrap around",
            "you indexed V[a, b] with a, b from -Delta to Delta: in Python V[-1] is the LAST row, so the kernel is rolled. Use V[a + Delta, b + Delta].",
            lambda args, ref: corr2d(args[0], np.roll(np.asarray(args[1]), (np.shape(args[1])[0] // 2, np.shape(args[1])[1] // 2), axis=(0, 1)), "same"),
        ),
        _Mistake(
            "mean instead of sum",
            "your output is the window's mean; the formula sums the products.",
            lambda args, ref: ref / np.asarray(args[1]).size,
        ),
        _Mistake(
            "rows and columns swapped",
            "your output is transposed: h[i, j] belongs to image row i and column j, shape (H, W).",
            lambda args, ref: ref.T,
        ),
        *_int_mistakes(),
    ]
    shape_mistakes = [
        _Mistake(
            "no padding",
            "your output is the 'valid' size (H - 2 Delta) x (W - 2 Delta); the local layer pads with zeros so that h has the image's shape (H, W).",
            lambda args, s: (s[0] - np.shape(args[1])[0] + 1, s[1] - np.shape(args[1])[1] + 1),
        ),
        _Mistake(
            "'full' output",
            "your output has the 'full' size (H + 2 Delta) x (W + 2 Delta); h[i, j] exists for the image's pixels only: shape (H, W).",
            lambda args, s: (s[0] + np.shape(args[1])[0] - 1, s[1] + np.shape(args[1])[1] - 1),
        ),
        _Mistake(
            "rows and columns swapped",
            "your output has its height and width swapped: (H, W).",
            lambda args, s: (s[1], s[0]),
        ),
    ]
    _run("local layer", fn, cases, lambda X, V: corr2d(X, V, "same"), mistakes=mistakes, shape_mistakes=shape_mistakes)


def check_receptive_field(fn) -> None:
    r"""Check ``fn(delta, layers) -> int``: the side of the receptive field of ``layers`` stacked local layers.

    Each layer sees ``x[i + a, j + b]`` for ``a, b`` in ``-Delta .. Delta``;
    stacking ``L`` of them lets one output pixel see a square of side
    ``2 L Delta + 1`` pixels of the input.

    Raises
    ------
    AssertionError
        Hints: (2 Delta + 1) L, (2 Delta + 1)^L, L Delta + 1 (one side only),
        layers ignored, 2 L Delta (forgot the centre pixel), area instead of
        side, (2 Delta + 1) + L - 1, float result.

    Examples
    --------
    >>> from convlib.checks import check_receptive_field
    >>> check_receptive_field(lambda delta, layers: 2 * layers * delta + 1)
    ✓ receptive field: all 20 hidden cases pass
    >>> check_receptive_field(lambda delta, layers: (2 * delta + 1) * layers)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: receptive field: 15 of 20 hidden cases fail.
    Hint [sides multiplied]: ...
    """
    cases = [_Case((d, L), ("delta", "layers")) for d in (0, 1, 2, 3, 5) for L in (1, 2, 3, 4)]

    def same(got, expected):
        try:
            return not isinstance(got, bool) and int(got) == got and int(got) == expected
        except (TypeError, ValueError):
            return False

    def validate(got, expected):
        try:
            if float(got) == expected and isinstance(got, (float, np.floating)):
                return "Hint [float result]: a side length is a whole number of pixels: return an int"
        except (TypeError, ValueError):
            return "Hint [not a number]: return the side length as an int"
        return ""

    mistakes = [
        _Mistake("sides multiplied", "stacking does not multiply the window sizes: each layer adds Delta pixels on each side, so the side grows by 2 Delta per layer.",
                 lambda args, ref: (2 * args[0] + 1) * args[1]),
        _Mistake("exponential growth", "the receptive field grows linearly, not exponentially: each layer adds Delta pixels on each side.",
                 lambda args, ref: (2 * args[0] + 1) ** args[1]),
        _Mistake("one side only", "a layer reaches Delta pixels in BOTH directions (a from -Delta to Delta): each layer adds 2 Delta to the side.",
                 lambda args, ref: args[1] * args[0] + 1),
        _Mistake("layers ignored", "with more layers an output pixel sees more of the input: layer 2 sees the windows of layer 1's pixels.",
                 lambda args, ref: 2 * args[0] + 1),
        _Mistake("forgot the centre pixel", "the window also contains the centre pixel: side = 2 L Delta + 1.",
                 lambda args, ref: 2 * args[1] * args[0]),
        _Mistake("area instead of side", "you returned the area (number of pixels); return the side length of the square.",
                 lambda args, ref: ref**2),
        _Mistake("grows by one per layer", "each extra layer adds Delta pixels on EACH side, i.e. 2 Delta to the side, not 1.",
                 lambda args, ref: 2 * args[0] + args[1]),
        _Mistake("off by one layer", "one layer alone has side 2 Delta + 1; L layers have 2 L Delta + 1.",
                 lambda args, ref: 2 * (args[1] - 1) * args[0] + 1),
    ]
    _run("receptive field", fn, cases, lambda d, L: 2 * L * d + 1, mistakes=mistakes, same=same, validate=validate, square_rule=False)


# ---------------------------------------------------------------------------
# by-hand answers


def _check_numbers(title: str, answers: dict, expected: dict, known: dict) -> None:
    """Compare named numeric answers; ``known[name]`` maps a wrong value to a hint."""
    for name, value in answers.items():
        if value is Ellipsis or value is None:
            raise AssertionError(f"{title}: {name} is {NOT_ANSWERED}")
    for name, value in answers.items():
        exp = expected[name]
        try:
            ok = float(value) == float(exp)
        except (TypeError, ValueError):
            raise AssertionError(f"{title}: {name} must be a number; got {value!r}") from None
        if ok:
            continue
        for wrong, (tag, hint) in known.get(name, {}).items():
            if float(value) == float(wrong):
                raise AssertionError(f"{title}: {name} = {value} is not right. Hint [{tag}]: {hint}")
        raise AssertionError(f"{title}: {name} = {value} is not right. Hint [wrong number]: recount step by step with the formula from the chapter.")
    print(f"✓ {title}: {', '.join(answers)} correct")


def check_dense_counts(fc_weights, ti_weights) -> None:
    """Check the weight counts for a 480 x 640 grey image (480 rows, 640 columns) mapped to a hidden layer of the same size.

    Parameters
    ----------
    fc_weights : int
        Weights ``W[i, j, k, l]`` of the fully connected layer, ``(H W)^2``.
    ti_weights : int
        Weights ``V[a, b]`` left after translation invariance: one per offset,
        ``(2H - 1)(2W - 1)``.

    Examples
    --------
    >>> from convlib.checks import check_dense_counts
    >>> check_dense_counts((480 * 640) ** 2, 959 * 1279)
    ✓ weight counts: fc_weights, ti_weights correct
    >>> check_dense_counts(480 * 640, 959 * 1279)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: weight counts: fc_weights = 307200 is not right. Hint [one hidden pixel only]: ...
    """
    H, W = 480, 640
    n = H * W
    expected = {"fc_weights": fully_connected_params(H, W), "ti_weights": translation_invariant_params(H, W)}
    known = {
        "fc_weights": {
            n: ("one hidden pixel only", "that is the weights of ONE hidden pixel; each of the H W hidden pixels has its own H W weights."),
            2 * n: ("added instead of multiplied", "every (hidden pixel, image pixel) pair has a weight: (H W) x (H W)."),
            H**2 * W: ("one factor missing", "W[i, j, k, l] has four indices: i and k run over H rows, j and l over W columns."),
            H * W**2: ("one factor missing", "W[i, j, k, l] has four indices: i and k run over H rows, j and l over W columns."),
            H**4: ("square image assumed", "the image has H = 480 rows and W = 640 columns: (H W)^2."),
            W**4: ("square image assumed", "the image has H = 480 rows and W = 640 columns: (H W)^2."),
        },
        "ti_weights": {
            n: ("offsets only positive", "the offset a = k - i runs from -(H - 1) to H - 1: 2H - 1 values, and b over 2W - 1 values."),
            (2 * H) * (2 * W): ("one offset too many", "a runs from -(H - 1) to H - 1: that is 2H - 1 values, not 2H."),
            (2 * H + 1) * (2 * W + 1): ("one offset too many", "a runs from -(H - 1) to H - 1: that is 2H - 1 values, not 2H + 1."),
            (2 * H - 1) ** 2: ("square image assumed", "b runs over the columns: 2W - 1 = 1279 values, a over the rows: 2H - 1 = 959."),
            (2 * W - 1) ** 2: ("square image assumed", "a runs over the rows: 2H - 1 = 959 values, b over the columns: 2W - 1 = 1279."),
            n**2: ("nothing was dropped", "translation invariance drops the dependence on (i, j): only the offset (a, b) is left."),
            1: ("too few", "translation invariance keeps one weight per OFFSET (a, b), not a single weight."),
        },
    }
    _check_numbers("weight counts", {"fc_weights": fc_weights, "ti_weights": ti_weights}, expected, known)


def check_layer_counts(fc_weights, local_weights) -> None:
    """Check the counts for a 1024 x 1024 RGB image mapped to a 1024 x 1024 x 64 hidden layer, with Delta = 2.

    Parameters
    ----------
    fc_weights : int
        Fully connected: ``(H W)^2 C_in C_out`` (no bias).
    local_weights : int
        Convolutional (translation invariant and local):
        ``(2 Delta + 1)^2 C_in C_out`` (no bias).

    Examples
    --------
    >>> from convlib.checks import check_layer_counts
    >>> check_layer_counts(1024**4 * 3 * 64, 5 * 5 * 3 * 64)
    ✓ layer counts: fc_weights, local_weights correct
    >>> check_layer_counts(1024**4 * 3 * 64, 5 * 5 * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: layer counts: local_weights = 1600 is not right. Hint [forgot the input channels]: ...
    """
    H = W = 1024
    c_in, c_out, delta = 3, 64, 2
    expected = {"fc_weights": fully_connected_params(H, W, c_in, c_out), "local_weights": local_params(delta, c_in, c_out)}
    fc = fully_connected_params(H, W)
    known = {
        "fc_weights": {
            fc: ("forgot the channels", "with channels every weight W[i, j, k, l] exists once per (input channel, output channel) pair: multiply by C_in C_out."),
            fc * c_in: ("forgot the output channels", "multiply by C_out = 64 too: each output channel has its own weights."),
            fc * c_out: ("forgot the input channels", "multiply by C_in = 3 too: each output pixel sums over the 3 input channels."),
            H * W * c_in * c_out: ("one hidden pixel only", "that is one hidden pixel's weights; there are H W of them."),
        },
        "local_weights": {
            25 * c_out: ("forgot the input channels", "the kernel V[a, b, c, k] has an input-channel index c: multiply by C_in = 3."),
            25 * c_in: ("forgot the output channels", "the kernel V[a, b, c, k] has an output-channel index k: multiply by C_out = 64."),
            25: ("forgot the channels", "V[a, b, c, k] has four indices: (2 Delta + 1)^2 offsets times C_in times C_out."),
            9 * c_in * c_out: ("window side Delta + 1", "a runs from -Delta to Delta: 2 Delta + 1 = 5 values, not Delta + 1."),
            16 * c_in * c_out: ("window side 2 Delta", "a runs from -Delta to Delta: 2 Delta + 1 = 5 values including 0, not 2 Delta."),
            4 * c_in * c_out: ("window side Delta", "a runs from -Delta to Delta: 2 Delta + 1 = 5 values, not Delta."),
            25 * c_in * c_out + c_out: ("counted the biases", "count the kernel weights only here (the question leaves out the 64 biases)."),
            5 * c_in * c_out: ("one axis only", "the window is square: (2 Delta + 1) values of a times (2 Delta + 1) values of b."),
        },
    }
    _check_numbers("layer counts", {"fc_weights": fc_weights, "local_weights": local_weights}, expected, known)


HAND_X = np.array([[2, 0, 1], [1, 3, 0], [0, 1, 2]])
"""The 3 x 3 input of the by-hand exercise in the chapter on convolution vs correlation."""
HAND_K = np.array([[1, 2], [-1, 0]])
"""The 2 x 2 kernel of the by-hand exercise."""


def check_hand_example(corr, conv) -> None:
    """Check the by-hand cross-correlation and convolution of :data:`HAND_X` with :data:`HAND_K`.

    Parameters
    ----------
    corr : array_like, shape (2, 2)
        ``corr2d(HAND_X, HAND_K)``, computed by hand.
    conv : array_like, shape (2, 2)
        ``conv2d(HAND_X, HAND_K)``, computed by hand.

    Examples
    --------
    >>> from convlib.checks import check_hand_example
    >>> check_hand_example([[1, -1], [7, 2]], [[5, 5], [-2, 4]])
    ✓ by-hand example: corr and conv correct
    >>> check_hand_example([[5, 5], [-2, 4]], [[1, -1], [7, 2]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: by-hand example: corr is not right. Hint [swapped]: ...
    """
    X, K = HAND_X, HAND_K
    right = {"corr": corr2d(X, K), "conv": conv2d(X, K)}
    answers = {"corr": corr, "conv": conv}
    for name, value in answers.items():
        if value is Ellipsis or value is None:
            raise AssertionError(f"by-hand example: {name} is {NOT_ANSWERED}")
    for name, value in answers.items():
        other = right["conv" if name == "corr" else "corr"]
        g = _as_float_array(value)
        if g is None:
            raise AssertionError(f"by-hand example: {name} must be a 2 x 2 array of numbers; got {value!r}")
        if g.shape != (2, 2):
            raise AssertionError(
                f"by-hand example: {name} is not right. Hint [wrong shape]: a 3 x 3 input and a 2 x 2 kernel give a "
                f"(3 - 2 + 1) x (3 - 2 + 1) = 2 x 2 output; you gave shape {g.shape}."
            )
        if np.array_equal(g, right[name]):
            continue
        if np.array_equal(g, other):
            what = "the convolution (with the flipped kernel)" if name == "corr" else "the cross-correlation (without the flip)"
            raise AssertionError(f"by-hand example: {name} is not right. Hint [swapped]: this is {what}.")
        if np.array_equal(g, right[name].T):
            raise AssertionError(f"by-hand example: {name} is not right. Hint [transposed]: row i of the output belongs to window row i.")
        if name == "conv" and np.array_equal(g, corr2d(X, K[::-1])) or name == "conv" and np.array_equal(g, corr2d(X, K[:, ::-1])):
            raise AssertionError("by-hand example: conv is not right. Hint [flipped one axis]: flip the kernel along both axes (rotate it by 180 degrees).")
        if name == "conv" and np.array_equal(g, corr2d(X, K.T)):
            raise AssertionError("by-hand example: conv is not right. Hint [transposed instead of flipped]: the flip is a 180-degree rotation, not a transpose.")
        bad = [(i, j) for i in range(2) for j in range(2) if g[i, j] != right[name][i, j]]
        i, j = bad[0]
        kernel = "K" if name == "corr" else "the flipped kernel K[::-1, ::-1]"
        raise AssertionError(
            f"by-hand example: {name} is not right. Hint [entry ({i}, {j})]: {len(bad)} of 4 entries differ; the first is ({i}, {j}). "
            f"Its window is X[{i}:{i + 2}, {j}:{j + 2}] = {X[i:i + 2, j:j + 2].tolist()}: multiply it elementwise with {kernel} and add up."
        )
    print("✓ by-hand example: corr and conv correct")


# ---------------------------------------------------------------------------
# design a kernel


def _edge_images():
    """Hidden test images: (name, image, kind) with kind in {'horizontal', 'vertical', 'flat'}."""
    rng = np.random.default_rng(8)
    images = []
    for H, W in [(8, 8), (7, 10), (10, 7)]:
        levels = np.round(rng.uniform(0, 1, size=3), 2)
        Xh = np.full((H, W), levels[0])
        Xh[H // 2 :] = levels[1]  # a horizontal edge between two rows
        Xh[: H // 4] = levels[2]
        images.append((f"horizontal edges, {H}x{W}", Xh, "horizontal"))
        Xv = np.full((H, W), levels[0])
        Xv[:, W // 2 :] = levels[1]
        Xv[:, : W // 4] = levels[2]
        images.append((f"vertical edges, {H}x{W}", Xv, "vertical"))
        images.append((f"constant image, {H}x{W}", np.full((H, W), levels[2] + 0.5), "flat"))
        ramp = np.tile(np.linspace(0, 1, W), (H, 1))
        images.append((f"left-to-right ramp, {H}x{W}", ramp, "vertical"))
    return images


def check_edge_kernel(K) -> None:
    """Check a kernel that detects **horizontal** edges: brightness changing from one row to the next.

    Requirements, tested on hidden images with ``corr2d(X, K)`` (valid):

    * the output is (numerically) zero on a constant image;
    * zero on every image whose brightness changes only from left to right
      (vertical edges, horizontal ramps);
    * non-zero on the rows where an image changes from top to bottom, and zero
      on the rows away from such an edge.

    Any size up to 5 x 5 works, e.g. ``[[1], [-1]]`` or the Sobel kernel for y.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_edge_kernel
    >>> check_edge_kernel(np.array([[1.0], [-1.0]]))
    ✓ horizontal-edge kernel: all 12 hidden images pass
    >>> check_edge_kernel(np.array([[1.0, -1.0]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: horizontal-edge kernel: Hint [vertical edges]: ...
    """
    title = "horizontal-edge kernel"
    if K is Ellipsis or K is None:
        raise AssertionError(f"{title}: {NOT_ANSWERED}")
    Karr = _as_float_array(K)
    if Karr is None or Karr.ndim != 2 or Karr.size == 0:
        raise AssertionError(f"{title}: Hint [not a 2-D kernel]: K must be a 2-D array of numbers such as np.array([[1.0], [-1.0]]); got {K!r}")
    if Karr.shape[0] > 5 or Karr.shape[1] > 5:
        raise AssertionError(f"{title}: Hint [too large]: keep the kernel at most 5 x 5; got shape {Karr.shape}")
    if not np.all(np.isfinite(Karr)):
        raise AssertionError(f"{title}: Hint [not finite]: the kernel holds NaN or inf")
    images = _edge_images()
    scale = float(np.abs(Karr).sum()) or 1.0
    tol = 1e-9 * scale
    if float(np.abs(Karr).max()) == 0:
        raise AssertionError(f"{title}: Hint [all zeros]: an all-zero kernel responds to nothing; it must respond to horizontal edges.")
    for name, X, kind in images:
        Y = corr2d(X, Karr)
        if kind == "flat" and np.abs(Y).max() > tol:
            raise AssertionError(
                f"{title}: Hint [responds to flat regions]: on a constant image ({name}) your output is "
                f"{float(Y.flat[0]):.3g}, not 0. An edge detector must ignore constant brightness: make the entries sum to zero."
            )
    for name, X, kind in images:
        Y = corr2d(X, Karr)
        if kind == "vertical" and np.abs(Y).max() > tol:
            col_sums = Karr.sum(axis=0)
            row_sums = Karr.sum(axis=1)
            vertical_detector = np.allclose(row_sums, 0, atol=tol)
            detail = (
                "you built a VERTICAL-edge detector (it compares columns, e.g. [[1, -1]]); a horizontal edge is a change from one row to the next: "
                "compare rows, e.g. [[1], [-1]] (your kernel transposed)."
                if vertical_detector
                else f"it must ignore changes from left to right: make every column of K sum to zero (your column sums: {np.round(col_sums, 3).tolist()})."
            )
            raise AssertionError(f"{title}: Hint [vertical edges]: your kernel responds to the image '{name}', whose brightness only changes from left to right: {detail}")
    for name, X, kind in images:
        if kind != "horizontal":
            continue
        Y = corr2d(X, Karr)
        rows = np.abs(Y).max(axis=1) > tol
        h = Karr.shape[0]
        # rows of Y whose window straddles an edge of X
        changes = np.flatnonzero(np.any(X[1:] != X[:-1], axis=1))  # edge between row r and r + 1
        straddle = np.zeros(Y.shape[0], dtype=bool)
        for r in changes:
            straddle[max(0, r - h + 2) : r + 1] = True
        if not rows[straddle].any():
            raise AssertionError(
                f"{title}: Hint [misses horizontal edges]: on '{name}' your output is zero everywhere, also where the brightness "
                "changes from one row to the next. Give the kernel rows with different sums, e.g. [[1], [-1]]."
            )
        if rows[~straddle].any():
            raise AssertionError(f"{title}: Hint [responds away from edges]: on '{name}' your output is non-zero on rows far from every edge.")
    print(f"✓ {title}: all {len(images)} hidden images pass")


PATTERN = np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]], dtype=float)
"""The 3 x 3 'T' pattern to find in :func:`check_pattern_kernel` (1 = bright, 0 = dark)."""


_DISTRACTORS = {
    "filled 3x3 square": np.ones((3, 3)),
    "upside-down T": PATTERN[::-1, ::-1].copy(),
    "sideways T": PATTERN.T.copy(),
    "plus sign": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float),
    "horizontal bar": np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=float),
}


def _scene(rng, H: int, W: int):
    """A dark H x W scene with the T and every distractor once, in random cells of a 4-pixel grid (1-pixel gaps)."""
    X = np.zeros((H, W))
    slots = [(r, c) for r in range(0, H - 2, 4) for c in range(0, W - 2, 4)]
    order = rng.permutation(len(slots))
    placed = {}
    for (name, P), k in zip([("T", PATTERN)] + list(_DISTRACTORS.items()), order):
        r, c = slots[k]
        X[r : r + 3, c : c + 3] = P
        placed[name] = (r, c)
    return X, placed


def _pattern_scenes():
    """The hidden scenes of :func:`check_pattern_kernel`: (name, image, positions)."""
    rng = np.random.default_rng(9)
    scenes = []
    for s, (H, W) in enumerate([(12, 16), (16, 12), (14, 14), (12, 20), (20, 12), (15, 17)]):
        X, placed = _scene(rng, H, W)
        scenes.append((f"scene {s + 1} ({H}x{W})", X, placed))
    return scenes


def pattern_scene(seed: int = 0):
    """An example scene like the hidden ones of :func:`check_pattern_kernel`.

    Returns
    -------
    X : numpy.ndarray, shape (12, 16)
        A dark image (0) with the bright (1) T of :data:`PATTERN` and five
        look-alikes: a filled square, an upside-down T, a sideways T, a plus
        sign and a bar.
    positions : dict
        Top-left corner of each shape, e.g. ``positions["T"]``.

    Examples
    --------
    >>> from convlib.checks import PATTERN, pattern_scene
    >>> X, positions = pattern_scene()
    >>> r, c = positions["T"]
    >>> bool((X[r:r + 3, c:c + 3] == PATTERN).all())
    True
    """
    return _scene(np.random.default_rng(1000 + seed), 12, 16)


def check_pattern_kernel(K) -> None:
    """Check a 3 x 3 kernel whose cross-correlation peaks exactly where the 'T' of :data:`PATTERN` sits.

    Each hidden binary scene (0 = dark, 1 = bright) contains the T once, plus
    distractors: a filled 3 x 3 square, an upside-down T, a sideways T, a plus
    sign and a bar. ``corr2d(X, K)`` must have its **unique** maximum at the
    T's top-left corner.

    Examples
    --------
    >>> from convlib.checks import PATTERN, check_pattern_kernel
    >>> check_pattern_kernel(2 * PATTERN - 1)
    ✓ pattern kernel: the T is found in all 6 hidden scenes
    >>> check_pattern_kernel(PATTERN)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: pattern kernel: Hint [bright blobs]: ...
    """
    title = "pattern kernel"
    if K is Ellipsis or K is None:
        raise AssertionError(f"{title}: {NOT_ANSWERED}")
    Karr = _as_float_array(K)
    if Karr is None or Karr.shape != (3, 3):
        shape = None if Karr is None else Karr.shape
        raise AssertionError(f"{title}: Hint [wrong shape]: the kernel must be 3 x 3 like the pattern, so that its position is the T's top-left corner; got shape {shape}")
    if not np.all(np.isfinite(Karr)):
        raise AssertionError(f"{title}: Hint [not finite]: the kernel holds NaN or inf")
    scenes = _pattern_scenes()
    for name, X, placed in scenes:
        Y = corr2d(X, Karr)
        target = placed["T"]
        peak = Y[target]
        others = Y.copy()
        others[target] = -np.inf
        if peak > others.max() + 1e-9:
            continue
        # which distractor wins (or ties)?
        rivals = [(d, pos) for d, pos in placed.items() if d != "T" and Y[pos] >= peak - 1e-9]
        if rivals:
            d, pos = max(rivals, key=lambda item: Y[item[1]])
            verb = "ties with" if abs(Y[pos] - peak) <= 1e-9 else "beats"
            if d == "filled 3x3 square":
                tag, advice = "bright blobs", (
                    "a kernel that only rewards the T's bright pixels responds at least as strongly to any bright blob that covers them. "
                    "Give NEGATIVE weights where the T is dark, e.g. 2 * PATTERN - 1, so extra bright pixels lower the score."
                )
            elif d == "upside-down T":
                tag, advice = "flipped kernel", "your kernel finds the T rotated by 180 degrees: corr2d uses the kernel as it is, so do not flip the pattern."
            elif d == "sideways T":
                tag, advice = "transposed kernel", "your kernel finds the T transposed: K[a, b] must match PATTERN[a, b] (rows a, columns b)."
            else:
                tag, advice = "not specific", "make the kernel reward the T's bright pixels AND penalise bright pixels where the T is dark."
            raise AssertionError(
                f"{title}: Hint [{tag}]: in {name} the response at the {d} ({Y[pos]:.3g} at {pos}) {verb} the response at the T "
                f"({peak:.3g} at {target}). {advice}"
            )
        pos = tuple(int(v) for v in np.unravel_index(np.argmax(others), Y.shape))
        raise AssertionError(
            f"{title}: Hint [peak elsewhere]: in {name} your strongest response ({others.max():.3g}) is at {pos}, "
            f"not at the T's top-left corner {target} ({peak:.3g}). Start from the pattern itself: K = 2 * PATTERN - 1."
        )
    print(f"✓ {title}: the T is found in all {len(scenes)} hidden scenes")


LUMA = np.array([0.299, 0.587, 0.114])
"""ITU-R 601 luma weights for (R, G, B), as used by :func:`convlib.photo_gray`."""


def check_grey_kernel(K) -> None:
    """Check a 1 x 1 kernel of shape ``(1, 1, 3, 1)`` that turns an RGB image into grey levels.

    ``corr2d_multi_in_out(X, K)[:, :, 0]`` must equal
    ``0.299 R + 0.587 G + 0.114 B`` (:data:`LUMA`, the weights of
    :func:`convlib.photo_gray`) on hidden RGB images.

    Examples
    --------
    >>> from convlib.checks import LUMA, check_grey_kernel
    >>> check_grey_kernel(LUMA.reshape(1, 1, 3, 1))
    ✓ grey kernel: matches 0.299 R + 0.587 G + 0.114 B on all 3 hidden images
    >>> check_grey_kernel(LUMA.reshape(1, 1, 1, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: grey kernel: Hint [C_in and C_out swapped]: ...
    """
    title = "grey kernel"
    if K is Ellipsis or K is None:
        raise AssertionError(f"{title}: {NOT_ANSWERED}")
    Karr = _as_float_array(K)
    if Karr is None:
        raise AssertionError(f"{title}: K must be an array of numbers; got {K!r}")
    if Karr.shape != (1, 1, 3, 1):
        if Karr.size == 3 and Karr.shape == (1, 1, 1, 3):
            tag, hint = "C_in and C_out swapped", "a kernel is (h, w, C_in, C_out): 3 input channels (R, G, B) and 1 output channel, shape (1, 1, 3, 1)."
        elif Karr.size == 3:
            tag, hint = "wrong shape", f"a kernel for corr2d_multi_in_out has four axes (h, w, C_in, C_out) = (1, 1, 3, 1); reshape your {Karr.shape} array with .reshape(1, 1, 3, 1)."
        else:
            tag, hint = "wrong shape", "the kernel is 1 x 1 in space, with 3 input channels and 1 output channel: shape (1, 1, 3, 1)."
        raise AssertionError(f"{title}: Hint [{tag}]: {hint} (got shape {Karr.shape})")
    w = Karr.reshape(3)
    rng = np.random.default_rng(10)
    images = [rng.uniform(0, 1, size=s) for s in [(4, 6, 3), (7, 5, 3), (1, 1, 3)]]
    if all(np.allclose(corr2d_multi_in_out(X, Karr)[:, :, 0], X @ LUMA, atol=1e-6) for X in images):
        print(f"✓ {title}: matches 0.299 R + 0.587 G + 0.114 B on all {len(images)} hidden images")
        return
    if np.allclose(w, LUMA[::-1]):
        tag, hint = "channels reversed", "that is B, G, R order; the channels are R, G, B: 0.299 for red, 0.587 for green, 0.114 for blue."
    elif np.allclose(w, w[0]):
        tag, hint = "plain average", "equal weights give the plain mean of R, G and B; the eye is most sensitive to green: use 0.299, 0.587, 0.114."
    elif np.isclose(w.sum(), 255.0) or np.allclose(w, LUMA * 255) or np.allclose(w, LUMA * 100):
        tag, hint = "wrong scale", "the weights must add up to 1 so that white stays 1: 0.299 + 0.587 + 0.114 = 1."
    elif not np.isclose(w.sum(), 1.0):
        tag, hint = "brightness changes", f"your weights add up to {w.sum():.3g}, so a white pixel does not stay 1; the luma weights add up to 1."
    else:
        tag, hint = "wrong weights", "use the ITU-R 601 luma weights of convlib.photo_gray: 0.299 R + 0.587 G + 0.114 B."
    raise AssertionError(f"{title}: Hint [{tag}]: {hint} (your weights: {np.round(w, 4).tolist()})")


# ---------------------------------------------------------------------------
# reasoning: equivariance and invariance

EQUIVARIANCE_QUESTIONS = {
    "corr2d with zero padding ('same')": "equivariant",
    "ReLU applied to every pixel": "equivariant",
    "sum of all pixels": "invariant",
    "maximum over all pixels": "invariant",
    "corr2d ('same'), then the maximum over all pixels": "invariant",
    "fully connected layer with random weights": "neither",
    "adding a fixed bias image b[i, j] that differs from pixel to pixel": "neither",
}
"""Operations f of the equivariance quiz and the right answer for each (ignoring image borders)."""

_EQUIVARIANCE_WHY = {
    "corr2d with zero padding ('same')": "every output pixel uses the same kernel on its own window: shift the image and the windows, hence the outputs, shift with it.",
    "ReLU applied to every pixel": "a per-pixel operation treats every position the same way, so shifting before or after gives the same result.",
    "sum of all pixels": "the sum does not care where a pixel is: shifting the image leaves the total unchanged.",
    "maximum over all pixels": "the maximum does not care where the largest pixel is: shifting leaves it unchanged.",
    "corr2d ('same'), then the maximum over all pixels": "the correlation shifts with the image (equivariant) and the global maximum then forgets the position (invariant): the composition is invariant.",
    "fully connected layer with random weights": "every hidden pixel has its own weights W[i, j, k, l]: a shifted image meets different weights, so the output changes in no simple way.",
    "adding a fixed bias image b[i, j] that differs from pixel to pixel": "the bias stays where it is while the image moves: f(shifted x) = shifted x + b, which is neither f(x) nor f(x) shifted.",
}


def check_equivariance(answers) -> None:
    """Check the equivariance quiz: for each operation of :data:`EQUIVARIANCE_QUESTIONS`, say what shifting the input does.

    ``"equivariant"``: shifting the input shifts the output the same way;
    ``"invariant"``: shifting the input leaves the output unchanged;
    ``"neither"``. Image borders are ignored.

    Parameters
    ----------
    answers : dict
        Maps every question (the keys of :data:`EQUIVARIANCE_QUESTIONS`) to
        ``"equivariant"``, ``"invariant"`` or ``"neither"``.

    Examples
    --------
    >>> from convlib.checks import EQUIVARIANCE_QUESTIONS, check_equivariance
    >>> check_equivariance(dict(EQUIVARIANCE_QUESTIONS))
    ✓ equivariance quiz: all 7 answers correct
    """
    title = "equivariance quiz"
    if answers is Ellipsis or answers is None:
        raise AssertionError(f"{title}: {NOT_ANSWERED}")
    if not isinstance(answers, dict):
        raise AssertionError(f"{title}: answers must be a dict mapping each question to 'equivariant', 'invariant' or 'neither'")
    missing = [q for q in EQUIVARIANCE_QUESTIONS if q not in answers]
    if missing:
        raise AssertionError(f"{title}: these questions have no answer (the keys must be copied exactly): {missing}")
    choices = ("equivariant", "invariant", "neither")
    for q in EQUIVARIANCE_QUESTIONS:
        a = answers[q]
        if a is Ellipsis or a is None:
            raise AssertionError(f"{title}: '{q}' is {NOT_ANSWERED} ('equivariant', 'invariant' or 'neither')")
        if not isinstance(a, str) or a.strip().lower() not in choices:
            raise AssertionError(f"{title}: the answer for '{q}' must be 'equivariant', 'invariant' or 'neither'; got {a!r}")
    wrong = [q for q in EQUIVARIANCE_QUESTIONS if answers[q].strip().lower() != EQUIVARIANCE_QUESTIONS[q]]
    if wrong:
        q = wrong[0]
        raise AssertionError(
            f"{title}: {len(wrong)} of {len(EQUIVARIANCE_QUESTIONS)} answers are not right. "
            f"Hint [{q}]: not '{answers[q].strip().lower()}'. Shift x by one pixel and compare f(shifted x) with f(x) and with f(x) shifted. "
            f"Reason: {_EQUIVARIANCE_WHY[q]}"
        )
    print(f"✓ {title}: all {len(EQUIVARIANCE_QUESTIONS)} answers correct")
