"""Chapter 1 widgets and helpers: re-indexing, weight sharing, the moving object."""

import numpy as np
import pytest

from convlib import corr2d, translation_invariant_params
from convlib.widgets import invariance as inv

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("H, W, kh, kw", [(5, 5, 3, 3), (4, 6, 3, 5), (5, 5, 9, 9), (3, 4, 2, 2), (6, 5, 1, 1)])
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
        1 for i in range(4) for j in range(4) for a in (-1, 0, 1) for b in (-1, 0, 1)
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
    np.testing.assert_allclose(inv.hidden_from_offsets(V, x), np.einsum("ijkl,kl->ij", Wd, x), atol=1e-12)


def test_reindexed_shared_weights_do_not_depend_on_position():
    K = np.arange(1.0, 26.0).reshape(5, 5)
    V = inv.reindex_weights(inv.dense_weights_from_kernel(K, 3, 3))  # offsets -2..2 == kernel indices
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


def test_explorer_controls_drive_the_frame_and_the_png():
    e = inv.invariance_explorer()
    assert set(e.controls) == {"row shift", "col shift"}
    first = bytes(e.view.image.value)
    assert first.startswith(PNG)
    home = e.frame.peak
    e.controls["row shift"].value = 7
    assert e.frame.peak == (home[0] + 7, home[1])
    assert bytes(e.view.image.value) != first and bytes(e.view.image.value).startswith(PNG)
    e.controls["col shift"].value = 11
    assert e.frame.peak == (home[0] + 7, home[1] + 11)
    assert "(7, 11)" in e.readout.value
    np.testing.assert_allclose(e.frame.response, corr2d(e.frame.image, inv.PLUS, "same"))
    assert e.view.image in e.widget.children


def test_explorer_sweep_raises_nothing():
    e = inv.invariance_explorer(size=32)
    for r in range(e.controls["row shift"].min, e.controls["row shift"].max + 1, 2):
        e.controls["row shift"].value = r
        for c in (e.controls["col shift"].min, e.controls["col shift"].max):
            e.controls["col shift"].value = c
            assert e.frame.max_response == pytest.approx(13.0, abs=1e-9)


def test_flipbook_frames_and_labels():
    book = inv.invariance_flipbook(frames=6)
    slider, stack = book.children[:2]
    path = inv.flipbook_path(64, 6)
    assert len(stack.children) == len(slider.options) == 6
    assert slider.options[0] == "shift (0, 0) -> peak (11, 11)"
    pngs = [bytes(img.value) for img in stack.children]
    assert all(p.startswith(PNG) for p in pngs)
    assert len(set(pngs)) == 6
    home = inv.home_position(64)
    for label, (r, c) in zip(slider.options, path, strict=True):
        assert label == f"shift {(r, c)} -> peak {(home[0] + r, home[1] + c)}"


def test_plot_weight_matrices():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = inv.plot_weight_matrices(np.zeros((3, 3, 3, 3)), inv.dense_weights_from_kernel(np.ones((3, 3)), 3, 3))
    assert len(fig.axes) == 4  # two matrices and their colour bars
    plt.close(fig)


@pytest.mark.parametrize("size", [9, 0, 2.5])
def test_scene_size_is_checked(size):
    # a scene too small for the plus gave an IntSlider with max < min (a traitlets error)
    with pytest.raises(ValueError, match=r"^size must be"):
        inv.invariance_explorer(size=size)
    with pytest.raises(ValueError, match=r"^size must be"):
        inv.invariance_flipbook(size=size)


def test_smallest_scene_and_bad_inputs():
    e = inv.invariance_explorer(size=inv.MIN_SIZE)
    assert e.controls["row shift"].max == 0 and e.frame.peak == inv.home_position(inv.MIN_SIZE)
    with pytest.raises(ValueError, match=r"^frames must be a positive integer"):
        inv.invariance_flipbook(frames=0)
    with pytest.raises(ValueError, match=r"^H must be a positive integer"):
        inv.dense_weights_from_kernel(np.ones((3, 3)), "4", 4)
