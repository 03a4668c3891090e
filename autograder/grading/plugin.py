"""Run an assignment's hidden graders with pytest and turn outcomes into per-test scores.

The plugin provides the ``student`` and ``reference`` fixtures, reads each test's points and visibility
(see :mod:`autograder.grading.api`) and its module's ``QUESTION``, and records one TestResult per test. Assertion
rewriting is off, so a failure shows only the sentence the grader wrote, never values pytest would introspect.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder.grading.api import Weight
from autograder.grading.implementations import Implementation, StudentError

GRADERS_DIR = Path(__file__).resolve().parents[1] / "graders"


@dataclass
class TestResult:
    __test__ = False  # a result, not a test for pytest to collect

    question: str
    name: str
    points: float
    max_points: float
    visibility: str
    feedback: str = ""
    grader_error: bool = False

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


@dataclass
class Student:
    """The submission as tests see it: probe results cached, forbidden library calls noted per question.

    Probes are deterministic (all randomness is seeded from their parameters), so several tests can share one
    probe call; the worker starts each question from the state right after the notebook's cells.
    """

    implementation: Implementation
    question: str = ""
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, tuple[dict[str, Any] | None, str | None, list[str]]] = field(default_factory=dict)

    def probe(self, name: str, /, **params: Any) -> dict[str, Any]:
        key = json.dumps([self.question, name, params], sort_keys=True)  # each question starts from fresh state
        if key not in self._cache:
            calls: list[str] = []
            try:
                self._cache[key] = (self.implementation.probe(name, forbidden_log=calls, **params), None, calls)
            except StudentError as exc:
                self._cache[key] = (None, str(exc), calls)
        result, error, calls = self._cache[key]
        self.forbidden.setdefault(self.question, []).extend(calls)
        if error is not None:
            raise StudentError(error)
        return copy.deepcopy(result)


class GradingPlugin:
    def __init__(self, student: Implementation, reference: Implementation) -> None:
        self._student = Student(student)
        self._reference = reference
        self.results: list[TestResult] = []

    @pytest.fixture
    def student(self) -> Student:
        return self._student

    @pytest.fixture
    def reference(self) -> Implementation:
        return self._reference

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if not isinstance(getattr(item.obj, "__grading__", None), Weight):
                raise pytest.UsageError(f"{item.nodeid} has no @public/@hidden points")
            if not isinstance(getattr(item.module, "QUESTION", None), str):
                raise pytest.UsageError(f"{item.module.__name__} does not set QUESTION")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.module.QUESTION != self._student.question:
            self._student.question = item.module.QUESTION
            if hasattr(self._student.implementation, "fresh"):
                self._student.implementation.fresh()

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
        weight: Weight = item.obj.__grading__
        doc = (item.obj.__doc__ or item.name).strip().splitlines()[0]
        result = TestResult(item.module.QUESTION, doc, weight.points, weight.points, weight.visibility)
        if exc is not None:
            result.points = 0.0
            if isinstance(exc, (AssertionError, StudentError)):
                result.feedback = str(exc) or "the check failed"
            else:
                result.grader_error = True
                result.feedback = f"the grader itself failed in this test ({type(exc).__name__}); please report it"
        return result


def run_graders(
    assignment: str, student: Implementation, reference: Implementation, questions: Iterable[str] | None = None
) -> list[TestResult]:
    """Run the assignment's hidden graders (all, or those of some questions) on one submission.

    Questions whose code calls a forbidden library implementation get no credit.
    """
    importlib.import_module(f"autograder.probes.{assignment}")  # registers the probes the graders ask for
    plugin = GradingPlugin(student, reference)
    folder = GRADERS_DIR / assignment
    targets = [str(folder)] if questions is None else [str(folder / f"test_{q}.py") for q in questions]
    args = [*targets, "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:unraisableexception",
            "-p", "no:threadexception", "-p", "no:faulthandler", "-p", "no:legacypath", "--assert=plain",
            "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR)]  # fmt: skip
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden graders of {assignment} could not run (pytest exit code {code})")
    forbidden = static_forbidden(assignment, student) if hasattr(student, "source") else {}
    for question, calls in plugin._student.forbidden.items():
        forbidden.setdefault(question, []).extend(calls)
    return apply_forbidden(plugin.results, forbidden)


def static_forbidden(assignment: str, student: Any) -> dict[str, list[str]]:
    """Forbidden library references in the source of each question's functions (see questions.py)."""
    questions = importlib.import_module(f"autograder.graders.{assignment}.questions")
    return questions.forbidden_references(student.source)


def apply_forbidden(results: list[TestResult], forbidden: dict[str, list[str]]) -> list[TestResult]:
    """No credit for a question whose code called a library implementation SPEC forbids."""
    for result in results:
        calls = sorted(set(forbidden.get(result.question, [])))
        if calls and result.points > 0:
            result.points = 0.0
            result.feedback = (
                f"no credit for [{result.question}]: your code calls {', '.join(calls)}, a library version of what "
                "this question asks you to write. Implement it from the formula instead."
            )
    return results
