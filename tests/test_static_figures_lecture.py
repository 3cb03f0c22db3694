"""The lecture's new static figures (padding, stride, two-channel sum, 4th-order kernel) against convlib.

Each figure must write exactly the numbers its explorer or chapter computes
(``PaddingStrideExplorer.reference_frame()``, ``corr2d``,
``corr2d_multi_in``), as SVG with real text readable at 390 px and 1280 px,
identical when drawn twice, and bad arguments give errors naming them.
"""

from __future__ import annotations

import io
import re

import matplotlib
import numpy as np
import pytest
from scipy.signal import correlate2d

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from convlib import corr2d_multi_in, corr2d_multi_in_out  # noqa: E402
from convlib.widgets import figures as fg  # noqa: E402
from convlib.widgets._static import MIN_TEXT_PX, PHONE_COLUMN_PX, use_svg_figures  # noqa: E402
from convlib.widgets.channels import demo_layer  # noqa: E402
from convlib.widgets.padding import PaddingStrideExplorer, default_grid  # noqa: E402

LAPTOP_COLUMN_PX = 720


def _svg(fig) -> str:
    use_svg_figures()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue().decode()


def _grid_numbers(ax, shape) -> np.ndarray:
    """The numbers written in a grid panel, read back at their cell positions."""
    values = np.full(shape, np.nan)
    for t in ax.texts:
        x, y = t.get_position()
        values[int(round(y)), int(round(x))] = float(t.get_text().replace("\u2212", "-"))
    return values


@pytest.mark.parametrize("p,k", [(1, 3), (2, 3), (0, 2), (1, 5)])
def test_padding_figure_writes_the_explorers_numbers(p, k):
    fig, data = fg.plot_padding(p=p, k=k)
    x = default_grid(6, 6)
    ref = PaddingStrideExplorer(image=x, p_h=p, p_w=p, k=k).reference_frame()
    np.testing.assert_array_equal(data["output"], ref["output"])
    # and independently: scipy on the zero-padded image
    np.testing.assert_array_equal(
        data["output"], correlate2d(np.pad(x, p), np.ones((k, k)), mode="valid")
    )
    ax_in, ax_out = fig.axes[:2]
    np.testing.assert_array_equal(_grid_numbers(ax_in, data["padded"].shape), np.pad(x, p))
    np.testing.assert_array_equal(_grid_numbers(ax_out, data["output"].shape), ref["output"])
    # padding cells are hatched (shape, not colour alone): exactly the ring of width p
    hatched = sum(1 for patch in ax_in.patches if patch.get_hatch())
    assert hatched == (6 + 2 * p) ** 2 - 36
    assert f"Y[0, 0] = {int(ref['output'][0, 0])}" in fig._supxlabel.get_text()
    plt.close(fig)


@pytest.mark.parametrize("k,s,p", [(3, 2, 0), (2, 2, 0), (3, 3, 1), (3, 1, 0)])
def test_stride_figure_keeps_the_explorers_windows(k, s, p):
    x = default_grid(7, 7)
    fig, data = fg.plot_stride(k=k, s=s, p=p)
    e = PaddingStrideExplorer(image=x, p_h=p, p_w=p, s_h=s, s_w=s, k=k)
    ref = e.reference_frame()
    np.testing.assert_array_equal(data["output"], ref["output"])
    assert data["shape"] == e.output_size()
    # every kept window's corner, as the explorer's "window" of each output pixel
    rows, cols = data["shape"]
    expected = []
    for i in range(rows):
        for j in range(cols):
            expected.append(
                tuple(
                    int(v)
                    for v in PaddingStrideExplorer(
                        image=x, p_h=p, p_w=p, s_h=s, s_w=s, k=k, out_row=i, out_col=j
                    ).reference_frame()["window"][0, :2]
                )
            )
    assert data["corners"] == expected
    ax_in, ax_out = fig.axes[:2]
    assert len(ax_in.lines) == rows * cols  # one dot per kept window
    np.testing.assert_array_equal(_grid_numbers(ax_out, (rows, cols)), ref["output"])
    # the outlined windows differ in line style
    styles = [
        patch.get_linestyle()
        for patch in ax_in.patches
        if patch.get_edgecolor()[:3] != (0.6039215686274509,) * 3 and patch.get_facecolor()[3] == 0
    ]
    assert len(styles) == min(cols, 4) and len(set(styles)) == len(styles)
    plt.close(fig)


def test_two_channel_sum_is_d2l_56():
    fig, data = fg.plot_two_channel_sum()
    X, K = fg.two_channel_example()
    np.testing.assert_array_equal(data["sum"], [[56, 72], [104, 120]])  # D2L 7.4.1's printed result
    np.testing.assert_array_equal(data["sum"], corr2d_multi_in(X, K))
    for c in range(2):
        np.testing.assert_array_equal(
            data["per_channel"][c], correlate2d(X[:, :, c], K[:, :, c], mode="valid")
        )
    assert data["equation"] == "Y[0, 0] = 56 = 19 + 37"
    label = fig._supxlabel.get_text()
    assert "(0*0 + 1*1 + 3*2 + 4*3) + (1*1 + 2*2 + 4*3 + 5*4)" in label
    sum_ax = next(ax for ax in fig.axes if ax.get_title() == "sum Y")
    np.testing.assert_array_equal(_grid_numbers(sum_ax, (2, 2)), data["sum"])
    plt.close(fig)


def test_two_channel_sum_other_numbers():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 10, size=(4, 4, 2))
    K = rng.integers(-3, 4, size=(2, 3, 2))
    fig, data = fg.plot_two_channel_sum(X, K)
    np.testing.assert_array_equal(data["sum"], corr2d_multi_in(X, K))
    y00 = int(sum((X[:2, :3, c] * K[:, :, c]).sum() for c in range(2)))
    assert data["equation"].startswith(f"Y[0, 0] = {y00} = ")
    plt.close(fig)


def test_kernel_slices_d2l_and_the_explorers_layer():
    X, K2 = fg.two_channel_example()
    K3 = np.stack([K2, K2 + 1, K2 + 2], axis=-1)
    fig, data = fg.plot_kernel_slices(K3)
    assert data["numbers"]
    for (c, k), sl in data["slices"].items():
        np.testing.assert_array_equal(sl, K3[:, :, c, k])
    grid_axes = [ax for ax in fig.axes if ax.images]
    assert len(grid_axes) == 6
    # each panel writes its slice; row = input channel, column = output channel
    for n, ax in enumerate(grid_axes):
        c, k = divmod(n, 3)
        np.testing.assert_array_equal(_grid_numbers(ax, (2, 2)), K3[:, :, c, k])
        np.testing.assert_array_equal(ax.images[0].get_array(), K3[:, :, c, k])
    # the slices are what corr2d_multi_in_out uses: Y[..., k] = sum_c corr2d(x[..., c], K[:, :, c, k])
    Y = corr2d_multi_in_out(X, K3)
    for k in range(3):
        np.testing.assert_array_equal(
            Y[..., k],
            sum(correlate2d(X[..., c], data["slices"][(c, k)], mode="valid") for c in range(2)),
        )
    plt.close(fig)
    V, names = demo_layer()
    fig, data = fg.plot_kernel_slices(
        V, input_names=["R", "G", "B"], output_names=[str(i) for i in range(6)]
    )
    assert len([ax for ax in fig.axes if ax.images]) == 18
    # 18 float slices: colour + bar only
    assert not data["numbers"] and not any(ax.texts for ax in fig.axes if ax.images)
    np.testing.assert_array_equal(data["slices"][(0, 5)], V[:, :, 0, 5])
    # signed weights: a colour bar writing + and -
    bar = fig.axes[-1]
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    assert any(t.startswith("+") for t in ticks) and any(t.startswith("\u2212") for t in ticks)
    plt.close(fig)


FIGS = {
    "padding": lambda: fg.plot_padding()[0],
    "stride": lambda: fg.plot_stride()[0],
    "two-channel sum": lambda: fg.plot_two_channel_sum()[0],
    "kernel slices": lambda: fg.plot_kernel_slices(
        np.stack([fg.two_channel_example()[1] + i for i in range(3)], -1)
    )[0],
    "kernel slices demo": lambda: fg.plot_kernel_slices(demo_layer()[0], ["R", "G", "B"])[0],
}


@pytest.mark.parametrize("name", list(FIGS))
def test_svg_text_readable_and_stable(name):
    svg = _svg(FIGS[name]())
    plt.close("all")
    assert svg == _svg(FIGS[name]())
    plt.close("all")
    width_css = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1)) * 4 / 3
    sizes = [float(s) for s in re.findall(r"font-size: ?([\d.]+)px", svg)]
    assert sizes and "<text" in svg
    for column in (PHONE_COLUMN_PX, LAPTOP_COLUMN_PX):
        scale = min(1.0, column / width_css)
        # grid digits may be 9 pt in the widest grids; everything is at least 10 CSS px on a phone
        assert min(sizes) * 4 / 3 * scale >= MIN_TEXT_PX * 0.85, (
            name,
            column,
            min(sizes),
            width_css,
        )


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: fg.plot_padding(p=4), r"^p must be an integer in 0\.\.3; got 4"),
        (lambda: fg.plot_padding(k=0), r"^k must be an integer in 1\.\.5"),
        (lambda: fg.plot_padding(image=[[0.5, 1]]), r"^image must hold integers 0\.\.99"),
        (lambda: fg.plot_stride(s=5), r"^s must be an integer in 1\.\.4"),
        (
            lambda: fg.plot_stride(image=np.zeros((2, 2), int), k=3),
            r"^the kernel k x k = 3x3 is larger than image = 2x2: no window fits .*; use p=1 or more$",
        ),
        (lambda: fg.plot_two_channel_sum(np.zeros((3, 3, 3))), r"^X and K must have 2 channels"),
        (lambda: fg.plot_kernel_slices(np.zeros((3, 3, 2))), r"K must be"),
        (
            lambda: fg.plot_kernel_slices(np.zeros((3, 3, 2, 2)), input_names=["a"]),
            r"^input_names and output_names must have 2 and 2",
        ),
    ],
)
def test_bad_arguments_name_themselves(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
    plt.close("all")
