"""The program that runs INSIDE the sandbox: one student's chapter, then the hidden calls.

Started by :mod:`grading.sandbox` as ``python -I _harness.py JOB.json`` with
two file descriptors from the grader (named in the job): the result and the
progress lines.
It knows no seed and no other student; it only moves plain data. It

1. runs the submitted code cells in order in one IPython shell
   (:class:`studentnb.cells.ShellCells`, the loop ``make check-student``
   shares; a cell that
   raises does not stop the next; each cell gets ``cell_timeout`` seconds,
   then an exception is raised in it every second); after each cell it
   writes one JSON line to fd 4 (the grader kills the sandbox and reruns
   without a cell that does not end);
2. kills every other process of the sandbox, forks a single-threaded child
   and turns itself into a plain waiter (``exec``: the student's threads
   die). The child puts back the module attributes the student's cells
   replaced (numpy, convlib, json, ...), asks the practice checker whether
   the function is a library one (the checker runs until it reaches the
   engine's ``grading_hook``, which every refusal precedes), makes the
   forbidden library functions raise if anything calls
   them (so aliases, ``importlib`` and ``getattr`` are caught too), calls
   the function on the hidden cases under the practice time limit
   (``call_student``) and writes the plain-data result to fd 3 at offset 0
   as its very last act.

The grader trusts none of it: it validates the result against a schema and
judges it with convlib's reference in its own process.
"""

import json
import os
import signal
import sys
import time

RESULT_FD, PROGRESS_FD = 3, 4  # the job names the real numbers
MAGIC = b"CONVLAYER-GRADING-RESULT\n"
OUTPUT_CAP = 1 << 20  # bytes of printed output kept in memory per run (the rest is dropped)

# taken before any student code runs (the student may rebind the module attributes later)
_write, _pwrite, _fork, _kill, _getpid, _exit, _dumps = (
    os.write,
    os.pwrite,
    os.fork,
    os.kill,
    os.getpid,
    os._exit,
    json.dumps,
)
# arrays of all answers together; larger answers cross as a short description
MAX_ARRAY_BYTES = 48 << 20


class CappedSink:
    """A text stream that keeps at most ``cap`` bytes and drops the rest (printing 1 GB costs nothing)."""

    def __init__(self, cap=OUTPUT_CAP):
        self.cap, self.size, self.parts = cap, 0, []

    def write(self, text):
        text = str(text)
        if self.size < self.cap:
            self.parts.append(text[: self.cap - self.size])
        self.size += len(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def event(**fields):
    line = (_dumps(fields, ensure_ascii=True)[:4000] + "\n").encode()
    try:
        _write(PROGRESS_FD, line)
    except OSError:
        pass


def run_cells(shell, cells, timeout):
    """The submitted cells in ``shell``, one by one (:mod:`studentnb.cells`); a progress line before and after each."""
    from convlib.checks.calls import student_line
    from studentnb.cells import ShellCells
    from studentnb.cells import run_cells as run_each

    execute = ShellCells(shell, timeout, where=lambda exc: student_line(exc)[:300])

    def start(index, source):
        event(start=index)

    def end(outcome):
        if (
            _getpid() != MAIN_PID
        ):  # a copy left by os.fork() in a cell: it must not go on as the harness
            _exit(0)
        if outcome.timed_out:
            event(end=outcome.index, timeout=True, line=outcome.where)
        elif (
            outcome.lineno is not None
        ):  # a SyntaxError: the line within the cell (the grader quotes it from its own copy)
            event(
                end=outcome.index,
                error=outcome.error[:80],
                message=outcome.message[:300],
                lineno=outcome.lineno,
            )
        elif outcome.error:
            event(
                end=outcome.index,
                error=outcome.error[:80],
                message=outcome.message[:300],
                line=outcome.where,
            )
        else:
            event(end=outcome.index)

    run_each(cells, execute, before=start, after=end)


def others():
    """Processes of this sandbox other than its init (pid 1), this process and its parent."""
    mine = {1, _getpid(), os.getppid()}
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in mine:
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                        pids.append(int(name))
            except (OSError, IndexError):
                continue
    return pids


def kill_others():
    for _ in range(50):
        pids = others()
        if not pids:
            break
        for pid in pids:
            try:
                _kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.02)


# ---------------------------------------------------------------------------
# the hidden calls (in the forked child)

GUARDED = (
    "builtins",
    "os",
    "io",
    "signal",
    "inspect",
    "functools",
    "types",
    "contextlib",
    "linecache",
    "zipfile",
    "select",
)
GUARDED_PACKAGES = ("numpy", "json", "convlib", "scipy")


def snapshot():
    """Module attributes to put back before the hidden calls: the standard modules used here, numpy, convlib, SciPy."""
    mods = [
        m
        for n, m in list(sys.modules.items())
        if m is not None and (n in GUARDED or n.split(".")[0] in GUARDED_PACKAGES)
    ]
    return [(m, dict(vars(m))) for m in mods]


def restore(saved):
    for module, attrs in saved:
        current = vars(module)
        for key, value in attrs.items():
            if current.get(key, restore) is not value:
                current[key] = value


def _trip(*args, _grading_tripped=None, _grading_name="", **kwargs):
    _grading_tripped.append(_grading_name)
    raise LookupError("library function called")


CONVLIB_CORRELATIONS = (
    "corr2d",
    "corr2d_naive",
    "conv2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
)
SCIPY_CORRELATIONS = {
    "scipy.signal": (
        "correlate",
        "correlate2d",
        "convolve",
        "convolve2d",
        "fftconvolve",
        "oaconvolve",
    ),
    "scipy.ndimage": ("correlate", "convolve", "correlate1d", "convolve1d"),
}


class SciPyTrap:
    """SciPy's correlation functions made to raise (and be recorded) whenever anything calls them.

    SciPy is forbidden in every exercise. Its modules are trapped at once if
    loaded (the child loads them when a cell mentions SciPy); importing them
    during a hidden call counts as calling them (an import hook; loading
    SciPy for every student would cost a second each).
    """

    def __init__(self, preload: bool):
        self.hits, self.functions, self.armed = [], {}, False
        for name in SCIPY_CORRELATIONS:
            if preload and name not in sys.modules:
                try:
                    __import__(name)
                except ImportError:
                    continue
            if name in sys.modules:
                self.trap(sys.modules[name])
        sys.meta_path.insert(0, self)

    def trap(self, module):
        for n in SCIPY_CORRELATIONS.get(module.__name__, ()):
            f = getattr(module, n, None)
            if (
                f is not None
                and hasattr(f, "__code__")
                and not f.__code__.co_freevars
                and f.__code__ is not _trip.__code__
            ):
                self.functions[f"{module.__name__}.{n}"] = f
                f.__code__, f.__kwdefaults__ = (
                    _trip.__code__,
                    {"_grading_tripped": self.hits, "_grading_name": f"{module.__name__}.{n}"},
                )

    def find_spec(self, fullname, path=None, target=None):
        if self.armed and fullname in SCIPY_CORRELATIONS:
            stand_in = type(lambda: None)(_trip.__code__, {})
            stand_in.__module__, stand_in.__name__ = fullname, "*"
            self.functions[fullname] = stand_in
            self.hits.append(fullname)
            raise ImportError(f"{fullname} is not available while your function is graded")
        return None


def refusal(checker, fn):
    """(message, forbidden, title) from the practice checker: its refusal text if ``fn`` is or only calls a library function.

    The checker runs up to its grading hook, which every refusal precedes:
    the hook records the check's title and forbidden functions and stops it
    before any case runs.
    """
    from convlib import checks
    from convlib.checks.engine import grading_hook

    class Stop(BaseException):
        pass

    seen = {}

    def stop(spec):
        seen.update(title=spec.title, forbidden=tuple(spec.forbidden))
        raise Stop

    with grading_hook(stop):
        try:
            getattr(checks, checker)(fn)
        except Stop:
            pass
        except AssertionError as e:
            return str(e)[:2000], seen.get("forbidden", ()), seen.get("title", checker)
    return "", seen.get("forbidden", ()), seen.get("title", checker)


def encoder(arrays_out):
    import numpy

    budget = [MAX_ARRAY_BYTES]

    def encode(v, depth=0):
        if isinstance(v, numpy.generic):
            v = v.item() if v.dtype.kind in "biufc" else v
        if type(v) is numpy.ndarray and v.dtype.kind in "biuf":
            if v.nbytes > budget[0]:
                return {"repr": f"<array of shape {v.shape[:8]}: too large to send back>"[:300]}
            budget[0] -= v.nbytes
            key = f"a{len(arrays_out)}"
            arrays_out[key] = numpy.array(v, copy=True)
            return {"npy": key}
        if v is None or type(v) in (bool, int, float, str):
            if type(v) is int and abs(v) > 10**300:
                return {"repr": "<a huge integer>"}
            if type(v) is str:
                return {"py": v[:2000]}
            return {"py": v}
        if v is Ellipsis:
            return {"ellipsis": True}
        if depth < 4 and type(v) in (list, tuple) and len(v) <= 10000:
            return {"list" if type(v) is list else "tuple": [encode(x, depth + 1) for x in v]}
        if depth < 4 and type(v) is dict and len(v) <= 1000 and all(type(k) is str for k in v):
            return {"dict": {k[:200]: encode(x, depth + 1) for k, x in v.items()}}
        try:
            text = repr(v)[:300]
        except BaseException:  # noqa: BLE001 - any object, any failure
            text = f"<{type(v).__name__} object>"
        return {"repr": str(text)[:300]}

    return encode


def exchange(job, user):
    """The reports of every exercise of the job (runs in the forked child)."""
    import numpy

    import convlib
    from convlib.checks.calls import (
        OutOfTime,
        call_student,
        describe_exception,
        exempt_from_time_limit,
        student_line,
    )
    from convlib.checks.engine import require_callable

    library = {f"convlib.{n}": getattr(convlib, n) for n in CONVLIB_CORRELATIONS}
    scipy_trap = SciPyTrap(job.get("scipy", False))
    arrays_in = dict(numpy.load(job["arrays"], allow_pickle=False)) if job.get("arrays") else {}
    arrays_out, reports = {}, {}
    encode = encoder(arrays_out)
    for ex in job["exercises"]:
        event(exchange=ex["label"])
        report = reports[ex["label"]] = {}
        if ex["kind"] == "values":
            report["values"] = [
                encode(user[n]) if n in user else {"missing": True} for n in ex["names"]
            ]
            continue
        name = ex["names"][0]
        fn = user.get(name)
        if not callable(fn):
            report["not_callable"] = (
                {"missing": True} if name not in user else {"repr": type(fn).__name__}
            )
            continue
        try:
            message, forbidden, title = refusal(ex["checker"], fn)
        except BaseException as e:  # noqa: BLE001 - the student's object broke the check itself
            message, forbidden, title = (
                f"{ex['checker']}: the function could not be inspected ({type(e).__name__})",
                (),
                ex["checker"],
            )
        if message:
            report["refused"] = message
            continue
        trapped = {n: f for n, f in library.items() if any(f is g for g in forbidden)}
        saved = {n: (f.__code__, f.__kwdefaults__) for n, f in trapped.items()}
        hits = scipy_trap.hits
        hits.clear()
        outcomes = []
        where = []

        def traced(*args, fn=fn):
            try:
                return fn(*args)
            except OutOfTime as e:
                # nothing that calls Python here: the time limit raises in every new frame
                where.append(e.__traceback__)
                raise

        # the time limit's "raise on every line" spares this frame
        exempt_from_time_limit(traced.__code__.co_filename)

        try:
            for n, f in trapped.items():
                f.__code__, f.__kwdefaults__ = (
                    _trip.__code__,
                    {"_grading_tripped": hits, "_grading_name": n},
                )
            for case in ex["cases"]:
                if outcomes and (outcomes[-1].get("timeout") or outcomes[-1].get("skipped")):
                    outcomes.append({"skipped": True})
                    continue
                args = [arrays_in[a["npy"]].copy() if "npy" in a else a["py"] for a in case]
                before = [a.copy() if isinstance(a, numpy.ndarray) else None for a in args]
                out = {}
                with open(os.devnull, "w") as quiet:
                    sys.stdout = sys.stderr = quiet
                    scipy_trap.armed = True
                    try:
                        o = call_student(traced, tuple(args), job["call_timeout"])
                    finally:
                        scipy_trap.armed = False
                        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
                if o.timed_out:
                    out["timeout"] = True
                    if where:
                        stopped = OutOfTime()
                        stopped.__traceback__ = where[-1]
                        out["line"] = student_line(stopped)[:300]
                elif o.exc is not None:
                    # the message with the student's own line: "msg (line 4 of my_corr2d: ...)"
                    tname, text = type(o.exc).__name__[:80], describe_exception(o.exc)
                    text = (
                        text[len(tname) + 2 :]
                        if text.startswith(tname + ": ")
                        else text[len(tname) :].strip()
                    )
                    out["error"] = [tname, text[:500]]
                else:
                    out["value"] = encode(o.value)
                changed = {
                    str(i): encode(a)
                    for i, (a, b) in enumerate(zip(args, before))
                    if b is not None
                    and not (
                        isinstance(a, numpy.ndarray)
                        and a.shape == b.shape
                        and numpy.array_equal(a, b, equal_nan=True)
                    )
                }
                if changed:
                    out["mutated"] = changed
                outcomes.append(out)
                if hits:
                    break
        finally:
            for n, f in trapped.items():
                f.__code__, f.__kwdefaults__ = saved[n]
        called = [
            n for n in hits if isinstance(n, str) and n in {**trapped, **scipy_trap.functions}
        ]
        if called:
            # the practice checker's own refusal, for the library function that was called
            try:
                require_callable({**trapped, **scipy_trap.functions}[called[0]], title)
                report["refused"] = f"{title}: Hint [library function]: this calls {called[0]}"
            except AssertionError as e:
                report["refused"] = str(e)[:2000]
            continue
        report["outcomes"] = outcomes
    return reports, arrays_out


def child(job, user, saved, gate):
    """The hidden calls, in a process of one thread; writes the result to fd 3 last, then exits."""
    code = 0
    try:
        sys.settrace(None)
        sys.setprofile(None)
        import gc
        import threading

        threading.settrace(None)
        threading.setprofile(None)
        gc.disable()
        for sig in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        restore(saved)
        import select

        # until the parent has replaced itself (its threads are gone)
        select.select([gate], [], [], 2.0)
        reports, arrays = exchange(job, user)
        import io

        import numpy

        buf = io.BytesIO()
        numpy.savez(buf, **arrays)
        body = json.dumps({"reports": reports}, ensure_ascii=True, allow_nan=True).encode()
        blob = buf.getvalue()
        data = MAGIC + b"%d %d\n" % (len(body), len(blob)) + body + blob
    except BaseException as e:  # noqa: BLE001
        body = json.dumps({"harness_error": f"{type(e).__name__}: {str(e)[:300]}"}).encode()
        data, code = MAGIC + b"%d 0\n" % len(body) + body, 1
    if job["sandboxed"]:
        kill_others()
    try:
        _pwrite(RESULT_FD, data, 0)
    finally:
        _exit(code)


MAIN_PID = _getpid()
# the harness after the cells: waits for the child, reports the CPU time of the whole run (cells before the exec, and the child)
WAITER = """import os, resource, sys
_, status = os.waitpid(int(sys.argv[1]), 0)
cpu = sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
try:
    os.write(int(sys.argv[2]), b'{"cpu": %.3f}\\n' % cpu)
except OSError:
    pass
os._exit(os.waitstatus_to_exitcode(status) & 255)
"""


def main(job_path):
    global RESULT_FD, PROGRESS_FD
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    RESULT_FD, PROGRESS_FD = job["result_fd"], job["progress_fd"]
    sink = CappedSink()
    sys.stdout = sys.stderr = sink
    # a file past the size limit fails with an error, not a kill
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.chdir(job["work"])
    import numpy  # noqa: F401 - loaded (and snapshotted) before the student's code runs
    from IPython.core.interactiveshell import InteractiveShell

    import convlib.checks  # noqa: F401

    shell = InteractiveShell.instance(colors="NoColor")
    shell.displayhook.flush = lambda: None
    saved = snapshot()
    run_cells(shell, job["cells"], job["cell_timeout"])
    event(phase="exchange")
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if job["sandboxed"]:  # in its own PID namespace: every other process is the student's
        kill_others()
    user = shell.user_ns
    # the write end closes when this process execs: the child's signal to go on
    gate, opened = os.pipe()
    pid = _fork()
    if pid == 0:
        os.close(opened)
        child(job, user, saved, gate)
    # the waiter: exec ends every thread the student's cells started
    os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", WAITER, str(pid), str(PROGRESS_FD)])


if __name__ == "__main__":
    main(sys.argv[1])
