r"""Checkers for two parts of a layer beyond the lecture: padding modes written by hand, and the input gradient.

* :func:`check_padding_impl`: ``my_pad(X, p)`` for ``"reflect"`` or
  ``"circular"`` padding, compared with ``np.pad`` (``np.pad`` itself and
  :func:`convlib.pad2d` are refused: the exercise is the index arithmetic);
* :func:`check_input_gradient`: ``my_input_grad(G, K)`` (or ``(G, K, s)``
  with a stride), compared with what :meth:`convlib.Conv2D.backward` returns.
"""

from __future__ import annotations

import numpy as np

from ..correlate import corr2d
from ..layer import Conv2D
from ..padding import pad2d
from ..transposed import conv_transpose2d
from .calls import DEFAULT_TIME_LIMIT, referenced, unwrap
from .engine import Case, Mistake, random_array, run_cases
from .mistakes import int_mistakes

__all__ = ["check_padding_impl", "check_input_gradient"]

_NP_MODES = {"reflect": "reflect", "circular": "wrap"}


def _uses(fn, target) -> bool:
    """Whether ``fn``'s code refers to ``target`` (by name, through a module, a closure or a default)."""
    try:
        return any(
            obj is target or (callable(obj) and unwrap(obj) is target)
            for obj in referenced(unwrap(fn))
        )
    except Exception:  # noqa: BLE001 - an odd callable: nothing to find
        return False


def check_padding_impl(
    fn, padding_mode: str = "reflect", *, time_limit: float = DEFAULT_TIME_LIMIT
) -> None:
    r"""Check ``fn(X, p)``: the image ``X`` padded by ``p`` pixels on each side in ``padding_mode``, written by hand.

    ``padding_mode`` is ``"reflect"`` (a mirror about the border pixel, which
    is not repeated: row ``-1`` is row ``1``) or ``"circular"`` (the image
    wraps around: row ``-1`` is row ``H - 1``), PyTorch's names. The result
    has shape ``(H + 2p, W + 2p)`` and must equal ``np.pad(X, p, mode=...)``
    with NumPy's names ``"reflect"`` and ``"wrap"``; calling ``np.pad`` or
    :func:`convlib.pad2d` is refused. Hidden cases have ``p < H, W``.

    Raises
    ------
    CheckFailed
        Hints: border pixel repeated (``symmetric``), edge repeated
        (replicate), zeros, wrap-around instead of mirror (and the reverse),
        sides swapped, one axis only, one side only, mirror one pixel too far,
        library function, exception, time limit.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_padding_impl
    >>> check_padding_impl(lambda X, p: np.pad(X, p, mode="edge"), "reflect")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: reflect padding: Hint [library function]: ...
    """
    if padding_mode not in _NP_MODES:
        raise ValueError(f"padding_mode must be 'reflect' or 'circular'; got {padding_mode!r}")
    title = f"{padding_mode} padding"
    rng = np.random.default_rng(20)
    cases = []
    for H, W, p, kind in [
        (4, 4, 1, "f"),
        (5, 5, 2, "f"),
        (3, 3, 0, "f"),
        (6, 6, 3, "i"),
        (4, 7, 2, "f"),
        (7, 4, 2, "f"),
        (5, 8, 3, "f"),
        (8, 5, 1, "i"),
        (3, 9, 2, "f"),
        (9, 3, 1, "f32"),
        (2, 6, 1, "f"),
        (6, 2, 1, "f"),
        (5, 6, 4, "f"),
    ]:
        cases.append(Case((random_array(rng, (H, W), kind), p), ("X", "p"), H == W, f"p = {p}"))
    np_mode = _NP_MODES[padding_mode]

    def reference(X, p):
        return np.pad(np.asarray(X, dtype=float), p, mode=np_mode)

    def padded(mode):
        return lambda args, ref: (
            np.pad(np.asarray(args[0], dtype=float), args[1], mode=mode)
            if mode != np_mode
            else None
        )

    def one_axis(axis):
        def sim(args, ref):
            X, p = np.asarray(args[0], dtype=float), args[1]
            if p == 0:
                return None
            widths = [(p, p), (0, 0)] if axis == 0 else [(0, 0), (p, p)]
            other = [(0, 0), (p, p)] if axis == 0 else [(p, p), (0, 0)]
            return np.pad(np.pad(X, widths, mode=np_mode), other)

        return sim

    def sides_swapped(args, ref):
        """Circular padding taking the top pad from the top rows (and so on) instead of the opposite side."""
        X, p = np.asarray(args[0], dtype=float), args[1]
        if p == 0:
            return None
        rows = np.concatenate([X[:p], X, X[-p:]], axis=0)
        return np.concatenate([rows[:, :p], rows, rows[:, -p:]], axis=1)

    def mirror_too_far(args, ref):
        """Reflect about a point one pixel inside: row -1 is row 2."""
        X, p = np.asarray(args[0], dtype=float), args[1]
        if p == 0 or p + 1 >= min(X.shape):
            return None
        rows = np.concatenate([X[p + 1 : 1 : -1], X, X[-3 : -p - 3 : -1]], axis=0)
        return np.concatenate([rows[:, p + 1 : 1 : -1], rows, rows[:, -3 : -p - 3 : -1]], axis=1)

    mistakes = [
        Mistake(
            "zeros",
            "you padded with zeros; the padding must copy image pixels.",
            padded("constant"),
        ),
        Mistake(
            "edge repeated",
            "you repeated the border pixel ('replicate'); "
            + (
                "reflect mirrors the image about its border pixel."
                if padding_mode == "reflect"
                else "circular padding wraps around to the opposite side."
            ),
            padded("edge"),
        ),
    ]
    if padding_mode == "reflect":
        mistakes += [
            Mistake(
                "border pixel repeated",
                "your mirror repeats the border pixel itself (NumPy's 'symmetric'). PyTorch's reflect mirrors ABOUT "
                "the border pixel: the first padded row is the row next to the border, not the border row again.",
                padded("symmetric"),
            ),
            Mistake(
                "wrap-around instead of mirror",
                "you wrapped around to the opposite side (circular); reflect mirrors the rows next to the border.",
                padded("wrap"),
            ),
            Mistake(
                "mirror one pixel too far",
                "your mirror starts one pixel too deep inside the image: the first padded row is the row right next to the border row.",
                mirror_too_far,
            ),
        ]
    else:
        mistakes += [
            Mistake(
                "mirror instead of wrap-around",
                "you mirrored the image; circular padding continues on the far side, as if the image were tiled.",
                padded("reflect"),
            ),
            Mistake(
                "mirror instead of wrap-around",
                "you mirrored the image; circular padding continues on the far side, as if the image were tiled.",
                padded("symmetric"),
            ),
            Mistake(
                "sides swapped",
                "the rows above row 0 come from the BOTTOM of the image (row -1 is row H - 1), and the columns left of "
                "column 0 from its right side: you took them from the same side.",
                sides_swapped,
            ),
        ]
    mistakes += [
        Mistake(
            "rows only",
            "you padded only above and below; pad the columns (left and right) the same way.",
            one_axis(0),
        ),
        Mistake(
            "columns only",
            "you padded only left and right; pad the rows (above and below) the same way.",
            one_axis(1),
        ),
    ]
    shape_mistakes = [
        Mistake(
            "rows only",
            "you padded only above and below; pad the columns (left and right) the same way: shape (H + 2p, W + 2p).",
            lambda args, s: (s[0], s[1] - 2 * args[1]) if args[1] else None,
        ),
        Mistake(
            "columns only",
            "you padded only left and right; pad the rows (above and below) the same way: shape (H + 2p, W + 2p).",
            lambda args, s: (s[0] - 2 * args[1], s[1]) if args[1] else None,
        ),
        Mistake(
            "one side only",
            "pad p pixels on EACH side: the result has H + 2p rows and W + 2p columns.",
            lambda args, s: (s[0] - args[1], s[1] - args[1]),
        ),
        Mistake(
            "2p on each side",
            "pad p pixels on each side (p above and p below), not 2p.",
            lambda args, s: (s[0] + 2 * args[1], s[1] + 2 * args[1]),
        ),
        Mistake(
            "rows and columns swapped",
            "your output has its height and width swapped: (H + 2p, W + 2p).",
            lambda args, s: (s[1], s[0]),
        ),
    ]
    run_cases(
        title,
        fn,
        cases,
        reference,
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        time_limit=time_limit,
        forbidden=(pad2d,),
        refuse=_refuse_np_pad,
    )


def _refuse_np_pad(fn) -> str:
    """The padding exercise's own refusal: a function that calls ``np.pad``."""
    if _uses(fn, np.pad):
        return (
            "Hint [library function]: your function calls np.pad, which does the whole job. The exercise asks for "
            "the index arithmetic: build the padded rows and columns yourself (slicing and np.concatenate are fine)."
        )
    return ""


def _layer_input_gradient(G, K, s=1):
    """What :meth:`convlib.Conv2D.backward` returns for a valid, unpadded one-channel layer with kernel ``K`` and stride ``s``."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    layer = Conv2D(K.shape, stride=s)
    layer.weight = K[:, :, None, None].copy()
    H, W = (G.shape[0] - 1) * s + K.shape[0], (G.shape[1] - 1) * s + K.shape[1]
    layer.forward(np.zeros((H, W)))
    return layer.backward(G)


def _dilate(G, s):
    G = np.asarray(G, dtype=float)
    up = np.zeros(((G.shape[0] - 1) * s + 1, (G.shape[1] - 1) * s + 1))
    up[::s, ::s] = G
    return up


def check_input_gradient(
    fn, *, strided: bool = False, time_limit: float = DEFAULT_TIME_LIMIT
) -> None:
    r"""Check ``fn(G, K)`` (or ``fn(G, K, s)`` with ``strided=True``): the gradient of a layer's loss with respect to its input.

    The layer is the valid cross-correlation ``Y = corr2d(X, K)`` (one
    channel, no padding, no bias; with ``strided=True`` every ``s``-th output
    in both directions, ``corr2d(X, K, stride=s)``). ``G = dL/dY``; ``fn``
    returns ``dL/dX``, of the input's shape ``((H' - 1) s + k_h, (W' - 1) s + k_w)``,
    and is compared with what :meth:`convlib.Conv2D.backward` returns.
    :func:`convlib.corr2d` and :func:`convlib.conv2d` may be used;
    :func:`convlib.conv_transpose2d` (the answer itself) may not.

    Raises
    ------
    CheckFailed
        Hints: kernel not flipped, one axis flipped, transposed kernel, the
        output's shape or a valid correlation, stride ignored, gradient
        repeated instead of spread with zeros, trailing zeros, integer output,
        square only, exception, time limit, library function.

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks import check_input_gradient
    >>> check_input_gradient(lambda G, K: corr2d(G, K, "full"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: input gradient: ... hidden cases fail.
    Hint [kernel not flipped]: ...
    """
    title = "input gradient (strided)" if strided else "input gradient"
    rng = np.random.default_rng(21)
    cases = []
    shapes = [
        (3, 3, 2, 2, "f"),
        (1, 1, 1, 1, "f"),
        (4, 4, 3, 3, "f"),
        (2, 2, 2, 2, "i"),
        (5, 5, 1, 1, "f"),
        (3, 3, 3, 3, "f32"),
        (3, 5, 2, 3, "f"),
        (5, 3, 3, 2, "f"),
        (2, 6, 1, 4, "f"),
        (6, 2, 4, 1, "f"),
        (4, 3, 3, 2, "i"),
        (1, 4, 2, 2, "f"),
        (4, 4, 2, 2, "if"),
        (3, 5, 3, 2, "if"),
    ]
    for index, (Ho, Wo, k_h, k_w, kind) in enumerate(shapes):
        G = random_array(rng, (Ho, Wo), "i" if kind == "if" else kind)
        K = random_array(rng, (k_h, k_w), "f" if kind == "if" else kind)
        if k_h == k_w and k_h > 1 and (np.array_equal(K, K.T) or np.array_equal(K, K[::-1, ::-1])):
            K[0, -1] += 1
        square = Ho == Wo and k_h == k_w
        if strided:
            s = (2, 3, 2, 1)[index % 4]
            cases.append(Case((G, K, s), ("G", "K", "s"), square, f"stride {s}"))
        else:
            cases.append(Case((G, K), ("G", "K"), square))

    def with_kernel(transform, spread=_dilate):
        def sim(args, ref):
            s = args[2] if strided else 1
            return corr2d(
                spread(args[0], s),
                np.asarray(transform(np.asarray(args[1], dtype=float)))[::-1, ::-1],
                "full",
            )

        return sim

    def repeated(G, s):
        G = np.asarray(G, dtype=float)
        return np.repeat(np.repeat(G, s, axis=0), s, axis=1)[
            : (G.shape[0] - 1) * s + 1, : (G.shape[1] - 1) * s + 1
        ]

    mistakes = [
        Mistake(
            "kernel not flipped",
            "input pixel r of X met weight K[a] at output i = r - a: as the output index grows the kernel index "
            "shrinks, so each output's gradient spreads back through the kernel read backwards (in both directions).",
            with_kernel(lambda K: K[::-1, ::-1]),
        ),
        Mistake(
            "one axis flipped",
            "the reversal happens along both axes (rows and columns), a 180-degree rotation of the kernel.",
            with_kernel(lambda K: K[::-1]),
        ),
        Mistake(
            "one axis flipped",
            "the reversal happens along both axes (rows and columns), a 180-degree rotation of the kernel.",
            with_kernel(lambda K: K[:, ::-1]),
        ),
        Mistake(
            "transposed kernel",
            "your result uses the kernel transposed: rows of K stay rows (a is the row offset, b the column offset).",
            with_kernel(lambda K: K.T),
        ),
        *int_mistakes("np.zeros_like(G)"),
    ]
    shape_mistakes = [
        Mistake(
            "the output's shape",
            "dL/dX has the shape of the layer's INPUT X, which is larger than Y: every input pixel gets a gradient, "
            "also those near the border that fewer windows covered.",
            lambda args, s: tuple(np.shape(args[0])),
        ),
        Mistake(
            "valid instead of full",
            "a valid correlation makes the result smaller still. Every input pixel that ANY window touched "
            "collects gradient: the result must reach k_h - 1 rows beyond G on each side (all overlaps).",
            lambda args, s: (
                np.shape(args[0])[0] - np.shape(args[1])[0] + 1,
                np.shape(args[0])[1] - np.shape(args[1])[1] + 1,
            ),
        ),
    ]
    if strided:
        mistakes.append(
            Mistake(
                "gradient repeated",
                "between two outputs of a strided layer lie s - 1 input positions where no window "
                "started: spread G with zeros there, do not repeat its values.",
                with_kernel(lambda K: K, repeated),
            )
        )
        shape_mistakes += [
            Mistake(
                "stride ignored",
                "with stride s neighbouring outputs are s input pixels apart: place G's values s pixels apart before spreading them.",
                lambda args, s: (
                    (
                        np.shape(args[0])[0] + np.shape(args[1])[0] - 1,
                        np.shape(args[0])[1] + np.shape(args[1])[1] - 1,
                    )
                    if args[2] > 1
                    else None
                ),
            ),
            Mistake(
                "trailing zeros",
                "the last output's window ends at the last input row: G spread with zeros has (H' - 1) s + 1 rows, not H' s.",
                lambda args, s: (s[0] + args[2] - 1, s[1] + args[2] - 1) if args[2] > 1 else None,
            ),
        ]
    run_cases(
        title,
        fn,
        cases,
        _layer_input_gradient,
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        time_limit=time_limit,
        forbidden=(conv_transpose2d,),
    )
