#!/usr/bin/env python
"""Speed report for convlib's cross-correlation against SciPy (and PyTorch, when installed).

Measures every case of issue 2's speed targets in one process and prints the
median times, their ratio, the target and PASS/MISS. It is a report, not a
test: it exits 0 whatever the numbers are, unless ``--check`` is given, in
which case it exits 1 when a target is missed.

    python benchmarks/bench_corr2d.py            # report
    python benchmarks/bench_corr2d.py --check    # exit 1 on a MISS

SciPy (a test-only dependency) and PyTorch are optional here: comparisons
against a missing library are reported as "skipped".

Environment: on some processors ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE``
are set on this project's machines; they change which OpenBLAS kernel NumPy
uses for matrix products (the multi-channel path). The header prints them and
the BLAS that NumPy runs, so that reports from different settings can be told
apart. Compare with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...``.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import statistics
import sys
import time

import numpy as np

import convlib

try:
    from scipy import signal
except ImportError:  # pragma: no cover - scipy is a test-only dependency
    signal = None

try:
    import torch
except ImportError:  # torch is optional and never a requirement of convlib
    torch = None


# ---------------------------------------------------------------------------
# environment report


def _openblas_via_ctypes():
    """Core name, threads and config of the OpenBLAS bundled with NumPy, without threadpoolctl."""
    import ctypes

    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "*openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        info = {"library": os.path.basename(path)}
        for key, suffixes in (("corename", ("get_corename",)), ("config", ("get_config",)), ("threads", ("get_num_threads",))):
            for prefix in ("scipy_openblas_", "openblas_"):
                for tail in ("64_", "_64_", ""):
                    fn = getattr(lib, f"{prefix}{suffixes[0]}{tail}", None)
                    if fn is None:
                        continue
                    fn.restype = ctypes.c_int if key == "threads" else ctypes.c_char_p
                    value = fn()
                    info[key] = value.decode() if isinstance(value, bytes) else value
                    break
                if key in info:
                    break
        return info
    return None


def environment_report() -> list[str]:
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, convlib {convlib.__version__}, "
        f"cores {os.cpu_count()}, cpu {platform.processor() or platform.machine()}",
    ]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append(f"  {var}={os.environ[var]!r}" if var in os.environ else f"  {var} not set")
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        lines.append(f"numpy BLAS (build): {blas.get('name')} {blas.get('version')}")
    except Exception:  # noqa: BLE001 - older NumPy
        pass
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"threadpoolctl: {pool.get('internal_api')} {pool.get('version')} "
                f"architecture={pool.get('architecture')} threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})"
            )
    except ImportError:
        info = _openblas_via_ctypes()
        if info:
            lines.append(
                f"OpenBLAS (threadpoolctl not installed, asked via ctypes): core={info.get('corename')} "
                f"threads={info.get('threads')} [{info.get('config', '').strip()}]"
            )
        else:
            lines.append("BLAS runtime: threadpoolctl not installed and no bundled OpenBLAS found; skipped")
    if signal is not None:
        import scipy

        lines.append(f"scipy {scipy.__version__}")
    else:
        lines.append("scipy not installed: SciPy comparisons skipped")
    if torch is not None:
        lines.append(f"torch {torch.__version__}, threads {torch.get_num_threads()}, inference mode")
    else:
        lines.append("torch not installed: PyTorch comparisons skipped")
    return lines


# ---------------------------------------------------------------------------
# timing


def median_time(fn, repeats: int, budget: float) -> tuple[float, int]:
    """Median wall time of ``fn()`` over ``repeats`` runs after one warm-up run.

    Slow baselines get fewer runs (at least 3) so that one of them takes at
    most about ``budget`` seconds.
    """
    t0 = time.perf_counter()
    fn()  # warm-up: caches, FFT plans, thread pools
    first = time.perf_counter() - t0
    n = max(3, min(repeats, int(budget / max(first, 1e-9))))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), n


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms"


# ---------------------------------------------------------------------------
# the cases of issue 2


def build_cases(rng):
    f32 = np.float32
    X = rng.standard_normal((1024, 1024)).astype(f32)
    K3 = rng.standard_normal((3, 3)).astype(f32)
    K15 = rng.standard_normal((15, 15)).astype(f32)
    RGB = rng.standard_normal((1024, 1024, 3)).astype(f32)
    V = rng.standard_normal((3, 3, 3, 16)).astype(f32)
    S = rng.standard_normal((256, 256)).astype(f32)

    def torch_single(X, K):
        tX = torch.from_numpy(X)[None, None]
        tK = torch.from_numpy(np.ascontiguousarray(K))[None, None]
        return lambda: torch.nn.functional.conv2d(tX, tK).numpy()[0, 0]

    def torch_multi(X, V):
        tX = torch.from_numpy(convlib.image_to_nchw(X))
        tK = torch.from_numpy(convlib.kernel_to_oihw(V))
        return lambda: convlib.image_from_nchw(torch.nn.functional.conv2d(tX, tK).numpy())[0]

    def scipy_channel_loop(X, V):
        def run():
            h, w, c_in, c_out = V.shape
            out = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1, c_out), dtype=X.dtype)
            for k in range(c_out):
                for c in range(c_in):
                    out[..., k] += signal.correlate2d(X[..., c], V[:, :, c, k], "valid")
            return out

        return run

    cases = []
    # (title, convlib callable, [(baseline name, factory or None, target ratio or None)], absolute target in s or None)
    cases.append(
        (
            "corr2d 1024x1024, 3x3, float32",
            lambda: convlib.corr2d(X, K3),
            [
                ("scipy.signal.correlate2d", (lambda: (lambda: signal.correlate2d(X, K3, "valid"))) if signal else None, 0.2),
                ("torch conv2d", (lambda: torch_single(X, K3)) if torch else None, 1.0),
            ],
            None,
        )
    )
    cases.append(
        (
            "corr2d 1024x1024, 15x15, float32",
            lambda: convlib.corr2d(X, K15),
            [
                ("scipy.signal.correlate2d", (lambda: (lambda: signal.correlate2d(X, K15, "valid"))) if signal else None, 0.1),
                ("torch conv2d (info)", (lambda: torch_single(X, K15)) if torch else None, None),
            ],
            None,
        )
    )
    cases.append(
        (
            "corr2d_multi_in_out RGB 1024x1024x3 -> 16 channels, 3x3, float32",
            lambda: convlib.corr2d_multi_in_out(RGB, V),
            [
                ("loop of correlate2d over channels", (lambda: scipy_channel_loop(RGB, V)) if signal else None, 0.05),
                ("torch conv2d", (lambda: torch_multi(RGB, V)) if torch else None, 1.0),
            ],
            None,
        )
    )
    cases.append(
        (
            "corr2d 256x256, 3x3, float32 (one slider step)",
            lambda: convlib.corr2d(S, K3),
            [("scipy.signal.correlate2d (info)", (lambda: (lambda: signal.correlate2d(S, K3, "valid"))) if signal else None, None)],
            1e-3,
        )
    )
    return cases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--repeats", type=int, default=11, help="timed runs per measurement (default 11)")
    parser.add_argument("--budget", type=float, default=6.0, help="seconds allowed per slow baseline (default 6)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
    print("convlib cross-correlation benchmark (median wall time, time.perf_counter)")
    for line in environment_report():
        print("  " + line)
    print()

    misses = []
    context = torch.inference_mode() if torch is not None else _null_context()
    with context:
        for title, ours, baselines, absolute in build_cases(np.random.default_rng(args.seed)):
            print(title)
            t_ours, n = median_time(ours, args.repeats, args.budget)
            print(f"  convlib                              {_fmt(t_ours)}  (n={n})")
            result = ours()
            for name, factory, target in baselines:
                if factory is None:
                    print(f"  {name:<36} skipped (not installed)")
                    if target is not None:
                        print(f"    target <= {target}x: not measured")
                    continue
                fn = factory()
                t_base, n = median_time(fn, args.repeats, args.budget)
                ratio = t_ours / t_base
                reference = fn()
                scale = float(np.abs(reference).max()) or 1.0
                agree = np.allclose(result, reference, rtol=0, atol=1e-4 * scale)
                line = f"  {name:<36} {_fmt(t_base)}  (n={n})  ratio {ratio:6.3f}x"
                if target is not None:
                    verdict = "PASS" if ratio <= target else "MISS"
                    line += f"  target <= {target}x  {verdict}"
                    if verdict == "MISS":
                        misses.append(f"{title}: {ratio:.3f}x {name} (target {target}x)")
                if not agree:
                    line += "  RESULTS DIFFER"
                    misses.append(f"{title}: results differ from {name}")
                print(line)
            if absolute is not None:
                verdict = "PASS" if t_ours < absolute else "MISS"
                print(f"  absolute target < {absolute * 1e3:g} ms: {t_ours * 1e3:.3f} ms  {verdict}")
                if verdict == "MISS":
                    misses.append(f"{title}: {t_ours * 1e3:.3f} ms (target < {absolute * 1e3:g} ms)")
            print()

    if misses:
        print("MISSED:")
        for m in misses:
            print("  " + m)
    else:
        print("All measured targets met.")
    return 1 if (args.check and misses) else 0


class _null_context:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    sys.exit(main())
