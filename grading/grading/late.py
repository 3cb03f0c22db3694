"""Late work: a deadline and a penalty per started day late, or a late flag only.

A chapter's submission time is its file's modification time: the time a
``.zip`` stored for it, or the file's time on disk (an LMS's bulk download
unpacked with a tool that keeps stored times, such as ``unzip``). A
student's time is the latest of the graded chapters. Canvas also writes
``LATE`` into a late submission's file name; such a submission counts at least
one day late even when the file's time is lost (Canvas knows per-student due
dates that the grader does not).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

DAY = 86400.0


def parse_deadline(text: str) -> datetime:
    """An ISO 8601 time (``2026-03-01T23:59``, ``2026-03-01T23:59+01:00``); without a zone, the machine's local time.

    Raises
    ------
    ValueError
        Naming ``--deadline`` and the expected form.

    Examples
    --------
    >>> parse_deadline("2026-03-01T23:59:00+00:00").isoformat()
    '2026-03-01T23:59:00+00:00'
    """
    try:
        t = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"--deadline must be an ISO 8601 time such as 2026-03-01T23:59 or 2026-03-01T23:59+01:00; got {text!r}"
        ) from None
    return t if t.tzinfo else t.astimezone()


@dataclass
class LatePolicy:
    """The deadline (``None``: no late handling) and the penalty in percent of the total per started day late (0: flag only)."""

    deadline: datetime | None = None
    penalty: float = 0.0

    @property
    def active(self) -> bool:
        return self.deadline is not None

    def save(self, out) -> None:
        from .gradebook import atomic_write

        atomic_write(
            Path(out) / "settings.json",
            json.dumps(
                {
                    "deadline": self.deadline.isoformat() if self.deadline else None,
                    "late_penalty": self.penalty,
                },
                indent=1,
            ),
        )

    @classmethod
    def load(cls, out) -> "LatePolicy":
        p = Path(out) / "settings.json"
        if not p.is_file():
            return cls()
        d = json.loads(p.read_text(encoding="utf-8"))
        return cls(
            datetime.fromisoformat(d["deadline"]) if d.get("deadline") else None,
            float(d.get("late_penalty", 0)),
        )


def lateness(record: dict, policy: LatePolicy) -> dict:
    """``{"submitted": ISO time in UTC or "", "days": started days late, "percent": penalty in percent}``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> deadline = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    >>> rec = {"chapters": {"03.ipynb": {"submitted": deadline.timestamp() + 1.5 * 86400}}, "lms": {}}
    >>> lateness(rec, LatePolicy(deadline, 10))
    {'submitted': '2026-03-03T00:00:00+00:00', 'days': 2, 'percent': 20.0}
    >>> lateness(rec, LatePolicy(deadline, 0))["percent"]
    0.0
    """
    times = [c["submitted"] for c in record["chapters"].values() if c.get("submitted") is not None]
    t = max(times) if times else None
    submitted = (
        datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")
        if t is not None
        else ""
    )
    if not policy.active:
        return {"submitted": submitted, "days": 0, "percent": 0.0}
    days = (
        math.ceil((t - policy.deadline.timestamp()) / DAY)
        if t is not None and t > policy.deadline.timestamp()
        else 0
    )
    if record.get("lms", {}).get("late"):
        days = max(days, 1)
    return {
        "submitted": submitted,
        "days": days,
        "percent": float(min(100.0, days * policy.penalty)),
    }
