"""The grading output folder: one record per student, from which everything else is rebuilt.

``OUT/results/<student>.json`` holds what grading found for one student
(per chapter: status, notes, verdicts, the file graded and why, its time, the
function sources and discussion answers). ``OUT/marks.json`` holds the hand
marks, ``OUT/settings.json`` the late-work policy. Every run, regrade, merge
and marking-sheet import only changes these and then calls :func:`rebuild`,
which writes ``grades.csv`` (always the whole class, atomically),
``status.csv``, ``feedback/``, ``marking.csv``, ``similarity.md`` and
``summary.txt``. So grading some students again never loses the others.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from .exercises import DISCUSSIONS, EXERCISES, OLD_CHAPTERS, chapter_of, upgrade_labels
from .hidden import Verdict
from .status import exercise_status

STATUS_PREFIX = "status "


def atomic_write(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and :func:`os.replace`.

    A reader (or a crash) never sees half a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = atomic_write(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hello")
    >>> p.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def csv_text(fields: list, rows: list) -> str:
    r"""CSV text (header + rows) of dicts, as written to every CSV file of the output (no cell starts like a formula).

    Lines end in ``\r\n`` (RFC 4180), so a carriage return inside a cell is
    quoted too and cannot start a new row.

    Examples
    --------
    >>> csv_text(["student", "total"], [{"student": "\r=1+1", "total": 3.5}])
    'student,total\r\n"\'\r=1+1",3.5\r\n'
    """
    from .report import csv_safe

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: csv_safe(v) for k, v in row.items()})
    return buf.getvalue()


# ---------------------------------------------------------------------------
# records


def chapter_record(
    result, *, file="", reason="", submitted=None, conflict=(), sources=None, answers=None
) -> dict:
    """The JSON-ready record of one graded chapter (``result`` is a :class:`grading.runner.ChapterResult`)."""
    return {
        "status": result.status,
        "notes": list(result.notes),
        "file": file,
        "reason": reason,
        "submitted": submitted,
        "conflict": list(conflict),
        "sources": sources or {},
        "answers": answers or {},
        "verdicts": {
            label: {"passed": v.passed, "total": v.total, "tag": v.tag, "message": v.message}
            for label, v in result.verdicts.items()
        },
    }


def verdicts(chapter: dict) -> dict:
    """label -> :class:`grading.hidden.Verdict` of a chapter record (old labels under their current names)."""
    return {label: Verdict(**v) for label, v in upgrade_labels(chapter["verdicts"]).items()}


def upgrade_record(record: dict) -> dict:
    """A stored record as if it were graded today: old chapter names and exercise labels under their current names.

    A chapter stored under its old name (``grading.exercises.OLD_CHAPTERS``)
    moves to the new one, every renamed label (``OLD_LABELS``) becomes the
    current one, and an exercise that moved to another chapter when chapter 3
    was split moves into that chapter's record (which is made from the old
    chapter's status and file when the student has none). A chapter graded
    under its current name wins over the same chapter under its old name.
    """
    keys = ("verdicts", "sources", "answers")
    chapters = {}
    # old names first
    ordered = sorted(
        record.get("chapters", {}).items(), key=lambda item: item[0] not in OLD_CHAPTERS
    )
    for name, chapter in ordered:
        chapter = {
            k: (upgrade_labels(v) if k in keys and isinstance(v, dict) else v)
            for k, v in chapter.items()
        }
        chapters[OLD_CHAPTERS.get(name, name)] = chapter
    for name, chapter in list(chapters.items()):
        for key in keys:
            for label in [k for k in chapter.get(key) or {} if chapter_of(k) not in (None, name)]:
                home = chapters.setdefault(
                    chapter_of(label),
                    {
                        **{k: v for k, v in chapter.items() if k not in keys},
                        **{k: {} for k in keys},
                    },
                )
                home.setdefault(key, {}).setdefault(label, chapter[key][label])
                del chapter[key][label]
    return {**record, "chapters": chapters}


def results_dir(out) -> Path:
    return Path(out) / "results"


def _file_name(student: str) -> str:
    return student.replace("/", "_") + ".json"


def save_record(out, record: dict) -> Path:
    """Store one student's record, merged chapter by chapter into the one already stored."""
    path = results_dir(out) / _file_name(record["student"])
    if path.is_file():
        old = upgrade_record(json.loads(path.read_text(encoding="utf-8")))
        record = {**old, **record, "chapters": {**old.get("chapters", {}), **record["chapters"]}}
    return atomic_write(path, json.dumps(record, indent=1, sort_keys=True))


def load_records(out) -> dict:
    """``{student: record}`` of every student stored in ``out``."""
    folder = results_dir(out)
    records = {}
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        r = upgrade_record(json.loads(p.read_text(encoding="utf-8")))
        records[r["student"]] = r
    return records


def load_json(path, default):
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else default


# ---------------------------------------------------------------------------
# the gradebook


def graded_chapters(records: dict) -> list:
    """Every chapter graded for anyone, in the course's order."""
    seen = {ch for r in records.values() for ch in r["chapters"]}
    order = list(dict.fromkeys([ex.chapter for ex in EXERCISES] + [d.chapter for d in DISCUSSIONS]))
    return [ch for ch in order if ch in seen]


def points(label: str, verdict) -> float:
    """Points earned: the exercise's points times the share of hidden cases passed, to 0.01."""
    ex = next(e for e in EXERCISES if e.label == label)
    return round(ex.points * verdict.share, 2) if verdict is not None else 0.0


def row(record: dict, chapters: list, marks: dict, policy) -> dict:
    """One student's gradebook row: points per exercise and discussion, total (after any late penalty), max, late, statuses."""
    from .late import lateness

    out = {"student": record["student"]}
    total = maximum = 0.0
    for ch in chapters:
        vs = verdicts(record["chapters"][ch]) if ch in record["chapters"] else {}
        for ex in (e for e in EXERCISES if e.chapter == ch):
            out[ex.label] = points(ex.label, vs.get(ex.label))
            total, maximum = total + out[ex.label], maximum + ex.points
        for d in (d for d in DISCUSSIONS if d.chapter == ch):
            mark = marks.get(record["student"], {}).get(d.label, {})
            out[d.label] = "" if mark.get("points") is None else mark["points"]
            total, maximum = total + (mark.get("points") or 0), maximum + d.points
    late = lateness(record, policy)
    penalty = round(total * late["percent"] / 100, 2)
    out["total"], out["max"] = round(total - penalty, 2), maximum
    if policy.active:
        out.update(
            {"submitted": late["submitted"], "days late": late["days"], "late penalty": penalty}
        )
    for ch in chapters:
        out[STATUS_PREFIX + ch[:2]] = (
            record["chapters"][ch]["status"] if ch in record["chapters"] else "not graded"
        )
    return out


def fields(chapters: list, policy) -> list:
    labels = [e.label for ch in chapters for e in EXERCISES if e.chapter == ch]
    labels += [d.label for ch in chapters for d in DISCUSSIONS if d.chapter == ch]
    late = ["submitted", "days late", "late penalty"] if policy.active else []
    return ["student", *labels, "total", "max", *late, *(STATUS_PREFIX + ch[:2] for ch in chapters)]


def status_rows(records: dict, chapters: list) -> list:
    """``status.csv``: one row per student and exercise: its status (or the chapter's ``conflict``, ``unreadable``), points, the mistake's tag."""
    rows = []
    for student in sorted(records):
        for ch in chapters:
            rec = records[student]["chapters"].get(ch)
            if rec is None:
                continue
            vs = verdicts(rec)
            for ex in (e for e in EXERCISES if e.chapter == ch):
                v = vs.get(ex.label)
                status = (
                    rec["status"]
                    if rec["status"] in ("conflict", "unreadable")
                    else exercise_status(v)
                )
                rows.append(
                    {
                        "student": student,
                        "exercise": ex.label,
                        "status": status,
                        "points": points(ex.label, v),
                        "max": ex.points,
                        "mistake": v.tag if v else "",
                    }
                )
    return rows


def rebuild(out) -> dict:
    """Write every file of ``out`` from its stored records, marks and settings; return the records.

    Examples
    --------
    >>> import tempfile
    >>> rebuild(tempfile.mkdtemp())
    {}
    """
    from . import marking, report, similarity
    from .late import LatePolicy

    out = Path(out)
    records = load_records(out)
    marks = marking.load_marks(out)
    policy = LatePolicy.load(out)
    chapters = graded_chapters(records)
    rows = [row(records[s], chapters, marks, policy) for s in sorted(records)]
    atomic_write(out / "grades.csv", csv_text(fields(chapters, policy), rows))
    atomic_write(
        out / "status.csv",
        csv_text(
            ["student", "exercise", "status", "points", "max", "mistake"],
            status_rows(records, chapters),
        ),
    )
    for r, student in zip(rows, sorted(records)):
        atomic_write(
            out / "feedback" / f"{student}.md",
            report.feedback(records[student], r, marks.get(student, {}), policy),
        )
    marking.write_sheet(out, records, marks)
    atomic_write(out / "similarity.md", similarity.report(records))
    atomic_write(out / "summary.txt", report.summary(records) + "\n")
    return records
