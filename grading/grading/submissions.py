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

Nothing here follows a symbolic link: a student folder or a chapter's notebook
that is a link is reported ("unreadable"), and :func:`stage` copies a
student's files with :func:`grading.safeio.copy_folder` (regular files and
folders only, bounded), the one safe copy the grader has.
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

from . import safeio
from .exercises import OLD_CHAPTERS

MAX_NOTEBOOK_BYTES = 20 << 20  # larger notebooks are not graded (the runner refuses them too)
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
CANVAS_RE = re.compile(
    r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<fid>\d+)_(?P<file>.+)$"
)
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
    ``late``, ``moodle_folder``), ``folder`` the student's files (copied along),
    ``refused`` a chapter whose only candidate could not be read safely (a
    symbolic link) -> why, ``notes`` what :func:`stage` left out.
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
    refused: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


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
    >>> match_chapter("04_channels (1).ipynb", ["04_padding_and_stride.ipynb", "05_channels.ipynb"])
    ('05_channels.ipynb', "the chapter's old name 04_channels.ipynb")
    """
    if not name.lower().endswith(".ipynb"):
        return None, ""
    if name in chapters:
        return name, "exact name"
    stem = _normal(name[: -len(".ipynb")])
    for ch in chapters:
        if stem == _normal(ch[: -len(".ipynb")]):
            return ch, "the chapter's name up to case, spaces and a download suffix such as ' (1)'"
    for old, new in OLD_CHAPTERS.items():  # a notebook handed out before a chapter was renamed
        if new in chapters and stem == _normal(old[: -len(".ipynb")]):
            return new, f"the chapter's old name {old}"
    m = NUMBER_RE.match(stem)
    if m:
        found = [ch for ch in chapters if re.match(rf"0*{int(m.group(1))}_", ch)]
        if len(found) == 1:
            return found[0], f"its name starts with the chapter number {found[0][:2]}"
    return None, ""


def _notebooks(folder: Path, links=None) -> list:
    """Regular ``.ipynb`` files under ``folder`` (no symlinks, no hidden or checkpoint folders), sorted.

    ``links`` (a list) receives the ``.ipynb`` names that are anything else (a symbolic link, a FIFO).
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for n in sorted(filenames):
            p = Path(dirpath) / n
            if n.lower().endswith(".ipynb") and not n.startswith("."):
                if stat.S_ISREG(os.lstat(p).st_mode):
                    found.append(p)
                elif links is not None:
                    links.append(p)
    return found


def _assign(sub: Submission, paths: list, chapters, base: Path, prefixed=(), links=()) -> None:
    """Match ``paths`` to ``chapters`` (``prefixed``: paths whose names carry Canvas's prefix; ``links``: notebooks not read)."""
    for p in links:
        ch, _ = match_chapter(p.name, chapters)
        if ch is not None:
            what = "a symbolic link" if os.path.islink(p) else "not a regular file"
            sub.refused.setdefault(
                ch, f"{p.relative_to(base)} is {what} (not followed); hand in the notebook itself"
            )
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
        ((p, why),) = found
        sub.files[ch], sub.reasons[ch], sub.times[ch] = p, why, os.lstat(p).st_mtime
        # a regular notebook for the chapter: a link beside it is no candidate
        sub.refused.pop(ch, None)


def _unzip(archive: Path, dest: Path) -> Path:
    """Extract ``archive`` safely (no absolute or ``..`` paths, no symlinks, bounded size), keeping the members' times."""
    with zipfile.ZipFile(archive) as z:
        members = [i for i in z.infolist() if not i.is_dir()]
        if sum(i.file_size for i in members) > MAX_UNPACKED_BYTES:
            raise ValueError(
                f"{archive.name} unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB"
            )
        for info in members:
            parts = Path(info.filename).parts
            if (
                info.filename.startswith("/")
                or ".." in parts
                or stat.S_ISLNK(info.external_attr >> 16)
            ):
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
        raise ValueError(
            f"submissions must be a folder of student folders, .zip files or a Canvas bulk download; {root} is not a folder"
        )
    subs: dict = {}

    def add(sub: Submission, source: str) -> None:
        if sub.student in subs:
            raise ValueError(
                f"two entries of {root} are student {sub.student!r} ({source} and an earlier one): merge or rename them"
            )
        subs[sub.student] = sub

    canvas: dict = {}
    for entry in sorted(root.iterdir()):
        mode = os.lstat(entry).st_mode
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        if stat.S_ISLNK(mode):
            if entry.suffix.lower() == ".ipynb":
                if stray is not None:
                    stray.append(f"{entry.name} (a symbolic link)")
                continue
            student = entry.stem if entry.suffix.lower() == ".zip" else entry.name
            why = f"the student's {'zip file' if entry.suffix.lower() == '.zip' else 'folder'} {entry.name} is a symbolic link (not followed)"
            add(Submission(student, "link", refused={ch: why for ch in chapters}), entry.name)
            continue
        m = CANVAS_RE.match(entry.name)
        if stat.S_ISREG(mode) and m and entry.suffix.lower() in (".ipynb", ".zip"):
            canvas.setdefault((m.group("name"), m.group("uid")), []).append((entry, m))
        elif stat.S_ISDIR(mode):
            mm = MOODLE_RE.match(entry.name)
            sub = Submission(
                mm.group("name") if mm else entry.name, "moodle" if mm else "folder", entry
            )
            if mm:
                sub.lms["moodle_folder"] = entry.name
            links: list = []
            _assign(sub, _notebooks(entry, links), chapters, entry, links=links)
            add(sub, entry.name)
        elif stat.S_ISREG(mode) and entry.suffix.lower() == ".zip":
            try:
                folder = _unzip(entry, unpack_to / entry.stem)
            except (zipfile.BadZipFile, ValueError, OSError) as e:
                sub = Submission(
                    entry.stem, "zip", unmatched=[f"{entry.name} (could not be unpacked: {e})"]
                )
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
        sub = Submission(
            student,
            "canvas",
            folder,
            lms={"canvas_id": uid, "late": any(m.group("late") for _, m in entries)},
        )
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


def stage(sub: Submission, dest) -> Path:
    """Copy the student's files into ``dest/<student>/`` and the graded notebooks there under the chapters' names.

    The copy is :func:`grading.safeio.copy_folder`'s: regular files and
    folders only (no symbolic links, FIFOs or devices, nothing followed),
    bounded in bytes, files and depth; what it leaves out goes to
    ``sub.notes`` (and so into the student's feedback). A notebook larger
    than ``MAX_NOTEBOOK_BYTES`` is not graded: the chapter is "unreadable".
    """
    target = Path(dest) / sub.student
    target.mkdir(parents=True)
    if sub.folder is not None:
        sub.notes += safeio.copy_folder(sub.folder, target, skip=SKIP_DIRS)
    for ch, path in list(sub.files.items()):
        try:
            data = safeio.read_file(path.parent, path.name, MAX_NOTEBOOK_BYTES)
        except (OSError, safeio.Unsafe) as e:
            sub.refused[ch] = f"{path.name} was not graded: {e}"
            del sub.files[ch]
            continue
        (target / ch).unlink(missing_ok=True)
        (target / ch).write_bytes(data)
    return target
