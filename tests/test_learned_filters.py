"""Learned first-layer filters: PCA and FastICA of RGB patches of the course's photograph.

The tests check the properties the chapter claims, measured, not pictures:
orthonormal PCA components ordered by variance; the leading components
smooth (their energy at low spatial frequencies); some components oriented
(the 2-D FFT energy concentrated along one orientation); a colour-opponent
component (channel weights of opposite sign); deterministic and fast.
"""

import os
import time

import matplotlib
import numpy as np
import pytest

from convlib import corr2d_multi_in_out, photo
from convlib.learned import LearnedFilters, learned_filters, random_patches

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def pca():
    return learned_filters("pca", n_filters=16)


@pytest.fixture(scope="module")
def ica():
    return learned_filters("ica", n_filters=16)


def orientation_concentration(f):
    """|sum P e^{2 i theta}| / sum P over the luminance's 2-D power spectrum (DC left out): 1 = one orientation, 0 = none."""
    lum = f.sum(axis=-1)
    P = np.abs(np.fft.fft2(lum)) ** 2
    P[0, 0] = 0.0
    fy = np.fft.fftfreq(lum.shape[0])[:, None]
    fx = np.fft.fftfreq(lum.shape[1])[None, :]
    theta = np.arctan2(fy, fx)
    return abs(np.sum(P * np.exp(2j * theta))) / max(P.sum(), 1e-300)


def roughness(f):
    """Squared differences of neighbouring pixels (rows and columns, all channels) over the squared values.

    About 0.2 to 0.3 for a ramp across 8 pixels, 0 for a constant, 2 on average for white noise and 4 for a
    checkerboard: small means smooth, low-frequency.
    """
    return (np.sum(np.diff(f, axis=0) ** 2) + np.sum(np.diff(f, axis=1) ** 2)) / np.sum(f**2)


def test_pca_components_are_orthonormal_and_ordered_by_variance(pca):
    F = pca.filters.reshape(16, -1)
    np.testing.assert_allclose(F @ F.T, np.eye(16), atol=1e-10)
    assert np.all(np.diff(pca.variance) <= 1e-15) and 0 < pca.variance.sum() < 1
    # natural images: most variance is the mean brightness of the patch
    assert pca.variance[0] > 0.5


def test_pca_components_are_the_covariance_eigenvectors():
    image = photo()
    P = random_patches(image, 8, 20000, seed=0)
    C = np.cov(P, rowvar=False, bias=True)
    result = learned_filters("pca", n_filters=5)
    for f, share in zip(result.filters.reshape(5, -1), result.variance, strict=True):
        np.testing.assert_allclose(C @ f, (f @ C @ f) * f, atol=1e-9)
        assert f @ C @ f == pytest.approx(share * np.trace(C), rel=1e-9)


def test_leading_pca_components_are_smooth(pca):
    rough = [roughness(f) for f in pca.filters]
    assert max(rough[:4]) < 0.5  # mean brightness, colour and the two first derivatives
    assert np.mean(rough[:4]) < 0.5 * np.mean(rough[-4:])  # later components have finer detail
    # (the measure tells noise apart)
    assert roughness(np.random.default_rng(0).normal(size=(8, 8, 3))) > 1.0
    # the first: every pixel and channel with the same sign, the patch's brightness
    assert np.all(pca.filters[0] > 0)


def test_some_components_are_oriented(pca, ica):
    for result, expected in ((pca, 2), (ica, 3)):
        oriented = [orientation_concentration(f) for f in result.filters]
        assert sum(c > 0.85 for c in oriented) >= expected
    # and not every component is oriented (the DC and the checkerboard-like ones are not)
    assert min(orientation_concentration(f) for f in pca.filters) < 0.3


def test_a_component_is_colour_opponent(pca, ica):
    """Channel weights of opposite sign: the filter compares colours (red against blue, green against magenta...)."""
    for result in (pca, ica):
        sums = result.filters.sum(axis=(1, 2))  # (n_filters, 3): the weight of each channel
        opponent = [
            s
            for s in sums
            if s.max() > 0.3 * np.abs(s).max()
            and s.min() < -0.3 * np.abs(s).max()
            and np.abs(s).max() > 2.0
        ]
        assert opponent, sums.round(2)


def test_ica_components_are_sparser_than_pca_components(pca, ica):
    """ICA looks for non-Gaussian (sparse) responses: the kurtosis of its filters' responses on new patches is higher."""
    P = random_patches(photo(), 8, 5000, seed=99)
    P = P - P.mean(axis=0)

    def kurtosis(F):
        R = P @ F.reshape(len(F), -1).T
        R = (R - R.mean(axis=0)) / R.std(axis=0)
        return np.mean(R**4, axis=0)

    assert np.median(kurtosis(ica.filters)) > np.median(kurtosis(pca.filters[1:]))


def test_deterministic_and_fast():
    photo()  # matplotlib's JPEG reader loaded once
    times, results = [], []
    for _ in range(3):
        start = time.perf_counter()
        results.append(learned_filters("pca"))
        times.append(time.perf_counter() - start)
    for other in results[1:]:
        np.testing.assert_array_equal(other.filters, results[0].filters)
    assert not np.array_equal(learned_filters("pca", seed=1).filters, results[0].filters)
    if min(times) >= 2.0 and os.getloadavg()[0] > 2 * (os.cpu_count() or 1):
        pytest.skip(
            f"machine overloaded (load {os.getloadavg()[0]:.1f}): best of 3 took {min(times):.2f} s"
        )
    assert min(times) < 2.0  # about 0.3 s on an idle 2-core machine


def test_kernel_layout_feeds_corr2d_multi_in_out(pca):
    K = pca.kernel
    assert K.shape == (8, 8, 3, 16)
    X = photo()[:40, :50]
    Y = corr2d_multi_in_out(X, K)
    np.testing.assert_allclose(Y[3, 5, 2], np.sum(X[3:11, 5:13] * pca.filters[2]), atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(method="svd"), ValueError, "method must be one of"),
        (dict(size=1), ValueError, "size must be between 2 and 16"),
        (dict(size=2.5), TypeError, "size must be a positive integer"),
        (dict(n_filters=193), ValueError, "n_filters must be at most 192"),
        (dict(method="ica", n_filters=192), ValueError, "n_filters must be at most 191"),
        (dict(n_patches=100), ValueError, "n_patches must be at least 3 size"),
        (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
        (dict(image=np.zeros((20, 20))), ValueError, "image must be a 3-D"),
        (dict(image=np.zeros((20, 20, 4))), ValueError, "image must have 3 channels"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        learned_filters(**kwargs)


def test_plot_learned_filters(pca):
    import matplotlib.pyplot as plt

    from convlib.widgets.learned import filter_to_rgb, plot_learned_filters

    fig = plot_learned_filters(pca)
    tiles = [ax for ax in fig.axes if ax.images]
    assert len(tiles) == 16
    assert tiles[0].get_xlabel().startswith("1: ")
    np.testing.assert_allclose(tiles[3].images[0].get_array(), filter_to_rgb(pca.filters[3]))
    assert min(t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()) >= 10.5
    plt.close(fig)
    assert isinstance(pca, LearnedFilters)
