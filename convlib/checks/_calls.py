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
between two bytecodes.
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


class OutOfTime(BaseException):
    """Raised inside the student's code when its time is up (not an Exception: `except Exception` does not catch it)."""


@contextmanager
def time_limit(seconds: Optional[float]):
    """Raise :class:`OutOfTime` in the running code once ``seconds`` have passed (None: no limit)."""
    if seconds is None:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


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
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        sys.settrace(previous_trace)
        if previous_timer[0] > 0:  # somebody else's alarm was running: give it back what is left
            left = max(previous_timer[0] - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_timer[1])


@contextmanager
def _watchdog(seconds: float):
    target = threading.get_ident()
    done = threading.Event()
    lock = threading.Lock()  # no time-out is posted once the block has ended

    def watch():
        if done.wait(seconds):
            return
        while True:
            with lock:
                if done.is_set():
                    return
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(OutOfTime))
            done.wait(_REPEAT)

    watcher = threading.Thread(target=watch, name="convlib-check-time-limit", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        with lock:
            done.set()
        watcher.join()
        # (clearing a pending time-out with SetAsyncExc(..., NULL) would stall signal handling in CPython 3.11;
        # one posted just before the end is raised within a few bytecodes, still inside call_student's try)


@dataclass
class Outcome:
    """What one call of the student's code did: its (converted) value, or the exception, or a time-out."""

    value: Any = None
    exc: Optional[BaseException] = None
    timed_out: bool = False
    seconds: float = 0.0


def call_student(fn: Callable, args: tuple, seconds: Optional[float], convert: Optional[Callable] = None) -> Outcome:
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
    outcome.seconds = time.monotonic() - start
    if seconds is not None and outcome.seconds > seconds and outcome.exc is not None:
        outcome.timed_out = True  # it swallowed the time-out and failed afterwards
    return outcome


_DTYPE_WORDS = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers", "M": "dates", "m": "time spans", "V": "raw records"}


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
    outcome = call_student(as_array, (value,), seconds)
    if outcome.timed_out:
        return None, f"turning it into an array took longer than {seconds:g} s"
    if outcome.exc is not None:
        return None, f"turning it into an array raised {describe_exception(outcome.exc)}"
    problem = dtype_problem(outcome.value)
    if problem:
        return None, f"it holds {problem}, not real numbers"
    return outcome.value.astype(float), ""


def describe_exception(exc: BaseException) -> str:
    """``'ValueError: message (line 4 of my_corr2d: Y[i, j] = ...)'``: the type, message and the student's line."""
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    where = student_line(exc)
    return f"{text} ({where})" if where else text


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


def _unwrap(fn):
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

    obj = _unwrap(obj)
    if not callable(obj) or isinstance(obj, type):
        return ""
    for name in getattr(convlib, "__all__", ()):
        public = getattr(convlib, name, None)
        if public is obj:
            return f"convlib.{name}"
        if isinstance(public, type) and any(_unwrap(v) is obj for v in vars(public).values()):
            return f"convlib.{name}.{getattr(obj, '__name__', '?')}"
    module = getattr(obj, "__module__", None) or ""
    if module == "scipy" or module.startswith("scipy."):
        return f"{module.split('._')[0]}.{getattr(obj, '__name__', '?')}"
    return ""


def _referenced(fn):
    """Objects that ``fn``'s code (and the functions nested in it) refers to by name: globals, closures, defaults."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    scope = dict(getattr(fn, "__globals__", {}) or {})
    objects = [c.cell_contents for c in (getattr(fn, "__closure__", None) or ()) if _has_contents(c)]
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
    forbidden = tuple(_unwrap(f) for f in forbidden)
    for obj in _referenced(_unwrap(fn)):
        name = _library_name(obj) if callable(obj) else ""
        if name.startswith("scipy") or (name and any(_unwrap(obj) is f for f in forbidden)):
            return name
    return ""
