"""Hidden cases from the instructor's seed, and judging the kernel's answers in the grader's process.

The public checkers run fixed cases that every student can read. For grading,
the engine's :func:`convlib.checks.engine.grading_hook` swaps them for
hidden ones: the same shapes, dtypes and notes (so every known-mistake hint
still applies; only the note of a declared worked example, ``Case.worked_example``,
is dropped) with new values drawn from the instructor's seed, and the
integer arguments each case declares growable (``Case.growable``: image
sizes, layer counts; never kernel sizes, strides or positions) grown by a
hidden amount.

Judging never trusts the student's kernel: the grader receives plain data (the
outputs per case) and runs the checker here, with a stand-in function that
replays those outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convlib import checks
from convlib.checks.engine import NOT_ANSWERED, NOT_IMPLEMENTED, Case, CheckSpec, grading_hook

from .exercises import Exercise

DEFAULT_SECRET = Path("~/.config/convlayer/grading-seed").expanduser()
SECRET_ENV = "CONVLAYER_GRADING_SEED"
HINT_RE = re.compile(r"Hint \[([^\]]+)\]")


def secret_path(path=None) -> Path:
    """The seed file: ``path``, else ``$CONVLAYER_GRADING_SEED``, else ``~/.config/convlayer/grading-seed``."""
    return Path(path or os.environ.get(SECRET_ENV) or DEFAULT_SECRET).expanduser()


def read_seed(path=None) -> int:
    """The hidden seed: a 64-bit number derived from the text of the instructor's seed file.

    Raises
    ------
    FileNotFoundError
        When the file does not exist, saying how to create one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "seed"
    >>> _ = p.write_text("correct horse battery staple")
    >>> read_seed(p) == read_seed(p)
    True
    """
    p = secret_path(path)
    if not p.is_file():
        raise FileNotFoundError(
            f"no grading seed at {p}: create one with `python -m grading --new-secret"
            + (f" --secret {p}`" if path else "`")
            + f" (or pass --secret PATH / set {SECRET_ENV}); keep it out of the published repository"
        )
    return int.from_bytes(hashlib.sha256(p.read_bytes()).digest()[:8], "little")


def new_secret(path=None) -> Path:
    """Write a fresh random seed file (mode 0600) and return its path; never overwrites one."""
    p = secret_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "x", encoding="ascii") as f:
        os.chmod(p, 0o600)
        f.write(os.urandom(32).hex() + "\n")
    return p


def _redraw(value, growable: bool, rng, growth: int):
    """A hidden stand-in for one public argument (same type, shape and dtype; sizes grown by ``growth``)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return rng.integers(-4, 10, size=value.shape).astype(value.dtype)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        # an argument whose public values are all positive (a standard deviation, a scale) stays positive
        low = 0.25 if value.size and value.min() > 0 else -3
        new = np.round(rng.uniform(low, 3, size=value.shape), 3).astype(value.dtype)
        if (
            new.ndim == 2
            and new.shape[0] == new.shape[1] > 1
            and (np.array_equal(new, new.T) or np.array_equal(new, new[::-1, ::-1]))
        ):
            new[0, -1] += (
                1  # asymmetric, so flips and transposes stay visible (as in the public cases)
            )
        return new
    if growable and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        # a larger image or more layers stay valid; H == W stays square
        return type(value)(value + growth)
    return value


def hidden_cases(seed: int, title: str, cases: list) -> list:
    """The hidden version of a checker's public ``cases`` for the instructor's ``seed``."""
    rng = np.random.default_rng([seed, zlib.crc32(title.encode())])
    hidden = []
    for case in cases:
        growth = int(rng.integers(0, 4))
        args = tuple(
            _redraw(a, n in case.growable, rng, growth)
            for a, n in zip(case.args, case.names, strict=True)
        )
        # new values are no longer the lecture's worked example, so its note would mislead
        note = "" if case.worked_example else case.note
        hidden.append(Case(args, case.names, case.square, note, case.growable))
    return hidden


class _Collected(BaseException):
    """Stops a checker once its cases are known (BaseException: the engine lets it through)."""


@dataclass
class Plan:
    """What the grader needs to judge one function exercise: the hidden cases and the checker's rules."""

    exercise: Exercise
    cases: list
    reference: object
    same: object
    validate: object


def plan(exercise: Exercise, seed: int) -> Plan:
    """Ask the exercise's checker for its cases (without running anything) and make them hidden."""
    got = {}

    def collect(spec: CheckSpec):
        got.update(
            cases=hidden_cases(seed, spec.title, spec.cases),
            reference=spec.reference,
            same=spec.same,
            validate=spec.validate,
        )
        raise _Collected

    with grading_hook(collect):
        try:
            exercise.check(lambda *args: None)
        except _Collected:
            pass
    if not got:
        raise RuntimeError(
            f"{exercise.checker} does not run hidden cases through the checks engine"
        )
    return Plan(exercise, **got)


# ---------------------------------------------------------------------------
# the kernel's answers, replayed


@dataclass
class Outcome:
    """What the student's function did on one case, as reported by the kernel (plain data)."""

    value: object = None
    error: tuple = ()  # (exception type name, message)
    timeout: bool = False
    skipped: bool = False
    mutated: dict = field(default_factory=dict)  # argument index -> array after the call
    line: str = ""  # where the student's code was when it ran out of time


class Opaque:
    """A returned object that is not plain data; only its (shortened) repr crossed over."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class CallTimeout(Exception):
    """Stands for a case on which the student's function ran out of time."""


class NotRun(Exception):
    """Stands for a case skipped after an earlier case ran out of time."""


class _Replayed:
    """Mixin of a replayed exception: it shows no traceback (its message already names the student's line).

    Without it the checker would quote the line of :func:`replay` that
    re-raises it, a line of the grader's, as the student's.
    """

    @property
    def __traceback__(self):
        return None

    @__traceback__.setter
    def __traceback__(self, value):
        pass


def _exception(name: str, message: str) -> Exception:
    if name == "NotImplementedError":
        return type("NotImplementedError", (_Replayed, NotImplementedError), {})(message)
    safe = re.sub(r"\W", "", name) or "Exception"
    return type(safe if safe[0].isalpha() else "E" + safe, (_Replayed, Exception), {})(message)


def replay(outcomes: list, call_timeout: float):
    """A function that returns (or raises) the student's recorded outcome for the n-th call."""
    calls = iter(outcomes)

    def student(*args):
        o = next(calls)
        for i, after in o.mutated.items():
            if (
                i < len(args)
                and isinstance(args[i], np.ndarray)
                and args[i].shape == np.shape(after)
            ):
                args[i][...] = after
        if o.timeout:
            raise CallTimeout(f"no result within {call_timeout:g} s (an endless loop?)")
        if o.skipped:
            raise NotRun("not run: an earlier case ran out of time")
        if o.error:
            raise _exception(*o.error)
        return o.value

    return student


def _passes(p: Plan, case, o: Outcome) -> bool:
    if o.timeout or o.skipped or o.error or o.value is None:
        return False
    expected = p.reference(*case.args)
    try:
        with np.errstate(all="ignore"):
            if p.validate is not None and p.validate(o.value, expected):
                return False
            return bool(p.same(o.value, expected))
    except Exception:  # noqa: BLE001 - an answer the rules cannot even compare is wrong
        return False


@dataclass
class Verdict:
    """The grade of one exercise: share of hidden cases passed, the mistake's tag and the checker's message."""

    passed: int
    total: int
    tag: str = ""
    message: str = ""

    @property
    def share(self) -> float:
        return self.passed / self.total if self.total else 0.0


def _diagnose(run) -> tuple:
    """Run a checker call; (tag, message): ('', success line) or the hint's tag and the whole message."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
            run()
    except AssertionError as e:
        text = str(e)
        m = HINT_RE.search(text)
        tag = (
            m.group(1)
            if m
            else (
                "not implemented"
                if NOT_IMPLEMENTED in text
                else "not answered"
                if NOT_ANSWERED in text
                else "not accepted"
            )
        )
        return tag, text
    except Exception as e:  # noqa: BLE001 - a checker tripping over an odd answer is a failed answer
        return "not accepted", f"the answer could not be checked: {type(e).__name__}: {e}"
    return "", out.getvalue().strip()


def judge_function(p: Plan, outcomes: list, call_timeout: float) -> Verdict:
    """Score the recorded outcomes case by case and name the mistake with the public checker."""
    passed = sum(_passes(p, c, o) for c, o in zip(p.cases, outcomes, strict=True))

    with grading_hook(lambda spec: p.cases):
        tag, message = _diagnose(lambda: p.exercise.check(replay(outcomes, call_timeout)))
    late = next((k for k, o in enumerate(outcomes) if o.timeout), None)
    if passed == len(p.cases):
        tag = ""  # every hidden case passes: nothing to name even if a stricter rule complained
    elif late is not None and tag in ("exception", "time limit", ""):
        tag = "time limit"
        where = f"; it was running {outcomes[late].line}" if outcomes[late].line else ""
        message = (
            f"{len(p.cases) - passed} of {len(p.cases)} hidden cases fail: hidden case {late + 1} did not finish "
            f"(no result within {call_timeout:g} s{where}); the cases after it were not run.\n"
            f"Hint [time limit]: case {p.cases[late].describe()}. Look for a loop that never ends: a `while` whose "
            "condition never changes, or an index that is never increased."
        )
    elif not tag:
        tag = "wrong values"
    return Verdict(passed, len(p.cases), tag, message)


def judge_values(exercise: Exercise, values: list) -> Verdict:
    """Check answers that are values (numbers, kernels, the quiz) with the public checker, here.

    All or nothing, except for a checker with an ``answer_key()`` (a dict of
    choices, such as the equivariance quiz) answered with a dict: one share
    per right choice.
    """
    tag, message = _diagnose(lambda: exercise.check(*values))
    answer_key = getattr(getattr(checks, exercise.checker), "answer_key", None)
    if answer_key is not None and isinstance(values[0], dict):
        key = answer_key()
        right = sum(
            isinstance(values[0].get(q), str) and values[0][q].strip().lower() == a
            for q, a in key.items()
        )
        return Verdict(right, len(key), tag, message)
    return Verdict(0 if tag else 1, 1, tag, message)
