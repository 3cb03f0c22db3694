"""Calling a student's code safely: a time limit, every exception caught, library functions recognised.

The checkers never let the student's code take the notebook down with them:

* :func:`call_student` runs one call under :func:`time_limit` and returns an
  :class:`Outcome` instead of raising, whatever the code raises (``SystemExit``
  and a failing ``__array__`` included; only ``KeyboardInterrupt`` passes, so
  that the stop button still works);
* :func:`numeric_array` turns an answer into a NumPy array of real numbers or
  says, in words, why it is not one (strings, objects, complex numbers);
* :func:`library_function` recognises convlib's and SciPy's own functions,
  and thin wrappers of them, handed in as the student's implementation.

The time limit uses ``SIGALRM`` when the checker runs in the main thread
(plain Python and a Jupyter kernel, whose cells run in the main thread), and
otherwise a watchdog thread that raises the time-out in the calling thread
between two bytecodes. In the main thread the watchdog runs too, as a backstop
that starts half a second after the alarm should have fired: an answer that
cancels the timer (``signal.setitimer(signal.ITIMER_REAL, 0)``,
``signal.alarm(0)``), replaces the SIGALRM handler or switches tracing off
still ends in a time-out (the watchdog re-arms the timer and raises the
time-out between bytecodes).

Nothing of the student's runs once the expected values exist: the answer is
converted to plain data (:func:`plain_answer`, or :func:`as_array`) and an
exception it raised is described (:attr:`Outcome.exc_text`) inside the timed
call, and messages show student objects with :func:`safe_repr`, which never
calls their code. So an answer cannot read the expected value from the
checker's frames, and a ``str`` or ``int`` subclass cannot record it.
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import linecache
import os
import signal
import sys
import threading
import time
import types
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

DEFAULT_TIME_LIMIT = 5.0
"""Seconds one call of a student's function may take (each checker may set its own)."""

_CONVLIB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
_REPEAT = 0.2  # after the first alarm, raise again every 0.2 s (a bare `except:` swallows one)
_OWN_FILES = {__file__, __import__("contextlib").__file__}


def exempt_from_time_limit(filename: str) -> None:
    """Let the code of ``filename`` run on after a time-out (for a wrapper of the grader's around the student's function).

    Once a call's time is up, :func:`time_limit` raises :class:`OutOfTime`
    again on every new line of Python outside this module (so that a bare
    ``except:`` in the student's loop cannot swallow it). A wrapper that must
    record where the student's code was stopped (the instructor's grader)
    puts its own file here, so that its ``except`` clause can run.

    Examples
    --------
    >>> from convlib.checks.calls import exempt_from_time_limit
    >>> exempt_from_time_limit(exempt_from_time_limit.__code__.co_filename)  # this module is exempt already
    """
    _OWN_FILES.add(filename)


class OutOfTime(BaseException):
    """Raised inside the student's code when its time is up (not an Exception: `except Exception` does not catch it)."""


_GRACE = (
    0.5  # in the main thread, the watchdog steps in this long after the alarm should have fired
)


@contextmanager
def time_limit(seconds: Optional[float]):
    """Raise :class:`OutOfTime` in the running code once ``seconds`` have passed (None: no limit)."""
    if seconds is None:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _watchdog(seconds + _GRACE, rearm=True), _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


def _settle(cleanup: Callable) -> None:
    """Run ``cleanup`` to the end even if a late time-out lands in the middle of it (it is idempotent)."""
    for _ in range(100):
        try:
            cleanup()
            return
        except OutOfTime:
            continue
    cleanup()


@contextmanager
def _alarm(seconds: float):
    armed = [True]

    def raise_on_every_line(frame, event, arg):
        # once the time is up, every line of the student's code raises again, so that a bare
        # `except:` around the loop cannot keep it going (the next raise comes from inside the handler)
        if armed[0] and event == "line" and frame.f_code.co_filename not in _OWN_FILES:
            raise OutOfTime  # (raising on the "exception" event would switch tracing off)
        return raise_on_every_line if armed[0] else None

    def on_alarm(signum, frame):
        if not armed[0]:
            return
        sys.settrace(raise_on_every_line)
        while frame is not None and frame.f_code.co_filename not in _OWN_FILES:
            frame.f_trace = raise_on_every_line
            frame = frame.f_back
        raise OutOfTime

    previous_trace = sys.gettrace()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    start = time.monotonic()

    def restore():
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        sys.settrace(previous_trace)

    try:
        yield
    finally:
        _settle(restore)
        if previous_timer[0] > 0:  # somebody else's alarm was running: give it back what is left
            left = max(previous_timer[0] - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_timer[1])


@contextmanager
def _watchdog(seconds: float, rearm: bool = False):
    """Post :class:`OutOfTime` to this thread every 0.2 s from ``seconds`` on, until the block ends.

    With ``rearm`` (the backstop of the main thread's alarm) it also restarts the
    interval timer, which a student may have cancelled: with the handler still
    in place, that interrupts a ``time.sleep`` as well.
    """
    target = threading.get_ident()
    done = threading.Event()
    lock = threading.Lock()  # no time-out is posted once the block has ended
    posted = [False]

    def watch():
        if done.wait(seconds):
            return
        while True:
            with lock:
                if done.is_set():
                    return
                if rearm:
                    try:
                        signal.setitimer(signal.ITIMER_REAL, 1e-3, _REPEAT)
                    except Exception:  # noqa: BLE001 - best effort; the posted time-out follows anyway
                        pass
                posted[0] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(OutOfTime)
                )
            done.wait(_REPEAT)

    watcher = threading.Thread(target=watch, name="convlib-check-time-limit", daemon=True)
    watcher.start()

    def stop():
        with lock:
            done.set()
        watcher.join()

    try:
        yield
    finally:
        _settle(stop)
        if posted[0]:
            # a time-out posted just before the end is still pending: let it land here, not in the caller
            # (clearing it with SetAsyncExc(..., NULL) would stall signal handling in CPython 3.11)
            try:
                deadline = time.monotonic() + 0.05
                while time.monotonic() < deadline:
                    pass
            except OutOfTime:
                pass


@dataclass
class Outcome:
    """What one call of the student's code did: its (converted) value, or the exception, or a time-out."""

    value: Any = None
    exc: Optional[BaseException] = None
    timed_out: bool = False
    seconds: float = 0.0
    exc_text: str = ""  # describe_exception(exc), made while nothing else existed yet


def call_student(
    fn: Callable, args: tuple, seconds: Optional[float], convert: Optional[Callable] = None
) -> Outcome:
    """Call ``fn(*args)`` (and ``convert`` on its result) under a time limit; never raises, except KeyboardInterrupt."""
    __tracebackhide__ = True
    start = time.monotonic()
    outcome = Outcome()
    try:
        with time_limit(seconds), np.errstate(all="ignore"):
            value = fn(*args)
            outcome.value = value if convert is None or value is None else convert(value)
    except OutOfTime:
        outcome.timed_out = True
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit, a failing __array__, anything
        outcome.exc = exc
    if outcome.exc is not None and not outcome.timed_out:
        outcome.exc_text = _describe_in_time(outcome.exc)
    outcome.seconds = time.monotonic() - start
    if seconds is not None and outcome.seconds > seconds and outcome.exc is not None:
        outcome.timed_out = True  # it swallowed the time-out and failed afterwards
    return outcome


_DTYPE_WORDS = {
    "U": "strings",
    "S": "bytes",
    "O": "Python objects",
    "c": "complex numbers",
    "M": "dates",
    "m": "time spans",
    "V": "raw records",
}


def dtype_problem(arr: np.ndarray) -> str:
    """Empty for real numbers (bool, int, float); otherwise the dtype in words, e.g. ``'dtype <U4 (strings)'``."""
    if arr.dtype.kind in "biuf":
        return ""
    return f"dtype {arr.dtype} ({_DTYPE_WORDS.get(arr.dtype.kind, 'not numbers')})"


def as_array(value) -> np.ndarray:
    """``np.asarray(value)``, with ragged nested lists reported as the object arrays they are."""
    try:
        return np.asarray(value)
    except ValueError:
        if isinstance(value, (list, tuple)):  # ragged: numpy refuses to guess
            return np.asarray(value, dtype=object)
        raise


def numeric_array(value, seconds: Optional[float] = DEFAULT_TIME_LIMIT):
    """``(float array, "")`` for an array of real numbers, else ``(None, what is wrong in words)``."""
    kind = iterator_kind(value)
    if kind:
        return (
            None,
            f"it is {kind}, which only yields its items when something loops over it (build the array: np.array([...]))",
        )
    outcome = call_student(as_array, (value,), seconds)
    if outcome.timed_out:
        return None, f"turning it into an array took longer than {seconds:g} s"
    if outcome.exc is not None:
        return None, f"turning it into an array raised {outcome.exc_text}"
    problem = dtype_problem(outcome.value)
    if problem:
        return None, f"it holds {problem}, not real numbers"
    return outcome.value.astype(float), ""


def describe_exception(exc: BaseException) -> str:
    """``'ValueError: message (line 4 of my_corr2d: Y[i, j] = ...)'``: the type, message and the student's line.

    A message that cannot be turned into text (its ``__str__`` raises) or is
    very long is shortened; the student's own exception classes are named
    but their ``__str__`` is not called once the checker has its expected
    values (see :func:`call_student`, which describes the exception at once).
    """
    try:
        message = str(exc)
    except Exception as inner:  # noqa: BLE001 - a student's exception with a broken __str__
        message = f"<its message could not be shown: {type(inner).__name__}>"
    if not isinstance(message, str):
        message = ""
    message = " ".join(message.split())
    if len(message) > 300:
        message = message[:300] + "..."
    text = f"{type(exc).__name__}: {message}".rstrip(": ")
    where = student_line(exc)
    return f"{text} ({where})" if where else text


def _describe_in_time(exc: BaseException, seconds: float = 1.0) -> str:
    text = [f"{type(exc).__name__} (its message could not be shown within {seconds:g} s)"]

    def describe():
        text[0] = describe_exception(exc)

    try:
        with time_limit(seconds):
            describe()
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - OutOfTime or anything the student's __str__ raises
        pass
    return text[0]


# ---------------------------------------------------------------------------
# student values as plain data, and shown without running their code

_MAX_ITEMS = 64  # a returned tuple or list longer than this is not inspected item by item
_NUMPY_SCALARS = (np.bool_, np.integer, np.floating, np.complexfloating, np.str_, np.bytes_)


class Foreign:
    """Stands for an answer of the student's own type (or an iterator) once it is turned into plain data.

    Checkers treat it as "not a number"; it prints as ``a <type> object``.
    """

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return self.what


def iterator_kind(value) -> str:
    """``'a generator'``, ``'an iterator (itertools.repeat)'`` ... for a lazy value that only yields its items; else ``''``."""
    if isinstance(value, types.GeneratorType):
        return "a generator"
    if isinstance(value, (np.ndarray, str, bytes, list, tuple, dict)):
        return ""
    cls = type(value)
    if hasattr(cls, "__next__") and hasattr(cls, "__iter__"):
        module = getattr(cls, "__module__", "") or ""
        name = cls.__qualname__ if module in ("builtins", "") else f"{module}.{cls.__qualname__}"
        return f"an iterator ({name})"
    return ""


def plain_answer(value, depth: int = 2):
    """``value`` as plain data that runs no student code when compared or printed.

    Exact ``int``, ``float``, ``complex``, ``bool``, ``str``, ``bytes``, NumPy
    scalars and arrays stay what they are; subclasses of the built-in types
    become the built-in value (``int.__int__``, ``str.__str__``: their own
    methods are not called); short tuples and lists are converted item by
    item; anything else (a class of the student's, a generator) becomes a
    :class:`Foreign` placeholder.
    """
    cls = type(value)
    if value is None or value is Ellipsis or cls in (int, float, complex, bool, str, bytes):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, complex):
        return complex(complex.real.__get__(value), complex.imag.__get__(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return bytes(memoryview(value))
    if isinstance(value, _NUMPY_SCALARS):
        return np.asarray(value)[()]
    if isinstance(value, np.ndarray):
        return np.array(value, subok=False)
    if isinstance(value, (tuple, list)) and depth > 0:
        n = list.__len__(value) if isinstance(value, list) else tuple.__len__(value)
        if n > _MAX_ITEMS:
            return Foreign(f"a {'list' if isinstance(value, list) else 'tuple'} of {n} items")
        items = [
            plain_answer(v, depth - 1)
            for v in (list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))
        ]
        return items if isinstance(value, list) else tuple(items)
    kind = iterator_kind(value)
    if kind:
        return Foreign(kind)
    if cls.__module__ in ("fractions", "decimal") and cls.__name__ in ("Fraction", "Decimal"):
        return value
    return Foreign(f"a {cls.__name__} object")


def safe_repr(value, limit: int = 200) -> str:
    """``repr(value)`` for plain data, shortened to ``limit`` characters; never runs the student's code.

    A huge int is described by its number of digits (``repr(10**5000)``
    raises on Python 3.11+), anything else that is not plain data is named
    by its type (``a MyAnswer object``).
    """
    cls = type(value)
    if isinstance(value, Foreign):
        return value.what
    if (
        cls is int and value.bit_length() > 12_000
    ):  # str() of more than 4300 digits raises on Python 3.11+
        return f"an integer with about {int(value.bit_length() * 0.30103) + 1} digits"
    if cls is int and value.bit_length() > 3 * limit:
        digits = str(abs(value))
        return (
            f"{'-' if value < 0 else ''}{digits[:limit]}... (an integer with {len(digits)} digits)"
        )
    if cls is np.ndarray:
        if value.dtype == object:
            return f"an array of Python objects, shape {value.shape}"
        text = np.array2string(value, threshold=60, max_line_width=100, precision=4)
    elif (
        cls in (int, float, complex, bool, str, bytes, type(None), type(Ellipsis))
        or isinstance(value, _NUMPY_SCALARS)
        and cls.__module__ == "numpy"
    ):
        text = repr(value)
    elif cls in (tuple, list) and len(value) <= _MAX_ITEMS:
        inner = ", ".join(safe_repr(v, limit) for v in value)
        text = f"({inner}{',' if len(value) == 1 else ''})" if cls is tuple else f"[{inner}]"
    else:
        return f"a {cls.__name__} object"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def student_line(exc: BaseException) -> str:
    """Where in the student's code ``exc`` was raised: the deepest frame outside convlib, NumPy and the standard library."""
    found = ""
    tb = exc.__traceback__
    stdlib = os.path.dirname(os.path.abspath(os.__file__))
    while tb is not None:
        code = tb.tb_frame.f_code
        path = os.path.abspath(code.co_filename)
        if not (path.startswith((_CONVLIB_DIR, _NUMPY_DIR, stdlib)) or "site-packages" in path):
            line = linecache.getline(code.co_filename, tb.tb_lineno, tb.tb_frame.f_globals).strip()
            found = f"line {tb.tb_lineno} of {code.co_name}" + (f": {line}" if line else "")
        tb = tb.tb_next
    return found


# ---------------------------------------------------------------------------
# convlib's and SciPy's functions handed in as the student's own


def unwrap(fn):
    """The function behind ``functools.partial``, bound methods and ``__wrapped__`` (at most 10 layers).

    Examples
    --------
    >>> import functools
    >>> from convlib.checks.calls import unwrap
    >>> unwrap(functools.partial(divmod, 7)) is divmod
    True
    """
    for _ in range(10):
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif getattr(fn, "__wrapped__", None) is not None:
            fn = fn.__wrapped__
        else:
            break
    return fn


def _library_name(obj) -> str:
    """``'convlib.corr2d'`` or ``'scipy.signal.correlate2d'`` if ``obj`` is one of their functions, else ``''``."""
    import convlib

    obj = unwrap(obj)
    if not callable(obj) or isinstance(obj, type):
        return ""
    for name in getattr(convlib, "__all__", ()):
        public = getattr(convlib, name, None)
        if public is obj:
            return f"convlib.{name}"
        if isinstance(public, type) and any(unwrap(v) is obj for v in vars(public).values()):
            return f"convlib.{name}.{getattr(obj, '__name__', '?')}"
    module = getattr(obj, "__module__", None) or ""
    if module == "scipy" or module.startswith("scipy."):
        return f"{module.split('._')[0]}.{getattr(obj, '__name__', '?')}"
    return ""


def referenced(fn):
    """Objects that ``fn``'s code (and the functions nested in it) refers to by name: globals, closures, defaults.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.calls import referenced
    >>> np.pad in referenced(lambda X, p: np.pad(X, p))
    True
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    scope = dict(getattr(fn, "__globals__", {}) or {})
    objects = [
        c.cell_contents for c in (getattr(fn, "__closure__", None) or ()) if _has_contents(c)
    ]
    objects += list(getattr(fn, "__defaults__", None) or ())
    stack, names = [code], set()
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if inspect.iscode(k))
    modules = []
    for name in names:
        if name in scope:
            objects.append(scope[name])
            if inspect.ismodule(scope[name]):
                modules.append(scope[name])
    # attribute access through a module: `convlib.corr2d`, `signal.correlate2d`, `scipy.signal.correlate2d`
    for module in modules:
        for name in names:
            value = getattr(module, name, None)
            objects.append(value)
            if inspect.ismodule(value):
                objects.extend(getattr(value, n, None) for n in names)
    return objects


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def library_function(fn, forbidden=()) -> str:
    """The library function behind ``fn``, or ``''``.

    ``fn`` itself is refused when it is any public convlib function or any
    SciPy function; a function of the student's is refused when its code
    calls SciPy or one of the convlib functions in ``forbidden`` (the ones
    that would answer the exercise on their own).
    """
    own = _library_name(fn)
    if own:
        return own
    forbidden = tuple(unwrap(f) for f in forbidden)
    for obj in referenced(unwrap(fn)):
        name = _library_name(obj) if callable(obj) else ""
        if name.startswith("scipy") or (name and any(unwrap(obj) is f for f in forbidden)):
            return name
    return ""
