"""Write the pages: ``DIR/report.html`` for instructors and ``DIR/<submission>/feedback.html`` for each student.

Pages are Jinja2 templates (package data, autoescaped: names, error messages and feedback are text, whatever they
contain) rendered into single self-contained files: styles inline, charts as inline SVG, nothing fetched.
Files are written through the output folder's one writer: only into the graded folder and its real submission
folders, each replaced whole, a link planted at a page's name replaced rather than followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.assignment import Question
from autograder.output import OutputFolder
from autograder.reports import analysis, charts
from autograder.reports.clusters import clusters
from autograder.reports.questions import questions_for
from autograder.reports.results import Batch, GradedSubmission, TestOutcome, read_batch
from autograder.reports.templating import ENVIRONMENT

REPORT = "report.html"
FEEDBACK = "feedback.html"


@dataclass(frozen=True)
class QuestionFeedback:
    """One question as a student's page shows it."""

    question: Question
    tests: list[TestOutcome]  # those the student may see
    hidden_points: float  # points of the tests not shown yet

    @property
    def earned(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def shown_points(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def failed(self) -> list[TestOutcome]:
        return [t for t in self.tests if not t.passed]

    @property
    def mistakes(self) -> list[str]:
        """The named mistakes its shown tests recognised, each once."""
        return list(dict.fromkeys(t.mistake.text for t in self.tests if t.mistake))


def _report_context(batch: Batch, questions: list[Question]) -> dict[str, Any]:
    graded = [s for s in batch.submissions if s.graded]
    max_total = sum(q.points for q in questions)
    question_stats = analysis.question_stats(graded, questions)
    tests = analysis.per_test_stats(graded, questions)
    scores = [s.score for s in graded]
    return {
        "batch": batch,
        "assignment": batch.assignment or "",
        "questions": {q.id: q for q in questions},
        "anchor": {q.id: f"q-{i}" for i, q in enumerate(questions, start=1)},
        "max_total": max_total,
        "graded": graded,
        "not_graded": [s for s in batch.submissions if not s.graded],
        "summary": analysis.score_summary(scores, max_total),
        "question_stats": question_stats,
        "charts": {
            "total": charts.score_histogram(scores, max_total) if graded else None,
            "questions": charts.question_distribution(question_stats) if graded else None,
        },
        "test_groups": [
            (q, charts.pass_rates(i, q.id, group) if group else None, group)
            for i, q in enumerate(questions)
            for group in [[t for t in tests if t.question == q.id]]
        ],
        "mistakes": analysis.class_mistakes(graded),
        "stopped_cells": analysis.stopped_cells(graded),
        "forbidden": analysis.forbidden_calls(graded),
        "cell_failures": analysis.cell_failures(graded),
        "clusters": clusters(graded),
    }


def _feedback_context(
    submission: GradedSubmission, questions: list[Question], assignment: str, reveal_hidden: bool
) -> dict[str, Any]:
    by_question = [
        QuestionFeedback(
            q,
            [t for t in mine if reveal_hidden or t.visible],
            0.0 if reveal_hidden else sum(t.max_score for t in mine if not t.visible),
        )
        for q in questions
        for mine in [[t for t in submission.tests if t.question == q.id]]
    ]
    hidden_points = sum(qf.hidden_points for qf in by_question)
    return {
        "submission": submission,
        "assignment": assignment,
        "by_question": by_question,
        "hidden_points": hidden_points,
        "revealed": reveal_hidden and any(not t.visible for t in submission.tests),
        "earned": sum(qf.earned for qf in by_question),
        "possible": sum(qf.shown_points for qf in by_question) if hidden_points else sum(q.points for q in questions),
        "failed_cells": submission.failed_cells,
    }


def render_report(batch: Batch, questions: list[Question]) -> str:
    return ENVIRONMENT.get_template("report.html.j2").render(_report_context(batch, questions))


def render_feedback(
    submission: GradedSubmission, questions: list[Question], assignment: str = "", reveal_hidden: bool = False
) -> str:
    context = _feedback_context(submission, questions, assignment, reveal_hidden)
    return ENVIRONMENT.get_template("feedback.html.j2").render(context)


def write_pages(folder: Path, reveal_hidden: bool = False, root: Path | None = None) -> list[Path]:
    """Write the class report and every submission's feedback page into the graded folder; return their paths.

    ``root`` is a course repository whose assignments/ holds the batch's assignment, when it is not installed here.
    """
    batch = read_batch(folder)
    questions = questions_for(batch.assignment, batch.submissions, root)
    out = OutputFolder(batch.folder)
    written = [out.write_text(REPORT, text=render_report(batch, questions))]
    for submission in batch.submissions:
        page = render_feedback(submission, questions, batch.assignment or "", reveal_hidden)
        written.append(out.write_text(submission.name, FEEDBACK, text=page))
    return written
