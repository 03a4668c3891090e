"""Tests only: run a notebook's cells in this process and grade them without a worker.

The real grader never does this (student code runs only in its isolated worker); tests use it to check the
hidden graders quickly against trusted notebooks: the reference, correct alternatives and single-bug variants.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograder.assignment import Assignment, load
from autograder.grading.implementations import LocalImplementation, reference
from autograder.grading.plugin import run_graders
from autograder.grading.results import TestResult
from autograder.worker.execute import CellOutcome, run_cell


def run_cells(sources: Iterable[str]) -> tuple[dict, list[CellOutcome]]:
    """Run trusted cells here, as the worker runs them: the namespace they leave, and each cell's outcome."""
    namespace: dict = {"__name__": "__main__"}
    return namespace, [run_cell(source, namespace, number) for number, source in enumerate(sources, start=1)]


def in_process(sources: Iterable[str], assignment: Assignment) -> LocalImplementation:
    """A trusted notebook's namespace, its cells run here, with its cells for the static scan of library calls."""
    sources = list(sources)
    namespace, _ = run_cells(sources)
    return LocalImplementation(namespace, assignment, cells=sources)


def grade_in_process(
    sources: Iterable[str], questions: Iterable[str] | None = None, assignment: str = "optim_reg"
) -> list[TestResult]:
    """Grade trusted notebook code in this process, on all questions or only the given ones.

    A test that failed inside the grader itself (not because of the notebook) fails the calling test.
    """
    loaded = load(assignment)
    results = run_graders(loaded, in_process(sources, loaded), reference(loaded), questions)
    assert not [r for r in results if r.grader_error], [r.feedback for r in results if r.grader_error]
    return results


def scores_by_question(results: list[TestResult]) -> dict[str, tuple[float, float]]:
    """question -> (points, max points)."""
    totals: dict[str, tuple[float, float]] = {}
    for r in results:
        points, max_points = totals.get(r.question, (0.0, 0.0))
        totals[r.question] = (points + r.points, max_points + r.max_points)
    return totals
