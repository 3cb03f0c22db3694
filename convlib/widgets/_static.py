"""The chapters' static figures: one size and one text size, readable on a laptop and a phone.

A static figure is shown as SVG (see :func:`use_svg_figures`) at its natural
size in the website's text column on a laptop, and scaled down to the text
column on a phone. It is drawn :data:`FIGURE_WIDTH_IN` wide with text of at
least :data:`FIGURE_FONT_PT`, so that its smallest text is at least
:data:`MIN_TEXT_PX` CSS pixels tall on both screens:

* laptop (1280 px screen, text column ~720 px): shown at natural size, about
  480 px wide (456 px plus the 0.1 in margins the notebook adds on each
  side), text ``10.5 pt = 14 px``;
* phone (390 px screen, text column 358 px): scaled by ``358 / 480 = 0.75``,
  text ``10.4 px``.

Colour is never the only cue: diverging maps get a colour bar whose ends
carry their sign (:func:`signed_colorbar`), and markers differ in shape and
carry labels.
"""

from __future__ import annotations

__all__ = [
    "FIGURE_WIDTH_IN",
    "FIGURE_FONT_PT",
    "MIN_TEXT_PX",
    "PHONE_COLUMN_PX",
    "static_figure",
    "readable_text",
    "signed_colorbar",
    "use_svg_figures",
]

CSS_PX_PER_PT = 4 / 3
"""An SVG figure is measured in points; a browser shows 1 pt as 4/3 CSS pixels."""

FIGURE_WIDTH_IN = 4.75
"""Width of every static figure: 342 pt = 456 CSS px (about 480 px with the notebook's margins)."""

FIGURE_FONT_PT = 10.5
"""Smallest text in a static figure: 14 CSS px at natural size."""

MIN_TEXT_PX = 10.0
"""Smallest text as displayed, in CSS px, at 390 px and at 1280 px screen width."""

PHONE_COLUMN_PX = 358
"""Width of the website's text column on a 390 px wide phone screen."""


def static_figure(height_in: float, nrows: int = 1, ncols: int = 1, **subplots_kw):
    """A pyplot figure :data:`FIGURE_WIDTH_IN` wide, laid out by matplotlib's constrained layout.

    Returns ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots` (an
    array of axes, or one Axes for ``1 x 1``). Finish the figure with
    :func:`readable_text`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, axes = static_figure(2.0, ncols=2)
    >>> fig.get_size_inches().tolist(), axes.shape
    ([4.75, 2.0], (2,))
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    return plt.subplots(
        nrows, ncols, figsize=(FIGURE_WIDTH_IN, height_in), layout="constrained", **subplots_kw
    )


def readable_text(fig):
    """Raise every text of ``fig`` (titles, labels, tick labels, legends, colour bars) to :data:`FIGURE_FONT_PT`.

    Larger text stays as it is. Returns ``fig``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = static_figure(2.0)
    >>> _ = ax.set_title("small", fontsize=6)
    >>> readable_text(fig).axes[0].title.get_fontsize()
    10.5
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    for ax in fig.axes:
        # tick labels are made while drawing: fix their size on the axis itself
        ax.tick_params(labelsize=max(FIGURE_FONT_PT, _tick_size(ax)))
    for text in fig.findobj(Text):
        if text.get_fontsize() < FIGURE_FONT_PT:
            text.set_fontsize(FIGURE_FONT_PT)
    return fig


def _tick_size(ax) -> float:
    labels = ax.get_xticklabels() + ax.get_yticklabels()
    return min((t.get_fontsize() for t in labels), default=FIGURE_FONT_PT)


def signed_colorbar(fig, image, ax, **colorbar_kw):
    """A colour bar for ``image`` (an ``imshow`` result); a signed one says so at its ends.

    When the colour limits straddle zero, the ticks are the two limits and
    zero, written ``-m``, ``0``, ``+m``: the sign is on the bar, not only in
    the colour. Returns the :class:`~matplotlib.colorbar.Colorbar`.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> fig, ax = static_figure(2.0)
    >>> im = ax.imshow(np.array([[-2.0, 1.0]]), cmap="RdBu_r", vmin=-2, vmax=2)
    >>> [t.get_text() for t in signed_colorbar(fig, im, ax).ax.get_yticklabels()]
    ['\u22122', '0', '+2']
    >>> plt.close(fig)
    """
    bar = fig.colorbar(image, ax=ax, **colorbar_kw)
    lo, hi = image.get_clim()
    if lo < 0 < hi:
        bar.set_ticks([lo, 0.0, hi], labels=[f"\u2212{_short(-lo)}", "0", f"+{_short(hi)}"])
    return bar


def _short(value: float) -> str:
    """Two significant digits, without an exponent for the sizes the chapters show."""
    return f"{value:.0f}" if value >= 100 else f"{value:.2g}"


def use_svg_figures() -> None:
    """Show static matplotlib figures as SVG with real text; call once at the top of a chapter.

    SVG keeps lines and text sharp at every zoom and screen width (bitmaps
    get blurry when a phone shrinks them). Text stays text (searchable,
    light); ids and metadata are fixed so that re-executing a chapter gives
    the same file. Outside IPython only the matplotlib settings change.

    Examples
    --------
    >>> import matplotlib
    >>> use_svg_figures()
    >>> matplotlib.rcParams["svg.fonttype"]
    'none'
    """
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "convlayer"
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg", bbox_inches="tight", metadata={"Date": None})
