"""Kernel launcher that puts limits on the student's kernel, and a reaper for what it leaves behind.

Used as the ``argv`` of the grader's kernel spec (standard library only, run as
a script: ``python sandbox.py --memory-mb 4096 ... -- python -m ipykernel_launcher -f CONN``).
Before it turns into the kernel (``os.execv``) it

* sets ``RLIMIT_AS`` (address space: a memory hog gets ``MemoryError``),
  ``RLIMIT_CPU`` (CPU seconds: past it the kernel is killed) and
  ``RLIMIT_NPROC`` (processes and threads: a fork loop gets ``BlockingIOError``)
  and ``RLIMIT_FSIZE`` (no file over 256 MB);
* when started as root with ``--uid``, switches to that unprivileged user id
  (no login, no files of its own), so the student's code cannot write the
  instructor's files and ``RLIMIT_NPROC`` counts only this kernel's processes
  (Linux does not apply that limit to root). The grader gives every kernel
  its own uid and afterwards kills every process of that uid (:func:`reap`).
  Setuid programs (``sudo``, ``su``) cannot give it back root rights
  (``PR_SET_NO_NEW_PRIVS``). When the Python interpreter or the virtual
  environment is not readable for other users (for example under a ``/root``
  with mode 0700), the kernel keeps one capability, ``CAP_DAC_READ_SEARCH``:
  it may then read every file, but still write none but its own.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

MB = 1024 * 1024
FILE_MB = 256


def limit(memory_mb: int, cpu_seconds: int, nproc: int) -> None:
    """Apply the limits to the current process (inherited by everything it starts)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_MB * MB, FILE_MB * MB))  # no file larger than this


PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 8, 38, 47, 2
CAP_DAC_READ_SEARCH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def world_readable(path: str) -> bool:
    """Whether any user can reach ``path`` (every folder above it searchable, the file readable)."""
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts) + 1):
        mode = os.stat(os.sep.join(parts[:i]) or os.sep).st_mode
        if not mode & 0o001 and not (i == len(parts) and mode & 0o004):
            return False
    return True


def drop_to(uid: int, keep_read: bool) -> None:
    """As root: become ``uid`` (no groups), optionally keeping only CAP_DAC_READ_SEARCH across exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    if keep_read and libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS) failed")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if keep_read:
        bit = 1 << CAP_DAC_READ_SEARCH
        header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)(bit, bit, bit, 0, 0, 0)  # effective, permitted, inheritable
        if libc.capset(header, data) != 0 or libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "could not keep CAP_DAC_READ_SEARCH")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def user_tasks(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (what RLIMIT_NPROC counts)."""
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return n


def live_pids(uid: int) -> list:
    """Processes of ``uid`` that are not zombies."""
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                            pids.append(int(pid))
            except (OSError, IndexError):
                continue
    return pids


def reap(uid: int, timeout: float = 10.0) -> None:
    """Kill every process of ``uid`` (root only); raise RuntimeError if some survive ``timeout`` seconds.

    One ``kill(-1, SIGKILL)`` sent as ``uid`` reaches all of them at once (also
    the ones a fork loop starts meanwhile); stragglers get a SIGKILL from root.
    """
    as_uid = f"import os, signal\nos.setgroups([]); os.setgid({uid}); os.setuid({uid})\nos.kill(-1, signal.SIGKILL)\n"
    end = time.monotonic() + timeout
    while pids := live_pids(uid):
        if time.monotonic() > end:
            raise RuntimeError(f"{len(pids)} processes of uid {uid} survive")
        subprocess.run([sys.executable, "-I", "-c", as_uid], check=False, timeout=10)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def reap_others(uid: int, keep: int, timeout: float = 10.0) -> int:
    """Kill every process of ``uid`` except the kernel ``keep`` (root only); how many were killed.

    A fork loop leaves copies of the kernel behind that hold the process limit
    (so the kernel can start no thread) and share its sockets. Each round
    stops them all first (a stopped process forks no more), then kills them.
    """
    killed = 0
    end = time.monotonic() + timeout
    while strays := [pid for pid in live_pids(uid) if pid != keep]:
        if time.monotonic() > end:
            raise RuntimeError(f"{len(strays)} processes of uid {uid} survive")
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in strays:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        killed += len(strays)
        time.sleep(0.05)
    return killed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="start a Jupyter kernel with resource limits")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--nproc", type=int, required=True, help="processes and threads on top of what the user runs now")
    parser.add_argument("--uid", type=int, default=-1, help="as root: run the kernel as this unprivileged uid")
    parser.add_argument("--home", required=True, help="folder the kernel may write (its copy of the submission)")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    drop = args.uid >= 0 and os.geteuid() == 0
    if drop:
        # the connection file is the grader's (mode 0600): give the kernel its own copy
        i = cmd.index("-f") + 1
        own = os.path.join(args.home, ".kernel-connection.json")
        shutil.copyfile(cmd[i], own)
        os.chown(own, args.uid, args.uid)
        os.chmod(own, 0o600)
        cmd[i] = own
    nproc = args.nproc + (0 if drop else user_tasks(os.getuid()))
    limit(args.memory_mb, args.cpu_seconds, nproc)
    if drop:
        drop_to(args.uid, keep_read=not all(world_readable(p) for p in (cmd[0], sys.prefix, os.path.dirname(os.__file__))))
    os.chdir(args.home)
    log = os.open(os.path.join(args.home, ".kernel.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)  # the kernel's own chatter stays out of the grader's terminal
    os.dup2(log, 2)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
