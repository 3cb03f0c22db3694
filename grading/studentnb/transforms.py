"""Notebook transforms that turn an instructor chapter into a student notebook.

Each transform is a small class with one job, called on a notebook
(``transform(nb) -> nb``, modifying it in place), in the style of nbgrader's
preprocessors. Two pipelines use them:

* :func:`published_notebook`: the student notebook that the site's Binder,
  Colab and download buttons open (``student-notebooks/``, ``make
  student-notebooks``) and that ``make student`` copies for a student's own
  work. Solutions removed, the outputs of the teaching cells kept, every
  markdown cell plain CommonMark that stock JupyterLab, Notebook 7, VS Code
  and Colab render without an extension.
* :func:`site_notebook`: what the book builds from a chapter when the site is
  built without solutions (``make course SOLUTIONS=none``): the same cells,
  still MyST.

Example
-------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("Text."),
...     nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})])
>>> [c.source for c in RemoveSolutions()(nb).cells]
['Text.']
>>> MystToCommonMark.admonition("note", "", ["Read this."])
['> **Note**', '>', '> Read this.']
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

SOLUTION, STARTER, CHECK, RAISES = "solution", "starter", "check", "raises-exception"
SLIDE_ONLY = "slide-only"  # the lecturer's slide cells (scripts/make_slides.py)
# cell metadata that only records how the instructor's copy was executed
VOLATILE_CELL_METADATA = ("execution", "scrolled", "collapsed", "ExecuteTime")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HEADER_ID = "student-version-header"

EXERCISE_RE = re.compile(r"^(```+|:::+)\{exercise\}", re.MULTILINE)
LABEL_RE = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)
EQ_LABEL_RE = re.compile(r"^([ \t]*)\$\$\s*\(([^()\s]+)\)\s*$", re.MULTILINE)
TARGET_RE = re.compile(r"^\(([\w.:-]+)\)=\s*$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})(.*)$")
DIRECTIVE_RE = re.compile(r"^\{([\w:.-]+)\}\s*(.*)$")
ROLE_RE = re.compile(r"\{([\w:-]+)\}`([^`]+)`")
EXPLICIT_RE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
DIFFICULTY_RE = re.compile(
    r"^\*Difficulty:\s*(basic|intermediate|advanced)\.\s*(.*?)\*\s*$", re.MULTILINE
)
ADMONITIONS = (
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
    "admonition",
    "dropdown",
)


def render(nb) -> str:
    """The notebook as the exact text nbformat writes (how the files are written and compared)."""
    return nbformat.writes(nb) + "\n"


def tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def defined_names(source: str) -> set:
    """Top-level names a code cell defines (functions, classes, assignments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {sub.id for sub in ast.walk(t) if isinstance(sub, ast.Name)}
    return names


def used_names(source: str) -> set:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


# ---------------------------------------------------------------------------
# what the book knows: chapter numbers, titles, exercise and equation numbers


@dataclass
class Target:
    """Something a role can point at: a page, an exercise, an equation or a section."""

    docname: str
    kind: str  # "doc", "exercise", "equation", "section"
    text: str  # how the site shows a reference to it: "Locality", "Exercise 2.4", "(3.1)"
    anchor: str = ""
    title: str = ""


@dataclass
class BookIndex:
    """Page numbers and titles, exercise and equation numbers, as the built site shows them.

    Read from ``_toc.yml`` and the pages it lists (so a renamed or split
    chapter needs no change here). ``base_url`` is the published site's
    address (``html.baseurl`` in ``_config.yml``); when it is empty,
    cross-references become text without links.
    """

    root: Path
    base_url: str = ""
    docs: list = field(default_factory=list)  # docnames in reading order
    numbers: dict = field(default_factory=dict)  # docname -> "2" (numbered chapters only)
    targets: dict = field(default_factory=dict)  # label -> Target; docname -> Target

    @classmethod
    def from_book(cls, root, base_url: str | None = None) -> BookIndex:
        root = Path(root)
        if base_url is None:
            config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
            base_url = ((config.get("html") or {}).get("baseurl") or "").strip()
        index = cls(root, base_url.rstrip("/"))
        toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
        index._add(toc["root"], numbered=False, counter=None)
        for part in toc.get("parts", []) or [
            {"chapters": toc.get("chapters", []), "numbered": toc.get("numbered", False)}
        ]:
            counter = [0]
            for entry in part.get("chapters", []) or []:
                index._walk(entry, bool(part.get("numbered")), counter)
        return index

    def _walk(self, entry, numbered, counter):
        if "file" in entry:
            self._add(entry["file"], numbered, counter)
        for sub in entry.get("sections", []) or []:
            self._walk(sub, False, None)

    def _add(self, file, numbered, counter):
        docname = str(Path(file).with_suffix("").as_posix())
        path = next(
            (
                self.root / f"{docname}{s}"
                for s in (".ipynb", ".md")
                if (self.root / f"{docname}{s}").exists()
            ),
            None,
        )
        if path is None:
            return
        self.docs.append(docname)
        number = ""
        if numbered and counter is not None:
            counter[0] += 1
            number = str(counter[0])
            self.numbers[docname] = number
        text = markdown_text(path)
        title = next(
            (
                m.group(2)
                for m in map(HEADING_RE.match, text.splitlines())
                if m and m.group(1) == "#"
            ),
            docname,
        )
        self.targets[docname] = Target(docname, "doc", title, title=title)
        prefix = f"{number}." if number else ""
        for k, label in enumerate(exercise_labels(text), 1):
            self.targets[label[0]] = Target(
                docname, "exercise", f"Exercise {prefix}{k}", label[0], label[1]
            )
        for k, (_, label) in enumerate(EQ_LABEL_RE.findall(text), 1):
            self.targets[label] = Target(docname, "equation", f"({prefix}{k})", f"equation-{label}")
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = TARGET_RE.match(line)
            heading = HEADING_RE.match(lines[i + 1]) if m and i + 1 < len(lines) else None
            if m and heading:
                self.targets[m.group(1)] = Target(
                    docname, "section", heading.group(2), m.group(1), heading.group(2)
                )

    def doc(self, target: str, current: str) -> str | None:
        """The docname a ``{doc}`` target names, relative to the page ``current``."""
        target = target.strip()
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else (Path(current).parent / target).as_posix()
        )
        name = re.sub(r"\.(ipynb|md)$", "", name)
        parts = []
        for piece in name.split("/"):
            if piece == "..":
                parts.pop() if parts else None
            elif piece not in ("", "."):
                parts.append(piece)
        name = "/".join(parts)
        return name if name in self.numbers or name in self.docs else None

    def url(self, docname: str, anchor: str = "") -> str:
        if not self.base_url:
            return ""
        return f"{self.base_url}/{docname}.html" + (f"#{anchor}" if anchor else "")

    def doc_text(self, docname: str) -> str:
        title = self.targets[docname].title
        number = self.numbers.get(docname)
        return f"chapter {number} (*{title}*)" if number else f"*{title}*"


def markdown_text(path: Path) -> str:
    """The markdown of a page: a .md file, or the markdown cells of a notebook joined by blank lines."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def exercise_labels(text: str) -> list:
    """``[(label, title)]`` of the ``{exercise}`` directives in ``text``, in order."""
    found = []
    for m in re.finditer(
        r"^(?:```+|:::+)\{exercise\}[ \t]*(.*)\n((?::[^\n]*\n)*)", text, re.MULTILINE
    ):
        label = LABEL_RE.search(m.group(2))
        found.append(
            (label.group(1) if label else f"exercise-{len(found) + 1}", m.group(1).strip())
        )
    return found


# ---------------------------------------------------------------------------
# cell transforms


class RemoveSolutions:
    """Drop every cell tagged ``solution`` (solution code and the ``{solution}`` dropdowns),
    and the lecturer's ``slide-only`` cells, which belong to the decks, not to a student's notebook."""

    def __call__(self, nb):
        nb.cells = [c for c in nb.cells if not {SOLUTION, SLIDE_ONLY} & set(tags(c))]
        return nb


class ClearExerciseOutputs:
    """Clear what belongs to an answer; keep the outputs of the teaching cells.

    Cleared: outputs and execution counts of ``starter`` and ``check`` cells
    (a check's stored output is the instructor's solution passing) and of
    every code cell that uses a name an answer defines. Kept: every other
    output, so that the notebook reads well before it is run. The metadata
    that only records an execution (timings) is removed from every cell.
    Run it on the instructor notebook, before :class:`RemoveSolutions`, or on
    a student notebook: it only needs the starter cells to find the answers' names.
    """

    def __call__(self, nb):
        answers = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and ({STARTER, SOLUTION} & set(tags(cell))):
                answers |= defined_names(cell.source)
        for cell in nb.cells:
            for key in VOLATILE_CELL_METADATA:
                cell.metadata.pop(key, None)
            if cell.cell_type != "code":
                continue
            if {STARTER, CHECK, SOLUTION} & set(tags(cell)) or used_names(cell.source) & answers:
                cell.outputs = []
                cell.execution_count = None
        return nb


class TagChecksRaises:
    """Tag every ``check`` cell ``raises-exception``, so that "Run All" goes on past a check that fails."""

    def __call__(self, nb):
        for cell in nb.cells:
            cell_tags = tags(cell)
            if CHECK in cell_tags and RAISES not in cell_tags:
                cell.metadata["tags"] = cell_tags + [RAISES]
        return nb


class PruneWidgetState:
    """Keep the saved widget state of the widgets that the remaining outputs show, nothing else."""

    def __call__(self, nb):
        state = (
            (nb.metadata.get("widgets") or {})
            .get("application/vnd.jupyter.widget-state+json", {})
            .get("state", {})
        )
        todo = [
            o["data"][WIDGET_VIEW]["model_id"]
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if WIDGET_VIEW in o.get("data", {})
        ]
        keep = set()
        while todo:
            mid = todo.pop()
            if mid in keep or mid not in state:
                continue
            keep.add(mid)
            todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", str(state[mid].get("state", {})))
        if not keep:
            nb.metadata.pop("widgets", None)
        else:
            saved = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
            saved["state"] = {k: v for k, v in state.items() if k in keep}
        return nb


class MystToCommonMark:
    """Rewrite every markdown cell from MyST into CommonMark that stock Jupyter front ends render.

    * ``{exercise}`` -> a heading "Exercise 3.2: title", then one line with
      the exercise's label, level and what checks it (the check cells that
      follow it in the notebook);
    * ``{doc}``, ``{ref}``, ``{numref}``, ``{eq}`` -> the text the site shows
      ("chapter 2 (*Locality*)", "Exercise 2.4", "(3.1)"), a link to the
      published page when the book has a ``base_url``;
    * admonitions (``{note}``, ``{tip}``, ...) -> blockquotes with a bold title;
    * ``$$ ... $$ (label)`` -> ``$$ ... \\tag{3.1} $$`` (numbered as on the site);
    * ``(label)=`` targets and ``%`` comments are dropped, ``{math}`` becomes ``$...$``.

    A role naming an unknown label raises ``ValueError`` naming it (the book
    build would fail on it too). Code blocks are left alone.
    """

    def __init__(self, index: BookIndex, docname: str):
        self.index = index
        self.docname = docname
        self.checks = {}  # exercise label -> check calls that follow it

    def __call__(self, nb):
        label = None
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found = exercise_labels(cell.source)
                label = found[-1][0] if found else label
            elif CHECK in tags(cell) and label:
                calls = [
                    ln.strip()
                    for ln in cell.source.splitlines()
                    if ln.strip() and not ln.lstrip().startswith("#")
                ]
                self.checks.setdefault(label, []).extend(calls[-1:])
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = self.convert(cell.source)
        return nb

    # -- block level -------------------------------------------------------

    def convert(self, text: str) -> str:
        lines, out, i = text.split("\n"), [], 0
        while i < len(lines):
            line = lines[i]
            fence = FENCE_RE.match(line)
            if fence is None:
                if TARGET_RE.match(line) or line.startswith("%"):
                    i += 1
                    continue
                m = EQ_LABEL_RE.match(line)
                if m:
                    out.append(self.tag_equation(m.group(1), m.group(2)))
                else:
                    out.append(self.inline(line))
                i += 1
                continue
            marker = fence.group(1)
            close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            body = lines[i + 1 : j]
            directive = DIRECTIVE_RE.match(fence.group(2).strip())
            if directive is None:
                out += lines[i : j + 1]  # a code block: untouched
            else:
                out += self.directive(directive.group(1), directive.group(2).strip(), body)
            i = j + 1
        return "\n".join(out).strip("\n")

    def tag_equation(self, indent: str, label: str) -> str:
        target = self.lookup(label, "eq")
        return f"{indent}\\tag{{{target.text.strip('()')}}}\n{indent}$$"

    @staticmethod
    def options(body: list) -> tuple:
        """(options dict, remaining body lines) of a directive's body."""
        opts, k = {}, 0
        if body and body[0].strip() == "---":
            end = next((n for n in range(1, len(body)) if body[n].strip() == "---"), None)
            if end is not None:
                opts = yaml.safe_load("\n".join(body[1:end])) or {}
                k = end + 1
        while k < len(body) and re.match(r"^:[\w-]+:", body[k]):
            key, _, value = body[k][1:].partition(":")
            opts[key] = value.strip()
            k += 1
        while k < len(body) and not body[k].strip():
            k += 1
        return opts, body[k:]

    def directive(self, name: str, arg: str, body: list) -> list:
        opts, content = self.options(body)
        text = self.convert("\n".join(content))
        if name == "exercise":
            return self.exercise(arg, opts, text)
        if name == "solution":
            raise ValueError(
                "a {solution} directive reached a student notebook: tag its cell 'solution'"
            )
        if name == "math":
            label = opts.get("label")
            tag = f"\n\\tag{{{self.lookup(label, 'eq').text.strip('()')}}}" if label else ""
            return ["$$", text + tag, "$$"]
        if name in ("code", "code-block", "code-cell", "sourcecode"):
            return [f"```{arg}", "\n".join(content), "```"]
        if name in ADMONITIONS or name.startswith("admonition"):
            return self.admonition(name, arg, text.split("\n") if text else [])
        return self.admonition(name, arg, text.split("\n") if text else [])

    @staticmethod
    def admonition(name: str, arg: str, lines: list) -> list:
        title = arg if (name in ("admonition", "dropdown") or arg) and arg else name.capitalize()
        return [f"> **{title}**", ">"] + [f"> {ln}".rstrip() for ln in lines]

    def exercise(self, title: str, opts: dict, text: str) -> list:
        label = opts.get("label", "")
        target = self.index.targets.get(label)
        number = target.text if target else "Exercise"
        heading = f"### {number}: {title}" if title else f"### {number}"
        facts = [f"**Label:** `{label}`"] if label else []
        m = DIFFICULTY_RE.search(text)
        if m:
            facts.append(f"**Level:** {m.group(1)}")
            text = (text[: m.start()] + text[m.end() :]).strip("\n")
        calls = self.checks.get(label, [])
        if calls:
            facts.append(
                "**Checked by:** "
                + ", ".join(f"`{c}`" for c in calls)
                + " in the check cell after your answer"
            )
        else:
            facts.append("**Not checked:** a question to think about and discuss")
        return [heading, "", " · ".join(facts), "", text]

    # -- inline --------------------------------------------------------------

    def lookup(self, label: str, role: str) -> Target:
        target = self.index.targets.get(label)
        if target is None:
            raise ValueError(
                f"{self.docname}: {{{role}}}`{label}` names no exercise, equation or section of the book"
            )
        return target

    def link(self, text: str, docname: str, anchor: str = "") -> str:
        url = self.index.url(docname, anchor)
        return f"[{text}]({url})" if url else text

    def role(self, m) -> str:
        name, content = m.group(1), m.group(2)
        explicit = EXPLICIT_RE.match(content)
        shown, key = (explicit.group(1), explicit.group(2)) if explicit else (None, content.strip())
        if name == "math":
            return f"${content}$"
        if name == "doc":
            docname = self.index.doc(key, self.docname)
            if docname is None:
                raise ValueError(f"{self.docname}: {{doc}}`{content}` names no page of the book")
            return self.link(shown or self.index.doc_text(docname), docname)
        if name in ("ref", "numref", "eq"):
            target = self.lookup(key, name)
            text = shown or target.text
            if name == "numref" and shown and "%s" in shown:
                text = shown.replace("%s", target.text.split()[-1].strip("()"))
            return self.link(text, target.docname, target.anchor)
        return shown or key  # {term}, {abbr}, ...: the text itself

    def inline(self, line: str) -> str:
        return ROLE_RE.sub(self.role, line)


class AddHeader:
    """Put a short plain-markdown cell at the top saying what the notebook is."""

    def __init__(self, index: BookIndex, docname: str, name: str):
        self.index, self.docname, self.name = index, docname, name

    def __call__(self, nb):
        where = (
            self.index.doc_text(self.docname)
            if self.docname in self.index.targets
            else f"`{self.name}`"
        )
        url = self.index.url(self.docname)
        lines = [
            f"> **Student version** of {where}: the solutions are removed.",
            ">",
            "> Run all cells first (the checks use the code above them). Then write each answer in its",
            "> `starter` cell, replacing `raise NotImplementedError` or `...`, and run the check cell",
            "> below it: a failing check says what is wrong. `make check-student` runs every check.",
        ]
        if url:
            lines += [">", f"> The chapter with its pictures and explorers: [{url}]({url})"]
        header = nbformat.v4.new_markdown_cell("\n".join(lines))
        header.id = HEADER_ID
        header.metadata["tags"] = ["student-header"]
        nb.cells = [header] + nb.cells
        return nb


# ---------------------------------------------------------------------------
# the two pipelines


def docname_of(index: BookIndex, name: str) -> str:
    """The docname of the chapter file ``name`` (e.g. ``03_x.ipynb`` -> ``chapters/03_x``)."""
    stem = Path(name).stem
    return next((d for d in index.docs if Path(d).name == stem), f"chapters/{stem}")


def published_notebook(nb, name: str, index: BookIndex):
    """The student notebook of the instructor notebook ``nb`` (file name ``name``); ``nb`` is not modified."""
    docname = docname_of(index, name)
    out = copy.deepcopy(nb)
    for transform in (
        ClearExerciseOutputs(),
        RemoveSolutions(),
        TagChecksRaises(),
        PruneWidgetState(),
        MystToCommonMark(index, docname),
        AddHeader(index, docname, name),
    ):
        out = transform(out)
    return out


def site_notebook(nb):
    """The chapter as the site shows it without solutions: same cells as the student notebook, still MyST."""
    out = copy.deepcopy(nb)
    for transform in (ClearExerciseOutputs(), RemoveSolutions(), PruneWidgetState()):
        out = transform(out)
    for cell in out.cells:
        if CHECK in tags(cell):
            cell.metadata.get("mystnb", {}).pop("code_prompt_show", None)
    return out
