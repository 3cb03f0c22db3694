r"""Two-dimensional cross-correlation and convolution of single-channel arrays.

The convolutional layer computes a **cross-correlation** (the lecture's
formula, no flip)

.. math:: Y[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, x[i + a, j + b],

while the mathematical **convolution** flips the kernel,

.. math:: [f \circledast g](i, j) = \sum_{a, b} f(a, b) \, g(i - a, j - b).

Three output sizes (``mode``), with the semantics of ``scipy.signal``:

* ``"valid"``: only positions where the kernel fits, ``(H-k_h+1) x (W-k_w+1)``;
* ``"same"``: zero padding so the output has the image's shape; for an odd
  kernel ``(2*Delta+1) x (2*Delta+1)`` this is exactly the lecture's
  ``sum_{a,b=-Delta..Delta} V[a, b] x[i+a, j+b]``;
* ``"full"``: every position where kernel and image overlap,
  ``(H+k_h-1) x (W+k_w-1)``.

NaN and inf follow IEEE arithmetic: they spread to every output pixel whose
window contains them (an inf that meets a zero weight, or +inf and -inf in
one window, gives NaN), and a NaN or inf in the kernel reaches every output pixel.
With the FFT strategy (large kernels on large images) a single NaN or inf
would spread to the whole output, so ``corr2d`` switches to the direct method
when an input is not finite.

Strategy: kernels of up to 36 taps use shifted-slice accumulation (the
formula's sum, term by term); larger kernels with at least 64 x 64 = 4096
output pixels use ``numpy.fft.rfft2``, whose round-off is of the
order of the dtype's epsilon times the largest output magnitude. When both
inputs are integer or boolean arrays the FFT result is rounded to the
nearest integer, so integer inputs give exact integer sums on both paths.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_kernel_fits, check_mode

__all__ = ["corr2d", "conv2d", "corr2d_naive"]

# Kernels with at most this many taps use shifted-slice accumulation; larger
# kernels on images of at least _FFT_MIN_PIXELS output pixels use rfft2.
_DIRECT_MAX_TAPS = 36
_FFT_MIN_PIXELS = 64 * 64
# Rows per block of the shifted-slice accumulation (keeps the block in cache).
_ROW_BLOCK_BYTES = 256 * 1024


def corr2d(X, K, mode: str = "valid") -> np.ndarray:
    r"""2-D cross-correlation of an image with a kernel: what a conv layer computes.

    .. math:: h[i, j] = \sum_{a, b} V[a, b] \, x[i + a, j + b]

    Parameters
    ----------
    X : array_like, shape (H, W)
        The image ``x``.
    K : array_like, shape (k_h, k_w)
        The kernel (filter), ``K[a, b]`` for ``a < k_h``, ``b < k_w``.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`scipy.signal.correlate2d`.

    Returns
    -------
    numpy.ndarray
        ``(H-k_h+1, W-k_w+1)`` for ``"valid"``, ``(H, W)`` for ``"same"``,
        ``(H+k_h-1, W+k_w-1)`` for ``"full"``. float32 inputs give float32;
        integer and boolean inputs are computed in float64.

    Raises
    ------
    ValueError
        If an array is not 2-D or empty, if ``mode`` is unknown, or if the
        kernel is larger than the image in ``"valid"`` mode.
    TypeError
        If an array is not numeric.

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
    """
    integral = _is_integral(X) and _is_integral(K)
    X = as_array(X, "X", 2, layout="(H, W)")
    K = as_array(K, "K", 2, layout="(k_h, k_w)")
    mode = check_mode(mode)
    check_kernel_fits(X.shape, K.shape, mode)
    return _correlate_padded(X, K, _padding(K.shape, mode, flipped=False), integral=integral)


def conv2d(X, K, mode: str = "valid") -> np.ndarray:
    r"""2-D convolution (the kernel is flipped), as in :func:`scipy.signal.convolve2d`.

    .. math:: [V \circledast x](i, j) = \sum_{a, b} V[a, b] \, x[i - a, j - b]

    with ``i, j`` indexing the ``"full"`` output (every overlap, starting
    where only ``V[0, 0]`` touches ``x[0, 0]``); ``"valid"`` keeps the
    positions where the kernel fits: ``out[i, j] = sum_{a=0}^{k_h-1}
    sum_{b=0}^{k_w-1} K[a, b] x[i + k_h - 1 - a, j + k_w - 1 - b]``. Equivalently, cross-correlation with the kernel rotated by 180 degrees,
    ``corr2d(X, K[::-1, ::-1])`` (for ``"same"`` with an even-sized kernel the
    centring differs by one pixel, exactly as in SciPy).

    Parameters
    ----------
    X : array_like, shape (H, W)
        The image.
    K : array_like, shape (k_h, k_w)
        The kernel, flipped before sliding.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`scipy.signal.convolve2d`.

    Returns
    -------
    numpy.ndarray
        Same shapes and dtypes as :func:`corr2d`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import conv2d
    >>> conv2d(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    array([[ 5., 11.],
           [23., 29.]])
    """
    integral = _is_integral(X) and _is_integral(K)
    X = as_array(X, "X", 2, layout="(H, W)")
    K = as_array(K, "K", 2, layout="(k_h, k_w)")
    mode = check_mode(mode)
    check_kernel_fits(X.shape, K.shape, mode)
    return _correlate_padded(X, K[::-1, ::-1], _padding(K.shape, mode, flipped=True), integral=integral)


def corr2d_naive(X, K) -> np.ndarray:
    r"""Reference loop for ``"valid"`` cross-correlation, one line per symbol of the formula.

    .. math:: Y[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, x[i + a, j + b]

    Slow (a few microseconds per output pixel); kept because it is easy to
    read and serves as the reference in tests. Use :func:`corr2d` for work.

    Parameters
    ----------
    X : array_like, shape (H, W)
    K : array_like, shape (k_h, k_w)

    Returns
    -------
    numpy.ndarray, shape (H-k_h+1, W-k_w+1)

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d_naive
    >>> corr2d_naive(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    array([[19., 25.],
           [37., 43.]])
    """
    X = as_array(X, "X", 2, layout="(H, W)")
    K = as_array(K, "K", 2, layout="(k_h, k_w)")
    check_kernel_fits(X.shape, K.shape, "valid")
    H, W = X.shape
    h, w = K.shape
    out = np.zeros((H - h + 1, W - w + 1), dtype=np.result_type(X, K))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            total = 0.0
            for a in range(h):
                for b in range(w):
                    total += K[a, b] * X[i + a, j + b]
            out[i, j] = total
    return out


# ---------------------------------------------------------------------------
# internals


def _padding(kernel_hw, mode: str, *, flipped: bool):
    """Zero padding ((top, bottom), (left, right)) that turns ``mode`` into a valid correlation.

    SciPy centres ``"same"`` differently for correlation and convolution when
    a kernel side is even; ``flipped`` selects the convolution convention.
    """
    pads = []
    for n in kernel_hw:
        if mode == "valid":
            pads.append((0, 0))
        elif mode == "full":
            pads.append((n - 1, n - 1))
        elif flipped:
            pads.append((n // 2, (n - 1) // 2))
        else:
            pads.append(((n - 1) // 2, n // 2))
    return tuple(pads)


def _is_integral(value) -> bool:
    """Whether ``value`` is an array of integers or booleans (checked before conversion to float64)."""
    dtype = getattr(value, "dtype", None)
    if not isinstance(dtype, np.dtype):  # nested lists and the like
        try:
            dtype = np.asarray(value).dtype
        except (ValueError, TypeError):
            return False  # as_array reports the problem
    return dtype.kind in "iub"


def _correlate_padded(X: np.ndarray, K: np.ndarray, pad, *, integral: bool = False) -> np.ndarray:
    """Valid correlation of ``X`` zero-padded by ``pad`` with ``K`` (already validated).

    ``integral`` says that both inputs held integers, so that an FFT result
    can be rounded back to the exact integer sums.
    """
    dtype = np.result_type(X, K)
    X = X.astype(dtype, copy=False)
    K = K.astype(dtype, copy=False)
    if any(p for pair in pad for p in pair):
        X = np.pad(X, pad)
    h, w = K.shape
    out_shape = (X.shape[0] - h + 1, X.shape[1] - w + 1)
    if h * w > _DIRECT_MAX_TAPS and out_shape[0] * out_shape[1] >= _FFT_MIN_PIXELS:
        if np.isfinite(X).all() and np.isfinite(K).all():
            out = _correlate_fft(X, K, out_shape)
            # Integer sums below 2**52 are exact in float64: undo the FFT round-off.
            if integral and float(np.abs(K).sum()) * float(np.abs(X).max()) < 2.0**52:
                np.rint(out, out=out)
            return out
    return _correlate_shifted(X, K, out_shape)


def _correlate_shifted(X: np.ndarray, K: np.ndarray, out_shape) -> np.ndarray:
    """Shifted-slice accumulation: ``out += V[a, b] * x[a:a+H', b:b+W']`` in row blocks."""
    h, w = K.shape
    Ho, Wo = out_shape
    out = np.empty(out_shape, dtype=X.dtype)
    rows = max(1, _ROW_BLOCK_BYTES // max(1, Wo * X.itemsize))
    tmp = np.empty((min(rows, Ho), Wo), dtype=X.dtype)
    for r0 in range(0, Ho, rows):
        r1 = min(Ho, r0 + rows)
        acc = out[r0:r1]
        t = tmp[: r1 - r0]
        np.multiply(X[r0:r1, 0:Wo], K[0, 0], out=acc)
        for a in range(h):
            for b in range(w):
                if a == 0 and b == 0:
                    continue
                np.multiply(X[r0 + a : r1 + a, b : b + Wo], K[a, b], out=t)
                acc += t
    return out


def _correlate_fft(X: np.ndarray, K: np.ndarray, out_shape) -> np.ndarray:
    """Correlation via the convolution theorem (``rfft2``), for large kernels."""
    H, W = X.shape
    h, w = K.shape
    shape = (_fast_length(H), _fast_length(W))
    spectrum = np.fft.rfft2(X, shape) * np.fft.rfft2(K[::-1, ::-1], shape)
    full = np.fft.irfft2(spectrum, shape)
    Ho, Wo = out_shape
    return full[h - 1 : h - 1 + Ho, w - 1 : w - 1 + Wo].astype(X.dtype, copy=False)


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
