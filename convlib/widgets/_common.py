"""Building blocks shared by the chapter widgets.

Two kinds of interactive figure are used in the chapters:

* a **live explorer**: ipywidgets controls whose ``observe`` callbacks
  recompute a frame and update existing matplotlib artists, then re-render
  the figure into an :class:`ipywidgets.Image`. Its saved state shows the
  first frame on the published site; the controls need a running kernel.
* a **flipbook**: every frame is rendered ahead of time into an Image inside
  an :class:`ipywidgets.Stack`, and a slider is linked to the stack *in the
  browser* (``jslink``), so it works on the published site without a kernel.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage  # Pillow is a dependency of matplotlib

__all__ = ["compact_png", "new_figure", "figure_to_png", "rgba_to_png", "FigureImage", "flipbook", "signed_style", "KERNEL_NOTE", "KERNEL_CAPTION"]

DEFAULT_DPI = 72

KERNEL_NOTE = (
    "<small>The sliders need a running Python kernel: launch this page in Binder or Colab "
    "with the rocket button at the top. On the static page you see the first frame.</small>"
)
"""Caption under the slider explorers of chapters 1 and 2."""

KERNEL_CAPTION = (
    "<small>The controls above need a running Python kernel: on the website, launch this page in "
    "Binder or Colab with the rocket button at the top. Without a kernel you see the first frame.</small>"
)
"""Caption under the explorers of chapters 3 and 4 (more controls than sliders)."""


def signed_style(A, percentile: float):
    """Colour map and limits for showing the 2-D map ``A``.

    Signed maps get a diverging map with symmetric limits at the
    ``percentile`` of ``|A|`` (so that a few outliers do not wash out the
    rest; the extreme value for maps of at most 100 pixels); non-negative
    maps get grey between their minimum and maximum.

    Examples
    --------
    >>> import numpy as np
    >>> signed_style(np.array([[-2.0, 1.0]]), 99.0)
    ('RdBu_r', (-2.0, 2.0))
    >>> signed_style(np.array([[0.0, 3.0]]), 99.0)
    ('gray', (0.0, 3.0))
    """
    lo, hi = float(A.min()), float(A.max())
    if lo < -1e-9 * max(1.0, abs(hi)):
        m = float(np.percentile(np.abs(A), percentile)) if A.size > 100 else max(abs(lo), abs(hi))
        m = max(m, 1e-12)
        return "RdBu_r", (-m, m)
    return "gray", (lo, hi if hi > lo else lo + 1e-12)


def new_figure(width: float = 8.0, height: float = 3.0, ncols: int = 1, nrows: int = 1, **subplot_kw):
    """A matplotlib Figure that is not managed by pyplot (no global state, no auto display).

    Returns ``(fig, axes)`` where ``axes`` is a flat list.

    Examples
    --------
    >>> from convlib.widgets import new_figure
    >>> fig, axes = new_figure(6, 2, ncols=3)
    >>> len(axes)
    3
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw).ravel().tolist()
    return fig, axes


def figure_to_png(fig, dpi: int = DEFAULT_DPI) -> bytes:
    """Render ``fig`` to PNG bytes.

    Examples
    --------
    >>> from convlib.widgets import new_figure, figure_to_png
    >>> fig, (ax,) = new_figure(2, 2)
    >>> figure_to_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def compact_png(png) -> bytes:
    """Re-encode a PNG with a 256-colour palette: about half the bytes for a flipbook frame, same look.

    Examples
    --------
    >>> from convlib.widgets import new_figure, figure_to_png
    >>> from convlib.widgets._common import compact_png
    >>> fig, (ax,) = new_figure(2, 2)
    >>> png = figure_to_png(fig)
    >>> compact_png(png)[:8] == png[:8]
    True
    """
    im = PILImage.open(io.BytesIO(bytes(png))).convert("RGB")
    buf = io.BytesIO()
    im.quantize(256).save(buf, format="png", optimize=True)
    return buf.getvalue()


class FigureImage:
    """A Figure shown through an :class:`ipywidgets.Image`, redrawn by blitting.

    The static parts (axes, ticks, colour bars, labels) are drawn once into
    a background. The artists listed in ``animated`` are left out of it and
    redrawn on every :meth:`refresh`, so one update costs a few milliseconds
    instead of a full figure draw. Update their data (``set_data``,
    ``set_text``, ``set_clim``, ...) and call :meth:`refresh`; call
    ``refresh(full=True)`` after changing anything static.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Best made with :func:`new_figure`.
    animated : sequence of matplotlib artists
        The artists that change between frames.
    dpi : int
        Resolution of the rendered PNG.

    Examples
    --------
    >>> from convlib.widgets import FigureImage, new_figure
    >>> fig, (ax,) = new_figure(2, 2)
    >>> line, = ax.plot([0, 1], [0, 1])
    >>> view = FigureImage(fig, animated=[line])
    >>> before = view.image.value
    >>> line.set_ydata([1, 0]); view.refresh()
    >>> view.image.value != before
    True
    """

    def __init__(self, fig, animated=(), dpi: int = DEFAULT_DPI):
        self.fig = fig
        self.dpi = dpi
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        self._background = None
        self.image = widgets.Image(format="png")
        self.refresh(full=True)

    def refresh(self, full: bool = False) -> None:
        """Redraw the animated artists (and the background too if ``full``) and update the Image."""
        canvas = self.fig.canvas
        if full or self._background is None:
            self.fig.set_layout_engine("constrained")
            canvas.draw()  # lays out and draws everything except the animated artists
            self.fig.set_layout_engine("none")  # freeze the layout for fast refreshes
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        self.image.value = rgba_to_png(np.asarray(canvas.buffer_rgba()))


def rgba_to_png(rgba) -> bytes:
    """Encode an ``(H, W, 4)`` uint8 RGBA buffer as PNG (fast compression).

    Examples
    --------
    >>> import numpy as np
    >>> rgba_to_png(np.zeros((2, 3, 4), dtype=np.uint8))[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    buf = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def flipbook(frames, labels, description: str = "", caption: str = "") -> widgets.VBox:
    """A kernel-free slider over pre-rendered frames.

    Parameters
    ----------
    frames : sequence of bytes
        PNG images, one per slider position.
    labels : sequence of str
        The slider's label for each frame (same length as ``frames``).
    description : str
        Text before the slider.
    caption : str
        Optional HTML shown under the frames.

    Returns
    -------
    ipywidgets.VBox
        ``children[0]`` is the :class:`~ipywidgets.SelectionSlider`,
        ``children[1]`` the :class:`~ipywidgets.Stack` of Images. The slider's
        ``index`` is linked to the stack's ``selected_index`` in the browser,
        so moving it flips frames on a static web page. The first frame is
        selected.

    Examples
    --------
    >>> from convlib.widgets import flipbook, new_figure, figure_to_png
    >>> pngs = []
    >>> for k in range(3):
    ...     fig, (ax,) = new_figure(2, 2); _ = ax.plot([0, k]); pngs.append(figure_to_png(fig))
    >>> book = flipbook(pngs, ["a", "b", "c"], description="k")
    >>> slider, stack = book.children[:2]
    >>> slider.index, stack.selected_index, len(stack.children)
    (0, 0, 3)
    """
    frames, labels = list(frames), [str(label) for label in labels]
    if not frames:
        raise ValueError("frames must contain at least one PNG image")
    if len(frames) != len(labels):
        raise ValueError(f"labels must have one entry per frame: {len(frames)} frames, {len(labels)} labels")
    slider = widgets.SelectionSlider(
        options=labels,
        index=0,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="min(100%, 36em)"),
    )
    stack = widgets.Stack([widgets.Image(value=png, format="png") for png in frames], selected_index=0)
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    children = [slider, stack]
    if caption:
        children.append(widgets.HTML(caption))
    return widgets.VBox(children)
