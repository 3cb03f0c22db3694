r"""Chapter 3 widgets: convolution versus cross-correlation.

Pure computations (no drawing):

* :func:`written_sums` and :func:`window_frame`: the worked example's sums,
  one output element at a time;
* :func:`normalized_cross_correlation` and :func:`match_template`: template
  matching, built from :func:`convlib.corr2d`;
* :func:`downsample`, :func:`playground_image` and :func:`playground_input`:
  sample images at most 256 x 256 pixels (the last as the browser sees it);
* :func:`playground_frame`: what the kernel playground shows for one setting.

Explorers computed in the reader's browser (``js/correlation.js``), with the
functions above as their reference:

* :class:`CorrelationSteps` (:func:`correlation_steps`): the window of the
  worked example slid position by position, products and sum written out;
* :class:`KernelPlayground` (:func:`kernel_playground`): the kernel in the
  shared kernel editor (a grid of cells to type in or step with the keys,
  size steppers, one slider for the selected weight; exact preset weights),
  presets, image, cross-correlation or convolution, and ``|conv - corr|``.

Static figures: :func:`plot_filters` and :func:`plot_template_match`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import traitlets
from matplotlib.patches import Rectangle

from .._validate import as_array, choice, non_negative_int, positive_int
from ..correlate import conv2d, corr2d
from ..images import SAMPLE_IMAGES
from ..kernels import KERNELS
from ..shapes import conv_geometry, output_shape
from ._browser import (
    BrowserExplorer,
    Setting,
    image_from_bytes,
    image_to_bytes,
    in_range,
    kernel_array,
)
from ._common import signed_style
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
    "playground_input",
    "playground_pixels",
    "playground_frame",
    "PlaygroundFrame",
    "CorrelationSteps",
    "correlation_steps",
    "KernelPlayground",
    "kernel_playground",
    "plot_filters",
    "plot_template_match",
    "MATCH_LABELS",
    "MAX_KERNEL",
    "OPERATIONS",
    "PLAYGROUND_IMAGES",
    "CUSTOM",
]

MAX_KERNEL = 5
"""Largest kernel side the playground edits (the 5 x 5 Gaussian preset)."""

WEIGHT_RANGE = 5.0
"""Each weight slider spans ``-WEIGHT_RANGE .. WEIGHT_RANGE`` (the presets need -4 .. 5)."""

OPERATIONS = ("cross-correlation (layer)", "convolution (flipped)")
"""The playground's two operations: what a conv layer computes, and the mathematical convolution."""

MAX_STEPS_INPUT = 8
"""Largest input side of :class:`CorrelationSteps` (every number of the window is written out)."""


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
    """One output element of a valid cross-correlation ``Y[i, j] = sum_{a,b} K[a, b] x[i+a, j+b]``."""

    i: int
    j: int
    window: np.ndarray  # x[i:i+k_h, j:j+k_w]
    products: np.ndarray  # K * window
    value: float  # Y[i, j]
    text: str  # e.g. "0*0 + 1*1 + 3*2 + 4*3 = 19"


def window_frame(X, K, i: int, j: int) -> WindowFrame:
    """The window, the products and the written-out sum for output element ``(i, j)``.

    The terms are written in the order of the sum, ``x[i+a, j+b]*K[a, b]``
    for ``a`` then ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> window_frame(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2), 0, 0).text
    '0*0 + 1*1 + 3*2 + 4*3 = 19'
    """
    X, K = np.asarray(X), np.asarray(K)
    k_h, k_w = K.shape
    rows, cols = output_shape(*X.shape, k_h, k_w)
    if not (0 <= i < rows and 0 <= j < cols):
        raise ValueError(
            f"(i, j) must index the valid output of shape {(rows, cols)}; got {(i, j)}"
        )
    window = X[i : i + k_h, j : j + k_w]
    products = window * K
    value = float(corr2d(window, K)[0, 0])
    terms = " + ".join(
        f"{_fmt(x)}*{_fmt(v)}" for x, v in zip(window.ravel(), K.ravel(), strict=True)
    )
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
    Ho, Wo = output_shape(*X.shape, *K.shape)
    return [window_frame(X, K, i, j).text for i in range(Ho) for j in range(Wo)]


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
    T = np.asarray(as_array(T, "T", 2, layout="(k_h, k_w)"), dtype=float)
    conv_geometry(
        X.shape,
        T.shape,
        names=("the image X", "the template T"),
        hint="use a template no larger than the image",
    )
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
    """The ``n`` highest positions of ``score``, each at least a ``size = (k_h, k_w)`` box away from the ones before.

    Greedy non-maximum suppression: after taking a peak ``(i, j)``, the
    positions ``|i' - i| < k_h`` and ``|j' - j| < k_w`` (windows that overlap the
    peak's window) are excluded.

    Examples
    --------
    >>> s = np.zeros((10, 10)); s[2, 3] = 5; s[2, 4] = 4; s[8, 8] = 3
    >>> top_peaks(s, 2, (2, 2))
    [(2, 3), (8, 8)]
    """
    score = np.array(score, dtype=float)
    k_h, k_w = size
    found = []
    for _ in range(int(n)):
        if not np.isfinite(score).any():
            break
        i, j = np.unravel_index(
            int(np.nanargmax(np.where(np.isfinite(score), score, np.nan))), score.shape
        )
        found.append((int(i), int(j)))
        score[max(0, i - k_h + 1) : i + k_h, max(0, j - k_w + 1) : j + k_w] = -np.inf
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
    kernel: np.ndarray  # K as entered
    slid: np.ndarray  # the weights actually laid over the image: K, or K flipped for convolution
    operation: str
    output: np.ndarray  # corr2d(image, K) or conv2d(image, K), valid mode
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
    # no copy for a float64 array: the caller's image is kept
    image = np.asarray(image, dtype=float)
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


# ---------------------------------------------------------------------------
# the explorers: computed in the browser by js/correlation.js, convlib is the reference


class CorrelationSteps(BrowserExplorer, js="correlation"):
    r"""Walk the kernel over a small input, one output element per slider position.

    For the window position ``p`` (row-major over the valid output, so
    ``(i, j) = divmod(p, W - k_w + 1)``) the page highlights the window
    ``x[i:i+k_h, j:j+k_w]``, writes the products ``K[a, b] x[i+a, j+b]`` and
    their sum (the text of :func:`window_frame`), and fills in the
    outputs computed so far.

    Parameters
    ----------
    X : array_like, shape (H, W)
        A small input (at most 8 x 8), e.g. the lecture's ``arange(9).reshape(3, 3)``.
    K : array_like, shape (k_h, k_w)
        A kernel that fits inside ``X``.
    position : int
        The first window position shown.

    Examples
    --------
    >>> import numpy as np
    >>> steps = CorrelationSteps(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2), position=3)
    >>> steps.output_index, steps.reference_frame()["value"]
    ((1, 1), array([[43.]]))
    """

    view = traitlets.Unicode("steps").tag(sync=True)
    x = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    kernel = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    position = traitlets.Int(0).tag(sync=True)

    def __init__(self, X, K, position: int = 0, **kwargs):
        X = as_array(X, "X", 2, layout="(H, W)").astype(np.float64)
        K = as_array(K, "K", 2, layout="(k_h, k_w)").astype(np.float64)
        if max(X.shape) > MAX_STEPS_INPUT:
            raise ValueError(
                f"X must be at most {MAX_STEPS_INPUT} x {MAX_STEPS_INPUT} (every number is written out); got shape {X.shape}"
            )
        if not (np.isfinite(X).all() and np.isfinite(K).all()):
            raise ValueError("X and K must hold finite numbers (no NaN or inf)")
        rows, cols = conv_geometry(
            X.shape,
            K.shape,
            hint="this explorer shows 'valid' windows only: use a kernel no larger than X",
        ).out
        n = rows * cols
        position = non_negative_int(position, "position")
        if position >= n:
            raise ValueError(
                f"position must be in 0..{n - 1} (one per output element); got {position}"
            )
        super().__init__(x=X.tolist(), kernel=K.tolist(), position=position, **kwargs)

    @property
    def output_index(self) -> tuple:
        """``(i, j)`` of the output element at the current window position."""
        X, K = np.array(self.x), np.array(self.kernel)
        return divmod(int(self.position), output_shape(*X.shape, *K.shape)[1])

    def reference_frame(self) -> dict:
        """The window, the products ``K * window`` and their sum (as a 1 x 1 array), from convlib."""
        f = window_frame(np.array(self.x), np.array(self.kernel), *self.output_index)
        return {"window": f.window, "products": f.products, "value": np.array([[f.value]])}

    def reference_text(self) -> str:
        """The written-out sum the page shows, ``"Y[i, j] = ... = value"``."""
        X, K = np.array(self.x), np.array(self.kernel)
        i, j = self.output_index
        return f"Y[{i}, {j}] = {window_frame(X, K, i, j).text}"


def correlation_steps(X, K, position: int = 0) -> CorrelationSteps:
    """The sliding-window explorer of the worked example; display the returned widget.

    Examples
    --------
    >>> import numpy as np
    >>> correlation_steps(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)).reference_text()
    'Y[0, 0] = 0*0 + 1*1 + 3*2 + 4*3 = 19'
    """
    return CorrelationSteps(X, K, position=position)


CUSTOM = "custom"
"""The playground's preset name once a weight or the kernel size was edited by hand."""


class KernelPlayground(BrowserExplorer, js="correlation"):
    r"""Edit a kernel, load a preset, pick an image, cross-correlate or convolve: computed in the browser.

    The page shows the input ``x``, the weights actually slid over it
    (``K``, or ``K`` flipped for convolution), the output (valid mode) and
    ``|conv2d - corr2d|``. Every sample image travels once, as uint8
    (:data:`PLAYGROUND_IMAGES`, 256 x 256 at most); the page works on
    ``u8 / 255``, which is :attr:`input_image`.

    State (synced traits): ``image`` (a name), ``preset`` (a name of
    :data:`convlib.KERNELS` or ``"custom"``), ``rows`` and ``cols`` (1..5),
    ``weights`` (the 5 x 5 grid, row-major; the kernel is its top-left
    ``rows x cols`` block, :attr:`kernel`) and ``operation`` (one of
    :data:`OPERATIONS`).

    One check per setting, in the constructor and on assignment alike (a
    traitlets validator, as in :class:`PaddingStrideExplorer`): ``rows`` and
    ``cols`` are integers in ``1..max_side``, ``image``, ``preset`` and
    ``operation`` are one of their names; anything else raises
    ``ValueError`` (or ``TypeError``) naming the setting, and a refused
    assignment changes nothing.

    Parameters
    ----------
    preset : str
        Kernel to start with (ignored when ``kernel`` is given).
    image : str
        One of :data:`convlib.SAMPLE_IMAGES`.
    operation : str
        One of :data:`OPERATIONS`.
    kernel : array_like, optional
        A kernel of at most 5 x 5 finite weights in ``[-5, 5]`` to start with.
    rows, cols : int, optional
        Kernel rows and columns, ``1..5``: the kernel is the top-left
        ``rows x cols`` block of the grid (zeros beyond the starting
        kernel). By default the starting kernel's own shape.

    Examples
    --------
    >>> p = KernelPlayground(preset="edge [1, -1]", image="edge")
    >>> p.kernel
    array([[ 1., -1.]])
    >>> p.reference_frame()["output"][0].tolist()
    [0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    >>> p.operation = OPERATIONS[1]
    >>> p.reference_frame()["output"][0].tolist()
    [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    """

    view = traitlets.Unicode("playground").tag(sync=True)
    image_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    image_shapes = traitlets.List(traitlets.List(traitlets.Int())).tag(sync=True)
    pixels = traitlets.Bytes(b"").tag(sync=True)  # every image's uint8 bytes, one after the other
    image = Setting("photo (grey)").tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)  # name -> kernel as nested lists
    preset = Setting("sobel x").tag(sync=True)
    rows = Setting(3).tag(sync=True)
    cols = Setting(3).tag(sync=True)
    weights = traitlets.List(traitlets.Float(), default_value=[0.0] * MAX_KERNEL**2).tag(sync=True)
    # the page's largest kernel and grid row length
    max_side = traitlets.Int(MAX_KERNEL, read_only=True).tag(sync=True)
    operations = traitlets.List(traitlets.Unicode(), default_value=list(OPERATIONS)).tag(sync=True)
    operation = Setting(OPERATIONS[0]).tag(sync=True)
    weight_range = traitlets.Float(WEIGHT_RANGE).tag(sync=True)

    def __init__(
        self,
        preset: str = "sobel x",
        image: str = "photo (grey)",
        operation: str = OPERATIONS[0],
        kernel=None,
        rows=None,
        cols=None,
        **kwargs,
    ):
        K = None if kernel is None else _playground_kernel(kernel, "kernel")
        if K is None and isinstance(preset, str) and preset == CUSTOM:
            raise ValueError(
                f"preset {CUSTOM!r} needs the kernel: pass kernel=..., or a preset name"
            )
        data, shapes = playground_pixels()
        super().__init__(
            image_names=list(PLAYGROUND_IMAGES),
            image_shapes=shapes,
            pixels=data,
            presets={name: preset_kernel.tolist() for name, preset_kernel in KERNELS.items()},
            **kwargs,
        )
        # the settings go through the validators below, as an assignment does
        self.image, self.operation = image, operation
        self.preset = preset if K is None else CUSTOM
        for name, value in _grid_state(KERNELS[preset] if K is None else K).items():
            setattr(self, name, value)
        if rows is not None:
            self.rows = rows
        if cols is not None:
            self.cols = cols

    @traitlets.validate("rows", "cols")
    def _check_side(self, proposal):
        name = proposal["trait"].name
        return in_range(proposal["value"], name, 1, self.max_side)

    @traitlets.validate("image", "preset", "operation")
    def _check_name(self, proposal):
        name = proposal["trait"].name
        names = {"image": SAMPLE_IMAGES, "preset": (*KERNELS, CUSTOM), "operation": OPERATIONS}
        choice(proposal["value"], name, names[name])
        return proposal["value"]

    @traitlets.observe("preset")
    def _load_preset(self, change) -> None:
        """A preset chosen from Python (the page loads its weights itself) fills the grid."""
        if change["new"] in KERNELS:
            for name, value in _grid_state(KERNELS[change["new"]]).items():
                setattr(self, name, value)

    def set_kernel(self, kernel) -> None:
        """Enter ``kernel`` (at most 5 x 5, weights in ``[-5, 5]``) into the grid; the preset becomes ``"custom"``.

        Examples
        --------
        >>> p = KernelPlayground(image="edge")
        >>> p.set_kernel([[0, 1], [2, 3]])
        >>> p.kernel.tolist(), p.preset
        ([[0.0, 1.0], [2.0, 3.0]], 'custom')
        """
        state = _grid_state(_playground_kernel(kernel, "kernel"))
        with self.hold_trait_notifications():
            self.preset = CUSTOM
            for name, value in state.items():
                setattr(self, name, value)

    @property
    def kernel(self) -> np.ndarray:
        """The kernel ``K`` the page uses: the top-left ``rows x cols`` block of the weight grid."""
        grid = np.array(self.weights, dtype=np.float64).reshape(MAX_KERNEL, MAX_KERNEL)
        return grid[: self.rows, : self.cols].copy()

    @property
    def input_image(self) -> np.ndarray:
        """The image the page works on (float64, ``u8 / 255``)."""
        return playground_input(self.image)

    def reference_frame(self) -> dict:
        """Input, weights slid, output and ``|conv - corr|`` for the current state, from convlib."""
        f = playground_frame(self.input_image, self.kernel, self.operation)
        return {"image": f.image, "slid": f.slid, "output": f.output, "difference": f.difference}


def kernel_playground(
    preset: str = "sobel x",
    image: str = "photo (grey)",
    operation: str = OPERATIONS[0],
    kernel=None,
    rows=None,
    cols=None,
) -> KernelPlayground:
    """The chapter's kernel playground; display the returned widget.

    Examples
    --------
    >>> p = kernel_playground(preset="box blur", image="checkerboard")
    >>> p.kernel.shape, p.reference_frame()["output"].shape
    ((3, 3), (62, 62))
    """
    return KernelPlayground(
        preset=preset, image=image, operation=operation, kernel=kernel, rows=rows, cols=cols
    )


PLAYGROUND_IMAGES = tuple(SAMPLE_IMAGES)
"""The playground's images, in the order their bytes are shipped."""


@functools.lru_cache(maxsize=None)
def _playground_bytes(name: str):
    return image_to_bytes(np.clip(playground_image(name), 0.0, 1.0), "image")


def playground_pixels():
    """Every playground image as uint8 bytes, concatenated, and their shapes (what the page receives).

    Examples
    --------
    >>> data, shapes = playground_pixels()
    >>> len(data) == sum(rows * cols for rows, cols in shapes), shapes[0]
    (True, [6, 8])
    """
    parts = [_playground_bytes(name) for name in PLAYGROUND_IMAGES]
    return b"".join(data for data, _ in parts), [shape for _, shape in parts]


def playground_input(name: str) -> np.ndarray:
    """The image ``name`` as the page sees it: :func:`playground_image` quantised to uint8, divided by 255.

    Examples
    --------
    >>> x = playground_input("photo (grey)")
    >>> x.shape, bool(np.abs(x - playground_image("photo (grey)")).max() <= 0.5 / 255 + 1e-12)
    ((256, 256), True)
    """
    choice(name, "name", SAMPLE_IMAGES)
    return image_from_bytes(*_playground_bytes(name))


def _playground_kernel(kernel, name: str) -> np.ndarray:
    """A kernel the grid can hold: at most 5 x 5, finite weights in ``[-WEIGHT_RANGE, WEIGHT_RANGE]``."""
    K = kernel_array(kernel, name, max_side=MAX_KERNEL)
    if np.abs(K).max() > WEIGHT_RANGE:
        raise ValueError(
            f"{name} weights must lie in [-{WEIGHT_RANGE:g}, {WEIGHT_RANGE:g}]; got values in [{K.min():g}, {K.max():g}]"
        )
    return K


def _grid_state(K: np.ndarray) -> dict:
    """``rows``, ``cols`` and the 5 x 5 ``weights`` grid (row-major, zeros outside ``K``) for kernel ``K``."""
    grid = np.zeros((MAX_KERNEL, MAX_KERNEL))
    grid[: K.shape[0], : K.shape[1]] = K
    return {
        "rows": int(K.shape[0]),
        "cols": int(K.shape[1]),
        "weights": [float(v) for v in grid.ravel()],
    }


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

    t_h, t_w = np.shape(template)
    peaks = [tuple(int(v) for v in p) for p in peaks]
    if len(peaks) > len(_MATCH_STYLES) or len(peaks) > len(labels):
        raise ValueError(
            f"peaks must hold at most {min(len(_MATCH_STYLES), len(labels))} corners (one label each); got {len(peaks)}"
        )
    import matplotlib.pyplot as plt

    # the score map beside the image; the (small) template under the image
    fig, named = plt.subplot_mosaic(
        [["image", "score"], ["template", "score"]],
        height_ratios=[4, 1],
        figsize=(FIGURE_WIDTH_IN, 3.2),
        layout="constrained",
    )
    ax_x, ax_t, ax_s = named["image"], named["template"], named["score"]
    ax_x.imshow(image, cmap="gray")
    lim = float(np.abs(score).max()) or 1.0
    im = ax_s.imshow(score, cmap="RdBu_r", vmin=-lim, vmax=lim)
    handles = []
    for n, ((i, j), (colour, dash, marker)) in enumerate(zip(peaks, _MATCH_STYLES, strict=False)):
        number = str(n + 1)
        ax_x.add_patch(
            Rectangle((j - 0.5, i - 0.5), t_w, t_h, fill=False, edgecolor=colour, lw=2, ls=dash)
        )
        ax_s.plot(j, i, marker, mfc="none", mec=colour, ms=12, mew=2)
        for ax, (y, x) in ((ax_x, (i - 1, j + t_w / 2)), (ax_s, (i - 7, j))):
            ax.annotate(
                number,
                (x, y),
                ha="center",
                va="bottom",
                color="black",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec=colour, lw=1),
            )
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                ls=dash,
                marker=marker,
                mfc="none",
                mew=2,
                label=f"{number}: {labels[n]}",
            )
        )
    ax_x.set_title("image")
    ax_t.imshow(template, cmap="gray")
    ax_t.set_title("template")
    ax_s.set_title("score map")
    signed_colorbar(fig, im, ax_s, shrink=0.8)
    for ax in (ax_x, ax_t, ax_s):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(2, max(1, len(handles))),
        frameon=False,
    )
    return readable_text(fig)
