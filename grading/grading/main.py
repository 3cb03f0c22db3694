"""Grade a folder of submissions in parallel: ``python -m grading SUBMISSIONS OUT``.

Other commands: ``python -m grading merge OUT_1 ... OUT_N --into OUT`` (join
shards), ``python -m grading marks SHEET --into OUT`` (hand marks), and
``python -m grading export OUT --canvas FILE | --moodle FILE --roster R |
--bundle FILE.zip``. See the README's "Grading" section.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat

from .exercises import CHAPTERS, EXERCISES
from .gradebook import chapter_record, rebuild, save_record
from .hidden import new_secret, read_seed, secret_path
from .late import LatePolicy, parse_deadline
from .marking import discussion_answers
from .runner import ChapterResult, Limits, grade_student, plans_for
from .sandbox import SandboxUnavailable, probe
from .shards import parse_shard, shard_of
from .similarity import function_source
from .submissions import discover, stage


def _progress(done: int, total: int, started: float, stream) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0
    stream.write(
        f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total} students, {elapsed:5.0f} s elapsed, ~{eta:4.0f} s left"
    )
    stream.flush()


def _texts(path: Path, chapter: str) -> tuple:
    """The function sources and discussion answers of a staged notebook (read here, never run)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - the runner reports an unreadable notebook
        return {}, {}
    sources = {
        ex.label: function_source(nb, ex.names[0])
        for ex in EXERCISES
        if ex.chapter == chapter and ex.kind == "function"
    }
    return {k: v for k, v in sources.items() if v}, discussion_answers(nb, chapter)


def _record(sub, results: dict, chapters: list, staged: Path) -> dict:
    record = {
        "student": sub.student,
        "origin": sub.origin,
        "lms": sub.lms,
        "notes": list(sub.notes),
        "chapters": {},
    }
    for ch in chapters:
        if ch in sub.refused and ch not in results:
            record["chapters"][ch] = chapter_record(ChapterResult("unreadable", [sub.refused[ch]]))
        elif ch in sub.conflicts:
            res = ChapterResult(
                "conflict",
                [
                    f"several notebooks could be this chapter: {', '.join(sub.conflicts[ch])}; none was graded"
                ],
            )
            record["chapters"][ch] = chapter_record(res, conflict=sub.conflicts[ch])
        elif ch not in results:
            notes = (
                [f"notebooks that match no chapter: {', '.join(sub.unmatched)}"]
                if sub.unmatched
                else []
            )
            record["chapters"][ch] = chapter_record(ChapterResult("not submitted", notes))
        else:
            sources, answers = _texts(staged / ch, ch)
            record["chapters"][ch] = chapter_record(
                results[ch],
                file=sub.files[ch].name if ch in sub.files else ch,
                reason=sub.reasons.get(ch, ""),
                submitted=sub.times.get(ch),
                sources=sources,
                answers=answers,
            )
    return record


def grade(
    submissions,
    out,
    *,
    secret=None,
    jobs=None,
    limits: Limits | None = None,
    chapters=None,
    only=None,
    shard=None,
    deadline=None,
    late_penalty=None,
    progress=sys.stderr,
    log=sys.stdout,
    sandbox: bool = True,
) -> dict:
    """Grade the students of ``submissions`` into ``out``; keep everyone else already graded there.

    Parameters
    ----------
    submissions, out : path
        The submissions as received (student folders, ``.zip`` files, a Canvas
        bulk download: :mod:`grading.submissions`), and the output folder.
    secret : path, optional
        The instructor's seed file (default ``$CONVLAYER_GRADING_SEED`` or
        ``~/.config/convlayer/grading-seed``).
    jobs : int, optional
        Students graded at the same time (default: every core).
    limits : Limits, optional
        Time and resource limits per submission.
    chapters : list of str, optional
        Chapter notebook names to grade (default: all).
    only : list of str, optional
        Grade only these students (a regrade); the others' results stay.
    shard : str, optional
        ``"K/N"``: grade only the K-th of N stable slices (:mod:`grading.shards`).
    deadline : str, optional
        ISO 8601 deadline; ``late_penalty`` percent of the total per started day late (0: flag only).
    sandbox : bool, optional
        Run each submission in bubblewrap (default). A grader that cannot
        (not root, no working ``bwrap``) raises :class:`SandboxUnavailable`
        before any student's code runs; ``False`` runs the students' code as
        you, with resource limits only.

    Returns
    -------
    dict
        ``{student: record}`` of the students graded in this run; each record
        also says ``cpu_seconds``, the CPU time its sandbox runs reported (a
        measurement for the benchmark, not stored in ``out``).

    Examples
    --------
    >>> from grading import grade
    >>> results = grade("submissions", "out", secret="seed.txt")  # doctest: +SKIP
    """
    out = Path(out)
    seed = read_seed(secret)
    limits = limits or Limits()
    chapters = list(chapters or CHAPTERS)
    unknown = [c for c in chapters if c not in CHAPTERS]
    if unknown:
        raise ValueError(f"chapters must be among {list(CHAPTERS)}; got {unknown}")
    policy = LatePolicy(parse_deadline(deadline), float(late_penalty or 0)) if deadline else None
    if late_penalty is not None and (deadline is None or not 0 <= float(late_penalty) <= 100):
        raise ValueError(
            f"--late-penalty must be a percentage from 0 to 100 and needs --deadline; got {late_penalty!r}"
        )
    k_n = parse_shard(shard) if shard else None
    plans_for(seed)  # fail early if a checker cannot be planned
    if sandbox:
        with tempfile.TemporaryDirectory(prefix="grading-probe-") as tmp:
            why = probe(Path(tmp))
        if why:
            raise SandboxUnavailable(why)
    with tempfile.TemporaryDirectory(prefix="grading-staging-") as tmp:
        tmp = Path(tmp)
        stray: list = []
        subs = discover(submissions, chapters, tmp / "unpacked", stray)
        for name in stray:
            print(
                f"ignored {name}: a notebook outside any student folder, not named as Canvas names them",
                file=log,
            )
        if only:
            missing = [s for s in only if s not in subs]
            if missing:
                raise ValueError(
                    f"--only: no submission for {', '.join(missing)} in {submissions}; found {', '.join(sorted(subs)) or 'none'}"
                )
            subs = {s: subs[s] for s in only}
        if k_n:
            subs = {s: v for s, v in subs.items() if shard_of(s, k_n[1]) == k_n[0]}
        for s, sub in sorted(subs.items()):
            for ch, why in sorted(sub.reasons.items()):
                if why != "exact name":
                    print(f"{s}: graded {sub.files[ch].name} as {ch} ({why})", file=log)
            for ch, names in sorted(sub.conflicts.items()):
                print(
                    f"{s}: CONFLICT, not graded: {len(names)} notebooks could be {ch}: {', '.join(names)}",
                    file=log,
                )
            if sub.unmatched:
                print(f"{s}: ignored, matches no chapter: {', '.join(sub.unmatched)}", file=log)
        staged = {s: stage(sub, tmp / "staged") for s, sub in subs.items()}
        for s, sub in sorted(subs.items()):
            for ch, why in sorted(sub.refused.items()):
                print(f"{s}: UNREADABLE, not graded: {ch}: {why}", file=log)
        out.mkdir(parents=True, exist_ok=True)
        results, started = {}, time.monotonic()
        jobs = max(1, jobs or os.cpu_count() or 1)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {
                pool.submit(
                    grade_student,
                    staged[s],
                    [c for c in chapters if c in sub.files],
                    seed,
                    limits,
                    sandbox,
                ): s
                for s, sub in subs.items()
            }
            if progress:
                _progress(0, len(subs), started, progress)
            for future in as_completed(futures):
                s = futures[future]
                try:
                    graded = future.result()
                except Exception as e:  # noqa: BLE001 - a worker lost with one student costs that student, not the class
                    graded = {
                        ch: ChapterResult("grader error", [f"not graded: {type(e).__name__}"])
                        for ch in subs[s].files
                    }
                record = _record(subs[s], graded, chapters, staged[s])
                save_record(out, record)
                results[s] = {**record, "cpu_seconds": sum(r.cpu_seconds for r in graded.values())}
                if progress:
                    _progress(len(results), len(subs), started, progress)
        if progress:
            progress.write("\n")
    if policy is not None:
        policy.save(out)
    rebuild(out)
    return results


def _common(parser) -> None:
    d = Limits()
    parser.add_argument("--secret", type=Path, help=f"seed file (default {secret_path()})")
    parser.add_argument("--jobs", type=int, help="students graded in parallel (default: all cores)")
    parser.add_argument("--chapters", nargs="*", help="chapter notebooks to grade (default: all)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="STUDENT",
        help="grade only these students, keep the others in OUT",
    )
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="grade only the K-th of N stable slices of the class (see merge)",
    )
    parser.add_argument(
        "--deadline", help="ISO 8601 deadline, e.g. 2026-03-01T23:59+01:00 (late work)"
    )
    parser.add_argument(
        "--late-penalty",
        type=float,
        help="percent of the total deducted per started day late (0: flag only)",
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=d.cell_timeout, help="seconds per notebook cell"
    )
    parser.add_argument(
        "--submission-timeout",
        type=float,
        default=d.submission_timeout,
        help="seconds for one notebook's cells",
    )
    parser.add_argument(
        "--call-timeout", type=float, default=d.call_timeout, help="seconds per hidden case"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=d.memory_mb, help="address space of a kernel"
    )
    parser.add_argument(
        "--nproc", type=int, default=d.nproc, help="processes and threads of a kernel"
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the students' code WITHOUT bubblewrap, as you, with resource limits only (for your own test notebooks)",
    )


def _subcommand(argv: list) -> int:
    from . import export, marking, shards

    name, rest = argv[0], argv[1:]
    parser = argparse.ArgumentParser(prog=f"python -m grading {name}")
    if name == "merge":
        parser.add_argument("outs", nargs="+", type=Path, help="the shards' output folders")
        parser.add_argument("--into", type=Path, required=True, help="the merged output folder")
    elif name == "marks":
        parser.add_argument("sheet", type=Path, help="a filled-in marking sheet (CSV)")
        parser.add_argument(
            "--into", type=Path, required=True, help="the output folder it belongs to"
        )
    else:
        parser.add_argument("out", type=Path, help="a grading output folder")
        parser.add_argument("--canvas", type=Path, help="write a Canvas gradebook import CSV here")
        parser.add_argument(
            "--assignment", default="convlayer", help="the Canvas assignment's column name"
        )
        parser.add_argument(
            "--moodle", type=Path, help="write a Moodle grade import CSV here (needs --roster)"
        )
        parser.add_argument(
            "--item", default="convlayer", help="the Moodle grade item's column name"
        )
        parser.add_argument(
            "--roster", type=Path, help="the LMS's gradebook export (CSV) to match students"
        )
        parser.add_argument("--bundle", type=Path, help="write a zip of every feedback file here")
    args = parser.parse_args(rest)
    try:
        if name == "merge":
            records = shards.merge(args.outs, args.into)
            print(f"merged {len(args.outs)} outputs into {args.into} ({len(records)} students)")
        elif name == "marks":
            n = marking.import_sheet(args.sheet, args.into)
            print(
                f"took {n} marks from {args.sheet}; rewrote {args.into / 'grades.csv'} and the feedback"
            )
        else:
            if not (args.canvas or args.moodle or args.bundle):
                parser.error("give --canvas FILE, --moodle FILE or --bundle FILE")
            if args.moodle and not args.roster:
                parser.error(
                    "--moodle needs --roster (a Moodle grade export with the students' e-mail addresses)"
                )
            if args.canvas:
                print(
                    f"wrote {export.canvas_csv(args.out, args.canvas, assignment=args.assignment, roster=args.roster)}"
                )
            if args.moodle:
                print(
                    f"wrote {export.moodle_csv(args.out, args.moodle, roster=args.roster, item=args.item)}"
                )
            if args.bundle:
                print(f"wrote {export.feedback_bundle(args.out, args.bundle)}")
    except ValueError as e:
        print(f"grading {name}: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("merge", "marks", "export"):
        return _subcommand(argv)
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "submissions",
        nargs="?",
        type=Path,
        help="student folders, per-student .zip files or a Canvas bulk download",
    )
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        help="where grades.csv, feedback/ and the rest go (kept across runs)",
    )
    parser.add_argument(
        "--new-secret", action="store_true", help="write a new random seed file and exit"
    )
    _common(parser)
    args = parser.parse_args(argv)
    if args.new_secret:
        try:
            print(f"wrote a new grading seed to {new_secret(args.secret)}")
        except FileExistsError:
            print(
                f"grading: a seed already exists at {secret_path(args.secret)}; not overwritten "
                "(it decides the hidden cases; delete it yourself only to start afresh)",
                file=sys.stderr,
            )
            return 2
        return 0
    if args.submissions is None or args.out is None:
        parser.error("give SUBMISSIONS and OUT")
    limits = Limits(
        args.cell_timeout, args.submission_timeout, args.call_timeout, args.memory_mb, args.nproc
    )
    try:
        results = grade(
            args.submissions,
            args.out,
            secret=args.secret,
            jobs=args.jobs,
            limits=limits,
            chapters=args.chapters,
            only=args.only,
            shard=args.shard,
            deadline=args.deadline,
            late_penalty=args.late_penalty,
            sandbox=not args.no_sandbox,
        )
    except SandboxUnavailable as e:
        print(
            f"grading: {e}\nRefusing to run students' code without a sandbox; --no-sandbox does it anyway (see the README).",
            file=sys.stderr,
        )
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"grading: {e}", file=sys.stderr)
        return 2
    print((args.out / "summary.txt").read_text(encoding="utf-8").rstrip())
    print(
        f"\ngraded {len(results)} students; wrote {args.out / 'grades.csv'} (the whole class), feedback/, marking.csv, "
        f"status.csv, similarity.md"
    )
    return 0
