"""Outside ``convlib/checks`` only the public names of the checkers are used.

The checker engine is a contract (``convlib.checks.engine``): the grader, the
scripts, the tests and the course's own extensions build on its public names
(``Case``, ``Mistake``, ``run_cases``, ``grading_hook``, ...). An underscore
name of ``convlib.checks`` (a private module such as ``_calls``, or a private
attribute such as ``answers._quiz_key``) may change without notice, so no file
outside the package may import or read one. This test walks the syntax tree of
every Python file of the repository outside ``convlib/checks``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "convlib.checks"
CHECKS_DIR = ROOT / "convlib" / "checks"
SKIP_DIRS = {
    ".venv",
    ".git",
    "_build",
    "node_modules",
    "__pycache__",
    ".ipynb_checkpoints",
    ".hypothesis",
    ".pytest_cache",
}


def python_files() -> list:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if set(rel.parts[:-1]) & SKIP_DIRS or any(p.startswith(".") for p in rel.parts[:-1]):
            continue
        if CHECKS_DIR in path.parents:
            continue
        files.append(path)
    return files


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_of(path: Path, level: int, module) -> str:
    """The absolute module named by a (possibly relative) ``from ... import``."""
    if not level:
        return module or ""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    base = parts[: len(parts) - level]
    return ".".join(base + ([module] if module else []))


def _inside(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _dotted(node) -> list:
    """``a.b.c`` as ["a", "b", "c"] (None when the chain does not start at a name)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def violations(path: Path, source: str = None) -> list:
    """Every import or attribute read of an underscore name of ``convlib.checks`` in one file: [(line, text)]."""
    tree = ast.parse(
        source if source is not None else path.read_text(encoding="utf-8"), filename=str(path)
    )
    submodules = {p.stem for p in CHECKS_DIR.glob("*.py")}
    aliases = {}  # local name -> module of convlib.checks it stands for (or "convlib" for the top package)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _inside(a.name) and any(_private(p) for p in a.name.split(".")):
                    found.append((node.lineno, f"import {a.name}"))
                if a.asname and _inside(a.name):
                    aliases[a.asname] = a.name
                elif not a.asname and a.name.split(".")[0] == "convlib":
                    aliases["convlib"] = "convlib"
        elif isinstance(node, ast.ImportFrom):
            module = _module_of(path, node.level, node.module)
            for a in node.names:
                full = f"{module}.{a.name}"
                if _inside(module) or _inside(full):
                    if any(_private(p) for p in full.split(".")[1:]):
                        found.append((node.lineno, f"from {module} import {a.name}"))
                    if _inside(full) and (
                        module == PACKAGE and a.name in submodules or full == PACKAGE
                    ):
                        aliases[a.asname or a.name] = full
    for node in ast.walk(tree):
        chain = None
        if isinstance(node, ast.Attribute):
            chain = _dotted(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            base = _dotted(node.args[0])
            chain = None if base is None else [*base, node.args[1].value]
        if not chain or chain[0] not in aliases:
            continue
        module = aliases[chain[0]]
        rest = chain[1:]
        if module == "convlib":  # convlib.checks.<...>
            if rest[:1] != ["checks"]:
                continue
            module, rest = PACKAGE, rest[1:]
        # walk down through submodules; the first name that is not a submodule is the one read
        while rest and module == PACKAGE and rest[0] in submodules:
            if _private(rest[0]):
                break
            module, rest = f"{module}.{rest[0]}", rest[1:]
        if rest and _private(rest[0]):
            found.append((node.lineno, ".".join(chain[: len(chain) - len(rest) + 1])))
    return sorted(set(found))


def test_the_walk_finds_every_kind_of_private_use():
    sample = (
        "import convlib.checks._engine as e\n"
        "from convlib.checks import _calls, check_corr2d\n"
        "from convlib.checks.answers import _quiz_key\n"
        "from convlib import checks\n"
        "import convlib.checks\n"
        "from convlib.checks import answers as a\n"
        "checks.answers._pattern_scenes()\n"
        "convlib.checks.engine._same\n"
        "a._EQUIVARIANCE_WHY\n"
        "getattr(checks, '_x')\n"
        "checks.__all__, checks.CheckFailed, a.check_equivariance.answer_key()\n"
    )
    found = violations(ROOT / "tests" / "sample.py", sample)
    assert [line for line, _ in found] == [1, 2, 3, 7, 8, 9, 10], found


def test_the_walk_resolves_relative_imports():
    found = violations(
        ROOT / "convlib" / "widgets" / "x.py",
        "from ..checks import _engine\nfrom ..checks import engine\n",
    )
    assert found == [(1, "from convlib.checks import _engine")]


def test_every_python_file_is_walked():
    files = {p.relative_to(ROOT).as_posix() for p in python_files()}
    # wherever the grader's package lives
    assert any(f.startswith("grading/") and f.endswith("/hidden.py") for f in files)
    assert {"tests/test_grading.py", "tests/conftest.py"} <= files
    assert not any(f.startswith("convlib/checks/") for f in files)
    assert len(files) > 50


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_underscore_name_of_convlib_checks_is_used_outside_it(path):
    assert violations(path) == []


@pytest.mark.parametrize("path", sorted(CHECKS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_checker_modules_share_only_public_names(path):
    """Inside the package too, one checker module uses another's (and the engine's) public names only."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found += [
                f"from .{node.module} import {a.name}"
                for a in node.names
                if _private(a.name) or _private(node.module or "")
            ]
    assert found == []
