"""Find a student's answer to each written question in their notebook, even when cell metadata was lost.

The answer starts at the cell tagged ``answer:<id>``; when no cell has the tag (Colab, copied cells), at the cell that
holds the question's marker or text, from which only the student's own lines count. It runs on through the
markdown cells the student added after it, up to a code cell, a cell the template gave, or another question. Lines
the template gave (the answer prompt, the question itself) are never part of an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from autograder.authoring.written import WrittenQuestion

MAX_ANSWER = 20_000  # characters kept of one answer
_TEXT_CELLS = ("markdown", "raw")
_LOCATOR = 60  # characters of a question's normalised text that identify it when its cell was edited

Found = Literal["tag", "text", "missing"]


@dataclass(frozen=True)
class Answer:
    text: str  # what the student wrote (markdown); empty when nothing was found or the prompt was left
    found: Found  # how: by the cell's tag, by the question's text, or not at all

    def as_json(self) -> dict[str, str]:
        return {"answer": self.text, "found": self.found}

    @classmethod
    def from_json(cls, data: Any) -> Answer:
        data = data if isinstance(data, dict) else {}
        found = data.get("found") if data.get("found") in ("tag", "text") else "missing"
        return cls(str(data.get("answer") or "")[:MAX_ANSWER], found)


@dataclass(frozen=True)
class _Cell:
    kind: str
    text: str
    tags: frozenset[str]


def _normal(text: str) -> str:
    """Text compared loosely: no markdown emphasis or heading marks, one space between words, lower case."""
    return " ".join(re.sub(r"[*_#>`]", " ", text).split()).casefold()


def _cells(raw: Iterable[Mapping[str, Any]]) -> list[_Cell]:
    cells = []
    for cell in raw:
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        tags = (cell.get("metadata") or {}).get("tags")
        tags = tags if isinstance(tags, list) else []  # whatever else a tool wrote there tags nothing
        cells.append(_Cell(str(cell.get("cell_type", "")), text, frozenset(t for t in tags if isinstance(t, str))))
    return cells


class AnswerFinder:
    """Finds answers for one assignment: its written questions and the lines its template gives students."""

    def __init__(self, questions: list[WrittenQuestion], given_lines: Iterable[str]) -> None:
        self.questions = questions
        self.given = frozenset(line.strip() for line in given_lines if line.strip())

    def _own_lines(self, cell: _Cell) -> str:
        return "\n".join(line for line in cell.text.splitlines() if line.strip() not in self.given).strip()

    def _marks_question(self, cell: _Cell, question: WrittenQuestion) -> bool:
        text = _normal(cell.text)
        return f"<!-- question {question.id} " in cell.text.casefold() or _normal(question.text)[:_LOCATOR] in text

    def _start(self, cells: list[_Cell], question: WrittenQuestion) -> tuple[int | None, Found]:
        for i, cell in enumerate(cells):
            if question.tag in cell.tags:
                return i, "tag"
        for i, cell in enumerate(cells):
            if cell.kind in _TEXT_CELLS and self._marks_question(cell, question):
                return i, "text"
        return None, "missing"

    def _stops(self, cell: _Cell) -> bool:
        return (
            cell.kind not in _TEXT_CELLS
            or not self._own_lines(cell)
            or any(q.tag in cell.tags or self._marks_question(cell, q) for q in self.questions)
        )

    def find(self, notebook_cells: Iterable[Mapping[str, Any]]) -> dict[str, Answer]:
        """Each written question's answer in a notebook's cells (nbformat cells or their JSON)."""
        cells = _cells(notebook_cells)
        answers = {}
        for question in self.questions:
            start, found = self._start(cells, question)
            if start is None:
                answers[question.id] = Answer("", "missing")
                continue
            parts = [self._own_lines(cells[start])]
            for cell in cells[start + 1 :]:
                if self._stops(cell):
                    break
                parts.append(cell.text.strip())
            text = "\n\n".join(p for p in parts if p)
            answers[question.id] = Answer(text[:MAX_ANSWER], found)
        return answers
