"""Grading a class on many machines: a stable slice per job (``--shard K/N``), then ``merge``.

A student belongs to shard ``sha256(student) mod N + 1``: the same on every
machine and in every run, and independent of who else handed in, so N jobs
with the same SUBMISSIONS, seed and options grade every student exactly once.
``python -m grading merge OUT_1 ... OUT_N --into OUT`` joins their records,
hand marks and late-work settings, and rebuilds ``grades.csv``, the feedback,
the marking sheet, the similarity report (across the whole class) and the
summary, exactly as one run over the whole class would have written them.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path


def parse_shard(text: str) -> tuple:
    """``"K/N"`` -> ``(K, N)`` with 1 <= K <= N.

    Raises
    ------
    ValueError
        Naming ``--shard`` and the expected form.

    Examples
    --------
    >>> parse_shard("2/8")
    (2, 8)
    """
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N (for example 2/8); got {text!r}")
    return int(m.group(1)), int(m.group(2))


def shard_of(student: str, n: int) -> int:
    """The shard (1 to ``n``) that grades ``student``.

    Examples
    --------
    >>> shard_of("ada", 1)
    1
    >>> sorted({shard_of(f"student{k:03d}", 4) for k in range(40)})
    [1, 2, 3, 4]
    """
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest()[:16], 16) % n + 1


def merge(outs, into) -> dict:
    """Join the shards' output folders ``outs`` into ``into`` and rebuild it; the merged records.

    Raises
    ------
    ValueError
        When a folder holds no results, two folders graded the same student
        differently, or their late-work settings differ.
    """
    from .gradebook import atomic_write, load_json, load_records, rebuild, results_dir, save_record

    into = Path(into)
    records, marks, settings, origin = {}, {}, None, {}
    for out in map(Path, outs):
        found = load_records(out)
        if not found:
            raise ValueError(
                f"{out} holds no graded students (no {results_dir(out)} folder): is it a grading output?"
            )
        for student, rec in found.items():
            if student in records and records[student] != rec:
                raise ValueError(
                    f"student {student!r} was graded differently in {origin[student]} and {out}: regrade one shard"
                )
            records[student], origin[student] = rec, out
        for student, by_label in load_json(out / "marks.json", {}).items():
            marks.setdefault(student, {}).update(by_label)
        s = load_json(out / "settings.json", None)
        if s is not None and settings is not None and s != settings:
            raise ValueError(
                f"the late-work settings of {out} ({s}) differ from the other shards' ({settings})"
            )
        settings = s if s is not None else settings
    for rec in records.values():
        save_record(into, rec)
    if marks:
        merged = {**load_json(into / "marks.json", {})}
        for student, by_label in marks.items():
            merged.setdefault(student, {}).update(by_label)
        atomic_write(into / "marks.json", json.dumps(merged, indent=1, sort_keys=True))
    if settings is not None:
        atomic_write(into / "settings.json", json.dumps(settings, indent=1))
    return rebuild(into)
