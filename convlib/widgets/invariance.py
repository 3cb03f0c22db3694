r"""Chapter 1 (translation invariance): from a dense weight tensor to one shared kernel.

Pure helpers (NumPy only, no drawing):

* :func:`dense_weights_from_kernel` builds the fully connected tensor
  ``W[i, j, k, l]`` of a translation-invariant layer from its kernel,
  ``W[i, j, i + a, j + b] = V[a, b]``;
* :func:`reindex_weights` performs the lecture's re-indexing
  ``V[i, j, a, b] = W[i, j, i + a, j + b]`` of any dense tensor, and
  :func:`hidden_from_offsets` evaluates ``h[i, j] = sum_{a, b} V[i, j, a, b] x[i + a, j + b]``;
* :func:`shift`, :func:`place_pattern`, :func:`response_peak` and
  :func:`shift_frame` move an object through a scene and follow the peak of
  the layer's response.

Interactive: :class:`ShiftExplorer` computes its frames in the browser
(``js/invariance.js``), with or without a Python kernel; static figure:
:func:`plot_weight_matrices`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import traitlets

from .._validate import integer, positive_int
from ..correlate import corr2d
from ._browser import BrowserExplorer, image_from_bytes, image_to_bytes, image_traits
from ._static import readable_text, signed_colorbar, static_figure

__all__ = [
    "PLUS",
    "CROSS",
    "dense_weights_from_kernel",
    "reindex_weights",
    "hidden_from_offsets",
    "shift",
    "place_pattern",
    "response_peak",
    "ShiftFrame",
    "scene_background",
    "home_position",
    "max_shift",
    "shift_frame",
    "ShiftExplorer",
    "invariance_explorer",
    "plot_weight_matrices",
    "MIN_SIZE",
]

PLUS = np.zeros((7, 7))
PLUS[3, :] = PLUS[:, 3] = 1.0
"""A 7 x 7 plus sign (13 ones): the object, and the filter that looks for it."""

CROSS = np.maximum(np.eye(7), np.eye(7)[::-1])
"""A 7 x 7 diagonal cross (13 ones): a distractor the plus filter barely answers."""

MIN_SIZE = 10
"""Smallest scene side: the plus at its home position ``(6, 6)`` fits, with no room to move."""


# ---------------------------------------------------------------------------
# pure part


def _offsets(n: int) -> np.ndarray:
    """Offsets ``a`` of the kernel rows ``0..n-1`` as used by ``corr2d(..., "same")``."""
    return np.arange(n) - (n - 1) // 2


def dense_weights_from_kernel(V, H: int, W: int) -> np.ndarray:
    """The fully connected tensor of the translation-invariant layer with kernel ``V``.

    ``W[i, j, i + a, j + b] = V[a, b]`` wherever ``(i + a, j + b)`` lies in the
    image, and 0 elsewhere. Row ``p`` of ``V`` holds offset
    ``a = p - (h - 1) // 2`` (for an odd ``h = 2 Delta + 1``: ``a = p - Delta``),
    the convention of ``corr2d(x, V, "same")``, so that
    ``np.einsum("ijkl,kl->ij", W, x) == corr2d(x, V, "same")``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d
    >>> V = np.arange(9.0).reshape(3, 3)
    >>> Wd = dense_weights_from_kernel(V, 4, 5)
    >>> Wd.shape
    (4, 5, 4, 5)
    >>> x = np.arange(20.0).reshape(4, 5)
    >>> bool(np.allclose(np.einsum("ijkl,kl->ij", Wd, x), corr2d(x, V, "same")))
    True
    """
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.size == 0:
        raise ValueError(f"V must be a non-empty 2-D kernel; got shape {V.shape}")
    H, W = positive_int(H, "H"), positive_int(W, "W")
    dense = np.zeros((H, W, H, W))
    for p, a in enumerate(_offsets(V.shape[0])):
        for q, b in enumerate(_offsets(V.shape[1])):
            i = np.arange(max(0, -a), min(H, H - a))
            j = np.arange(max(0, -b), min(W, W - b))
            dense[i[:, None], j[None, :], (i + a)[:, None], (j + b)[None, :]] = V[p, q]
    return dense


def reindex_weights(Wd) -> np.ndarray:
    """The lecture's re-indexing ``V[i, j, a, b] = W[i, j, i + a, j + b]``.

    Returns an array of shape ``(H, W, 2H - 1, 2W - 1)``; entry
    ``[i, j, a + H - 1, b + W - 1]`` holds ``V[i, j, a, b]`` for the offsets
    ``a = -(H-1)..H-1``, ``b = -(W-1)..W-1``, and NaN where ``(i + a, j + b)``
    falls outside the image (no weight exists there).

    Examples
    --------
    >>> import numpy as np
    >>> Wd = np.arange(16.0).reshape(2, 2, 2, 2)
    >>> V = reindex_weights(Wd)
    >>> V.shape, bool(V[1, 0, 1 + -1, 1 + 1] == Wd[1, 0, 0, 1])
    ((2, 2, 3, 3), True)
    """
    Wd = np.asarray(Wd, dtype=float)
    if Wd.ndim != 4 or Wd.shape[:2] != Wd.shape[2:]:
        raise ValueError(f"W must have shape (H, W, H, W); got {Wd.shape}")
    H, W = Wd.shape[:2]
    V = np.full((H, W, 2 * H - 1, 2 * W - 1), np.nan)
    i, j, k, l = np.indices(Wd.shape)
    V[i, j, k - i + H - 1, l - j + W - 1] = Wd
    return V


def hidden_from_offsets(V, x) -> np.ndarray:
    """``h[i, j] = sum_{a, b} V[i, j, a, b] x[i + a, j + b]`` for ``V`` from :func:`reindex_weights`.

    Terms whose pixel ``(i + a, j + b)`` lies outside the image are left out
    (their ``V`` entries are NaN).

    Examples
    --------
    >>> import numpy as np
    >>> Wd = np.random.default_rng(0).random((3, 4, 3, 4))
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> bool(np.allclose(hidden_from_offsets(reindex_weights(Wd), x), np.einsum("ijkl,kl->ij", Wd, x)))
    True
    """
    V, x = np.asarray(V, dtype=float), np.asarray(x, dtype=float)
    H, W = x.shape
    xpad = np.pad(x, ((H - 1, H - 1), (W - 1, W - 1)))
    h = np.zeros((H, W))
    for a in range(-(H - 1), H):
        for b in range(-(W - 1), W):
            window = xpad[H - 1 + a : 2 * H - 1 + a, W - 1 + b : 2 * W - 1 + b]  # x[i + a, j + b]
            h += np.nan_to_num(V[:, :, a + H - 1, b + W - 1]) * window
    return h


def shift(x, di: int, dj: int) -> np.ndarray:
    """``x`` moved down by ``di`` rows and right by ``dj`` columns; pixels moved in are 0.

    Examples
    --------
    >>> import numpy as np
    >>> shift(np.arange(4.0).reshape(2, 2), 1, 0)
    array([[0., 0.],
           [0., 1.]])
    """
    x = np.asarray(x)
    out = np.zeros_like(x)
    H, W = x.shape
    di, dj = int(di), int(dj)
    if abs(di) < H and abs(dj) < W:
        out[max(di, 0) : H + min(di, 0), max(dj, 0) : W + min(dj, 0)] = x[
            max(-di, 0) : H - max(di, 0), max(-dj, 0) : W - max(dj, 0)
        ]
    return out


def place_pattern(background, pattern, center) -> np.ndarray:
    """A copy of ``background`` with ``pattern`` pasted so that its centre pixel lands on ``center``.

    The whole pattern (its zeros too) replaces the pixels below it; parts
    outside the image are clipped.

    Examples
    --------
    >>> import numpy as np
    >>> place_pattern(np.zeros((3, 4)), np.ones((2, 2)), (1, 2))  # centre pixel of a 2 x 2: its top-left
    array([[0., 0., 0., 0.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    """
    out = np.array(background, dtype=float, copy=True)
    ph, pw = pattern.shape
    top, left = int(center[0]) - (ph - 1) // 2, int(center[1]) - (pw - 1) // 2
    H, W = out.shape
    r0, r1, c0, c1 = max(top, 0), min(top + ph, H), max(left, 0), min(left + pw, W)
    if r0 < r1 and c0 < c1:
        out[r0:r1, c0:c1] = pattern[r0 - top : r1 - top, c0 - left : c1 - left]
    return out


def response_peak(h) -> tuple:
    """``(row, col)`` of the largest value of a response map (the first one on ties).

    Examples
    --------
    >>> response_peak([[0, 2, 1], [2, 0, 0]])
    (0, 1)
    """
    h = np.asarray(h)
    i, j = np.unravel_index(int(np.argmax(h)), h.shape)
    return int(i), int(j)


@dataclass
class ShiftFrame:
    """One frame of the translation experiment (pure data, no drawing)."""

    shift: tuple  # (rows, cols) the object moved from its home position
    center: tuple  # where the object's centre pixel is
    image: np.ndarray  # x: scene with the object
    kernel: np.ndarray  # V: the filter (the pattern itself)
    response: np.ndarray  # h = corr2d(x, V, "same")
    peak: tuple  # (row, col) of the largest response
    max_response: float  # max over h: global max pooling, the invariant summary


def scene_background(
    size: int = 64, noise: float = 0.0, seed: int = 0, distractor=True
) -> np.ndarray:
    """A ``size x size`` background: seeded noise of amplitude ``noise`` (none by default) plus a fixed diagonal cross.

    ``size`` must be at least :data:`MIN_SIZE`, so that the 7 x 7 plus fits at its home position.

    Examples
    --------
    >>> bg = scene_background(32)
    >>> bg.shape, int(bg.sum())
    ((32, 32), 13)
    """
    size = positive_int(size, "size")
    if size < MIN_SIZE:
        raise ValueError(
            f"size must be at least {MIN_SIZE} so that the 7 x 7 plus fits in the scene; got {size}"
        )
    rng = np.random.default_rng(seed)
    bg = noise * rng.random((size, size))
    if distractor:
        bg = place_pattern(bg, CROSS, (size - 1 - size // 4, size // 4))
    return bg


def home_position(size: int) -> tuple:
    """Centre of the object before any shift."""
    return (6, 6) if size < 32 else (size // 8 + 3, size // 8 + 3)


def max_shift(size: int, pattern=PLUS) -> int:
    """Largest shift that keeps the whole pattern inside the image."""
    return size - 1 - (pattern.shape[0] - 1) // 2 - home_position(size)[0]


def shift_frame(
    row_shift: int = 0,
    col_shift: int = 0,
    size: int = 64,
    noise: float = 0.0,
    seed: int = 0,
    background=None,
) -> ShiftFrame:
    """Move the plus by ``(row_shift, col_shift)`` and correlate the scene with the plus filter.

    Examples
    --------
    >>> f0, f1 = shift_frame(0, 0), shift_frame(5, 12)
    >>> (f1.peak[0] - f0.peak[0], f1.peak[1] - f0.peak[1])
    (5, 12)
    >>> round(f0.max_response, 6) == round(f1.max_response, 6) == 13.0
    True
    """
    if background is None:
        background = scene_background(size, noise, seed)
    r0, c0 = home_position(background.shape[0])
    center = (r0 + int(row_shift), c0 + int(col_shift))
    x = place_pattern(background, PLUS, center)
    h = corr2d(x, PLUS, "same")
    return ShiftFrame(
        (int(row_shift), int(col_shift)), center, x, PLUS, h, response_peak(h), float(h.max())
    )


# ---------------------------------------------------------------------------
# the explorer (computes in the browser, js/invariance.js)


class ShiftExplorer(BrowserExplorer, js="invariance"):
    """Live explorer: row/column sliders move the plus; the response and its peak follow, in the browser.

    The scene (background with the distractor) and the plus are shipped once
    as uint8 images; the page pastes the plus at ``home + shift``, computes
    ``h = corr2d(x, V, "same")`` with ``V`` the plus, finds the peak and the
    maximum, and redraws. Python holds the state (``row_shift``,
    ``col_shift``) and :meth:`reference_frame` recomputes the same numbers
    with convlib.

    Parameters
    ----------
    size : int
        Side of the square scene (at least :data:`MIN_SIZE`).
    noise : float
        Amplitude of the seeded background noise, in [0, 1].
    seed : int
        Seed of the noise.
    row_shift, col_shift : int
        Initial shift of the plus, ``0..max_shift(size)``.

    Examples
    --------
    >>> e = ShiftExplorer(row_shift=5)
    >>> f = e.reference_frame()
    >>> f["peak"], f["max"]
    (array([[16., 11.]]), array([[13.]]))
    """

    row_shift = traitlets.Int(0).tag(sync=True)
    col_shift = traitlets.Int(0).tag(sync=True)
    shift_limit = traitlets.Int(0).tag(sync=True)
    home = traitlets.List(traitlets.Int(), default_value=[0, 0]).tag(sync=True)
    scene, scene_shape = image_traits()
    pattern, pattern_shape = image_traits()

    def __init__(
        self,
        size: int = 64,
        noise: float = 0.0,
        seed: int = 0,
        row_shift: int = 0,
        col_shift: int = 0,
    ):
        if (
            isinstance(noise, bool)
            or not isinstance(noise, (int, float, np.integer, np.floating))
            or not 0.0 <= noise <= 1.0
        ):
            raise ValueError(f"noise must be a number in [0, 1]; got {noise!r}")
        background = scene_background(size, float(noise), seed)
        top = max_shift(size)
        for name, value in (("row_shift", row_shift), ("col_shift", col_shift)):
            if not 0 <= integer(value, name) <= top:
                raise ValueError(
                    f"{name} must be in 0..{top} for a {size} x {size} scene; got {value}"
                )
        scene, scene_shape = image_to_bytes(background, "scene")
        pattern, pattern_shape = image_to_bytes(PLUS, "pattern")
        super().__init__(
            row_shift=int(row_shift),
            col_shift=int(col_shift),
            shift_limit=top,
            home=list(home_position(size)),
            scene=scene,
            scene_shape=scene_shape,
            pattern=pattern,
            pattern_shape=pattern_shape,
        )

    def frame(self) -> ShiftFrame:
        """The current state as a :class:`ShiftFrame`, computed with convlib on the shipped scene."""
        background = image_from_bytes(self.scene, self.scene_shape)
        return shift_frame(self.row_shift, self.col_shift, background=background)

    def reference_frame(self) -> dict:
        """What the page shows: input ``x``, response ``h``, its peak ``(row, col)`` and its maximum."""
        f = self.frame()
        return {
            "input": f.image,
            "response": f.response,
            "peak": np.array([f.peak], dtype=float),
            "max": np.array([[f.max_response]]),
        }


def invariance_explorer(size: int = 64, noise: float = 0.0, seed: int = 0) -> ShiftExplorer:
    """The chapter's live explorer (display the returned widget).

    Examples
    --------
    >>> e = invariance_explorer()
    >>> e.frame().peak
    (11, 11)
    >>> e.row_shift = 5
    >>> e.frame().peak, round(e.frame().max_response, 6)
    ((16, 11), 13.0)
    """
    return ShiftExplorer(size=size, noise=noise, seed=seed)


def plot_weight_matrices(W_fc, W_shared, titles=("fully connected W", "translation invariant W")):
    """Static figure: two dense tensors ``(H, W, H, W)`` shown as ``(HW) x (HW)`` matrices.

    Rows are the hidden pixels ``(i, j)``, columns the input pixels
    ``(k, l)``, both flattened row by row; each matrix has its colour bar.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> fig = plot_weight_matrices(np.zeros((2, 2, 2, 2)), np.ones((2, 2, 2, 2)))
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['fully connected W', 'translation invariant W']
    >>> plt.close(fig)
    """
    fig, axes = static_figure(3.6, ncols=2)
    for ax, Wd, title in zip(axes, (W_fc, W_shared), titles, strict=False):
        Wd = np.asarray(Wd)
        H, W = Wd.shape[:2]
        im = ax.imshow(Wd.reshape(H * W, H * W), cmap="viridis", interpolation="none")
        ax.set_title(title)
        ax.set_xlabel("input pixel (k, l)")
        ax.set_ylabel("hidden pixel (i, j)")
        signed_colorbar(fig, im, ax, location="bottom", shrink=0.9)
    return readable_text(fig)
