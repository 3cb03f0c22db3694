"""The checkers against answers a hostile or unlucky student hands in.

Non-answers (text, complex numbers, objects whose ``__array__`` fails), code
that exits, hangs or swallows the time-out, convlib's and SciPy's own
functions (bare, wrapped, partial), and what a Jupyter kernel shows for a
failing check. Also: no answer is within reach of Shift-Tab.
"""

from __future__ import annotations

import functools
import itertools
import signal
import sys
import threading
import time

import numpy as np
import pytest
import scipy.signal
from scipy import signal as sig

import convlib
from convlib import (
    checks,
    conv2d,
    corr2d,
    fully_connected_params,
    local_params,
    translation_invariant_params,
)
from convlib.checks import (
    HAND_K,
    HAND_X,
    LUMA,
    CheckFailed,
    check_corr2d,
    check_dense_counts,
    check_equivariance,
    check_grey_kernel,
    check_hand_example,
    check_input_gradient_channels,
    check_input_lengths,
    check_layers_to_cover,
    check_local_layer,
)
from test_checks import igc_corr2d  # input gradient from single-channel corr2d calls
from test_checks import loop_corr as student_corr2d  # a student's plain loops


def failure(check, answer, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(answer, **kwargs)
    assert isinstance(info.value, AssertionError)  # graders catch AssertionError
    return str(info.value)


# ---------------------------------------------------------------------------
# not numbers


class BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array today")


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda X, K: student_corr2d(X, K).astype(str), "dtype <U32 (strings)"),
        (lambda X, K: student_corr2d(X, K) + 1e6j, "dtype complex128 (complex numbers)"),
        (lambda X, K: student_corr2d(X, K) + 0j, "dtype complex128 (complex numbers)"),
        (lambda X, K: student_corr2d(X, K).astype(object), "dtype object (Python objects)"),
        (lambda X, K: [[1.0, 2.0], [3.0]], "dtype object (Python objects)"),
        (lambda X, K: student_corr2d(X, K).astype(bytes), "(bytes)"),
    ],
    ids=["str", "complex", "complex-zero-imag", "object", "ragged-list", "bytes"],
)
def test_non_numeric_results_get_a_hint_naming_the_dtype(answer, words):
    message = failure(check_corr2d, answer)
    assert "Hint [not numbers]" in message and words in message, message
    assert "34 of 34 hidden cases fail" in message  # the count graders read
    assert "X of shape (3, 3)" in message  # the case


def test_a_result_whose_array_conversion_fails_is_a_hint_naming_the_case():
    message = failure(check_corr2d, lambda X, K: BrokenArray())
    assert "Hint [exception]" in message
    assert "RuntimeError: no array today" in message and "First failing case: X of shape" in message


@pytest.mark.parametrize(
    "exit_code",
    [SystemExit(3), SystemExit("bye"), GeneratorExit()],
    ids=["exit-3", "exit-text", "generator-exit"],
)
def test_system_exit_in_the_answer_is_a_hint(exit_code):
    def leaves(X, K):
        raise exit_code

    message = failure(check_corr2d, leaves)
    assert "Hint [exception]" in message and type(exit_code).__name__ in message


def test_the_exception_report_shows_the_students_line():
    def crashes(X, K):
        h, w = K.shape
        return X[:h, :w] * K[: h - 1]  # broadcasting error on purpose

    message = failure(check_corr2d, crashes)
    assert "line" in message and "of crashes: return X[:h, :w] * K[: h - 1]" in message


def test_answers_that_are_not_functions_get_a_dtype_hint():
    assert "must be an array of real numbers" in failure(
        check_grey_kernel, LUMA.reshape(1, 1, 3, 1) + 7j
    )
    assert "complex" in failure(check_grey_kernel, LUMA.reshape(1, 1, 3, 1) + 7j)
    right_corr = corr2d(HAND_X, HAND_K)
    message = failure(
        lambda a: check_hand_example(a, conv2d(HAND_X, HAND_K)), right_corr.astype(str)
    )
    assert "strings" in message
    message = failure(lambda a: check_hand_example(a, conv2d(HAND_X, HAND_K)), BrokenArray())
    assert "RuntimeError: no array today" in message
    fc = fully_connected_params(480, 640)
    message = failure(
        lambda a: check_dense_counts(a, translation_invariant_params(480, 640)), str(fc)
    )
    assert "must be a number" in message and "str" in message
    message = failure(
        lambda a: check_dense_counts(fc, a), complex(translation_invariant_params(480, 640))
    )
    assert "must be a number" in message


# ---------------------------------------------------------------------------
# time limit


def hangs(X, K):
    while True:
        pass


def sleeps(X, K):
    time.sleep(60)


def swallows(X, K):
    while True:
        try:
            while True:
                pass
        except:  # noqa: E722 - a student's bare except catches the first time-out
            pass


@pytest.mark.parametrize(
    "answer", [hangs, sleeps, swallows], ids=["busy-loop", "sleep", "bare-except"]
)
def test_a_hanging_answer_gets_a_time_limit_hint_naming_case_and_limit(answer):
    start = time.monotonic()
    message = failure(check_corr2d, answer, time_limit=0.3)
    assert time.monotonic() - start < 5
    assert (
        "Hint [time limit]: your function did not return within 0.3 s on the case X of shape (3, 3)"
        in message
    )
    assert message.startswith("corr2d: 34 of 34 hidden cases fail")


def test_the_time_limit_leaves_other_alarms_alone():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *args: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.5)
        failure(check_corr2d, hangs, time_limit=0.2)
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < remaining < 1.5  # the outer alarm is still running
        time.sleep(remaining + 0.2)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_time_limit_works_outside_the_main_thread():
    """A grader may run checks in a worker thread, where SIGALRM is not available."""
    messages = []
    worker = threading.Thread(
        target=lambda: messages.append(failure(check_corr2d, hangs, time_limit=0.3))
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert "Hint [time limit]" in messages[0]


def test_a_slow_but_finishing_answer_passes(capsys):
    def slow(X, K):
        time.sleep(0.01)
        return student_corr2d(X, K)

    check_corr2d(slow, time_limit=2)
    assert capsys.readouterr().out == "✓ corr2d: all 34 hidden cases pass\n"


def test_value_checkers_have_the_time_limit_too():
    message = failure(check_input_lengths, lambda m, k, p, s, d: hangs(m, k), time_limit=0.2)
    assert "Hint [time limit]" in message and "0.2 s" in message


# ---------------------------------------------------------------------------
# convlib's and SciPy's own functions


def _proxy_calls(X, K):
    return scipy.signal.correlate2d(X, K, "valid")


@pytest.mark.parametrize(
    "answer, library",
    [
        (corr2d, "convlib.corr2d"),
        (convlib.corr2d_naive, "convlib.corr2d_naive"),
        (sig.correlate2d, "scipy.signal.correlate2d"),
        (functools.partial(sig.correlate2d, mode="valid"), "scipy.signal.correlate2d"),
        (lambda X, K: corr2d(X, K), "convlib.corr2d"),
        (lambda X, K: convlib.corr2d(X, K), "convlib.corr2d"),
        (lambda X, K: sig.correlate2d(X, K, mode="valid"), "scipy.signal.correlate2d"),
        (_proxy_calls, "scipy.signal.correlate2d"),
        (
            lambda X, K: convlib.corr2d_multi_in(X[..., None], K[..., None]),
            "convlib.corr2d_multi_in",
        ),
        (functools.wraps(corr2d)(lambda X, K: 0), "convlib.corr2d"),
    ],
    ids=[
        "convlib",
        "naive",
        "scipy",
        "partial",
        "lambda",
        "module-attribute",
        "scipy-lambda",
        "scipy-module-path",
        "multi-in",
        "wraps",
    ],
)
def test_library_functions_are_refused(answer, library):
    message = failure(check_corr2d, answer)
    assert "Hint [library function]" in message and library in message, message


def test_library_refusal_covers_every_function_checker():
    assert "convlib.corr2d" in failure(check_local_layer, lambda X, V: corr2d(X, V, "same"))
    assert "convlib.output_size" in failure(checks.check_dilated_size, convlib.output_size)
    assert "convlib.conv2d" in failure(checks.check_combined_kernel, lambda K1, K2: conv2d(K2, K1))
    assert "convlib.conv_transpose2d" in failure(
        check_input_gradient_channels, lambda G, K: convlib.conv_transpose2d(G, K)
    )
    # a bound method of a convlib class is refused by every checker
    layer = convlib.Conv2D(3, seed=0)
    assert "Hint [library function]" in failure(check_input_gradient_channels, layer.backward)


def test_allowed_building_blocks_and_grader_proxies_pass(capsys):
    check_input_gradient_channels(igc_corr2d)  # corr2d is an allowed building block there

    def proxy(*args):  # what a grading process forwards to the student's kernel
        return student_corr2d(*args)

    check_corr2d(proxy)
    assert capsys.readouterr().out.count("✓") == 2


# ---------------------------------------------------------------------------
# nothing to copy from Shift-Tab


def test_no_answer_key_is_exported():
    assert "EQUIVARIANCE_QUESTIONS" not in dir(checks)
    for name in checks.__all__:
        assert not isinstance(getattr(checks, name), dict), name


def test_docstrings_show_no_right_answers():
    docs = "\n".join(
        (getattr(checks, name).__doc__ or "")
        for name in checks.__all__
        if callable(getattr(checks, name))
    ) + (checks.__doc__ or "")
    # only the format of the success line
    assert "✓" not in docs.replace("``✓ corr2d: all 34 hidden cases pass``", "")
    for value in [
        fully_connected_params(480, 640),
        translation_invariant_params(480, 640),
        fully_connected_params(1024, 1024, 3, 64),
        local_params(2, 3, 64),
    ]:
        assert str(value) not in docs
    for answer in [corr2d(HAND_X, HAND_K), conv2d(HAND_X, HAND_K)]:
        assert str(answer.astype(int).tolist()) not in docs
    assert (
        "2 * PATTERN - 1" not in docs
        and "reshape(1, 1, 3, 1)" not in docs
        and "K[::-1, ::-1])" not in docs
    )
    assert "2 L Delta + 1" not in docs and '(H - h + 1, W - w + 1)`` ; ``"same"' not in docs


def test_in_ipython_only_the_message_is_shown_hint_first():
    with pytest.raises(CheckFailed) as info:
        check_corr2d(lambda X, K: student_corr2d(X, K).astype(str))
    lines = info.value._render_traceback_()
    assert lines[0].startswith("CheckFailed: corr2d: 34 of 34 hidden cases fail")
    assert lines[1].startswith("Hint [not numbers]")
    assert not any("engine.py" in line or "calls.py" in line for line in lines)


# ---------------------------------------------------------------------------
# answers that hang, crash or peek at the checker


def _right_input_lengths(m, k, p, s, d):
    n = (m - 1) * s + d * (k - 1) + 1 - 2 * p
    return n, n + s - 1


@pytest.mark.parametrize(
    "check, answer",
    [
        (check_input_lengths, lambda m, k, p, s, d: itertools.repeat(1)),
        (check_layers_to_cover, lambda delta, H, W: itertools.repeat(1)),
        (checks.check_bias_counts, lambda *args: itertools.repeat(1)),
        (check_corr2d, lambda X, K: itertools.repeat(1.0)),
    ],
    ids=["input-lengths", "layers-to-cover", "bias-counts", "corr2d"],
)
def test_an_endless_iterator_is_named_at_once(check, answer):
    start = time.monotonic()
    message = failure(check, answer)
    assert time.monotonic() - start < 3, "the checker iterated over an endless iterator"
    assert "Hint [generator]: your function returned an iterator (itertools.repeat)" in message, (
        message
    )


@pytest.mark.parametrize(
    "check, answer",
    [
        (check_corr2d, lambda X, K: (row for row in student_corr2d(X, K))),
        (
            check_input_lengths,
            lambda m, k, p, s, d: (n for n in _right_input_lengths(m, k, p, s, d)),
        ),
    ],
    ids=["corr2d", "input-lengths"],
)
def test_a_generator_is_called_a_generator_not_an_object_array(check, answer):
    message = failure(check, answer)
    assert "Hint [generator]: your function returned a generator" in message, message
    assert "dtype object" not in message and "Python objects" not in message
    assert "hidden case 1" in message


def test_a_generator_handed_in_as_an_array_is_named():
    message = failure(
        lambda a: check_hand_example(a, conv2d(HAND_X, HAND_K)), (v for v in corr2d(HAND_X, HAND_K))
    )
    assert "corr must be an array of real numbers, but it is a generator" in message, message


class SlowArray:
    def __array__(self, dtype=None, copy=None):
        time.sleep(30)
        return np.zeros((1, 1))


class SlowNumber:
    calls = []

    def __int__(self):
        SlowNumber.calls.append("__int__")
        time.sleep(30)
        return 1

    __index__ = __float__ = __int__

    def __eq__(self, other):
        SlowNumber.calls.append("__eq__")
        time.sleep(30)
        return True

    __hash__ = object.__hash__


def test_a_slow_array_conversion_is_inside_the_time_limit():
    start = time.monotonic()
    message = failure(check_corr2d, lambda X, K: SlowArray(), time_limit=0.3)
    assert time.monotonic() - start < 5
    assert "Hint [time limit]: your function did not return within 0.3 s" in message


@pytest.mark.parametrize(
    "check",
    [check_layers_to_cover, checks.check_bias_counts, check_input_lengths],
    ids=["layers-to-cover", "bias-counts", "input-lengths"],
)
def test_an_object_with_a_slow_int_is_not_a_number_and_its_code_never_runs(check):
    SlowNumber.calls.clear()
    start = time.monotonic()
    message = failure(check, lambda *args: SlowNumber())
    assert time.monotonic() - start < 3 and SlowNumber.calls == []
    assert "Hint [not a" in message and "SlowNumber object" in message, message


def test_a_slow_int_handed_in_as_a_count_is_not_a_number():
    SlowNumber.calls.clear()
    message = failure(lambda a: check_dense_counts(a, 1), SlowNumber())
    assert (
        SlowNumber.calls == []
        and "fc_weights must be a number" in message
        and "a SlowNumber object" in message
    )


def _cancels_with_setitimer(X, K):
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        pass


def _cancels_with_alarm(X, K):
    signal.alarm(0)
    while True:
        pass


def _ignores_the_signal(X, K):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass


def _replaces_the_handler_and_sleeps(X, K):
    signal.signal(signal.SIGALRM, lambda *args: None)
    time.sleep(30)


# Known limit, not tested: an answer that also swallows every time-out in a bare
# `except:` and cancels the timer again ends only when a posted time-out lands between
# its `except:` and its loop, a matter of chance (seen from under 1 s to over 5 minutes).
# Inside the student's own kernel nothing more can be done; the grader kills by process.
def _cancels_everything_and_swallows(X, K):
    signal.setitimer(signal.ITIMER_REAL, 0)
    sys.settrace(None)
    while True:
        try:
            while True:
                pass
        except:  # noqa: E722
            signal.setitimer(signal.ITIMER_REAL, 0)


@pytest.mark.parametrize(
    "answer",
    [
        _cancels_with_setitimer,
        _cancels_with_alarm,
        _ignores_the_signal,
        _replaces_the_handler_and_sleeps,
    ],
    ids=["setitimer-0", "alarm-0", "sig-ign", "own-handler-sleep"],
)
def test_an_answer_that_disarms_the_timer_still_times_out(answer):
    handler_before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    message = failure(check_corr2d, answer, time_limit=0.3)
    assert time.monotonic() - start < 5
    assert "Hint [time limit]: your function did not return within 0.3 s" in message, message
    assert signal.getsignal(signal.SIGALRM) is handler_before  # the checker puts everything back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert sys.gettrace() is None or "coverage" in type(sys.gettrace()).__module__
    time.sleep(0.5)  # no late time-out lands in the test after the check


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")

    __str__ = __repr__


class BadMessage(Exception):
    def __str__(self):
        raise RuntimeError("no message")


def test_huge_numbers_and_broken_reprs_give_a_hint_not_a_traceback():
    message = failure(lambda a: check_dense_counts(a, 1), 10**5000)
    assert "fc_weights = an integer with about 5001 digits is not right" in message
    message = failure(check_layers_to_cover, lambda delta, H, W: 10**5000)
    assert "Hint [" in message and "an integer with about 5001 digits" in message, message
    message = failure(lambda a: check_dense_counts(a, 1), BadRepr())
    assert "fc_weights must be a number" in message and "a BadRepr object" in message
    message = failure(check_layers_to_cover, lambda delta, H, W: BadRepr())
    assert "Hint [not a number]" in message and "a BadRepr object" in message, message

    def raises(X, K):
        raise BadMessage()

    message = failure(check_corr2d, raises)
    assert (
        "Hint [exception]: your function raised BadMessage: <its message could not be shown: RuntimeError>"
        in message
    )


def _expected_from_the_checker(*args):
    """A cheat: look for the expected value in the checker's frames."""
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "right", "key"):
            if name in frame.f_locals:
                return frame.f_locals[name]
        for record in frame.f_locals.get("records", ()):
            return record.expected
        frame = frame.f_back
    return np.zeros((1, 1)) if len(args) == 2 else 0


@pytest.mark.parametrize(
    "check",
    [check_corr2d, check_layers_to_cover, checks.check_bias_counts],
    ids=["corr2d", "layers-to-cover", "bias-counts"],
)
def test_the_expected_value_is_not_in_the_checkers_frames_during_the_call(check):
    failure(check, _expected_from_the_checker)


class Sly(int):
    """An int that says it equals anything and peeks at the checker when converted."""

    seen = []

    def __eq__(self, other):
        Sly.seen.append(other)
        return True

    __hash__ = int.__hash__

    def __int__(self):
        Sly.seen.append(sys._getframe(1).f_locals.get("expected"))
        return 0


def test_int_and_str_subclasses_run_no_code_in_the_checker():
    Sly.seen.clear()
    message = failure(lambda a: check_dense_counts(a, a), Sly(0))
    assert "fc_weights = 0 is not right" in message and Sly.seen == []
    failure(check_layers_to_cover, lambda delta, H, W: Sly(0))
    assert Sly.seen == []

    recorded = []

    class Spy(str):
        def _record(self, *args):
            recorded.append(args)
            return self

        strip = lower = __str__ = _record

        def __eq__(self, other):
            recorded.append(other)
            return True

        __ne__ = __eq__
        __hash__ = str.__hash__

    class SpyDict(dict):
        def __getitem__(self, q):
            recorded.append(("getitem", sys._getframe(1).f_locals.get("key")))
            return dict.__getitem__(self, q)

    # the questions of the exercise (the grader's public key)
    questions = check_equivariance.answer_key()
    message = failure(check_equivariance, SpyDict({q: Spy("neither") for q in questions}))
    assert recorded == [], recorded
    assert "answers are not right" in message


class SlowAttributes:
    """A callable whose attribute look-ups (``__wrapped__``, ``__code__``, ...) hang."""

    def __getattr__(self, name):
        time.sleep(30)
        raise AttributeError(name)

    def __call__(self, X, K):
        return student_corr2d(X, K)


def test_a_callable_with_slow_attributes_is_still_checked(capsys):
    start = time.monotonic()
    check_corr2d(SlowAttributes())
    assert time.monotonic() - start < 10
    assert capsys.readouterr().out == "✓ corr2d: all 34 hidden cases pass\n"
