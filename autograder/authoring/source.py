"""Parse an assignment's one source file into notebook cells.

The source is Markdown, so the teaching text reads naturally in any editor and diffs cleanly:

- text outside code fences becomes markdown cells; a line ``+++`` starts a new markdown cell;
- each fenced block opened with ```` ```python ```` becomes a code cell; ```` ```python reference ````
  marks a cell whose definitions are also the assignment's reference implementation; ```` ```python experiment ````
  marks an experiment, which the grader skips except for its definitions (its first line says so); an empty
  ```` ```python checks ```` block is where the build puts the public checks (see :mod:`autograder.authoring.public_cases`);
- solution regions (``# BEGIN SOLUTION`` / ``# END SOLUTION`` in code,
  ``<!-- BEGIN SOLUTION -->`` / ``<!-- END SOLUTION -->`` in text) are kept in the solution
  notebook and replaced by stubs in the student template (see :mod:`autograder.authoring.render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CELL_BREAK = "+++"
FENCE = "```"
CELL_ROLES = ("reference", "experiment", "checks")


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
