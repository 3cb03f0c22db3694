"""Fuzz every public function of convlib with hostile arguments.

For each function in ``convlib.__all__`` (and each method of ``Conv2D``)
hypothesis draws arguments of every awkward kind: wrong ndim, empty and
zero-size arrays, object/str/bytes/complex/datetime dtypes, NaN and inf,
huge broadcast views, non-contiguous, negative-stride, Fortran-ordered and
read-only arrays, nested lists, odd Python objects. Every call must

* return, or raise one of the documented exceptions (``ValueError``,
  ``TypeError``) within a few seconds and without allocating gigabytes
  (a memory ceiling turns a runaway allocation into a failure here);
* leave its inputs exactly as they were;
* when it returns, agree with SciPy where SciPy has the same operation
  (``correlate2d``, ``convolve2d``, ``windows.gaussian``), exactly for
  integer inputs whose sums fit in float64, and with NaN/inf where SciPy
  puts them.

Array contents come from a NumPy generator seeded by hypothesis, so that
medium-sized arrays (up to 80 x 80, large enough for the FFT strategy) cost
no more to draw than small ones.
"""

from __future__ import annotations

import contextlib
import copy
import fractions
import resource
import signal as os_signal

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scipy import signal

import convlib
from convlib import Conv2D

DOCUMENTED = (ValueError, TypeError)
MODES = ("valid", "same", "full")
SECONDS = 20  # a call that takes longer "hangs" (generous: the machine may be busy)
HEADROOM = 3 * 2**30  # bytes a call may allocate before the ceiling turns it into a MemoryError


class TookTooLong(Exception):
    """Raised by the alarm of :func:`limits` when a call runs past its time."""


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def limits(seconds: float = SECONDS, headroom: int = HEADROOM):
    """Run the body under an alarm and an address-space ceiling of ``headroom`` more bytes."""

    def alarm(signum, frame):
        raise TookTooLong(f"the call took more than {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = _virtual_memory_bytes() + headroom
    resource.setrlimit(
        resource.RLIMIT_AS,
        (ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard), hard),
    )
    previous = os_signal.signal(os_signal.SIGALRM, alarm)
    os_signal.setitimer(os_signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        os_signal.setitimer(os_signal.ITIMER_REAL, 0)
        os_signal.signal(os_signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def call_checked(fn, *args, must_fail: bool = False):
    """Call ``fn(*args)``: only documented exceptions, in time, inputs untouched. Returns the result or None."""
    before = [_snapshot(a) for a in args]
    try:
        with limits():
            result = fn(*args)
    except DOCUMENTED as exc:
        assert str(exc), "an error without a message"
        result = None
    else:
        assert not must_fail, (
            f"{fn.__name__} accepted a malformed argument and returned {type(result).__name__}"
        )
    for arg, snap in zip(args, before, strict=True):
        _assert_unchanged(arg, snap)
    return result


def _snapshot(value):
    if isinstance(value, np.ndarray):
        # a copy of what the caller sees (views included); read-only arrays (huge broadcast views among them) cannot change
        return value.copy() if value.flags.writeable else None
    try:
        return copy.deepcopy(value)
    except Exception:  # pragma: no cover - every argument drawn here can be copied
        return value


def _assert_unchanged(value, snap):
    if isinstance(value, np.ndarray) and snap is not None:
        assert value.dtype == snap.dtype and value.shape == snap.shape
        if value.dtype.kind in "fc":
            np.testing.assert_array_equal(value, snap)  # NaN == NaN here
        else:
            assert (value == snap).all() if value.size else True
    elif isinstance(value, list):
        assert _same(value, snap), "a list argument was modified"


def _same(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN equals NaN


# ---------------------------------------------------------------------------
# drawing arrays


NUMERIC_DTYPES = [
    "float64",
    "float32",
    "float16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "uint16",
    "uint64",
    "bool",
]
PRESENTATIONS = [
    "contiguous",
    "list",
    "read-only",
    "reversed",
    "strided",
    "fortran",
    "broadcast",
    "tuple-rows",
]


def _values(rng, shape, dtype: str) -> np.ndarray:
    """Random values of ``dtype``: small or large integers, floats of mixed magnitudes."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.random(shape) < 0.5
    if kind in "iu":
        info = np.iinfo(dtype)
        # sums of up to 80 x 80 products stay below 2**53: exact in float64
        bound = min(info.max, 2**20)
        low = 0 if kind == "u" else -bound
        return rng.integers(low, bound, shape, endpoint=True).astype(dtype)
    scale = 10.0 ** rng.integers(-3, 4)
    return (rng.normal(size=shape) * scale).astype(dtype)


def _present(array: np.ndarray, how: str, rng):
    """The same values as ``array``, handed over as ``how``."""
    if how == "list":
        return array.tolist()
    if how == "tuple-rows" and array.ndim >= 1:
        return [tuple(row) if np.ndim(row) == 1 else row for row in array.tolist()]
    if how == "read-only":
        array = array.copy()
        array.setflags(write=False)
        return array
    if how == "reversed":  # negative strides on every axis, same values
        flipped = np.ascontiguousarray(array[(slice(None, None, -1),) * array.ndim])
        return flipped[(slice(None, None, -1),) * array.ndim]
    if how == "strided":  # every other element of a bigger array
        big = np.zeros(tuple(2 * n for n in array.shape), dtype=array.dtype)
        big[(slice(None, None, 2),) * array.ndim] = array
        return big[(slice(None, None, 2),) * array.ndim]
    if how == "fortran":
        return np.asfortranarray(array)
    if (
        how == "broadcast" and array.size and array.ndim
    ):  # a read-only view with a zero stride on axis 0
        return np.broadcast_to(array[:1], array.shape) if (array == array[:1]).all() else array
    return array


def _with_non_finite(rng, array: np.ndarray) -> np.ndarray:
    """``array`` as floats with a few NaN, inf and -inf."""
    array = array.astype(np.float64 if array.dtype.kind != "f" else array.dtype)
    if array.size:
        for value in (np.nan, np.inf, -np.inf):
            if rng.random() < 0.6:
                array.flat[rng.integers(array.size)] = value
    return array


def _malformed(draw, rng, shape, accepted_ndims):
    """Something that is not an acceptable array for an argument of ``shape``."""
    kind = draw(
        st.sampled_from(
            [
                "wrong ndim",
                "empty",
                "object",
                "str",
                "bytes",
                "complex",
                "datetime",
                "ragged",
                "python",
            ]
        )
    )
    if kind == "wrong ndim":
        ndim = draw(st.sampled_from([n for n in range(7) if n not in accepted_ndims]))
        return np.ones(tuple(draw(st.integers(1, 3)) for _ in range(ndim)))
    if kind == "empty":
        zero_axis = draw(st.integers(0, len(shape) - 1))
        return np.ones(
            tuple(0 if i == zero_axis else n for i, n in enumerate(shape)),
            dtype=draw(st.sampled_from(NUMERIC_DTYPES)),
        )
    if kind == "object":
        return _values(rng, shape, "float64").astype(object)
    if kind == "str":
        return np.full(shape, draw(st.sampled_from(["1", "a", ""])))
    if kind == "bytes":
        return np.full(shape, b"1")
    if kind == "complex":
        return _values(rng, shape, "float64") + 0j
    if kind == "datetime":
        return np.full(shape, np.datetime64("2026-01-01"))
    if kind == "ragged":
        nested = np.ones(shape).tolist()
        inner = nested
        while isinstance(inner[0], list) and isinstance(inner[0][0], list):
            inner = inner[0]
        inner.append(inner[0] + [1.0])  # a sibling row one element longer
        return nested
    return draw(
        st.sampled_from(
            [None, 3, 2.5, "abc", {"a": 1}, {1, 2}, object(), b"xy", 1 + 2j, [], [[]], [[[]]]]
        )
    )


# ---------------------------------------------------------------------------
# the array functions and their SciPy references


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def ref_multi(X, K, mode="valid"):
    """(N, H, W, C_in) * (k_h, k_w, C_in, C_out) with SciPy: a sum of correlate2d per channel pair."""
    return np.array(
        [
            [
                sum(signal.correlate2d(x[:, :, c], K[:, :, c, k], mode) for c in range(K.shape[2]))
                for k in range(K.shape[3])
            ]
            for x in X
        ]
    ).transpose(0, 2, 3, 1)


def ref_multi_in_out(X, K, mode):
    """``ref_multi`` for an (H, W, C_in) image or an (N, H, W, C_in) batch."""
    X, K = _f64(X, K)
    return ref_multi(X, K, mode) if X.ndim == 4 else ref_multi(X[None], K, mode)[0]


class Target:
    """A public function to fuzz: how to call it, the ndims of its array arguments, how to draw good shapes, SciPy's answer.

    ``takes_mode``: the call and the reference take a ``mode`` after the arrays.
    ``exact_integers``: integer inputs must give SciPy's integer sums exactly (not so for a layer's random float weights).
    """

    def __init__(self, call, ndims, shapes, reference, *, takes_mode=False, exact_integers=True):
        self.call, self.ndims, self.shapes, self.reference = call, ndims, shapes, reference
        self.takes_mode, self.exact_integers = takes_mode, exact_integers

    def arguments(self, draw, arrays):
        """The call's arguments: the arrays, then a drawn mode if the function takes one."""
        return (
            [*arrays, draw(st.sampled_from(MODES), label="mode")]
            if self.takes_mode
            else list(arrays)
        )


@st.composite
def spatial(draw, max_side=8, medium=True):
    """Image and kernel sizes: mostly small, sometimes (``medium``) large enough for the FFT strategy, sometimes a kernel larger than the image."""
    if medium and draw(st.integers(0, 9)) == 0:
        H, W = draw(st.integers(64, 80)), draw(st.integers(64, 80))
        return (H, W), (draw(st.integers(7, 12)), draw(st.integers(7, 12)))
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return (H, W), (draw(st.integers(1, H + 1)), draw(st.integers(1, W + 1)))


def _two_d(draw):
    (H, W), (k_h, k_w) = draw(spatial())
    return (H, W), (k_h, k_w)


def _two_d_small(draw):
    """Small sizes only: the reference loop of corr2d_naive takes seconds on 80 x 80 images."""
    return draw(spatial(medium=False))


def _multi_in(draw):
    (H, W), (k_h, k_w) = draw(spatial())
    c = draw(st.integers(1, 3))
    return (H, W, c), (k_h, k_w, c)


def _multi_in_out(draw):
    (H, W), (k_h, k_w) = draw(spatial())
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return (*batch, H, W, c_in), (k_h, k_w, c_in, c_out)


def _one(ndims):
    def shapes(draw):
        return (tuple(draw(st.integers(1, 4)) for _ in range(draw(st.sampled_from(ndims)))),)

    return shapes


ARRAY_TARGETS = {
    "corr2d": Target(
        convlib.corr2d,
        ((2,), (2,)),
        _two_d,
        lambda X, K, m: signal.correlate2d(*_f64(X, K), m),
        takes_mode=True,
    ),
    "conv2d": Target(
        convlib.conv2d,
        ((2,), (2,)),
        _two_d,
        lambda X, K, m: signal.convolve2d(*_f64(X, K), m),
        takes_mode=True,
    ),
    "corr2d_naive": Target(
        convlib.corr2d_naive,
        ((2,), (2,)),
        _two_d_small,
        lambda X, K: signal.correlate2d(*_f64(X, K), "valid"),
    ),
    "corr2d_multi_in": Target(
        convlib.corr2d_multi_in,
        ((3,), (3,)),
        _multi_in,
        lambda X, K, m: ref_multi(*_f64(np.asarray(X)[None], np.asarray(K)[..., None]), m)[
            0, :, :, 0
        ],
        takes_mode=True,
    ),
    "corr2d_multi_in_out": Target(
        convlib.corr2d_multi_in_out,
        ((3, 4), (4,)),
        _multi_in_out,
        ref_multi_in_out,
        takes_mode=True,
    ),
    "image_to_nchw": Target(
        convlib.image_to_nchw,
        ((3, 4),),
        _one((3, 4)),
        lambda X: np.moveaxis(np.asarray(X).reshape((-1, *np.shape(X)[-3:])), -1, 1),
    ),
    "image_from_nchw": Target(
        convlib.image_from_nchw, ((4,),), _one((4,)), lambda X: np.moveaxis(np.asarray(X), 1, -1)
    ),
    "kernel_to_oihw": Target(
        convlib.kernel_to_oihw,
        ((4,),),
        _one((4,)),
        lambda K: np.moveaxis(np.asarray(K), (0, 1, 2, 3), (2, 3, 1, 0)),
    ),
    "kernel_from_oihw": Target(
        convlib.kernel_from_oihw,
        ((4,),),
        _one((4,)),
        lambda K: np.moveaxis(np.asarray(K), (0, 1, 2, 3), (3, 2, 0, 1)),
    ),
}


def _layer(X, padding, stride) -> Conv2D:
    """A layer with two output channels whose C_in fits ``X`` (when ``X`` has a plausible channel axis)."""
    c_in = np.shape(X)[-1] if np.ndim(X) in (3, 4) else 1
    return Conv2D((2, 3), c_in if 0 < c_in < 5 else 1, 2, padding=padding, stride=stride, seed=0)


def ref_layer(X, padding, stride):
    """SciPy's answer for :meth:`Conv2D.forward`, in the layout of the layer's output."""
    layer = _layer(X, padding, stride)
    X = np.asarray(X, dtype=np.float64)
    batch = X.reshape((-1, *X.shape[-3:])) if X.ndim > 2 else X[None, :, :, None]
    (p_h, p_w), (s_h, s_w) = layer.padding, layer.stride
    padded = np.pad(batch, ((0, 0), (p_h, p_h), (p_w, p_w), (0, 0)))
    Y = ref_multi(padded, layer.weight)[:, ::s_h, ::s_w] + layer.bias
    return Y if X.ndim == 4 else Y[0]


ARRAY_TARGETS.update(
    {
        f"Conv2D.forward-p{p}-s{s}": Target(
            lambda X, p=p, s=s: _layer(X, p, s).forward(X),
            ((2, 3, 4),),
            _one((2, 3, 4)),
            lambda X, p=p, s=s: ref_layer(X, p, s),
            exact_integers=False,
        )
        for p, s in [(0, 1), (1, 2), ((2, 0), (1, 3))]
    }
)


def _layer_backward(G):
    """The input gradient of a one-channel (2, 3) layer after a forward pass on a 5 x 6 image."""
    layer = Conv2D((2, 3), seed=0)
    layer.forward(np.ones((5, 6)))
    return layer.backward(G)


ARRAY_TARGETS["Conv2D.backward"] = Target(
    _layer_backward,
    ((2,),),
    lambda draw: ((4, 4),),
    lambda G: signal.convolve2d(
        *_f64(G, Conv2D((2, 3), seed=0).weight[:, :, 0, 0]), "full"
    ),  # dL/dx: G convolved with V
    exact_integers=False,
)


# Known bugs by category: function name -> the bug, marked xfail(strict=True) so
# that the mark has to go when the bug is fixed. None are known.
CORE_BUGS: dict = {}


def _targets(category):
    params = []
    for name, target in ARRAY_TARGETS.items():
        bug = CORE_BUGS.get(category, {}).get(name)
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        params.append(pytest.param(target, id=name, marks=marks))
    return params


def _tolerance(result, args) -> float:
    """Round-off allowed against SciPy's float64: a few units of the result's precision times the largest possible sum."""
    eps = np.finfo(result.dtype).eps if result.dtype.kind == "f" else 0.0
    arrays = [np.abs(np.asarray(a, dtype=np.float64)) for a in args]
    bound = np.prod([a.max() if a.size else 0.0 for a in arrays]) * max(a.size for a in arrays)
    return 8 * eps * bound


@given(data=st.data())
@pytest.mark.parametrize("target", _targets("numeric"))
def test_numeric_inputs_of_every_kind_match_scipy(target, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shapes = target.shapes(data.draw)
    dtypes = [data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype") for _ in shapes]
    plain = [_values(rng, shape, dtype) for shape, dtype in zip(shapes, dtypes, strict=True)]
    args = target.arguments(
        data.draw,
        [_present(a, data.draw(st.sampled_from(PRESENTATIONS), label="as"), rng) for a in plain],
    )
    result = call_checked(target.call, *args)
    if result is None:  # a documented refusal (e.g. a kernel larger than the image in "valid" mode)
        return
    assert isinstance(result, np.ndarray) and result.flags.writeable
    expected = target.reference(*plain, *args[len(plain) :])
    assert result.shape == expected.shape
    if target.exact_integers and all(a.dtype.kind in "iub" for a in plain):
        np.testing.assert_array_equal(result, expected)  # exact integer sums (all below 2**53 here)
    else:
        np.testing.assert_allclose(result, expected, rtol=0, atol=_tolerance(result, plain))


@given(data=st.data())
@pytest.mark.parametrize("target", _targets("non-finite"))
def test_nan_and_inf_land_where_scipy_puts_them(target, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shapes = target.shapes(data.draw)
    dtype = data.draw(st.sampled_from(["float64", "float32"]), label="dtype")
    arrays = [_with_non_finite(rng, _values(rng, shape, dtype)) for shape in shapes]
    args = target.arguments(data.draw, arrays)
    result = call_checked(target.call, *args)
    if result is None:
        return
    expected = target.reference(*args)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
        np.testing.assert_array_equal(np.isposinf(result), np.isposinf(expected))
        np.testing.assert_array_equal(np.isneginf(result), np.isneginf(expected))
    finite = np.isfinite(expected)
    clean = [np.where(np.isfinite(a), a, 0) for a in arrays]
    np.testing.assert_allclose(
        result[finite], expected[finite], rtol=0, atol=_tolerance(result, clean) + 1e-300
    )


@given(data=st.data())
@pytest.mark.parametrize("target", _targets("malformed"))
def test_malformed_arrays_raise_documented_errors(target, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shapes = target.shapes(data.draw)
    args = [_values(rng, shape, "float64") for shape in shapes]
    which = data.draw(st.integers(0, len(args) - 1), label="which argument")
    args[which] = _malformed(data.draw, rng, shapes[which], target.ndims[which])
    call_checked(target.call, *target.arguments(data.draw, args), must_fail=True)


# no shrinking: each failing try may take SECONDS
@settings(max_examples=30, phases=[Phase.explicit, Phase.generate])
@given(data=st.data())
@pytest.mark.parametrize("target", _targets("huge"))
def test_huge_broadcast_shapes_fail_fast(target, data):
    # views of one number with up to 2**40 elements: nothing is allocated until convlib does
    shapes = target.shapes(data.draw)
    which = data.draw(st.integers(0, len(shapes) - 1), label="which argument")
    big = 2 ** data.draw(st.integers(16, 20), label="log2 side")
    huge = (big, big, *shapes[which][2:])
    args = [np.ones(shape) for shape in shapes]
    args[which] = np.broadcast_to(np.float64(data.draw(st.sampled_from([0.0, 1.0, np.nan]))), huge)
    if data.draw(st.booleans(), label="kernel almost as large") and len(args) == 2:
        other = 1 - which
        args[other] = np.broadcast_to(
            np.float64(1.0),
            tuple(max(1, n - 1) if n == big else n for n in huge)[: len(shapes[other])],
        )
    call_checked(target.call, *target.arguments(data.draw, args))


# ---------------------------------------------------------------------------
# the other public functions: scalar arguments


ODD_VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, 3, -1, 2**31, 2**63, 2**200]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e300, 1e-300, 5e-324, -0.0, 2.0, 3.0]),
    st.sampled_from(
        [
            True,
            False,
            np.True_,
            None,
            "3",
            "",
            "valid",
            b"3",
            1 + 0j,
            fractions.Fraction(7, 2),
            object(),
            {1: 2},
            {3},
            [3],
            [3, 3],
            (2, 2),
            (1, 2, 3),
            (),
        ]
    ),
    st.sampled_from(
        [
            np.int8(3),
            np.uint64(2**63),
            np.int64(-5),
            np.float32(2.5),
            np.float64(3.0),
            np.array(3),
            np.array([3]),
            np.array([2, 2]),
            np.ones((2, 2)),
        ]
    ),
)

GOOD = {
    "output_shape": (convlib.output_shape, (8, 8, 3, 3, "valid")),
    "fully_connected_params": (convlib.fully_connected_params, (8, 8, 1, 1)),
    "translation_invariant_params": (convlib.translation_invariant_params, (8, 8, 1, 1)),
    "local_params": (convlib.local_params, (1, 1, 1)),
    "param_counts": (convlib.param_counts, (8, 8, 1, 1, 1)),
    "kernel": (convlib.kernel, ("sobel x",)),
    "box_kernel": (convlib.box_kernel, (3,)),
    "gaussian_kernel": (convlib.gaussian_kernel, (5, 1.0)),
    "sample_image": (convlib.sample_image, ("edge",)),
    "edge_image": (convlib.edge_image, (6, 8)),
    "square_image": (convlib.square_image, (32, 8, 8, 6, 1.0)),
    "checkerboard": (convlib.checkerboard, (64, 8)),
    "Conv2D": (
        lambda *a: Conv2D(a[0], a[1], a[2], padding=a[3], stride=a[4], seed=a[5], dtype=a[6]),
        (3, 1, 1, 0, 1, 0, np.float64),
    ),
    "Conv2D.step": (lambda lr: _trained_layer().step(lr), (0.1,)),
    "Conv2D.fit": (
        lambda X, Y, lr, steps, learn_bias: Conv2D(2, seed=0).fit(
            X, Y, lr=lr, steps=steps, learn_bias=learn_bias
        ),
        (np.ones((4, 5)), np.ones((3, 4)), 0.03, 2, False),
    ),
    "output_shape-padding-stride": (
        lambda H, W, k_h, k_w, mode, p, s: convlib.output_shape(
            H, W, k_h, k_w, mode, padding=p, stride=s
        ),
        (8, 8, 3, 3, "valid", 1, 2),
    ),
    # dilation, padding modes, geometry, im2col, the transposed convolution, counts
    "dilated output_shape": (
        lambda H, W, k_h, k_w, mode, p, s, d: convlib.output_shape(
            H, W, k_h, k_w, mode, padding=p, stride=s, dilation=d
        ),
        (8, 8, 3, 3, "valid", 1, 2, 2),
    ),
    "corr2d-dilation-padding_mode": (
        lambda X, K, d, pm: convlib.corr2d(X, K, padding=1, dilation=d, padding_mode=pm),
        (np.ones((6, 6)), np.ones((2, 2)), 2, "reflect"),
    ),
    "choose_method": (
        lambda X, K, mode, p, s, d: convlib.choose_method(
            X, K, mode, padding=p, stride=s, dilation=d
        ),
        (np.ones((6, 6)), np.ones((2, 2)), "valid", 1, 1, 1),
    ),
    "corr2d-method": (
        lambda X, K, m: convlib.corr2d(X, K, method=m),
        (np.ones((6, 6)), np.ones((2, 2)), "fft"),
    ),
    "corr2d_multi_in_out-method": (
        lambda X, K, m: convlib.corr2d_multi_in_out(X, K, method=m),
        (np.ones((6, 6, 2)), np.ones((3, 3, 2, 2)), "winograd"),
    ),
    "output_size": (convlib.output_size, (8, 3, 1, 2, 2)),
    "input_size": (convlib.input_size, (4, 3, 1, 2, 1, 1)),
    "conv_geometry": (
        lambda n, k, mode, p, s, d: convlib.conv_geometry(
            n, k, mode, padding=p, stride=s, dilation=d
        ),
        ((8, 8), (3, 3), "valid", 1, 2, 1),
    ),
    "Geometry": (convlib.Geometry, ((4, 4), ((1, 1), (1, 1)), (2, 2), (1, 1), (3, 3))),
    "effective_kernel_size": (convlib.effective_kernel_size, (3, 2)),
    "receptive_field": (convlib.receptive_field, ([3, 3], [2, 1], 1, 0)),
    "receptive_field_table": (convlib.receptive_field_table, ([3, 3], 1, [1, 2], 1)),
    "ReceptiveField": (convlib.ReceptiveField, (3, 1, 0)),
    "locally_connected_params": (convlib.locally_connected_params, (8, 8, 1, 1, 1)),
    "grouped_params": (convlib.grouped_params, (3, 3, 4, 4, 2)),
    "pad2d": (convlib.pad2d, (np.ones((3, 4)), 1, "reflect")),
    "im2col": (convlib.im2col, (np.ones((4, 5)), 2, 2, 1, 1)),
    "conv_transpose2d": (
        lambda G, K, p, s, d, o: convlib.conv_transpose2d(
            G, K, padding=p, stride=s, dilation=d, output_padding=o
        ),
        (np.ones((3, 3)), np.ones((2, 2)), 0, 2, 1, 1),
    ),
}


def _trained_layer():
    layer = Conv2D(2, seed=0)
    layer.backward(np.ones_like(layer(np.ones((4, 5)))))
    return layer


def test_every_public_name_is_fuzzed():
    fuzzed = (
        set(GOOD)
        | {name.split("-")[0] for name in ARRAY_TARGETS}
        | {"photo", "photo_gray", "mri_slice", "KERNELS", "SAMPLE_IMAGES", "LUMA"}
    )
    assert set(convlib.__all__) <= {name.split(".")[0] for name in fuzzed} | fuzzed


@given(data=st.data())
@pytest.mark.parametrize("name", sorted(GOOD))
def test_odd_scalar_arguments_raise_documented_errors_or_work(name, data):
    fn, good = GOOD[name]
    args = list(good)
    which = data.draw(st.integers(0, len(args) - 1), label="which argument")
    args[which] = data.draw(ODD_VALUES, label="value")
    result = call_checked(fn, *args)
    if result is None:
        return
    if name == "gaussian_kernel":
        size, sigma = args
        g = signal.windows.gaussian(size, sigma)
        if np.isfinite(g).all():
            np.testing.assert_allclose(
                result, np.outer(g, g) / np.outer(g, g).sum(), rtol=1e-12, atol=1e-300
            )
        assert np.isfinite(result).all() and result.sum() == pytest.approx(1.0)
    elif name.startswith("output_shape") and max(args[:4]) <= 64:
        H, W, k_h, k_w, mode = args[:5]
        p, s = (args[5], args[6]) if len(args) > 5 else (0, 1)
        p_h, p_w = (p, p) if np.ndim(p) == 0 else p
        s_h, s_w = (s, s) if np.ndim(s) == 0 else s
        padded = np.zeros((H + 2 * p_h, W + 2 * p_w))
        assert result == signal.correlate2d(padded, np.zeros((k_h, k_w)), mode)[::s_h, ::s_w].shape
    elif isinstance(result, np.ndarray):
        assert np.isfinite(result).all()


@pytest.mark.parametrize("fn", [convlib.photo, convlib.photo_gray, convlib.mri_slice])
def test_functions_without_arguments_return_fresh_finite_images(fn):
    first = fn()
    first[...] = -1  # the caller owns the result
    second = fn()
    assert np.isfinite(second).all() and 0 <= second.min() and second.max() <= 1
