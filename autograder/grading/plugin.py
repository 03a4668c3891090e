"""Run an assignment's hidden graders with pytest and turn outcomes into per-test scores.

The plugin provides the ``student`` and ``reference`` fixtures, reads each test's points and visibility
(see :mod:`autograder.grading.api`) and its module's ``QUESTION``, and records one TestResult per test. Assertion
rewriting is off, so a failure shows only the sentence the grader wrote, never values pytest would introspect.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder.assignment import Assignment
from autograder.grading.api import KnownMistake, Scoring
from autograder.grading.forbidden import forbidden_references
from autograder.grading.implementations import Implementation, StudentError, reference
from autograder.grading.results import TestResult

PYTEST_INI = Path(__file__).resolve().with_name("pytest.ini")


@dataclass
class ProbeCache:
    """An implementation as grader tests see it: probe results as plain data (StudentError when the code failed),
    cached, with the forbidden library calls noted per question.

    Probes are deterministic (all randomness is seeded from their parameters), so several tests can share one
    probe call; each question starts from the state right after the notebook's cells.
    """

    implementation: Implementation
    question: str = ""
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def probe(self, name: str, /, **params: Any) -> dict[str, Any]:
        key = json.dumps([self.question, name, params], sort_keys=True)  # each question starts from fresh state
        if key not in self._cache:
            self._cache[key] = self.implementation.probe(name, **params)
        outcome = self._cache[key]
        self.forbidden.setdefault(self.question, []).extend(outcome.forbidden)
        if outcome.error is not None:
            raise StudentError(outcome.error)
        return copy.deepcopy(outcome.result)

    def start(self, question: str) -> None:
        """Probes from here on belong to `question`, from the state right after the cells."""
        if question != self.question:
            self.question = question
            self.implementation.fresh()


class GradingPlugin:
    def __init__(self, student: Implementation, reference: Implementation) -> None:
        self._student = ProbeCache(student)
        self._reference = ProbeCache(reference)
        self.results: list[TestResult] = []

    @pytest.fixture
    def student(self) -> ProbeCache:
        return self._student

    @pytest.fixture
    def reference(self) -> ProbeCache:
        return self._reference

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if not isinstance(getattr(item.obj, "__grading__", None), Scoring):
                raise pytest.UsageError(f"{item.nodeid} has no @public/@hidden points")
            if not isinstance(getattr(item.module, "QUESTION", None), str):
                raise pytest.UsageError(f"{item.module.__name__} does not set QUESTION")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._student.start(item.module.QUESTION)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        """Record the test's score; the report carries one line, so pytest never formats a traceback."""
        exc = call.excinfo.value if call.excinfo else None
        failed = exc is not None
        if call.when == "call" or failed:
            self.results.append(self._result(item, exc))
        longrepr = f"{type(exc).__name__}: {exc}" if failed else None
        outcome = "failed" if failed else "passed"
        return pytest.TestReport(item.nodeid, item.location, {}, outcome, longrepr, call.when, duration=call.duration)

    @staticmethod
    def _result(item: pytest.Item, exc: BaseException | None) -> TestResult:
        scoring: Scoring = item.obj.__grading__
        doc = (item.obj.__doc__ or item.name).strip().splitlines()[0]
        result = TestResult(item.module.QUESTION, doc, scoring.points, scoring.points, scoring.visibility)
        if exc is not None:
            result.points = 0.0
            if isinstance(exc, (AssertionError, StudentError)):
                result.feedback = str(exc) or "the check failed"
                result.mistake = exc.mistake if isinstance(exc, KnownMistake) else None
            else:
                result.grader_error = True
                result.feedback = f"the grader itself failed in this test ({type(exc).__name__}); please report it"
        return result


def run_graders(
    assignment: Assignment,
    student: Implementation,
    reference: Implementation,
    questions: Iterable[str] | None = None,
) -> list[TestResult]:
    """Run the assignment's hidden graders (all, or those of some questions) on one implementation.

    Questions whose code calls a forbidden library implementation get no credit.
    """
    plugin = GradingPlugin(student, reference)
    folder = assignment.graders_folder
    targets = [str(folder)] if questions is None else [str(folder / f"test_{q}.py") for q in questions]
    args = [*targets, "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:unraisableexception",
            "-p", "no:threadexception", "-p", "no:faulthandler", "-p", "no:legacypath", "--assert=plain",
            "-c", str(PYTEST_INI), "--rootdir", str(folder), "--confcutdir", str(folder)]  # fmt: skip
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden graders of {assignment.name} could not run (pytest exit code {code})")
    forbidden = forbidden_references(student.source, assignment) if student.source else {}
    for question, calls in plugin._student.forbidden.items():
        forbidden.setdefault(question, []).extend(calls)
    return apply_forbidden(plugin.results, forbidden)


def check_reference(assignment: Assignment) -> dict[str, float]:
    """Grade the reference as if it were a submission, once per session: the graders' self-check (RuntimeError
    unless it earns full marks, so a broken grader never fails students). Returns each question's maximum."""
    tests = run_graders(assignment, reference(assignment), reference(assignment))
    failed = [f"[{t.question}] {t.name}: {t.feedback}" for t in tests if not t.passed]
    if failed:
        raise RuntimeError("the reference solution does not pass the hidden graders: " + "; ".join(failed))
    return {q: sum(t.max_points for t in tests if t.question == q) for q in assignment.questions}


def apply_forbidden(results: list[TestResult], forbidden: dict[str, list[str]]) -> list[TestResult]:
    """No credit for a question whose code called a library implementation the assignment forbids."""
    for result in results:
        calls = sorted(set(forbidden.get(result.question, [])))
        result.forbidden = calls
        if calls and result.points > 0:
            result.points = 0.0
            result.feedback = (
                f"no credit for [{result.question}]: your code calls {', '.join(calls)}, a library version of what "
                "this question asks you to write. Implement it from the formula instead."
            )
    return results
