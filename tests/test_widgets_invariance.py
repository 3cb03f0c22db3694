"""Chapter 1 widgets and helpers: re-indexing, weight sharing, the moving object."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from convlib import corr2d, translation_invariant_params
from convlib.widgets import invariance as inv
from convlib.widgets._browser import image_from_bytes


@pytest.mark.parametrize(
    "H, W, kh, kw", [(5, 5, 3, 3), (4, 6, 3, 5), (5, 5, 9, 9), (3, 4, 2, 2), (6, 5, 1, 1)]
)
def test_dense_weights_match_corr2d_same(H, W, kh, kw):
    rng = np.random.default_rng(0)
    V = rng.normal(size=(kh, kw))
    x = rng.normal(size=(H, W))
    Wd = inv.dense_weights_from_kernel(V, H, W)
    assert Wd.shape == (H, W, H, W)
    np.testing.assert_allclose(np.einsum("ijkl,kl->ij", Wd, x), corr2d(x, V, "same"), atol=1e-12)


def test_dense_weights_definition_entrywise():
    V = np.arange(9.0).reshape(3, 3)
    Wd = inv.dense_weights_from_kernel(V, 4, 4)
    for i in range(4):
        for j in range(4):
            for a in (-1, 0, 1):
                for b in (-1, 0, 1):
                    if 0 <= i + a < 4 and 0 <= j + b < 4:
                        assert Wd[i, j, i + a, j + b] == V[a + 1, b + 1]
    # outside the 3x3 window there is no weight
    assert Wd[0, 0, 3, 3] == 0 and np.count_nonzero(Wd) == sum(
        1
        for i in range(4)
        for j in range(4)
        for a in (-1, 0, 1)
        for b in (-1, 0, 1)
        if 0 <= i + a < 4 and 0 <= j + b < 4 and V[a + 1, b + 1] != 0
    )


def test_full_offset_kernel_uses_every_weight():
    H = W = 5
    V = np.arange(1.0, 82.0).reshape(9, 9)
    Wd = inv.dense_weights_from_kernel(V, H, W)
    assert len(np.unique(Wd)) == translation_invariant_params(H, W) == 81
    assert np.count_nonzero(Wd) == (H * W) ** 2


def test_reindex_then_sum_equals_fully_connected():
    rng = np.random.default_rng(1)
    Wd = rng.normal(size=(4, 5, 4, 5))
    x = rng.normal(size=(4, 5))
    V = inv.reindex_weights(Wd)
    assert V.shape == (4, 5, 7, 9)
    assert np.count_nonzero(~np.isnan(V)) == Wd.size  # re-indexing keeps every weight, adds none
    np.testing.assert_allclose(
        inv.hidden_from_offsets(V, x), np.einsum("ijkl,kl->ij", Wd, x), atol=1e-12
    )


def test_reindexed_shared_weights_do_not_depend_on_position():
    K = np.arange(1.0, 26.0).reshape(5, 5)
    # offsets -2..2 == kernel indices
    V = inv.reindex_weights(inv.dense_weights_from_kernel(K, 3, 3))
    for i in range(3):
        for j in range(3):
            defined = ~np.isnan(V[i, j])
            np.testing.assert_array_equal(V[i, j][defined], K[defined])


def test_reindex_rejects_bad_shape():
    with pytest.raises(ValueError):
        inv.reindex_weights(np.zeros((2, 3, 3, 2)))
    with pytest.raises(ValueError):
        inv.dense_weights_from_kernel(np.zeros(3), 2, 2)


@pytest.mark.parametrize("di, dj", [(0, 0), (2, 3), (-3, 1), (4, -4), (7, 0), (-9, 9)])
def test_shift_moves_pixels(di, dj):
    x = np.arange(1.0, 65.0).reshape(8, 8)
    y = inv.shift(x, di, dj)
    for i in range(8):
        for j in range(8):
            src = (i - di, j - dj)
            expected = x[src] if 0 <= src[0] < 8 and 0 <= src[1] < 8 else 0
            assert y[i, j] == expected


def test_correlation_is_shift_equivariant_away_from_borders():
    rng = np.random.default_rng(2)
    x = np.zeros((40, 40))
    x[12:28, 12:28] = rng.random((16, 16))
    V = rng.normal(size=(5, 5))
    lhs = corr2d(inv.shift(x, 3, -4), V, "same")
    rhs = inv.shift(corr2d(x, V, "same"), 3, -4)
    np.testing.assert_allclose(lhs, rhs, atol=1e-12)


def test_place_pattern_and_peak():
    x = inv.place_pattern(np.zeros((20, 20)), inv.PLUS, (10, 12))
    assert x[10, 12] == 1 and x[7, 12] == 1 and x[10, 15] == 1 and x.sum() == 13
    assert inv.response_peak(corr2d(x, inv.PLUS, "same")) == (10, 12)
    clipped = inv.place_pattern(np.zeros((5, 5)), inv.PLUS, (0, 0))
    assert clipped.sum() == 7


def test_first_frame_is_meaningful():
    f = inv.shift_frame()
    assert f.shift == (0, 0)
    assert f.peak == f.center == inv.home_position(64)
    assert f.max_response == pytest.approx(13.0)
    assert f.response.shape == f.image.shape == (64, 64)
    np.testing.assert_allclose(f.response, corr2d(f.image, inv.PLUS, "same"))


def test_peak_follows_shift_and_max_is_invariant_over_all_shifts():
    home = inv.home_position(64)
    top = inv.max_shift(64)
    bg = inv.scene_background(64)
    for r in range(0, top + 1, 3):
        for c in range(0, top + 1, 4):
            f = inv.shift_frame(r, c, background=bg)
            assert f.peak == (home[0] + r, home[1] + c)
            assert f.max_response == pytest.approx(13.0, abs=1e-9)


def test_noisy_background_still_finds_the_object():
    f = inv.shift_frame(10, 20, noise=0.15, seed=3)
    assert f.peak == f.center
    assert f.max_response == pytest.approx(13.0, abs=1e-9)


def test_explorer_state_is_synced_traits_and_images_are_uint8():
    e = inv.invariance_explorer()
    assert (e.row_shift, e.col_shift, e.shift_limit, e.home) == (0, 0, inv.max_shift(64), [11, 11])
    assert e.scene_shape == [64, 64] and len(e.scene) == 64 * 64
    assert e.pattern_shape == [7, 7] and bytes(e.pattern) == bytes(
        (inv.PLUS * 255).astype(np.uint8).ravel()
    )
    # the numbers the page works on are the shipped bytes / 255: for this scene exactly the float one
    np.testing.assert_array_equal(
        image_from_bytes(e.scene, e.scene_shape), inv.scene_background(64)
    )
    state = e.get_state()
    assert {"row_shift", "col_shift", "scene", "pattern", "_esm", "_css"} <= set(state)
    assert "corr2dValid" in e._esm and "placePattern" in e._esm and ".convlayer-explorer" in e._css


def test_reference_frame_follows_the_traits():
    e = inv.invariance_explorer()
    home = e.frame().peak
    e.row_shift = 7
    e.col_shift = 11
    f = e.reference_frame()
    assert set(f) == {"input", "response", "peak", "max"}
    assert tuple(f["peak"][0]) == (home[0] + 7, home[1] + 11)
    assert f["max"][0, 0] == pytest.approx(13.0, abs=1e-9)
    # independent reference: SciPy on the page's input
    np.testing.assert_allclose(
        f["response"], correlate2d(f["input"], inv.PLUS, mode="same"), atol=1e-12
    )
    assert f["input"].sum() == pytest.approx(26.0)  # the plus and the cross, 13 ones each


def test_reference_sweep_keeps_max_and_moves_peak():
    e = inv.invariance_explorer(size=32)
    home = e.frame().peak
    for r in range(0, e.shift_limit + 1, 3):
        for c in (0, e.shift_limit):
            e.row_shift, e.col_shift = r, c
            f = e.frame()
            assert f.max_response == pytest.approx(13.0, abs=1e-9)
            assert f.peak == (home[0] + r, home[1] + c)


def test_noisy_scene_is_quantised_once_for_both_sides():
    e = inv.ShiftExplorer(noise=0.2, seed=1, row_shift=4)
    x = image_from_bytes(e.scene, e.scene_shape)
    np.testing.assert_allclose(x, inv.scene_background(64, 0.2, 1), atol=0.5 / 255 + 1e-12)
    assert e.frame().peak == e.frame().center


def test_plot_weight_matrices():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = inv.plot_weight_matrices(
        np.zeros((3, 3, 3, 3)), inv.dense_weights_from_kernel(np.ones((3, 3)), 3, 3)
    )
    assert len(fig.axes) == 4  # two matrices and their colour bars
    plt.close(fig)


@pytest.mark.parametrize("size", [9, 0, 2.5])
def test_scene_size_is_checked(size):
    with pytest.raises(ValueError if type(size) is int else TypeError, match=r"^size must be"):
        inv.invariance_explorer(size=size)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row_shift": 50}, r"^row_shift must be in 0\.\.49"),
        ({"col_shift": -1}, r"^col_shift must be in 0\.\.49"),
        ({"row_shift": 1.5}, r"^row_shift must be an integer"),
        ({"noise": 2.0}, r"^noise must be a number in \[0, 1\]"),
        ({"noise": "a"}, r"^noise must be a number"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(kwargs, message):
    # a wrong type is a TypeError, a value out of range a ValueError
    wrong_type = isinstance(kwargs.get("row_shift"), float)
    with pytest.raises(TypeError if wrong_type else ValueError, match=message):
        inv.ShiftExplorer(**kwargs)


def test_smallest_scene_and_bad_inputs():
    e = inv.invariance_explorer(size=inv.MIN_SIZE)
    assert e.shift_limit == 0 and e.frame().peak == inv.home_position(inv.MIN_SIZE)
    with pytest.raises(TypeError, match=r"^H must be a positive integer"):
        inv.dense_weights_from_kernel(np.ones((3, 3)), "4", 4)
