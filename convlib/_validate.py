"""Input checks shared by every public function of convlib.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the
argument and says what was expected, so that a student never has to decode a
bare NumPy traceback. An integer argument of the wrong type (a float, a
string, an array) raises ``TypeError``, as Python's convention asks.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

MODES = ("valid", "same", "full")

# The most elements convlib creates in one array from sizes it is given
# (2**28: 2 GiB of float64), so that a typo such as box_kernel(10**6) fails at
# once instead of allocating terabytes.
MAX_ELEMENTS = 2**28


def as_array(
    value, name: str, ndim, *, allow_empty: bool = False, keep_dtype: bool = False, layout: str = ""
) -> np.ndarray:
    """Return ``value`` as a numeric ndarray after checking dtype and ndim.

    Parameters
    ----------
    value : array_like
        The user's input. It is never modified.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int
        Accepted number(s) of dimensions.
    allow_empty : bool
        Whether arrays with a zero-length axis are acceptable.
    keep_dtype : bool
        Return the array in its own dtype (for layout conversions) instead of
        the compute dtype.
    layout : str
        Axis names shown in the ndim error message, e.g. ``"(H, W, C)"``.

    Returns
    -------
    numpy.ndarray
        float32 stays float32, float64 stays float64, float16 becomes float32,
        integers and booleans become float64 (unless ``keep_dtype``).
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(
            f"{name} must be a rectangular numeric array; got {type(value).__name__} ({exc})"
        ) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold real numbers (int, float or bool); got dtype {arr.dtype}"
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued; got complex dtype {arr.dtype}")
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in ndims:
        expected = (
            ", ".join(str(n) for n in ndims[:-1]) + " or " + str(ndims[-1])
            if len(ndims) > 1
            else str(ndims[0])
        )
        axes = f" {layout}" if layout else ""
        raise ValueError(
            f"{name} must be a {expected}-D{axes} array; got {arr.ndim}-D with shape {arr.shape}"
        )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if keep_dtype:
        return arr
    return arr.astype(compute_dtype(arr.dtype), copy=False)


def compute_dtype(dtype) -> np.dtype:
    """The floating dtype convlib computes in for an input of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float16):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_mode(mode) -> str:
    """Return ``mode`` if it is one of ``"valid"``, ``"same"``, ``"full"``."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(repr(m) for m in MODES)}; got {mode!r}")
    return mode


def check_channels(
    c_image: int, c_kernel: int, image_name: str = "X", kernel_name: str = "K"
) -> None:
    """The kernel's input-channel axis must match the image's channel axis."""
    if c_image != c_kernel:
        raise ValueError(
            f"channel mismatch: {image_name} has {c_image} channel(s) on its last axis but "
            f"{kernel_name} expects {c_kernel} input channel(s) on its axis 2"
        )


def shown(value) -> str:
    """``repr(value)`` for an error message: arrays by their shape, anything long cut to 80 characters."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"a {value.ndim}-D array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _index(value, name: str, expected: str) -> int:
    """``value`` as a Python int if it is an integer (Python, NumPy or 0-D array; never a bool)."""
    if not isinstance(value, (bool, np.bool_)):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{name} must be {expected}; got {shown(value)}")


def _at_least(value, name: str, minimum: int, expected: str) -> int:
    """``value`` as a Python int if it is an integer >= ``minimum``."""
    number = _index(value, name, expected)
    if number < minimum:
        raise ValueError(f"{name} must be {expected}; got {shown(value)}")
    return number


def real_number(value, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a finite float (and > 0 if ``positive``); NaN, inf, bools and non-numbers are rejected."""
    expected = "a positive finite number" if positive else "a finite number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number ({expected}); got {type(value).__name__} {shown(value)}"
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond float's range
        number = math.inf
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{name} must be {expected}; got {shown(value)}")
    return number


def flag(value, name: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (NumPy's bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {shown(value)}")
    return bool(value)


def float_dtype(value, name: str = "dtype") -> np.dtype:
    """Return ``value`` as ``numpy.dtype`` if it names float32 or float64."""
    try:
        dtype = None if value is None else np.dtype(value)
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype not in (
        np.dtype(np.float32),
        np.dtype(np.float64),
    ):  # (a dtype compares equal to None)
        raise TypeError(f"{name} must be float32 or float64; got {shown(value)}")
    return dtype


def check_size(shape, name: str, what: str = "array") -> None:
    """Refuse to create an array of ``shape`` with more than :data:`MAX_ELEMENTS` elements."""
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{name} too large: the {what} of shape {tuple(shape)} would hold {count} elements, "
            f"more than convlib's limit of 2**28 = {MAX_ELEMENTS}"
        )


def integer(value, name: str) -> int:
    """Return ``value`` as an int if it is an integer of any sign (bools are rejected)."""
    return _index(value, name, "an integer")


def choice(value, name: str, options) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is one of ``options`` (unhashable values included)."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}; got {value!r}")


def positive_int(value, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer (bools are rejected)."""
    value = _at_least(value, name, 1, "a positive integer")
    return int(value)


def non_negative_int(value, name: str) -> int:
    """Return ``value`` as an int if it is an integer >= 0 (bools are rejected)."""
    value = _at_least(value, name, 0, "a non-negative integer")
    return int(value)


# ---------------------------------------------------------------------------
# padding, stride and memory: the per-axis integers of padding=, stride=, dilation=, and the
# check that a padded image or an output fits in memory before it is allocated


def int_pair(value, name: str, minimum: int) -> tuple:
    """Return ``(v_h, v_w)`` from an integer or a pair of integers, each at least ``minimum``.

    Used for ``padding`` (``minimum=0``) and ``stride`` (``minimum=1``); a value
    below ``minimum`` gets the wording of :func:`non_negative_int` and
    :func:`positive_int` (only 0 and 1 are used as ``minimum``). Bools,
    floats, strings and pairs of other lengths raise ``TypeError``; values
    below ``minimum`` raise ``ValueError``; both messages name ``name``.
    """
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = tuple(value.tolist())
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    what = f"{name} must be an integer or a pair of integers ({name}_h, {name}_w)"
    if len(items) != 2:
        raise TypeError(f"{what}; got {value!r}")
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not hasattr(item, "__index__"):
            raise TypeError(f"{what}; got {value!r}")
    pair = (int(items[0]), int(items[1]))
    if min(pair) < minimum:
        bound = "non-negative" if minimum == 0 else "positive"
        raise ValueError(
            f"{name} must be a {bound} integer (or a pair ({name}_h, {name}_w) of them); got {value!r}"
        )
    return pair


_physical_memory = []


def physical_memory_bytes() -> int:
    """This machine's physical memory in bytes (16 GiB if the system does not say), asked once."""
    if not _physical_memory:
        import os

        try:
            _physical_memory.append(
                int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
            )
        except (AttributeError, ValueError, OSError):  # not POSIX
            _physical_memory.append(16 * 2**30)
    return _physical_memory[0]


def check_fits_in_memory(n_elements: int, itemsize: int, what: str, name: str) -> None:
    """Fail fast with a ValueError naming ``name`` if ``what`` would not fit in physical memory.

    Called before any large allocation, so that a huge (e.g. broadcast) input
    or padding is an error message instead of a terabyte allocation or a
    process killed by the operating system.
    """
    needed = int(n_elements) * int(itemsize)
    if needed < 2**28:
        return  # 256 MiB: no need to ask
    available = physical_memory_bytes()
    if needed > available:
        raise ValueError(
            f"{name} is too large: {what} would need {needed / 2**30:.3g} GiB, "
            f"more than this machine's {available / 2**30:.3g} GiB of memory"
        )


# ---------------------------------------------------------------------------
# padding modes: how padded pixels are filled (PyTorch's names and np.pad's)

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
"""PyTorch's ``padding_mode`` names; :data:`NUMPY_PAD_MODES` gives ``np.pad``'s name of each."""

NUMPY_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def check_padding_mode(value) -> str:
    """Return ``value`` if it is one of :data:`PADDING_MODES` (PyTorch's names)."""
    if not isinstance(value, str) or value not in PADDING_MODES:
        raise ValueError(
            f"padding_mode must be one of {', '.join(repr(m) for m in PADDING_MODES)} (PyTorch's names; "
            f"np.pad calls them 'constant', 'reflect', 'edge', 'wrap'); got {shown(value)}"
        )
    return value
