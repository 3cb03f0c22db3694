r"""Two-dimensional cross-correlation and convolution of single-channel arrays.

The convolutional layer computes a **cross-correlation** (the lecture's
formula, no flip) of an image ``x`` with a kernel of size ``k_h x k_w``,
stored 0-based as ``K[a, b] = V[a - Delta, b - Delta]``:

.. math:: \mathrm{out}[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, x[i + a, j + b],

while the mathematical **convolution** flips the kernel,

.. math:: [f \circledast g](i, j) = \sum_{a, b} f(a, b) \, g(i - a, j - b).

Output sizes. ``mode`` gives SciPy's three sizes:

* ``"valid"``: only positions where the kernel fits, ``(H-k_h+1) x (W-k_w+1)``;
* ``"same"``: zero padding so the output has the image's shape; for an odd
  kernel this is exactly the lecture's
  ``sum_{a,b=-Delta..Delta} V[a, b] x[i+a, j+b]``;
* ``"full"``: every position where kernel and image overlap,
  ``(H+k_h-1) x (W+k_w-1)``.

``padding`` and ``stride`` (D2L 7.3, PyTorch's semantics) add ``p_h`` zero
rows on top and bottom and ``p_w`` zero columns on each side, and move the
window ``s_h`` rows and ``s_w`` columns at a time:

.. math:: \mathrm{out}[i, j] = \sum_{a, b} K[a, b] \, x_{\mathrm{pad}}[i s_h + a, j s_w + b],

an output of ``floor((H + 2 p_h - k_h) / s_h) + 1`` rows (columns likewise).
A stride with ``"same"`` or ``"full"`` keeps every ``s``-th output of that mode.

NaN and inf follow IEEE arithmetic: they reach exactly the output pixels whose
window contains them (an inf that meets a zero weight, or +inf and -inf in
one window, gives NaN), and a NaN or inf in the kernel reaches every output
pixel. The strategies that mix all pixels (FFT, long dot products) are only
used on finite inputs.

Strategies, chosen by an estimate of their cost (measured on this project's
machines, see ``benchmarks/bench_corr2d.py``) when ``method="auto"``, or
named with ``method=`` (SciPy's style); :func:`choose_method` tells which
one ``"auto"`` runs:

* **direct**: the formula's sum term by term, one multiply-add of a shifted
  image per kernel tap. Each tap runs over the full row width as one
  contiguous 1-D operation (the last ``k_w - 1`` columns are dropped);
  zero rows of the padding are skipped and the few border columns are
  recomputed, so ``"same"`` needs no padded copy of the image. With a stride
  only the strided outputs are computed.
* **separable**: a kernel of rank 1, ``K[a, b] = u[a] v[b]`` (box, Gaussian,
  Sobel), as a row pass with ``v`` and a column pass with ``u``:
  ``k_h + k_w`` taps instead of ``k_h k_w``.
* **fft**: the convolution theorem with ``numpy.fft.rfft2`` for large
  kernels, computed in float64 (also for float32 inputs, rounded once at the
  end); round-off of the order of the dtype's epsilon times the output's
  magnitude.
* **dot**: a small output from a kernel almost as large as the image, one
  long dot product per output pixel.

Float32 round-off. Let ``S = max_{i,j} sum_{a,b,c} |K[a, b, c]| |x[i + a, j + b, c]|``
be the largest sum of absolute products over one window (the scale every
summation error is measured against; for one channel drop ``c``) and
``eps = 2**-23`` (float32's machine epsilon). On float32 inputs every strategy's
output differs from the exact sum (float64 on the same float32 inputs) by at
most ``bound * eps * S``:

==================================  ===========================  ==========================
strategy                            bound                        measured on random inputs
==================================  ===========================  ==========================
direct                              ``k_h k_w``                  ``0.12 k_h k_w``
separable                           ``2 (k_h + k_w) + 8``        3.9
fft                                 16                           0.31 (float64 inputs: 6.6)
dot                                 ``k_h k_w``                  ``0.09 k_h k_w``
gemm (channels, im2col)             ``k_h k_w C_in``             6.4
winograd (channels, F(4x4, 3x3))    64                           17.4
==================================  ===========================  ==========================

The "measured" column is the worst ratio ``error / (eps S)`` over normal and
uniform random images of 64 x 64 to 300 x 300 with kernels of 3 x 3 to
90 x 90 (channels: 3 to 1024 inputs, 8 to 64 outputs); the bounds of
direct, dot and gemm are the classic ``n eps`` bound of a sum of ``n``
products; those of fft and winograd are the measured worst case times about
four (Winograd's transforms multiply and divide by up to 8 and 24, which
costs its precision; fft's bound is that of its float64 transforms on float64
inputs, float32 inputs see mostly the final rounding to float32). :func:`_float32_error_bound` returns the bound, and
``tests/test_float32_error.py`` checks it on random inputs (hypothesis).
float64 inputs have the same bounds with ``eps = 2**-52``.

Exact integers: when both inputs are integer or boolean arrays the result is
computed in float64 and equals the exact integer sum whenever every window's
``sum_{a,b} |K[a, b]| |x[.]|`` is at most ``2**53``, on every strategy (the
FFT strategy splits large values into binary digits small enough that its
round-off stays below 1/4, then rounds each piece to the nearest integer).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_array, check_fits_in_memory, check_padding_mode, compute_dtype
from .padding import _check_mode_fits, _mode_pad
from .shapes import conv_geometry

__all__ = ["corr2d", "conv2d", "corr2d_naive", "choose_method"]

# The single-channel strategies (see the module docstring); ``method="auto"`` picks one by cost.
STRATEGIES = ("direct", "separable", "fft", "dot")
METHODS = ("auto",) + STRATEGIES

# corr2d_naive refuses more multiply-adds than this (about an hour of Python)
_NAIVE_MAX_WORK = 10**9
# Outputs times taps up to which the direct strategy runs without blocks
_TINY_WORK = 4096
# Rows per block of the direct strategy: about this many bytes per block buffer
# (the block, its temporary and the image rows it reads stay in the L2 cache).
_ROW_BLOCK_BYTES = 128 * 1024
# Cost model of the strategies, in nanoseconds (measured on this project's
# 2-core machines, float32 and float64 alike within a factor 1.5).
_NS_PER_TAP_PIXEL = 0.3  # one multiply and one add of a contiguous element
_NS_PER_STRIDED_TAP_PIXEL = 1.5  # the same on a strided view
_NS_PER_CALL = 1500.0  # a NumPy call in the inner loop (two per tap and block)
_NS_PER_FFT_POINT = 0.8  # per point and log2(points), for one rfft2 or irfft2
_FFT_MIN_PIXELS = 64 * 64
_NS_FFT_OVERHEAD = 100000.0  # three NumPy FFT calls, the crop and the finiteness check
_NS_PER_DOT_ELEMENT = 0.35  # per element of a long dot product
# Kernels of at most this many rows get their column DFT as a matrix product (_kernel_spectrum)
_DFT_MAX_ROWS = 32
# An FFT piece is trusted to round to the exact integer when its error bound
# _FFT_ERROR_FACTOR * eps * log2(points) * ||x||_2 * ||K||_1 is at most 1/4.
_FFT_ERROR_FACTOR = 4.0


def corr2d(
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
    r"""2-D cross-correlation of an image with a kernel: what a conv layer computes.

    .. math:: \mathrm{out}[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, x_{\mathrm{pad}}[i s_h + a d_h, j s_w + b d_w]

    Parameters
    ----------
    X : array_like, shape (H, W)
        The image ``x``.
    K : array_like, shape (k_h, k_w)
        The kernel, ``K[a, b] = V[a - Delta, b - Delta]``.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`scipy.signal.correlate2d`.
    padding : int or (int, int)
        Zero rows ``p_h`` above and below and zero columns ``p_w`` left and
        right of the image (only with ``mode="valid"``).
    stride : int or (int, int)
        Step ``s_h`` between output rows and ``s_w`` between output columns.
    dilation : int or (int, int)
        Spacing ``d_h``, ``d_w`` between the kernel's taps (PyTorch's
        ``dilation``): the kernel covers ``d (k - 1) + 1`` pixels per axis
        (:func:`convlib.effective_kernel_size`) but still has ``k_h k_w`` weights.
        ``"same"`` and ``"full"`` pad for that effective size.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the padding (from ``padding`` or from ``mode``) is filled,
        PyTorch's names (``np.pad``'s ``"constant"``, ``"reflect"``,
        ``"edge"``, ``"wrap"``; see :func:`convlib.pad2d`).
    method : {"auto", "direct", "separable", "fft", "dot"}
        The strategy (module docstring), as in :func:`scipy.signal.correlate`:
        ``"auto"`` takes the one with the smallest estimated time
        (:func:`choose_method` says which). A named strategy that cannot give
        the documented result falls back to ``"direct"``: ``"separable"`` on a
        kernel of rank above 1, ``"fft"`` and ``"dot"`` on inputs holding NaN
        or inf, ``"fft"`` on integers too large for its exact rounding.

    Returns
    -------
    numpy.ndarray
        ``(floor((H + 2 p_h - d_h (k_h - 1) - 1) / s_h) + 1, ...)`` (columns
        likewise) for ``"valid"``; ``"same"`` and ``"full"`` pad as SciPy does (to
        ``(H, W)`` and ``(H+k_h-1, W+k_w-1)`` with stride and dilation 1). float32 inputs
        give float32; integer and boolean inputs are computed in float64.

    Raises
    ------
    ValueError
        If an array is not 2-D or empty, if ``mode`` is unknown, if the kernel
        is larger than the (padded) image in ``"valid"`` mode, if ``padding``
        is negative or given with another mode, if ``stride`` or ``dilation``
        is below 1, if ``padding_mode`` is unknown or its padding too large
        (``"reflect"`` needs padding < image side), if ``method`` is unknown,
        or if the output would not fit in memory.
    TypeError
        If an array is not real-valued numeric, or ``padding``/``stride`` is
        not an integer or a pair of integers.

    Examples
    --------
    The lecture's worked example:

    >>> import numpy as np
    >>> from convlib import corr2d
    >>> X = np.arange(9).reshape(3, 3)
    >>> K = np.arange(4).reshape(2, 2)
    >>> corr2d(X, K)
    array([[19., 25.],
           [37., 43.]])

    D2L 7.3: padding 1 keeps an 8 x 8 image's size under a 3 x 3 kernel, and
    stride 2 halves it:

    >>> corr2d(np.ones((8, 8)), np.ones((3, 3)), padding=1).shape
    (8, 8)
    >>> corr2d(np.ones((8, 8)), np.ones((3, 3)), padding=1, stride=2).shape
    (4, 4)

    Dilation 2 spreads a 3 x 3 kernel over 5 x 5 pixels; circular padding
    makes the layer commute with ``np.roll``:

    >>> corr2d(np.ones((8, 8)), np.ones((3, 3)), dilation=2).shape
    (4, 4)
    >>> x = np.arange(20.0).reshape(4, 5)
    >>> y = corr2d(x, K, "same", padding_mode="circular")
    >>> bool(np.array_equal(corr2d(np.roll(x, 1, axis=1), K, "same", padding_mode="circular"), np.roll(y, 1, axis=1)))
    True
    """
    return _single(
        X,
        K,
        mode,
        padding,
        stride,
        flipped=False,
        dilation=dilation,
        padding_mode=padding_mode,
        method=method,
    )


def conv2d(
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
    r"""2-D convolution (the kernel is flipped), as in :func:`scipy.signal.convolve2d`.

    .. math:: [K \circledast x](i, j) = \sum_{a, b} K[a, b] \, x[i - a, j - b]

    with ``i, j`` indexing the ``"full"`` output (every overlap, starting
    where only ``K[0, 0]`` touches ``x[0, 0]``). Equivalently,
    cross-correlation with the kernel rotated by 180 degrees,
    ``corr2d(X, K[::-1, ::-1], padding=p, stride=s)`` (for ``"same"`` with an
    even-sized kernel the centring differs by one pixel, exactly as in SciPy).

    Parameters
    ----------
    X : array_like, shape (H, W)
        The image.
    K : array_like, shape (k_h, k_w)
        The kernel, flipped before sliding.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`scipy.signal.convolve2d`.
    padding, stride, dilation : int or (int, int)
        As in :func:`corr2d`.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        As in :func:`corr2d`.
    method : {"auto", "direct", "separable", "fft", "dot"}
        As in :func:`corr2d`.

    Returns
    -------
    numpy.ndarray
        Same shapes and dtypes as :func:`corr2d`.

    Raises
    ------
    ValueError, TypeError
        As :func:`corr2d`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import conv2d
    >>> conv2d(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    array([[ 5., 11.],
           [23., 29.]])
    """
    return _single(
        X,
        K,
        mode,
        padding,
        stride,
        flipped=True,
        dilation=dilation,
        padding_mode=padding_mode,
        method=method,
    )


def corr2d_naive(X, K) -> np.ndarray:
    r"""Reference loop for ``"valid"`` cross-correlation, one line per symbol of the formula.

    .. math:: \mathrm{out}[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, x[i + a, j + b]

    Slow (a few microseconds per output pixel); kept because it is easy to
    read and serves as the reference in tests. Use :func:`corr2d` for work.

    Parameters
    ----------
    X : array_like, shape (H, W)
    K : array_like, shape (k_h, k_w)

    Returns
    -------
    numpy.ndarray, shape (H-k_h+1, W-k_w+1)

    Raises
    ------
    ValueError, TypeError
        As :func:`corr2d`; also ``ValueError`` when the loop would run more
        than ``10**9`` multiply-adds (hours of Python).

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d_naive
    >>> corr2d_naive(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    array([[19., 25.],
           [37., 43.]])
    """
    X, K, _ = _operands(X, K)
    Ho, Wo = conv_geometry(
        X.shape,
        K.shape,
        hint="corr2d_naive computes 'valid' outputs only: use corr2d with mode='same' or padding=",
    ).out
    k_h, k_w = K.shape
    work = Ho * Wo * k_h * k_w
    if work > _NAIVE_MAX_WORK:
        raise ValueError(
            f"X of shape {X.shape} with K of shape {K.shape} needs {work:.3g} Python multiply-adds "
            f"(hours at a few microseconds each); corr2d_naive is for small examples, use corr2d"
        )
    out = np.zeros((Ho, Wo), dtype=np.result_type(X, K))
    for i in range(Ho):
        for j in range(Wo):
            total = 0.0
            for a in range(k_h):
                for b in range(k_w):
                    total += K[a, b] * X[i + a, j + b]
            out[i, j] = total
    return out


# ---------------------------------------------------------------------------
# arguments


def _single(
    X, K, mode, padding, stride, *, flipped: bool, dilation=1, padding_mode="zeros", method="auto"
) -> np.ndarray:
    """Validate the arguments of :func:`corr2d` / :func:`conv2d` and correlate (with ``K`` rotated if ``flipped``)."""
    method = check_method(method, METHODS)
    X, K, integral, pad, step, out_shape, dil = _prepared(
        X, K, mode, padding, stride, flipped, dilation, padding_mode
    )
    return _correlate(
        X,
        K[::-1, ::-1] if flipped else K,
        pad,
        step,
        out_shape,
        integral=integral,
        dilation=dil,
        method=method,
    )


def _prepared(X, K, mode, padding, stride, flipped, dilation, padding_mode):
    """Checked operands and geometry, shared by :func:`corr2d`/:func:`conv2d` and :func:`choose_method`.

    Returns ``(X, K, integral, pad, step, out_shape, dilation)``; a padding
    mode other than zeros is applied to ``X`` here, so ``pad`` is what is
    left to add as zeros.
    """
    X, K, integral = _operands(X, K)
    pad, step, out_shape, dil = _geometry(
        X.shape,
        K.shape,
        mode,
        padding,
        stride,
        flipped=flipped,
        itemsize=X.itemsize,
        dilation=dilation,
    )
    if padding_mode != "zeros":
        X, pad = _pad_by_mode(X, pad, padding_mode)
    return X, K, integral, pad, step, out_shape, dil


def check_method(method, allowed) -> str:
    """Return ``method`` if it is one of ``allowed``, else a ValueError naming the choices."""
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(
            f"method must be one of {', '.join(repr(m) for m in allowed)}; got {method!r}"
        )
    return method


def choose_method(
    X, K, mode: str = "valid", *, padding=0, stride=1, dilation=1, padding_mode: str = "zeros"
) -> str:
    """The strategy that ``method="auto"`` runs for these arguments (like :func:`scipy.signal.choose_conv_method`).

    A 2-D kernel names a strategy of :func:`corr2d`; a kernel of shape
    ``(k_h, k_w, C)`` one of :func:`convlib.corr2d_multi_in` and
    ``(k_h, k_w, C_in, C_out)`` one of :func:`convlib.corr2d_multi_in_out`
    (see :data:`convlib.channels.METHODS`). The choice depends on the shapes,
    the dtypes, the kernel's rank and whether the inputs are finite.

    Parameters
    ----------
    X, K : array_like
        Image and kernel, as the function they are meant for takes them.
    mode, padding, stride, dilation, padding_mode
        As in :func:`corr2d`.

    Returns
    -------
    str
        One of ``"direct"``, ``"separable"``, ``"fft"``, ``"dot"`` (2-D
        kernel) or ``"gemm"``, ``"winograd"`` (channel kernels).

    Raises
    ------
    ValueError, TypeError
        As the function for these arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import choose_method
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros((1024, 1024), dtype=np.float32)
    >>> choose_method(x, rng.normal(size=(3, 3)).astype(np.float32))
    'direct'
    >>> choose_method(x, np.ones((5, 5), dtype=np.float32))  # a box filter has rank 1
    'separable'
    >>> choose_method(x, rng.normal(size=(15, 15)).astype(np.float32))
    'fft'
    >>> choose_method(np.zeros((128, 128, 64)), np.zeros((3, 3, 64, 64)))
    'winograd'
    """
    if np.ndim(K) in (3, 4):
        from .channels import _choose_channel_method

        return _choose_channel_method(
            X, K, mode, padding=padding, stride=stride, dilation=dilation, padding_mode=padding_mode
        )
    X, K, integral, pad, step, out_shape, dil = _prepared(
        X, K, mode, padding, stride, False, dilation, padding_mode
    )
    return _plan(X, K, pad, step, out_shape, dil, integral, "auto")[0]


def _pad_by_mode(X, pad, padding_mode, axes=(0, 1)):
    """``X`` padded in ``padding_mode`` (checked here) and the zero padding that is left to add (none)."""
    mode = check_padding_mode(padding_mode)
    if mode == "zeros":
        return X, pad
    _check_mode_fits(tuple(X.shape[a] for a in axes), pad, mode)
    return _mode_pad(X, pad, mode, axes), ((0, 0), (0, 0))


_FAST_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_SMALL_ENOUGH = 2**24  # elements: no memory check needed


def _operands(X, K, ndim: int = 2, layouts=("(H, W)", "(k_h, k_w)")):
    """Validate ``X`` and ``K``; return them in one compute dtype and whether both held integers."""
    if (
        type(X) is np.ndarray
        and type(K) is np.ndarray
        and X.dtype is K.dtype
        and X.dtype in _FAST_DTYPES
        and X.ndim == ndim == K.ndim
        and X.size
        and K.size
        and X.size + K.size < _SMALL_ENOUGH
    ):
        return X, K, False  # the common case, already valid
    X = as_array(X, "X", ndim, keep_dtype=True, layout=layouts[0])
    K = as_array(K, "K", ndim, keep_dtype=True, layout=layouts[1])
    integral = X.dtype.kind in "iub" and K.dtype.kind in "iub"
    dtype = np.result_type(compute_dtype(X.dtype), compute_dtype(K.dtype))
    # (a broadcast view can be huge without using memory: fail before copying it)
    check_fits_in_memory(X.size, dtype.itemsize, "X as a contiguous array", "X")
    check_fits_in_memory(K.size, dtype.itemsize, "K as a contiguous array", "K")
    return X.astype(dtype, copy=False), K.astype(dtype, copy=False), integral


def _geometry(
    image_hw,
    kernel_hw,
    mode,
    padding,
    stride,
    *,
    flipped: bool,
    itemsize: int,
    planes: int = 1,
    dilation=1,
):
    """Check ``mode``, ``padding``, ``stride`` and ``dilation``; return ``(pad, step, out_shape, dil)``.

    The sizes come from :func:`convlib.shapes.conv_geometry` (which raises
    the errors about them): ``pad`` is ``((top, bottom), (left, right))``,
    ``step`` is ``(s_h, s_w)``, ``out_shape`` the spatial output shape and
    ``dil`` is ``(d_h, d_w)``. ``planes`` (batch times channels of the image
    and of the output, whichever is larger) sizes the memory check of the
    padded image and the output.
    """
    g = conv_geometry(
        image_hw,
        kernel_hw,
        mode,
        padding=padding,
        stride=stride,
        dilation=dilation,
        flipped=flipped,
    )
    (H, W), ((top, bottom), (left, right)), out_shape = image_hw, g.pad, g.out
    # (padding= is only allowed with "valid")
    blame = "padding" if mode == "valid" and (top or left) else "X"
    check_fits_in_memory(
        (H + top + bottom) * (W + left + right) * planes, itemsize, "the zero-padded image", blame
    )
    check_fits_in_memory(
        out_shape[0] * out_shape[1] * planes,
        itemsize,
        f"the output of spatial shape {out_shape}",
        blame,
    )
    return g.pad, g.stride, out_shape, g.dilation


def _zero_pad(X: np.ndarray, pad, axes=(0, 1)) -> np.ndarray:
    """``X`` with ``pad`` zero rows/columns on the spatial ``axes`` (no copy when there is nothing to add)."""
    if not any(p for pair in pad for p in pair):
        return X
    widths = [(0, 0)] * X.ndim
    for axis, pair in zip(axes, pad):
        widths[axis] = pair
    return np.pad(X, widths)


# ---------------------------------------------------------------------------
# strategies


def _float32_error_bound(strategy: str, k_h: int, k_w: int, c_in: int = 1) -> float:
    """The module docstring's bound on ``|error| / (eps S)`` of ``strategy`` for a ``k_h x k_w`` kernel on ``c_in`` channels."""
    taps = k_h * k_w
    bounds = {
        "direct": taps,
        "separable": 2 * (k_h + k_w) + 8,
        "fft": 16,
        "dot": taps,
        "gemm": taps * c_in,
        "winograd": 64,
    }
    return float(bounds[strategy])


def _plan(X, K, pad, step, out_shape, dilation, integral: bool, method: str):
    """``(strategy, rank-one factors or None)``: what runs for ``method`` (``"auto"``: the cheapest estimate).

    The fallbacks to ``"direct"`` keep every strategy's promise: FFT and the
    dot products mix every pixel into every output, so NaN and inf would
    spread (they take finite inputs only); ``"separable"`` needs a kernel of rank 1.
    """
    strategy = (
        _choose_strategy(X, K, pad, step, out_shape, dilation) if method == "auto" else method
    )
    if strategy in ("fft", "dot") and not (np.isfinite(X).all() and np.isfinite(K).all()):
        return "direct", None  # keep NaN/inf local
    if strategy == "separable":
        factors = _rank_one_factors(K, integral)
        return ("separable", factors) if factors is not None else ("direct", None)
    return strategy, None


def _correlate(
    X, K, pad, step, out_shape, *, integral: bool = False, dilation=(1, 1), method: str = "auto"
) -> np.ndarray:
    """Correlation of ``X`` zero-padded by ``pad`` with ``K``, every ``step`` (arguments validated).

    With dilation the direct and separable strategies visit only the ``k_h
    k_w`` real taps (so a NaN between two taps never reaches the output); FFT
    and the dot products use the kernel with ``d - 1`` zeros inserted between
    its taps, which gives the same numbers on finite inputs (and only those take them).
    """
    strategy, factors = _plan(X, K, pad, step, out_shape, dilation, integral, method)
    if strategy == "separable":
        return _correlate_separable(X, factors, pad, step, out_shape, dilation)
    if strategy == "fft":
        out = _correlate_fft(_zero_pad(X, pad), _dilate_kernel(K, dilation), integral=integral)
        if out is not None:
            return np.ascontiguousarray(out[:: step[0], :: step[1]])
    elif strategy == "dot":
        return _correlate_dot(_zero_pad(X, pad), _dilate_kernel(K, dilation), step, out_shape)
    return _correlate_direct(X, K, pad, step, out_shape, dilation)


def _dilate_kernel(K, dilation) -> np.ndarray:
    """``K`` with ``d - 1`` zero rows (columns) between its rows (columns): the effective kernel."""
    if dilation == (1, 1):
        return K
    d_h, d_w = dilation
    k_h, k_w = K.shape
    out = np.zeros((d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1), dtype=K.dtype)
    out[::d_h, ::d_w] = K
    return out


def _choose_strategy(X, K, pad, step, out_shape, dilation=(1, 1)) -> str:
    """The strategy with the smallest estimated time (see the cost constants above).

    With dilation the direct taps stay ``k_h k_w``; FFT and the dot products
    see the effective kernel ``d (k - 1) + 1``.
    """
    (top, bottom), (left, right) = pad
    H, W = X.shape
    k_h, k_w = K.shape
    taps = k_h * k_w
    if dilation != (1, 1):
        k_h, k_w = dilation[0] * (k_h - 1) + 1, dilation[1] * (k_w - 1) + 1
    Ho, Wo = out_shape
    pixels = Ho * Wo
    if pixels * taps <= _TINY_WORK:
        return "direct"  # tiny: the least overhead
    blocks = 1 + Ho * (W + left + right) * X.itemsize // _ROW_BLOCK_BYTES
    if step == (1, 1):
        costs = {
            "direct": taps
            * (Ho * (W + left + right) * _NS_PER_TAP_PIXEL + 2 * blocks * _NS_PER_CALL)
        }
    else:
        costs = {"direct": taps * (pixels * _NS_PER_STRIDED_TAP_PIXEL + 2 * blocks * _NS_PER_CALL)}
    if min(K.shape) >= 2 and pixels >= 4096:
        line = (K.shape[0] + K.shape[1]) * (
            Ho * (W + left + right) * _NS_PER_TAP_PIXEL + 2 * blocks * _NS_PER_CALL
        )
        costs["separable"] = line + 20000.0  # plus the rank test
    points = _fast_length(H + top + bottom) * _fast_length(W + left + right)
    if pixels >= _FFT_MIN_PIXELS:  # smaller outputs stay free of FFT round-off
        costs["fft"] = 3 * points * math.log2(max(points, 2)) * _NS_PER_FFT_POINT + _NS_FFT_OVERHEAD
    costs["dot"] = pixels * (
        ((k_h - 1) * (W + left + right) + k_w) * _NS_PER_DOT_ELEMENT + _NS_PER_CALL
    )
    strategy = min(costs, key=costs.get)
    if strategy == "separable" and _rank_one_factors(K, integral=False) is None:
        del costs["separable"]
        strategy = min(costs, key=costs.get)
    return strategy


def _correlate_direct(X, K, pad, step, out_shape, dilation=(1, 1)) -> np.ndarray:
    """The formula's sum, tap by tap (see the module docstring)."""
    (top, bottom), (left, right) = pad
    k_w = dilation[1] * (K.shape[1] - 1) + 1
    Wo = out_shape[1]
    padded = top or bottom or left or right
    if (
        Wo * out_shape[0] * K.size > _TINY_WORK
        and step == (1, 1)
        and left + right <= k_w - 1
        and Wo > left + right
        and not (padded and not np.isfinite(K).all())
    ):
        # (a NaN or inf weight must also meet the padding's zeros: then pad for real)
        return _taps_full_width(X, K, pad, out_shape, dilation)
    return _taps_strided(_zero_pad(X, pad), K, step, out_shape, dilation)


def _taps_full_width(X, K, pad, out_shape, dilation=(1, 1)) -> np.ndarray:
    """Stride-1 correlation with each tap as one contiguous 1-D multiply-add over whole rows.

    The output is computed in rows of the image's width ``W``: output
    ``(i, j)`` sits at flat position ``i W + j`` and its tap ``(a, b)`` reads
    the image at flat position ``(i + a - top) W + (j + b - left)``, a fixed
    shift per tap. Rows of the padding are skipped; reads that wrap around a
    row edge land only in the ``left`` first and ``right`` last output
    columns, which are recomputed at the end from small zero-padded strips.
    """
    (top, _bottom), (left, right) = pad
    H, W = X.shape
    k_h, k_w = K.shape
    d_h, d_w = dilation
    Ho, Wo = out_shape
    dtype = X.dtype
    flat = np.ascontiguousarray(X).reshape(-1)
    size = flat.size
    out = np.empty(out_shape, dtype=dtype)
    rows = max(1, min(Ho, _ROW_BLOCK_BYTES // (W * dtype.itemsize)))
    tmp = np.empty(rows * W, dtype=dtype)
    block = None if Wo == W else np.empty(rows * W, dtype=dtype)
    padded = top or pad[0][1] or left or right
    # (shift of the flat read, row offset of the tap, weight); tap (a, b) reads x_pad[i + a d_h, j + b d_w]
    taps = [
        ((a * d_h - top) * W + (b * d_w - left), a * d_h, K[a, b])
        for a in range(k_h)
        for b in range(k_w)
    ]
    for r0 in range(0, Ho, rows):
        r1 = min(Ho, r0 + rows)
        n0, n1 = r0 * W, r1 * W
        acc = out[r0:r1].reshape(-1) if block is None else block[: n1 - n0]
        fresh = not padded  # the first tap covers the whole block: write instead of add
        if padded:
            acc.fill(0)
        for shift, a, weight in taps:
            lo = max(n0, (top - a) * W, -shift)
            hi = min(n1, (H + top - a) * W, size - shift)
            if hi <= lo:
                continue
            dst = acc[lo - n0 : hi - n0]
            if fresh:
                np.multiply(flat[lo + shift : hi + shift], weight, out=dst)
                fresh = False
            else:
                t = tmp[: hi - lo]
                np.multiply(flat[lo + shift : hi + shift], weight, out=t)
                np.add(dst, t, out=dst)
        if block is not None:
            out[r0:r1] = acc.reshape(r1 - r0, W)[:, :Wo]
    for c0, c1 in ((0, left), (Wo - right, Wo)):
        if c1 > c0:  # the border columns whose reads wrapped around a row edge
            strip = _padded_columns(X, pad, c0, c1 + d_w * (k_w - 1))
            out[:, c0:c1] = _taps_strided(strip, K, (1, 1), (Ho, c1 - c0), dilation)
    return out


def _padded_columns(X, pad, c0: int, c1: int) -> np.ndarray:
    """Columns ``c0:c1`` of the zero-padded image (all its rows), without padding the rest."""
    (top, bottom), (left, _right) = pad
    H, W = X.shape
    strip = np.zeros((H + top + bottom, c1 - c0), dtype=X.dtype)
    x0, x1 = max(0, c0 - left), min(W, c1 - left)
    if x1 > x0:
        strip[top : top + H, x0 + left - c0 : x1 + left - c0] = X[:, x0:x1]
    return strip


def _taps_strided(Xp, K, step, out_shape, dilation=(1, 1)) -> np.ndarray:
    """Correlation of an already padded image, tap by tap on 2-D strided views (only the strided outputs)."""
    k_h, k_w = K.shape
    s_h, s_w = step
    d_h, d_w = dilation
    Ho, Wo = out_shape
    if (
        Ho * Wo * k_h * k_w <= _TINY_WORK and Xp.size <= 16 * _TINY_WORK
    ):  # one einsum over every window as a view
        Xp = np.ascontiguousarray(Xp)
        row, col = Xp.strides
        windows = np.ndarray(
            (Ho, Wo, k_h, k_w), Xp.dtype, Xp, 0, (row * s_h, col * s_w, row * d_h, col * d_w)
        )
        return np.einsum("ijab,ab->ij", windows, K)
    out = np.empty(out_shape, dtype=Xp.dtype)
    rows = max(1, min(Ho, _ROW_BLOCK_BYTES // max(1, Wo * Xp.itemsize)))
    tmp = np.empty((rows, Wo), dtype=Xp.dtype)
    for r0 in range(0, Ho, rows):
        r1 = min(Ho, r0 + rows)
        acc = out[r0:r1]
        t = tmp[: r1 - r0]
        for a in range(k_h):
            for b in range(k_w):
                top, left = r0 * s_h + a * d_h, b * d_w
                window = Xp[
                    top : top + (r1 - r0 - 1) * s_h + 1 : s_h,
                    left : left + (Wo - 1) * s_w + 1 : s_w,
                ]
                if a == 0 and b == 0:
                    np.multiply(window, K[0, 0], out=acc)
                else:
                    np.multiply(window, K[a, b], out=t)
                    acc += t
    return out


def _rank_one_factors(K, integral: bool):
    """``(u, v)`` with ``K == outer(u, v)`` if the kernel has rank 1, else None.

    Exact equality is required for integer inputs (and ``u``, ``v`` must then
    be integers, so the two passes stay exact); float kernels may differ from
    the product by a few units of round-off.
    """
    k_h, k_w = K.shape
    if k_h < 2 or k_w < 2:
        return None
    p, q = np.unravel_index(np.argmax(np.abs(K)), K.shape)
    pivot = K[p, q]
    if pivot == 0 or not np.isfinite(K).all():
        return None
    candidates = ((K[:, q], K[p, :] / pivot), (K[:, q] / pivot, K[p, :]))
    tolerance = 0.0 if integral else 8 * np.finfo(K.dtype).eps * abs(float(pivot))
    for u, v in candidates:
        if integral and not (np.array_equal(u, np.round(u)) and np.array_equal(v, np.round(v))):
            continue
        if np.abs(np.multiply.outer(u, v) - K).max() <= tolerance:
            return u.astype(K.dtype), v.astype(K.dtype)
    return None


def _correlate_separable(X, factors, pad, step, out_shape, dilation=(1, 1)) -> np.ndarray:
    """Rank-1 kernel ``outer(u, v)``: correlate the rows with ``v``, then the columns with ``u``."""
    u, v = factors
    (top, bottom), (left, right) = pad
    H, W = X.shape
    rows_pad = ((top, bottom), (0, 0))
    row_pass = _correlate_direct(
        X, v[None, :], ((0, 0), (left, right)), (1, step[1]), (H, out_shape[1]), (1, dilation[1])
    )
    return _correlate_direct(
        row_pass, u[:, None], rows_pad, (step[0], 1), out_shape, (dilation[0], 1)
    )


def _correlate_dot(Xp, K, step, out_shape) -> np.ndarray:
    """One dot product per output pixel, for a small output from a large kernel.

    On the flattened image, window ``(i, j)`` is the contiguous run starting
    at ``i s_h W + j s_w`` of length ``(k_h - 1) W + k_w``; the kernel, padded
    with zero columns to the image's width, lines up with it.
    """
    k_h, k_w = K.shape
    W = Xp.shape[1]
    s_h, s_w = step
    Ho, Wo = out_shape
    flat = np.ascontiguousarray(Xp).reshape(-1)
    length = (k_h - 1) * W + k_w
    spread = np.zeros((k_h, W), dtype=Xp.dtype)
    spread[:, :k_w] = K
    spread = spread.reshape(-1)[:length]
    out = np.empty(out_shape, dtype=Xp.dtype)
    for i in range(Ho):
        for j in range(Wo):
            start = i * s_h * W + j * s_w
            out[i, j] = np.dot(flat[start : start + length], spread)
    return out


def _correlate_fft(Xp, K, *, integral: bool):
    """Valid correlation through ``rfft2``; exact for integers (None if that is out of reach)."""
    H, W = Xp.shape
    k_h, k_w = K.shape
    Ho, Wo = H - k_h + 1, W - k_w + 1
    shape = (_fast_length(H), _fast_length(W))
    x_parts, k_parts = [(0, Xp)], [(0, K)]
    if integral:
        digits = _digit_bits(Xp, K, shape)
        if digits is None:
            return None
        x_parts, k_parts = _binary_digits(Xp, digits[0]), _binary_digits(K, digits[1])
    else:
        # float inputs: float64 transforms (NumPy's float32 ones are no faster
        # here), rounded once to the input's dtype at the end
        x_parts = [(0, Xp.astype(np.float64, copy=False))]
    k_spectra = [(shift, _kernel_spectrum(part, shape, exact=integral)) for shift, part in k_parts]
    out = None
    for x_shift, x_part in x_parts:
        x_spectrum = _rfft2(x_part, shape)
        for k_shift, k_spectrum in k_spectra:
            product = (
                np.multiply(x_spectrum, k_spectrum, out=x_spectrum)
                if len(k_spectra) == 1
                else x_spectrum * k_spectrum
            )
            piece = _irfft2_overwrite(product, shape)[
                k_h - 1 : k_h - 1 + Ho, k_w - 1 : k_w - 1 + Wo
            ]
            if integral:
                # Every partial sum of digit products is bounded by the window's
                # sum |K| |x| <= 2**53, so these additions are exact.
                piece = np.rint(piece) * 2.0 ** (x_shift + k_shift)
            out = piece if out is None else out + piece
    return out.astype(Xp.dtype, copy=False)


def _rfft2(A, shape) -> np.ndarray:
    """``numpy.fft.rfft2(A, shape)``, its column pass in place (no second spectrum-sized array)."""
    rows = np.fft.rfft(A, shape[1], axis=1)
    if rows.shape[0] != shape[0]:
        return np.fft.fft(rows, shape[0], axis=0)
    return np.fft.fft(rows, axis=0, out=rows)


def _irfft2_overwrite(S, shape) -> np.ndarray:
    """``numpy.fft.irfft2(S, shape)``; overwrites ``S`` with its inverse column pass."""
    np.fft.ifft(S, axis=0, out=S)
    return np.fft.irfft(S, shape[1], axis=1)


def _kernel_spectrum(K, shape, *, exact: bool) -> np.ndarray:
    """``numpy.fft.rfft2(K[::-1, ::-1], shape)``; for a float kernel of at most ``_DFT_MAX_ROWS`` rows, faster.

    The column transform of a kernel with few rows is a matrix product: the
    ``shape[0] x k_h`` matrix of the DFT's twiddle factors (float64) times the
    row transforms of its ``k_h`` rows, instead of an FFT of ``shape[0]``
    mostly zero rows. Its round-off (a sum of ``k_h`` products) is of the
    FFT's order; the exact integer path keeps the FFT, whose error bound
    ``_digit_bits`` relies on.
    """
    flipped = K[::-1, ::-1].astype(np.float64)
    k_h = K.shape[0]
    if exact or k_h > _DFT_MAX_ROWS:
        return np.fft.rfft2(flipped, shape)
    rows = np.fft.rfft(flipped, shape[1], axis=1)  # (k_h, shape[1] // 2 + 1)
    twiddles = np.exp((-2j * np.pi / shape[0]) * np.outer(np.arange(shape[0]), np.arange(k_h)))
    return twiddles @ rows


def _digit_bits(X, K, shape):
    """Bits per binary digit of ``X`` and of ``K`` (None: no split) so that each FFT piece rounds exactly.

    Returns None (no exact FFT possible) when even one-bit digits are too large.
    """
    points = shape[0] * shape[1]
    scale = _FFT_ERROR_FACTOR * np.finfo(np.float64).eps * math.log2(max(points, 2))
    if scale * float(np.sqrt(np.square(X).sum())) * float(np.abs(K).sum()) <= 0.25:
        return (None, None)
    # bound on digit products: |x digit| * |K digit| <= budget
    budget = 0.25 / (scale * math.sqrt(X.size) * K.size)
    if budget < 4:
        return None
    max_x, max_k = float(np.abs(X).max()), float(np.abs(K).max())
    bits = math.floor(math.log2(budget))
    if max_k <= math.sqrt(budget):
        x_bits = math.floor(math.log2(budget / max(max_k, 1.0)))
        return (x_bits, None)
    if max_x <= math.sqrt(budget):
        return (None, math.floor(math.log2(budget / max(max_x, 1.0))))
    return (bits // 2, bits // 2)


def _binary_digits(A, bits):
    """``[(shift, digit)]`` with ``A == sum(digit * 2**shift)``, digits truncated toward zero (same sign as A)."""
    if bits is None:
        return [(0, A)]
    base = 2.0**bits
    parts, shift, rest = [], 0, A
    while True:
        high = np.trunc(rest / base)
        parts.append((shift, rest - high * base))
        if not high.any():
            return parts
        rest, shift = high, shift + bits


def _fast_length(n: int) -> int:
    """Smallest 2-3-5-smooth integer >= n (sizes pocketfft handles fastest)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best
