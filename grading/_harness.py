# Runs INSIDE the student's kernel (sent as the source of one cell, then called).
# It only moves plain data: inputs come from .npz/.json files, outputs leave as
# .npz (no pickle) and JSON. It judges nothing; whatever the student's code did
# to numpy or convlib in this kernel can only change what gets reported here,
# and the grader's process decides on that data.


def __grading_exchange__(request_path):
    import contextlib
    import json
    import os
    import signal
    import traceback

    import numpy

    class _GradingTimeout(BaseException):
        pass

    def alarm(signum, frame):
        raise _GradingTimeout

    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    arrays_in = dict(numpy.load(request["arrays_in"], allow_pickle=False)) if request.get("arrays_in") else {}
    arrays_out = {}

    def decode(x):
        if "npy" in x:
            return arrays_in[x["npy"]].copy()
        return x["py"]

    def encode(v, depth=0):
        if isinstance(v, numpy.generic):
            v = v.item() if v.dtype.kind in "biufc" else v
        if isinstance(v, numpy.ndarray) and v.dtype.kind in "biuf" and v.size <= 10**7:
            key = f"a{len(arrays_out)}"
            arrays_out[key] = v
            return {"npy": key}
        if v is None or isinstance(v, (bool, int, float, str)):
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**300:
                return {"repr": "<a huge integer>"}
            return {"py": v}
        if v is Ellipsis:
            return {"ellipsis": True}
        if depth < 4 and isinstance(v, (list, tuple)) and len(v) <= 10000:
            return {"list" if isinstance(v, list) else "tuple": [encode(x, depth + 1) for x in v]}
        if depth < 4 and isinstance(v, dict) and len(v) <= 1000 and all(isinstance(k, str) for k in v):
            return {"dict": {k: encode(x, depth + 1) for k, x in v.items()}}
        try:
            text = repr(v)[:300]
        except BaseException:
            text = f"<{type(v).__name__} object>"
        return {"repr": text}

    user = globals()
    report = {}
    if request["kind"] == "values":
        report["values"] = [encode(user[n]) if n in user else {"missing": True} for n in request["names"]]
    else:
        fn = user.get(request["names"][0])
        if not callable(fn):
            report["not_callable"] = encode(fn) if request["names"][0] in user else {"missing": True}
        else:
            outcomes = []
            previous = signal.signal(signal.SIGALRM, alarm)
            try:
                for case in request["cases"]:
                    if outcomes and outcomes[-1].get("timeout") or outcomes and outcomes[-1].get("skipped"):
                        outcomes.append({"skipped": True})
                        continue
                    args = [decode(a) for a in case]
                    before = [a.copy() if isinstance(a, numpy.ndarray) else None for a in args]
                    out = {}
                    try:
                        signal.setitimer(signal.ITIMER_REAL, request["call_timeout"])
                        try:  # whatever the function prints goes nowhere (not into the grader's memory)
                            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                                value = fn(*args)
                        finally:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                        out["value"] = encode(value)
                    except _GradingTimeout as e:
                        out["timeout"] = True
                        # the student's line that was running (the last frame outside this harness and the libraries)
                        frames = [f for f in traceback.extract_tb(e.__traceback__)
                                  if f.filename != __grading_exchange__.__code__.co_filename and "site-packages" not in f.filename]
                        if frames:
                            out["timeout_at"] = [frames[-1].lineno, (frames[-1].line or "")[:200]]
                    except BaseException as e:  # the student's code may raise anything, KeyboardInterrupt included
                        out["error"] = [type(e).__name__, str(e)[:500]]
                    changed = {}
                    for i, (a, b) in enumerate(zip(args, before)):
                        if b is not None and not (isinstance(a, numpy.ndarray) and a.shape == b.shape and numpy.array_equal(a, b, equal_nan=True)):
                            changed[str(i)] = encode(a)
                    if changed:
                        out["mutated"] = changed
                    outcomes.append(out)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            report["outcomes"] = outcomes
    numpy.savez(request["arrays_out"], **arrays_out)
    with open(request["result"], "w", encoding="utf-8") as f:
        json.dump(report, f)
