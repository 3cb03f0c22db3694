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

Drawing: :class:`InvarianceExplorer` (live, needs a kernel),
:func:`invariance_flipbook` (kernel-free) and :func:`plot_weight_matrices`
(static figure).
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from .._validate import positive_int
from ..correlate import corr2d
from ._common import KERNEL_NOTE, FigureImage, figure_to_png, flipbook, new_figure
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
    "flipbook_path",
    "shift_frame",
    "InvarianceExplorer",
    "invariance_explorer",
    "invariance_flipbook",
    "plot_weight_matrices",
    "KERNEL_NOTE",
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
        out[max(di, 0) : H + min(di, 0), max(dj, 0) : W + min(dj, 0)] = x[max(-di, 0) : H - max(di, 0), max(-dj, 0) : W - max(dj, 0)]
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


def scene_background(size: int = 64, noise: float = 0.0, seed: int = 0, distractor=True) -> np.ndarray:
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
        raise ValueError(f"size must be at least {MIN_SIZE} so that the 7 x 7 plus fits in the scene; got {size}")
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


def shift_frame(row_shift: int = 0, col_shift: int = 0, size: int = 64, noise: float = 0.0, seed: int = 0, background=None) -> ShiftFrame:
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
    return ShiftFrame((int(row_shift), int(col_shift)), center, x, PLUS, h, response_peak(h), float(h.max()))


# ---------------------------------------------------------------------------
# drawing


class _ShiftFigure:
    """Figure and artists for :class:`ShiftFrame`: scene, filter, response with its peak."""

    def __init__(self, frame: ShiftFrame, width: float = 8.0, height: float = 3.0):
        self.fig, (ax_x, ax_v, ax_h) = new_figure(width, height, ncols=3)
        self.im_x = ax_x.imshow(frame.image, cmap="gray", vmin=0, vmax=1)
        ax_x.set_title("input x: plus moves, cross stays")
        ax_v.imshow(frame.kernel, cmap="gray", vmin=0, vmax=1)
        ax_v.set_title("filter V (7 x 7)")
        top = float(np.abs(frame.kernel).sum())
        self.im_h = ax_h.imshow(frame.response, cmap="magma", vmin=0, vmax=top)
        ax_h.set_title("response h = corr2d(x, V)")
        (self.obj,) = ax_x.plot([], [], "s", ms=14, mfc="none", mec="tab:cyan", mew=1.5)
        (self.peak,) = ax_h.plot([], [], "+", ms=14, color="tab:cyan", mew=2)
        self.label = ax_h.text(0.03, 0.92, "", transform=ax_h.transAxes, color="white", fontsize=9, va="top")
        for ax in (ax_x, ax_v, ax_h):
            ax.set_xticks([])
            ax.set_yticks([])
        self.animated = [self.im_x, self.im_h, self.obj, self.peak, self.label]
        self.update(frame)

    def update(self, frame: ShiftFrame) -> None:
        self.im_x.set_data(frame.image)
        self.im_h.set_data(frame.response)
        self.obj.set_data([frame.center[1]], [frame.center[0]])
        self.peak.set_data([frame.peak[1]], [frame.peak[0]])
        self.label.set_text(f"peak {frame.peak}, max {frame.max_response:.1f}")


def _readout(frame: ShiftFrame, home) -> str:
    return (
        f"shift of the object: <b>{frame.shift}</b> &rarr; peak of h at <b>{frame.peak}</b> "
        f"(home peak {home} + shift); max response <b>{frame.max_response:.2f}</b> (the same for every shift)"
    )


class InvarianceExplorer:
    """Live explorer: row/column sliders move the plus; the response and its peak follow.

    Attributes: ``controls`` (``"row shift"``, ``"col shift"``), ``frame``
    (the last :class:`ShiftFrame`), ``view`` (:class:`FigureImage`),
    ``widget`` (the container to display).
    """

    def __init__(self, size: int = 64, noise: float = 0.0, seed: int = 0, row_shift: int = 0, col_shift: int = 0):
        self.background = scene_background(size, noise, seed)
        top = max_shift(size)
        self.controls = {
            "row shift": widgets.IntSlider(value=row_shift, min=0, max=top, description="row shift", continuous_update=True),
            "col shift": widgets.IntSlider(value=col_shift, min=0, max=top, description="col shift", continuous_update=True),
        }
        self.frame = self._compute()
        self.home = shift_frame(0, 0, background=self.background).peak
        self.drawing = _ShiftFigure(self.frame)
        self.view = FigureImage(self.drawing.fig, animated=self.drawing.animated)
        self.readout = widgets.HTML(_readout(self.frame, self.home))
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.controls.values())), self.view.image, self.readout, widgets.HTML(KERNEL_NOTE)]
        )

    def _compute(self) -> ShiftFrame:
        return shift_frame(self.controls["row shift"].value, self.controls["col shift"].value, background=self.background)

    def _on_change(self, _change=None) -> None:
        self.frame = self._compute()
        self.drawing.update(self.frame)
        self.readout.value = _readout(self.frame, self.home)
        self.view.refresh()


def invariance_explorer(size: int = 64, noise: float = 0.0, seed: int = 0) -> InvarianceExplorer:
    """The chapter's live explorer; display ``invariance_explorer().widget``.

    Examples
    --------
    >>> e = invariance_explorer()
    >>> e.frame.peak
    (11, 11)
    >>> e.controls["row shift"].value = 5
    >>> e.frame.peak, round(e.frame.max_response, 6)
    ((16, 11), 13.0)
    """
    return InvarianceExplorer(size=size, noise=noise, seed=seed)


def flipbook_path(size: int = 64, frames: int = 10) -> list:
    """Shifts along a diagonal-then-across path that keeps the object inside the image.

    Examples
    --------
    >>> max_shift(64), flipbook_path(64, 3)
    (49, [(0, 0), (49, 24), (49, 49)])
    """
    top = max_shift(size)
    t = np.linspace(0.0, 1.0, positive_int(frames, "frames"))
    rows = np.rint(top * np.minimum(1.0, 2.0 * t)).astype(int)
    cols = np.rint(top * t).astype(int)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]


def invariance_flipbook(size: int = 64, frames: int = 10, noise: float = 0.0, seed: int = 0):
    """Kernel-free flipbook: the plus moves along a path; the peak follows, the max stays.

    Examples
    --------
    >>> book = invariance_flipbook(frames=3)
    >>> book.children[0].options
    ('shift (0, 0) -> peak (11, 11)', 'shift (49, 24) -> peak (60, 35)', 'shift (49, 49) -> peak (60, 60)')
    """
    background = scene_background(size, noise, seed)
    shifts = flipbook_path(size, frames)
    drawing = None
    pngs, labels = [], []
    for s in shifts:
        frame = shift_frame(*s, background=background)
        if drawing is None:
            drawing = _ShiftFigure(frame)
        drawing.update(frame)
        pngs.append(figure_to_png(drawing.fig))
        labels.append(f"shift {s} -> peak {frame.peak}")
    return flipbook(pngs, labels, description="object shift", caption="<small>Works on the static page: drag the slider.</small>")


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
