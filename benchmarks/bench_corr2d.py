#!/usr/bin/env python
"""Speed report for convlib's cross-correlation against PyTorch, SciPy and a memory copy.

Measures the goals of issues 11 and 23 in one process: float32, medians of
interleaved runs (convlib and its reference take turns, so that other work
on the machine slows both alike), convlib's time divided by the reference's.
The main reference is ``torch.nn.functional.conv2d`` with
``torch.set_num_threads(1)`` and NumPy's BLAS on one thread too; the channel
cases are timed against torch on an image already in NCHW (the goal) and
with the HWC -> NCHW -> HWC conversions inside the timing (for information).
Each row with a known number of multiply-adds shows the GFLOP/s reached and
their share of one core's practical peak (a 2048 x 2048 float32 matrix
product, measured at the start). Further rows: the layer's options
(dilation, padding_mode) against the plain call with the same multiply-adds
(goal <= 1.2x), and integer inputs on the exact FFT against the direct sums.
It prints one table and checks that every result agrees with its reference
within float32 round-off. It is a report, not a test: it exits 0 whatever
the numbers are, unless ``--check`` is given (exit 1 when a goal is missed).

    python benchmarks/bench_corr2d.py            # report
    python benchmarks/bench_corr2d.py --check    # exit 1 on a MISS

SciPy (a test-only dependency) and PyTorch are optional here: comparisons
against a missing library are reported as "skipped". Run it against another
copy of convlib (e.g. the previous commit's) with ``PYTHONPATH=that/copy``.

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

_LIMITS = None  # threadpoolctl's limit, kept alive for the whole run


def _bundled_openblas():
    """(file name, ctypes library) of each OpenBLAS shipped inside NumPy's wheel that loads."""
    import ctypes

    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "*openblas*.so*"))):
        try:
            yield os.path.basename(path), ctypes.CDLL(path)
        except OSError:
            continue


def _openblas_via_ctypes():
    """Core name, threads and config of the OpenBLAS bundled with NumPy, without threadpoolctl."""
    import ctypes

    for name, lib in _bundled_openblas():
        info = {"library": name}
        for key, suffixes in (
            ("corename", ("get_corename",)),
            ("config", ("get_config",)),
            ("threads", ("get_num_threads",)),
        ):
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


def set_blas_threads(n: int) -> bool:
    """Limit NumPy's BLAS to ``n`` threads: threadpoolctl when installed, else the bundled OpenBLAS via ctypes (False if neither works)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        global _LIMITS
        _LIMITS = threadpool_limits(limits=n, user_api="blas")
        return True
    import ctypes

    for _, lib in _bundled_openblas():
        for name in (
            "scipy_openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads_64_",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return True
    return False


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
            lines.append(
                "BLAS runtime: threadpoolctl not installed and no bundled OpenBLAS found; skipped"
            )
    if signal is not None:
        import scipy

        lines.append(f"scipy {scipy.__version__}")
    else:
        lines.append("scipy not installed: SciPy comparisons skipped")
    if torch is not None:
        lines.append(
            f"torch {torch.__version__}, threads {torch.get_num_threads()}, inference mode"
        )
    else:
        lines.append("torch not installed: PyTorch comparisons skipped")
    return lines


# ---------------------------------------------------------------------------
# timing


def interleaved_medians(fns, repeats: int, budget: float) -> list[float]:
    """Median wall times of the callables ``fns``, run in turn (one each per round) after one warm-up each.

    Interleaving spreads the load of other processes evenly over the
    callables, so that their ratio stays meaningful on a busy machine. Slow
    callables get fewer rounds (at least 3) so that one round takes at most
    about ``budget`` seconds.
    """
    first = 0.0
    for fn in fns:
        t0 = time.perf_counter()
        fn()  # warm-up: caches, FFT plans, thread pools
        first += time.perf_counter() - t0
    rounds = max(3, min(repeats, int(budget / max(first, 1e-9))))
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def sgemm_peak(repeats: int = 5, n: int = 2048) -> float:
    """GFLOP/s of one large float32 matrix product (n x n), NumPy's BLAS as configured: the practical peak of one core."""
    rng = np.random.default_rng(1)
    A, B = (
        rng.standard_normal((n, n)).astype(np.float32),
        rng.standard_normal((n, n)).astype(np.float32),
    )
    (t,) = interleaved_medians([lambda: A @ B], repeats, 10.0)
    return 2 * n**3 / t / 1e9


def load_average() -> str:
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        return "load average unknown"


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


# ---------------------------------------------------------------------------
# the cases


def _torch_single(X, K, **kwargs):
    tX = torch.from_numpy(np.ascontiguousarray(X))[None, None]
    tK = torch.from_numpy(np.ascontiguousarray(K))[None, None]
    return lambda: torch.nn.functional.conv2d(tX, tK, **kwargs).numpy()[0, 0]


def _torch_multi(X, V, convert=False, **kwargs):
    """torch's conv2d on the image already in NCHW (``convert``: from and back to convlib's HWC inside the timing)."""
    tK = torch.from_numpy(convlib.kernel_to_oihw(V))
    if convert:
        return lambda: convlib.image_from_nchw(
            torch.nn.functional.conv2d(
                torch.from_numpy(convlib.image_to_nchw(X)), tK, **kwargs
            ).numpy()
        )[0]
    tX = torch.from_numpy(convlib.image_to_nchw(X))
    return lambda: torch.nn.functional.conv2d(tX, tK, **kwargs).numpy()


def _scipy_channel_loop(X, V):
    def run():
        k_h, k_w, c_in, c_out = V.shape
        out = np.zeros((X.shape[0] - k_h + 1, X.shape[1] - k_w + 1, c_out), dtype=X.dtype)
        for k in range(c_out):
            for c in range(c_in):
                out[..., k] += signal.correlate2d(X[..., c], V[:, :, c, k], "valid")
        return out

    return run


def _copy_of(X):
    buffer = np.empty_like(X)
    return lambda: np.copyto(buffer, X)


def _macs(out_shape, taps: int) -> int:
    """Multiply-adds of the formula: output elements times taps (times input channels)."""
    return int(np.prod(out_shape)) * taps


def build_cases(rng, large: bool):
    """(case, convlib callable, reference name, reference factory or None, goal ratio or None, absolute goal in s or None, multiply-adds)."""
    f32 = np.float32  # every case but the huge kernels
    X = rng.standard_normal((1024, 1024)).astype(f32)
    K3, K5, K15 = (rng.standard_normal((k, k)).astype(f32) for k in (3, 5, 15))
    g = np.exp(-0.5 * (np.arange(-2, 3) / 1.0) ** 2)
    gauss5 = np.outer(g, g).astype(f32) / f32(np.outer(g, g).sum())
    RGB = rng.standard_normal((1024, 1024, 3)).astype(f32)
    V16 = rng.standard_normal((3, 3, 3, 16)).astype(f32)
    M64 = rng.standard_normal((128, 128, 64)).astype(f32)
    V64 = rng.standard_normal((3, 3, 64, 64)).astype(f32)
    S = rng.standard_normal((256, 256)).astype(f32)
    tiny_X, tiny_K = np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2)
    # float64 here: SciPy sums a million float32 products with visible round-off
    big_X = rng.standard_normal((1000, 1000))
    big_K = rng.standard_normal((990, 990))
    # integers: a uint8 image with a small integer kernel (the exact FFT path against the direct sums)
    U8 = rng.integers(0, 256, (1024, 1024), dtype=np.uint8)
    I15 = rng.integers(-8, 9, (15, 15))
    T = torch is not None
    Sc = signal is not None
    rgb_macs, m64_macs = _macs((1022, 1022, 16), 27), _macs((126, 126, 64), 9 * 64)
    cases = [
        (
            "1024^2, 3x3, valid",
            lambda: convlib.corr2d(X, K3),
            "torch 1 thread",
            T and (lambda: _torch_single(X, K3)),
            0.5,
            None,
            _macs((1022, 1022), 9),
        ),
        (
            "1024^2, 3x3, valid",
            lambda: convlib.corr2d(X, K3),
            "np.copyto of the image",
            lambda: _copy_of(X),
            None,
            None,
            None,
        ),
        (
            "1024^2, 3x3, valid",
            lambda: convlib.corr2d(X, K3),
            "scipy correlate2d",
            Sc and (lambda: lambda: signal.correlate2d(X, K3, "valid")),
            0.2,
            None,
            None,
        ),
        (
            "1024^2, 5x5, valid",
            lambda: convlib.corr2d(X, K5),
            "torch 1 thread",
            T and (lambda: _torch_single(X, K5)),
            0.6,
            None,
            _macs((1020, 1020), 25),
        ),
        (
            "1024^2, 5x5 Gaussian (rank 1)",
            lambda: convlib.corr2d(X, gauss5),
            "torch 1 thread",
            T and (lambda: _torch_single(X, gauss5)),
            0.6,
            None,
            _macs((1020, 1020), 25),
        ),
        (
            "1024^2, 3x3, same",
            lambda: convlib.corr2d(X, K3, "same"),
            "torch 1 thread",
            T and (lambda: _torch_single(X, K3, padding=1)),
            0.6,
            None,
            _macs((1024, 1024), 9),
        ),
        (
            "1024^2, 15x15, valid",
            lambda: convlib.corr2d(X, K15),
            "torch 1 thread",
            T and (lambda: _torch_single(X, K15)),
            0.25,
            None,
            _macs((1010, 1010), 225),
        ),
        (
            "1024^2, 15x15, valid",
            lambda: convlib.corr2d(X, K15),
            "scipy correlate2d",
            Sc and (lambda: lambda: signal.correlate2d(X, K15, "valid")),
            0.1,
            None,
            _macs((1010, 1010), 225),
        ),
        (
            "RGB 1024^2, 3 -> 16, 3x3",
            lambda: convlib.corr2d_multi_in_out(RGB, V16),
            "torch 1 thread, NCHW",
            T and (lambda: _torch_multi(RGB, V16)),
            0.45,
            None,
            rgb_macs,
        ),
        (
            "RGB 1024^2, 3 -> 16, 3x3",
            lambda: convlib.corr2d_multi_in_out(RGB, V16),
            "torch + HWC<->NCHW",
            T and (lambda: _torch_multi(RGB, V16, convert=True)),
            None,
            None,
            rgb_macs,
        ),
        (
            "RGB 1024^2, 3 -> 16, 3x3",
            lambda: convlib.corr2d_multi_in_out(RGB, V16),
            "loop of correlate2d",
            Sc and (lambda: _scipy_channel_loop(RGB, V16)),
            0.05,
            None,
            rgb_macs,
        ),
        (
            "128^2, 64 -> 64, 3x3",
            lambda: convlib.corr2d_multi_in_out(M64, V64),
            "torch 1 thread, NCHW",
            T and (lambda: _torch_multi(M64, V64)),
            0.9,
            None,
            m64_macs,
        ),
        (
            "128^2, 64 -> 64, 3x3",
            lambda: convlib.corr2d_multi_in_out(M64, V64),
            "torch + HWC<->NCHW",
            T and (lambda: _torch_multi(M64, V64, convert=True)),
            None,
            None,
            m64_macs,
        ),
        (
            "tiny: 3x3 image, 2x2 kernel",
            lambda: convlib.corr2d(tiny_X, tiny_K),
            "scipy correlate2d",
            Sc and (lambda: lambda: signal.correlate2d(tiny_X, tiny_K, "valid")),
            None,
            15e-6,
            None,
        ),
        (
            "256^2, 3x3 (a slider step)",
            lambda: convlib.corr2d(S, K3),
            "scipy correlate2d",
            Sc and (lambda: lambda: signal.correlate2d(S, K3, "valid")),
            None,
            1e-3,
            None,
        ),
        (
            "1000^2, 990^2 kernel, f64",
            lambda: convlib.corr2d(big_X, big_K),
            "scipy correlate2d",
            Sc and (lambda: lambda: signal.correlate2d(big_X, big_K, "valid")),
            3.0,
            None,
            None,
        ),
        # issue 22: integers keep the exact FFT only while it is faster than the direct sums
        (
            "uint8 1024^2, int 15x15",
            lambda: convlib.corr2d(U8, I15),
            "method='direct'",
            lambda: lambda: convlib.corr2d(U8, I15, method="direct"),
            None,
            None,
            None,
        ),
        # issue 23: the layer's options cost at most 1.2x the plain call with the same multiply-adds
        (
            "1024^2, 3x3, dilation 2",
            lambda: convlib.corr2d(X, K3, dilation=2),
            "plain, same out size",
            lambda: lambda: convlib.corr2d(X[:1022, :1022], K3),
            1.2,
            None,
            None,
        ),
        (
            "1024^2, 3x3, same, reflect",
            lambda: convlib.corr2d(X, K3, "same", padding_mode="reflect"),
            "plain same (zeros)",
            lambda: lambda: convlib.corr2d(X, K3, "same"),
            1.2,
            None,
            None,
        ),
        (
            "1024^2, 15x15, dilation 2",
            lambda: convlib.corr2d(X, K15, dilation=2),
            "plain, same out size",
            lambda: lambda: convlib.corr2d(X[:1010, :1010], K15),
            1.2,
            None,
            None,
        ),
        (
            "RGB 3 -> 16, dilation 2",
            lambda: convlib.corr2d_multi_in_out(RGB, V16, dilation=2),
            "plain, same out size",
            lambda: lambda: convlib.corr2d_multi_in_out(RGB[:1022, :1022], V16),
            1.2,
            None,
            None,
        ),
        (
            "RGB 3 -> 16, pad 1, reflect",
            lambda: convlib.corr2d_multi_in_out(RGB, V16, padding=1, padding_mode="reflect"),
            "plain pad 1 (zeros)",
            lambda: lambda: convlib.corr2d_multi_in_out(RGB, V16, padding=1),
            1.2,
            None,
            None,
        ),
        (
            "64 -> 64, dilation 2",
            lambda: convlib.corr2d_multi_in_out(M64, V64, dilation=2),
            "plain, same out size",
            lambda: lambda: convlib.corr2d_multi_in_out(M64[:126, :126], V64),
            1.2,
            None,
            None,
        ),
        (
            "64 -> 64, pad 1, reflect",
            lambda: convlib.corr2d_multi_in_out(M64, V64, padding=1, padding_mode="reflect"),
            "plain pad 1 (zeros)",
            lambda: lambda: convlib.corr2d_multi_in_out(M64, V64, padding=1),
            1.2,
            None,
            None,
        ),
    ]
    if large:
        X2 = rng.standard_normal((2000, 2000))
        K2 = rng.standard_normal((1990, 1990))
        cases.append(
            (
                "2000^2, 1990^2 kernel, f64",
                lambda: convlib.corr2d(X2, K2),
                "scipy correlate2d",
                Sc and (lambda: lambda: signal.correlate2d(X2, K2, "valid")),
                3.0,
                None,
                None,
            )
        )
    return cases


def _agrees(ours, reference) -> bool:
    """Equal within float32 round-off of the output's magnitude (a copy has nothing to compare)."""
    if reference is not None and np.ndim(reference) == 4 and np.ndim(ours) == 3:
        reference = np.asarray(reference)[0].transpose(1, 2, 0)  # torch's NCHW output
    if reference is None or np.shape(reference) != np.shape(ours):
        return reference is None
    scale = float(np.abs(reference).max()) or 1.0
    return bool(np.allclose(ours, reference, rtol=0, atol=2e-5 * scale))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    parser.add_argument(
        "--repeats",
        type=int,
        default=31,
        help="timed runs per measurement (default 31; slow cases fewer, see --budget)",
    )
    parser.add_argument(
        "--budget", type=float, default=6.0, help="seconds allowed per slow measurement (default 6)"
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="also the 2000^2 image with a 1990^2 kernel (slow in SciPy)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", default="", help="run only the cases whose name contains this text"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="threads of NumPy's OpenBLAS (default 1, like torch's; 0 leaves it alone)",
    )
    args = parser.parse_args(argv)

    if torch is not None:
        torch.set_num_threads(1)
    if args.blas_threads > 0 and not set_blas_threads(args.blas_threads):
        print(
            f"(could not set NumPy's BLAS to {args.blas_threads} thread(s): bundled OpenBLAS not found)"
        )
    print(
        "convlib cross-correlation benchmark (float32, medians of interleaved runs, wall time, time.perf_counter)"
    )
    print(f"  convlib from {os.path.dirname(convlib.__file__)}")
    for line in environment_report():
        print("  " + line)
    peak = sgemm_peak()
    print(
        f"  peak of one core: {peak:.1f} GFLOP/s (2048 x 2048 float32 matrix product, NumPy's BLAS)"
    )
    print(
        f"  {load_average()} at the start (2 cores here; above 2, other work shares the cores and every time grows)"
    )
    print()
    header = (
        f"| {'case':<30} | {'convlib':>11} | {'reference':<22} | {'ref. time':>11} | {'ratio':>7} | {'goal':>9} | met? "
        f"| {'GFLOP/s':>7} | {'% peak':>6} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(col)) for col in header.split("|")[1:-1]) + "|")
    misses = []
    context = torch.inference_mode() if torch is not None else _null_context()
    with context:
        for case, ours, ref_name, factory, goal, absolute, macs in build_cases(
            np.random.default_rng(args.seed), args.large
        ):
            if args.only not in case:
                continue
            result = ours()
            ref_time = ratio = None
            agree = True
            if factory:
                fn = factory()
                t_ours, ref_time = interleaved_medians([ours, fn], args.repeats, args.budget)
                ratio = t_ours / ref_time
                # a plain call computes something else
                agree = ref_name.startswith("plain") or _agrees(result, fn())
            else:
                (t_ours,) = interleaved_medians([ours], args.repeats, args.budget)
            if goal is not None:
                goal_text = f"<= {goal:g}x"
                met = None if ratio is None else ratio <= goal
            elif absolute is not None:
                goal_text = (
                    f"<= {absolute * 1e6:g} us" if absolute < 1e-3 else f"<= {absolute * 1e3:g} ms"
                )
                met = t_ours <= absolute
            else:
                goal_text, met = "(info)", None
            verdict = {True: "yes", False: "NO", None: "-"}[met]
            if not agree:
                verdict += " (results differ!)"
                misses.append(f"{case}: result differs from {ref_name}")
            if met is False:
                misses.append(f"{case}: {goal_text} against {ref_name}")
            ref_text = "skipped" if ref_time is None else _fmt(ref_time)
            ratio_text = "-" if ratio is None else f"{ratio:6.3f}x"
            gflops = "" if macs is None else f"{2 * macs / t_ours / 1e9:7.1f}"
            share = "" if macs is None else f"{100 * 2 * macs / t_ours / 1e9 / peak:5.0f}%"
            print(
                f"| {case:<30} | {_fmt(t_ours)} | {ref_name:<22} | {ref_text:>11} | {ratio_text:>7} | {goal_text:>9} | {verdict:<4} | {gflops:>7} | {share:>6} |"
            )
    print()
    print(f"  {load_average()} at the end")
    print(
        "  GFLOP/s: 2 x the formula's multiply-adds per second (Winograd does fewer products, so it can pass 100% of the peak)"
    )
    if misses:
        print("MISSED:")
        for m in misses:
            print("  " + m)
    else:
        print("Every measured goal met.")
    return 1 if (args.check and misses) else 0


class _null_context:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    sys.exit(main())
