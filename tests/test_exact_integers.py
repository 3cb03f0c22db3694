"""Integer and boolean inputs give exact integer sums on every strategy.

convlib computes integer inputs in float64 and promises the exact sum
whenever every window's sum of |K[a, b]| |x[.]| is at most 2**53. The direct,
separable and dot strategies add integers below that bound, which float64
represents exactly; the FFT strategy splits large values into binary digits
whose pieces round back to exact integers. SciPy's correlate2d on int64
arrays is the exact oracle.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import conv2d, corr2d, corr2d_multi_in_out, correlate
from convlib.correlate import _binary_digits

MODES = ("valid", "same", "full")


@pytest.fixture(params=correlate.METHODS)
def strategy(request):
    """The method: the cost-based choice ("auto"), then each strategy by name."""
    return request.param


def test_large_integers_that_once_broke_the_fft_are_exact(strategy):
    # 24-bit integers, 10 x 13 kernel: a float FFT path rounded 13 of these outputs off by one
    rng = np.random.default_rng(1)
    X = rng.integers(-(2**23), 2**23, (90, 70))
    K = rng.integers(-(2**23), 2**23, (10, 13))
    for mode in MODES:
        np.testing.assert_array_equal(
            corr2d(X, K, mode, method=strategy), signal.correlate2d(X, K, mode)
        )
    np.testing.assert_array_equal(conv2d(X, K, method=strategy), signal.convolve2d(X, K, "valid"))


def test_sums_of_exactly_2_to_the_53(strategy):
    # 2**53 is the largest sum promised; 2**53 + 1 would not be representable
    X = np.full((70, 80), 2**25, dtype=np.int64)
    K = np.full((2, 2), 2**26, dtype=np.int64)
    K[1, 1] = -(2**26)
    X[::3] = -(2**25)
    got = corr2d(X, K, method=strategy)
    expected = signal.correlate2d(X, K, "valid")
    assert np.abs(expected).max() == 2**52
    np.testing.assert_array_equal(got, expected)
    big = corr2d(
        np.full((66, 66), 2**26, dtype=np.int64),
        np.full((2, 1), 2**26, dtype=np.int64),
        method=strategy,
    )
    assert (big == 2.0**53).all()


def test_rank_one_integer_kernel_is_exact(strategy):
    # Sobel = [1, 2, 1]^T [1, 0, -1]: the separable strategy's two passes stay on integers
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    rng = np.random.default_rng(2)
    X = rng.integers(-(2**48), 2**48, (70, 75))
    for mode in MODES:
        np.testing.assert_array_equal(
            corr2d(X, sobel, mode, method=strategy), signal.correlate2d(X, sobel, mode)
        )
        np.testing.assert_array_equal(
            conv2d(X, sobel, mode, method=strategy), signal.convolve2d(X, sobel, mode)
        )


def test_bool_inputs_are_exact(strategy):
    rng = np.random.default_rng(3)
    X = rng.random((80, 70)) < 0.5
    K = rng.random((9, 8)) < 0.5
    np.testing.assert_array_equal(
        corr2d(X, K, "full", method=strategy),
        signal.correlate2d(X.astype(int), K.astype(int), "full"),
    )


@st.composite
def large_integer_case(draw):
    """An integer image and kernel whose window sums of |K| |x| stay below 2**53."""
    H, W = draw(st.integers(8, 70)), draw(st.integers(8, 70))
    k_h, k_w = draw(st.integers(1, min(H, 12))), draw(st.integers(1, min(W, 12)))
    k_bits = draw(st.integers(0, 40))
    # |K| < 2**k_bits, so |x| < 2**53 / (taps * 2**k_bits) keeps every window in range
    x_bits = max(0, 53 - k_bits - int(np.ceil(np.log2(k_h * k_w + 1))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.integers(-(2**x_bits) + 1, 2**x_bits, size=(H, W), dtype=np.int64)
    K = rng.integers(-(2**k_bits) + 1, 2**k_bits, size=(k_h, k_w), dtype=np.int64)
    return X, K, draw(st.sampled_from(MODES)), draw(st.integers(1, 3))


# the fixture only names a method
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(large_integer_case())
def test_large_integers_are_exact_on_every_strategy(strategy, case):
    X, K, mode, stride = case
    expected = signal.correlate2d(X, K, mode)[::stride, ::stride]
    got = corr2d(X, K, mode, stride=stride, method=strategy)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=30)
@given(large_integer_case())
def test_multi_channel_large_integers_are_exact(case):
    X, K, mode, stride = case
    # two channels carrying the same image and kernel split in halves: the sums stay in range
    X2 = np.stack([X // 2, X - X // 2], axis=-1)
    K2 = np.stack([K, K], axis=-1)[..., None]
    got = corr2d_multi_in_out(X2, K2, mode, stride=stride)[..., 0]
    np.testing.assert_array_equal(got, signal.correlate2d(X, K, mode)[::stride, ::stride])


@given(st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_binary_digits_rebuild_the_array_exactly(bits, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-(2**53), 2**53, size=20).astype(np.float64)
    parts = _binary_digits(A, bits)
    rebuilt = np.zeros_like(A)
    for shift, digit in parts:
        assert (np.abs(digit) < 2.0**bits).all()
        assert (digit * A >= 0).all()  # truncated toward zero: every digit has A's sign
        rebuilt += digit * 2.0**shift
    np.testing.assert_array_equal(rebuilt, A)
