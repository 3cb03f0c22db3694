"""Generate the student versions of the chapters, lint the exercises, run a student's checks.

The instructor notebooks in ``chapters/`` are the only source. A student
version is derived from each of them by the transforms of
``studentnb/transforms.py`` (:func:`studentnb.transforms.published_notebook`):

* every cell tagged ``solution`` is dropped (solution code and the
  ``{solution}`` dropdowns); the ``starter`` and ``check`` cells stay;
* the outputs of the teaching cells stay (the notebook reads well before it
  is run); the outputs of starters, checks and of cells that use an answer's
  names are cleared; the saved widget state keeps only what the kept outputs show;
* every ``check`` cell is tagged ``raises-exception``, so that "Run all" goes
  on past a check that fails (as every check does until the exercise is solved);
* every markdown cell is rewritten from MyST into plain CommonMark (exercise
  headings with label, level and check; cross-references as text; admonitions
  as blockquotes; numbered equations with ``\\tag``);
* a short header cell says what the notebook is.

The output is deterministic: the same chapters give byte-identical files.

Usage (from the repository root)::

    python -m studentnb.make --publish  # write student-notebooks/*.ipynb, the committed copies the site links to (make student-notebooks)
    python -m studentnb.make --stale    # exit 1 if student-notebooks/ is not what --publish would write
    python -m studentnb.make            # write your working copies student/*.ipynb (make student)
    python -m studentnb.make --force    # overwrite edited working copies (a copy goes to student/replaced/)
    python -m studentnb.make --check    # lint the instructor notebooks' exercises; write nothing
    python -m studentnb.make --run      # run student/*.ipynb exercise by exercise, report every check (make check-student)
    python -m studentnb.make --run --strict   # the same, exit status 1 unless every check passes (for CI)

``--run`` executes each notebook cell by cell: a syntax error, an exception
or a time-out in one exercise is reported for that exercise (cell number,
line, error) and the other exercises are still judged; a check passes only
when the checker returned normally, and a failing check prints the checker's
whole message (hint and first failing case), as in the notebook. A notebook
that cannot be read (deleted, not JSON) is reported and the others still run.
Exit status: 0 when every notebook ran (failing checks are the student's
result), 1 when a notebook could not be run, or with ``--strict`` when a
check failed.

The functions :func:`student_notebook`, :func:`generate`, :func:`publish`,
:func:`exercise_problems` and :func:`run_checks` are used by
``grading`` (fake submissions, the hand-marking sheet) and by
``tests/test_student_versions.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .cells import CellOutcome, KernelCells, run_cells
from .course import course_root
from .transforms import BookIndex, defined_names, published_notebook, render, used_names

ROOT = course_root()
SRC = ROOT / "chapters"
OUT = ROOT / "student"
PUBLISHED = ROOT / "student-notebooks"

SOLUTION, STARTER, CHECK, RAISES = "solution", "starter", "check", "raises-exception"
MIN_EXERCISES = 3
EXERCISE_RE = re.compile(r"^(```+|:::+)\{exercise\}", re.MULTILINE)
SOLUTION_RE = re.compile(r"^(```+|:::+)\{solution\}", re.MULTILINE)
LABEL_RE = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)


def tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


# ---------------------------------------------------------------------------
# generation

_INDEX = {}


def book_index(root: Path = ROOT) -> BookIndex:
    """Chapter numbers, exercise and equation numbers of the book at ``root`` (read once)."""
    root = Path(root).resolve()
    if root not in _INDEX:
        _INDEX[root] = BookIndex.from_book(root)
    return _INDEX[root]


def student_notebook(nb, name: str = "", index: BookIndex | None = None):
    """Return the student version of the instructor notebook ``nb`` (``nb`` is not modified).

    See ``studentnb/transforms.py``: solutions removed, outputs of the teaching
    cells kept, markdown in plain CommonMark, a header cell on top.
    """
    return published_notebook(nb, name or "chapter.ipynb", index or book_index())


def keep_copy(target: Path, backups: Path) -> Path:
    """Copy ``target`` to ``backups/<stem>.<YYYYmmdd-HHMMSS>.ipynb`` (never overwriting a copy); return the copy."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copy_path = backups / f"{target.stem}.{stamp}{target.suffix}"
    n = 1
    while copy_path.exists():
        n += 1
        copy_path = backups / f"{target.stem}.{stamp}-{n}{target.suffix}"
    shutil.copy2(target, copy_path)
    return copy_path


def generate(src: Path = SRC, out: Path = OUT, *, force: bool = False, log=print) -> list:
    """Write ``out/<name>.ipynb`` for every ``src/*.ipynb``; return the paths written or up to date.

    A student notebook that differs from its freshly generated version (the
    student's own work) is kept unless ``force`` is set; with ``force`` a
    timestamped copy of it goes to ``out/replaced/`` first.
    """
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for path in sorted(src.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        text = render(student_notebook(nb, path.name))
        target = out / path.name
        if target.exists():
            old = target.read_text(encoding="utf-8")
            if old == text:
                log(f"up to date  {target}")
                paths.append(target)
                continue
            if not force:
                log(
                    f"kept        {target} (it differs from the generated version: your work? use --force to overwrite)"
                )
                paths.append(target)
                continue
            copy_path = keep_copy(target, out / "replaced")
            target.write_text(text, encoding="utf-8")
            log(f"replaced    {target} (your version is kept as {copy_path})")
            paths.append(target)
            continue
        target.write_text(text, encoding="utf-8")
        log(f"wrote       {target}")
        paths.append(target)
    return paths


def chapter_notebooks(src: Path = SRC) -> list:
    """The instructor notebooks, ``src/*.ipynb`` in name order."""
    return sorted(Path(src).glob("*.ipynb"))


def published_texts(src: Path = SRC) -> dict:
    """``{file name: text}`` of every student notebook as ``publish`` writes it."""
    return {
        path.name: render(student_notebook(nbformat.read(path, as_version=4), path.name))
        for path in chapter_notebooks(src)
    }


def publish(src: Path = SRC, out: Path = PUBLISHED, log=print) -> list:
    """Write the published student notebooks ``out/<name>.ipynb`` (always overwritten: nobody edits them).

    These are the files the site's Binder, Colab and download buttons open;
    they are committed. A file in ``out`` without a chapter is removed.
    Returns the names that changed.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    texts = published_texts(src)
    changed = []
    for name, text in texts.items():
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
            log(f"wrote       {target}")
    for old in sorted(out.glob("*.ipynb")):
        if old.name not in texts:
            old.unlink()
            changed.append(old.name)
            log(f"removed     {old} (no chapter of that name)")
    if not changed:
        log(f"up to date  {out}/ ({len(texts)} notebooks)")
    return changed


def stale_published(src: Path = SRC, out: Path = PUBLISHED) -> list:
    """Names of the published student notebooks that differ from the chapters (missing, extra or outdated)."""
    texts = published_texts(src)
    out = Path(out)
    stale = [
        n
        for n, t in texts.items()
        if not (out / n).exists() or (out / n).read_text(encoding="utf-8") != t
    ]
    return stale + sorted(p.name for p in out.glob("*.ipynb") if p.name not in texts)


# ---------------------------------------------------------------------------
# linting the instructor notebooks


def exercises_start(nb) -> int:
    """Index of the last markdown cell that starts with ``## Exercises`` (-1 if none)."""
    found = -1
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises"):
            found = i
    return found


def count_exercises(nb) -> int:
    start = exercises_start(nb)
    return (
        sum(
            len(EXERCISE_RE.findall(c.source))
            for c in nb.cells[start + 1 :]
            if c.cell_type == "markdown"
        )
        if start >= 0
        else 0
    )


def exercise_problems(nb, name: str = "notebook") -> list:
    """Everything wrong with the exercise section of an instructor notebook (empty list: fine)."""
    problems = []
    start = exercises_start(nb)
    if start < 0:
        return [f"{name}: no '## Exercises' markdown cell"]
    n = count_exercises(nb)
    if n < MIN_EXERCISES:
        problems.append(
            f"{name}: {n} exercise(s) after '## Exercises', need at least {MIN_EXERCISES}"
        )
    labels = []
    for i, cell in enumerate(nb.cells):
        cell_tags = tags(cell)
        where = f"{name} cell {i} ({cell.get('id', '?')})"
        if cell.cell_type == "markdown":
            labels += LABEL_RE.findall(cell.source) if EXERCISE_RE.search(cell.source) else []
            if SOLUTION_RE.search(cell.source):
                if SOLUTION not in cell_tags:
                    problems.append(
                        f"{where}: a {{solution}} directive in a cell not tagged '{SOLUTION}' would reach the student version"
                    )
                if ":class: dropdown" not in cell.source:
                    problems.append(
                        f"{where}: a {{solution}} needs ':class: dropdown' so that the website hides it"
                    )
                if EXERCISE_RE.search(cell.source):
                    problems.append(
                        f"{where}: put the {{exercise}} and its {{solution}} in separate cells"
                    )
        if (
            cell.cell_type == "code"
            and SOLUTION in cell_tags
            and "hide-input" not in cell_tags
            and "remove-input" not in cell_tags
        ):
            problems.append(
                f"{where}: a solution code cell needs the 'hide-input' tag so that the website hides it"
            )
        if CHECK in cell_tags:
            if cell.cell_type != "code" or "check_" not in cell.source:
                problems.append(
                    f"{where}: a '{CHECK}' cell must be code calling a convlib.checks checker"
                )
            elif "nbval-check-output" not in cell_tags:
                problems.append(
                    f"{where}: a '{CHECK}' cell needs the 'nbval-check-output' tag so nbval compares its success message"
                )
        if (STARTER in cell_tags or SOLUTION in cell_tags or CHECK in cell_tags) and i <= start:
            problems.append(f"{where}: exercise cells belong after the '## Exercises' cell")
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        problems.append(f"{name}: duplicate exercise labels {duplicates}")
    # every starter has a solution (re)defining its names and a check using them, before the next starter
    cells = nb.cells
    starters = [i for i, c in enumerate(cells) if STARTER in tags(c)]
    for k, i in enumerate(starters):
        end = starters[k + 1] if k + 1 < len(starters) else len(cells)
        names = defined_names(cells[i].source)
        where = f"{name} starter cell {i} ({cells[i].get('id', '?')})"
        if cells[i].cell_type != "code" or not names:
            problems.append(
                f"{where}: a starter must be a code cell that defines the student's function or value"
            )
            continue
        if not any(
            EXERCISE_RE.search(c.source) for c in cells[start + 1 : i] if c.cell_type == "markdown"
        ):
            problems.append(f"{where}: no {{exercise}} task before it")
        solutions = [
            c
            for c in cells[i + 1 : end]
            if c.cell_type == "code" and SOLUTION in tags(c) and names <= defined_names(c.source)
        ]
        checks = [
            c for c in cells[i + 1 : end] if CHECK in tags(c) and names & used_names(c.source)
        ]
        if not solutions:
            problems.append(
                f"{where}: no solution cell (tag '{SOLUTION}') after it defines {sorted(names)}"
            )
        if not checks:
            problems.append(f"{where}: no check cell (tag '{CHECK}') after it uses {sorted(names)}")
        elif solutions and cells.index(checks[0]) < cells.index(solutions[0]):
            problems.append(f"{where}: the check must come after the solution")
    for i, c in enumerate(cells):
        if CHECK in tags(c) and not any(s < i for s in starters):
            problems.append(f"{name} cell {i}: check cell without a starter before it")
    return problems


# ---------------------------------------------------------------------------
# running a student's checks, one exercise at a time

CELL_TIMEOUT = 60  # seconds for any cell but a check (an infinite loop at the top level of a cell)
CHECK_TIMEOUT = 300  # a check: up to ~40 hidden cases, each call limited by the checker itself


@dataclass
class CheckResult:
    notebook: str
    cell_index: int
    source: str
    passed: bool
    ename: str = ""
    evalue: str = ""
    output: str = ""
    problem: str = ""  # why the check did not run or failed, in one or two lines

    @property
    def call(self) -> str:
        lines = [
            ln for ln in self.source.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
        ]
        return lines[-1].strip() if lines else "?"


def error_summary(source: str, outcome: CellOutcome, timeout: float) -> str:
    """Two lines, no ANSI codes: which cell and line, then the error (``outcome``: how the cell ended)."""
    where = f"cell {outcome.index + 1}"
    if outcome.timed_out:
        return f"{where} did not finish within {timeout:g} s and was stopped\n(a loop that never ends?)"
    lines = source.splitlines()
    if outcome.lineno is not None and 1 <= outcome.lineno <= len(lines):
        where += f", line {outcome.lineno}: {lines[outcome.lineno - 1].strip()}"
    first = outcome.message.splitlines()[0] if outcome.message.strip() else ""
    return f"{where}\n{outcome.error or 'Error'}: {first}".rstrip(": ")


def exercises(nb) -> list:
    """``[(starter index or None, [cell indices up to the next starter])]``: the notebook cut into exercises."""
    groups, current = [], (None, [])
    for i, cell in enumerate(nb.cells):
        if STARTER in tags(cell):
            groups.append(current)
            current = (i, [])
        current[1].append(i)
    groups.append(current)
    return groups


def canonical_checks(name: str, src: Path = SRC) -> dict:
    """Check-cell sources of the instructor notebook, by cell id (a student cannot weaken a check by editing it)."""
    path = Path(src) / name
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {c.get("id"): c.source for c in nb.cells if CHECK in tags(c)}


def run_notebook_checks(
    path: Path,
    *,
    src: Path = SRC,
    cell_timeout: float = CELL_TIMEOUT,
    check_timeout: float = CHECK_TIMEOUT,
    log=print,
) -> list:
    """Execute a student notebook cell by cell; one CheckResult per check cell.

    A cell that fails or runs out of time is recorded and execution goes on
    (the kernel is interrupted, not restarted). The checks of an exercise
    whose own cells failed are not run; they report that cell instead (a
    failing cell outside the exercises is only reported). A check passes
    only if its cell (the instructor's version of it) ran to the end without
    an error.
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    originals = canonical_checks(path.name, src)
    for cell in nb.cells:
        if CHECK in tags(cell) and originals.get(cell.get("id")) not in (None, cell.source):
            cell.source = originals[cell.get("id")]

    def timeout_for(cell):
        return check_timeout if CHECK in tags(cell) else cell_timeout

    group = {
        i: starter for starter, indices in exercises(nb) for i in indices
    }  # cell -> its exercise's starter
    broken = {}  # starter -> why its exercise's own cells failed
    results = []

    def before(i, source):
        """A check whose exercise's own cells failed is not run: it reports that cell."""
        if CHECK in tags(nb.cells[i]) and broken.get(group[i]):
            why = broken[group[i]]
            results.append(
                CheckResult(path.name, i, source, False, "NotRun", why, problem=f"not run: {why}")
            )
            return False
        return True

    def after(outcome):
        i, cell = outcome.index, nb.cells[outcome.index]
        timeout = timeout_for(cell)
        if CHECK in tags(cell):
            summary = "" if outcome.ok else error_summary(cell.source, outcome, timeout)
            if outcome.error in ("CheckFailed", "AssertionError") and not outcome.timed_out:
                summary = outcome.message  # the checker's own message, hint first
            results.append(
                CheckResult(
                    path.name,
                    i,
                    cell.source,
                    outcome.ok,
                    outcome.error or ("Timeout" if outcome.timed_out else ""),
                    outcome.message,
                    outcome.output,
                    summary,
                )
            )
        elif not outcome.ok:
            summary = error_summary(cell.source, outcome, timeout)
            if group[i] is None:  # a failing cell outside the exercises is only reported
                log("  ! " + summary.replace("\n", ": ", 1))
            else:
                broken.setdefault(group[i], f"your {summary}")

    config, sockets = kernel_config(path.parent)
    client = NotebookClient(
        nb,
        config=config,
        timeout_func=timeout_for,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        with client.setup_kernel():
            code = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            run_cells(code, KernelCells(client, nb, timeout_for), before=before, after=after)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return results


class CheckRun(list):
    """The CheckResults of a run (a list), plus ``unreadable``: ``[(path, why)]`` of notebooks that could not run."""

    def __init__(self):
        super().__init__()
        self.unreadable = []


def notebook_problem(path: Path, error: Exception) -> str:
    """One line saying why a notebook could not be run."""
    if isinstance(error, FileNotFoundError):
        return "the file is gone (deleted or renamed while the checks ran?)"
    if isinstance(error, (json.JSONDecodeError, nbformat.reader.NotJSONError)):
        return "not a notebook: the file is not valid JSON (an editor saved it half-way?)"
    if isinstance(error, nbformat.ValidationError):
        return f"not a valid notebook: {str(error).splitlines()[0]}"
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'could not run it'}"


def run_checks(paths, log=print, **options) -> CheckRun:
    """Run every student notebook in ``paths`` exercise by exercise, report each check; return all CheckResults.

    A failing check is reported with the checker's whole message: the hint
    that names the mistake and the first failing case, as the notebook shows it.
    """
    results = CheckRun()
    for path in paths:
        log(f"\n{path}")
        try:
            found = run_notebook_checks(Path(path), log=log, **options)
        except Exception as error:  # noqa: BLE001 - reported for this notebook, the others still run
            why = notebook_problem(Path(path), error)
            results.unreadable.append((Path(path), why))
            log(f"  ! not run: {why}")
            continue
        for r in found:
            results.append(r)
            if r.passed:
                log(f"  ✓ {r.call}")
                continue
            log(f"  ✗ {r.call}")
            lines = [ln.rstrip() for ln in r.problem.splitlines()] or [r.ename or "failed"]
            if r.ename not in ("CheckFailed", "AssertionError"):
                lines = [ln for ln in lines if ln.strip()][:2]
            for line in lines:
                log(f"      {line}" if line.strip() else "")
    passed = sum(r.passed for r in results)
    log(f"\n{passed} of {len(results)} checks pass")
    for path, why in results.unreadable:
        log(f"not run: {path}: {why}")
    return results


def kernel_config(workdir: Path):
    """Configuration for nbclient's own kernel manager: IPC sockets in a private folder, so the kernel
    prints no "running over TCP without encryption" warning. nbclient keeps owning the kernel manager
    (it interrupts a cell that runs too long and shuts the kernel down). Returns (config, folder)."""
    import tempfile

    from traitlets.config import Config

    sockets = Path(tempfile.mkdtemp(prefix="convlayer-kernel-"))
    return Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}}), sockets


def execute(nb, cwd: Path, timeout: int = 120):
    """Execute ``nb`` in place with nbclient; only cells tagged ``raises-exception`` may fail (used by the tests)."""
    from nbclient import NotebookClient

    config, sockets = kernel_config(cwd)
    client = NotebookClient(
        nb,
        config=config,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return nb


# ---------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src", type=Path, default=SRC, help="instructor notebooks (default: chapters/)"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="student notebooks (default: student/)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite edited student notebooks (keeping a timestamped copy in <out>/replaced/)",
    )
    parser.add_argument(
        "--check", action="store_true", help="lint the instructor notebooks' exercises and exit"
    )
    parser.add_argument(
        "--run", action="store_true", help="execute the student notebooks and report every check"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="with --run: exit status 1 unless every check passes (for CI)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="write the published student notebooks (default: student-notebooks/)",
    )
    parser.add_argument(
        "--stale",
        action="store_true",
        help="exit 1 if the published student notebooks differ from the chapters",
    )
    parser.add_argument(
        "--published",
        type=Path,
        default=PUBLISHED,
        help="published student notebooks (default: student-notebooks/)",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="with --run: the notebooks to run (default: all in --out)",
    )
    args = parser.parse_args(argv)

    if args.check:
        problems, total = [], 0
        for path in sorted(args.src.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            problems += exercise_problems(nb, path.name)
            student = student_notebook(nb, path.name)
            if render(student) != render(
                student_notebook(nbformat.read(path, as_version=4), path.name)
            ):
                problems.append(f"{path.name}: the student version is not deterministic")
            leaked = [c.get("id") for c in student.cells if SOLUTION in tags(c)]
            if leaked:
                problems.append(f"{path.name}: solution cells in the student version: {leaked}")
            n = count_exercises(nb)
            total += n
            print(f"{path.name}: {n} exercises")
        for p in problems:
            print("problem:", p)
        print(
            f"{total} exercises in all; {'OK' if not problems else f'{len(problems)} problem(s)'}"
        )
        return 1 if problems else 0

    if args.run:
        paths = args.notebooks or sorted(args.out.glob("*.ipynb"))
        if not paths:
            print(f"no student notebooks in {args.out}: run `make student` first")
            return 1
        results = run_checks(paths, src=args.src)
        if results.unreadable:
            return 1
        return 1 if args.strict and not (results and all(r.passed for r in results)) else 0

    try:
        if args.publish:
            publish(args.src, args.published)
            return 0
        if args.stale:
            stale = stale_published(args.src, args.published)
            for name in stale:
                print(
                    f"stale: {args.published / name} (run `make student-notebooks` and commit it)"
                )
            return 1 if stale else 0
        generate(args.src, args.out, force=args.force)
    except ValueError as error:  # a chapter's MyST the transform cannot turn into plain Markdown (an unknown label, ...)
        print(f"studentnb.make: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
