"""Grade one student: run each submitted chapter in the sandbox and judge the answers in the grader.

Everything here runs in the grader's (trusted) process. The student's cells
and :mod:`grading._harness` run in a bubblewrap sandbox (:mod:`grading.sandbox`);
what comes back is read with :mod:`grading.safeio` and never trusted.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from studentnb.course import course_root

from . import safeio, sandbox
from .exercises import EXERCISES, Exercise, by_chapter
from .hidden import Opaque, Outcome, Verdict, judge_function, judge_values, plan
from .status import blame_errors, cell_error, cell_name, describe
from .submissions import MAX_NOTEBOOK_BYTES

MAX_CELLS = 2000
MAX_RESULT_BYTES = 64 << 20
MAX_PROGRESS_BYTES = 1 << 20
UID_BASE = sandbox.UID_BASE
CHAPTERS_DIR = course_root() / "chapters"
_DISPLAY_ONLY: dict = {}
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/scratch/home",
    "TMPDIR": "/scratch/tmp",
    "MPLCONFIGDIR": "/scratch/home/.matplotlib",
    "MPLBACKEND": "agg",
    "MALLOC_ARENA_MAX": "2",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


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


@dataclass
class Limits:
    """Time and resource limits for one submission's sandbox run."""

    cell_timeout: float = 30.0
    submission_timeout: float = 300.0
    call_timeout: float = 2.0
    memory_mb: int = 4096
    nproc: int = 64
    kernel_restarts: int = 3
    scratch_mb: int = 256


@dataclass
class ChapterResult:
    """What happened to one chapter notebook of one student."""

    # "ok", "not submitted", "unreadable", "conflict", "timeout" (the time per submission ran out),
    # "kernel died" (gave up after too many reruns), "grader error"; an exercise's own trouble is its status, not the chapter's
    status: str
    notes: list = field(default_factory=list)
    verdicts: dict = field(default_factory=dict)  # label -> Verdict
    cpu_seconds: float = 0.0  # CPU time the sandbox reported for its runs (for the benchmark; not trusted for grades)


def _font_cache(home: Path, uid: int) -> None:
    """Give the sandbox the grader's matplotlib font list, so it does not rebuild it (seconds) on every start."""
    import matplotlib

    target = home / ".matplotlib"
    target.mkdir()
    for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copyfile(f, target / f.name)
    if uid >= 0:
        for p in [target, *target.iterdir()]:
            os.chown(p, uid, uid, follow_symlinks=False)


def _decode(x, arrays):
    if "npy" in x:
        if x["npy"] not in arrays:
            raise safeio.Unsafe(f"the result names an array it does not hold ({x['npy'][:20]!r})")
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


class Run:
    """One chapter of one student in the sandbox: cells, then hidden calls; reruns without a cell that never ends."""

    def __init__(
        self, jail: sandbox.Jail, base: Path, student_dir: Path, cells: list, limits: Limits
    ):
        self.jail, self.base, self.student_dir, self.limits = jail, base, student_dir, limits
        self.cells = cells  # [(index in the notebook, source)]
        self.status, self.notes, self.copy_notes = "ok", [], []
        self.errors = {}  # 1-based cell number -> error (grading.status.cell_error), from the last run
        self.deadline = time.monotonic() + limits.submission_timeout
        self.cpu_seconds = 0.0  # CPU time of the sandboxed runs, as they report it (the sandbox's processes are not our children)

    def _job(
        self,
        job_dir: Path,
        scratch_inside: str,
        cells: list,
        exercises: list,
        plans: dict,
        fds: tuple,
    ) -> None:
        arrays, items = {}, []
        for ex in exercises:
            item = {
                "label": ex.label,
                "kind": ex.kind,
                "names": list(ex.names),
                "checker": ex.checker,
            }
            if ex.kind == "function":
                cases = []
                for ci, case in enumerate(plans[ex.label].cases):
                    enc = []
                    for ai, a in enumerate(case.args):
                        if isinstance(a, np.ndarray):
                            key = f"{ex.label}/c{ci}a{ai}"
                            arrays[key] = a
                            enc.append({"npy": key})
                        else:
                            enc.append({"py": a.item() if isinstance(a, np.generic) else a})
                    cases.append(enc)
                item["cases"] = cases
            items.append(item)
        inside = "/job" if self.jail.sandboxed else str(job_dir)
        if arrays:
            np.savez(job_dir / "in.npz", **arrays)
            os.chmod(job_dir / "in.npz", 0o644)
        job = {
            "cells": cells,
            "cell_timeout": self.limits.cell_timeout,
            "call_timeout": self.limits.call_timeout,
            "exercises": items,
            "arrays": f"{inside}/in.npz" if arrays else "",
            "work": f"{scratch_inside}/work",
            "result_fd": fds[0],
            "progress_fd": fds[1],
            "sandboxed": self.jail.sandboxed,
            "scipy": any("scipy" in src for _, src in cells),
        }
        (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        os.chmod(job_dir / "job.json", 0o644)

    def _scratch(self, path: Path) -> None:
        uid = self.jail.uid
        self.copy_notes = safeio.copy_folder(self.student_dir, path / "work", uid)
        _font_cache(path / "home", uid)

    def once(self, cells: list, exercises: list, plans: dict) -> tuple:
        """One sandbox run: (events, result bytes, how it ended: 'done', 'cell N', 'exchange LABEL', 'died', 'time')."""
        job_dir, scratch = self.base / "job", self.base / "scratch"
        job_dir.mkdir(mode=0o755)
        result_file, progress_file = (
            tempfile.TemporaryFile(dir=self.base),
            tempfile.TemporaryFile(dir=self.base),
        )
        proc = None
        try:
            self.jail.scratch(scratch, self.limits.scratch_mb)
            try:
                self._scratch(scratch)
                fds = (result_file.fileno(), progress_file.fileno())
                inside = "/scratch" if self.jail.sandboxed else str(scratch)
                self._job(job_dir, inside, cells, exercises, plans, fds)
                env = {
                    **ENV,
                    **{
                        k: v.replace("/scratch", inside)
                        for k, v in ENV.items()
                        if v.startswith("/scratch")
                    },
                }
                resources = sandbox.Resources(
                    memory_mb=self.limits.memory_mb,
                    nproc=self.limits.nproc,
                    cpu_seconds=int(self.limits.submission_timeout + 60),
                    scratch_mb=self.limits.scratch_mb,
                )
                proc = self.jail.start(job_dir, scratch, fds, resources, env)
                events, ended = self._watch(proc, progress_file.fileno(), len(exercises))
                data = safeio.read_fd(result_file.fileno(), MAX_RESULT_BYTES + (1 << 20))
                return events, data, ended
            finally:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                if proc is not None:
                    proc.wait()
                if self.jail.uid >= 0:
                    sandbox.reap(self.jail.uid)
                self.jail.drop_scratch(scratch)
        finally:
            result_file.close()
            progress_file.close()
            shutil.rmtree(job_dir, ignore_errors=True)

    def _watch(self, proc, progress_fd: int, n_exercises: int) -> tuple:
        """Follow the progress lines until the run ends; kill it when a cell or a call overruns."""
        events, offset, buffer = [], 0, b""
        # ('cell', index) or ('exchange', label) and when it started
        current, since = (
            None,
            time.monotonic(),
        )
        exchange_budget = 5 * self.limits.call_timeout + 10
        while True:
            finished = proc.poll() is not None
            if offset < MAX_PROGRESS_BYTES:
                chunk = os.pread(progress_fd, MAX_PROGRESS_BYTES - offset, offset)
                offset += len(chunk)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(e, dict):
                        continue
                    events.append(e)
                    now = time.monotonic()
                    if isinstance(e.get("start"), int):
                        current, since = ("cell", e["start"]), now
                    elif "end" in e:
                        current = None
                    elif e.get("phase") == "exchange":
                        current, since = ("setup", None), now
                    elif isinstance(e.get("exchange"), str):
                        current, since = ("exchange", e["exchange"]), now
                    elif isinstance(e.get("cpu"), float) and 0 <= e["cpu"] < 1e6:
                        self.cpu_seconds += e[
                            "cpu"
                        ]  # a measurement for the benchmark only, not a grade
            if finished:
                if current is None or current[0] in ("setup", "exchange") and proc.returncode == 0:
                    return events, "done"
                return events, ("died", current)
            now = time.monotonic()
            over = None
            if current and current[0] == "cell" and now - since > self.limits.cell_timeout + 5:
                over = ("cell", current)
            elif current and current[0] == "exchange" and now - since > exchange_budget:
                over = ("exchange", current)
            elif current and current[0] == "setup" and now - since > 60:
                over = ("exchange", current)
            elif (current is None or current[0] == "cell") and now > self.deadline:
                over = ("time", current)
            if over:
                proc.kill()
                proc.wait()
                return events, over
            time.sleep(0.05)

    def run(self, exercises: list, plans: dict) -> dict:
        """Reports per label: the sandbox's (validated) answers, or a failure that names what went wrong."""
        reports, skip = {}, set()
        for attempt in range(self.limits.kernel_restarts + 1):
            todo = [ex for ex in exercises if ex.label not in reports]
            cells = [[i, src] for i, src in self.cells if i not in skip]
            events, data, ended = self.once(cells, todo, plans)
            self._cell_notes(events)
            if (
                ended == "done"
                or ended[0] == "died"
                and (ended[1] is None or ended[1][0] != "cell")
            ):
                try:
                    result, arrays = safeio.parse_result(data, MAX_RESULT_BYTES)
                except safeio.Unsafe as e:
                    for ex in todo:
                        reports[ex.label] = (
                            {"failed": f"the sandbox's answer was refused: {e}"},
                            {},
                        )
                    return reports
                if "harness_error" in result:
                    self.notes.append(
                        "the answers could not be collected (your code broke the grader's helper in the sandbox)"
                    )
                for ex in todo:
                    reports[ex.label] = (
                        result.get("reports", {}).get(
                            ex.label, {"failed": "no answer for this exercise"}
                        ),
                        arrays,
                    )
                return reports
            kind, where = ended
            if kind == "time":
                self.status = "timeout"
                self.notes.append(
                    f"the time limit of {self.limits.submission_timeout:g} s per submission ran out"
                    + (f" in cell {where[1] + 1}" if where and where[0] == "cell" else "")
                    + "; later cells did not run"
                )
                for ex in todo:
                    reports[ex.label] = (
                        {
                            "failed": "the submission ran out of time before the answers were read",
                            "timeout": True,
                        },
                        {},
                    )
                return reports
            if kind == "cell" or (kind == "died" and where and where[0] == "cell"):
                index = where[1]
                cell = cell_name(index + 1, dict(self.cells).get(index, ""))
                if kind == "cell":
                    self.notes.append(
                        f"{cell} ran longer than {self.limits.cell_timeout:g} s and could not be "
                        "interrupted: it was left out and the notebook run again without it"
                    )
                else:
                    self.notes.append(
                        f"{cell} ended the run (memory or CPU limit?): it was left out and "
                        "the notebook run again without it"
                    )
                skip.add(index)
                continue
            label = where[1] if where and where[0] == "exchange" else None
            failed = next((ex for ex in todo if ex.label == label), todo[0] if todo else None)
            if failed is not None:
                reports[failed.label] = (
                    {
                        "failed": "calling your answer on the hidden cases did not finish in time",
                        "timeout": True,
                    },
                    {},
                )
        self.status = "kernel died"
        self.notes.append("gave up after too many reruns")
        return reports

    def _cell_notes(self, events: list) -> None:
        sources = dict(self.cells)
        self.errors = {}
        for e in events:
            index = e.get("end")
            if isinstance(index, int) and index in sources:
                err = cell_error(e, sources[index], self.limits.cell_timeout)
                if err:
                    self.errors[index + 1] = err


def _outcomes(report: dict, arrays: dict) -> list:
    outcomes = []
    for o in report["outcomes"]:
        outcomes.append(
            Outcome(
                value=_decode(o["value"], arrays) if "value" in o else None,
                error=tuple(o["error"]) if "error" in o else (),
                timeout=bool(o.get("timeout")),
                skipped=bool(o.get("skipped")),
                mutated={int(k): _decode(v, arrays) for k, v in o.get("mutated", {}).items()},
                line=str(o.get("line", "")),
            )
        )
    return outcomes


def judge(ex: Exercise, p, report: dict, arrays: dict, limits: Limits) -> Verdict:
    """The verdict on one exercise from the sandbox's plain-data report (already schema-checked)."""
    total = len(p.cases) if p is not None else 1
    if "failed" in report:  # written by the grader itself (never by the sandbox)
        return Verdict(
            0, total, "time limit" if report.get("timeout") else "no answer", report["failed"]
        )
    if "refused" in report:
        return Verdict(0, total, "library function", report["refused"])
    if ex.kind == "values":
        if "values" not in report or len(report["values"]) != len(ex.names):
            return Verdict(
                0, total, "no answer", "the sandbox returned no values for this exercise"
            )
        values = [_decode(v, arrays) for v in report["values"]]
        missing = [n for n, v in zip(ex.names, report["values"], strict=True) if v.get("missing")]
        if missing:
            return Verdict(
                0,
                total,
                "not answered",
                f"{', '.join(missing)} not defined (was the starter cell deleted or renamed?)",
            )
        return judge_values(ex, values)
    if "not_callable" in report:
        what = (
            "not defined (was the starter cell deleted, or the function renamed?)"
            if report["not_callable"].get("missing")
            else "not a function"
        )
        return Verdict(0, total, "not answered", f"{ex.names[0]} is {what}")
    if "outcomes" not in report:
        return Verdict(0, total, "no answer", "the sandbox returned no outcomes for this function")
    outcomes = _outcomes(report, arrays)
    if len(outcomes) != total:
        return Verdict(0, total, "no answer", "the sandbox returned an incomplete answer")
    return judge_function(p, outcomes, limits.call_timeout)


_JAIL: dict = {}


def _cleanup(jail: sandbox.Jail) -> None:
    """Undo a worker's staging mounts, then remove its (now empty) folders; never recursive over a mount."""
    for source, _ in jail.binds:
        if Path(source).parent == jail.base:
            sandbox.umount(source)
            try:
                os.rmdir(source) if os.path.isdir(source) else os.unlink(source)
            except OSError:
                pass
    try:
        os.rmdir(jail.base)
    except OSError:
        pass


def worker_jail(sandboxed: bool = True) -> sandbox.Jail:
    """This worker process's sandbox (made once per process)."""
    key = (os.getpid(), sandboxed)
    if key not in _JAIL:
        import multiprocessing.util

        jail = sandbox.Jail(Path(tempfile.mkdtemp(prefix="grading-")), sandboxed)
        multiprocessing.util.Finalize(jail, _cleanup, args=(jail,), exitpriority=10)
        _JAIL[key] = jail
    return _JAIL[key]


def grade_chapter(
    path: Path, student_dir: Path, plans: dict, limits: Limits, sandboxed: bool = True
) -> ChapterResult:
    """Grade one chapter notebook of one student (``plans``: label -> Plan for the function exercises)."""
    exercises = by_chapter(path.name)
    try:
        data = safeio.read_file(student_dir, path.name, MAX_NOTEBOOK_BYTES)
    except FileNotFoundError:
        return ChapterResult("not submitted")
    except (OSError, safeio.Unsafe) as e:
        return ChapterResult("unreadable", [f"the notebook was not read: {e}"])
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable file
        return ChapterResult("unreadable", [f"the notebook could not be read: {type(e).__name__}"])
    code = [
        (i, c.source)
        for i, c in enumerate(nb.cells)
        if c.get("cell_type") == "code" and isinstance(c.get("source"), str)
    ]
    if len(code) > MAX_CELLS:
        return ChapterResult(
            "unreadable",
            [f"the notebook has {len(code)} code cells, more than the limit of {MAX_CELLS}"],
        )
    skip = display_only(path.name)
    cells = [(i, src) for i, src in code if src.strip() not in skip]
    jail = worker_jail(sandboxed)
    run = Run(jail, jail.base, student_dir, cells, limits)
    reports = run.run(exercises, plans)
    sources = {
        i + 1: src for i, src in code
    }  # cells numbered from 1 among all cells, as JupyterLab shows them
    lines = {c: describe(err, sources[c]) for c, err in sorted(run.errors.items())}
    result = ChapterResult(
        run.status, run.notes + run.copy_notes + list(lines.values()), cpu_seconds=run.cpu_seconds
    )
    for ex in exercises:
        report, arrays = reports.get(ex.label, ({"failed": "the answers could not be fetched"}, {}))
        try:
            result.verdicts[ex.label] = judge(ex, plans.get(ex.label), report, arrays, limits)
        except (safeio.Unsafe, KeyError, TypeError, ValueError) as e:
            result.verdicts[ex.label] = Verdict(
                0,
                len(plans[ex.label].cases) if ex.label in plans else 1,
                "no answer",
                f"the sandbox's answer was malformed ({type(e).__name__}: {str(e)[:200]})",
            )
        if any(o.get("timeout") for o in report.get("outcomes", [])) or "in time" in report.get(
            "failed", ""
        ):
            result.notes.append(f"{ex.names[0]} ran out of time on a hidden case")
    blame_errors(result.verdicts, lines, sources, exercises)
    return result


_PLANS: dict = {}


def plans_for(seed: int) -> dict:
    """label -> Plan for every function exercise (computed once per process; they are deterministic)."""
    if seed not in _PLANS:
        _PLANS[seed] = {ex.label: plan(ex, seed) for ex in EXERCISES if ex.kind == "function"}
    return _PLANS[seed]


def grade_student(
    student_dir: Path, chapters: list, seed: int, limits: Limits, sandboxed: bool = True
) -> dict:
    """{chapter: ChapterResult} for one student's folder; a failure of any kind stays in that student's row."""
    plans = plans_for(seed)
    results = {}
    if os.path.islink(student_dir) or not os.path.isdir(student_dir):
        return {
            ch: ChapterResult(
                "unreadable", ["the student's folder is a symbolic link (not followed)"]
            )
            for ch in chapters
        }
    for ch in chapters:
        try:
            results[ch] = grade_chapter(
                Path(student_dir) / ch, Path(student_dir), plans, limits, sandboxed
            )
        except sandbox.SandboxUnavailable:
            raise
        except Exception as e:  # noqa: BLE001 - one student's failure never stops the class
            results[ch] = ChapterResult(
                "grader error",
                [f"this chapter could not be graded ({type(e).__name__}: {str(e)[:200]})"],
            )
    return results
