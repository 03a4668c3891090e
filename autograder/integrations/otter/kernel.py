"""What the zip's otter tests call inside otter's kernel: this project's hidden graders on the notebook's globals.

Otter runs the tests in the student's own kernel, so the graders run there too, in process (as the reference does
in `autograder grade`): the same probes, checks, points and forbidden-call rule, hence the same score for every
submission that does not attack the grader. As in `autograder grade`, the reference is graded first, once per
kernel: a grader that fails it is broken, and says so instead of failing students. Each question is graded once;
its otter test cases read the results.
"""

from __future__ import annotations

import ast
import functools
import os
from typing import Any

from autograder.assignment import Assignment, load
from autograder.conventions import count_as_student_code
from autograder.grading import reference_cache
from autograder.grading.implementations import LocalImplementation, reference
from autograder.grading.plugin import check_reference, run_graders
from autograder.grading.results import TestResult

_graded: dict[tuple[int, str], list[TestResult]] = {}


def _source(env: dict[str, Any]) -> str:
    """The code of the notebook's cells (IPython's input history), for the static forbidden-name scan."""
    return "\n\n".join(cell for cell in env.get("_ih", []) if isinstance(cell, str) and _parses(cell))


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


@functools.cache
def _checked_reference(name: str) -> tuple[Assignment, LocalImplementation]:
    """The assignment and its reference, graded once: RuntimeError unless the reference passes every test.

    Also makes the forbidden-call recorder count this kernel's cells as student code, as it counts the worker's:
    it knows student code by the file name it was compiled under (``<cell N>`` in the worker; ipykernel names each
    cell's code after its own temporary folder). Without this only the static scan would see forbidden calls.
    """
    from ipykernel.compiler import get_tmp_directory

    count_as_student_code(get_tmp_directory() + os.sep)
    assignment = load(name)
    ref = reference(assignment)
    reference_cache.load(ref, assignment)
    check_reference(assignment)
    reference_cache.save(ref, assignment)
    return assignment, ref


def _results(env: dict[str, Any], name: str, question: str) -> list[TestResult]:
    key = (id(env), question)
    if key not in _graded:
        assignment, ref = _checked_reference(name)
        submission = LocalImplementation(env, assignment, source=_source(env))
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
