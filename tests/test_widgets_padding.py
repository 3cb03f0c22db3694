"""The padding and stride explorer, Python side: reference_frame() against scipy and the lecture's formula; bad arguments."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import correlate2d

import convlib.widgets
from convlib import output_size
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
    p_h=st.integers(0, 3),
    p_w=st.integers(0, 3),
    s_h=st.integers(1, 4),
    s_w=st.integers(1, 4),
    k=st.integers(1, 5),
    i=st.integers(0, 13),
    j=st.integers(0, 13),
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
        ({"out_row": 14}, ValueError, r"out_row must be an integer in 0..13"),
        ({"out_col": -1}, ValueError, r"out_col must be an integer in 0..13"),
        ({"image": np.full((3, 3), 0.5)}, ValueError, "image must hold integers"),
        ({"image": np.zeros((13, 2), dtype=int)}, ValueError, "at most 12 x 12"),
        ({"image": [1, 2, 3]}, ValueError, "image"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        PaddingStrideExplorer(**kwargs)


BAD_SETTINGS = [
    ("p_h", 4, "0..3"),
    ("p_w", -1, "0..3"),
    ("s_h", 0, "1..4"),
    ("s_w", 5, "1..4"),
    ("k", 6, "1..5"),
    ("out_row", 50, "0..13"),
    ("out_col", 14, "0..13"),
]


@pytest.mark.parametrize("bad", [2.5, "3", True, None])
def test_a_wrong_type_is_the_same_type_error_on_both_paths(bad):
    with pytest.raises(TypeError, match="^k must be an integer; got") as built:
        PaddingStrideExplorer(k=bad)
    e = PaddingStrideExplorer()
    with pytest.raises(TypeError) as assigned:
        e.k = bad
    assert str(assigned.value) == str(built.value) and e.k == 3


@pytest.mark.parametrize(("name", "bad", "bounds"), BAD_SETTINGS)
def test_one_rule_in_the_constructor_and_on_assignment(name, bad, bounds):
    # the same value is refused with the same message on both paths, and an assignment that fails changes nothing
    with pytest.raises(
        ValueError, match=rf"^{name} must be an integer in {bounds}; got {bad}$"
    ) as built:
        PaddingStrideExplorer(**{name: bad})
    e = PaddingStrideExplorer()
    before = getattr(e, name)
    with pytest.raises(ValueError) as assigned:
        setattr(e, name, bad)
    assert str(assigned.value) == str(built.value)
    assert getattr(e, name) == before


def test_ranges_are_the_validators_and_reach_the_page():
    e = PaddingStrideExplorer(np.zeros((5, 7), dtype=int))
    assert e.ranges == {
        "p_h": [0, 3],
        "p_w": [0, 3],
        "s_h": [1, 4],
        "s_w": [1, 4],
        "k": [1, 5],
        "out_row": [0, 10],
        "out_col": [0, 12],
    }
    for name, (lo, hi) in e.ranges.items():  # both ends accepted, one step beyond refused
        for good in (lo, hi):
            setattr(e, name, good)
            assert getattr(e, name) == good
        for bad in (lo - 1, hi + 1):
            with pytest.raises(ValueError, match=f"^{name} must be an integer in {lo}..{hi}"):
                setattr(e, name, bad)
    # the largest output (k = 1, padding 3, stride 1) has exactly the out_row/out_col ranges' sizes
    e.k, e.p_h, e.p_w, e.s_h, e.s_w = 1, 3, 3, 1, 1
    assert e.output_size() == (e.ranges["out_row"][1] + 1, e.ranges["out_col"][1] + 1)
    # the page's sliders use exactly these ranges: padding.js restates none
    js = (Path(convlib.widgets.__file__).parent / "js" / "padding.js").read_text()
    assert not re.search(r"\b(min|max)\s*:\s*\d", js), "padding.js hard-codes a slider range"
    assert 'model.get("ranges")' in js and 'model.get("output_lengths")' in js


@given(n=st.integers(1, 12), p=st.integers(0, 3), s=st.integers(1, 4), k=st.integers(1, 5))
def test_output_lengths_sent_to_the_page_are_convlibs(n, p, s, k):
    e = PaddingStrideExplorer(np.zeros((n, 12), dtype=int))
    want = output_size(n, k, padding=p, stride=s) if k <= n + 2 * p else 0
    assert (
        e.output_lengths["rows"][p][s - 1][k - 1] == want == (n + 2 * p - k) // s + 1
        if want
        else True
    )
    assert e.output_lengths["rows"][p][s - 1][k - 1] == want


def test_kernel_larger_than_the_padded_image_is_an_empty_output_on_both_paths():
    # a combination is never refused (settings can change in any order); the page shows an empty output
    small = np.arange(4).reshape(2, 2)
    built = PaddingStrideExplorer(small, p_h=0, p_w=0, k=3)
    assigned = PaddingStrideExplorer(small, p_h=0, p_w=0, k=1)
    assigned.k = 3
    for e in (built, assigned):
        assert e.output_size() == (0, 0)
        frame = e.reference_frame()
        assert frame["output"].shape == (0, 0) and frame["shape"].tolist() == [[0.0, 0.0]]
    assigned.p_h = assigned.p_w = 1  # padding makes it fit again
    assert assigned.output_size() == (2, 2)
