r"""Checkers for the advanced design exercises: kernels built from a principle, and a floating-point question.

* :func:`check_direction_edge_kernel`: a function ``v -> kernel`` that
  detects edges across an arbitrary direction ``v``, tested on linear ramps
  and rotated step images;
* :func:`check_second_derivative_kernel`: a kernel that gives the second
  derivative along the rows, tested on polynomial images;
* :func:`check_float_equality`: are D2L 7.4's ``Y1`` and ``Y2`` exactly
  equal, and why (not)?

The hints state the principle a kernel violates (what it must do on a
constant image, on a ramp, on a step), measured on the student's kernel;
they never print a kernel to copy.
"""

from __future__ import annotations

import math

import numpy as np

from ..correlate import corr2d
from .calls import DEFAULT_TIME_LIMIT, call_student, describe_exception, safe_repr
from .engine import NOT_ANSWERED, NOT_IMPLEMENTED, CheckFailed, answer_array, require_callable

__all__ = [
    "check_direction_edge_kernel",
    "check_second_derivative_kernel",
    "check_float_equality",
    "float_example",
    "FLOAT_REASONS",
]


def _kernel_problem(title: str, K, limit: int = 5) -> np.ndarray:
    """``K`` as a 2-D finite float array of at most ``limit x limit``, or a CheckFailed naming what is wrong."""
    Karr = answer_array(title, "K", K)
    if Karr.ndim != 2 or Karr.size == 0:
        raise CheckFailed(
            f"{title}: Hint [not a 2-D kernel]: the kernel must be a 2-D array of numbers (rows and columns); got shape {Karr.shape}"
        )
    if Karr.shape[0] > limit or Karr.shape[1] > limit:
        raise CheckFailed(
            f"{title}: Hint [too large]: keep the kernel at most {limit} x {limit}; got shape {Karr.shape}"
        )
    if not np.all(np.isfinite(Karr)):
        raise CheckFailed(f"{title}: Hint [not finite]: the kernel holds NaN or inf")
    if not np.any(Karr):
        raise CheckFailed(f"{title}: Hint [all zeros]: an all-zero kernel responds to nothing.")
    return Karr


def _moments(K: np.ndarray):
    """Sum, first moments (rows, columns) and second moments (ii, ij, jj) of ``K[a, b]``: its response to 1, i, j, i^2, ij, j^2."""
    a, b = np.mgrid[0 : K.shape[0], 0 : K.shape[1]]
    return (
        K.sum(),
        np.array([np.sum(K * a), np.sum(K * b)]),
        np.array([np.sum(K * a * a), np.sum(K * a * b), np.sum(K * b * b)]),
    )


# ---------------------------------------------------------------------------
# an edge detector for any direction


_DIRECTIONS_DEG = (0, 90, 45, 180, 30, 135, 210, 270, 300, 333, 120, 17)
_STEP_SIZE = 24
_STEP_WIDTH = 1.0  # pixels over which a rotated step rises (a sigmoid): sharp but without aliasing
_LEAK_RATIO = 0.25  # the largest response to a step along the edge, over the largest across it


def _step_image(n) -> np.ndarray:
    """A square image whose brightness rises from 0 to 1 across a straight edge through the centre, increasing along ``n``."""
    i, j = np.mgrid[0:_STEP_SIZE, 0:_STEP_SIZE]
    c = (_STEP_SIZE - 1) / 2
    return 1.0 / (1.0 + np.exp(-((i - c) * n[0] + (j - c) * n[1]) / _STEP_WIDTH))


def _angle(u) -> float:
    return math.degrees(math.atan2(u[0], u[1])) % 360


def check_direction_edge_kernel(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(v) -> K``: a kernel that detects edges across the direction ``v = (v_i, v_j)``.

    ``v`` is given in the lecture's index order, ``(rows, columns)``: ``(1, 0)``
    points down the image (``i`` grows), ``(0, 1)`` to the right (``j`` grows);
    its length is arbitrary (not 0). ``K`` (any size up to 5 x 5) must make
    ``corr2d(X, K)``

    * zero on a constant image;
    * on a linear ramp (brightness rising steadily along some direction ``g``)
      proportional to how fast the brightness rises along ``v``: positive when
      it rises along ``v``, zero when it rises across ``v``;
    * on rotated step images: strong across an edge whose brightness rises
      along ``v``, and weak (less than a third of that) across an edge that runs
      along ``v``.

    Raises
    ------
    CheckFailed
        Hints: responds to flat regions, ignores v, sign (or flipped kernel),
        rows and columns swapped, row axis pointing up, along the edge instead
        of across it, responds to edges along v, wrong direction, not a kernel,
        exception, time limit.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_direction_edge_kernel
    >>> check_direction_edge_kernel(lambda v: np.array([[1.0, -1.0]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: direction edge kernel: Hint [ignores v]: ...
    """
    title = "direction edge kernel"
    require_callable(fn, title)
    cases = []
    for index, degrees in enumerate(_DIRECTIONS_DEG):
        length = (1.0, 2.5, 0.4)[index % 3]
        t = math.radians(degrees)
        cases.append((degrees, (length * math.sin(t), length * math.cos(t))))
    moments = []
    for degrees, v in cases:
        outcome = call_student(fn, (v,), time_limit)
        shown = f"v = ({v[0]:.3g}, {v[1]:.3g}) ({degrees} degrees from the +j axis towards +i)"
        if outcome.timed_out:
            raise CheckFailed(
                f"{title}: Hint [time limit]: your function did not return within {time_limit:g} s for {shown}."
            )
        if isinstance(outcome.exc, NotImplementedError):
            raise CheckFailed(f"{title}: {NOT_IMPLEMENTED}")
        if outcome.exc is not None:
            raise CheckFailed(
                f"{title}: Hint [exception]: for {shown} your function raised {describe_exception(outcome.exc)}."
            )
        if outcome.value is None:
            raise CheckFailed(
                f"{title}: Hint [returned None]: for {shown} your function returned None. Did you forget the `return`?"
            )
        K = _kernel_problem(title, outcome.value)
        total, first, _ = _moments(K)
        scale = float(np.abs(K).sum())
        if abs(total) > 1e-9 * scale:
            raise CheckFailed(
                f"{title}: Hint [responds to flat regions]: for {shown} your kernel's entries add up to {total:.3g}, so a constant "
                "image gives a non-zero output. An edge detector must ignore constant brightness."
            )
        moments.append((degrees, v, K, first, scale))
    firsts = [m[3] for m in moments]
    if all(
        np.allclose(f, firsts[0], atol=1e-9 * max(1.0, float(np.abs(firsts[0]).max())))
        for f in firsts
    ):
        raise CheckFailed(
            f"{title}: Hint [ignores v]: your function returns kernels that respond to the same ramp direction "
            f"({_angle(firsts[0]):.0f} degrees) whatever v is. The kernel must be built from v's two components."
        )
    along_v = math.cos(math.radians(3))  # directions within 3 degrees count as the same
    directions = []
    for degrees, v, K, m, scale in moments:
        shown = f"v = ({v[0]:.3g}, {v[1]:.3g}) ({degrees} degrees)"
        size = float(np.hypot(*m))
        if size <= 1e-9 * scale:
            raise CheckFailed(
                f"{title}: Hint [misses ramps]: for {shown} your kernel gives 0 on every linear ramp, so it cannot tell which way the "
                "brightness rises. Its response to a ramp must grow with the rate of change along v."
            )
        directions.append(m / size)
    units = [np.asarray(v) / np.hypot(*v) for _, v, _, _, _ in moments]
    if not all(float(d @ u) >= along_v for d, u in zip(directions, units, strict=True)):
        across_v = "v is the direction in which the brightness changes (across the edge), not the direction in which the edge runs."
        candidates = [
            (
                "sign",
                lambda u: -u,
                "your kernel responds NEGATIVELY where the brightness rises along v (a kernel designed for "
                "convolution does that: corr2d does not flip). Brightness rising along v must give a positive output.",
            ),
            (
                "rows and columns swapped",
                lambda u: np.array([u[1], u[0]]),
                "your kernel treats v's first component as the column "
                "direction. v = (v_i, v_j): v_i along the row index i (down), v_j along the column index j (right).",
            ),
            (
                "row axis pointing up",
                lambda u: np.array([-u[0], u[1]]),
                "your kernel reads v_i as 'up'. The row index i grows "
                "DOWNWARDS, so v_i > 0 points down the image.",
            ),
            (
                "column axis mirrored",
                lambda u: np.array([u[0], -u[1]]),
                "your kernel reads v_j as 'left'. The column index j grows to the RIGHT.",
            ),
            (
                "along the edge, not across it",
                lambda u: np.array([-u[1], u[0]]),
                "your kernel responds to brightness changing perpendicular to v. " + across_v,
            ),
            (
                "along the edge, not across it",
                lambda u: np.array([u[1], -u[0]]),
                "your kernel responds to brightness changing perpendicular to v. " + across_v,
            ),
        ]
        for tag, wrong, hint in candidates:
            if all(float(d @ wrong(u)) >= along_v for d, u in zip(directions, units, strict=True)):
                raise CheckFailed(f"{title}: Hint [{tag}]: on every hidden direction: {hint}")
        index = next(
            n
            for n, (d, u) in enumerate(zip(directions, units, strict=True))
            if float(d @ u) < along_v
        )
        degrees, v = moments[index][:2]
        raise CheckFailed(
            f"{title}: Hint [wrong direction]: for v = ({v[0]:.3g}, {v[1]:.3g}) ({degrees} degrees) your kernel responds most to ramps "
            f"rising at {_angle(directions[index]):.0f} degrees, not along v ({_angle(units[index]):.0f} degrees). On a ramp "
            "x[i, j] = g_i i + g_j j a kernel's output is sum K[a, b] (g_i a + g_j b): make that proportional to g_i v_i + g_j v_j."
        )
    for (degrees, v, K, m, scale), unit in zip(moments, units, strict=True):
        shown = f"v = ({v[0]:.3g}, {v[1]:.3g}) ({degrees} degrees)"
        across = corr2d(_step_image(unit), K)
        along = corr2d(_step_image(np.array([-unit[1], unit[0]])), K)
        if across.sum() <= 0:
            raise CheckFailed(
                f"{title}: Hint [sign]: for {shown} your output across an edge rising along v is negative overall; it must be positive."
            )
        leak = float(np.abs(along).max()) / float(np.abs(across).max())
        if leak > _LEAK_RATIO:
            raise CheckFailed(
                f"{title}: Hint [responds to edges along v]: for {shown} an edge that RUNS along v (brightness changing across v) "
                f"gives {100 * leak:.0f}% of the response to an edge across v. Weigh the two directions' differences so that "
                "changes perpendicular to v cancel."
            )
    print(
        f"✓ {title}: right on {len(moments)} hidden directions (constant images, ramps and rotated steps)"
    )


# ---------------------------------------------------------------------------
# a second-derivative kernel


def check_second_derivative_kernel(K) -> None:
    r"""Check a kernel whose correlation is the second derivative of brightness along the rows, ``d^2 x / dj^2``.

    Tested with ``corr2d(X, K)`` on hidden polynomial images of degree at most 2:
    the output must equal the second derivative along ``j`` (left to right)
    everywhere, so it is 0 on constant images, on ramps in any direction,
    on ``x = i^2`` (curvature from top to bottom) and on ``x = i j``, and it is
    ``2 c`` on ``x = c j^2``. Any size up to 5 x 5.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_second_derivative_kernel
    >>> check_second_derivative_kernel(np.array([[1.0, -1.0]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: second-derivative kernel: Hint [responds to ramps]: ...
    """
    title = "second-derivative kernel"
    if K is Ellipsis or K is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    Karr = _kernel_problem(title, K)
    rng = np.random.default_rng(18)
    H, W = 9, 11
    i, j = np.mgrid[0:H, 0:W].astype(float)
    c = float(np.round(rng.uniform(0.5, 2.0), 2))
    images = {
        "1": np.full((H, W), c),
        "i": c * i,
        "j": c * j,
        "i^2": c * i**2,
        "i j": c * i * j,
        "j^2": c * j**2,
    }
    out = {name: corr2d(X, Karr) for name, X in images.items()}
    tol = 1e-8 * float(np.abs(Karr).sum()) * c * (H + W) ** 2

    def value(name):
        return float(out[name].mean())

    def varies(name):
        return float(np.ptp(out[name])) > tol

    if np.abs(out["1"]).max() > tol:
        raise CheckFailed(
            f"{title}: Hint [responds to flat regions]: on the constant image x = {c} your output is {value('1'):.3g}, not 0. "
            "A derivative of a constant is zero: the kernel's entries must add up to zero."
        )
    for name, what in (("j", "left to right"), ("i", "top to bottom")):
        if np.abs(out[name]).max() > tol:
            raise CheckFailed(
                f"{title}: Hint [responds to ramps]: on the ramp x = {c} {name} (rising steadily from {what}) your output is "
                f"{value(name):.3g}, not 0. A second derivative is zero on a straight ramp: the kernel must cancel a linear rise "
                "in both directions (only a first difference responds to it)."
            )
    jj, ii, ij = out["j^2"], out["i^2"], out["i j"]
    if np.abs(ii).max() > tol and np.abs(jj).max() <= tol:
        raise CheckFailed(
            f"{title}: Hint [wrong direction]: your kernel measures curvature from top to bottom (it gives {value('i^2'):.3g} on x = {c} i^2 "
            f"and 0 on x = {c} j^2). The exercise asks for the second derivative along the rows, from left to right (index j)."
        )
    if np.abs(ii).max() > tol:
        raise CheckFailed(
            f"{title}: Hint [both directions]: your kernel also responds to curvature from top to bottom ({value('i^2'):.3g} on x = {c} i^2); "
            "that mixes in the second derivative along i (as the Laplacian does). Only d^2/dj^2 is asked for."
        )
    if np.abs(ij).max() > tol:
        raise CheckFailed(
            f"{title}: Hint [responds to i j]: on x = {c} i j your output is {value('i j'):.3g}, not 0: your kernel measures a mixed "
            "derivative (how the left-to-right slope changes from top to bottom). Make it cancel that too."
        )
    if varies("j^2"):
        raise CheckFailed(
            f"{title}: Hint [not a derivative]: on x = {c} j^2 your output changes from pixel to pixel; the second derivative of a parabola is the same everywhere."
        )
    got, want = value("j^2"), 2 * c
    if abs(got - want) > tol + 1e-9 * abs(want):
        if abs(got + want) <= tol + 1e-9 * abs(want):
            raise CheckFailed(
                f"{title}: Hint [sign]: on x = {c} j^2, whose second derivative is {want:g}, your output is {got:.4g}: the opposite sign. "
                "A parabola that opens upwards has a positive second derivative."
            )
        if abs(got) <= tol:
            raise CheckFailed(
                f"{title}: Hint [misses curvature]: on x = {c} j^2 your output is 0; it must be the second derivative {want:g}."
            )
        raise CheckFailed(
            f"{title}: Hint [scale]: on x = {c} j^2, whose second derivative is {want:g}, your output is {got:.4g} "
            f"({got / want:.3g} times too {'large' if abs(got) > abs(want) else 'small'}). The kernel has the right shape; fix its scale."
        )
    print(f"✓ {title}: exact on all {len(images)} hidden polynomial images")


# ---------------------------------------------------------------------------
# floating point: D2L 7.4's Y1 and Y2


FLOAT_REASONS = (
    "a bug in one of the two functions",
    "the order of the additions (rounding)",
    "random initialisation",
    "integer overflow",
)
"""The choices for ``reason`` in :func:`check_float_equality` (copy one exactly)."""

_FLOAT_SHAPE = (16, 16, 64, 8)


def float_example(seed: int = 0):
    """The float32 data of the floating-point exercise: ``X`` of shape (16, 16, 64) and a 1 x 1 kernel ``K`` (1, 1, 64, 8).

    Examples
    --------
    >>> from convlib.checks import float_example
    >>> X, K = float_example()
    >>> X.shape, K.shape, X.dtype.name
    ((16, 16, 64), (1, 1, 64, 8), 'float32')
    """
    rng = np.random.default_rng(seed)
    H, W, c_in, c_out = _FLOAT_SHAPE
    return rng.normal(size=(H, W, c_in)).astype(np.float32), rng.normal(
        size=(1, 1, c_in, c_out)
    ).astype(np.float32)


def check_float_equality(Y1, Y2, exactly_equal, reason) -> None:
    r"""Check the floating-point question: are D2L 7.4's two 1 x 1 layers exactly equal on :func:`float_example`'s data, and why?

    Parameters
    ----------
    Y1, Y2 : array_like, shape (16, 16, 8), float32
        The 1 x 1 layer computed two ways on ``float_example()``: channel
        by channel (a sum of per-channel products, D2L's loop) and as one
        matrix product (D2L's ``corr2d_multi_in_out_1x1``).
    exactly_equal : bool
        Whether every entry of ``Y1`` equals the one of ``Y2``, bit for bit.
    reason : str
        One of :data:`FLOAT_REASONS`: why they differ (when they do).

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_float_equality, float_example
    >>> X, K = float_example()
    >>> Y = X @ K[0, 0]
    >>> check_float_equality(Y, Y, "yes", "integer overflow")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: float equality: Hint [not a bool]: ...
    """
    title = "float equality"
    for name, value in (
        ("Y1", Y1),
        ("Y2", Y2),
        ("exactly_equal", exactly_equal),
        ("reason", reason),
    ):
        if value is Ellipsis or value is None:
            raise CheckFailed(f"{title}: {name} is {NOT_ANSWERED}")
    if not isinstance(exactly_equal, (bool, np.bool_)):
        raise CheckFailed(
            f"{title}: Hint [not a bool]: exactly_equal must be True or False (no quotes); got {safe_repr(exactly_equal)}"
        )
    if not isinstance(reason, str) or reason not in FLOAT_REASONS:
        choices = "; ".join(repr(r) for r in FLOAT_REASONS)
        raise CheckFailed(
            f"{title}: Hint [not a choice]: reason must be one of these strings, copied exactly: {choices}. Got {safe_repr(reason)}"
        )
    X, K = float_example()
    truth = np.einsum("hwc,ck->hwk", X.astype(np.float64), K[0, 0].astype(np.float64))
    arrays = {}
    for name, value in (("Y1", Y1), ("Y2", Y2)):
        arr = answer_array(title, name, value)
        if arr.shape != truth.shape:
            raise CheckFailed(
                f"{title}: Hint [wrong shape]: {name} must be the layer's output on float_example(), shape {truth.shape}; got {arr.shape}"
            )
        dtype = np.asarray(value).dtype
        if dtype != np.float32:
            raise CheckFailed(
                f"{title}: Hint [not float32]: {name} has dtype {dtype}; compute both with the float32 arrays of float_example() "
                "as they are (float32 is what deep-learning frameworks use, and what the question is about)."
            )
        if not np.allclose(arr, truth, rtol=1e-4, atol=1e-4):
            raise CheckFailed(
                f"{title}: Hint [not the layer's output]: {name} is not the 1 x 1 layer applied to float_example()'s X and K (largest error {np.abs(arr - truth).max():.3g})."
            )
        arrays[name] = np.asarray(value)
    if Y1 is Y2 or (
        isinstance(Y1, np.ndarray) and isinstance(Y2, np.ndarray) and np.shares_memory(Y1, Y2)
    ):
        raise CheckFailed(
            f"{title}: Hint [same array twice]: Y1 and Y2 are the same array; compute the layer once channel by channel and once as a matrix product."
        )
    equal = bool(np.array_equal(arrays["Y1"], arrays["Y2"]))
    gap = float(np.abs(arrays["Y1"].astype(np.float64) - arrays["Y2"]).max())
    if bool(exactly_equal) != equal:
        if exactly_equal:
            raise CheckFailed(
                f"{title}: Hint [close is not equal]: np.allclose (and D2L's test that the difference is below 1e-6) only says the two are "
                f"CLOSE. Exactly equal means every bit: compare np.abs(Y1 - Y2).max() with 0 (here {gap:.3g}), or use np.array_equal."
            )
        raise CheckFailed(
            f"{title}: Hint [they are equal]: on your arrays np.array_equal(Y1, Y2) is True: every entry agrees bit for bit."
        )
    if equal:
        print(
            f"✓ {title}: right, on this machine your two computations agree bit for bit (the additions happened in the same order)"
        )
        return
    wrong = {
        FLOAT_REASONS[
            0
        ]: "both are right to float32 precision: compare each with a float64 computation. A bug would give errors far larger than "
        f"the {gap:.2g} between them.",
        FLOAT_REASONS[
            2
        ]: "X and K are the same arrays in both computations: nothing random differs between them.",
        FLOAT_REASONS[
            3
        ]: "there are no integers here: X and K are float32, and float32 does not wrap around.",
    }
    if reason in wrong:
        raise CheckFailed(
            f"{title}: Hint [{reason}]: not the reason. {wrong[reason]} Think about what (a + b) + c and a + (b + c) give in float32."
        )
    print(
        f"✓ {title}: right, they differ by at most {gap:.2g}: float32 rounds after every addition, and the two methods add the "
        "64 products in different orders"
    )
