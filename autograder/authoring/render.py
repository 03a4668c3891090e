"""Render parsed source cells into the student template, the solution notebook and the reference module.

A solution region is kept verbatim (minus its markers) in the solution notebook and in the reference
module. In the student template, a code region becomes a stub that raises ``NotImplementedError``
naming the function to write, and a text region becomes an answer prompt. ``NO PROMPT`` regions
(private helpers of the reference) vanish from the template altogether.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import nbformat

from autograder.authoring.source import SourceCell, SourceError
from autograder.conventions import EXPERIMENT_MARK

Version = Literal["solution", "template"]

_CODE_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?P<no_prompt> NO PROMPT)?\s*$")
_CODE_END = re.compile(r"^\s*# END SOLUTION\s*$")
_TEXT_BEGIN = re.compile(r"^(?P<indent>\s*)<!-- BEGIN SOLUTION(?P<no_prompt> NO PROMPT)? -->\s*$")
_TEXT_END = re.compile(r"^\s*<!-- END SOLUTION -->\s*$")
_DEF = re.compile(r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)")
_CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")

ANSWER_PROMPT = "_Type your answer here, replacing this line._"


@dataclass(frozen=True)
class Region:
    """A run of lines that is either given to students or part of the solution."""

    lines: tuple[str, ...]
    solution: bool
    indent: str = ""
    prompt: bool = True


def split_regions(cell: SourceCell, where: str) -> list[Region]:
    """Cut a cell into given and solution regions, checking that markers pair up."""
    begin, end = (_CODE_BEGIN, _CODE_END) if cell.kind == "code" else (_TEXT_BEGIN, _TEXT_END)
    regions: list[Region] = []
    current: list[str] = []
    opened: re.Match[str] | None = None
    for line in cell.text.splitlines():
        if match := begin.match(line):
            if opened:
                raise SourceError(f"{where}: BEGIN SOLUTION inside another solution region: {line.strip()!r}.")
            regions.append(Region(tuple(current), solution=False))
            current, opened = [], match
        elif end.match(line):
            if not opened:
                raise SourceError(f"{where}: END SOLUTION without a BEGIN SOLUTION before it.")
            regions.append(Region(tuple(current), True, opened["indent"], not opened["no_prompt"]))
            current, opened = [], None
        else:
            current.append(line)
    if opened:
        raise SourceError(f"{where}: a solution region is never closed; add END SOLUTION after it.")
    regions.append(Region(tuple(current), solution=False))
    return [r for r in regions if r.lines or r.solution]


def enclosing_name(lines: list[str], indent: str) -> str:
    """The qualified name of the function a stub at `indent` sits in, from the lines above it."""
    names: list[str] = []
    depth = len(indent)
    for line in reversed(lines):
        pattern = _CLASS if names else _DEF
        match = pattern.match(line)
        if match and len(match["indent"]) < depth:
            names.insert(0, match["name"])
            depth = len(match["indent"])
            if pattern is _CLASS:
                break
    return ".".join(names) or "this cell"


def _stub(region: Region, kind: str, given_so_far: list[str]) -> list[str]:
    if not region.prompt:
        return []
    if kind == "markdown":
        return [region.indent + ANSWER_PROMPT]
    name = enclosing_name(given_so_far, region.indent)
    return [
        f"{region.indent}# TODO: replace this line with your code.",
        f'{region.indent}raise NotImplementedError("{name}: not implemented yet")',
    ]


def cell_text(cell: SourceCell, version: Version, where: str) -> str:
    """The text of one cell as the given version of the notebook shows it."""
    out: list[str] = []
    for region in split_regions(cell, where):
        if region.solution and version == "template":
            out.extend(_stub(region, cell.kind, out))
        else:
            out.extend(region.lines)
    text = "\n".join(out).strip("\n")
    return f"{EXPERIMENT_MARK}\n{text}" if cell.experiment else text


def solution_lines(cells: list[SourceCell], name: str) -> list[str]:
    """Every line of solution code or text, for checking that none leaks into the template."""
    return [
        line
        for number, cell in enumerate(cells, start=1)
        for region in split_regions(cell, f"{name}, cell {number}")
        if region.solution
        for line in region.lines
    ]


# How the public checks cell asks to be shown folded: JupyterLab and VS Code read the first, Colab the second.
CHECKS_METADATA = {"jupyter": {"source_hidden": True}, "cellView": "form"}


def render_notebook(
    cells: list[SourceCell], version: Version, name: str, checks: str | None = None
) -> nbformat.NotebookNode:
    """Build the notebook for one version; cell ids are derived from positions so output is stable.

    ``checks`` is the code of the public checks cell, written where the source has a ``checks`` cell.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for number, cell in enumerate(cells, start=1):
        if cell.checks and checks is None:
            raise SourceError(f"{name}, cell {number}: a checks cell needs the public checks code, and none was given.")
        text = checks if cell.checks else cell_text(cell, version, f"{name}, cell {number}")
        make = nbformat.v4.new_code_cell if cell.kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(text, id=f"cell-{number:03d}", metadata=CHECKS_METADATA if cell.checks else {}))
    nbformat.validate(nb)
    return nb


def render_reference_module(cells: list[SourceCell], name: str, source_path: str) -> str:
    """The reference implementation: the solution text of every ``reference`` cell, in order."""
    header = (
        f'"""Reference implementation of the {name} assignment.\n\n'
        f"Generated by `autograder build` from {source_path}; edit that file, not this one.\n"
        '"""\n'
    )
    bodies = [
        cell_text(cell, "solution", f"{name}, cell {number}")
        for number, cell in enumerate(cells, start=1)
        if cell.reference
    ]
    return header + "\n" + "\n\n\n".join(bodies) + "\n"
