r"""What a first layer learns from photographs, computed here: PCA and ICA of image patches.

Real networks' first layers (AlexNet's conv1, Zeiler and Fergus 2014) learn
oriented edge detectors and colour-opponent blobs. The same kind of filters
come out of the statistics of natural images alone (Olshausen and Field
1996; Bell and Sejnowski 1997), which lets the course compute them honestly
in NumPy, in about a second, from its own photograph (:func:`convlib.photo`):

* cut ``n_patches`` random ``size x size x 3`` RGB patches (seeded), each a
  vector of ``3 size^2`` numbers, and subtract the mean patch;
* **PCA**: the eigenvectors of the patches' covariance, largest variance
  first. They are orthonormal and ordered by spatial frequency: the mean
  brightness, then smooth ramps (first derivatives) in two directions,
  then second derivatives, and colour-opponent components (red against
  green, blue against yellow) of low frequency;
* **ICA** (FastICA, Hyvarinen 1999, on the whitened leading PCA
  components): directions in which the patches are least Gaussian, i.e.
  sparse. They come out localised and oriented, like edge detectors.

Each filter has the layout of one output channel of a kernel
``K[a, b, c]``; :attr:`LearnedFilters.kernel` stacks them as
``(k_h, k_w, 3, n_filters)`` for :func:`convlib.corr2d_multi_in_out`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, choice, non_negative_int, positive_int

__all__ = ["learned_filters", "LearnedFilters", "random_patches"]

METHODS = ("pca", "ica")


@dataclass
class LearnedFilters:
    """Filters learned from image patches (see :func:`learned_filters`)."""

    filters: np.ndarray
    """``(n_filters, size, size, 3)``: filter ``f`` is ``filters[f, a, b, c]``, unit length."""
    variance: np.ndarray
    """Fraction of the patches' variance along each filter (PCA; for ICA the variance of each source's mixing direction)."""
    method: str
    """``"pca"`` or ``"ica"``."""
    mean: np.ndarray
    """The mean patch that was subtracted, ``(size, size, 3)``."""

    @property
    def kernel(self) -> np.ndarray:
        """The filters as one convlib kernel ``K[a, b, c, k]`` of shape ``(size, size, 3, n_filters)``."""
        return np.ascontiguousarray(self.filters.transpose(1, 2, 3, 0))


def random_patches(image, size: int, n_patches: int, seed: int = 0) -> np.ndarray:
    """``n_patches`` random ``size x size`` patches of ``image``, as rows ``(n_patches, size * size * C)``.

    The top-left corners are drawn uniformly with ``numpy.random.default_rng(seed)``;
    each row is the patch raveled in ``(a, b, c)`` order.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.learned import random_patches
    >>> random_patches(np.zeros((10, 12, 3)), 4, 5).shape
    (5, 48)
    """
    image = as_array(image, "image", (2, 3), layout="(H, W) or (H, W, C)")
    if image.ndim == 2:
        image = image[:, :, None]
    size, n_patches = positive_int(size, "size"), positive_int(n_patches, "n_patches")
    H, W, C = image.shape
    if size > min(H, W):
        raise ValueError(f"size must be at most the image's smaller side {min(H, W)}; got {size}")
    rng = np.random.default_rng(non_negative_int(seed, "seed"))
    rows = rng.integers(0, H - size + 1, n_patches)
    cols = rng.integers(0, W - size + 1, n_patches)
    # (H', W', C, size, size)
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size), axis=(0, 1))
    return windows[rows, cols].transpose(0, 2, 3, 1).reshape(n_patches, size * size * C)


def learned_filters(
    method: str = "pca",
    *,
    size: int = 8,
    n_filters: int = 16,
    n_patches: int = 20000,
    seed: int = 0,
    image=None,
) -> LearnedFilters:
    r"""First-layer filters learned from random RGB patches of the course's photograph.

    Parameters
    ----------
    method : {"pca", "ica"}
        Principal components (orthonormal, by variance) or independent
        components (FastICA, by non-Gaussianity).
    size : int
        Side of the square patches and filters, 2 to 16.
    n_filters : int
        Number of filters, at most ``3 size^2`` (PCA) or ``3 size^2 - 1`` (ICA).
    n_patches : int
        Number of random patches, at least ``3 size^2``.
    seed : int
        Seed of the patch positions (and of FastICA's start).
    image : array_like, shape (H, W, 3), optional
        Another RGB image in [0, 1]; default :func:`convlib.photo`.

    Returns
    -------
    LearnedFilters
        ``filters`` of shape ``(n_filters, size, size, 3)``, each of unit
        length, with a deterministic sign (largest entry positive).

    Raises
    ------
    ValueError, TypeError
        Naming the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.learned import learned_filters
    >>> pca = learned_filters("pca", n_filters=6)
    >>> pca.filters.shape
    (6, 8, 8, 3)
    >>> F = pca.filters.reshape(6, -1)
    >>> bool(np.allclose(F @ F.T, np.eye(6)))  # orthonormal
    True
    >>> bool(np.all(pca.filters[0] > 0))  # the first one: the mean brightness
    True
    """
    choice(method, "method", METHODS)
    size = positive_int(size, "size")
    if not 2 <= size <= 16:
        raise ValueError(f"size must be between 2 and 16 pixels; got {size}")
    dim = 3 * size * size
    n_filters = positive_int(n_filters, "n_filters")
    limit = dim if method == "pca" else dim - 1
    if n_filters > limit:
        raise ValueError(
            f"n_filters must be at most {limit} for {size} x {size} x 3 patches with method={method!r}; got {n_filters}"
        )
    n_patches = positive_int(n_patches, "n_patches")
    if n_patches < dim:
        raise ValueError(
            f"n_patches must be at least 3 size^2 = {dim} (one per dimension of a patch); got {n_patches}"
        )
    seed = non_negative_int(seed, "seed")
    if image is None:
        from .images import photo

        image = photo()
    image = as_array(image, "image", 3, layout="(H, W, 3)")
    if image.shape[2] != 3:
        raise ValueError(
            f"image must have 3 channels (R, G, B) on its last axis; got shape {image.shape}"
        )
    patches = random_patches(image, size, n_patches, seed).astype(np.float64)
    mean = patches.mean(axis=0)
    centred = patches - mean
    cov = centred.T @ centred / n_patches
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = np.clip(eigval[order], 0, None), eigvec[:, order]
    total = eigval.sum()
    if method == "pca":
        filters = eigvec[:, :n_filters].T
        variance = eigval[:n_filters] / total
    else:
        filters, variance = _ica(centred, eigval, eigvec, n_filters, seed)
        variance = variance / total
    filters = _canonical_sign(filters)
    return LearnedFilters(
        filters.reshape(n_filters, size, size, 3), variance, method, mean.reshape(size, size, 3)
    )


def _canonical_sign(filters: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length and signed so that its entry of largest magnitude is positive."""
    filters = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    peak = filters[np.arange(len(filters)), np.argmax(np.abs(filters), axis=1)]
    return filters * np.where(peak < 0, -1.0, 1.0)[:, None]


_ICA_PATCHES = 8000  # FastICA runs on the first 8000 patches: as good a fit here, and fast
_ICA_TOLERANCE = 1e-4


def _ica(centred, eigval, eigvec, n_filters: int, seed: int, iterations: int = 100):
    """Symmetric FastICA with the log-cosh contrast on the leading PCA components (the mean brightness left out).

    Returns the filters (rows, in pixel space: the unmixing directions
    applied to a raw patch) ordered by the variance of their sources'
    mixing directions, and those variances.
    """
    keep = slice(1, n_filters + 1)  # component 0 is the mean brightness: no edge, leave it out
    values, vectors = eigval[keep], eigvec[:, keep]
    whiten = vectors / np.sqrt(values)  # (dim, n): z = centred @ whiten has identity covariance
    # (n, patches): the sources as rows keep the products fast
    Zt = np.ascontiguousarray((centred[:_ICA_PATCHES] @ whiten).T)
    n, count = Zt.shape
    rng = np.random.default_rng(seed)
    B = _decorrelate(rng.normal(size=(n, n)))
    for _ in range(iterations):
        g = np.tanh(B @ Zt)
        B_new = _decorrelate((g @ Zt.T) / count - np.mean(1 - g**2, axis=1)[:, None] * B)
        converged = np.max(np.abs(np.abs(np.sum(B_new * B, axis=1)) - 1)) < _ICA_TOLERANCE
        B = B_new
        if converged:
            break
    filters = B @ whiten.T  # unmixing rows in pixel space: source = patch @ filter
    mixing = (vectors * np.sqrt(values)) @ B.T  # columns: each source's pattern in pixel space
    power = np.sum(mixing**2, axis=0)
    order = np.argsort(power)[::-1]
    return filters[order], power[order]


def _decorrelate(B: np.ndarray) -> np.ndarray:
    """``(B B^T)^{-1/2} B``, the nearest matrix with orthonormal rows, by Newton's iteration (small products only)."""
    B = B / np.sqrt(np.linalg.norm(B @ B.T, 2))
    for _ in range(100):
        B = 1.5 * B - 0.5 * (B @ B.T) @ B
        if np.abs(B @ B.T - np.eye(len(B))).max() < 1e-10:
            break
    return B
