"""The feedback file of one student and the class summary, from the stored records (see :mod:`grading.gradebook`).

``csv_safe``, ``md_text`` and ``md_block`` are the grader's one output
hygiene: every text that comes from a student (names, file names,
error lines, checker messages quoting their values) is escaped before it
reaches the feedback, and no cell of any CSV the grader writes starts like a
spreadsheet formula (:func:`grading.gradebook.csv_text` applies
:func:`csv_safe`; :func:`csv_plain` undoes it for a marking sheet read back).
"""

from __future__ import annotations

import html
import re
from collections import Counter

from .exercises import DISCUSSIONS, EXERCISES
from .gradebook import graded_chapters, points, verdicts
from .late import lateness
from .status import EXERCISE_STATUSES, exercise_status

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def csv_safe(value):
    """A gradebook cell a spreadsheet shows as text: a string starting like a formula gets a leading ``'`` (OWASP).

    >>> csv_safe("=2+3*cmd|calc"), csv_safe("ada"), csv_safe(4.5)
    ("'=2+3*cmd|calc", 'ada', 4.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_plain(value: str) -> str:
    """Undo :func:`csv_safe` on a cell read back from a sheet the grader wrote (the marking sheet).

    >>> csv_plain("'=2+3*cmd|calc"), csv_plain("'quoted"), csv_plain("ada")
    ('=2+3*cmd|calc', "'quoted", 'ada')
    """
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def md_text(text) -> str:
    r"""Student text as inert Markdown: HTML escaped, Markdown punctuation backslash-escaped, one line.

    >>> print(md_text("**Total: 24 of 24** <b>x</b>"))
    \*\*Total: 24 of 24\*\* &lt;b&gt;x&lt;/b&gt;
    """
    one_line = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def md_block(text) -> str:
    """Text in a fenced block that nothing in it can close (the fence is longer than any backtick run inside)."""
    text = str(text).strip()
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _chapter_lines(chapter: str, rec: dict) -> list:
    lines = [f"## {chapter}", ""]
    if rec.get("file"):
        lines.append(f"Graded file: {md_text(rec['file'])} ({rec['reason']}).")
    if rec.get("conflict"):
        lines.append(
            "Not graded: several notebooks could be this chapter: "
            + ", ".join(md_text(n) for n in rec["conflict"])
            + ". Keep one (delete or rename the others) and hand in again."
        )
    lines.append(f"Status: {rec['status']}.")
    lines += [f"- {md_text(note)}" for note in rec["notes"]]
    lines.append("")
    if rec.get("conflict"):
        return lines
    vs = verdicts(rec)
    for ex in (e for e in EXERCISES if e.chapter == chapter):
        v = vs.get(ex.label)
        lines += [
            f"### {ex.label}: {points(ex.label, v):g} of {ex.points:g} points ({exercise_status(v)})",
            "",
        ]
        if v is None:
            lines += ["Not submitted.", ""]
            continue
        lines.append(
            f"Passed {v.passed} of {v.total} hidden cases."
            if v.total > 1
            else ("Correct." if v.passed else "Not correct yet.")
        )
        if v.tag and v.message:
            lines += ["", md_block(v.message)]
        lines.append("")
    return lines


def feedback(record: dict, row: dict, marks: dict, policy) -> str:
    """The Markdown feedback of one student: total, lateness, per chapter the file graded and why, per exercise points and status.

    ``row`` is the student's gradebook row (:func:`grading.gradebook.row`),
    ``marks`` their hand marks, ``policy`` the :class:`grading.late.LatePolicy`.
    """
    lines = [
        f"# Feedback for {md_text(record['student'])}",
        "",
        f"**Total: {row['total']:g} of {row['max']:g} points.**",
        "",
    ]
    if record.get("notes"):
        lines += (
            ["Left out of your hand-in (never read or run):"]
            + [f"- {md_text(note)}" for note in record["notes"]]
            + [""]
        )
    late = lateness(record, policy)
    if policy.active and late["days"]:
        lines += [
            f"Submitted {late['submitted']}, {late['days']} day(s) after the deadline {policy.deadline.isoformat()}: "
            + (
                f"{late['percent']:g} % of the points deducted ({row['late penalty']:g})."
                if late["percent"]
                else "marked late (no penalty)."
            ),
            "",
        ]
    for chapter in graded_chapters({record["student"]: record}):
        rec = record["chapters"][chapter]
        lines += _chapter_lines(chapter, rec)
        for d in (d for d in DISCUSSIONS if d.chapter == chapter):
            mark = marks.get(d.label, {})
            if mark.get("points") is None:
                lines += [f"### {d.label}: not marked yet (of {d.points:g} points)", ""]
            else:
                lines += [
                    f"### {d.label}: {mark['points']:g} of {d.points:g} points (marked by hand)",
                    "",
                ]
            if mark.get("comment"):
                lines += [f"> {line}" for line in mark["comment"].splitlines()] + [""]
    return "\n".join(lines).rstrip() + "\n"


def summary(records: dict) -> str:
    """Per exercise, over the notebooks graded (not the missing or conflicting ones): average, count per status, most common mistake."""
    head = "  ".join(f"{s:>12}" for s in EXERCISE_STATUSES)
    lines = [f"{'exercise':<20} {'average':>8} {'max':>5}  {head}  most common mistake"]
    for ex in EXERCISES:
        vs = [
            verdicts(r["chapters"][ex.chapter]).get(ex.label)
            for r in records.values()
            if r["chapters"].get(ex.chapter, {}).get("status")
            not in (None, "not submitted", "conflict")
        ]
        if not vs or not any(v is not None for v in vs):
            continue
        avg = sum(points(ex.label, v) for v in vs) / len(vs)
        counts = Counter(exercise_status(v) for v in vs)
        tags = Counter(v.tag for v in vs if v is not None and v.tag and exercise_status(v) != "ok")
        common = (
            f"[{tags.most_common(1)[0][0]}] ({tags.most_common(1)[0][1]} of {len(vs)})"
            if tags
            else "-"
        )
        lines.append(
            f"{ex.label:<20} {avg:8.2f} {ex.points:5g}  "
            + "  ".join(f"{counts[s]:>12}" for s in EXERCISE_STATUSES)
            + f"  {common}"
        )
    return "\n".join(lines)
