"""Float32 round-off of every strategy against float64 on the same inputs: the bounds of convlib/correlate.py's docstring.

The scale is ``S``, the largest window sum of ``|K| |x|``; the error of each
strategy, forced with ``method=``, must stay within
``_float32_error_bound(strategy, ...) * eps * S`` on random images and
kernels (normal or uniform, any scale) that hypothesis draws.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import choose_method, corr2d, corr2d_multi_in_out
from convlib.correlate import _float32_error_bound

EPS32 = float(np.finfo(np.float32).eps)


def _random(rng, shape, dist, scale):
    values = rng.standard_normal(shape) if dist == "normal" else rng.random(shape)
    return (values * scale).astype(np.float32)


@st.composite
def single_case(draw, large=False):
    H, W = (
        (draw(st.integers(64, 140)), draw(st.integers(64, 140)))
        if large
        else (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    )
    k_h, k_w = draw(st.integers(1, min(H, 17))), draw(st.integers(1, min(W, 17)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dist = draw(st.sampled_from(["normal", "uniform"]))
    scale = 10.0 ** draw(st.integers(-6, 6))
    X = _random(rng, (H, W), dist, scale)
    K = _random(rng, (k_h, k_w), dist, 1.0)
    if draw(st.booleans()):
        # rank 1: what the separable strategy takes
        K = np.outer(K[:, 0], K[0, :]).astype(np.float32)
    return X, K


def _check(got, X64, K64, bound):
    """``|got - exact| <= bound eps S`` with S the largest window sum of |K| |x| (on float64 copies)."""
    exact = signal.correlate2d(X64, K64, "valid")
    S = signal.correlate2d(np.abs(X64), np.abs(K64), "valid").max()
    assert got.dtype == np.float32 and got.shape == exact.shape
    err = np.abs(got.astype(np.float64) - exact).max()
    assert err <= bound * EPS32 * S, f"error {err / (EPS32 * S):.2f} eps S over the bound {bound}"


@pytest.mark.parametrize("method", ["direct", "separable", "fft", "dot"])
@settings(max_examples=30, deadline=None)
@given(case=single_case())
def test_single_channel_float32_error_within_the_documented_bound(method, case):
    X, K = case
    k_h, k_w = K.shape
    _check(
        corr2d(X, K, method=method),
        X.astype(np.float64),
        K.astype(np.float64),
        _float32_error_bound(method, k_h, k_w),
    )


@settings(max_examples=10, deadline=None)
@given(case=single_case(large=True))
def test_fft_float32_error_on_larger_images(case):
    X, K = case
    _check(
        corr2d(X, K, method="fft"),
        X.astype(np.float64),
        K.astype(np.float64),
        _float32_error_bound("fft", *K.shape),
    )


@st.composite
def channel_case(draw):
    H, W = draw(st.integers(3, 26)), draw(st.integers(3, 26))
    c_in, c_out = draw(st.sampled_from([1, 3, 8, 32, 128])), draw(st.sampled_from([1, 4, 16]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dist = draw(st.sampled_from(["normal", "uniform"]))
    X = _random(rng, (H, W, c_in), dist, 10.0 ** draw(st.integers(-4, 4)))
    K = _random(rng, (3, 3, c_in, c_out), dist, 1.0)
    return X, K


@pytest.mark.parametrize("method", ["gemm", "winograd"])
@settings(max_examples=25, deadline=None)
@given(case=channel_case())
def test_channel_float32_error_within_the_documented_bound(method, case):
    X, K = case
    X64, K64 = X.astype(np.float64), K.astype(np.float64)
    got = corr2d_multi_in_out(X, K, method=method)
    exact = corr2d_multi_in_out(X64, K64, method="gemm")  # float64, itself within 1e-16 S
    S = corr2d_multi_in_out(np.abs(X64), np.abs(K64), method="gemm").max()
    bound = _float32_error_bound(method, 3, 3, X.shape[-1])
    assert got.dtype == np.float32
    assert np.abs(got.astype(np.float64) - exact).max() <= bound * EPS32 * S


def test_the_measured_cases_of_the_docstring_are_under_a_quarter_of_the_winograd_and_fft_bounds():
    # the docstring's "measured" column for the two strategies whose bound is empirical (4x margin)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 64, 64)).astype(np.float32)
    K = rng.standard_normal((3, 3, 64, 64)).astype(np.float32)
    assert choose_method(X, K) == "winograd"
    X64, K64 = X.astype(np.float64), K.astype(np.float64)
    S = corr2d_multi_in_out(np.abs(X64), np.abs(K64)).max()
    err = np.abs(
        corr2d_multi_in_out(X, K).astype(np.float64) - corr2d_multi_in_out(X64, K64, method="gemm")
    ).max()
    assert err <= _float32_error_bound("winograd", 3, 3) / 4 * EPS32 * S
    x, k = (
        rng.standard_normal((256, 256)).astype(np.float32),
        rng.standard_normal((15, 15)).astype(np.float32),
    )
    assert choose_method(x, k) == "fft"
    x64, k64 = x.astype(np.float64), k.astype(np.float64)
    S = signal.correlate2d(np.abs(x64), np.abs(k64), "valid").max()
    err = np.abs(corr2d(x, k).astype(np.float64) - signal.correlate2d(x64, k64, "valid")).max()
    assert err <= _float32_error_bound("fft", 15, 15) / 4 * EPS32 * S
