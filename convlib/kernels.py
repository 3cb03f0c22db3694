"""Named kernels (filters) that the chapters and widgets offer as presets.

Every kernel is returned as a new float64 array, indexed ``V[a, b]``.
"""

from __future__ import annotations

import numpy as np

from ._validate import choice, positive_int

__all__ = ["KERNELS", "kernel", "gaussian_kernel", "box_kernel"]


def box_kernel(size: int = 3) -> np.ndarray:
    """Mean of a ``size x size`` window (box blur).

    Examples
    --------
    >>> from convlib import box_kernel
    >>> float(box_kernel(3).sum())
    1.0
    """
    size = positive_int(size, "size")
    return np.full((size, size), 1.0 / size**2)


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """Normalised Gaussian blur kernel, ``V[a, b] ~ exp(-(a^2 + b^2) / (2 sigma^2))``.

    Examples
    --------
    >>> from convlib import gaussian_kernel
    >>> K = gaussian_kernel(3, sigma=1.0)
    >>> K.shape, round(float(K.sum()), 12), bool(K[1, 1] == K.max())
    ((3, 3), 1.0, True)
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd integer; got {size!r}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.integer, np.floating)):
        raise TypeError(f"sigma must be a real number; got {type(sigma).__name__}")
    if not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a positive number; got {sigma!r}")
    r = np.arange(size) - size // 2
    g = np.exp(-(r**2) / (2.0 * sigma**2))
    K = np.outer(g, g)
    return K / K.sum()


KERNELS = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "box blur": box_kernel(3),
    "gaussian": gaussian_kernel(5, 1.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "edge [1, -1]": np.array([[1, -1]], dtype=float),
}
"""Preset kernels by name: identity, box blur, gaussian, sharpen, sobel x/y, laplacian, edge [1, -1]."""


def kernel(name: str) -> np.ndarray:
    """A copy of the preset kernel called ``name`` (see :data:`KERNELS`).

    Examples
    --------
    >>> from convlib import kernel
    >>> kernel("edge [1, -1]")
    array([[ 1., -1.]])
    """
    choice(name, "name", KERNELS)
    return KERNELS[name].copy()
