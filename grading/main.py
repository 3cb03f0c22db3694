"""Grade a folder of submissions in parallel: ``python -m grading SUBMISSIONS OUT``."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .exercises import CHAPTERS
from .hidden import new_secret, read_seed, secret_path
from .report import summary, write_feedback, write_gradebook
from .runner import ChapterResult, Limits, grade_student, plans_for
from .sandbox import SandboxUnavailable, probe


def _progress(done: int, total: int, started: float, stream) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0
    stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total} students, {elapsed:5.0f} s elapsed, ~{eta:4.0f} s left")
    stream.flush()


def grade(submissions, out, *, secret=None, jobs=None, limits: Limits | None = None, chapters=None, progress=sys.stderr,
          sandbox: bool = True) -> dict:
    """Grade every ``submissions/<student>/`` folder; write ``out/grades.csv`` and ``out/feedback/``.

    Parameters
    ----------
    submissions, out : path
        The folder of student folders, and where the gradebook and feedback go.
    secret : path, optional
        The instructor's seed file (default ``$CONVLAYER_GRADING_SEED`` or
        ``~/.config/convlayer/grading-seed``).
    jobs : int, optional
        Students graded at the same time (default: every core).
    limits : Limits, optional
        Time and resource limits per submission.
    chapters : list of str, optional
        Chapter notebook names to grade (default: all four).
    sandbox : bool, optional
        Run each submission in bubblewrap (default). A grader that cannot
        (not root, no working ``bwrap``) raises :class:`SandboxUnavailable`;
        ``False`` runs the students' code as you, with resource limits only.

    Returns
    -------
    dict
        ``{student: {chapter: ChapterResult}}``.

    Examples
    --------
    >>> from grading import grade
    >>> results = grade("submissions", "out", secret="seed.txt")  # doctest: +SKIP
    """
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of student folders; {submissions} is not a folder")
    seed = read_seed(secret)
    limits = limits or Limits()
    chapters = list(chapters or CHAPTERS)
    unknown = [c for c in chapters if c not in CHAPTERS]
    if unknown:
        raise ValueError(f"chapters must be among {list(CHAPTERS)}; got {unknown}")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    plans_for(seed)  # fail early if a checker cannot be planned
    if sandbox:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="grading-probe-") as tmp:
            why = probe(Path(tmp))
        if why:
            raise SandboxUnavailable(why)
    out.mkdir(parents=True, exist_ok=True)
    results, started = {}, time.monotonic()
    jobs = max(1, jobs or os.cpu_count() or 1)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(grade_student, s, chapters, seed, limits, sandbox): s.name for s in students}
        if progress:
            _progress(0, len(students), started, progress)
        for future in as_completed(futures):
            try:
                results[futures[future]] = future.result()
            except Exception as e:  # noqa: BLE001 - a worker lost with one student: that row, not the class
                results[futures[future]] = {ch: ChapterResult("grader error", [f"not graded: {type(e).__name__}"]) for ch in chapters}
            if progress:
                _progress(len(results), len(students), started, progress)
    if progress:
        progress.write("\n")
    write_gradebook(results, out)
    write_feedback(results, out)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    parser.add_argument("submissions", nargs="?", type=Path, help="folder with one folder per student")
    parser.add_argument("out", nargs="?", type=Path, help="where grades.csv and feedback/ go")
    parser.add_argument("--secret", type=Path, help=f"seed file (default {secret_path()})")
    parser.add_argument("--new-secret", action="store_true", help="write a new random seed file and exit")
    parser.add_argument("--jobs", type=int, help="students graded in parallel (default: all cores)")
    parser.add_argument("--chapters", nargs="*", help="chapter notebooks to grade (default: all)")
    d = Limits()
    parser.add_argument("--cell-timeout", type=float, default=d.cell_timeout, help="seconds per notebook cell")
    parser.add_argument("--submission-timeout", type=float, default=d.submission_timeout, help="seconds for one notebook's cells")
    parser.add_argument("--call-timeout", type=float, default=d.call_timeout, help="seconds per hidden case")
    parser.add_argument("--memory-mb", type=int, default=d.memory_mb, help="address space of a kernel")
    parser.add_argument("--nproc", type=int, default=d.nproc, help="processes and threads of a kernel")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the students' code WITHOUT bubblewrap, as you, with resource limits only (for your own test notebooks)")
    args = parser.parse_args(argv)
    if args.new_secret:
        print(f"wrote a new grading seed to {new_secret(args.secret)}")
        return 0
    if args.submissions is None or args.out is None:
        parser.error("give SUBMISSIONS and OUT")
    limits = Limits(args.cell_timeout, args.submission_timeout, args.call_timeout, args.memory_mb, args.nproc)
    try:
        results = grade(args.submissions, args.out, secret=args.secret, jobs=args.jobs, limits=limits, chapters=args.chapters,
                        sandbox=not args.no_sandbox)
    except SandboxUnavailable as e:
        print(f"grading: {e}\nRefusing to run students' code without a sandbox; --no-sandbox does it anyway (see the README).", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"grading: {e}", file=sys.stderr)
        return 2
    print(summary(results))
    print(f"\nwrote {args.out / 'grades.csv'} and {args.out / 'feedback'}/ ({len(results)} students)")
    return 0
