r"""Checkers for the derivation exercises: tasks whose answer the chapter does not print, so copying cannot solve them.

Each exercise asks for something the chapter does not print: how many layers
a stack needs before every output sees the whole image, which input lengths
give a wanted output length, the one kernel of two stacked correlations, a
depthwise kernel in the 4th-order layout, the input gradient of a layer with
channels, and an input normalisation folded into a layer's weights and bias.

The checkers use the checks engine like the other modules: the student's
function runs on hidden cases, the right answer is computed on the spot
(from convlib's layer, its shapes or a plain loop, never from a stored key),
and a wrong answer is matched against the usual slips to name the mistake.
Hints state the principle, never the formula or the array to copy, and the
docstrings show only wrong answers, so Shift-Tab in a student notebook
shows the task, not its solution.
"""

from __future__ import annotations

import numpy as np

from ..channels import corr2d_multi_in_out
from ..correlate import conv2d, corr2d
from ..layer import Conv2D
from ..transposed import conv_transpose2d
from .calls import DEFAULT_TIME_LIMIT
from .engine import (
    Case,
    Mistake,
    random_array,
    run_cases,
    run_count_cases,
    same_array,
)
from .mistakes import int_mistakes

__all__ = [
    "check_layers_to_cover",
    "check_input_lengths",
    "check_combined_kernel",
    "check_depthwise_kernel",
    "check_input_gradient_channels",
    "check_folded_normalisation",
]


# ---------------------------------------------------------------------------
# chapter 2: how deep before every output sees everything


def _reach_layers(delta, H, W):
    """Fewest stacked 'same' layers with window 2 delta + 1 after which EVERY output depends on EVERY input pixel."""
    n = max(H, W)
    return -(-(n - 1) // delta)


def check_layers_to_cover(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(delta, H, W) -> int``: how many stacked local layers until every output pixel sees the whole image.

    Every layer is local with the same ``delta`` (window ``2 delta + 1``) and
    keeps the image's size ``H x W`` (zero padding, "same"). ``fn`` returns
    the smallest number of layers after which *every* output pixel,
    including the corners, depends on *every* pixel of the image. Hidden
    cases have ``delta >= 1`` and images larger than one pixel; the tests
    measure the answer by pushing single pixels through real stacks.

    Raises
    ------
    CheckFailed
        Hints: window centred (half the distance), the shorter side, rounded
        down, ``n`` steps instead of ``n - 1`` (the same as one layer too many
        whenever the distance is a multiple of ``delta``), rows and columns
        added, a float result, time limit.

    Examples
    --------
    >>> from convlib.checks import check_layers_to_cover
    >>> check_layers_to_cover(lambda delta, H, W: 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: layers to see the whole image: ... hidden cases fail.
    Hint [wrong values]: ...
    """
    sizes = [
        (1, 5, 5),
        (1, 4, 7),
        (2, 9, 9),
        (3, 10, 4),
        (2, 8, 8),
        (1, 2, 2),
        (4, 3, 17),
        (2, 28, 28),
        (3, 7, 7),
        (5, 32, 24),
        (1, 11, 6),
        (6, 13, 13),
        (2, 3, 3),
        (3, 64, 64),
    ]
    cases = [Case(size, ("delta", "H", "W"), growable=("H", "W")) for size in sizes]

    def with_side(side, steps):
        return lambda args, ref: steps(side(args[1], args[2]), args[0])

    mistakes = [
        Mistake(
            "window centred",
            "a receptive field of side n covers the image only for the centre pixel. A corner pixel's window is "
            "centred on the corner: it must reach the OPPOSITE corner, all the way in one direction.",
            with_side(max, lambda n, d: -(-(n - 1) // (2 * d))),
        ),
        Mistake(
            "window centred",
            "a receptive field of side n covers the image only for the centre pixel. A corner pixel's window is "
            "centred on the corner: it must reach the OPPOSITE corner, all the way in one direction.",
            with_side(max, lambda n, d: -(-n // (2 * d + 1))),
        ),
        Mistake(
            "shorter side",
            "every output must see every input, so the reach must span the LONGER side of the image.",
            with_side(min, lambda n, d: -(-(n - 1) // d)),
        ),
        Mistake(
            "rounded down",
            "a number of layers is whole: if L layers fall short by even one pixel, another layer is needed.",
            with_side(max, lambda n, d: (n - 1) // d),
        ),
        Mistake(
            "n steps instead of n - 1",
            "from the first pixel of a side to the last is one step fewer than the number of pixels "
            "(when that distance is a multiple of delta, the last layer reaches the far pixel exactly).",
            with_side(max, lambda n, d: -(-n // d)),
        ),
        Mistake(
            "rows and columns added",
            "a window is a square: one layer moves the reach delta rows AND delta columns at once, so the "
            "row and column distances are covered together, not one after the other.",
            lambda args, ref: -(-(args[1] + args[2] - 2) // args[0]),
        ),
    ]
    run_count_cases("layers to see the whole image", fn, cases, _reach_layers, mistakes, time_limit)


# ---------------------------------------------------------------------------
# chapter 4: which input lengths give a wanted output length


def _input_lengths(m, k, p, s, d):
    """(smallest, largest) input length n with m outputs, measured with corr2d on n x 1 columns."""
    span = d * (k - 1) + 1
    found = []
    for n in range(1, s * (m + 1) + span + 2):
        if n + 2 * p < span:
            continue
        if (
            corr2d(
                np.zeros((n, 1)), np.zeros((k, 1)), padding=(p, 0), stride=(s, 1), dilation=(d, 1)
            ).shape[0]
            == m
        ):
            found.append(n)
    return (min(found), max(found))


def _pair_of_ints(got, expected) -> str:
    if not isinstance(got, tuple) or len(got) != 2:
        return "Hint [not a pair]: return a tuple (smallest, largest) of two ints"
    if any(
        isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, float, np.floating))
        for v in got
    ):
        return "Hint [not a pair]: return a tuple (smallest, largest) of two ints"
    if any(isinstance(v, (float, np.floating)) for v in got):
        return "Hint [float result]: lengths are whole numbers: return ints (use // instead of /)"
    return ""


def _same_pair(got, expected) -> bool:
    return (
        isinstance(got, tuple) and len(got) == 2 and tuple(int(v) for v in got) == tuple(expected)
    )


def check_input_lengths(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(m, k, p, s, d) -> (n_min, n_max)``: every input length that gives ``m`` outputs.

    Along one axis, an input of ``n`` pixels is padded with ``p`` zeros on each
    side, and a kernel of ``k`` taps ``d`` pixels apart (dilation) moves ``s``
    pixels at a time (``corr2d(..., padding=p, stride=s, dilation=d)``). Several
    lengths ``n`` give the same number of outputs; ``fn`` returns the smallest
    and the largest of them. The hidden cases are measured with
    :func:`convlib.corr2d` and all have ``n_min >= 1``.

    Raises
    ------
    CheckFailed
        Hints: one length only, one length too many, padding counted once,
        dilation ignored, ``k d`` pixels, stride ignored between starts, not a
        pair, a float result, time limit.

    Examples
    --------
    >>> from convlib.checks import check_input_lengths
    >>> check_input_lengths(lambda m, k, p, s, d: (m, m))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: input lengths for m outputs: ... hidden cases fail.
    Hint [...]: ...
    """
    sizes = [
        (4, 3, 0, 2, 1),
        (5, 3, 1, 2, 1),
        (3, 3, 0, 3, 1),
        (6, 3, 1, 1, 1),
        (4, 3, 0, 1, 2),
        (112, 7, 3, 2, 1),
        (7, 5, 2, 3, 1),
        (5, 3, 2, 2, 2),
        (2, 4, 0, 4, 1),
        (9, 2, 0, 2, 3),
        (3, 1, 0, 5, 1),
        (8, 3, 1, 2, 2),
        (10, 4, 1, 3, 1),
        (6, 2, 0, 1, 1),
    ]
    cases = [Case(size, ("m", "k", "p", "s", "d"), growable=("m",)) for size in sizes]

    def lengths(span, starts, extra):
        def sim(args, ref):
            m, k, p, s, d = args
            first = starts(m, s) + span(k, d) - 2 * p
            return (first, first + extra(s))

        return sim

    def span_of(k, d):
        return d * (k - 1) + 1

    def starts(m, s):
        return s * (m - 1)

    mistakes = [
        Mistake(
            "one length only",
            "the output size rounds DOWN: after the last window up to s - 1 pixels can be left over without "
            "making another window, so more than one input length gives m outputs.",
            lengths(span_of, starts, lambda s: 0),
        ),
        Mistake(
            "one length too many",
            "with s pixels left over after the last window, one more window fits: count how many leftover "
            "pixels still give no further window.",
            lengths(span_of, starts, lambda s: s),
        ),
        Mistake(
            "padding counted once",
            "padding p adds p pixels on EACH side: the padded axis has n + 2p pixels.",
            lambda args, ref: (lambda first: (first, first + args[3] - 1))(
                starts(args[0], args[3]) + span_of(args[1], args[4]) - args[2]
            ),
        ),
        Mistake(
            "dilation ignored",
            "with dilation d the taps are d pixels apart, so one window covers more than k pixels.",
            lengths(lambda k, d: k, starts, lambda s: s - 1),
        ),
        Mistake(
            "k d pixels",
            "k taps spaced d apart leave k - 1 gaps of d pixels each: count from the first tap to the last.",
            lengths(lambda k, d: k * d, starts, lambda s: s - 1),
        ),
        Mistake(
            "stride ignored between starts",
            "neighbouring windows start s pixels apart: m windows need m - 1 steps of s.",
            lengths(span_of, lambda m, s: m - 1, lambda s: s - 1),
        ),
        Mistake(
            "m steps instead of m - 1",
            "the first window starts at 0: m windows start at 0, s, ..., (m - 1) s.",
            lengths(span_of, lambda m, s: s * m, lambda s: s - 1),
        ),
    ]
    run_cases(
        "input lengths for m outputs",
        fn,
        cases,
        _input_lengths,
        mistakes=mistakes,
        same=_same_pair,
        validate=_pair_of_ints,
        square_rule=False,
        returns_array=False,
        time_limit=time_limit,
    )


# ---------------------------------------------------------------------------
# chapter 3: two stacked correlations are one


def _combined(K1, K2):
    """The kernel K with corr2d(corr2d(X, K1), K2) == corr2d(X, K): accumulated by a plain loop over the weight pairs."""
    K1, K2 = np.asarray(K1, dtype=float), np.asarray(K2, dtype=float)
    out = np.zeros((K1.shape[0] + K2.shape[0] - 1, K1.shape[1] + K2.shape[1] - 1))
    for a in range(K2.shape[0]):
        for b in range(K2.shape[1]):
            out[a : a + K1.shape[0], b : b + K1.shape[1]] += K2[a, b] * K1
    return out


def _asymmetric(rng, shape, kind):
    K = random_array(rng, shape, kind)
    if (
        K.shape[0] == K.shape[1]
        and K.shape[0] > 1
        and (np.array_equal(K, K.T) or np.array_equal(K, K[::-1, ::-1]))
    ):
        K[0, -1] += 1
    return K


def check_combined_kernel(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(K1, K2) -> K``: the one kernel that does what two stacked correlations do.

    ``K`` must satisfy ``corr2d(corr2d(X, K1), K2) == corr2d(X, K)`` for every
    image ``X`` (valid mode, one channel). The kernel is unique, so the check
    compares it with one accumulated weight pair by weight pair. Loops,
    NumPy and :func:`convlib.corr2d` may be used; :func:`convlib.conv2d` (which
    would do the thinking) and SciPy may not.

    Raises
    ------
    CheckFailed
        Hints: correlation of the kernels (either order), rotated by 180
        degrees, one axis reversed, transposed, elementwise or matrix product,
        the size of a valid correlation, one row and column too many, integer
        output, square only, exception, time limit, library function.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_combined_kernel
    >>> check_combined_kernel(lambda K1, K2: np.zeros((1, 1)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: combined kernel: ... hidden cases fail.
    Hint [...]: ...
    """
    rng = np.random.default_rng(31)
    cases = []
    for h1, w1, h2, w2, kind in [
        (2, 2, 2, 2, "i"),
        (3, 3, 3, 3, "f"),
        (1, 2, 2, 1, "f"),
        (2, 3, 3, 2, "f"),
        (3, 3, 1, 1, "f"),
        (1, 1, 2, 3, "i"),
        (3, 2, 2, 2, "f"),
        (2, 2, 3, 3, "f32"),
        (4, 1, 1, 3, "f"),
        (3, 3, 2, 2, "i"),
        (2, 4, 2, 2, "f"),
        (5, 5, 3, 3, "f"),
    ]:
        cases.append(
            Case(
                (_asymmetric(rng, (h1, w1), kind), _asymmetric(rng, (h2, w2), kind)),
                ("K1", "K2"),
                h1 == w1 and h2 == w2,
            )
        )

    def full_corr(A, B):
        A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
        return corr2d(np.pad(A, ((B.shape[0] - 1,), (B.shape[1] - 1,))), B)

    mistakes = [
        Mistake(
            "correlation of the kernels",
            "follow one input pixel: the second layer's weight K2[b] reads the first layer's output "
            "at i + b, which read x[i + b + a] through K1[a]. The combined weight on x[i + m] collects K1[a] K2[b] over all pairs "
            "whose offsets ADD UP to m. A correlation of the kernels pairs offsets that differ instead.",
            lambda args, ref: full_corr(args[0], args[1]),
        ),
        Mistake(
            "correlation of the kernels",
            "follow one input pixel: the combined weight on x[i + m] collects K1[a] K2[b] over all "
            "pairs whose offsets ADD UP to m. A correlation of the kernels pairs offsets that differ instead.",
            lambda args, ref: full_corr(args[1], args[0]),
        ),
        Mistake(
            "rotated by 180 degrees",
            "your kernel is the right one rotated by 180 degrees: that is the kernel a CONVOLUTION would "
            "need. The stack is made of cross-correlations and so is the single layer that replaces it.",
            lambda args, ref: _combined(*args)[::-1, ::-1],
        ),
        Mistake(
            "one axis reversed",
            "rows and columns combine the same way: treat both axes alike.",
            lambda args, ref: _combined(*args)[::-1],
        ),
        Mistake(
            "one axis reversed",
            "rows and columns combine the same way: treat both axes alike.",
            lambda args, ref: _combined(*args)[:, ::-1],
        ),
        Mistake(
            "transposed",
            "your kernel is the right one transposed: a is the row offset and b the column offset in both kernels.",
            lambda args, ref: _combined(*args).T,
        ),
        Mistake(
            "elementwise product",
            "stacking layers does not multiply weights at the same position: every weight of K1 meets "
            "every weight of K2, each pair at the sum of their offsets.",
            lambda args, ref: np.asarray(args[0], dtype=float) * np.asarray(args[1], dtype=float),
        ),
        Mistake(
            "matrix product",
            "a stack of layers is not a matrix product of the kernels: every weight of K1 meets every weight "
            "of K2, each pair at the sum of their offsets.",
            lambda args, ref: np.asarray(args[0], dtype=float) @ np.asarray(args[1], dtype=float),
        ),
        *int_mistakes("np.zeros(...)"),
    ]
    shape_mistakes = [
        Mistake(
            "size of a valid correlation",
            "the combined kernel is LARGER than both: one output of the stack sees k1 + (k2 - 1) "
            "input rows, since the second layer adds k2 - 1 rows of first-layer outputs.",
            lambda args, s: (
                abs(np.shape(args[0])[0] - np.shape(args[1])[0]) + 1,
                abs(np.shape(args[0])[1] - np.shape(args[1])[1]) + 1,
            ),
        ),
        Mistake(
            "one row and column too many",
            "the offsets a + b run from 0 to (k1 - 1) + (k2 - 1): count them.",
            lambda args, s: (s[0] + 1, s[1] + 1),
        ),
    ]
    run_cases(
        "combined kernel",
        fn,
        cases,
        _combined,
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        time_limit=time_limit,
        forbidden=(conv2d,),
    )


# ---------------------------------------------------------------------------
# chapter 5: the 4th-order kernel, the input gradient with channels, a folded normalisation


def _depthwise(g, C):
    g = np.asarray(g, dtype=float)
    K = np.zeros((*g.shape, C, C))
    for c in range(C):
        K[:, :, c, c] = g
    return K


def check_depthwise_kernel(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(g, C) -> K``: a 4th-order kernel with which the layer filters every channel on its own.

    ``K`` has convlib's layout ``(k_h, k_w, C_in, C_out)`` with
    ``C_in = C_out = C``, and ``corr2d_multi_in_out(X, K)[:, :, c]`` must equal
    ``corr2d(X[:, :, c], g)`` for every channel ``c`` of every image ``X``:
    output channel ``c`` is input channel ``c`` filtered by ``g``, nothing
    else. The kernel with that property is unique, so it is compared directly.

    Raises
    ------
    CheckFailed
        Hints: every channel pair filled (colours mixed), ``g`` flipped or
        transposed, the scale divided by ``C``, PyTorch's layout, a 3rd-order
        kernel, integer output, exception, time limit.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_depthwise_kernel
    >>> check_depthwise_kernel(lambda g, C: np.zeros((1, 1, C, C)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: depthwise kernel: ... hidden cases fail.
    Hint [...]: ...
    """
    rng = np.random.default_rng(32)
    cases = []
    for k_h, k_w, C, kind in [
        (3, 3, 3, "f"),
        (2, 2, 2, "i"),
        (1, 1, 3, "f"),
        (3, 2, 2, "f"),
        (2, 3, 4, "f"),
        (3, 3, 1, "f"),
        (5, 5, 3, "f"),
        (1, 3, 2, "i"),
        (2, 2, 5, "f32"),
        (4, 1, 3, "f"),
    ]:
        cases.append(
            Case((_asymmetric(rng, (k_h, k_w), kind), C), ("g", "C"), k_h == k_w, growable=("C",))
        )

    def every_pair(transform=lambda g: g):
        def sim(args, ref):
            g = np.asarray(transform(np.asarray(args[0], dtype=float)))
            return np.broadcast_to(g[:, :, None, None], (*g.shape, args[1], args[1])).copy()

        return sim

    mistakes = [
        Mistake(
            "colours mixed",
            "output channel k is the SUM over all input channels c of corr2d(X[:, :, c], K[:, :, c, k]). With g in "
            "every slice each output channel adds all the colours up. Which slices must hold nothing so that channel k sees only "
            "its own input channel?",
            every_pair(),
        ),
        Mistake(
            "colours mixed and averaged",
            "dividing by C does not help: output channel k still adds up every input channel. Which "
            "slices K[:, :, c, k] must hold nothing?",
            lambda args, ref: every_pair()(args, ref) / args[1] if args[1] > 1 else None,
        ),
        Mistake(
            "g flipped",
            "the layer cross-correlates, exactly as corr2d(X[:, :, c], g) does: no rotation of g is needed.",
            lambda args, ref: _depthwise(np.asarray(args[0])[::-1, ::-1], args[1]),
        ),
        Mistake(
            "g transposed",
            "rows of g stay rows of every kernel slice: a is the row offset, b the column offset.",
            lambda args, ref: _depthwise(np.asarray(args[0]).T, args[1]),
        ),
        *int_mistakes("np.zeros(...)"),
    ]
    shape_mistakes = [
        Mistake(
            "PyTorch's layout",
            "convlib's kernels are (k_h, k_w, C_in, C_out), channels LAST; (C_out, C_in, k_h, k_w) is PyTorch's order.",
            lambda args, s: (s[3], s[2], s[0], s[1]),
        ),
        Mistake(
            "3rd-order kernel",
            "corr2d_multi_in_out needs a 4th-order kernel: one k_h x k_w slice for every pair (input channel c, "
            "output channel k).",
            lambda args, s: (s[0], s[1], s[2]),
        ),
    ]
    run_cases(
        "depthwise kernel",
        fn,
        cases,
        _depthwise,
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        time_limit=time_limit,
    )


def _layer_input_gradient_channels(G, K):
    """What :meth:`convlib.Conv2D.backward` returns for a valid, unpadded layer with kernel K (k_h, k_w, C_in, C_out)."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    k_h, k_w, c_in, c_out = K.shape
    layer = Conv2D((k_h, k_w), in_channels=c_in, out_channels=c_out)
    layer.weight = K.copy()
    layer.forward(np.zeros((G.shape[0] + k_h - 1, G.shape[1] + k_w - 1, c_in)))
    return layer.backward(G)


def _full(A, B):
    """Full cross-correlation of two 2-D arrays (zero padding of k - 1 on each side)."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    return corr2d(np.pad(A, ((B.shape[0] - 1,), (B.shape[1] - 1,))), B)


# added to the message when the student's function raises: most crashes here come from reading a layout wrongly
_CHANNEL_LAYOUT_HINT = (
    "Channels are on the LAST axes: G has shape (H', W', C_out) and K has shape (k_h, k_w, C_in, C_out), "
    "so G[:, :, k] is one output channel's map and K[:, :, c, k] the slice from input channel c to output channel k "
    "(not PyTorch's (C_out, C_in, k_h, k_w))"
)


def check_input_gradient_channels(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(G, K) -> dX``: the input gradient of a layer with channels.

    The layer is ``Y = corr2d_multi_in_out(X, K)`` (valid, no padding, stride
    1, no bias) with ``X`` of shape ``(H, W, C_in)`` and ``K`` of shape
    ``(k_h, k_w, C_in, C_out)``. ``G = dL/dY`` has shape ``(H', W', C_out)``;
    ``fn`` returns ``dL/dX``, of shape ``(H, W, C_in)``, compared with what
    :meth:`convlib.Conv2D.backward` returns. :func:`convlib.corr2d` and the
    other correlations may be used; :func:`convlib.conv_transpose2d` may not.

    Raises
    ------
    CheckFailed
        Hints: kernel not flipped, one axis flipped, one output channel only,
        summed over the wrong channel axis, the output's shape, valid instead
        of full, integer output, square only, exception (with the channel
        layout), time limit.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_input_gradient_channels
    >>> check_input_gradient_channels(lambda G, K: np.zeros(G.shape[:2] + (K.shape[2],)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: input gradient with channels: ... hidden cases fail.
    Hint [the output's shape]: ...
    """
    rng = np.random.default_rng(33)
    cases = []
    for Ho, Wo, k_h, k_w, c_in, c_out, kind in [
        (3, 3, 2, 2, 2, 3, "f"),
        (2, 2, 2, 2, 1, 1, "i"),
        (4, 4, 3, 3, 3, 2, "f"),
        (3, 5, 2, 3, 2, 2, "f"),
        (5, 3, 3, 2, 1, 4, "f"),
        (1, 1, 2, 2, 3, 1, "f"),
        (3, 3, 3, 3, 2, 2, "i"),
        (2, 4, 1, 1, 3, 2, "f"),
        (4, 3, 2, 2, 4, 3, "f32"),
        (3, 3, 2, 2, 3, 3, "f"),
    ]:
        G = random_array(rng, (Ho, Wo, c_out), kind)
        K = random_array(rng, (k_h, k_w, c_in, c_out), kind)
        if k_h == k_w and k_h > 1:
            K[0, -1] += 1  # no slice point-symmetric or equal to its transpose
            K[-1, 0] -= 2
        cases.append(Case((G, K), ("G", "K"), Ho == Wo and k_h == k_w))

    def spread(kernel_of, out_channels=None):
        def sim(args, ref):
            G, K = np.asarray(args[0], dtype=float), np.asarray(args[1], dtype=float)
            ks = range(G.shape[2]) if out_channels is None else out_channels(G.shape[2])
            return np.stack(
                [sum(_full(G[:, :, k], kernel_of(K, c, k)) for k in ks) for c in range(K.shape[2])],
                axis=-1,
            )

        return sim

    def swapped(args, ref):
        K = np.asarray(args[1], dtype=float)
        if K.shape[2] != K.shape[3]:
            return None
        return spread(lambda K, c, k: K[::-1, ::-1, k, c])(args, ref)

    mistakes = [
        Mistake(
            "kernel not flipped",
            "input pixel r met weight K[a] at output i = r - a: as the output index grows the kernel index "
            "shrinks, so each output's gradient spreads back through the kernel read backwards (in both directions), exactly as "
            "with one channel.",
            spread(lambda K, c, k: K[:, :, c, k]),
        ),
        Mistake(
            "one axis flipped",
            "the reversal happens along both spatial axes, a 180-degree rotation of every slice.",
            spread(lambda K, c, k: K[::-1, :, c, k]),
        ),
        Mistake(
            "one axis flipped",
            "the reversal happens along both spatial axes, a 180-degree rotation of every slice.",
            spread(lambda K, c, k: K[:, ::-1, c, k]),
        ),
        Mistake(
            "one output channel only",
            "input channel c fed EVERY output channel k (through slice K[:, :, c, k]): its gradient "
            "collects the contributions of all C_out output channels.",
            spread(lambda K, c, k: K[::-1, ::-1, c, k], lambda n: [0]),
        ),
        Mistake(
            "channel axes swapped",
            "slice K[:, :, c, k] connects input channel c to output channel k: the gradient of input "
            "channel c comes back through the slices with that c, summed over k. Channel axes are never flipped or swapped.",
            swapped,
        ),
        *int_mistakes("np.zeros(...)"),
    ]
    shape_mistakes = [
        Mistake(
            "the output's shape",
            "dL/dX has the shape of the layer's INPUT (H, W, C_in), larger than Y: every input pixel gets a "
            "gradient, also those near the border that fewer windows covered.",
            lambda args, s: tuple(np.shape(args[0])),
        ),
        Mistake(
            "the output's shape",
            "dL/dX has the shape of the layer's INPUT (H, W, C_in), larger than Y: every input pixel gets a "
            "gradient, also those near the border that fewer windows covered.",
            lambda args, s: (np.shape(args[0])[0], np.shape(args[0])[1], s[2]),
        ),
        Mistake(
            "valid instead of full",
            "a valid correlation makes the result smaller still. Every input pixel that ANY window "
            "touched collects gradient: the result reaches k_h - 1 rows beyond G on each side.",
            lambda args, s: (
                np.shape(args[0])[0] - np.shape(args[1])[0] + 1,
                np.shape(args[0])[1] - np.shape(args[1])[1] + 1,
                s[2],
            ),
        ),
        Mistake(
            "channels of the output",
            "dL/dX has one channel per INPUT channel (C_in = K.shape[2]), not per output channel.",
            lambda args, s: (
                (s[0], s[1], np.shape(args[0])[2]) if np.shape(args[0])[2] != s[2] else None
            ),
        ),
    ]
    run_cases(
        "input gradient with channels",
        fn,
        cases,
        _layer_input_gradient_channels,
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        crash_hint=_CHANNEL_LAYOUT_HINT,
        time_limit=time_limit,
        forbidden=(conv_transpose2d,),
    )


def _folded(K, u, mean, std):
    """(K', u') with layer(x; K', u') == layer((x - mean) / std; K, u) in valid mode, derived by evaluating the layer."""
    K, u = np.asarray(K, dtype=float), np.asarray(u, dtype=float)
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    K2 = K / std[None, None, :, None]
    # the bias: the layer's answer on the image that is `mean` everywhere (it normalises to zero)
    k_h, k_w, c_in, _ = K.shape
    flat = np.broadcast_to(mean, (k_h, k_w, c_in))
    u2 = u - corr2d_multi_in_out(flat, K2)[0, 0]
    return (K2, u2)


_EITHER = object()  # in a simulated wrong answer: "any value here" (the catch-all mistakes below)


def _same_pair_of_arrays(got, expected) -> bool:
    return (
        isinstance(got, tuple)
        and len(got) == 2
        and all(e is _EITHER or same_array(g, e) for g, e in zip(got, expected, strict=True))
    )


def _pair_of_arrays(got, expected) -> str:
    if not isinstance(got, tuple) or len(got) != 2:
        return "Hint [not a pair]: return a tuple (K_new, u_new): the new kernel and the new biases"
    for name, g, e in zip(("K_new", "u_new"), got, expected, strict=True):
        if np.shape(g) != np.shape(e):
            return f"Hint [wrong shape]: {name} must have the shape {np.shape(e)} of the {'kernel' if name == 'K_new' else 'bias'} it replaces; got {np.shape(g)}"
    return ""


def check_folded_normalisation(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(K, u, mean, std) -> (K_new, u_new)``: an input normalisation folded into the layer.

    A network normalises its input per channel, ``z[i, j, c] = (x[i, j, c] -
    mean[c]) / std[c]``, and then applies the layer ``(K, u)``:
    ``corr2d_multi_in_out(z, K) + u`` (valid mode). ``fn`` returns the kernel
    and the biases of ONE layer that gives the same output directly from the
    raw ``x``. Both are unique, so they are compared with the answer the
    checker derives by evaluating the layer.

    Raises
    ------
    CheckFailed
        Hints: bias not corrected, mean not divided by the std, one tap
        only, kernel multiplied by the std, sign of the correction, std of
        the output channel, otherwise bias wrong or kernel wrong; not a pair,
        wrong shape, exception, time limit.

    Examples
    --------
    >>> from convlib.checks import check_folded_normalisation
    >>> check_folded_normalisation(lambda K, u, mean, std: (K, u))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: folded normalisation: ... hidden cases fail.
    Hint [...]: ...
    """
    rng = np.random.default_rng(34)
    cases = []
    for k_h, k_w, c_in, c_out in [
        (3, 3, 3, 4),
        (1, 1, 3, 1),
        (2, 2, 2, 2),
        (3, 2, 3, 2),
        (1, 3, 1, 3),
        (2, 3, 4, 2),
        (3, 3, 2, 2),
        (5, 5, 3, 1),
    ]:
        K = np.round(rng.uniform(-2, 2, size=(k_h, k_w, c_in, c_out)), 3)
        u = np.round(rng.uniform(-1, 1, size=c_out), 3)
        mean = np.round(rng.uniform(0.2, 0.6, size=c_in), 3)
        std = np.round(rng.uniform(0.15, 0.35, size=c_in), 3)
        cases.append(Case((K, u, mean, std), ("K", "u", "mean", "std")))

    def bias_with(correction, scale=lambda K, std: K / std[None, None, :, None]):
        def sim(args, ref):
            K, u, mean, std = (np.asarray(a, dtype=float) for a in args)
            return (scale(K, std), u - correction(K, mean, std))

        return sim

    def full(K, mean, std):
        return np.einsum("abck,c->k", K, mean / std)

    def output_std(args, ref):
        K, u, mean, std = (np.asarray(a, dtype=float) for a in args)
        if K.shape[2] != K.shape[3] or np.allclose(std, std[0]):
            return None
        K2 = K / std[None, None, None, :]
        return (K2, u - np.einsum("abck,c->k", K2, mean))

    mistakes = [
        Mistake(
            "bias not corrected",
            "your kernel is right, but a raw image that equals the mean everywhere must give the old "
            "biases u, since it normalises to zero. Evaluate your layer on that image: the new bias must cancel what the new "
            "kernel makes of the mean.",
            bias_with(lambda K, mean, std: np.zeros(K.shape[3])),
        ),
        Mistake(
            "mean not divided by the std",
            "the normalisation divides (x - mean) as a whole by std: the mean reaches the "
            "kernel divided by std too.",
            bias_with(lambda K, mean, std: np.einsum("abck,c->k", K, mean)),
        ),
        Mistake(
            "one tap only",
            "every tap of the window sees the mean: the correction sums over all k_h k_w positions of the "
            "kernel, not one.",
            bias_with(lambda K, mean, std: np.einsum("ck,c->k", K[0, 0], mean / std)),
        ),
        Mistake(
            "one tap only",
            "every tap of the window sees the mean: the correction sums over all k_h k_w positions of the "
            "kernel, not one.",
            bias_with(
                lambda K, mean, std: np.einsum(
                    "ck,c->k", K[K.shape[0] // 2, K.shape[1] // 2], mean / std
                )
            ),
        ),
        Mistake(
            "sign of the correction",
            "subtracting the mean lowers every input: the new bias must make up for what the kernel "
            "now adds from the mean, so check the sign on an image that is the mean everywhere.",
            bias_with(lambda K, mean, std: -full(K, mean, std)),
        ),
        Mistake(
            "kernel multiplied by the std",
            "dividing the input by std is the same as dividing the weights that read it by std.",
            bias_with(
                lambda K, mean, std: np.einsum("abck,c->k", K * std[None, None, :, None], mean),
                lambda K, std: K * std[None, None, :, None],
            ),
        ),
        Mistake(
            "std of the output channel",
            "the normalisation belongs to the INPUT channel c: weight K[a, b, c, k] reads channel c "
            "and is divided by that channel's std.",
            output_std,
        ),
        # catch-alls, last: the pair has no single shape, so every wrong pair must end in a named hint here
        Mistake(
            "bias wrong",
            "your kernel is right, the biases are not. Evaluate both layers on a raw image that equals the mean "
            "everywhere: it normalises to zero, so the answer must be the old biases u.",
            lambda args, ref: (ref[0], _EITHER),
        ),
        Mistake(
            "kernel wrong",
            "your kernel is not right. Substitute z into the layer and collect, for each weight K[a, b, c, k], "
            "what now multiplies the raw x[i + a, j + b, c].",
            lambda args, ref: (_EITHER, _EITHER),
        ),
    ]
    run_cases(
        "folded normalisation",
        fn,
        cases,
        _folded,
        mistakes=mistakes,
        same=_same_pair_of_arrays,
        validate=_pair_of_arrays,
        square_rule=False,
        returns_array=False,
        time_limit=time_limit,
    )
