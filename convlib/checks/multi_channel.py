"""Checkers for the multi-channel operations: corr2d_multi_in, corr2d_multi_in_out, a conv layer with bias."""

from __future__ import annotations

import numpy as np

from ..channels import corr2d_multi_in, corr2d_multi_in_out
from ..correlate import conv2d, corr2d
from .calls import DEFAULT_TIME_LIMIT
from .engine import Case, Mistake, random_array, run_cases
from .mistakes import OUTPUT_TRANSPOSED, SHAPE_MISTAKES_2D, TRUNCATED_CHANNELS, int_mistakes


def _cases_multi_in(seed: int = 2) -> list:
    rng = np.random.default_rng(seed)
    X0 = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)
    K0 = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)
    cases = [Case((X0, K0), ("X", "K"), True, "D2L's two-channel example")]
    shapes = [
        (1, 1, 1, 1, 1, "f"),
        (5, 5, 2, 2, 3, "f"),
        (6, 6, 3, 3, 2, "f"),
        (7, 7, 4, 4, 3, "f"),
        (4, 4, 1, 1, 4, "f"),
        (6, 6, 5, 5, 2, "f"),
        (5, 5, 3, 3, 3, "i"),
        (6, 6, 2, 2, 2, "if"),
        (4, 7, 2, 3, 3, "f"),
        (7, 4, 3, 2, 3, "f"),
        (5, 9, 1, 5, 2, "f"),
        (9, 5, 5, 1, 2, "f"),
        (6, 8, 3, 3, 4, "f"),
        (8, 6, 2, 4, 1, "f"),
        (3, 6, 2, 2, 3, "f"),
        (6, 3, 2, 2, 3, "f"),
        (5, 7, 2, 3, 2, "if"),
        (4, 6, 3, 4, 3, "f32"),
        (2, 5, 2, 4, 5, "f"),
        (7, 5, 4, 2, 2, "i"),
    ]
    for H, W, k_h, k_w, C, kind in shapes:
        X = random_array(rng, (H, W, C), "i" if kind in ("i", "if") else kind)
        K = random_array(
            rng, (k_h, k_w, C), "i" if kind == "i" else ("f" if kind == "if" else kind)
        )
        cases.append(Case((X, K), ("X", "K"), H == W and k_h == k_w))
    return cases


def _per_channel(X, K, op=corr2d):
    X, K = np.asarray(X), np.asarray(K)
    return np.stack([op(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])], axis=-1)


_CHANNEL_CRASH_HINT = (
    "Channels are on the LAST axis: X[:, :, c] has shape (H, W) and K[:, :, c] has shape (k_h, k_w)"
)


def check_corr2d_multi_in(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K)``: cross-correlation of an ``(H, W, C)`` image with a ``(k_h, k_w, C)`` kernel, summed over channels.

    .. math:: Y[i, j] = \sum_c \sum_{a, b} K[a, b, c] \, X[i + a, j + b, c]

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - k_h + 1, W - k_w + 1)``; it may call a
        single-channel ``corr2d``, but not convlib's multi-channel functions.
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: forgot to sum over channels (output keeps a channel axis, last
        or first), summed over the wrong axis, channels taken from the first
        axis (``zip(X, K)``), used only the first channel, mean over
        channels, every input channel paired with every kernel slice, kernel
        channels in reverse order, flipped kernel, transposed kernel, plus the
        shape, dtype, mutation and square hints of :func:`check_corr2d`.

    Examples
    --------
    >>> from convlib import corr2d
    >>> from convlib.checks import check_corr2d_multi_in
    >>> check_corr2d_multi_in(lambda X, K: corr2d(X[:, :, 0], K[:, :, 0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: corr2d_multi_in: 19 of 21 hidden cases fail.
    Hint [used only the first channel]: ...
    """
    mistakes = [
        Mistake(
            "forgot to sum over channels",
            "your output keeps one map per channel (shape (H', W', C)); the layer adds the channels up: "
            "Y[i, j] = sum_c corr2d(X[:, :, c], K[:, :, c]). Sum the per-channel results.",
            lambda args, ref: _per_channel(*args),
        ),
        Mistake(
            "forgot to sum over channels",
            "your output stacks one map per channel on axis 0 (shape (C, H', W')); add the channels up: "
            "np.stack(maps).sum(axis=0), or sum(maps).",
            lambda args, ref: np.moveaxis(_per_channel(*args), -1, 0),
        ),
        Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps) (shape (C, H', W')) sum over axis 0.",
            lambda args, ref: np.moveaxis(_per_channel(*args), -1, 0).sum(axis=-1),
        ),
        Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps, axis=-1) (shape (H', W', C)) sum over axis -1.",
            lambda args, ref: _per_channel(*args).sum(axis=0),
        ),
        Mistake(
            "summed over the wrong axis",
            "you summed over a spatial axis instead of the channel axis: after np.stack(maps, axis=-1) (shape (H', W', C)) sum over axis -1, not axis 1.",
            lambda args, ref: _per_channel(*args).sum(axis=1),
        ),
        Mistake(
            "channels on the first axis",
            "zip(X, K) and X[c] walk along the FIRST axis (image rows), not the channels. "
            + _CHANNEL_CRASH_HINT
            + ".",
            lambda args, ref: sum(
                corr2d(x, k) for x, k in zip(np.asarray(args[0]), np.asarray(args[1]), strict=False)
            ),
        ),
        Mistake(
            "used only the first channel",
            "your output uses only channel 0; sum the correlations of ALL channels: sum over c of corr2d(X[:, :, c], K[:, :, c]).",
            lambda args, ref: corr2d(np.asarray(args[0])[:, :, 0], np.asarray(args[1])[:, :, 0]),
        ),
        Mistake(
            "mean over channels",
            "you averaged over the channels; the formula sums over c (no division by C).",
            lambda args, ref: ref / np.shape(args[0])[2],
        ),
        Mistake(
            "paired every channel with every kernel slice",
            "you added corr2d(X[:, :, c], K[:, :, d]) for all pairs (c, d); channel c of the image goes with slice c of the kernel only.",
            lambda args, ref: sum(
                corr2d(np.asarray(args[0])[:, :, c], np.asarray(args[1])[:, :, d])
                for c in range(np.shape(args[0])[2])
                for d in range(np.shape(args[1])[2])
            ),
        ),
        Mistake(
            "kernel channels in reverse order",
            "image channel c must be paired with kernel slice c (same index), not with slice C - 1 - c.",
            lambda args, ref: corr2d_multi_in(args[0], np.asarray(args[1])[:, :, ::-1]),
        ),
        Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer cross-correlates: use K[a, b, c] as it is.",
            lambda args, ref: _per_channel(*args, op=conv2d).sum(axis=-1),
        ),
        Mistake(
            "transposed kernel",
            "your result uses each kernel slice transposed: pair K[a, b, c] with X[i + a, j + b, c].",
            lambda args, ref: corr2d_multi_in(args[0], np.swapaxes(np.asarray(args[1]), 0, 1)),
        ),
        OUTPUT_TRANSPOSED,
        Mistake(
            "mean instead of sum",
            "your output is a mean; the formula sums the products over a, b and c.",
            lambda args, ref: ref / np.asarray(args[1]).size,
        ),
        *int_mistakes(),
        TRUNCATED_CHANNELS,
    ]
    run_cases(
        "corr2d_multi_in",
        fn,
        _cases_multi_in(),
        lambda X, K: corr2d_multi_in(X, K),
        mistakes=mistakes,
        shape_mistakes=SHAPE_MISTAKES_2D,
        crash_hint=_CHANNEL_CRASH_HINT,
        time_limit=time_limit,
        forbidden=(corr2d_multi_in, corr2d_multi_in_out),
    )


def _cases_multi_in_out(seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    shapes = [
        (1, 1, 1, 1, 1, 1, "f"),
        (5, 5, 2, 2, 2, 2, "f"),
        (6, 6, 3, 3, 3, 3, "f"),
        (4, 4, 1, 1, 3, 2, "f"),
        (7, 7, 4, 4, 2, 3, "f"),
        (5, 5, 3, 3, 2, 2, "i"),
        (6, 6, 2, 2, 3, 3, "if"),
        (6, 6, 5, 5, 1, 2, "f"),
        (4, 7, 2, 3, 3, 2, "f"),
        (7, 4, 3, 2, 2, 3, "f"),
        (5, 9, 1, 5, 2, 2, "f"),
        (9, 5, 5, 1, 3, 3, "f"),
        (6, 8, 3, 3, 3, 4, "f"),
        (8, 6, 2, 4, 4, 1, "f"),
        (3, 6, 2, 2, 1, 3, "f"),
        (6, 3, 2, 2, 3, 1, "f"),
        (5, 7, 2, 3, 2, 2, "if"),
        (4, 6, 3, 4, 3, 3, "f32"),
        (5, 8, 1, 1, 3, 2, "f"),
        (7, 5, 4, 2, 2, 2, "i"),
    ]
    cases = []
    for H, W, k_h, k_w, ci, co, kind in shapes:
        X = random_array(rng, (H, W, ci), "i" if kind in ("i", "if") else kind)
        K = random_array(
            rng, (k_h, k_w, ci, co), "i" if kind == "i" else ("f" if kind == "if" else kind)
        )
        cases.append(Case((X, K), ("X", "K"), H == W and k_h == k_w))
    return cases


def _mio_no_sum(X, K, op=corr2d):
    X, K = np.asarray(X), np.asarray(K)
    return np.stack(
        [
            np.stack([op(X[:, :, c], K[:, :, c, k]) for k in range(K.shape[3])], axis=-1)
            for c in range(X.shape[2])
        ],
        axis=2,
    )  # (H', W', C_in, C_out)


def _mio_swapped_io(X, K):
    """The student read K as (k_h, k_w, C_out, C_in): output channel k uses K[:, :, k, c]."""
    X, K = np.asarray(X), np.asarray(K)
    maps = []
    for k in range(K.shape[2]):
        maps.append(sum(corr2d(X[:, :, c], K[:, :, k, c]) for c in range(K.shape[3])))
    return np.stack(maps, axis=-1)


_LAYOUT_HINT = (
    "The kernel is indexed K[a, b, c, k]: shape (k_h, k_w, C_in, C_out), input channel c on axis 2 and output channel k "
    "on axis 3 (not PyTorch's (C_out, C_in, k_h, k_w)); X is (H, W, C_in) with channels last"
)


def _mio_mistakes(op_name: str = "corr2d_multi_in_out"):
    return [
        Mistake(
            "output channels first",
            "your output is (C_out, H', W'); convlib keeps channels last: (H', W', C_out). Stack the maps with axis=-1.",
            lambda args, ref: np.moveaxis(ref, -1, 0),
        ),
        Mistake(
            "forgot to sum over input channels",
            "your output keeps the input-channel axis (H', W', C_in, C_out); each output channel k adds up its input channels: "
            "Y[:, :, k] = sum_c corr2d(X[:, :, c], K[:, :, c, k]).",
            lambda args, ref: _mio_no_sum(*args),
        ),
        Mistake(
            "summed over the output channels",
            "you summed over the output channels k instead of the input channels c: for each k, sum over c.",
            lambda args, ref: _mio_no_sum(*args).sum(axis=3),
        ),
        Mistake(
            "(C_out, C_in) order mixed",
            "you read the kernel as (k_h, k_w, C_out, C_in). " + _LAYOUT_HINT + ".",
            lambda args, ref: _mio_swapped_io(*args),
        ),
        Mistake(
            "same kernel for every output channel",
            "every output channel uses the kernel of channel 0: output channel k must use K[:, :, :, k].",
            lambda args, ref: np.repeat(
                corr2d_multi_in(args[0], np.asarray(args[1])[:, :, :, 0])[:, :, None],
                np.shape(args[1])[3],
                axis=2,
            ),
        ),
        Mistake(
            "only one output channel",
            "you computed only output channel 0 (shape (H', W')); compute one map per output channel and stack them on the last axis.",
            lambda args, ref: ref[:, :, 0],
        ),
        Mistake(
            "only one output channel",
            "you computed only output channel 0; compute one map per output channel k = 0 .. C_out - 1 and stack them on the last axis.",
            lambda args, ref: ref[:, :, :1],
        ),
        Mistake(
            "output channels in reverse order",
            "output channel k must come from K[:, :, :, k]; your channels come out in reverse order.",
            lambda args, ref: ref[:, :, ::-1],
        ),
        Mistake(
            "mean over input channels",
            "you averaged over the input channels; the formula sums over c.",
            lambda args, ref: ref / np.shape(args[0])[2],
        ),
        Mistake(
            "flipped kernel",
            "you flipped the kernel (convolution); the layer cross-correlates: use V[a, b, c, k] as it is.",
            lambda args, ref: _mio_no_sum(*args, op=conv2d).sum(axis=2),
        ),
        Mistake(
            "transposed kernel",
            "your result uses each kernel slice transposed: pair V[a, b, c, k] with X[i + a, j + b, c].",
            lambda args, ref: corr2d_multi_in_out(args[0], np.swapaxes(np.asarray(args[1]), 0, 1)),
        ),
        Mistake(
            "rows and columns swapped",
            "your output has rows and columns swapped: (H', W', C_out) with H' rows.",
            lambda args, ref: np.swapaxes(ref, 0, 1),
        ),
        *int_mistakes(),
        TRUNCATED_CHANNELS,
    ]


def check_corr2d_multi_in_out(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K)``: the convolutional layer's full operation, without bias.

    .. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c]

    Parameters
    ----------
    fn : callable
        ``fn(X, K)`` with ``X`` of shape ``(H, W, C_in)`` and ``K`` of shape
        ``(k_h, k_w, C_in, C_out)``, returning ``(H - k_h + 1, W - k_w + 1, C_out)``;
        it may call ``corr2d`` or ``corr2d_multi_in``, not ``corr2d_multi_in_out``.
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: output channels first, forgot to sum over input channels,
        summed over the output channels, (C_out, C_in) order mixed, the same
        kernel for every output channel, only one output channel, output
        channels reversed, mean over input channels, flipped or transposed
        kernel, rows and columns swapped, plus the shape, dtype, mutation and
        square hints of :func:`check_corr2d`.

    Examples
    --------
    >>> from convlib import corr2d_multi_in
    >>> from convlib.checks import check_corr2d_multi_in_out
    >>> check_corr2d_multi_in_out(lambda X, K: corr2d_multi_in(X, K[..., 0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: corr2d_multi_in_out: 20 of 20 hidden cases fail.
    ...
    """
    run_cases(
        "corr2d_multi_in_out",
        fn,
        _cases_multi_in_out(),
        lambda X, K: corr2d_multi_in_out(X, K),
        mistakes=_mio_mistakes(),
        shape_mistakes=SHAPE_MISTAKES_2D,
        crash_hint=_LAYOUT_HINT,
        time_limit=time_limit,
        forbidden=(corr2d_multi_in_out,),
    )


def check_conv_layer(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K, b)``: a convolutional layer's forward pass with one bias per output channel.

    .. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c] + b[k]

    Parameters
    ----------
    fn : callable
        ``fn(X, K, b)`` with ``X`` ``(H, W, C_in)``, ``K`` ``(k_h, k_w, C_in, C_out)``
        and ``b`` ``(C_out,)``, returning ``(H - k_h + 1, W - k_w + 1, C_out)``.
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: forgot the bias, bias added once per input channel, bias
        subtracted, bias added to output channel 0 only, bias of the wrong
        channel (reversed), plus every hint of :func:`check_corr2d_multi_in_out`.

    Examples
    --------
    >>> from convlib.checks import check_conv_layer
    >>> check_conv_layer(lambda X, K, b: X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: conv layer: 20 of 20 hidden cases fail.
    ...
    """
    rng = np.random.default_rng(4)
    cases = []
    for c in _cases_multi_in_out(5):
        X, K = c.args
        b = np.round(rng.uniform(-2, 2, size=K.shape[3]), 2) + 0.5
        if K.shape[3] > 1:
            b[0], b[-1] = b[0] + 0.25, b[-1] - 0.25  # never symmetric, so a reversed bias shows
        cases.append(Case((X, K, b), ("X", "K", "b"), c.square))

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

        lifted.append(Mistake(m.tag, m.hint, sim))
    mistakes = [
        Mistake(
            "forgot the bias",
            "your output has no bias: add b[k] to every pixel of output channel k (out + b broadcasts over the last axis).",
            lambda args, ref: no_bias(args),
        ),
        Mistake(
            "bias added once per input channel",
            "you added the bias inside the sum over input channels, so it counts C_in times: add b[k] once, after the sum.",
            lambda args, ref: (
                no_bias(args) + np.shape(args[0])[2] * np.asarray(args[2])
                if np.shape(args[0])[2] > 1
                else None
            ),
        ),
        Mistake(
            "bias subtracted",
            "you subtracted the bias; the layer adds it: h = corr + b.",
            lambda args, ref: no_bias(args) - np.asarray(args[2]),
        ),
        Mistake(
            "bias on output channel 0 only",
            "only output channel 0 got its bias; output channel k gets b[k] (out + b broadcasts over the last axis).",
            lambda args, ref: (
                no_bias(args) + np.eye(np.size(args[2]))[0] * np.asarray(args[2])[0]
                if np.size(args[2]) > 1
                else None
            ),
        ),
        Mistake(
            "bias of the wrong channel",
            "output channel k must get b[k]; your biases come in reverse order.",
            lambda args, ref: no_bias(args) + np.asarray(args[2])[::-1],
        ),
        *lifted,
    ]
    run_cases(
        "conv layer",
        fn,
        cases,
        ref_fn,
        mistakes=mistakes,
        shape_mistakes=SHAPE_MISTAKES_2D,
        crash_hint=_LAYOUT_HINT + "; b has shape (C_out,)",
        time_limit=time_limit,
    )
