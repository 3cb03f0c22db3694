"""The padding and stride explorer, Python side: reference_frame() against scipy and the lecture's formula; bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import correlate2d

from convlib.widgets import PaddingStrideExplorer, padding_stride_explorer
from convlib.widgets.padding import default_grid


def scipy_reference(x, k, p_h, p_w, s_h, s_w):
    """Window sums of the zero-padded image, every s-th row/column, computed with scipy."""
    padded = np.pad(np.asarray(x, dtype=float), ((p_h, p_h), (p_w, p_w)))
    return correlate2d(padded, np.ones((k, k)), mode="valid")[::s_h, ::s_w]


def test_d2l_examples_output_sizes():
    # padding 1 keeps an 8 x 8 image at 8 x 8 with a 3 x 3 kernel; stride 2 halves it; (0, 1) and (3, 4) as in D2L
    assert padding_stride_explorer(p_h=1, p_w=1, k=3).output_size() == (8, 8)
    assert padding_stride_explorer(p_h=1, p_w=1, s_h=2, s_w=2, k=3).output_size() == (4, 4)
    frame = padding_stride_explorer(p_h=0, p_w=1, s_h=3, s_w=4, k=3).reference_frame()
    assert frame["shape"].tolist() == [[2.0, 2.0]]
    assert frame["madds"].tolist() == [[2 * 2 * 9]]


def test_corner_value_counts_only_the_image():
    # output (0, 0) with p = 1, k = 3 covers x[0:2, 0:2] = [[0, 2], [1, 3]] plus five zeros
    e = PaddingStrideExplorer(p_h=1, p_w=1, k=3)
    assert e.reference_frame()["output"][0, 0] == 6.0
    assert e.reference_frame()["window"].tolist() == [[0.0, 0.0, 2.0, 2.0]]


@given(
    p_h=st.integers(0, 3), p_w=st.integers(0, 3), s_h=st.integers(1, 4), s_w=st.integers(1, 4), k=st.integers(1, 5),
    i=st.integers(0, 20), j=st.integers(0, 20),
)
def test_frame_matches_scipy_and_formula(p_h, p_w, s_h, s_w, k, i, j):
    e = PaddingStrideExplorer(p_h=p_h, p_w=p_w, s_h=s_h, s_w=s_w, k=k)
    e.out_row, e.out_col = i, j
    frame = e.reference_frame()
    expected = scipy_reference(default_grid(), k, p_h, p_w, s_h, s_w)
    np.testing.assert_array_equal(frame["output"], expected)
    rows, cols = (8 - k + 2 * p_h + s_h) // s_h, (8 - k + 2 * p_w + s_w) // s_w
    assert frame["shape"].tolist() == [[rows, cols]] == [list(expected.shape)]
    assert frame["madds"].tolist() == [[rows * cols * k * k]]
    r, c = min(i, rows - 1), min(j, cols - 1)
    top, left = r * s_h, c * s_w
    assert frame["window"].tolist() == [[top, left, top + k - 1, left + k - 1]]
    padded = np.pad(default_grid().astype(float), ((p_h, p_h), (p_w, p_w)))
    assert padded[top : top + k, left : left + k].sum() == frame["output"][r, c]


def test_own_image_is_shipped_as_integers():
    x = np.arange(12).reshape(3, 4)
    e = PaddingStrideExplorer(x, p_h=0, p_w=0, k=2)
    assert e.grid == list(range(12)) and e.grid_shape == [3, 4]
    np.testing.assert_array_equal(e.reference_frame()["output"], scipy_reference(x, 2, 0, 0, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"p_h": 4}, ValueError, "p_h must be an integer in 0..3"),
        ({"p_w": -1}, ValueError, "p_w must be an integer in 0..3"),
        ({"s_h": 0}, ValueError, "s_h must be an integer in 1..4"),
        ({"s_w": 5}, ValueError, "s_w must be an integer in 1..4"),
        ({"k": 6}, ValueError, "k must be an integer in 1..5"),
        ({"k": 2.5}, TypeError, "k"),
        ({"out_row": 8, "p_h": 0, "k": 3}, ValueError, r"out_row must be an integer in 0..5"),
        ({"image": np.full((3, 3), 0.5)}, ValueError, "image must hold integers"),
        ({"image": np.zeros((13, 2), dtype=int)}, ValueError, "at most 12 x 12"),
        ({"image": [1, 2, 3]}, ValueError, "image"),
        ({"image": np.zeros((2, 2), dtype=int), "p_h": 0, "p_w": 0, "k": 3}, ValueError, "larger than the padded"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        PaddingStrideExplorer(**kwargs)


def test_trait_assignment_is_checked():
    e = PaddingStrideExplorer()
    with pytest.raises(ValueError, match="s_h must be an integer in 1..4"):
        e.s_h = 0
    assert e.s_h == 1
