r"""Multi-channel cross-correlation: images and hidden layers as 3rd-order tensors.

convlib follows the lecture's index order: an image ``x[i, j, c]`` has shape
``(H, W, C)``. The lecture's kernel ``V[a, b, c, k]`` has offsets ``a, b`` in
``-Delta..Delta``; convlib stores it 0-based, ``K[a, b, c, k] = V[a - Delta,
b - Delta, c, k]``, as an array of shape ``(k_h, k_w, C_in, C_out)``. The
valid output is then

.. math:: \mathrm{out}[i, j, k] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} \sum_c K[a, b, c, k] \, x[i + a, j + b, c],

which is the lecture's ``h[i + Delta, j + Delta, k]``. ``padding`` and
``stride`` work as in :func:`convlib.corr2d`.

Strategies: every window as a row of a matrix (im2col, in blocks) times the
kernel as a ``(k_h k_w C_in) x C_out`` matrix; for 3 x 3 kernels with many
channel pairs on finite float inputs, Winograd's F(4 x 4, 3 x 3), which needs
36 instead of 144 multiplications per 4 x 4 output tile and channel pair.
Integer inputs always take the exact matrix product.

PyTorch orders axes differently: images as ``(N, C, H, W)`` and weights as
``(C_out, C_in, k_h, k_w)``. :func:`image_to_nchw`, :func:`image_from_nchw`,
:func:`kernel_to_oihw` and :func:`kernel_from_oihw` convert between the two;
``torch.nn.functional.conv2d`` on converted arrays gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_channels, check_fits_in_memory
from .correlate import _geometry, _operands, _pad_by_mode, _zero_pad, check_method

__all__ = [
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "image_to_nchw",
    "image_from_nchw",
    "kernel_to_oihw",
    "kernel_from_oihw",
]

# The channel strategies (see the module docstring); ``method="auto"`` picks one.
METHODS = ("auto", "gemm", "winograd")

# Output rows per GEMM block: bounds the im2col copy to about this many bytes.
_BLOCK_BYTES = 8 * 1024 * 1024
# Up to this many input channels the im2col matrix is built from channel planes
# (long contiguous copies), in blocks of about _PLANES_BLOCK_BYTES (in the L2 cache),
# and multiplied in pieces of about _PLANES_GEMM_WORK multiply-adds: below about
# 10^6 of them OpenBLAS uses its small-matrix kernels, which skip packing
# (measured on RGB 1024^2, 3 -> 16: pieces of 2^19 run at about 1.5x the GFLOP/s
# of one product per block; pieces of 2^20 are slower again).
_PLANES_MAX_CHANNELS = 8
_PLANES_BLOCK_BYTES = 1024 * 1024
_PLANES_GEMM_WORK = 1 << 19
# Small layers (taps * C_out multiply-adds per pixel at most _SMALL_GEMM_WORK / 64)
# multiply in stacks of small GEMMs of about _SMALL_GEMM_WORK multiply-adds:
# NumPy loops over the stack in C and OpenBLAS runs each on one thread. One
# big multi-threaded GEMM is no faster here and is many times slower when the
# cores are busy with other work (its threads wait for each other).
_SMALL_GEMM_WORK = 1 << 17


def corr2d_multi_in(
    X,
    K,
    mode: str = "valid",
    *,
    padding=0,
    stride=1,
    dilation=1,
    padding_mode: str = "zeros",
    method: str = "auto",
) -> np.ndarray:
    r"""Cross-correlate a multi-channel image with a multi-channel kernel, summing over channels.

    .. math:: \mathrm{out}[i, j] = \sum_{a, b} \sum_c K[a, b, c] \, x_{\mathrm{pad}}[i s_h + a d_h, j s_w + b d_w, c]

    Parameters
    ----------
    X : array_like, shape (H, W, C)
        Image with ``C`` channels on the last axis.
    K : array_like, shape (k_h, k_w, C)
        One kernel slice per input channel.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`convlib.corr2d`.
    padding, stride : int or (int, int)
        Zero padding on each side and step between windows, as in :func:`convlib.corr2d`.
    dilation : int or (int, int)
        Spacing between the kernel's taps, as in :func:`convlib.corr2d`.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the padding is filled, as in :func:`convlib.corr2d`.
    method : {"auto", "gemm", "winograd"}
        The strategy (module docstring); ``"auto"`` as
        :func:`convlib.choose_method` says. ``"winograd"`` where it does not
        apply (not 3 x 3, a stride or dilation, integers, non-finite or huge
        values) runs ``"gemm"``.

    Returns
    -------
    numpy.ndarray, shape (H', W')
        The sum over ``c`` of ``corr2d(X[..., c], K[..., c], mode, padding=padding, stride=stride)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.corr2d`; also ``ValueError`` if the channel counts differ.

    Examples
    --------
    D2L's two-channel example:

    >>> import numpy as np
    >>> from convlib import corr2d_multi_in
    >>> X = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)
    >>> K = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)
    >>> corr2d_multi_in(X, K)
    array([[ 56.,  72.],
           [104., 120.]])
    """
    X, K, integral = _operands(X, K, 3, ("(H, W, C)", "(k_h, k_w, C)"))
    check_channels(X.shape[-1], K.shape[-1])
    return _multi(
        X[None],
        K[..., None],
        mode,
        padding=padding,
        stride=stride,
        integral=integral,
        dilation=dilation,
        padding_mode=padding_mode,
        method=method,
    )[0, :, :, 0]


def corr2d_multi_in_out(
    X,
    K,
    mode: str = "valid",
    *,
    padding=0,
    stride=1,
    dilation=1,
    padding_mode: str = "zeros",
    method: str = "auto",
) -> np.ndarray:
    r"""The convolutional layer's full operation: many input and output channels.

    .. math:: \mathrm{out}[i, j, k] = \sum_{a, b} \sum_c K[a, b, c, k] \, x_{\mathrm{pad}}[i s_h + a d_h, j s_w + b d_w, c]

    A ``1 x 1`` kernel reduces to a per-pixel matrix multiply,
    ``out[i, j, :] = x[i, j, :] @ K[0, 0]``.

    Parameters
    ----------
    X : array_like, shape (H, W, C_in) or (N, H, W, C_in)
        Image, optionally with a leading batch axis.
    K : array_like, shape (k_h, k_w, C_in, C_out)
        The 4th-order kernel, 0-based: ``K[a, b, c, k] = V[a - Delta, b - Delta, c, k]``.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`convlib.corr2d`.
    padding, stride : int or (int, int)
        Zero padding on each side and step between windows, as in :func:`convlib.corr2d`
        (PyTorch's ``padding`` and ``stride`` of ``conv2d``).
    dilation : int or (int, int)
        Spacing between the kernel's taps (PyTorch's ``dilation``).
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the padding is filled (PyTorch's ``padding_mode`` of ``nn.Conv2d``).
    method : {"auto", "gemm", "winograd"}
        As in :func:`corr2d_multi_in`.

    Returns
    -------
    numpy.ndarray, shape (H', W', C_out) or (N, H', W', C_out)

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.corr2d`; also ``ValueError`` if ``K``'s axis 2 does
        not match ``X``'s channel count.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d_multi_in_out
    >>> X = np.ones((4, 4, 3))
    >>> K = np.ones((3, 3, 3, 2))
    >>> corr2d_multi_in_out(X, K).shape
    (2, 2, 2)
    >>> float(corr2d_multi_in_out(X, K)[0, 0, 0])  # 3 * 3 * 3 ones
    27.0

    A stride of 2 with padding 1 (D2L 7.3), 8 x 8 to 4 x 4:

    >>> corr2d_multi_in_out(np.ones((8, 8, 3)), K, padding=1, stride=2).shape
    (4, 4, 2)
    """
    X = as_array(X, "X", (3, 4), keep_dtype=True, layout="(H, W, C_in) or (N, H, W, C_in)")
    single = X.ndim == 3
    X, K, integral = _operands(
        X[None] if single else X, K, 4, ("(N, H, W, C_in)", "(k_h, k_w, C_in, C_out)")
    )
    check_channels(X.shape[-1], K.shape[2])
    out = _multi(
        X,
        K,
        mode,
        padding=padding,
        stride=stride,
        integral=integral,
        dilation=dilation,
        padding_mode=padding_mode,
        method=method,
    )
    return out[0] if single else out


def _multi(
    X: np.ndarray,
    K: np.ndarray,
    mode: str = "valid",
    *,
    padding=0,
    stride=1,
    integral: bool = False,
    dilation=1,
    padding_mode="zeros",
    method="auto",
    plan_only=False,
):
    """(N, H, W, C_in) * (k_h, k_w, C_in, C_out) -> (N, H', W', C_out); arrays validated, mode/padding/stride not yet.

    ``integral`` says that both inputs held integers (then only exact
    strategies are used). ``plan_only``: return the strategy's name instead.
    """
    method = check_method(method, METHODS)
    k_h, k_w, c_in, c_out = K.shape
    n, H, W, _ = X.shape
    dtype = np.result_type(X, K)
    pad, step, out_shape, dil = _geometry(
        (H, W),
        (k_h, k_w),
        mode,
        padding,
        stride,
        flipped=False,
        itemsize=dtype.itemsize,
        planes=n * max(c_in, c_out),
        dilation=dilation,
    )
    X = X.astype(dtype, copy=False)
    K = K.astype(dtype, copy=False)
    strategy = _plan(X, K, step, out_shape, dil, integral, method)
    if plan_only:
        return strategy
    if padding_mode != "zeros":
        X, pad = _pad_by_mode(X, pad, padding_mode, axes=(1, 2))
    X = _zero_pad(X, pad, axes=(1, 2))
    if strategy == "winograd":
        return _winograd_3x3(X, K, out_shape, dil)
    return _im2col_gemm(X, K, step, out_shape, dil)


def _plan(X, K, step, out_shape, dilation, integral: bool, method: str) -> str:
    """The strategy that runs: Winograd where it applies and (for ``"auto"``) pays, else the matrix product.

    With a dilation Winograd runs on each phase (see :func:`_winograd_3x3`).
    """
    k_h, k_w, c_in, c_out = K.shape
    applies = (k_h, k_w) == (3, 3) and step == (1, 1) and min(out_shape) >= 2 and not integral
    tiles = X.shape[0] * -(-out_shape[0] // 4) * -(-out_shape[1] // 4)
    pays = c_in * c_out >= _WINOGRAD_MIN_CHANNELS and tiles >= _WINOGRAD_MIN_TILES
    if (
        method in ("auto", "winograd")
        and applies
        and (pays or method == "winograd")
        and _moderate(X)
        and _moderate(K)
    ):
        return "winograd"
    return "gemm"


def _choose_channel_method(
    X, K, mode="valid", *, padding=0, stride=1, dilation=1, padding_mode="zeros"
) -> str:
    """:func:`convlib.choose_method` for a channel kernel: 3-D for corr2d_multi_in, 4-D for corr2d_multi_in_out."""
    if np.ndim(K) == 3:
        X, K, integral = _operands(X, K, 3, ("(H, W, C)", "(k_h, k_w, C)"))
        check_channels(X.shape[-1], K.shape[-1])
        X, K = X[None], K[..., None]
    else:
        X = as_array(X, "X", (3, 4), keep_dtype=True, layout="(H, W, C_in) or (N, H, W, C_in)")
        X, K, integral = _operands(
            X[None] if X.ndim == 3 else X, K, 4, ("(N, H, W, C_in)", "(k_h, k_w, C_in, C_out)")
        )
        check_channels(X.shape[-1], K.shape[2])
    return _multi(
        X,
        K,
        mode,
        padding=padding,
        stride=stride,
        integral=integral,
        dilation=dilation,
        padding_mode=padding_mode,
        plan_only=True,
    )


def _im2col_gemm(X, K, step, out_shape, dilation=(1, 1)) -> np.ndarray:
    """Every window as a row (im2col, in blocks of output rows) times the kernel as a matrix."""
    k_h, k_w, c_in, c_out = K.shape
    if c_in <= _PLANES_MAX_CHANNELS:
        return _planes_gemm(X, K, step, out_shape, dilation)
    n = X.shape[0]
    s_h, s_w = step
    d_h, d_w = dilation
    Ho, Wo = out_shape
    # windows[n, i, j, a, b, c] = X[n, i s_h + a d_h, j s_w + b d_w, c]: a view, no copy yet.
    span = (d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(X, span, axis=(1, 2))[
        :, : (Ho - 1) * s_h + 1 : s_h, : (Wo - 1) * s_w + 1 : s_w, :, ::d_h, ::d_w
    ]
    windows = windows.transpose(0, 1, 2, 4, 5, 3)  # (N, Ho, Wo, k_h, k_w, C_in)
    weights = K.reshape(k_h * k_w * c_in, c_out)
    out = np.empty((n, Ho, Wo, c_out), dtype=X.dtype)
    taps = k_h * k_w * c_in
    rows = max(1, _BLOCK_BYTES // max(1, Wo * taps * X.itemsize))
    chunk = min(1024, _SMALL_GEMM_WORK // (taps * c_out))  # pixels per small GEMM
    for b in range(n):
        for r0 in range(0, Ho, rows):
            r1 = min(Ho, r0 + rows)
            cols = windows[b, r0:r1].reshape(-1, taps)  # im2col copy of one block
            res = out[b, r0:r1].reshape(-1, c_out)
            split = (len(cols) // chunk) * chunk if chunk >= 64 else 0
            if split:
                np.matmul(
                    cols[:split].reshape(-1, chunk, taps),
                    weights,
                    out=res[:split].reshape(-1, chunk, c_out),
                )
            if split < len(cols):
                np.matmul(cols[split:], weights, out=res[split:])
    return out


def _planes_gemm(X, K, step, out_shape, dilation=(1, 1)) -> np.ndarray:
    """im2col for few input channels, built from channel planes.

    With channels last, a window's row holds runs of only ``C_in`` contiguous
    values, and copying them is slower than the product. Here each block of
    output rows first turns the input rows it reads into planes ``(C_in,
    rows, W)`` (a small buffer, reused). The block's im2col matrix is built
    transposed, one row per tap ``(a, b, c)``, in one copy from a strided view
    of those planes (whole image rows, so the copy runs over long contiguous
    stretches). The products read it transposed (BLAS takes the transpose as a
    flag, no copy) in pieces of about ``_PLANES_GEMM_WORK`` multiply-adds and
    write channels-last output directly.
    """
    k_h, k_w, c_in, c_out = K.shape
    n, H, W, _ = X.shape
    s_h, s_w = step
    d_h, d_w = dilation
    Ho, Wo = out_shape
    weights = K.reshape(k_h * k_w * c_in, c_out)  # rows in the order (a, b, c)
    taps = k_h * k_w * c_in
    out = np.empty((n, Ho, Wo, c_out), dtype=X.dtype)
    rows = max(1, min(Ho, _PLANES_BLOCK_BYTES // (taps * Wo * X.itemsize)))  # output rows per block
    chunk = max(1, _PLANES_GEMM_WORK // (taps * c_out))  # pixels per product
    reach = (rows - 1) * s_h + (k_h - 1) * d_h + 1  # input rows one block reads
    planes = np.empty((c_in, min(reach, H), W), dtype=X.dtype)
    buffer = np.empty(taps * rows * Wo, dtype=X.dtype)
    c_stride, r_stride, w_stride = planes.strides
    for i in range(n):
        for r0 in range(0, Ho, rows):
            r1 = min(Ho, r0 + rows)
            top = r0 * s_h
            got = min(planes.shape[1], H - top)  # (fewer at the bottom of the image)
            np.copyto(planes[:, :got], X[i, top : top + got].transpose(2, 0, 1))
            pixels = (r1 - r0) * Wo
            cols = buffer[: taps * pixels].reshape(k_h, k_w, c_in, r1 - r0, Wo)
            # cols[a, b, c, r, w] = X[i, (r0 + r) s_h + a d_h, w s_w + b d_w, c]
            windows = np.lib.stride_tricks.as_strided(
                planes,
                cols.shape,
                (d_h * r_stride, d_w * w_stride, c_stride, s_h * r_stride, s_w * w_stride),
                writeable=False,
            )
            np.copyto(cols, windows)
            cols = cols.reshape(taps, pixels)
            res = out[i, r0:r1].reshape(pixels, c_out)
            split = pixels - pixels % chunk
            if split:
                np.matmul(
                    cols[:, :split].reshape(taps, -1, chunk).transpose(1, 2, 0),
                    weights,
                    out=res[:split].reshape(-1, chunk, c_out),
                )
            if split < pixels:
                np.matmul(cols[:, split:].T, weights, out=res[split:])
    return out


def _moderate(A: np.ndarray) -> bool:
    """Finite and far enough from overflow for Winograd's sums of up to 16 terms (NaN gives False)."""
    limit = np.finfo(A.dtype).max / 64
    return bool(A.max() <= limit and A.min() >= -limit)


# Winograd's F(4 x 4, 3 x 3) (Lavin & Gray 2016, interpolation points 0, +-1,
# +-2 and infinity): a 6 x 6 input tile d gives a 4 x 4 output tile
# A^T [(G K G^T) * (B^T d B)] A, 36 multiplications per channel pair instead
# of 144, done as 36 matrix products over all tiles. Each transform is two
# small matrix products (rows, then columns).
_WINOGRAD_BT = np.array(
    [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    dtype=np.float64,
)
_WINOGRAD_G = np.array(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ]
)
_WINOGRAD_AT = np.array(
    [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    dtype=np.float64,
)
# Channel pairs (C_in * C_out) from which the matrix products dominate and Winograd pays,
# and output tiles (N times 4 x 4 tiles) from which its transform of the kernel
# (36 C_in C_out values, made anew on every call) is paid back (measured: 64 tiles
# lose against im2col with 256 -> 256 channels, 256 tiles win).
_WINOGRAD_MIN_CHANNELS = 512
_WINOGRAD_MIN_TILES = 128
# Tile-channel elements (tiles times the larger channel count) per block: the
# transformed tiles of one block (36 of them per element) stay in the L2 cache.
_WINOGRAD_BLOCK_ELEMENTS = 4096
# ... but at least this many tiles per block: fewer make the 36 products too small for BLAS.
_WINOGRAD_MIN_BLOCK_TILES = 64


def _winograd_3x3(X, K, out_shape, dilation=(1, 1)) -> np.ndarray:
    """Valid 3 x 3 correlation of (N, H, W, C_in) with (3, 3, C_in, C_out) by Winograd's F(4 x 4, 3 x 3).

    Finite inputs only (a tile mixes all 36 pixels, so a NaN would spread
    beyond its windows). With a dilation ``d`` the outputs ``out[r::d_h,
    s::d_w]`` (a phase ``(r, s)``) read only the pixels ``X[r::d_h, s::d_w]``,
    neighbours ``d`` apart: each phase is a plain correlation whose tiles are
    read from the image with strides ``d`` times larger and whose outputs go
    straight into a strided view of ``out``; no sub-image is copied. When a
    phase's output side is not a multiple of 4, its last tile is moved back
    to end at the edge (it overlaps its neighbour, whose outputs it writes
    again); only outputs of fewer than 4 rows or columns in a phase are
    computed on the image padded with zeros instead.
    """
    n, H, W, c_in = X.shape
    c_out = K.shape[3]
    Ho, Wo = out_shape
    d_h, d_w = dilation
    # 4 x 4 output tiles of the largest phase
    th, tw = -(-(-(-Ho // d_h)) // 4), -(-(-(-Wo // d_w)) // 4)
    dtype = X.dtype
    overlap = Ho // d_h >= 4 and Wo // d_w >= 4  # the smallest phase has at least one whole tile
    if not overlap:
        need_h, need_w = d_h * (4 * th + 2), d_w * (4 * tw + 2)  # what whole tiles read
        Xp = np.zeros((n, max(H, need_h), max(W, need_w), c_in), dtype=dtype)
        Xp[:, :H, :W] = X
        X = Xp
    G = _WINOGRAD_G
    # U[p, q] = (G K G^T)[p, q]
    U = np.matmul(G, np.matmul(G, K.astype(np.float64).reshape(3, -1)).reshape(6, 3, -1))
    U = U.astype(dtype).reshape(36, c_in, c_out)
    BT, AT = _WINOGRAD_BT.astype(dtype), _WINOGRAD_AT.astype(dtype)
    out = np.empty((n, Ho, Wo, c_out), dtype=dtype)
    tiles = max(_WINOGRAD_MIN_BLOCK_TILES, _WINOGRAD_BLOCK_ELEMENTS // max(c_in, c_out))
    rows = max(1, min(th, tiles // tw))  # tile rows per block
    buffer = np.empty(36 * rows * tw * c_in, dtype=dtype)  # the tiles of one block
    for r in range(d_h):
        for s in range(d_w):
            ho, wo = -(-(Ho - r) // d_h), -(-(Wo - s) // d_w)  # this phase's output size
            if ho <= 0 or wo <= 0:
                continue
            th_p, tw_p = -(-ho // 4), -(-wo // 4)
            # where the last tile row and column start (in the phase's pixels)
            last = (ho - 4, wo - 4) if overlap else (4 * (th_p - 1), 4 * (tw_p - 1))
            for b in range(n):
                image = X[b, r::d_h, s::d_w]  # the phase's sub-image, a view
                phase_out = out[b, r::d_h, s::d_w]
                for t0 in range(0, th_p, rows):
                    t1 = min(th_p, t0 + rows)
                    nt = t1 - t0
                    d = buffer[: 36 * nt * tw_p * c_in].reshape(6, 6, nt, tw_p, c_in)
                    _get_tiles(d, image, t0, th_p, last)  # d[p, q, i, j, c]: 6 x 6 input tiles
                    m = nt * tw_p * c_in
                    V = np.matmul(BT, np.matmul(BT, d.reshape(6, 6 * m)).reshape(6, 6, m))
                    M = np.matmul(V.reshape(36, nt * tw_p, c_in), U)  # 36 products over all tiles
                    m = nt * tw_p * c_out
                    Y = np.matmul(AT, np.matmul(AT, M.reshape(6, 6 * m)).reshape(4, 6, m))
                    Y = Y.reshape(4, 4, nt, tw_p, c_out).transpose(2, 0, 3, 1, 4)  # A^T M A
                    _put_tiles(phase_out, Y, t0, th_p, last)
    return out


def _tile_view(image, top, left, rows, cols):
    """The 6 x 6 tiles ``v[p, q, i, j, c] = image[top + 4 i + p, left + 4 j + q, c]`` as a read-only view."""
    s_r, s_c, s_e = image.strides
    return np.lib.stride_tricks.as_strided(
        image[top:, left:],
        (6, 6, rows, cols, image.shape[2]),
        (s_r, s_c, 4 * s_r, 4 * s_c, s_e),
        writeable=False,
    )


def _get_tiles(d, image, t0, th, last) -> None:
    """Copy the input tiles of tile rows ``t0 ..`` into ``d`` (6, 6, rows, columns, C_in).

    Tiles ``(i, j)`` start at pixel ``(4 i, 4 j)`` of ``image``, the last row
    and column of tiles at ``last``.
    """
    _, _, nt, tw, _ = d.shape
    # tile rows and columns of this block on the 4-pixel grid (all, when the last ones are on it)
    regular = nt - (t0 + nt == th and last[0] != 4 * (th - 1))
    cols = tw if last[1] == 4 * (tw - 1) else tw - 1
    for i0, i1, top in ((0, regular, 4 * t0), (regular, nt, last[0])):
        if i1 > i0:
            if cols:
                d[:, :, i0:i1, :cols] = _tile_view(image, top, 0, i1 - i0, cols)
            if cols < tw:
                d[:, :, i0:i1, cols:] = _tile_view(image, top, last[1], i1 - i0, 1)


def _put_tiles(out, Y, t0, th, last) -> None:
    """Write the output tiles ``Y[i, u, j, v, k]`` of tile rows ``t0 ..`` into ``out``, as :func:`_get_tiles` placed them.

    Only the pixels inside ``out`` are written (a last tile on the padded grid may reach past it).
    """
    nt, _, tw, _, c = Y.shape
    ho, wo = out.shape[:2]
    # whole tiles on the 4-pixel grid, as rows of this block and as columns
    on_grid = last[0] == 4 * (th - 1) and ho - last[0] >= 4
    regular = nt - (t0 + nt == th and not on_grid)
    width = min(4, wo - last[1])  # columns of the last tile inside out
    cols = tw if last[1] == 4 * (tw - 1) and width == 4 else tw - 1
    for i0, i1, top in ((0, regular, 4 * t0), (regular, nt, last[0])):
        if i1 <= i0:
            continue
        if i1 - i0 == 1:  # one tile row, possibly cut at the bottom
            height = min(4, ho - top)
            if cols:
                out[top : top + height, : 4 * cols].reshape(height, cols, 4, c)[...] = Y[
                    i0, :height, :cols
                ]
            if cols < tw:
                out[top : top + height, last[1] : last[1] + width] = Y[i0, :height, tw - 1, :width]
            continue
        rows = i1 - i0  # whole tile rows
        if cols:
            out[top : top + 4 * rows, : 4 * cols].reshape(rows, 4, cols, 4, c)[...] = Y[
                i0:i1, :, :cols
            ]
        if cols < tw:
            out[top : top + 4 * rows, last[1] : last[1] + width].reshape(rows, 4, width, c)[...] = (
                Y[i0:i1, :, tw - 1, :width]
            )


def image_to_nchw(X) -> np.ndarray:
    """Convert ``(H, W, C)`` or ``(N, H, W, C)`` to PyTorch's ``(N, C, H, W)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import image_to_nchw
    >>> image_to_nchw(np.zeros((5, 7, 3))).shape
    (1, 3, 5, 7)
    """
    X = as_array(X, "X", (3, 4), keep_dtype=True, layout="(H, W, C) or (N, H, W, C)")
    return _layout_copy(X[None] if X.ndim == 3 else X, (0, 3, 1, 2), "X")


def image_from_nchw(X) -> np.ndarray:
    """Convert PyTorch's ``(N, C, H, W)`` back to convlib's ``(N, H, W, C)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import image_from_nchw
    >>> image_from_nchw(np.zeros((1, 3, 5, 7))).shape
    (1, 5, 7, 3)
    """
    X = as_array(X, "X", 4, keep_dtype=True, layout="(N, C, H, W)")
    return _layout_copy(X, (0, 2, 3, 1), "X")


def kernel_to_oihw(K) -> np.ndarray:
    """Convert a kernel ``K[a, b, c, k]`` of shape ``(k_h, k_w, C_in, C_out)`` to PyTorch's ``(C_out, C_in, k_h, k_w)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import kernel_to_oihw
    >>> kernel_to_oihw(np.zeros((3, 5, 2, 4))).shape
    (4, 2, 3, 5)
    """
    K = as_array(K, "K", 4, keep_dtype=True, layout="(k_h, k_w, C_in, C_out)")
    return _layout_copy(K, (3, 2, 0, 1), "K")


def kernel_from_oihw(K) -> np.ndarray:
    """Convert a PyTorch weight ``(C_out, C_in, k_h, k_w)`` to convlib's ``(k_h, k_w, C_in, C_out)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import kernel_from_oihw
    >>> kernel_from_oihw(np.zeros((4, 2, 3, 5))).shape
    (3, 5, 2, 4)
    """
    K = as_array(K, "K", 4, keep_dtype=True, layout="(C_out, C_in, k_h, k_w)")
    return _layout_copy(K, (2, 3, 1, 0), "K")


def _layout_copy(A: np.ndarray, axes, name: str) -> np.ndarray:
    """``A`` with its axes in the order ``axes``, as a new C-contiguous array (never a view).

    A huge (e.g. broadcast) ``A`` that would not fit in memory is a ValueError naming ``name``.
    """
    check_fits_in_memory(A.size, A.itemsize, f"a copy of {name}", name)
    return A.transpose(axes).copy(order="C")
