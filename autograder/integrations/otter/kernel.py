"""What the zip's otter tests call inside otter's kernel: this project's hidden graders on the notebook's globals.

Otter runs the tests in the student's own kernel, so the graders run there too, in process (as the reference does
in `autograder grade`): the same probes, checks, points and forbidden-call rule, hence the same score for every
submission that does not attack the grader. As in `autograder grade`, the reference is graded first, once per
kernel: a grader that fails it is broken, and says so instead of failing students. Each question is graded once;
its otter test cases read the results.
"""

from __future__ import annotations

import functools
from typing import Any

from autograder.assignment import Assignment, load
from autograder.grading import reference_cache
from autograder.grading.implementations import LocalImplementation, reference
from autograder.grading.plugin import check_reference, run_graders
from autograder.grading.results import TestResult
from autograder.worker import recorder

_graded: dict[tuple[int, str], list[TestResult]] = {}


def _cells(env: dict[str, Any]) -> list[str]:
    """The code of the notebook's cells (IPython's input history), for the static scan of library calls."""
    return [cell for cell in env.get("_ih", []) if isinstance(cell, str)]


@functools.cache
def _checked_reference(name: str) -> tuple[Assignment, LocalImplementation]:
    """The assignment and its reference, graded once: RuntimeError unless the reference passes every test.

    Also installs the forbidden-call recorder of the assignment's list in this kernel, as the grader's warm-up does
    in its workers: while the graders call the notebook's functions, every forbidden entry point invoked is noted.
    """
    assignment = load(name)
    recorder.install(assignment.forbidden.names, assignment.forbidden.allowed)
    ref = reference(assignment)
    reference_cache.load(ref, assignment)
    check_reference(assignment)
    reference_cache.save(ref, assignment)
    return assignment, ref


def _results(env: dict[str, Any], name: str, question: str) -> list[TestResult]:
    key = (id(env), question)
    if key not in _graded:
        assignment, ref = _checked_reference(name)
        submission = LocalImplementation(env, assignment, cells=_cells(env))
        _graded[key] = run_graders(assignment, submission, ref, [question])
        reference_cache.save(ref, assignment)
    return _graded[key]


def grade(env: dict[str, Any], assignment: str, question: str, index: int, points: float) -> None:
    """Pass, or raise AssertionError with the grader's feedback, as the question's ``index``-th grader test did.

    ``points`` is what the otter test file was generated with; a mismatch means the zip is older than the graders.
    """
    results = _results(env, assignment, question)
    if index >= len(results) or results[index].max_points != points:
        raise RuntimeError(
            f"the otter tests of [{question}] do not match the installed graders; rebuild the zip with "
            "`autograder build` from the same version of this project"
        )
    result = results[index]
    if result.grader_error:
        raise RuntimeError(result.feedback)
    if not result.passed:
        raise AssertionError(result.feedback)
