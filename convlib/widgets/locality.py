r"""Chapter 2 (locality): a window of radius Delta, its receptive field and its weight count.

Pure helpers (NumPy only, no drawing):

* :func:`local_sum_at` evaluates the lecture's sum for one output pixel,
  ``h[i, j] = sum_{a=-Delta}^{Delta} sum_{b=-Delta}^{Delta} V[a, b] x[i + a, j + b]``
  (zeros outside the image), term by term;
* :func:`receptive_field_side`, :func:`stacked_impulse_response` and
  :func:`support_side` say how far the influence of one pixel reaches
  through ``L`` stacked layers (``2 L Delta + 1`` pixels);
* :func:`locality_frame` computes one frame of the explorer: a
  ``(2 Delta + 1)^2`` box blur, the window of one output pixel and the
  weight counts.

Interactive: :class:`LocalityExplorer` computes its frames in the browser
(``js/locality.js``), with or without a Python kernel; static figures:
:func:`plot_param_counts` and :func:`plot_stacked_receptive_fields`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import traitlets

from .._validate import as_array, integer, non_negative_int
from ..correlate import corr2d
from ..images import mri_slice
from ..kernels import box_kernel
from ..shapes import param_counts
from ._browser import BrowserExplorer, image_from_bytes, image_to_bytes, image_traits
from ._static import readable_text, static_figure

__all__ = [
    "local_sum_at",
    "receptive_field_side",
    "stacked_impulse_response",
    "support_side",
    "default_image",
    "LocalityFrame",
    "locality_frame",
    "LocalityExplorer",
    "locality_explorer",
    "plot_param_counts",
    "plot_stacked_receptive_fields",
]

MAX_DELTA = 10


# ---------------------------------------------------------------------------
# pure part


def local_sum_at(x, V, i: int, j: int) -> float:
    """``sum_{a,b=-Delta..Delta} V[a, b] x[i + a, j + b]`` for one pixel, zeros outside the image.

    ``V`` has shape ``(2 Delta + 1, 2 Delta + 1)``; offset ``a`` is array
    row ``a + Delta``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d
    >>> x, V = np.arange(25.0).reshape(5, 5), np.arange(9.0).reshape(3, 3)
    >>> bool(local_sum_at(x, V, 0, 0) == corr2d(x, V, "same")[0, 0])
    True
    """
    x, V = np.asarray(x, dtype=float), np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError(f"V must be square with odd side 2*Delta+1; got shape {V.shape}")
    D = V.shape[0] // 2
    H, W = x.shape
    total = 0.0
    for a in range(-D, D + 1):
        for b in range(-D, D + 1):
            if 0 <= i + a < H and 0 <= j + b < W:
                total += V[a + D, b + D] * x[i + a, j + b]
    return float(total)


def receptive_field_side(delta: int, layers: int = 1) -> int:
    """Side ``2 L Delta + 1`` of the square of input pixels one output pixel sees after ``L`` layers.

    Examples
    --------
    >>> [receptive_field_side(1, L) for L in (1, 2, 3)]
    [3, 5, 7]
    """
    return 2 * non_negative_int(layers, "layers") * non_negative_int(delta, "delta") + 1


def stacked_impulse_response(delta: int, layers: int, size: int | None = None) -> np.ndarray:
    """One bright input pixel passed through ``layers`` local layers with all-ones ``(2 Delta + 1)^2`` kernels.

    The nonzero pixels of the result are the output pixels the bright input
    pixel can influence; by symmetry of the window, that square has the same
    side as the receptive field of one output pixel.

    Examples
    --------
    >>> m = stacked_impulse_response(1, 2)
    >>> m.shape, support_side(m)
    ((9, 9), (5, 5))
    """
    side = receptive_field_side(delta, layers)
    size = side + 4 if size is None else int(size)
    x = np.zeros((size, size))
    x[size // 2, size // 2] = 1.0
    V = np.ones((2 * int(delta) + 1, 2 * int(delta) + 1))
    for _ in range(int(layers)):
        x = corr2d(x, V, "same")
    return x


def support_side(m, tol: float = 1e-9) -> tuple:
    """``(rows, cols)`` of the bounding box of the entries of ``m`` larger than ``tol`` in magnitude.

    Examples
    --------
    >>> support_side([[0, 0, 0], [0, 1, 2], [0, 0, 0]])
    (1, 2)
    """
    rows, cols = np.nonzero(np.abs(np.asarray(m)) > tol)
    if rows.size == 0:
        return (0, 0)
    return (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))


def _as_image(image) -> np.ndarray:
    """``image`` as a float64 ``(H, W)`` array (no copy for a float64 array); the MRI slice for None."""
    if image is None:
        return default_image()
    return np.asarray(as_array(image, "image", 2, layout="(H, W)"), dtype=float)


def default_image() -> np.ndarray:
    """The MRI slice shipped with matplotlib, every second pixel: 128 x 128."""
    return mri_slice()[::2, ::2]


@dataclass
class LocalityFrame:
    """One frame of the locality explorer (pure data, no drawing)."""

    delta: int
    pixel: tuple  # (i, j) of the chosen output pixel
    image: np.ndarray  # x
    output: np.ndarray  # h = corr2d(x, box of side 2 Delta + 1, "same")
    window: tuple  # (top, left, bottom, right) rows/cols i-Delta..i+Delta, j-Delta..j+Delta (inclusive, unclipped)
    value: float  # h[i, j]
    params: dict  # weight counts: fully connected, translation invariant, local


def locality_frame(image, delta: int, row: int, col: int) -> LocalityFrame:
    """Box blur of radius ``delta`` and the window that feeds output pixel ``(row, col)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = locality_frame(np.ones((9, 9)), 1, 4, 4)
    >>> f.window, round(f.value, 12), f.params["local"]
    ((3, 3, 5, 5), 1.0, 9)
    """
    x = _as_image(image)
    delta, row, col = non_negative_int(delta, "delta"), int(row), int(col)
    H, W = x.shape
    if not (0 <= row < H and 0 <= col < W):
        raise ValueError(f"pixel ({row}, {col}) is outside the {H} x {W} image")
    h = corr2d(x, box_kernel(2 * delta + 1), "same")
    return LocalityFrame(
        delta=delta,
        pixel=(row, col),
        image=x,
        output=h,
        window=(row - delta, col - delta, row + delta, col + delta),
        value=float(h[row, col]),
        params=param_counts(H, W, delta),
    )


# ---------------------------------------------------------------------------
# the explorer (computes in the browser, js/locality.js)


class LocalityExplorer(BrowserExplorer, js="locality"):
    """Live explorer: sliders for Delta and the output pixel ``(i, j)``; window, output and counts follow, in the browser.

    The image is shipped once as uint8; the page computes the
    ``(2 Delta + 1)^2`` box blur ``h = corr2d(x, V, "same")``, outlines the
    window of ``h[i, j]`` on the input, marks the pixel on the output and
    shows the three weight counts. :meth:`reference_frame` recomputes the
    same numbers with convlib (:func:`locality_frame`).

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Grey levels in [0, 1]; the 128 x 128 MRI slice by default.
    delta : int
        Initial Delta, ``0..max_delta``.
    row, col : int, optional
        Initial output pixel (default: the middle row, a third of the width).
    max_delta : int
        Largest Delta on the slider.

    Examples
    --------
    >>> e = LocalityExplorer(delta=1)
    >>> e.row, e.col, e.reference_frame()["params"]
    (64, 42, array([[2.68435456e+08, 6.50250000e+04, 9.00000000e+00]]))
    """

    delta = traitlets.Int(3).tag(sync=True)
    max_delta = traitlets.Int(MAX_DELTA).tag(sync=True)
    row = traitlets.Int(0).tag(sync=True)
    col = traitlets.Int(0).tag(sync=True)
    image, image_shape = image_traits()

    def __init__(
        self,
        image=None,
        delta: int = 3,
        row: int | None = None,
        col: int | None = None,
        max_delta: int = MAX_DELTA,
    ):
        data, shape = image_to_bytes(default_image() if image is None else image, "image")
        H, W = shape
        row = H // 2 if row is None else integer(row, "row")
        col = W // 3 if col is None else integer(col, "col")
        max_delta = non_negative_int(max_delta, "max_delta")
        if not 0 <= non_negative_int(delta, "delta") <= max_delta:
            raise ValueError(f"delta must be in 0..{max_delta} (max_delta); got {delta}")
        if not (0 <= row < H and 0 <= col < W):
            raise ValueError(f"pixel (row, col) = ({row}, {col}) is outside the {H} x {W} image")
        super().__init__(
            image=data, image_shape=shape, delta=int(delta), max_delta=max_delta, row=row, col=col
        )

    def frame(self) -> LocalityFrame:
        """The current state as a :class:`LocalityFrame`, computed with convlib on the shipped image."""
        return locality_frame(
            image_from_bytes(self.image, self.image_shape), self.delta, self.row, self.col
        )

    def reference_frame(self) -> dict:
        """What the page shows: output ``h``, ``h[i, j]``, the window and the three weight counts."""
        f = self.frame()
        return {
            "output": f.output,
            "value": np.array([[f.value]]),
            "window": np.array([f.window], dtype=float),
            "params": np.array([[f.params[name] for name in _COUNT_NAMES]], dtype=float),
        }


_COUNT_NAMES = ("fully connected", "translation invariant", "local")


def locality_explorer(
    image=None, delta: int = 3, row: int | None = None, col: int | None = None
) -> LocalityExplorer:
    """The chapter's live explorer (display the returned widget).

    Examples
    --------
    >>> e = locality_explorer()
    >>> f = e.frame()
    >>> f.delta, f.pixel, f.params["local"]
    (3, (64, 42), 49)
    >>> e.delta = 1
    >>> e.frame().window, e.frame().params["local"]
    ((63, 41, 65, 43), 9)
    """
    return LocalityExplorer(image=image, delta=delta, row=row, col=col)


def plot_param_counts(H: int = 1024, W: int = 1024, deltas=range(0, 11)):
    """Static figure: ``(2 Delta + 1)^2`` against Delta on a log axis, with the FC and translation-invariant counts.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_param_counts(64, 64, range(3))
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [1, 9, 25]
    >>> plt.close(fig)
    """
    deltas = list(deltas)
    counts = [param_counts(H, W, d) for d in deltas]
    fig, ax = static_figure(4.0)
    # three lines told apart by marker and dash pattern as well as colour
    ax.semilogy(
        deltas,
        [c["local"] for c in counts],
        "o-",
        color="tab:orange",
        label="local, (2\u0394 + 1)\u00b2",
    )
    ax.axhline(
        counts[0]["translation invariant"],
        color="tab:blue",
        ls="--",
        label="translation invariant, (2H \u2212 1)(2W \u2212 1)",
    )
    ax.axhline(
        counts[0]["fully connected"],
        color="tab:gray",
        ls=":",
        lw=2,
        label="fully connected, (HW)\u00b2",
    )
    ax.set_xlabel("$\\Delta$")
    ax.set_ylabel("number of weights")
    ax.set_title(f"weights of one layer on a {H} x {W} image")
    ax.set_xticks(deltas)
    ax.yaxis.set_major_formatter(_power_of_ten)
    fig.legend(loc="outside lower center", ncols=1, frameon=False)
    return readable_text(fig)


_SUPERSCRIPT_DIGITS = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def _power_of_ten(value: float, _position=None) -> str:
    """Tick label ``10\u00b3`` for 1000 (the exponent as a full-size superscript character), "" between powers."""
    exponent = round(float(np.log10(value))) if value > 0 else 0
    if value <= 0 or not np.isclose(value, 10.0**exponent):
        return ""
    return "10" + str(exponent).translate(_SUPERSCRIPT_DIGITS)


def plot_stacked_receptive_fields(delta: int = 1, layers=(1, 2, 3)):
    """Static figure: where one bright pixel's influence reaches after 1, 2, 3 ... local layers.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_stacked_receptive_fields(2, (1, 2))
    >>> [ax.get_title() for ax in fig.axes]
    ['L = 1: 5 x 5', 'L = 2: 9 x 9']
    >>> plt.close(fig)
    """
    layers = list(layers)
    size = receptive_field_side(delta, max(layers)) + 4
    fig, axes = static_figure(2.4, ncols=len(layers))
    for ax, L in zip(np.atleast_1d(axes), layers, strict=True):
        m = stacked_impulse_response(delta, L, size)
        ax.imshow(m > 1e-9, cmap="Oranges", vmin=0, vmax=1.3, interpolation="none")
        side = support_side(m)[0]
        ax.set_title(f"L = {L}: {side} x {side}")
        ax.set_xticks(np.arange(size + 1) - 0.5)  # grid lines between pixels
        ax.set_yticks(np.arange(size + 1) - 0.5)
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.grid(True, color="white", lw=0.5)
        ax.tick_params(length=0)
    fig.suptitle(f"reach of one input pixel, L layers, $\\Delta$ = {delta}")
    return readable_text(fig)
