"""Read a graded folder: every ``<submission>/results.json`` as typed records the pages are built from.

The records keep what the pages may show and nothing else: a test's name, score, visibility, feedback and named
mistake and forbidden calls (the ``extra_data`` fields docs/reports.md lists), the cell outcomes, the submitters.
A results.json that cannot be read is kept as a problem to report, never a reason to stop.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.gradebook.grades import GRADES, GradesError, read_grades
from autograder.grading.api import Mistake
from autograder.output import OutputFolder
from autograder.worker.execute import CellOutcome

RESULTS = "results.json"
_QUESTION_PREFIX = re.compile(r"^\[([^\]]+)\]\s*")
UNASSIGNED = "other"  # the question of a test whose results.json says none (results written by another grader)
# Cell outcomes that mean the grader had to stop the cell, not that the student's code raised.
STOPPED_CELL = ("timeout", "crashed")
FAILED_CELL = ("error", *STOPPED_CELL)


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # a record, not a test for pytest to collect

    question: str
    name: str  # what the test checks, without the "[question]" prefix
    score: float
    max_score: float
    visible: bool  # students see it before grades are published
    output: str  # the grader's feedback (never expected values)
    mistake: Mistake | None = None
    forbidden: tuple[str, ...] = ()  # library calls that cost the question its credit

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass(frozen=True)
class Submitter:
    name: str
    email: str = ""
    sid: str = ""


@dataclass
class GradedSubmission:
    """One submission's results.json."""

    name: str  # its folder in the graded directory (the notebook's stem, made unique)
    score: float
    output: str  # the summary students read first; for a submission not graded, why
    tests: list[TestOutcome] = field(default_factory=list)
    cells: list[CellOutcome] = field(default_factory=list)
    assignment: str | None = None
    submitters: list[Submitter] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        """A submission that could not be graded has no tests (its output says why)."""
        return bool(self.tests)

    @property
    def failed_cells(self) -> list[CellOutcome]:
        """Cells that raised, ran past their time limit or ended their process."""
        return [c for c in self.cells if c.status in FAILED_CELL]

    @property
    def who(self) -> str:
        """The submission as people know it: its students' names when the grader knew them, else its name."""
        names = [s.name for s in self.submitters if s.name]
        return ", ".join(names) if names else self.name


@dataclass
class Batch:
    folder: Path
    submissions: list[GradedSubmission]
    unreadable: dict[str, str]  # submission folder -> why its results.json could not be read

    @property
    def assignment(self) -> str | None:
        names = {s.assignment for s in self.submissions if s.assignment}
        return names.pop() if len(names) == 1 else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _test(data: dict[str, Any]) -> TestOutcome:
    extra = _dict(data.get("extra_data"))
    name = _text(data.get("name"))
    prefix = _QUESTION_PREFIX.match(name)
    tags = [t for t in _list(data.get("tags")) if isinstance(t, str)]
    question = _text(extra.get("question")) or (tags[0] if tags else prefix.group(1) if prefix else UNASSIGNED)
    mistake = _dict(extra.get("mistake"))
    return TestOutcome(
        question=question,
        name=name[prefix.end() :] if prefix else name,
        score=_number(data.get("score")),
        max_score=_number(data.get("max_score")),
        visible=data.get("visibility", "visible") == "visible",
        output=_text(data.get("output")),
        mistake=Mistake(_text(mistake["id"]), _text(mistake.get("text"))) if mistake.get("id") else None,
        forbidden=tuple(_text(c) for c in _list(extra.get("forbidden"))),
    )


def _cells(data: list[Any]) -> list[CellOutcome]:
    """The cell outcomes of a results.json, each read as the grader reads a worker's (malformed ones left out)."""
    cells = []
    for item in data:
        try:
            cells.append(CellOutcome.from_json(item))
        except ValueError:
            continue
    return cells


def parse_results(name: str, data: dict[str, Any]) -> GradedSubmission:
    """One results.json's content as a record; fields it lacks take their empty values."""
    extra = _dict(data.get("extra_data"))
    return GradedSubmission(
        name=name,
        score=_number(data.get("score")),
        output=_text(data.get("output")),
        tests=[_test(t) for t in _list(data.get("tests")) if isinstance(t, dict)],
        cells=_cells(_list(extra.get("cells"))),
        assignment=_text(extra.get("assignment")) or None,
        submitters=[
            Submitter(_text(s.get("name")), _text(s.get("email")), _text(s.get("sid")))
            for s in _list(extra.get("submitters"))
            if isinstance(s, dict)
        ],
    )


def submission_folders(folder: Path) -> list[Path]:
    """The graded folder's submission folders: real directories inside it (symlinks are never followed out), only
    those its grades.csv lists when it has one (a later grade into the folder may leave others behind)."""
    root = folder.resolve()
    listed = _graded(root)
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and (p / RESULTS).is_file() and (listed is None or p.name in listed)
    )


def _graded(root: Path) -> set[str] | None:
    """The submissions the folder's grades.csv lists; None without one that can be read (results from elsewhere)."""
    if not (root / GRADES).is_file():
        return None
    try:
        return {row.submission for row in read_grades(OutputFolder(root)).rows}
    except (GradesError, OSError, UnicodeDecodeError):
        return None


def read_batch(folder: Path) -> Batch:
    """Every results.json under folder, by submission name; a folder without any is an error that says why."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: pass the folder `autograder grade --out` wrote.")
    submissions, unreadable = [], {}
    for sub in submission_folders(folder):
        try:
            data = json.loads((sub / RESULTS).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            unreadable[sub.name] = f"its results.json could not be read ({type(exc).__name__})"
            continue
        if not isinstance(data, dict):
            unreadable[sub.name] = "its results.json is not a JSON object"
            continue
        submissions.append(parse_results(sub.name, data))
    if not submissions and not unreadable:
        raise FileNotFoundError(
            f"{folder} holds no <submission>/{RESULTS}: run `autograder grade ... --out {folder}` first."
        )
    return Batch(folder.resolve(), submissions, unreadable)
