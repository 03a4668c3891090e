"""The questions a report is organised by: id, points and the title of the notebook section that teaches each.

They come from the assignment when this installation has it; otherwise (results graded elsewhere, an assignment
removed since) from the results themselves, so a report can always be written.
"""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import AssignmentError, Question, choose
from autograder.reports.results import GradedSubmission


def _from_assignment(name: str | None, root: Path | None) -> list[Question] | None:
    """The assignment's questions in order, with points and section titles; None when it cannot be found here."""
    try:
        return choose(name, root).question_table()
    except AssignmentError:
        return None


def _from_results(submissions: list[GradedSubmission]) -> list[Question]:
    """Questions in the order the results first show them, each worth the most its tests add up to anywhere."""
    points: dict[str, float] = {}
    for submission in submissions:
        totals: dict[str, float] = {}
        for test in submission.tests:
            totals[test.question] = totals.get(test.question, 0.0) + test.max_score
        for qid, total in totals.items():
            points[qid] = max(points.get(qid, 0.0), total)
    return [Question(qid, (), qid, total) for qid, total in points.items()]


def questions_for(
    assignment: str | None, submissions: list[GradedSubmission], root: Path | None = None
) -> list[Question]:
    """The assignment's questions; any question the results hold beyond them comes last, so nothing is dropped."""
    known = _from_assignment(assignment, root) or []
    ids = {q.id for q in known}
    return known + [q for q in _from_results(submissions) if q.id not in ids]
