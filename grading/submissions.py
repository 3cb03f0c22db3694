"""Find each student's notebooks as students really hand them in, and stage them under the chapters' names.

Three layouts of ``SUBMISSIONS`` are understood, and may be mixed:

* a folder per student (``ada/03_convolution_vs_correlation.ipynb``); a Moodle
  bulk download's ``Ada Lovelace_123456_assignsubmission_file_/`` folders are
  this layout, the student being ``Ada Lovelace_123456``;
* a ``.zip`` per student (``ada.zip``), holding the notebooks at any depth;
* Canvas's bulk download: every file flat in one folder, named
  ``lastfirst_userid_fileid_name.ipynb`` (``lastfirst_LATE_userid_...`` when
  Canvas marked the submission late; a resubmission's name ends in ``-1``).

A notebook belongs to a chapter when its name is the chapter's, when it is the
chapter's name up to case, spaces and a download suffix (``" (1)"``, ``-1``),
or when it starts with the chapter's number (``03_my_work.ipynb``,
``ch3.ipynb``). Several notebooks for one chapter are a *conflict*: none of
them is graded, and the student's feedback names them.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
CANVAS_RE = re.compile(r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<fid>\d+)_(?P<file>.+)$")
MOODLE_RE = re.compile(r"^(?P<name>.+_\d+)_assign(?:submission|feedback)_\w+?_?$")
SUFFIX_RE = re.compile(r"(\s*\(\d+\)|-\d+)$")
NUMBER_RE = re.compile(r"^(?:ch(?:apter)?[\s_-]*)?0*(\d+)(?:[\s_.-]|$)")
SKIP_DIRS = {"__MACOSX", ".ipynb_checkpoints"}


@dataclass
class Submission:
    """One student's hand-in: which file is graded for which chapter, and why.

    ``files`` maps a chapter to the notebook graded for it, ``reasons`` says
    why that file (``"exact name"``, ...), ``conflicts`` lists the candidate
    names of chapters with several, ``times`` the files' modification times
    (POSIX seconds), ``lms`` what the LMS's file names told (``canvas_id``,
    ``late``, ``moodle_folder``), ``folder`` the student's files (copied along).
    """

    student: str
    origin: str
    folder: Path | None = None
    files: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)
    conflicts: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    unmatched: list = field(default_factory=list)
    lms: dict = field(default_factory=dict)


def _normal(stem: str) -> str:
    s = stem.strip().lower()
    while SUFFIX_RE.search(s):
        s = SUFFIX_RE.sub("", s).strip()
    return re.sub(r"[\s-]+", "_", s)


def match_chapter(name: str, chapters) -> tuple:
    """The chapter a notebook's file name stands for, and why; ``(None, "")`` when none.

    Parameters
    ----------
    name : str
        A file name such as ``"03_Convolution_vs_Correlation (1).ipynb"``.
    chapters : sequence of str
        The chapters' notebook names.

    Examples
    --------
    >>> chs = ["03_convolution_vs_correlation.ipynb", "04_channels.ipynb"]
    >>> match_chapter("03_convolution_vs_correlation (1).ipynb", chs)
    ('03_convolution_vs_correlation.ipynb', "the chapter's name up to case, spaces and a download suffix such as ' (1)'")
    >>> match_chapter("ch4-done.ipynb", chs)
    ('04_channels.ipynb', 'its name starts with the chapter number 04')
    >>> match_chapter("notes.ipynb", chs)
    (None, '')
    """
    if not name.lower().endswith(".ipynb"):
        return None, ""
    if name in chapters:
        return name, "exact name"
    stem = _normal(name[: -len(".ipynb")])
    for ch in chapters:
        if stem == _normal(ch[: -len(".ipynb")]):
            return ch, "the chapter's name up to case, spaces and a download suffix such as ' (1)'"
    m = NUMBER_RE.match(stem)
    if m:
        found = [ch for ch in chapters if re.match(rf"0*{int(m.group(1))}_", ch)]
        if len(found) == 1:
            return found[0], f"its name starts with the chapter number {found[0][:2]}"
    return None, ""


def _notebooks(folder: Path) -> list:
    """Regular ``.ipynb`` files under ``folder`` (no symlinks, no hidden or checkpoint folders), sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for n in sorted(filenames):
            p = Path(dirpath) / n
            if n.lower().endswith(".ipynb") and not n.startswith(".") and stat.S_ISREG(os.lstat(p).st_mode):
                found.append(p)
    return found


def _assign(sub: Submission, paths: list, chapters, base: Path, prefixed=()) -> None:
    """Match ``paths`` to ``chapters`` (``prefixed``: paths whose names carry Canvas's prefix)."""
    by_chapter: dict = {}
    for p in paths:
        name = CANVAS_RE.match(p.name).group("file") if p in prefixed else p.name
        ch, why = match_chapter(name, chapters)
        if ch is None:
            sub.unmatched.append(str(p.relative_to(base)))
        else:
            by_chapter.setdefault(ch, []).append((p, why))
    for ch, found in by_chapter.items():
        if len(found) > 1:
            sub.conflicts[ch] = [str(p.relative_to(base)) for p, _ in found]
            continue
        (p, why), = found
        sub.files[ch], sub.reasons[ch], sub.times[ch] = p, why, os.lstat(p).st_mtime


def _unzip(archive: Path, dest: Path) -> Path:
    """Extract ``archive`` safely (no absolute or ``..`` paths, no symlinks, bounded size), keeping the members' times."""
    with zipfile.ZipFile(archive) as z:
        members = [i for i in z.infolist() if not i.is_dir()]
        if sum(i.file_size for i in members) > MAX_UNPACKED_BYTES:
            raise ValueError(f"{archive.name} unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
        for info in members:
            parts = Path(info.filename).parts
            if info.filename.startswith("/") or ".." in parts or stat.S_ISLNK(info.external_attr >> 16):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            t = datetime(*info.date_time).timestamp()
            os.utime(target, (t, t))
    return dest


def discover(submissions, chapters, unpack_to, stray=None) -> dict:
    """``{student: Submission}`` for every student in ``submissions``, in any of the module's layouts.

    Parameters
    ----------
    submissions : path
        The folder the instructor received.
    chapters : sequence of str
        The chapters being graded.
    unpack_to : path
        An empty scratch folder for unpacked ``.zip`` files.
    stray : list, optional
        Receives the names of notebooks lying in ``submissions`` itself that
        belong to no student (not in a folder, not named as Canvas names them).

    Raises
    ------
    ValueError
        When ``submissions`` is not a folder, or two entries name the same student.
    """
    root, unpack_to = Path(submissions), Path(unpack_to)
    if not root.is_dir():
        raise ValueError(f"submissions must be a folder of student folders, .zip files or a Canvas bulk download; {root} is not a folder")
    subs: dict = {}

    def add(sub: Submission, source: str) -> None:
        if sub.student in subs:
            raise ValueError(f"two entries of {root} are student {sub.student!r} ({source} and an earlier one): merge or rename them")
        subs[sub.student] = sub

    canvas: dict = {}
    for entry in sorted(root.iterdir()):
        mode = os.lstat(entry).st_mode
        if entry.name.startswith(".") or entry.name in SKIP_DIRS or stat.S_ISLNK(mode):
            continue
        m = CANVAS_RE.match(entry.name)
        if stat.S_ISREG(mode) and m and entry.suffix.lower() in (".ipynb", ".zip"):
            canvas.setdefault((m.group("name"), m.group("uid")), []).append((entry, m))
        elif stat.S_ISDIR(mode):
            mm = MOODLE_RE.match(entry.name)
            sub = Submission(mm.group("name") if mm else entry.name, "moodle" if mm else "folder", entry)
            if mm:
                sub.lms["moodle_folder"] = entry.name
            _assign(sub, _notebooks(entry), chapters, entry)
            add(sub, entry.name)
        elif stat.S_ISREG(mode) and entry.suffix.lower() == ".zip":
            try:
                folder = _unzip(entry, unpack_to / entry.stem)
            except (zipfile.BadZipFile, ValueError, OSError) as e:
                sub = Submission(entry.stem, "zip", unmatched=[f"{entry.name} (could not be unpacked: {e})"])
            else:
                sub = Submission(entry.stem, "zip", folder)
                _assign(sub, _notebooks(folder), chapters, folder)
            add(sub, entry.name)
        elif stat.S_ISREG(mode) and entry.suffix.lower() == ".ipynb" and stray is not None:
            stray.append(entry.name)
    names = [n for n, _ in canvas]
    for (name, uid), entries in canvas.items():
        student = name if names.count(name) == 1 else f"{name}_{uid}"
        folder = unpack_to / f"canvas-{name}-{uid}"
        folder.mkdir(parents=True)
        sub = Submission(student, "canvas", folder, lms={"canvas_id": uid, "late": any(m.group("late") for _, m in entries)})
        paths = []
        for entry, m in entries:
            if entry.suffix.lower() == ".zip":
                inner = _unzip(entry, folder / m.group("fid"))
                paths += _notebooks(inner)
            else:
                target = folder / entry.name
                shutil.copy2(entry, target)
                paths.append(target)
        # flat files carry Canvas's prefix; inside a Canvas zip the names are the student's own
        _assign(sub, paths, chapters, folder, prefixed={p for p in paths if p.parent == folder})
        add(sub, f"{name}_{uid}")
    return subs


def _not_plain(folder: str, names: list) -> list:
    """The entries :func:`shutil.copytree` must skip: anything but regular files and folders, and checkpoint folders."""
    skip = []
    for n in names:
        mode = os.lstat(os.path.join(folder, n)).st_mode
        if n in SKIP_DIRS or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            skip.append(n)
    return skip


def stage(sub: Submission, dest) -> Path:
    """Copy the student's files into ``dest/<student>/`` and the graded notebooks there under the chapters' names.

    Only regular files and folders are copied (no symlinks, FIFOs or devices);
    a notebook larger than ``MAX_NOTEBOOK_BYTES`` is left out (the chapter is
    then "not submitted").
    """
    target = Path(dest) / sub.student
    if sub.folder is not None:
        shutil.copytree(sub.folder, target, ignore=_not_plain)
    target.mkdir(parents=True, exist_ok=True)
    for ch, path in sub.files.items():
        if os.lstat(path).st_size > MAX_NOTEBOOK_BYTES:
            sub.reasons[ch] = f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB and was not graded"
            continue
        if (target / ch).exists() and path.name != ch:
            (target / ch).unlink()
        shutil.copy2(path, target / ch)
    return target

