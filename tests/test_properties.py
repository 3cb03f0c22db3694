"""Hypothesis properties of cross-correlation (deterministic profile, see conftest.py).

Most properties use small integer-valued images and kernels: every sum is
then exact in float64, whatever the order of summation, so the properties
are checked with exact equality.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import signal

from convlib import Conv2D, conv2d, corr2d, corr2d_multi_in, corr2d_multi_in_out, corr2d_naive

MODES = st.sampled_from(["valid", "same", "full"])
small_ints = st.integers(-9, 9).map(float)


def int_arrays(shape):
    return arrays(np.float64, shape, elements=small_ints)


@st.composite
def image_and_kernel(draw, max_side=12, max_kernel=5, channels=None, fit=True):
    """(X, K) with the kernel no larger than the image when ``fit``."""
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    h = draw(st.integers(1, min(H, max_kernel) if fit else max_kernel))
    w = draw(st.integers(1, min(W, max_kernel) if fit else max_kernel))
    extra = () if channels is None else channels
    return draw(int_arrays((H, W) + extra[:1])), draw(int_arrays((h, w) + extra))


# ---------------------------------------------------------------------------
# the oracle


@given(image_and_kernel(fit=False), MODES)
def test_corr2d_and_conv2d_equal_scipy(xk, mode):
    X, K = xk
    if mode == "valid" and (K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]):
        mode = "full"
    np.testing.assert_array_equal(corr2d(X, K, mode), signal.correlate2d(X, K, mode))
    np.testing.assert_array_equal(conv2d(X, K, mode), signal.convolve2d(X, K, mode))


@given(image_and_kernel())
def test_corr2d_equals_naive_loop(xk):
    X, K = xk
    np.testing.assert_array_equal(corr2d(X, K), corr2d_naive(X, K))


@settings(max_examples=25)
@given(
    st.integers(64, 110),
    st.integers(64, 110),
    st.integers(7, 13),
    st.integers(6, 13),
    MODES,
    st.integers(0, 2**32 - 1),
)
def test_fft_sizes_equal_scipy(H, W, h, w, mode, seed):
    # large kernels on large images take the FFT path
    rng = np.random.default_rng(seed)
    X, K = rng.normal(size=(H, W)), rng.normal(size=(h, w))
    expected = signal.correlate2d(X, K, mode)
    np.testing.assert_allclose(
        corr2d(X, K, mode), expected, rtol=0, atol=1e-12 * np.abs(expected).max()
    )
    expected = signal.convolve2d(X, K, mode)
    np.testing.assert_allclose(
        conv2d(X, K, mode), expected, rtol=0, atol=1e-12 * np.abs(expected).max()
    )


# ---------------------------------------------------------------------------
# translation equivariance: shifting the image shifts the output


@given(image_and_kernel(), st.integers(0, 4), st.integers(0, 4))
def test_translation_equivariance_valid(xk, s, t):
    X, K = xk
    H, W = X.shape
    h, w = K.shape
    s, t = min(s, H - h), min(t, W - w)
    # dropping the first s rows and t columns of the image drops them from the output
    np.testing.assert_array_equal(corr2d(X[s:, t:], K), corr2d(X, K)[s:, t:])


@given(
    image_and_kernel(fit=False),
    st.integers(0, 4),
    st.integers(0, 4),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_translation_equivariance_full(xk, s, t, u, v):
    X, K = xk
    H, W = X.shape
    canvas = np.zeros((H + s + u, W + t + v))
    canvas[s : s + H, t : t + W] = X  # the image moved down by s and right by t
    out = corr2d(canvas, K, "full")
    moved = np.zeros_like(out)
    small = corr2d(X, K, "full")
    moved[s : s + small.shape[0], t : t + small.shape[1]] = small
    np.testing.assert_array_equal(out, moved)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 3), st.integers(0, 3), st.data())
def test_translation_equivariance_multi_channel(c_in, c_out, s, t, data):
    X = data.draw(int_arrays((data.draw(st.integers(3, 9)), data.draw(st.integers(3, 9)), c_in)))
    K = data.draw(
        int_arrays((data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), c_in, c_out))
    )
    canvas = np.zeros((X.shape[0] + s, X.shape[1] + t, c_in))
    canvas[s:, t:] = X
    out = corr2d_multi_in_out(canvas, K, "full")
    small = corr2d_multi_in_out(X, K, "full")
    np.testing.assert_array_equal(out[s:, t:], small)
    assert not out[:s].any() and not out[:, :t].any()


# ---------------------------------------------------------------------------
# convolution versus correlation


@given(image_and_kernel(fit=False), MODES)
def test_conv_is_corr_with_flipped_kernel(xk, mode):
    X, K = xk
    if mode == "valid" and (K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]):
        mode = "full"
    flipped = K[::-1, ::-1]
    if mode == "same" and (K.shape[0] % 2 == 0 or K.shape[1] % 2 == 0):
        # even sides: SciPy centres "same" one pixel differently for the two; both are crops of "full"
        H, W = X.shape
        h, w = K.shape
        np.testing.assert_array_equal(
            conv2d(X, K, "same"),
            corr2d(X, flipped, "full")[
                (h - 1) // 2 : (h - 1) // 2 + H, (w - 1) // 2 : (w - 1) // 2 + W
            ],
        )
        np.testing.assert_array_equal(
            corr2d(X, K, "same"), corr2d(X, K, "full")[h // 2 : h // 2 + H, w // 2 : w // 2 + W]
        )
    else:
        np.testing.assert_array_equal(conv2d(X, K, mode), corr2d(X, flipped, mode))


@given(image_and_kernel(fit=False))
def test_full_convolution_is_commutative(xk):
    X, K = xk
    np.testing.assert_array_equal(conv2d(X, K, "full"), conv2d(K, X, "full"))


# ---------------------------------------------------------------------------
# linearity


@given(st.data(), MODES, st.integers(-3, 3), st.integers(-3, 3))
def test_linear_in_the_kernel(data, mode, alpha, beta):
    X, K1 = data.draw(image_and_kernel())
    K2 = data.draw(int_arrays(K1.shape))
    lhs = corr2d(X, alpha * K1 + beta * K2, mode)
    np.testing.assert_array_equal(lhs, alpha * corr2d(X, K1, mode) + beta * corr2d(X, K2, mode))


@given(st.data(), MODES, st.integers(-3, 3), st.integers(-3, 3))
def test_linear_in_the_image(data, mode, alpha, beta):
    X1, K = data.draw(image_and_kernel())
    X2 = data.draw(int_arrays(X1.shape))
    lhs = corr2d(alpha * X1 + beta * X2, K, mode)
    np.testing.assert_array_equal(lhs, alpha * corr2d(X1, K, mode) + beta * corr2d(X2, K, mode))


# ---------------------------------------------------------------------------
# channels


@given(st.integers(1, 4), st.data(), MODES)
def test_multi_in_is_sum_of_single_channel(c, data, mode):
    X, K = data.draw(image_and_kernel(channels=(c,)))
    expected = sum(corr2d(X[..., i], K[..., i], mode) for i in range(c))
    np.testing.assert_array_equal(corr2d_multi_in(X, K, mode), expected)


@given(st.integers(1, 3), st.integers(1, 4), st.data(), MODES)
def test_multi_in_out_is_one_multi_in_per_output_channel(c_in, c_out, data, mode):
    X, K = data.draw(image_and_kernel(channels=(c_in, c_out)))
    out = corr2d_multi_in_out(X, K, mode)
    assert out.shape[-1] == c_out
    for k in range(c_out):
        np.testing.assert_array_equal(out[..., k], corr2d_multi_in(X, K[..., k], mode))


@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_one_by_one_kernel_is_matmul(c_in, c_out, data):
    X = data.draw(int_arrays((data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8)), c_in)))
    K = data.draw(int_arrays((1, 1, c_in, c_out)))
    np.testing.assert_array_equal(corr2d_multi_in_out(X, K), X @ K[0, 0])
    np.testing.assert_array_equal(corr2d_multi_in_out(X[None], K)[0], X @ K[0, 0])


@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 3), st.data(), MODES)
def test_batch_is_stack_of_images(n, c_in, c_out, data, mode):
    H, W = data.draw(st.integers(2, 7)), data.draw(st.integers(2, 7))
    X = data.draw(int_arrays((n, H, W, c_in)))
    K = data.draw(
        int_arrays((data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), c_in, c_out))
    )
    np.testing.assert_array_equal(
        corr2d_multi_in_out(X, K, mode), np.stack([corr2d_multi_in_out(x, K, mode) for x in X])
    )


# ---------------------------------------------------------------------------
# the layer's backward pass is made of the same operations


@settings(max_examples=30)
@given(image_and_kernel())
def test_layer_backward_is_correlation_and_full_convolution(xk):
    X, V = xk
    layer = Conv2D(V.shape, seed=0)
    layer.weight[:, :, 0, 0] = V
    G = np.arange(np.prod(corr2d(X, V).shape), dtype=float).reshape(corr2d(X, V).shape) % 5 - 2
    np.testing.assert_array_equal(layer(X), corr2d(X, V))
    grad_input = layer.backward(G)
    np.testing.assert_array_equal(layer.grad_weight[:, :, 0, 0], corr2d(X, G))
    np.testing.assert_array_equal(grad_input, conv2d(G, V, "full"))
