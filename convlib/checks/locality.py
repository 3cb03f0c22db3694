"""Checkers for chapters 1 and 2: dense weights of a convolution and the local layer."""

from __future__ import annotations

import numpy as np

from ..correlate import conv2d, corr2d
from ..shapes import output_shape
from .calls import DEFAULT_TIME_LIMIT
from .engine import CORRELATIONS, Case, Mistake, random_array, run_cases
from .mistakes import int_mistakes


def _dense_reference(K, H, W):
    K = np.asarray(K, dtype=float)
    k_h, k_w = K.shape
    Ho, Wo = output_shape(H, W, k_h, k_w)
    Wd = np.zeros((Ho, Wo, H, W))
    for i in range(Ho):
        for j in range(Wo):
            Wd[i, j, i : i + k_h, j : j + k_w] = K
    return Wd


def _dense_minus(K, H, W):
    """W[i, j, i - a, j - b] = K[a, b] where the index exists (the convolution's sign)."""
    K = np.asarray(K, dtype=float)
    k_h, k_w = K.shape
    Ho, Wo = output_shape(H, W, k_h, k_w)
    Wd = np.zeros((Ho, Wo, H, W))
    for i in range(Ho):
        for j in range(Wo):
            for a in range(k_h):
                for b in range(k_w):
                    if i - a >= 0 and j - b >= 0:
                        Wd[i, j, i - a, j - b] = K[a, b]
    return Wd


def check_dense_weights(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(K, H, W)``: the fully connected weight tensor of a valid cross-correlation.

    The layer ``Y = corr2d(x, K)``, with ``K`` the 0-based ``k_h x k_w``
    kernel, is a fully connected layer
    ``Y[i, j] = sum_{k, l} W[i, j, k, l] x[k, l]``; ``fn`` returns its weight
    tensor, of shape ``(H - k_h + 1, W - k_w + 1, H, W)``. ``time_limit`` is the
    number of seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: flipped kernel, transposed kernel, i - a instead of i + a,
        the kernel does not move with (i, j), axes in the order (k, l, i, j),
        hidden rows and columns swapped, hidden layer as large as the image,
        hidden layer one too small, integer or rounded weights, square only.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_dense_weights
    >>> check_dense_weights(lambda K, H, W: np.zeros((H, W, H, W)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: dense weights: 16 of 16 hidden cases fail.
    ...
    """
    rng = np.random.default_rng(6)
    cases = []
    for H, W, k_h, k_w, kind in [
        (3, 3, 2, 2, "i"),
        (1, 1, 1, 1, "f"),
        (4, 4, 3, 3, "f"),
        (5, 5, 2, 2, "f"),
        (4, 4, 1, 1, "f"),
        (5, 5, 3, 3, "if"),
        (4, 6, 2, 3, "f"),
        (6, 4, 3, 2, "f"),
        (3, 5, 1, 4, "f"),
        (5, 3, 4, 1, "f"),
        (5, 7, 3, 3, "f"),
        (6, 5, 2, 2, "f"),
        (4, 5, 4, 5, "f"),
        (2, 6, 2, 2, "f"),
        (6, 6, 2, 5, "f"),
        (5, 6, 2, 3, "if"),
    ]:
        K = random_array(rng, (k_h, k_w), "f" if kind == "if" else kind)
        if kind == "if":
            K = K + 0.25
        cases.append(Case((K, H, W), ("K", "H", "W"), H == W and k_h == k_w, growable=("H", "W")))
    mistakes = [
        Mistake(
            "flipped kernel",
            "your weights hold the flipped kernel: W[i, j, i + a, j + b] = K[a, b] with K as it is (the layer cross-correlates).",
            lambda args, ref: _dense_reference(np.asarray(args[0])[::-1, ::-1], args[1], args[2]),
        ),
        Mistake(
            "transposed kernel",
            "your weights hold the transposed kernel: a is the row offset and b the column offset, W[i, j, i + a, j + b] = K[a, b].",
            lambda args, ref: _dense_reference(np.asarray(args[0]).T, args[1], args[2]),
        ),
        Mistake(
            "i - a instead of i + a",
            "you placed K[a, b] at (i - a, j - b); the lecture re-indexes k = i + a and l = j + b: W[i, j, i + a, j + b] = K[a, b].",
            lambda args, ref: _dense_minus(*args),
        ),
        Mistake(
            "kernel does not move",
            "every hidden pixel (i, j) sees the same image pixels: the window must move with (i, j), W[i, j, i + a, j + b] = K[a, b].",
            lambda args, ref: np.broadcast_to(
                _dense_reference(args[0], args[1], args[2])[0, 0], ref.shape
            ).copy(),
        ),
        Mistake(
            "axes in the wrong order",
            "your tensor is indexed (k, l, i, j); the lecture's is W[i, j, k, l]: hidden pixel first, image pixel last.",
            lambda args, ref: ref.transpose(2, 3, 0, 1),
        ),
        Mistake(
            "hidden rows and columns swapped",
            "your first two axes are (j, i); the hidden pixel (i, j) is row i, column j.",
            lambda args, ref: ref.transpose(1, 0, 2, 3),
        ),
        Mistake(
            "hidden layer as large as the image",
            "your hidden layer has H x W pixels; without padding it has (H - k_h + 1) x (W - k_w + 1) (the windows that fit).",
            lambda args, ref: np.pad(
                ref, ((0, args[1] - ref.shape[0]), (0, args[2] - ref.shape[1]), (0, 0), (0, 0))
            ),
        ),
        Mistake(
            "hidden layer one too small",
            "your hidden layer is one row and one column too small: there are H - k_h + 1 positions (i = 0, ..., H - k_h).",
            lambda args, ref: ref[:-1, :-1] if ref.shape[0] > 1 and ref.shape[1] > 1 else None,
        ),
        *int_mistakes("np.zeros_like(K)"),
    ]
    run_cases(
        "dense weights",
        fn,
        cases,
        _dense_reference,
        mistakes=mistakes,
        shape_mistakes=[],
        time_limit=time_limit,
    )


def check_local_layer(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K)``: the lecture's local layer with zero padding, written without ``corr2d``.

    .. math:: h[i, j] = \sum_{a=-\Delta}^{\Delta} \sum_{b=-\Delta}^{\Delta} V[a, b] \, x[i + a, j + b]

    ``K`` is the ``(2 Delta + 1) x (2 Delta + 1)`` array indexed from 0,
    ``K[a, b] = V[a - Delta, b - Delta]``, so the lecture's ``V[a, b]`` is
    ``K[a + Delta, b + Delta]``; pixels outside the
    image count as zero; the output has the image's shape. ``time_limit`` is
    the number of seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: no padding ('valid' output), 'full' output, flipped kernel,
        transposed kernel, wrap-around instead of zeros, edge padding instead
        of zeros, output shifted by Delta (K[a, b] used for offset (a, b)
        without the + Delta), negative image indices wrap around (``X[-1]``
        is the last row), negative kernel indices wrap around, mean instead of
        sum, integer output, square only, mutation, exception, time limit,
        library function (the exercise asks for the index arithmetic).

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks import check_local_layer
    >>> check_local_layer(lambda X, K: corr2d(X, K, "same"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: local layer: Hint [library function]: this is (or only calls) convlib.corr2d, ...
    """
    rng = np.random.default_rng(7)
    cases = []
    for H, W, d, kind in [
        (1, 1, 0, "f"),
        (5, 5, 1, "f"),
        (6, 6, 2, "f"),
        (4, 4, 0, "f"),
        (7, 7, 1, "i"),
        (6, 6, 1, "if"),
        (5, 5, 2, "f32"),
        (4, 7, 1, "f"),
        (7, 4, 1, "f"),
        (5, 9, 2, "f"),
        (9, 5, 2, "f"),
        (3, 8, 1, "f"),
        (8, 3, 1, "f"),
        (2, 6, 1, "f"),
        (6, 2, 1, "f"),
        (5, 8, 1, "i"),
        (7, 5, 1, "if"),
        (4, 6, 2, "f"),
        (1, 5, 1, "f"),
        (3, 3, 2, "f"),
    ]:
        X = random_array(rng, (H, W), "i" if kind in ("i", "if") else kind)
        K = random_array(
            rng, (2 * d + 1, 2 * d + 1), "i" if kind == "i" else ("f" if kind == "if" else kind)
        )
        cases.append(Case((X, K), ("X", "K"), H == W, f"Delta = {d}"))

    def pad_then(mode):
        def sim(args, ref):
            X, K = np.asarray(args[0], float), np.asarray(args[1], float)
            d = K.shape[0] // 2
            return corr2d(np.pad(X, d, mode=mode), K)

        return sim

    mistakes = [
        Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer pairs V[a, b] = K[a + Delta, b + Delta] with x[i + a, j + b].",
            lambda args, ref: conv2d(args[0], args[1], "same"),
        ),
        Mistake(
            "transposed kernel",
            "your result uses the transposed kernel: a is the row offset, b the column offset.",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T, "same"),
        ),
        Mistake(
            "wrap-around instead of zeros",
            "near the border you used pixels from the opposite side (np.roll or modulo indexing); pixels outside the image count as zero.",
            pad_then("wrap"),
        ),
        Mistake(
            "edge padding instead of zeros",
            "near the border you repeated the edge pixels; pixels outside the image count as zero (np.pad's default mode='constant').",
            pad_then("edge"),
        ),
        Mistake(
            "output shifted by Delta",
            "your output is shifted: K[a + Delta, b + Delta] is the weight of offset (a, b) with a, b from -Delta to Delta, "
            "so the window of h[i, j] is centred on x[i, j] (pad Delta zeros on each side, then slide).",
            lambda args, ref: corr2d(
                np.pad(
                    np.asarray(args[0], float),
                    ((0, np.shape(args[1])[0] - 1), (0, np.shape(args[1])[1] - 1)),
                ),
                args[1],
            ),
        ),
        Mistake(
            "negative image indices wrap around",
            "near the top and left border your sum uses pixels from the BOTTOM and RIGHT of the image: in Python X[-1] is the LAST row, "
            "not an error, so a window reaching above row 0 silently wraps around (while reaching below the last row raises IndexError "
            "or is skipped). A pixel is inside the image only if 0 <= i + a < H and 0 <= j + b < W; outside ones count as zero.",
            _negative_image_indices,
        ),
        Mistake(
            "negative kernel indices wrap around",
            "you indexed K[a, b] with a, b from -Delta to Delta: in Python K[-1] is the LAST row, so the kernel is rolled. "
            "The lecture's V[a, b] is K[a + Delta, b + Delta].",
            lambda args, ref: corr2d(
                args[0],
                np.roll(
                    np.asarray(args[1]),
                    (np.shape(args[1])[0] // 2, np.shape(args[1])[1] // 2),
                    axis=(0, 1),
                ),
                "same",
            ),
        ),
        Mistake(
            "mean instead of sum",
            "your output is the window's mean; the formula sums the products.",
            lambda args, ref: ref / np.asarray(args[1]).size,
        ),
        Mistake(
            "rows and columns swapped",
            "your output is transposed: h[i, j] belongs to image row i and column j, shape (H, W).",
            lambda args, ref: ref.T,
        ),
        *int_mistakes(),
    ]
    shape_mistakes = [
        Mistake(
            "no padding",
            "your output is the 'valid' size (H - 2 Delta) x (W - 2 Delta); the local layer pads with zeros so that h has the image's shape (H, W).",
            lambda args, s: (s[0] - np.shape(args[1])[0] + 1, s[1] - np.shape(args[1])[1] + 1),
        ),
        Mistake(
            "'full' output",
            "your output has the 'full' size (H + 2 Delta) x (W + 2 Delta); h[i, j] exists for the image's pixels only: shape (H, W).",
            lambda args, s: (s[0] + np.shape(args[1])[0] - 1, s[1] + np.shape(args[1])[1] - 1),
        ),
        Mistake(
            "rows and columns swapped",
            "your output has its height and width swapped: (H, W).",
            lambda args, s: (s[1], s[0]),
        ),
    ]
    run_cases(
        "local layer",
        fn,
        cases,
        lambda X, K: corr2d(X, K, "same"),
        mistakes=mistakes,
        shape_mistakes=shape_mistakes,
        time_limit=time_limit,
        forbidden=CORRELATIONS,
    )


def _negative_image_indices(args, ref):
    """The loop that checks only the upper bound (or catches IndexError): x[-1] wraps to the last row/column, x[H] is zero."""
    X, K = np.asarray(args[0], float), np.asarray(args[1], float)
    d = K.shape[0] // 2
    H, W = X.shape
    if d == 0 or d >= min(H, W) + 1:
        return None
    # rows -d..-1 are the last d rows
    rows = np.concatenate([X[H - d :], X, np.zeros((d, W))], axis=0)
    padded = np.concatenate([rows[:, W - d :], rows, np.zeros((H + 2 * d, d))], axis=1)
    if d > H or d > W:
        return None
    return corr2d(padded, K)
