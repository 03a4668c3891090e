"""What the zip's otter tests call inside otter's kernel: this project's hidden graders on the notebook's globals.

Otter runs the tests in the student's own kernel, so the graders run there too, in process (as the reference does
in `autograder grade`): the same probes, checks, points and forbidden-call rule, hence the same score for every
submission that does not attack the grader. Each question is graded once; its otter test cases read the results.
"""

from __future__ import annotations

import ast
import os
from typing import Any

from autograder.grading import reference_cache
from autograder.grading.implementations import InProcess, reference
from autograder.grading.plugin import TestResult, run_graders
from autograder.probes import forbidden

_graded: dict[tuple[int, str], list[TestResult]] = {}


class KernelSubmission(InProcess):
    """The notebook's globals, with the code of its cells (IPython's input history) for the static forbidden scan."""

    def __init__(self, env: dict[str, Any]) -> None:
        super().__init__(env)
        cells = [cell for cell in env.get("_ih", []) if isinstance(cell, str) and _parses(cell)]
        self.source = "\n\n".join(cells)


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def _recognise_kernel_cells() -> None:
    """Make the forbidden-call recorder count this kernel's cells as student code, as it counts the worker's.

    It knows student code by the file name it was compiled under: ``<cell N>`` in the worker; ipykernel names each
    cell's code after its own temporary folder. Without this only the static scan would see forbidden calls.
    """
    from ipykernel.compiler import get_tmp_directory

    forbidden.count_as_student_code(get_tmp_directory() + os.sep)


def _results(env: dict[str, Any], assignment: str, question: str) -> list[TestResult]:
    key = (id(env), question)
    if key not in _graded:
        ref = reference(assignment)  # functools.cache'd: once loaded, its cache stays in this kernel
        if not _graded:
            _recognise_kernel_cells()
            reference_cache.load(ref, assignment)
        _graded[key] = run_graders(assignment, KernelSubmission(env), ref, [question])
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
