"""What a class's results add up to: scores, pass rates, the named mistakes and who made them, and anomalies.

Pure functions of the records in :mod:`autograder.reports.results`; the class report shows what they return.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from autograder.assignment import Question
from autograder.grading.api import Mistake
from autograder.reports.results import STOPPED_CELL, GradedSubmission, TestOutcome


@dataclass(frozen=True)
class ScoreSummary:
    count: int
    mean: float
    median: float
    lowest: float
    highest: float
    full_marks: int


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    full: int  # graded submissions with all of the question's points
    partial: int
    none: int
    mean: float


@dataclass(frozen=True)
class TestStats:
    __test__ = False  # statistics, not a test for pytest to collect

    question: str
    name: str
    visible: bool
    passed: int
    ran: int

    @property
    def rate(self) -> float:
        return self.passed / self.ran if self.ran else 0.0


@dataclass
class ClassMistake:
    id: str
    text: str
    question: str
    submissions: list[GradedSubmission] = field(default_factory=list)


@dataclass(frozen=True)
class Incident:
    """One thing about one submission a grader should look at."""

    submission: GradedSubmission
    what: str  # e.g. "code cell 7 timed out"
    detail: str


@dataclass(frozen=True)
class CellFailures:
    cell: int
    error_type: str
    submissions: list[GradedSubmission]


def score_summary(scores: list[float], full: float) -> ScoreSummary | None:
    if not scores:
        return None
    return ScoreSummary(
        len(scores), statistics.fmean(scores), statistics.median(scores), min(scores), max(scores),
        sum(s >= full for s in scores),
    )  # fmt: skip


def _question_score(submission: GradedSubmission, question: str) -> float:
    return sum(t.score for t in submission.tests if t.question == question)


def question_stats(graded: list[GradedSubmission], questions: list[Question]) -> list[QuestionStats]:
    stats = []
    for q in questions:
        scores = [_question_score(s, q.id) for s in graded]
        full = sum(x >= q.points for x in scores)
        none = sum(x <= 0 for x in scores)
        mean = statistics.fmean(scores) if scores else 0.0
        stats.append(QuestionStats(q, full, len(scores) - full - none, none, mean))
    return stats


def per_test_stats(graded: list[GradedSubmission], questions: list[Question]) -> list[TestStats]:
    """Pass rates of every test, grouped by question in the assignment's order, tests in the order they ran."""
    counts: dict[tuple[str, str], list[int]] = {}
    visible: dict[tuple[str, str], bool] = {}
    for submission in graded:
        for test in submission.tests:
            key = (test.question, test.name)
            ran_passed = counts.setdefault(key, [0, 0])
            ran_passed[0] += 1
            ran_passed[1] += test.passed
            visible[key] = test.visible
    order = {q.id: i for i, q in enumerate(questions)}
    keys = sorted(counts, key=lambda k: order.get(k[0], len(order)))  # stable: run order within a question
    return [TestStats(q, name, visible[(q, name)], counts[(q, name)][1], counts[(q, name)][0]) for q, name in keys]


def class_mistakes(submissions: Iterable[GradedSubmission]) -> list[ClassMistake]:
    """Each named mistake with the submissions that made it (once each, however many tests saw it), most first."""
    found: dict[str, ClassMistake] = {}
    for submission in submissions:
        for test in submission.tests:
            if test.mistake is None:
                continue
            mistake = test.mistake
            entry = found.setdefault(mistake.id, ClassMistake(mistake.id, mistake.text, question_of(mistake, test)))
            if submission not in entry.submissions:
                entry.submissions.append(submission)
    return sorted(found.values(), key=lambda m: (-len(m.submissions), m.question, m.id))


def question_of(mistake: Mistake, test: TestOutcome) -> str:
    """The question a mistake belongs to: its id's prefix (``adam.eps_inside_sqrt``), else the test's."""
    prefix, dot, _ = mistake.id.partition(".")
    return prefix if dot else test.question


def stopped_cells(submissions: Iterable[GradedSubmission]) -> list[Incident]:
    """Cells the grader had to stop: they ran past the time limit or ended their process."""
    what = {"timeout": "timed out", "crashed": "ended its process"}
    return [
        Incident(s, f"code cell {c.cell} {what[c.status]}", c.message)
        for s in submissions
        for c in s.cells
        if c.status in STOPPED_CELL
    ]


def forbidden_calls(submissions: Iterable[GradedSubmission]) -> list[Incident]:
    """Questions that got no credit because their code calls a library version of what they ask for."""
    incidents = []
    for s in submissions:
        calls: dict[str, set[str]] = {}
        for test in s.tests:
            calls.setdefault(test.question, set()).update(test.forbidden)
        incidents += [Incident(s, f"[{q}]", ", ".join(sorted(c))) for q, c in calls.items() if c]
    return incidents


def cell_failures(submissions: Iterable[GradedSubmission]) -> list[CellFailures]:
    """Cells that raised, grouped by cell number and error type, the most common first."""
    groups: dict[tuple[int, str], list[GradedSubmission]] = {}
    for s in submissions:
        for cell in s.cells:
            if cell.status == "error":
                groups.setdefault((cell.cell, cell.error_type or "error"), []).append(s)
    return sorted(
        (CellFailures(cell, kind, subs) for (cell, kind), subs in groups.items()),
        key=lambda g: (-len(g.submissions), g.cell, g.error_type),
    )
