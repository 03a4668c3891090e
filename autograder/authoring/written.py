"""Written questions in an assignment's source, graded by hand question by question.

    <!-- QUESTION w_momentum points=3 -->
    **Written question 1.** The question text (one markdown block; may span lines).

    <!-- BEGIN SOLUTION -->
    *Model answer.* ...
    <!-- RUBRIC -->
    - 1 point: ... (for graders, never shown to students)
    <!-- END SOLUTION -->

The marker is its own line before the question's text; the solution region that follows it in the same cell is the
question's answer: the model answer, then (after `<!-- RUBRIC -->`) the rubric. In both notebooks the answer is a
markdown cell of its own tagged `answer:<id>`, so a student's answer is found by its tag; in the template it holds
only the answer prompt. Written points are not part of the autograded total.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from autograder.authoring.source import Region, SourceCell, SourceError, split_regions

ANSWER_TAG = "answer:"
_MARKER = re.compile(r"^\s*<!-- QUESTION\b")
_QUESTION = re.compile(r"^\s*<!-- QUESTION (?P<id>\S+) points=(?P<points>\S+) -->\s*$")
_ID = re.compile(r"^w_[a-z0-9_]{1,40}$")
RUBRIC = re.compile(r"^\s*<!-- RUBRIC -->\s*$")


@dataclass(frozen=True)
class WrittenQuestion:
    id: str
    points: float
    text: str  # the question as students read it (markdown)
    answer: str  # the model answer (markdown)
    rubric: str  # what earns each point (markdown); empty when the source gives none

    @property
    def tag(self) -> str:
        return f"{ANSWER_TAG}{self.id}"


@dataclass(frozen=True)
class Piece:
    """A part of a markdown cell that becomes one notebook cell; `question` is set on an answer cell."""

    regions: tuple[Region, ...]
    question: WrittenQuestion | None = None


def _marker(line: str, where: str) -> tuple[str, float] | None:
    if not _MARKER.match(line):
        return None
    match = _QUESTION.match(line)
    if not match:
        raise SourceError(f"{where}: write a written question's marker as <!-- QUESTION w_name points=N -->, "
                          f"not {line.strip()!r}.")  # fmt: skip
    if not _ID.match(match["id"]):
        raise SourceError(f"{where}: the written question id {match['id']!r} must be w_ then lowercase letters, "
                          "digits or _ (at most 40).")  # fmt: skip
    try:
        points = float(match["points"])
    except ValueError:
        points = -1.0
    if not (math.isfinite(points) and points > 0):
        raise SourceError(f"{where}: the points of {match['id']} must be a positive number, not {match['points']!r}.")
    return match["id"], points


def _question(marked: tuple[str, float], text: list[str], answer: Region, where: str) -> WrittenQuestion:
    qid, points = marked
    body = "\n".join(text).strip()
    if not body:
        raise SourceError(f"{where}: the written question {qid} has no text after its marker.")
    if not answer.prompt:
        raise SourceError(f"{where}: the answer of {qid} must be a plain BEGIN SOLUTION region (not NO PROMPT).")
    rubric_at = next((i for i, line in enumerate(answer.lines) if RUBRIC.match(line)), len(answer.lines))
    model = "\n".join(answer.lines[:rubric_at]).strip()
    rubric = "\n".join(answer.lines[rubric_at + 1 :]).strip()
    return WrittenQuestion(qid, points, body, model, rubric)


def pieces(cell: SourceCell, where: str) -> list[Piece]:
    """The cell cut so that each written question's answer is a piece of its own (code cells stay whole)."""
    regions = split_regions(cell, where)
    if cell.kind != "markdown":
        return [Piece(tuple(regions))]
    out: list[Piece] = []
    current: list[Region] = []
    marked: tuple[str, float] | None = None
    text: list[str] = []
    for region in regions:
        if region.solution and marked:
            if current:
                out.append(Piece(tuple(current)))
            out.append(Piece((region,), _question(marked, text, region, where)))
            current, marked, text = [], None, []
            continue
        current.append(region)
        for line in region.lines if not region.solution else ():
            if found := _marker(line, where):
                if marked:
                    raise SourceError(f"{where}: the written question {marked[0]} has no answer region before the "
                                      "next question.")  # fmt: skip
                marked, text = found, []
            elif marked:
                text.append(line)
    if marked:
        raise SourceError(
            f"{where}: the written question {marked[0]} needs its model answer between <!-- BEGIN SOLUTION --> and "
            "<!-- END SOLUTION --> in the same cell (no +++ between them)."
        )
    if current:
        out.append(Piece(tuple(current)))
    return out


def written_questions(cells: list[SourceCell], name: str) -> list[WrittenQuestion]:
    """Every written question of a parsed source, in order; SourceError when an id is used twice."""
    found: list[WrittenQuestion] = []
    for number, cell in enumerate(cells, start=1):
        for piece in pieces(cell, f"{name}, cell {number}"):
            if piece.question:
                if any(q.id == piece.question.id for q in found):
                    raise SourceError(
                        f"{name}, cell {number}: the written question id {piece.question.id} is used twice."
                    )
                found.append(piece.question)
    return found
