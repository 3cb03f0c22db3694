"""Grade one student: run each submitted chapter in a fresh, limited kernel and judge the answers.

Everything here runs in the grader's (trusted) process except the notebook's
cells and :mod:`grading._harness`, which run in the student's kernel.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import sandbox
from .exercises import EXERCISES, Exercise, by_chapter
from .hidden import Opaque, Outcome, Verdict, judge_function, judge_values, plan
from .status import blame_errors, cell_error, describe

HARNESS = (Path(__file__).with_name("_harness.py")).read_text(encoding="utf-8")
MAX_RESULT_BYTES = 64 * 1024 * 1024
UID_BASE = 100_000  # kernel uid = UID_BASE + the worker's pid: unique among live workers
CHAPTERS_DIR = Path(__file__).resolve().parent.parent / "chapters"
_DISPLAY_ONLY: dict = {}


def display_only(chapter: str) -> set:
    """Sources of the chapter's code cells that only display or check (expressions only: no name defined, nothing imported).

    A submitted cell with exactly such a source is the instructor's flipbook,
    plot, print or check call: it cannot change an answer, so the grader skips
    it (the flipbooks are most of a chapter's run time, and the grader runs
    the checks itself). Cells the student wrote or edited always run.
    """
    if chapter not in _DISPLAY_ONLY:
        sources = set()
        path = CHAPTERS_DIR / chapter
        for cell in nbformat.read(path, as_version=4).cells if path.is_file() else []:
            try:
                body = ast.parse(cell.source).body if cell.cell_type == "code" else []
            except SyntaxError:
                continue
            if body and all(isinstance(node, ast.Expr) for node in body):
                sources.add(cell.source.strip())
        _DISPLAY_ONLY[chapter] = sources
    return _DISPLAY_ONLY[chapter]


_WAIT_FOR_CHILDREN = """\
import os as __grading_os
while True:
    try:
        if __grading_os.waitpid(-1, __grading_os.WNOHANG)[0] == 0:
            break
    except ChildProcessError:
        break
del __grading_os
"""


@dataclass
class Limits:
    """Time and resource limits for one submission's kernel."""

    cell_timeout: float = 30.0
    submission_timeout: float = 300.0
    call_timeout: float = 2.0
    memory_mb: int = 4096
    nproc: int = 64
    kernel_restarts: int = 3


@dataclass
class ChapterResult:
    """What happened to one chapter notebook of one student."""

    status: str  # "ok", "not submitted", "unreadable", "timeout" (time per submission ran out), "kernel died" (gave up)
    notes: list = field(default_factory=list)
    verdicts: dict = field(default_factory=dict)  # label -> Verdict


def _kernel_spec(dirname: Path, limits: Limits, uid: int, home: Path) -> KernelSpecManager:
    spec_dir = dirname / "kernels" / "grading-sandbox"
    spec_dir.mkdir(parents=True)
    argv = [
        sys.executable, "-I", sandbox.__file__,
        "--memory-mb", str(limits.memory_mb),
        "--cpu-seconds", str(int(limits.submission_timeout + 60)),
        "--nproc", str(limits.nproc),
        "--uid", str(uid),
        "--home", str(home),
        "--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
    ]
    env = {
        "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"), "MPLCONFIGDIR": str(home / ".matplotlib"),
        "MPLBACKEND": "agg", "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "grading sandbox", "language": "python", "env": env}))
    return KernelSpecManager(kernel_dirs=[str(dirname / "kernels")])


def _font_cache(home: Path) -> None:
    """Give the kernel the grader's matplotlib font list, so it does not rebuild it (seconds) on every start."""
    import matplotlib

    target = home / ".matplotlib"
    target.mkdir(exist_ok=True)
    for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copy(f, target / f.name)


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.chown(name, uid, uid, follow_symlinks=False)


def _decode(x, arrays):
    if "npy" in x:
        return arrays[x["npy"]]
    if "py" in x:
        return x["py"]
    if "list" in x:
        return [_decode(v, arrays) for v in x["list"]]
    if "tuple" in x:
        return tuple(_decode(v, arrays) for v in x["tuple"])
    if "dict" in x:
        return {k: _decode(v, arrays) for k, v in x["dict"].items()}
    if x.get("ellipsis"):
        return Ellipsis
    if x.get("missing"):
        return None
    return Opaque(str(x.get("repr", "<object>")))


def _load_npz(path: Path) -> dict:
    """Arrays written by the kernel: size-checked, never unpickled."""
    with zipfile.ZipFile(path) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_RESULT_BYTES:
            raise ValueError("the kernel's result is too large")
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class Session:
    """One fresh kernel running one student's chapter, cell by cell, within the limits."""

    def __init__(self, nb, chapter: str, workdir: Path, scratch: Path, limits: Limits, uid: int):
        self.nb, self.chapter, self.workdir, self.scratch, self.limits, self.uid = nb, chapter, workdir, scratch, limits, uid
        self.io = scratch / "io"
        self.io.mkdir()
        self.deadline = time.monotonic() + limits.submission_timeout
        self.ksm = _kernel_spec(scratch, limits, uid, workdir)
        self.notes: list = []
        self.status = "ok"

    def _client(self, nb):
        km = AsyncKernelManager(kernel_name="grading-sandbox", kernel_spec_manager=self.ksm)
        return NotebookClient(
            nb, km=km, timeout=self.limits.cell_timeout, allow_errors=True, startup_timeout=60, shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )

    def _stop(self, client) -> None:
        try:
            if client.km is not None and client.km.has_kernel:
                run_sync(client.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the reaper below cleans up in any case
            pass
        if self.uid >= 0 and os.geteuid() == 0:
            sandbox.reap(self.uid)

    def run(self, exercises: list) -> dict:
        """Execute the notebook's code cells, then fetch every exercise's answers; {label: (report, arrays)}.

        A cell that times out or kills the kernel is left out and the kernel
        started afresh, so that one bad cell costs only its own exercise.
        """
        shown = display_only(self.chapter)
        cells = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip() not in shown]
        skip: set = set()
        reports: dict = {}
        for _attempt in range(self.limits.kernel_restarts + 1):
            client = self._client(self.nb)
            try:
                # a minimal environment: the kernel does not see the grader's variables (the seed's path, tokens, ...)
                with client.setup_kernel(cwd=str(self.workdir), env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}):
                    bad = self._cells(client, [i for i in cells if i not in skip])
                    self._clear_strays(client)
                    if bad is None and self._exchange(client, [e for e in exercises if e[0].label not in reports], reports):
                        return reports
            except DeadKernelError:
                bad = None
            finally:
                self._stop(client)
            if bad is not None:
                skip.add(bad)
        self.status = "kernel died"
        self.notes.append("gave up after too many kernel restarts")
        return reports

    def _clear_strays(self, client) -> None:
        """Kill what the student's cells left running beside the kernel (a fork loop's copies of it), keeping the kernel."""
        pid = getattr(client.km.provisioner, "pid", None) if client.km is not None else None
        if self.uid >= 0 and os.geteuid() == 0 and pid:
            if sandbox.reap_others(self.uid, keep=pid):
                self.notes.append("processes your cells left running were stopped before the answers were read")
                # killed children stay zombies, and count against the process limit, until their parent waits for them
                client.timeout = 30
                self._extra(client, _WAIT_FOR_CHILDREN)

    def _cells(self, client, indices: list):
        """Run cells in order; the index of a cell that ran out of time or killed the kernel, else None."""
        for i in indices:
            remaining = self.deadline - time.monotonic()
            if remaining <= 1:
                self.status = "timeout"
                self.notes.append(f"the time limit of {self.limits.submission_timeout:g} s per submission ran out before cell {i + 1}; later cells did not run")
                return None
            client.timeout = max(1, int(min(self.limits.cell_timeout, remaining)))
            try:
                client.execute_cell(self.nb.cells[i], i)
            except CellTimeoutError:
                self.notes.append(f"{self._cell(i)} ran longer than {client.timeout} s: it was left out and the notebook run again without it")
                return i
            except DeadKernelError:
                self.notes.append(f"{self._cell(i)} killed the kernel (memory or CPU limit?): it was left out and the notebook run again without it")
                return i
        return None

    def _extra(self, client, source: str) -> None:
        """Run a cell of the grader's in the kernel (nbclient stores a cell at its index: use a slot past the student's)."""
        self.nb.cells.append(nbformat.v4.new_code_cell(source))
        try:
            client.execute_cell(self.nb.cells[-1], len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()

    def _cell(self, i: int) -> str:
        """``cell N (`first line`)``, N counted from 1 among all cells as JupyterLab shows them."""
        first = self.nb.cells[i].source.strip().splitlines()[0][:60] if self.nb.cells[i].source.strip() else ""
        return f"cell {i + 1}" + (f" (`{first}`)" if first else "")

    def errors(self) -> list:
        """The errors the notebook's code cells ended with (checks excluded), see :func:`grading.status.cell_error`."""
        found = []
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code" and "check" not in cell.metadata.get("tags", []):
                err = cell_error(cell, i)
                if err:
                    found.append(err)
        return found

    def _exchange(self, client, exercises: list, reports: dict) -> bool:
        """Fetch answers into ``reports``; False when the kernel got stuck and must be restarted."""
        client.timeout = 30
        self._extra(client, HARNESS)
        for ex, p in exercises:
            request, arrays = self._request(ex, p)
            out_json, out_npz = self.io / f"{ex.label}.out.json", self.io / f"{ex.label}.out.npz"
            req_path = self.io / f"{ex.label}.json"
            if arrays:
                np.savez(self.io / f"{ex.label}.in.npz", **arrays)
                request["arrays_in"] = str(self.io / f"{ex.label}.in.npz")
            request.update(result=str(out_json), arrays_out=str(out_npz))
            req_path.write_text(json.dumps(request))
            if self.uid >= 0 and os.geteuid() == 0:
                _chown_tree(self.io, self.uid)
            # a function that swallows the per-case alarm gets this long for all its cases together
            client.timeout = int(5 * self.limits.call_timeout + 10)
            try:
                self._extra(client, f"__grading_exchange__({str(req_path)!r})")
            except (CellTimeoutError, DeadKernelError) as e:
                what = "did not finish in time" if isinstance(e, CellTimeoutError) else "killed the kernel"
                reports[ex.label] = ({"failed": f"calling your answer on the hidden cases {what}"}, {})
                return False
            try:
                if out_json.stat().st_size > MAX_RESULT_BYTES:
                    raise ValueError("the kernel's result is too large")
                reports[ex.label] = (json.loads(out_json.read_text(encoding="utf-8")), _load_npz(out_npz))
            except Exception as e:  # noqa: BLE001 - no (readable) answer from the kernel
                reports[ex.label] = ({"failed": f"no answer from the kernel ({type(e).__name__})"}, {})
            for f in (out_json, out_npz):
                f.unlink(missing_ok=True)
        return True

    def _request(self, ex: Exercise, p):
        if ex.kind == "values":
            return {"kind": "values", "names": list(ex.names)}, {}
        arrays, cases = {}, []
        for ci, case in enumerate(p.cases):
            enc = []
            for ai, a in enumerate(case.args):
                if isinstance(a, np.ndarray):
                    arrays[f"c{ci}a{ai}"] = a
                    enc.append({"npy": f"c{ci}a{ai}"})
                else:
                    enc.append({"py": a.item() if isinstance(a, np.generic) else a})
            cases.append(enc)
        return {"kind": "function", "names": list(ex.names), "cases": cases, "call_timeout": self.limits.call_timeout}, arrays


def _outcomes(report: dict, arrays: dict) -> list:
    outcomes = []
    for o in report["outcomes"]:
        outcomes.append(Outcome(
            value=_decode(o["value"], arrays) if "value" in o else None,
            error=tuple(o["error"]) if "error" in o else (),
            timeout=bool(o.get("timeout")), skipped=bool(o.get("skipped")),
            mutated={int(k): _decode(v, arrays) for k, v in o.get("mutated", {}).items()},
        ))
    return outcomes


def judge(ex: Exercise, p, report: dict, arrays: dict, limits: Limits) -> Verdict:
    """The verdict on one exercise from the kernel's plain-data report."""
    total = len(p.cases) if p is not None else 1
    if "failed" in report:
        return Verdict(0, total, "no answer", report["failed"])
    if ex.kind == "values":
        values = [_decode(v, arrays) for v in report["values"]]
        missing = [n for n, v in zip(ex.names, report["values"], strict=True) if v.get("missing")]
        if missing:
            return Verdict(0, total, "not answered", f"{', '.join(missing)} not defined (was the starter cell deleted or renamed?)")
        return judge_values(ex, values)
    if "not_callable" in report:
        what = "not defined (was the starter cell deleted, or the function renamed?)" if report["not_callable"].get("missing") else "not a function"
        return Verdict(0, total, "not answered", f"{ex.names[0]} is {what}")
    outcomes = _outcomes(report, arrays)
    if len(outcomes) != total:
        return Verdict(0, total, "no answer", "the kernel returned an incomplete answer")
    verdict = judge_function(p, outcomes, limits.call_timeout)
    if verdict.tag == "timeout":  # say so plainly, with the student's line (not the replay's traceback)
        k = next(i for i, o in enumerate(outcomes) if o.timeout)
        at = report["outcomes"][k].get("timeout_at")
        where = f"; time ran out at line {at[0]} of your code: `{str(at[1]).strip()[:120]}`" if at else ""
        verdict.message = (f"{ex.names[0]} gave no result within {limits.call_timeout:g} s on hidden case {k + 1} of {total} "
                           f"(an endless loop?){where}. {verdict.passed} cases before it passed; the later ones were not run.")
    return verdict


def grade_chapter(path: Path, student_dir: Path, plans: dict, limits: Limits) -> ChapterResult:
    """Grade one chapter notebook of one student (``plans``: label -> Plan or None for values)."""
    exercises = by_chapter(path.name)
    if not path.is_file():
        return ChapterResult("not submitted")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable file
        return ChapterResult("unreadable", [f"the notebook could not be read: {type(e).__name__}"])
    uid = UID_BASE + os.getpid() if os.geteuid() == 0 else -1
    scratch = Path(tempfile.mkdtemp(prefix="grading-"))
    try:
        workdir = scratch / "work"
        shutil.copytree(student_dir, workdir, symlinks=True)
        session = Session(nb, path.name, workdir, scratch, limits, uid)
        _font_cache(workdir)
        if uid >= 0:
            _chown_tree(scratch, uid)
            os.chown(scratch, 0, 0)
            os.chmod(scratch, 0o755)
        if uid >= 0:
            sandbox.reap(uid)  # nothing left over from an earlier worker with this pid
        reports = session.run([(ex, plans.get(ex.label)) for ex in exercises])
        errors = session.errors()
        sources = {i + 1: c.source for i, c in enumerate(nb.cells)}
        lines = {e["cell"]: describe(e, sources[e["cell"]]) for e in errors}
        result = ChapterResult(session.status, session.notes + [lines[c] for c in sorted(lines)])
        for ex in exercises:
            report, arrays = reports.get(ex.label, ({"failed": "the answers could not be fetched"}, {}))
            result.verdicts[ex.label] = judge(ex, plans.get(ex.label), report, arrays, limits)
            if any(o.get("timeout") for o in report.get("outcomes", [])) or "in time" in report.get("failed", ""):
                result.notes.append(f"{ex.names[0]} ran out of time on a hidden case")
        blame_errors(result.verdicts, lines, sources, exercises)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_PLANS: dict = {}


def plans_for(seed: int) -> dict:
    """label -> Plan for every function exercise (computed once per process; they are deterministic)."""
    if seed not in _PLANS:
        _PLANS[seed] = {ex.label: plan(ex, seed) for ex in EXERCISES if ex.kind == "function"}
    return _PLANS[seed]


def grade_student(student_dir: Path, chapters: list, seed: int, limits: Limits) -> dict:
    """{chapter: ChapterResult} for one student's folder."""
    plans = plans_for(seed)
    return {ch: grade_chapter(student_dir / ch, student_dir, plans, limits) for ch in chapters}
