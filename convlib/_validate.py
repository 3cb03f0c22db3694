"""Input checks shared by every public function of convlib.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the
argument and says what was expected, so that a student never has to decode a
bare NumPy traceback.
"""

from __future__ import annotations

import numpy as np

MODES = ("valid", "same", "full")


def as_array(value, name: str, ndim, *, allow_empty: bool = False, keep_dtype: bool = False, layout: str = "") -> np.ndarray:
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
        raise TypeError(f"{name} must be a rectangular numeric array; got {type(value).__name__} ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold real numbers (int, float or bool); got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued; got complex dtype {arr.dtype}")
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in ndims:
        expected = ", ".join(str(n) for n in ndims[:-1]) + " or " + str(ndims[-1]) if len(ndims) > 1 else str(ndims[0])
        axes = f" {layout}" if layout else ""
        raise ValueError(f"{name} must be a {expected}-D{axes} array; got {arr.ndim}-D with shape {arr.shape}")
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


def check_kernel_fits(image_hw, kernel_hw, mode: str, image_name: str = "X", kernel_name: str = "K") -> None:
    """In ``"valid"`` mode the kernel must fit inside the image."""
    if mode != "valid":
        return
    (H, W), (h, w) = image_hw, kernel_hw
    if h > H or w > W:
        raise ValueError(
            f"{kernel_name} of spatial shape {h}x{w} is larger than {image_name} of spatial shape {H}x{W}; "
            f"'valid' mode needs kernel height <= {H} and width <= {W} (use mode='same' or 'full' to pad)"
        )


def check_channels(c_image: int, c_kernel: int, image_name: str = "X", kernel_name: str = "K") -> None:
    """The kernel's input-channel axis must match the image's channel axis."""
    if c_image != c_kernel:
        raise ValueError(
            f"channel mismatch: {image_name} has {c_image} channel(s) on its last axis but "
            f"{kernel_name} expects {c_kernel} input channel(s) on its axis 2"
        )


def integer(value, name: str) -> int:
    """Return ``value`` as an int if it is an integer of any sign (bools are rejected)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    return int(value)


def choice(value, name: str, options) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is one of ``options`` (unhashable values included)."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}; got {value!r}")


def positive_int(value, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer (bools are rejected)."""
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def non_negative_int(value, name: str) -> int:
    """Return ``value`` as an int if it is an integer >= 0 (bools are rejected)."""
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------
# padding, stride and memory (appended for the padding/stride API of issue 9)


def int_pair(value, name: str, minimum: int) -> tuple:
    """Return ``(v_h, v_w)`` from an integer or a pair of integers, each at least ``minimum``.

    Used for ``padding`` (``minimum=0``) and ``stride`` (``minimum=1``). Bools,
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
        bound = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}; got {value!r}")
    return pair


_physical_memory = []


def physical_memory_bytes() -> int:
    """This machine's physical memory in bytes (16 GiB if the system does not say), asked once."""
    if not _physical_memory:
        import os

        try:
            _physical_memory.append(int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES")))
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
