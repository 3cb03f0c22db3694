r"""Chapter 3 widgets: convolution versus cross-correlation.

Pure computations (no matplotlib):

* :func:`written_sums` and :func:`window_frame`: the worked example's sums,
  one output element at a time;
* :func:`normalized_cross_correlation` and :func:`match_template`: template
  matching, built from :func:`convlib.corr2d`;
* :func:`downsample` and :func:`playground_image`: sample images at most
  256 x 256 pixels;
* :func:`playground_frame`: what the kernel playground shows for one setting.

Drawing:

* :func:`correlation_steps_flipbook`: kernel-free slider over the output positions;
* :func:`kernel_playground` / :class:`KernelPlayground`: live explorer (kernel
  weights, presets, image, convolution or cross-correlation);
* :func:`presets_flipbook`: kernel-free slider over the presets on one image;
* :func:`plot_filters` and :func:`plot_template_match`: static figures.
"""

from __future__ import annotations

from dataclasses import dataclass


import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .._validate import as_array, check_kernel_fits, choice, positive_int
from ..correlate import conv2d, corr2d
from ..images import SAMPLE_IMAGES
from ..kernels import KERNELS
from ._common import KERNEL_CAPTION, FigureImage, compact_png, figure_to_png, flipbook, new_figure, signed_style
from ._static import FIGURE_WIDTH_IN, readable_text, signed_colorbar, static_figure

__all__ = [
    "written_sums",
    "window_frame",
    "WindowFrame",
    "normalized_cross_correlation",
    "match_template",
    "top_peaks",
    "downsample",
    "playground_image",
    "playground_frame",
    "PlaygroundFrame",
    "KernelPlayground",
    "PlaygroundFigure",
    "kernel_playground",
    "presets_flipbook",
    "correlation_steps_flipbook",
    "plot_filters",
    "plot_template_match",
    "MATCH_LABELS",
    "compact_png",
    "MAX_KERNEL",
    "OPERATIONS",
]

MAX_KERNEL = 5
"""Largest kernel side the playground edits (the 5 x 5 Gaussian preset)."""

WEIGHT_RANGE = 5.0
"""Each weight slider spans ``-WEIGHT_RANGE .. WEIGHT_RANGE`` (the presets need -4 .. 5)."""

OPERATIONS = ("cross-correlation (layer)", "convolution (flipped)")
"""The playground's two operations: what a conv layer computes, and the mathematical convolution."""


def _fmt(value) -> str:
    """A number as short text: integers without a decimal point (NaN and inf as ``nan``, ``inf``)."""
    value = float(value)
    if np.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:g}"


# ---------------------------------------------------------------------------
# the worked example, one output element at a time


@dataclass
class WindowFrame:
    """One output element of a valid cross-correlation ``h[i, j] = sum_{a,b} V[a, b] x[i+a, j+b]``."""

    i: int
    j: int
    window: np.ndarray  # x[i:i+h, j:j+w]
    products: np.ndarray  # V * window
    value: float  # h[i, j]
    text: str  # e.g. "0*0 + 1*1 + 3*2 + 4*3 = 19"


def window_frame(X, K, i: int, j: int) -> WindowFrame:
    """The window, the products and the written-out sum for output element ``(i, j)``.

    The terms are written in the order of the sum, ``x[i+a, j+b]*V[a, b]``
    for ``a`` then ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> window_frame(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2), 0, 0).text
    '0*0 + 1*1 + 3*2 + 4*3 = 19'
    """
    X, K = np.asarray(X), np.asarray(K)
    h, w = K.shape
    H, W = X.shape
    if not (0 <= i <= H - h and 0 <= j <= W - w):
        raise ValueError(f"(i, j) must index the valid output of shape {(H - h + 1, W - w + 1)}; got {(i, j)}")
    window = X[i : i + h, j : j + w]
    products = window * K
    value = float(corr2d(window, K)[0, 0])
    terms = " + ".join(f"{_fmt(x)}*{_fmt(v)}" for x, v in zip(window.ravel(), K.ravel(), strict=True))
    return WindowFrame(i, j, window, products, value, f"{terms} = {_fmt(value)}")


def written_sums(X, K) -> list:
    """The sum behind every output element of ``corr2d(X, K)``, written out, row by row.

    Examples
    --------
    >>> import numpy as np
    >>> written_sums(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))[-1]
    '4*0 + 5*1 + 7*2 + 8*3 = 43'
    """
    X, K = np.asarray(X), np.asarray(K)
    Ho, Wo = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return [window_frame(X, K, i, j).text for i in range(Ho) for j in range(Wo)]


def correlation_steps_flipbook(X, K, description: str = "output element"):
    """Kernel-free slider: for each output element, the input window, the kernel and the sum.

    One frame per output element (use small arrays: 4 frames for the
    lecture's 3 x 3 input and 2 x 2 kernel).

    Examples
    --------
    >>> import numpy as np
    >>> book = correlation_steps_flipbook(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    >>> book.children[0].options
    ('h[0, 0]', 'h[0, 1]', 'h[1, 0]', 'h[1, 1]')
    """
    X, K = np.asarray(X), np.asarray(K)
    Y = corr2d(X, K)
    Ho, Wo = Y.shape
    steps = [window_frame(X, K, i, j) for i in range(Ho) for j in range(Wo)]
    h, w = K.shape
    fig, (ax_x, ax_k, ax_y) = new_figure(8, 3.2, ncols=3)
    panels = [(ax_x, X, "input $x$"), (ax_k, K, "kernel $V$"), (ax_y, Y, "output $h$")]
    for ax, A, title in panels:
        ax.imshow(np.zeros_like(A, dtype=float), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(title)
        ax.set_xticks(range(A.shape[1]))
        ax.set_yticks(range(A.shape[0]))
    for (r, c), v in np.ndenumerate(X):
        ax_x.text(c, r, _fmt(v), ha="center", va="center", fontsize=14)
    for (r, c), v in np.ndenumerate(K):
        ax_k.text(c, r, _fmt(v), ha="center", va="center", fontsize=14)
    out_texts = {}
    for (r, c), v in np.ndenumerate(Y):
        out_texts[r, c] = ax_y.text(c, r, _fmt(v), ha="center", va="center", fontsize=14)
    window = Rectangle((-0.5, -0.5), w, h, fill=True, facecolor="tab:blue", alpha=0.3, edgecolor="tab:blue", lw=3)
    kbox = Rectangle((-0.5, -0.5), w, h, fill=True, facecolor="tab:blue", alpha=0.3, edgecolor="tab:blue", lw=3)
    cell = Rectangle((-0.5, -0.5), 1, 1, fill=True, facecolor="tab:orange", alpha=0.4, edgecolor="tab:orange", lw=3)
    ax_x.add_patch(window)
    ax_k.add_patch(kbox)
    ax_y.add_patch(cell)
    longest = max((f.text for f in steps), key=len)
    sum_text = fig.supxlabel(f"h[{Ho - 1}, {Wo - 1}] = {longest}", fontsize=13, family="monospace")
    frames, labels = [], []
    for frame in steps:
        i, j = frame.i, frame.j
        window.set_xy((j - 0.5, i - 0.5))
        cell.set_xy((j - 0.5, i - 0.5))
        sum_text.set_text(f"h[{i}, {j}] = {frame.text}")
        for (r, c), t in out_texts.items():  # reveal the outputs computed so far
            t.set_visible((r, c) <= (i, j))
        frames.append(compact_png(figure_to_png(fig)))
        labels.append(f"h[{i}, {j}]")
    return flipbook(
        frames,
        labels,
        description=description,
        caption="<small>Drag the slider: the window of the input <i>x</i> under the kernel, and the sum it gives.</small>",
    )


# ---------------------------------------------------------------------------
# template matching


def normalized_cross_correlation(X, T) -> np.ndarray:
    r"""Normalised cross-correlation of image ``X`` with template ``T`` (valid positions).

    .. math:: \rho[i, j] = \frac{\sum_{a,b} (T[a,b] - \bar T)\,(x[i+a, j+b] - \bar x_{ij})}
              {\lVert T - \bar T \rVert \, \lVert x_{ij} - \bar x_{ij} \rVert}

    where :math:`x_{ij}` is the window under the template. Values lie in
    ``[-1, 1]``; 1 means the window is the template up to brightness and
    contrast. Flat windows (zero variance) give 0. Three calls of
    :func:`convlib.corr2d`: numerator, window sums and window sums of squares.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((20, 20))
    >>> rho = normalized_cross_correlation(X, X[5:9, 7:12])
    >>> np.unravel_index(np.argmax(rho), rho.shape), round(float(rho.max()), 6)
    ((np.int64(5), np.int64(7)), 1.0)
    """
    X, T = _image_and_template(X, T)
    T0 = T - T.mean()
    n = T.size
    ones = np.ones_like(T)
    numerator = corr2d(X, T0)  # sum T0 * x  ==  sum T0 * (x - mean), since sum T0 = 0
    s1 = corr2d(X, ones)
    s2 = corr2d(X * X, ones)
    var = np.maximum(s2 - s1 * s1 / n, 0.0)
    denom = np.sqrt(var) * np.linalg.norm(T0)
    out = np.zeros_like(numerator)
    ok = denom > 1e-12 * max(1.0, float(denom.max()))
    out[ok] = numerator[ok] / denom[ok]
    return np.clip(out, -1.0, 1.0)


def _image_and_template(X, T):
    """``X`` and ``T`` as float64 2-D arrays, the template no larger than the image (errors name X and T)."""
    X = np.asarray(as_array(X, "X", 2, layout="(H, W)"), dtype=float)
    T = np.asarray(as_array(T, "T", 2, layout="(h, w)"), dtype=float)
    check_kernel_fits(X.shape, T.shape, "valid", "X", "T")
    return X, T


def match_template(X, T, normalized: bool = True):
    """Top-left corner ``(i, j)`` of the best match of ``T`` in ``X``, and the score map.

    ``normalized=False`` uses the plain cross-correlation of the zero-mean
    template with the zero-mean image.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).random((16, 16))
    >>> (i, j), score = match_template(X, X[3:7, 9:12])
    >>> (i, j), score.shape
    ((3, 9), (13, 14))
    """
    X, T = _image_and_template(X, T)
    score = normalized_cross_correlation(X, T) if normalized else corr2d(X - X.mean(), T - T.mean())
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    return (int(i), int(j)), score


def top_peaks(score, n: int, size) -> list:
    """The ``n`` highest positions of ``score``, each at least a ``size = (h, w)`` box away from the ones before.

    Greedy non-maximum suppression: after taking a peak ``(i, j)``, the
    positions ``|i' - i| < h`` and ``|j' - j| < w`` (windows that overlap the
    peak's window) are excluded.

    Examples
    --------
    >>> s = np.zeros((10, 10)); s[2, 3] = 5; s[2, 4] = 4; s[8, 8] = 3
    >>> top_peaks(s, 2, (2, 2))
    [(2, 3), (8, 8)]
    """
    score = np.array(score, dtype=float)
    h, w = size
    found = []
    for _ in range(int(n)):
        if not np.isfinite(score).any():
            break
        i, j = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(score), score, np.nan))), score.shape)
        found.append((int(i), int(j)))
        score[max(0, i - h + 1) : i + h, max(0, j - w + 1) : j + w] = -np.inf
    return found


# ---------------------------------------------------------------------------
# images for the playground


def downsample(X, max_size: int = 256) -> np.ndarray:
    """Block-average ``X`` by the smallest integer factor that makes both sides ``<= max_size``.

    Examples
    --------
    >>> downsample(np.ones((600, 512)), 256).shape
    (200, 170)
    >>> downsample(np.ones((6, 8))).shape
    (6, 8)
    """
    X = np.asarray(X, dtype=float)
    f = int(np.ceil(max(X.shape[:2]) / positive_int(max_size, "max_size")))
    if f <= 1:
        return X.copy()
    H, W = X.shape[0] // f, X.shape[1] // f
    X = X[: H * f, : W * f]
    return X.reshape(H, f, W, f, *X.shape[2:]).mean(axis=(1, 3))


def playground_image(name: str, max_size: int = 256) -> np.ndarray:
    """The sample image ``name`` (see :data:`convlib.SAMPLE_IMAGES`); the photo is cropped to its top 512 x 512 square first.

    Examples
    --------
    >>> playground_image("photo (grey)").shape, playground_image("edge").shape
    ((256, 256), (6, 8))
    """
    choice(name, "name", SAMPLE_IMAGES)
    X = SAMPLE_IMAGES[name]()
    if X.shape[0] > X.shape[1]:  # the portrait: keep the square with the face
        X = X[: X.shape[1]]
    return downsample(X, max_size)


# ---------------------------------------------------------------------------
# the playground's frame


@dataclass
class PlaygroundFrame:
    """What the kernel playground shows: the chosen operation and how it differs from the other."""

    image: np.ndarray
    kernel: np.ndarray  # V as entered
    slid: np.ndarray  # the weights actually laid over the image: V, or V flipped for convolution
    operation: str
    output: np.ndarray  # corr2d(image, V) or conv2d(image, V), valid mode
    difference: np.ndarray  # |conv2d - corr2d|
    max_difference: float


def playground_frame(image, kernel, operation: str = OPERATIONS[0]) -> PlaygroundFrame:
    """Cross-correlate or convolve ``image`` with ``kernel`` (valid mode) and compare with the other operation.

    Examples
    --------
    >>> import numpy as np
    >>> f = playground_frame(np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2))
    >>> f.output.tolist(), f.max_difference
    ([[19.0, 25.0], [37.0, 43.0]], 14.0)
    """
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}; got {operation!r}")
    image = np.asarray(image, dtype=float)  # no copy for a float64 array: the caller's image is kept
    kernel = np.asarray(kernel, dtype=float)
    corr = corr2d(image, kernel)
    conv = conv2d(image, kernel)
    difference = np.abs(conv - corr)
    is_conv = operation == OPERATIONS[1]
    return PlaygroundFrame(
        image=image,
        kernel=kernel,
        slid=kernel[::-1, ::-1] if is_conv else kernel,
        operation=operation,
        output=conv if is_conv else corr,
        difference=difference,
        max_difference=float(difference.max()),
    )


def _output_style(out: np.ndarray):
    """Colour map and limits of an output: symmetric at the 98th percentile of ``|out|`` when signed."""
    return signed_style(out, 98.0)


def _padded_kernel(K: np.ndarray) -> np.ndarray:
    """``K`` in the top-left corner of a MAX_KERNEL x MAX_KERNEL array of NaN (unused cells)."""
    grid = np.full((MAX_KERNEL, MAX_KERNEL), np.nan)
    grid[: K.shape[0], : K.shape[1]] = K
    return grid


class PlaygroundFigure:
    """The playground's figure: input, the weights slid over it, the output and |conv - corr|.

    Creates the figure and its artists once; :meth:`draw` updates them in
    place for a new :class:`PlaygroundFrame`. Used by the live explorer
    (through a blitting :class:`FigureImage`) and by :func:`presets_flipbook`
    (full renders, no widgets).
    """

    def __init__(self, frame: PlaygroundFrame):
        fig, (ax_x, ax_k, ax_y, ax_d) = new_figure(8, 2.6, ncols=4)
        self.fig = fig
        self.frame = frame
        H, W = frame.image.shape
        self._im_x = ax_x.imshow(frame.image, cmap="gray", interpolation="nearest")
        ax_x.set_title("input $x$")
        self._im_k = ax_k.imshow(_padded_kernel(frame.slid), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        self._k_texts = [
            ax_k.text(b, a, "", ha="center", va="center", fontsize=8) for a in range(MAX_KERNEL) for b in range(MAX_KERNEL)
        ]
        ax_k.set_xticks(range(MAX_KERNEL))
        ax_k.set_yticks(range(MAX_KERNEL))
        self._k_title = ax_k.set_title("")
        self._im_y = ax_y.imshow(frame.output, cmap="gray", interpolation="nearest")
        self._y_title = ax_y.set_title("")
        self._im_d = ax_d.imshow(frame.difference, cmap="magma", interpolation="nearest")
        self._d_title = ax_d.set_title("")
        self._fixed_axes = (ax_x, ax_y, ax_d)
        for ax in self._fixed_axes:
            ax.set_xticks([])
            ax.set_yticks([])
        self.set_limits(H, W)
        # the input panel changes only with the image (a full redraw); everything else is blitted
        self.animated = [self._im_k, self._im_y, self._im_d, self._k_title, self._y_title, self._d_title, *self._k_texts]
        self.draw(frame)

    def set_limits(self, H: int, W: int) -> None:
        """Axis limits of the image panels (static: needs a full redraw)."""
        for ax in self._fixed_axes:
            ax.set_xlim(-0.5, W - 0.5)
            ax.set_ylim(H - 0.5, -0.5)

    def draw(self, f: PlaygroundFrame) -> None:
        """Update the artists for frame ``f`` (the caller renders)."""
        self.frame = f
        H, W = f.image.shape
        h, w = f.kernel.shape
        self._im_x.set_data(f.image)
        self._im_x.set_extent((-0.5, W - 0.5, H - 0.5, -0.5))
        self._im_x.set_clim(float(f.image.min()), float(max(f.image.max(), f.image.min() + 1e-12)))
        m = float(max(np.abs(f.slid).max(), 1e-12))
        grid = _padded_kernel(f.slid)
        self._im_k.set_data(grid)
        self._im_k.set_clim(-1.5 * m, 1.5 * m)  # pale colours keep the numbers readable
        for t, v in zip(self._k_texts, grid.ravel(), strict=True):
            t.set_visible(not np.isnan(v))  # invisible texts cost nothing to redraw
            t.set_text("" if np.isnan(v) else f"{v:.2g}")
        conv = f.operation == OPERATIONS[1]
        self._k_title.set_text("weights slid: V flipped" if conv else "weights slid: V")
        # valid output h[i, j] is drawn over the centre of its window x[i:i+h, j:j+w]
        Ho, Wo = f.output.shape
        top, left = (h - 1) / 2, (w - 1) / 2
        extent = (left - 0.5, left + Wo - 0.5, top + Ho - 0.5, top - 0.5)
        cmap, clim = _output_style(f.output)
        self._im_y.set_data(f.output)
        self._im_y.set_extent(extent)
        self._im_y.set_cmap(cmap)
        self._im_y.set_clim(*clim)
        self._y_title.set_text("conv2d(x, V)" if conv else "corr2d(x, V)")
        self._im_d.set_data(f.difference)
        self._im_d.set_extent(extent)
        self._im_d.set_clim(0.0, max(f.max_difference, 1e-12))
        self._d_title.set_text(f"|conv - corr|, max {f.max_difference:.3g}")


def _load_image(name: str, cache: dict) -> np.ndarray:
    if name not in cache:
        cache[name] = playground_image(name)
    return cache[name]


class KernelPlayground:
    """Live explorer: edit a kernel, pick a preset and an image, convolve or cross-correlate.

    Attributes
    ----------
    controls : dict
        ``"preset"``, ``"image"``, ``"operation"``, ``"rows"``, ``"cols"``
        and ``"w[a,b]"`` for every weight cell (a 5 x 5 grid; cells outside
        the kernel's ``rows x cols`` are disabled).
    frame : PlaygroundFrame
        The last computed frame.
    view : FigureImage
    widget : ipywidgets.VBox
        The controls, the figure, a readout and a caption.
    """

    def __init__(self, preset: str = "sobel x", image: str = "photo (grey)", operation: str = OPERATIONS[0]):
        choice(preset, "preset", KERNELS)
        choice(image, "image", SAMPLE_IMAGES)
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}; got {operation!r}")
        self._images = {}
        self._busy = False
        c = {}
        narrow = widgets.Layout(width="15em")
        c["preset"] = widgets.Dropdown(options=list(KERNELS), value=preset, description="preset", layout=narrow)
        c["image"] = widgets.Dropdown(options=list(SAMPLE_IMAGES), value=image, description="image", layout=narrow)
        c["operation"] = widgets.ToggleButtons(
            options=list(OPERATIONS), value=operation, description="operation", style={"button_width": "auto"}
        )
        c["rows"] = widgets.BoundedIntText(value=3, min=1, max=MAX_KERNEL, description="rows", layout=widgets.Layout(width="9em"))
        c["cols"] = widgets.BoundedIntText(value=3, min=1, max=MAX_KERNEL, description="cols", layout=widgets.Layout(width="9em"))
        cells = []
        for a in range(MAX_KERNEL):
            for b in range(MAX_KERNEL):
                box = widgets.FloatSlider(
                    value=0.0,
                    min=-WEIGHT_RANGE,
                    max=WEIGHT_RANGE,
                    step=0.0001,
                    readout_format=".2g",
                    tooltip=f"V[{a}, {b}]",
                    layout=widgets.Layout(width="9em"),
                )
                c[f"w[{a},{b}]"] = box
                cells.append(box)
        self.controls = c
        self._load_preset(preset)
        self.frame = playground_frame(self._image(), self.kernel(), operation)
        self.figure = PlaygroundFigure(self.frame)
        self.fig = self.figure.fig
        self.view = FigureImage(self.fig, animated=self.figure.animated)
        self.readout = widgets.HTML()
        self._update_readout()

        c["preset"].observe(self._on_preset, names="value")
        for name in ("image", "operation", "rows", "cols"):
            c[name].observe(self._on_change, names="value")
        for box in cells:
            box.observe(self._on_change, names="value")
        grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns=f"repeat({MAX_KERNEL}, 9.2em)"))
        left = widgets.VBox([widgets.HTML("<b>kernel weights</b> <i>V</i>[<i>a</i>, <i>b</i>] (row <i>a</i>, column <i>b</i>)"), grid, widgets.HBox([c["rows"], c["cols"]])])
        right = widgets.VBox([c["preset"], c["image"]])
        self.widget = widgets.VBox(
            [widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap")), c["operation"], self.view.image, self.readout, widgets.HTML(KERNEL_CAPTION)]
        )

    # -- state -------------------------------------------------------------

    def kernel(self) -> np.ndarray:
        """The kernel currently entered: the top-left ``rows x cols`` block of the weight grid."""
        r, s = self.controls["rows"].value, self.controls["cols"].value
        return np.array([[self.controls[f"w[{a},{b}]"].value for b in range(s)] for a in range(r)], dtype=float)

    def _image(self) -> np.ndarray:
        return _load_image(self.controls["image"].value, self._images)

    def _load_preset(self, name: str) -> None:
        K = KERNELS[name]
        self._busy = True
        try:
            self.controls["rows"].value, self.controls["cols"].value = K.shape
            for a in range(MAX_KERNEL):
                for b in range(MAX_KERNEL):
                    inside = a < K.shape[0] and b < K.shape[1]
                    self.controls[f"w[{a},{b}]"].value = round(float(K[a, b]), 4) if inside else 0.0
        finally:
            self._busy = False
        self._enable_cells()

    def _enable_cells(self) -> None:
        r, s = self.controls["rows"].value, self.controls["cols"].value
        for a in range(MAX_KERNEL):
            for b in range(MAX_KERNEL):
                self.controls[f"w[{a},{b}]"].disabled = not (a < r and b < s)

    # -- callbacks ---------------------------------------------------------

    def _on_preset(self, change) -> None:
        self._load_preset(change["new"])
        self.update()

    def _on_change(self, change) -> None:
        if self._busy:
            return
        self._enable_cells()
        self.update()

    def update(self) -> None:
        """Recompute the frame from the controls and redraw."""
        image = self._image()
        kernel = self.kernel()
        if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
            kernel = kernel[: image.shape[0], : image.shape[1]]
        new_image = image is not self.frame.image
        self.frame = playground_frame(image, kernel, self.controls["operation"].value)
        self.figure.draw(self.frame)
        if new_image:  # the input panel and the axis limits are static: redraw everything
            self.figure.set_limits(*self.frame.image.shape)
            self.view.refresh(full=True)
        else:
            self.view.refresh()
        self._update_readout()

    def _update_readout(self) -> None:
        f = self.frame
        same = f.max_difference <= 1e-9 * max(1.0, float(np.abs(f.output).max()))
        verdict = (
            "the kernel equals its flip, so convolution and cross-correlation <b>coincide</b>"
            if same
            else "the kernel differs from its flip, so convolution and cross-correlation <b>differ</b>"
        )
        self.readout.value = (
            f"kernel {f.kernel.shape[0]}&times;{f.kernel.shape[1]}, image {f.image.shape[0]}&times;{f.image.shape[1]}, "
            f"output {f.output.shape[0]}&times;{f.output.shape[1]} (valid); "
            f"max |conv &minus; corr| = {f.max_difference:.3g}: {verdict}."
        )


def kernel_playground(preset: str = "sobel x", image: str = "photo (grey)", operation: str = OPERATIONS[0]) -> KernelPlayground:
    """The chapter's live explorer; display ``kernel_playground().widget``.

    Examples
    --------
    >>> p = kernel_playground(preset="edge [1, -1]", image="edge")
    >>> p.frame.output.tolist()[0]
    [0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    >>> p.controls["operation"].value = OPERATIONS[1]
    >>> p.frame.output.tolist()[0], p.frame.max_difference
    ([0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0], 2.0)
    """
    return KernelPlayground(preset=preset, image=image, operation=operation)


def presets_flipbook(image: str = "photo (grey)", operation: str = OPERATIONS[0], presets=None):
    """Kernel-free slider over the preset kernels applied to one image, drawn like the playground.

    Frames are rendered from a :class:`PlaygroundFigure` without any widget,
    so that the notebook stores only the flipbook's own widgets.

    Examples
    --------
    >>> book = presets_flipbook("edge", presets=["identity", "sobel x"])
    >>> book.children[0].options, len(book.children[1].children)
    (('identity', 'sobel x'), 2)
    """
    presets = list(KERNELS) if presets is None else list(presets)
    if not presets:
        raise ValueError("presets must name at least one kernel")
    for name in presets:
        choice(name, "presets", KERNELS)
    X = playground_image(image)
    fig = None
    frames = []
    for name in presets:
        frame = playground_frame(X, KERNELS[name], operation)
        if fig is None:
            fig = PlaygroundFigure(frame)
        else:
            fig.draw(frame)
        frames.append(compact_png(figure_to_png(fig.fig)))
    return flipbook(
        frames,
        presets,
        description="preset kernel",
        caption="<small>Each frame: the image, the weights slid over it, the output and |conv &minus; corr|.</small>",
    )


# ---------------------------------------------------------------------------
# static figures


def plot_filters(image, kernels: dict, operation=corr2d):
    """Show ``image`` and ``operation(image, K)`` for each named kernel, two panels a row (pyplot figure).

    Signed outputs (edge detectors) get a diverging map whose colour bar
    writes the sign at its ends.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> fig = plot_filters(np.eye(8), {"[1, -1]": np.array([[1.0, -1.0]])})
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['input', '[1, -1]']
    >>> plt.close(fig)
    """
    n = len(kernels) + 1
    rows = (n + 1) // 2
    fig, axes = static_figure(2.4 * rows, nrows=rows, ncols=2, squeeze=False)
    axes = axes.ravel()
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input")
    for ax, (name, K) in zip(axes[1:], kernels.items(), strict=False):
        out = operation(image, K)
        cmap, clim = _output_style(out)
        im = ax.imshow(out, cmap=cmap, vmin=clim[0], vmax=clim[1])
        ax.set_title(name)
        signed_colorbar(fig, im, ax, shrink=0.9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_visible(False)
    return readable_text(fig)


MATCH_LABELS = ("best match", "second best", "third best", "fourth best")
"""Default names of the template-matching peaks, best first."""

_MATCH_STYLES = (  # colour, box line style, marker: each peak differs in all three
    ("tab:orange", "-", "o"),
    ("tab:green", "--", "s"),
    ("tab:purple", ":", "^"),
    ("tab:cyan", "-.", "D"),
)


def plot_template_match(image, template, score, peaks, labels=MATCH_LABELS):
    """Image with the matches boxed, the template, and the score map with its peaks (pyplot figure).

    ``peaks`` is a list of top-left corners ``(i, j)``, best first (at most
    four), named by ``labels``. Each peak is numbered on the image and on the
    score map and differs from the others in colour, box line style and
    marker shape; a legend below names them. The score map's colour bar
    writes the sign at its ends.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> X = np.zeros((12, 12)); X[3:5, 6:8] = 1
    >>> peak, score = match_template(X, X[2:6, 5:9])
    >>> fig = plot_template_match(X, X[2:6, 5:9], score, [peak])
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['1: best match']
    >>> plt.close(fig)
    """
    from matplotlib.lines import Line2D

    h, w = np.shape(template)
    peaks = [tuple(int(v) for v in p) for p in peaks]
    if len(peaks) > len(_MATCH_STYLES) or len(peaks) > len(labels):
        raise ValueError(f"peaks must hold at most {min(len(_MATCH_STYLES), len(labels))} corners (one label each); got {len(peaks)}")
    import matplotlib.pyplot as plt

    # the score map beside the image; the (small) template under the image
    fig, named = plt.subplot_mosaic([["image", "score"], ["template", "score"]], height_ratios=[4, 1],
                                    figsize=(FIGURE_WIDTH_IN, 3.2), layout="constrained")
    ax_x, ax_t, ax_s = named["image"], named["template"], named["score"]
    ax_x.imshow(image, cmap="gray")
    lim = float(np.abs(score).max()) or 1.0
    im = ax_s.imshow(score, cmap="RdBu_r", vmin=-lim, vmax=lim)
    handles = []
    for n, ((i, j), (colour, dash, marker)) in enumerate(zip(peaks, _MATCH_STYLES, strict=False)):
        number = str(n + 1)
        ax_x.add_patch(Rectangle((j - 0.5, i - 0.5), w, h, fill=False, edgecolor=colour, lw=2, ls=dash))
        ax_s.plot(j, i, marker, mfc="none", mec=colour, ms=12, mew=2)
        for ax, (y, x) in ((ax_x, (i - 1, j + w / 2)), (ax_s, (i - 7, j))):
            ax.annotate(number, (x, y), ha="center", va="bottom", color="black",
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec=colour, lw=1))
        handles.append(Line2D([], [], color=colour, ls=dash, marker=marker, mfc="none", mew=2, label=f"{number}: {labels[n]}"))
    ax_x.set_title("image")
    ax_t.imshow(template, cmap="gray")
    ax_t.set_title("template")
    ax_s.set_title("score map")
    signed_colorbar(fig, im, ax_s, shrink=0.8)
    for ax in (ax_x, ax_t, ax_s):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.legend(handles=handles, loc="outside lower center", ncols=min(2, max(1, len(handles))), frameon=False)
    return readable_text(fig)
