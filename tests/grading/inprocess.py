"""Tests only: run a notebook's cells in this process and grade them without a worker.

The real grader never does this (student code runs only in its isolated worker); tests use it to check the
hidden graders quickly against trusted notebooks: the reference, correct alternatives and single-bug variants.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import nbformat

from autograder.grading.implementations import InProcess, reference
from autograder.grading.plugin import TestResult, run_graders
from autograder.worker.execute import run_cell


class InProcessSubmission(InProcess):
    """A trusted notebook's namespace, with its code so the static forbidden-call scan can read it."""

    def __init__(self, sources: list[str]) -> None:
        namespace: dict = {"__name__": "__main__"}
        self.outcomes = [run_cell(source, namespace, number) for number, source in enumerate(sources, start=1)]
        self.source = "\n\n".join(sources)
        super().__init__(namespace)


def code_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def grade_in_process(
    sources: list[str], questions: Iterable[str] | None = None, assignment: str = "optim_reg"
) -> list[TestResult]:
    """Grade trusted notebook code in this process, on all questions or only the given ones.

    A test that failed inside the grader itself (not because of the notebook) fails the calling test.
    """
    results = run_graders(assignment, InProcessSubmission(sources), reference(assignment), questions)
    assert not [r for r in results if r.grader_error], [r.feedback for r in results if r.grader_error]
    return results


def scores_by_question(results: list[TestResult]) -> dict[str, tuple[float, float]]:
    """question -> (points, max points)."""
    totals: dict[str, tuple[float, float]] = {}
    for r in results:
        points, max_points = totals.get(r.question, (0.0, 0.0))
        totals[r.question] = (points + r.points, max_points + r.max_points)
    return totals
