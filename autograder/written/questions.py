"""How to find the answers to an assignment's written questions: its questions, and every line its template gives."""

from __future__ import annotations

from autograder.assignment import Assignment
from autograder.authoring.generate import load_cells
from autograder.authoring.render import markdown_texts
from autograder.written.answers import AnswerFinder


def answer_finder(assignment: Assignment) -> AnswerFinder:
    """Finds the answers to the assignment's written questions, knowing every line its template gives.

    It reads the source, which holds the model answers: build it in the grader's process only, after the workers'
    zygotes are forked.
    """
    cells = load_cells(assignment)
    given = [line for text in markdown_texts(cells, "template", assignment.name) for line in text.splitlines()]
    return AnswerFinder(assignment.written_questions(), given)
