"""Parse an assignment's one source file into notebook cells.

The source is Markdown, so the teaching text reads naturally in any editor and diffs cleanly:

- text outside code fences becomes markdown cells; a line ``+++`` starts a new markdown cell;
- each fenced block opened with ```` ```python ```` becomes a code cell; ```` ```python reference ````
  marks a cell whose definitions are also the assignment's reference implementation; ```` ```python experiment ````
  marks an experiment, which the grader skips except for its definitions (its first line says so); an empty
  ```` ```python checks ```` block is where the build puts the public checks (see :mod:`autograder.authoring.public_cases`);
- solution regions (``# BEGIN SOLUTION`` / ``# END SOLUTION`` in code,
  ``<!-- BEGIN SOLUTION -->`` / ``<!-- END SOLUTION -->`` in text) are kept in the solution
  notebook and replaced by stubs in the student template (see :mod:`autograder.authoring.render`);
  this module cuts cells into those regions;
- a ``<!-- QUESTION <id> points=<n> -->`` line before a question's text makes the text region that follows
  it a written question's answer (see :mod:`autograder.authoring.written`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CELL_BREAK = "+++"
FENCE = "```"
CELL_ROLES = ("reference", "experiment", "checks")
_CODE_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?P<no_prompt> NO PROMPT)?\s*$")
_CODE_END = re.compile(r"^\s*# END SOLUTION\s*$")
_TEXT_BEGIN = re.compile(r"^(?P<indent>\s*)<!-- BEGIN SOLUTION(?P<no_prompt> NO PROMPT)? -->\s*$")
_TEXT_END = re.compile(r"^\s*<!-- END SOLUTION -->\s*$")


class SourceError(ValueError):
    """The source file is malformed; the message names the line to fix."""


@dataclass(frozen=True)
class SourceCell:
    kind: Literal["markdown", "code"]
    text: str
    reference: bool = False
    experiment: bool = False
    checks: bool = False


def parse_source(text: str, name: str = "<source>") -> list[SourceCell]:
    """Split the source into markdown and code cells, in order."""
    cells: list[SourceCell] = []
    markdown: list[str] = []
    code: list[str] | None = None
    roles: list[str] = []
    fence_line = 0

    def flush_markdown() -> None:
        body = "\n".join(markdown).strip("\n")
        if body.strip():
            cells.append(SourceCell("markdown", body))
        markdown.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if code is not None:
            if line.rstrip() == FENCE:
                body = "\n".join(code).strip("\n")
                cells.append(SourceCell("code", body, "reference" in roles, "experiment" in roles, "checks" in roles))
                code = None
            else:
                code.append(line)
        elif line.startswith(FENCE):
            words = line[len(FENCE) :].split()
            if not words or words[0] != "python" or any(w not in CELL_ROLES for w in words[1:]):
                raise SourceError(
                    f"{name}, line {number}: a code cell must open with ```python, optionally followed by "
                    f"{' or '.join(CELL_ROLES)}, not {line.strip()!r}."
                )
            flush_markdown()
            code, roles, fence_line = [], words[1:], number
        elif line.strip() == CELL_BREAK:
            flush_markdown()
        else:
            markdown.append(line)
    if code is not None:
        raise SourceError(f"{name}, line {fence_line}: this code cell is never closed; add a line with ``` after it.")
    flush_markdown()
    return cells


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
