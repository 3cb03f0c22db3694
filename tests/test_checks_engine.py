"""The public contract of the checker engine: cases, mistakes, run_cases, the grading hook."""

from __future__ import annotations

import doctest
import inspect

import numpy as np
import pytest

from convlib import corr2d, pad2d
from convlib.checks import (
    CheckFailed,
    check_corr2d,
    check_dilated_size,
    check_equivariance,
    check_padding_impl,
    engine,
    mistakes,
)
from convlib.checks.engine import (
    CORRELATIONS,
    Case,
    CheckSpec,
    Mistake,
    current_grading_hook,
    grading_hook,
    run_cases,
)
from grading.exercises import EXERCISES
from grading.hidden import hidden_cases, judge_values
from test_checks import loop_corr


class Stop(BaseException):
    pass


def public_cases(checker) -> list:
    """The public cases of ``checker``, read through the engine's grading hook (nothing runs)."""
    seen = []

    def stop(spec):
        seen.extend(spec.cases)
        raise Stop

    with grading_hook(stop), pytest.raises(Stop):
        checker(lambda *args: None)
    return seen


def reference_of(checker):
    """The reference function that ``checker`` compares answers with, read through the grading hook."""
    seen = []

    def stop(spec):
        seen.append(spec.reference)
        raise Stop

    with grading_hook(stop), pytest.raises(Stop):
        checker(lambda *args: None)
    return seen[0]


@pytest.mark.parametrize("module", [engine, mistakes], ids=lambda m: m.__name__)
def test_every_public_function_and_class_has_a_runnable_example(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj) and (inspect.isfunction(obj) or inspect.isclass(obj)):
            assert doctest.DocTestParser().get_examples(obj.__doc__ or ""), (
                f"{module.__name__}.{name} has no example"
            )


def test_the_hook_is_set_inside_the_block_only_and_nests():
    def outer(spec):
        return list(spec.cases)

    def inner(spec):
        return list(spec.cases)

    assert current_grading_hook() is None
    with grading_hook(outer):
        assert current_grading_hook() is outer
        with grading_hook(inner):
            assert current_grading_hook() is inner
        assert current_grading_hook() is outer
        with pytest.raises(ZeroDivisionError), grading_hook(inner):
            1 / 0
        assert current_grading_hook() is outer
    assert current_grading_hook() is None


def test_a_hook_that_is_not_callable_is_refused_with_the_argument_named():
    with pytest.raises(TypeError, match="callback must be callable, got int"), grading_hook(3):
        pass


def test_the_hook_sees_the_spec_before_any_call_of_the_students_function():
    calls, seen = [], []

    def student(X, K):
        calls.append(1)
        return loop_corr(X, K)

    def stop(spec):
        seen.append((spec, len(calls)))
        raise Stop

    with grading_hook(stop), pytest.raises(Stop):
        check_corr2d(student)
    ((spec, n_calls),) = seen
    assert isinstance(spec, CheckSpec) and n_calls == 0
    assert spec.title == "corr2d" and len(spec.cases) == 34 and spec.forbidden == CORRELATIONS
    X, K = spec.cases[0].args
    np.testing.assert_array_equal(spec.reference(X, K), corr2d(X, K))
    assert spec.same(corr2d(X, K), corr2d(X, K)) and not spec.same(corr2d(X, K) + 1, corr2d(X, K))


def test_the_hooks_cases_are_the_ones_run():
    one = [Case((np.ones((3, 3)), np.ones((2, 2))), ("X", "K"))]
    with grading_hook(lambda spec: one):
        with pytest.raises(CheckFailed, match=r"^corr2d: 1 of 1 hidden cases fail"):
            check_corr2d(lambda X, K: np.zeros((2, 2)))


def test_a_refused_function_never_reaches_the_hook():
    reached = []
    with grading_hook(lambda spec: reached.append(spec) or list(spec.cases)):
        with pytest.raises(
            CheckFailed,
            match=r"Hint \[library function\]: this is \(or only calls\) convlib.corr2d",
        ):
            check_corr2d(corr2d)
        with pytest.raises(CheckFailed, match="calls np.pad"):
            check_padding_impl(lambda X, p: np.pad(X, p, mode="reflect"), "reflect")
    assert reached == []


def test_the_library_check_runs_once_per_check(monkeypatch, capsys):
    """``check_padding_impl`` used to refuse library functions twice (itself, then again in the engine)."""
    seen = []
    original = engine.library_function

    def counting(fn, forbidden=()):
        seen.append(tuple(forbidden))
        return original(fn, forbidden)

    monkeypatch.setattr(engine, "library_function", counting)

    def my_pad(X, p):
        X = np.asarray(X)
        rows = np.concatenate([X[p:0:-1], X, X[-2 : -p - 2 : -1]], axis=0) if p else X
        return (
            np.concatenate([rows[:, p:0:-1], rows, rows[:, -2 : -p - 2 : -1]], axis=1)
            if p
            else rows
        )

    check_padding_impl(my_pad, "reflect")
    assert "✓ reflect padding: all 13 hidden cases pass" in capsys.readouterr().out
    assert seen == [(pad2d,)]


def test_a_crash_keeps_the_students_exception_as_the_cause():
    def crashes(X, K):
        raise IndexError("index 9 is out of bounds")

    with pytest.raises(
        CheckFailed, match=r"Hint \[exception\]: your function raised IndexError"
    ) as info:
        check_corr2d(crashes)
    assert type(info.value.__cause__).__name__ == "IndexError" and info.value.__suppress_context__


def test_run_cases_names_a_known_mistake_and_the_refuse_rule():
    cases = [Case((np.array([1.0, 2.0]),), ("x",)), Case((np.array([[3.0]]),), ("x",))]
    plus_one = Mistake(
        "plus one", "you added one instead of doubling.", lambda args, expected: args[0] + 1
    )
    with pytest.raises(CheckFailed, match=r"^double: 2 of 2 hidden cases fail.\nHint \[plus one\]"):
        run_cases("double", lambda x: x + 1, cases, lambda x: 2 * x, mistakes=[plus_one])
    with pytest.raises(CheckFailed, match=r"^double: no lambdas$"):
        run_cases(
            "double",
            lambda x: 2 * x,
            cases,
            lambda x: 2 * x,
            refuse=lambda fn: "no lambdas" if fn.__name__ == "<lambda>" else "",
        )


def test_growable_names_must_be_argument_names():
    with pytest.raises(
        ValueError,
        match=r"growable names \['h'\] are not among the case's argument names \('H', 'W'\)",
    ):
        Case((5, 5), ("H", "W"), growable=("h",))


def test_the_grader_grows_exactly_the_declared_arguments():
    public = [
        Case((5, 7, 3, 3), ("H", "W", "k_h", "k_w"), growable=("H", "W")),
        Case((5, 7, 3, 3), ("H", "W", "k_h", "k_w")),
    ]
    growth = set()
    for seed in range(12):
        grown, fixed = hidden_cases(seed, "sizes", public)
        assert grown.args[2:] == (3, 3) and fixed.args == (5, 7, 3, 3)
        assert grown.args[0] - 5 == grown.args[1] - 7  # one hidden amount per case
        assert grown.growable == ("H", "W")
        growth.add(grown.args[0] - 5)
    assert growth <= {0, 1, 2, 3} and len(growth) > 1


def test_the_grader_drops_the_note_of_a_worked_example_only():
    X, K = np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)
    public = [
        Case((X, K), ("X", "K"), note="the lecture's example", worked_example=True),
        Case(
            (X, K), ("X", "K"), note="an example of a 3 x 3 image"
        ),  # the word alone decides nothing
        Case((X, K), ("X", "K"), note="k = 2"),
    ]
    worked, other, plain = hidden_cases(3, "notes", public)
    assert not np.array_equal(worked.args[0], X)  # the values are redrawn ...
    # ... so they are no worked example any more
    assert worked.note == "" and not worked.worked_example
    assert (other.note, plain.note) == ("an example of a 3 x 3 image", "k = 2")
    assert "[" not in worked.describe() and other.describe().endswith(
        "[an example of a 3 x 3 image]"
    )


def test_the_lecture_example_is_the_one_declared_worked_example():
    cases = public_cases(check_corr2d)
    assert [c.worked_example for c in cases] == [True] + [False] * (len(cases) - 1)
    assert cases[0].note == "the lecture's example"
    assert corr2d(*cases[0].args).tolist() == [[19, 25], [37, 43]]


def test_the_checkers_declare_what_grows():
    assert {c.growable for c in public_cases(check_dilated_size)} == {("n",)}
    assert {c.growable for c in public_cases(check_corr2d)} == {
        ()
    }  # arrays are redrawn, never resized


def test_the_quiz_is_graded_per_answer_through_its_public_key():
    key = check_equivariance.answer_key()
    assert len(key) == 9 and set(key.values()) == {"equivariant", "invariant", "neither"}
    assert (
        key["sum of all pixels"] == "invariant"
        and key["ReLU applied to every pixel"] == "equivariant"
    )
    # stride and rotation: measured, not stored (a one-pixel shift does not survive x[::2, ::2]; rot90 is no shift)
    assert key["keeping every second row and column, x[::2, ::2]"] == "neither"
    assert [v for q, v in key.items() if "ROTATED" in q] == ["neither"]
    quiz = next(ex for ex in EXERCISES if ex.checker == "check_equivariance")
    one_wrong = dict(key, **{"sum of all pixels": "equivariant"})
    verdict = judge_values(quiz, [one_wrong])
    assert (verdict.passed, verdict.total, verdict.tag) == (8, 9, "sum of all pixels")
    assert (judge_values(quiz, [dict(key)]).passed, judge_values(quiz, [dict(key)]).tag) == (9, "")
    counts = next(ex for ex in EXERCISES if ex.checker == "check_dense_counts")
    # all or nothing
    assert (judge_values(counts, [1, 2]).passed, judge_values(counts, [1, 2]).total) == (
        0,
        1,
    )
