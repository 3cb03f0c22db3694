"""Named kernels (filters) that the chapters and widgets offer as presets.

Every kernel is returned as a new float64 array, indexed ``V[a, b]``. The
arrays in :data:`KERNELS` are read-only, so that no cell can change a preset
for the cells after it; :func:`kernel` returns a writable copy.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_size, choice, integer, positive_int, real_number

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
    check_size((size, size), "size")
    return np.full((size, size), 1.0 / size**2)


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    r"""Normalised Gaussian blur kernel, ``V[a, b] ~ exp(-(a^2 + b^2) / (2 sigma^2))``.

    The offsets ``a, b`` run over ``-Delta..Delta`` with ``size = 2 Delta + 1``.
    Extreme widths give the exact limits: a ``sigma`` so large that every
    weight rounds to the centre's gives the box kernel, one so small that
    every off-centre weight underflows gives the identity kernel.

    Parameters
    ----------
    size : int
        Kernel side ``k_h = k_w``, a positive odd integer.
    sigma : float
        Width of the Gaussian, a positive finite number.

    Returns
    -------
    numpy.ndarray, shape (size, size)
        Non-negative weights that sum to 1.

    Examples
    --------
    >>> from convlib import gaussian_kernel
    >>> K = gaussian_kernel(3, sigma=1.0)
    >>> K.shape, round(float(K.sum()), 12), bool(K[1, 1] == K.max())
    ((3, 3), 1.0, True)
    >>> gaussian_kernel(3, sigma=1e-200)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    size = integer(size, "size")
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd integer; got {size!r}")
    check_size((size, size), "size")
    sigma = real_number(sigma, "sigma", positive=True)
    r = np.arange(size) - size // 2
    with np.errstate(
        over="ignore", under="ignore"
    ):  # (r / sigma)**2 may round to 0 or inf: exp gives 1 or 0
        g = np.exp(-0.5 * (r / sigma) ** 2)
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
"""Preset kernels by name: identity, box blur, gaussian, sharpen, sobel x/y, laplacian, edge [1, -1] (read-only arrays)."""

for _preset in KERNELS.values():
    _preset.setflags(write=False)
del _preset


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
