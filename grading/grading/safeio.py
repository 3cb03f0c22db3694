"""Reading what students and sandboxes leave behind, without trusting any of it.

Every path is opened one component at a time with ``O_NOFOLLOW`` (a symbolic
link anywhere on the way is refused, not followed), with ``O_NONBLOCK`` (a
FIFO cannot make the grader wait) and checked with ``fstat`` to be a regular
file or a folder; every read has a byte limit. A sandbox's result is
validated against :data:`RESULT_SCHEMA` (``jsonschema``) before the grader
looks at a single value.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_text("hello")
>>> read_file(d, "a.txt", 100)
b'hello'
>>> (d / "link").symlink_to(d / "a.txt")
>>> read_file(d, "link", 100)
Traceback (most recent call last):
...
grading.safeio.Unsafe: link is a symbolic link (not followed)
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import jsonschema
import numpy as np

MAGIC = b"CONVLAYER-GRADING-RESULT\n"


class Unsafe(ValueError):
    """A path or a file the grader refuses to use (a link, a FIFO, a device, too large, malformed)."""


def _open(parent_fd: int, name: str, flags: int) -> int:
    try:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=parent_fd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            try:
                if stat.S_ISLNK(os.lstat(name, dir_fd=parent_fd).st_mode):
                    raise Unsafe(f"{name} is a symbolic link (not followed)") from None
            except FileNotFoundError:
                pass
        raise


def open_dir(path) -> int:
    """A file descriptor of the folder ``path``; refused if ``path`` itself is a symbolic link or not a folder."""
    path = Path(path)
    parent = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fd = _open(parent, path.name, os.O_RDONLY | os.O_DIRECTORY)
    finally:
        os.close(parent)
    return fd


def open_file(base, relative: str) -> int:
    """Open ``base/relative`` for reading: no link at any step below ``base``, a regular file at the end."""
    parts = [p for p in Path(relative).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise Unsafe(f"{relative}: not a plain relative path")
    fd = open_dir(base) if not isinstance(base, int) else os.dup(base)
    try:
        for name in parts[:-1]:
            nxt = _open(fd, name, os.O_RDONLY | os.O_DIRECTORY)
            os.close(fd)
            fd = nxt
        f = _open(fd, parts[-1], os.O_RDONLY)
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(f).st_mode):
        os.close(f)
        raise Unsafe(f"{relative} is not a regular file")
    return f


def read_fd(fd: int, cap: int, offset: int = 0) -> bytes:
    """At most ``cap`` bytes of ``fd`` from ``offset``; :class:`Unsafe` if the file holds more."""
    size = os.fstat(fd).st_size
    if size - offset > cap:
        raise Unsafe(f"{size - offset} bytes, more than the limit of {cap}")
    chunks, left = [], cap + 1
    while left > 0:
        chunk = os.pread(fd, min(left, 1 << 20), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    if len(data) > cap:
        raise Unsafe(f"more than the limit of {cap} bytes")
    return data


def read_file(base, relative: str, cap: int) -> bytes:
    """The bytes of ``base/relative`` (see :func:`open_file`), at most ``cap``."""
    fd = open_file(base, relative)
    try:
        return read_fd(fd, cap)
    finally:
        os.close(fd)


def copy_folder(
    src,
    dst: Path,
    uid: int = -1,
    max_bytes: int = 64 << 20,
    max_files: int = 2000,
    depth: int = 4,
    skip=(),
) -> list:
    """Copy the regular files and folders of ``src`` into ``dst`` (which exists); links, FIFOs and devices are skipped.

    The grader's one way of copying a student's files (staging a submission,
    filling a sandbox's scratch folder). Returns one line per thing left out.
    ``uid`` (>= 0) becomes the owner of the copies; entries named in ``skip``
    (e.g. ``.ipynb_checkpoints``) are left out without a word.
    """
    skipped, budget = [], {"bytes": max_bytes, "files": max_files}

    def walk(fd: int, target: Path, level: int) -> None:
        with os.scandir(fd) as entries:
            names = sorted(
                (
                    e.name,
                    e.is_dir(follow_symlinks=False),
                    e.is_file(follow_symlinks=False),
                    e.is_symlink(),
                )
                for e in entries
            )
        for name, is_dir, is_file, is_link in names:
            if name in skip:
                continue
            if is_link or not (is_dir or is_file):
                skipped.append(
                    f"{name}: {'a symbolic link' if is_link else 'not a regular file'}, not copied"
                )
                continue
            if budget["files"] <= 0:
                skipped.append("more files than the limit: the rest was not copied")
                return
            budget["files"] -= 1
            if is_dir:
                if level >= depth:
                    skipped.append(f"{name}: folders nested too deep, not copied")
                    continue
                try:
                    sub = _open(fd, name, os.O_RDONLY | os.O_DIRECTORY)
                except (OSError, Unsafe) as e:
                    skipped.append(f"{name}: {e}")
                    continue
                try:
                    (target / name).mkdir(mode=0o755)
                    if uid >= 0:
                        os.chown(target / name, uid, uid, follow_symlinks=False)
                    walk(sub, target / name, level + 1)
                finally:
                    os.close(sub)
                continue
            try:
                f = _open(fd, name, os.O_RDONLY)
                try:
                    if not stat.S_ISREG(os.fstat(f).st_mode):
                        raise Unsafe("not a regular file")
                    data = read_fd(f, budget["bytes"])
                finally:
                    os.close(f)
            except (OSError, Unsafe) as e:
                skipped.append(f"{name}: {e}, not copied")
                continue
            budget["bytes"] -= len(data)
            out = os.open(
                target / name,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o644,
            )
            try:
                os.write(out, data)
                if uid >= 0:
                    os.fchown(out, uid, uid)
            finally:
                os.close(out)

    fd = open_dir(src)
    try:
        walk(fd, Path(dst), 0)
    finally:
        os.close(fd)
    return skipped


# ---------------------------------------------------------------------------
# the sandbox's result

_VALUE = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"npy": {"type": "string", "maxLength": 20}},
            "required": ["npy"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "py": {"type": ["number", "string", "boolean", "null"], "maxLength": 2000}
            },
            "required": ["py"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "list": {"type": "array", "maxItems": 10000, "items": {"$ref": "#/$defs/value"}}
            },
            "required": ["list"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "tuple": {"type": "array", "maxItems": 10000, "items": {"$ref": "#/$defs/value"}}
            },
            "required": ["tuple"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "dict": {
                    "type": "object",
                    "maxProperties": 1000,
                    "additionalProperties": {"$ref": "#/$defs/value"},
                }
            },
            "required": ["dict"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"ellipsis": {"const": True}},
            "required": ["ellipsis"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"missing": {"const": True}},
            "required": ["missing"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"repr": {"type": "string", "maxLength": 300}},
            "required": ["repr"],
            "additionalProperties": False,
        },
    ]
}
_TEXT = {"type": "string", "maxLength": 2000}
_OUTCOME = {
    "type": "object",
    "properties": {
        "value": {"$ref": "#/$defs/value"},
        "error": {"type": "array", "items": _TEXT, "minItems": 2, "maxItems": 2},
        "timeout": {"type": "boolean"},
        "line": _TEXT,
        "skipped": {"type": "boolean"},
        "mutated": {
            "type": "object",
            "patternProperties": {"^[0-9]$": {"$ref": "#/$defs/value"}},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
_REPORT = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "values": {"type": "array", "maxItems": 10, "items": {"$ref": "#/$defs/value"}}
            },
            "required": ["values"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"not_callable": {"$ref": "#/$defs/value"}},
            "required": ["not_callable"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"refused": _TEXT},
            "required": ["refused"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"outcomes": {"type": "array", "maxItems": 200, "items": _OUTCOME}},
            "required": ["outcomes"],
            "additionalProperties": False,
        },
    ]
}
RESULT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"value": _VALUE},
    "type": "object",
    "properties": {
        "reports": {"type": "object", "maxProperties": 50, "additionalProperties": _REPORT},
        "harness_error": {"type": "string", "maxLength": 400},
    },
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft202012Validator(RESULT_SCHEMA)


def parse_result(data: bytes, max_array_bytes: int) -> tuple:
    """``(result dict, arrays)`` from the bytes the sandbox wrote; :class:`Unsafe` if anything is off."""
    if not data.startswith(MAGIC):
        raise Unsafe("no result (the run ended before the answers were written)")
    header_end = data.find(b"\n", len(MAGIC))
    try:
        n_json, n_npz = (int(x) for x in data[len(MAGIC) : header_end].split(b" "))
    except ValueError:
        raise Unsafe("a malformed result header") from None
    start = header_end + 1
    if n_json < 0 or n_npz < 0 or start + n_json + n_npz > len(data):
        raise Unsafe("a truncated result")
    try:
        result = json.loads(data[start : start + n_json].decode("utf-8"))
    except (ValueError, RecursionError):
        raise Unsafe("a result that is not JSON") from None
    try:
        _VALIDATOR.validate(result)
    except (jsonschema.ValidationError, RecursionError) as e:
        raise Unsafe(
            f"a result that does not match the schema ({getattr(e, 'message', 'too deep')[:200]})"
        ) from None
    arrays = {}
    if n_npz:
        blob = io.BytesIO(data[start + n_json : start + n_json + n_npz])
        try:
            with zipfile.ZipFile(blob) as z:
                if (
                    sum(i.file_size for i in z.infolist()) > max_array_bytes
                    or len(z.infolist()) > 10000
                ):
                    raise Unsafe("arrays larger than the limit")
            blob.seek(0)
            with np.load(blob, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except Unsafe:
            raise
        except Exception as e:  # noqa: BLE001 - any malformed archive
            raise Unsafe(f"unreadable arrays ({type(e).__name__})") from None
        if any(a.dtype.kind not in "biuf" for a in arrays.values()):
            raise Unsafe("arrays that are not real numbers")
    return result, arrays
