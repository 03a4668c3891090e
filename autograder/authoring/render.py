"""Render parsed source cells into the student template, the solution notebook and the reference module.

A solution region is kept verbatim (minus its markers) in the solution notebook and in the reference
module. In the student template, a code region becomes a stub that raises ``NotImplementedError``
naming the function to write, and a text region becomes an answer prompt. ``NO PROMPT`` regions
(private helpers of the reference) vanish from the template altogether. A written question's answer (see
:mod:`autograder.authoring.written`) is a markdown cell of its own, tagged ``answer:<id>`` in both notebooks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import nbformat

from autograder.authoring.source import Region, SourceCell, SourceError, split_regions
from autograder.authoring.written import WrittenQuestion, pieces, written_questions
from autograder.conventions import EXPERIMENT_MARK

Version = Literal["solution", "template"]

_DEF = re.compile(r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)")
_CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")

ANSWER_PROMPT = "_Type your answer here, replacing this line._"
RUBRIC_HEADING = "**Rubric** (for graders; the student template has neither the model answer nor this rubric):"


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


def _regions_text(regions: Iterable[Region], kind: str, version: Version) -> str:
    out: list[str] = []
    for region in regions:
        if region.solution and version == "template":
            out.extend(_stub(region, kind, out))
        else:
            out.extend(region.lines)
    return "\n".join(out).strip("\n")


def cell_text(cell: SourceCell, version: Version, where: str) -> str:
    """The text of one cell as the given version of the notebook shows it."""
    text = _regions_text(split_regions(cell, where), cell.kind, version)
    return f"{EXPERIMENT_MARK}\n{text}" if cell.experiment else text


def answer_text(question: WrittenQuestion, version: Version) -> str:
    """A written question's answer cell: the prompt for students; the model answer and rubric in the solution."""
    if version == "template":
        return ANSWER_PROMPT
    rubric = f"\n\n{RUBRIC_HEADING}\n\n{question.rubric}" if question.rubric else ""
    return question.answer + rubric


def _markdown_cells(cell: SourceCell, number: int, version: Version, where: str) -> list[nbformat.NotebookNode]:
    """A markdown cell, cut so that each written question's answer is a cell of its own, tagged with its id."""
    out = []
    for k, piece in enumerate(pieces(cell, where)):
        cell_id = f"cell-{number:03d}" + (f"-{k}" if k else "")
        if piece.question:
            text, metadata = answer_text(piece.question, version), {"tags": [piece.question.tag]}
        else:
            text, metadata = _regions_text(piece.regions, "markdown", version), {}
        if text.strip():
            out.append(nbformat.v4.new_markdown_cell(text, id=cell_id, metadata=metadata))
    return out


def solution_lines(cells: list[SourceCell], name: str) -> list[str]:
    """Every line of solution code or text, for checking that none leaks into the template."""
    return [
        line
        for number, cell in enumerate(cells, start=1)
        for region in split_regions(cell, f"{name}, cell {number}")
        if region.solution
        for line in region.lines
    ]


def markdown_texts(cells: list[SourceCell], version: Version, name: str) -> list[str]:
    """The text of every markdown cell of one version of the notebook, as rendered."""
    return [
        str(md.source)
        for number, cell in enumerate(cells, start=1)
        if cell.kind == "markdown"
        for md in _markdown_cells(cell, number, version, f"{name}, cell {number}")
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
    written_questions(cells, name)  # one id per question
    for number, cell in enumerate(cells, start=1):
        where = f"{name}, cell {number}"
        if cell.checks and checks is None:
            raise SourceError(f"{where}: a checks cell needs the public checks code, and none was given.")
        if cell.kind == "markdown":
            nb.cells.extend(_markdown_cells(cell, number, version, where))
            continue
        text = checks if cell.checks else cell_text(cell, version, where)
        metadata = CHECKS_METADATA if cell.checks else {}
        nb.cells.append(nbformat.v4.new_code_cell(text, id=f"cell-{number:03d}", metadata=metadata))
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
