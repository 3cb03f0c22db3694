"""The chapters' static figures, as a reader sees them on a laptop and on a phone.

Each figure is rendered the way a chapter shows it (SVG with real text, see
``convlib.widgets.use_svg_figures``) and checked for: text at least 10 CSS px
as displayed in the website's text column at 390 px and 1280 px screen width;
diverging maps with a colour bar that writes the sign; template-matching
peaks told apart by shape and label, not colour alone; identical bytes when
drawn twice (re-executed notebooks do not change).
"""

from __future__ import annotations

import io
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from convlib import KERNELS, corr2d_multi_in_out  # noqa: E402
from convlib.learned import learned_filters  # noqa: E402
from convlib.widgets import channels as chw  # noqa: E402
from convlib.widgets import correlation as cw  # noqa: E402
from convlib.widgets import invariance as inv  # noqa: E402
from convlib.widgets import locality as loc  # noqa: E402
from convlib.widgets._static import MIN_TEXT_PX, PHONE_COLUMN_PX, use_svg_figures  # noqa: E402
from convlib.widgets.learned import plot_learned_filters  # noqa: E402

LAPTOP_COLUMN_PX = (
    720  # the text column at 1280 px screen width (measured: 752 px article, minus padding)
)


def _photo(size=64):
    return cw.downsample(cw.playground_image("photo (grey)"), size)


def _template_match():
    g = _photo()
    eye = g[20:28, 30:40]
    peak, score = cw.match_template(g, eye)
    return cw.plot_template_match(g, eye, score, [peak, (40, 10)])


def _feature_maps():
    X = chw.small_photo(32)
    V, names = chw.demo_layer()
    return chw.plot_feature_maps(corr2d_multi_in_out(X, V), names)


FIGURES = {
    "weight matrices": lambda: inv.plot_weight_matrices(
        np.random.default_rng(0).normal(size=(4, 4, 4, 4)),
        inv.dense_weights_from_kernel(np.ones((3, 3)), 4, 4),
    ),
    "stacked receptive fields": lambda: loc.plot_stacked_receptive_fields(1, (1, 2, 3)),
    "parameter counts": lambda: loc.plot_param_counts(1024, 1024, range(0, 11)),
    "filters": lambda: cw.plot_filters(
        _photo(),
        {
            "[1, -1]": np.array([[1.0, -1.0]]),
            "sobel x": KERNELS["sobel x"],
            "sobel y": KERNELS["sobel y"],
        },
    ),
    "template match": _template_match,
    "channels": lambda: chw.plot_channels(chw.small_photo(32)),
    "feature maps": _feature_maps,
    "learned filters": lambda: plot_learned_filters(learned_filters("pca")),
}


def _svg(fig) -> str:
    """The SVG a chapter shows (use_svg_figures: text as text, tight bounding box, no date)."""
    use_svg_figures()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue().decode()


@pytest.fixture(params=list(FIGURES), ids=list(FIGURES))
def figure(request):
    fig = FIGURES[request.param]()
    yield fig
    plt.close(fig)


def test_text_is_at_least_10_css_px_on_a_phone_and_a_laptop(figure):
    svg = _svg(figure)
    width_css = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1)) * 4 / 3
    sizes = [float(s) for s in re.findall(r"font-size: ?([\d.]+)px", svg)]  # SVG user units: pt
    assert sizes, "no text in the SVG (text drawn as paths cannot be searched or measured)"
    assert "<text" in svg
    for column in (PHONE_COLUMN_PX, LAPTOP_COLUMN_PX):
        scale = min(1.0, column / width_css)
        smallest = min(sizes) * 4 / 3 * scale
        assert smallest >= MIN_TEXT_PX, (
            f"smallest text {smallest:.1f} CSS px in a {column} px column (figure {width_css:.0f} px wide)"
        )


def test_diverging_maps_write_the_sign_on_their_colour_bar(figure):
    signed = [
        im for ax in figure.axes for im in ax.images if im.get_clim()[0] < 0 < im.get_clim()[1]
    ]
    for im in signed:
        assert im.colorbar is not None, f"signed map in {im.axes.get_title()!r} has no colour bar"
        bar_ax = im.colorbar.ax
        ticks = [
            t.get_text()
            for t in bar_ax.get_yticklabels() + bar_ax.get_xticklabels()
            if t.get_text()
        ]
        assert any(t.startswith("+") for t in ticks) and any(
            t.startswith("\u2212") for t in ticks
        ), ticks


def test_the_same_figure_gives_the_same_svg():
    assert _svg(FIGURES["parameter counts"]()) == _svg(FIGURES["parameter counts"]())
    plt.close("all")


def test_template_match_peaks_differ_in_shape_and_carry_labels():
    fig = _template_match()
    ax_image = next(ax for ax in fig.axes if ax.get_title() == "image")
    ax_score = next(ax for ax in fig.axes if ax.get_title() == "score map")
    markers = [line.get_marker() for line in ax_score.lines]
    dashes = [patch.get_linestyle() for patch in ax_image.patches]
    assert len(markers) == 2 and len(set(markers)) == 2, markers
    assert len(dashes) == 2 and len(set(dashes)) == 2, dashes
    for ax in (ax_image, ax_score):
        assert sorted(t.get_text() for t in ax.texts) == ["1", "2"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["1: best match", "2: second best"]
    # the legend shows each peak's marker and line style, so it reads without colour
    assert [h.get_marker() for h in fig.legends[0].legend_handles] == markers
    plt.close(fig)


def test_template_match_refuses_more_peaks_than_styles():
    g = _photo(32)
    with pytest.raises(ValueError, match=r"^peaks must hold at most 4 corners"):
        cw.plot_template_match(g, g[:4, :4], np.zeros((29, 29)), [(0, 0)] * 5)
