"""Run one student's chapter inside bubblewrap (``bwrap``), the sandbox behind Flatpak.

The grader never runs a student's code in its own process or as its own user.
Each run of :mod:`grading._harness` gets, from bubblewrap and the kernel:

* its own unprivileged user id (``UID_BASE`` + the grading worker's pid; no
  groups; never root, never yours), switched to before ``bwrap`` starts;
* new mount, PID, IPC, UTS, network (no network at all), cgroup and user
  namespaces (``--unshare-all``), all capabilities dropped
  (``--cap-drop ALL``), its own session (``--new-session``: no TIOCSTI into
  your terminal), and the death of everything in it when the grader stops it
  (``--die-with-parent``; the PID namespace dies with its first process);
* a file system holding only, read-only, ``/usr`` (and its ``/lib``, ``/bin``
  links), the virtual environment and the interpreter it points at, convlib,
  the harness and studentnb (the cell runner it shares with ``make
  check-student``); plus the job folder (read-only: the cells and the hidden
  inputs) and a private scratch folder ``/scratch`` (a tmpfs of
  ``scratch_mb`` megabytes, mounted by the grader for this run only, so the
  grader can read what is left in it; its ``tmp`` folder is also ``/tmp``);
* resource limits: address space, CPU seconds, processes and threads (per
  user id, so per sandbox), open files, file size, no core dumps.

The result and the progress lines come back through two files the grader
opened before the run and passes as file descriptors: they have no path in
the sandbox, so nothing there can swap them for a symbolic link, a FIFO or a
device. The grader reads them with byte limits (:mod:`grading.safeio`).

The sandbox needs root: a separate user id and the tmpfs mount are root's to
give. A worker process enters a private mount namespace once
(:func:`enter_private_mounts`), so the scratch mounts and the bind mounts
that expose an interpreter living in a folder other users cannot enter (a
``/root`` with mode 0700) exist for that worker only and vanish with it.
Without root or without a working ``bwrap`` the grader refuses to run unless
given ``--no-sandbox`` (:func:`probe`).
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
UID_BASE = 100_000
HARNESS = Path(__file__).with_name("_harness.py")
INSTALL_HINT = "install bubblewrap (Debian: apt-get install bubblewrap; `make sandbox` does it)"

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
MNT_DETACH = 2


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here (the grader then refuses without ``--no-sandbox``)."""


# the folders of a scratch tmpfs (see Jail.scratch)
SCRATCH_FOLDERS = ("work", "home", "tmp")


@dataclass
class Resources:
    """Resource limits of one sandbox run.

    The runner fills the first four from the instructor's ``runner.Limits``
    (the one place their defaults are set); the last two are the sandbox's own.
    """

    memory_mb: int
    cpu_seconds: int
    nproc: int
    scratch_mb: int
    nofile: int = 256
    file_mb: int = 64


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise SandboxUnavailable(f"{what} failed: {os.strerror(err)}")


def mount(
    source: str, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(
        _libc().mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def umount(target: str) -> None:
    _libc().umount2(str(target).encode(), MNT_DETACH)


_PRIVATE = {"done": False}


def enter_private_mounts() -> None:
    """Give this process (a grading worker) its own mount namespace, propagating nothing back (root only)."""
    if _PRIVATE["done"]:
        return
    _check(_libc().unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    _PRIVATE["done"] = True


def reachable(path) -> bool:
    """Whether a user with no rights of its own can reach ``path`` (o+x on every folder on the way, o+r on a file).

    Examples
    --------
    >>> reachable("/usr/bin")
    True
    """
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts) + 1):
        mode = os.stat(os.sep.join(parts[:i]) or os.sep).st_mode
        # a file at the end: readable
        needed = 0o004 if i == len(parts) and not os.path.isdir(path) else 0o001
        if not mode & needed:
            return False
    return True


def _package_dir(name: str) -> Path:
    """The folder of the installed package ``name`` (found without importing it)."""
    import importlib.util

    return Path(importlib.util.find_spec(name).origin).parent


def read_only_paths() -> list:
    """Folders the sandbox sees read-only at their own paths: the venv, its interpreter, convlib, the harness and
    studentnb (whose :mod:`studentnb.cells` runs the cells)."""
    paths = [
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(os.path.realpath(sys.executable)).parent,
        _package_dir("convlib"),
        HARNESS,
        _package_dir("studentnb"),
    ]
    keep = []
    for p in paths:
        p = Path(os.path.realpath(p))
        if (
            str(p).startswith("/usr/")
            or p == Path("/usr")
            or any(p == k or k in p.parents for k in keep)
        ):
            continue
        keep = [k for k in keep if p not in k.parents] + [p]
    return keep


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
    """Kill every process of ``uid`` (root only; normally none is left: the PID namespace died with the run)."""
    end = time.monotonic() + timeout
    while pids := live_pids(uid):
        if time.monotonic() > end:
            raise RuntimeError(f"{len(pids)} processes of uid {uid} survive")
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


class Jail:
    """One grading worker's sandbox: its user id, its staging mounts, and :meth:`start` for each run.

    ``sandboxed=False`` (the ``--no-sandbox`` flag) runs the harness as the
    grader's own user with the resource limits only.
    """

    def __init__(self, base: Path, sandboxed: bool = True):
        self.base, self.sandboxed = Path(base), sandboxed
        self.uid = UID_BASE + os.getpid() if sandboxed else -1
        self.binds = []  # (source on the host, path in the sandbox)
        if not sandboxed:
            return
        if os.geteuid() != 0:
            raise SandboxUnavailable(
                "the sandbox needs root (a user id of its own per student, and a size-limited tmpfs); "
                "run the grader as root (in a VM or container), or pass --no-sandbox to grade without one"
            )
        if shutil.which("bwrap") is None:
            raise SandboxUnavailable(f"bwrap not found: {INSTALL_HINT}")
        enter_private_mounts()
        os.chmod(self.base, 0o711)
        for k, path in enumerate(read_only_paths()):
            source = path
            if not reachable(
                path
            ):  # e.g. under /root (0700): expose it to the sandbox's user through a bind mount
                source = self.base / f"stage{k}"
                if path.is_dir():
                    source.mkdir(mode=0o755)
                else:
                    source.touch(mode=0o644)
                mount(str(path), str(source), None, MS_BIND | MS_REC)
            self.binds.append((str(source), str(path)))

    def scratch(self, path: Path, mb: int) -> Path:
        """A fresh scratch folder: a tmpfs of ``mb`` megabytes owned by the sandbox's user (a plain folder without sandbox).

        It holds ``work`` (the current folder), ``home`` and ``tmp`` (also
        ``/tmp``), each owned by the sandbox's user, as :meth:`command` expects.
        """
        path.mkdir(mode=0o700)
        if self.sandboxed:
            mount(
                "tmpfs",
                str(path),
                "tmpfs",
                MS_NOSUID | MS_NODEV,
                f"size={mb * MB},mode=0700,uid={self.uid},gid={self.uid}",
            )
        for name in SCRATCH_FOLDERS:
            (path / name).mkdir(mode=0o700)
            if self.sandboxed:
                os.chown(path / name, self.uid, self.uid)
        return path

    def drop_scratch(self, path: Path) -> None:
        if self.sandboxed:
            umount(str(path))
            try:
                path.rmdir()
            except OSError:
                pass
        else:
            shutil.rmtree(path, ignore_errors=True)

    def command(self, job_inside: str, job_dir: Path, scratch: Path) -> list:
        """The ``bwrap`` command line (no secrets in it: the job holds only cells and hidden inputs)."""
        python = sys.executable
        if not self.sandboxed:
            return [python, "-I", str(HARNESS), str(job_dir / "job.json")]
        cmd = [
            "bwrap",
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for name in ("bin", "sbin", "lib", "lib32", "lib64"):
            top = Path("/") / name
            if top.is_symlink():
                cmd += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                cmd += ["--ro-bind", str(top), str(top)]
        # /tmp is the scratch's tmp folder, mounted before the read-only folders:
        # one of those may lie under /tmp (a checkout in a temporary folder)
        cmd += ["--proc", "/proc", "--dev", "/dev", "--bind", str(scratch / "tmp"), "/tmp"]
        for source, target in self.binds:
            cmd += ["--ro-bind", source, target]
        cmd += [
            "--ro-bind",
            str(job_dir),
            "/job",
            "--bind",
            str(scratch),
            "/scratch",
            "--chdir",
            "/scratch/work",
            "--hostname",
            "sandbox",
            python,
            "-I",
            str(HARNESS),
            job_inside,
        ]
        return cmd

    def start(
        self, job_dir: Path, scratch: Path, fds: tuple, limits: Resources, env: dict
    ) -> subprocess.Popen:
        """Start the harness on ``job_dir`` in the sandbox; ``fds`` stay open in it (result, progress)."""
        nproc = limits.nproc if self.sandboxed else limits.nproc + user_tasks(os.getuid())

        def rlimits():
            for what, value in (
                (resource.RLIMIT_AS, limits.memory_mb * MB),
                (resource.RLIMIT_NPROC, nproc),
                (resource.RLIMIT_NOFILE, limits.nofile),
                (resource.RLIMIT_FSIZE, limits.file_mb * MB),
                (resource.RLIMIT_CORE, 0),
            ):
                resource.setrlimit(what, (value, value))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))

        inside = "/job/job.json" if self.sandboxed else str(job_dir / "job.json")
        ids = {"user": self.uid, "group": self.uid, "extra_groups": []} if self.sandboxed else {}
        return subprocess.Popen(
            self.command(inside, job_dir, scratch),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=fds,
            env=env,
            preexec_fn=rlimits,
            cwd="/",
            start_new_session=not self.sandboxed,
            **ids,
        )


def probe(base: Path) -> str:
    """Run a tiny program in a real sandbox (in a child process); '' when it works, else why not."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        sys.stderr = os.fdopen(w, "w")
        code = 1
        try:
            jail = Jail(base)
            scratch = jail.scratch(base / "probe", 16)
            (base / "job").mkdir(mode=0o755)
            cmd = jail.command("/job/x", base / "job", scratch)
            cmd[-3:] = [
                "-I",
                "-c",
                "import os, numpy, convlib; print(os.getuid(), sum(p.isdigit() for p in os.listdir('/proc')) <= 2)",
            ]
            out = subprocess.run(
                cmd,
                user=jail.uid,
                group=jail.uid,
                extra_groups=[],
                capture_output=True,
                text=True,
                timeout=60,
                cwd="/",
            )
            ok = out.returncode == 0 and out.stdout.split() == [str(jail.uid), "True"]
            if not ok:
                sys.stderr.write((out.stderr or out.stdout)[-500:])
            code = 0 if ok else 3
        except SandboxUnavailable as e:
            sys.stderr.write(str(e))
            code = 2
        except BaseException as e:  # noqa: BLE001
            sys.stderr.write(f"{type(e).__name__}: {e}")
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(w)
    with os.fdopen(r, encoding="utf-8", errors="replace") as f:
        why = f.read(4000).strip()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return ""
    return (
        why
        if why.startswith("the sandbox needs root") or why.startswith("bwrap not found")
        else f"the sandbox does not work here ({why or 'no message'}); {INSTALL_HINT}"
    )
