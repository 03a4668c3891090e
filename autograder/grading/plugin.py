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

import numpy as np
import pytest

from autograder.assignment import Assignment
from autograder.grading.api import KnownMistake, Scoring
from autograder.grading.implementations import Implementation, StudentError, reference
from autograder.grading.redefined import redefinitions
from autograder.grading.results import TestResult
from autograder.grading.static_scan import by_question, scan

PYTEST_INI = Path(__file__).resolve().with_name("pytest.ini")


@dataclass
class ProbeCache:
    """An implementation as grader tests see it: probe results as plain data (StudentError when the code failed),
    cached, with the forbidden library calls noted per question, tampering noted, and each test's inputs recorded.

    Probes are deterministic (all randomness is seeded from their parameters), so several tests of one phase can
    share one probe call. Public tests run first, all in one phase: no input of a hidden test reaches the worker
    before every public test has given its feedback, and no probe call or cached reply is shared between a public
    and a hidden test. Then each question's hidden tests start from the state right after the notebook's cells.
    """

    implementation: Implementation
    question: str = ""
    phase: str = ""
    test: str = ""
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    tampered: list[str] = field(default_factory=list)
    inputs: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # test -> (visibility, input digests)
    _cache: dict[str, Any] = field(default_factory=dict)

    def probe(self, name: str, /, **params: Any) -> dict[str, Any]:
        key = json.dumps([self.phase, self.question, name, params], sort_keys=True)
        if key not in self._cache:
            self._cache[key] = self.implementation.probe(name, **params)
        outcome = self._cache[key]
        self.forbidden.setdefault(self.question, []).extend(outcome.forbidden)
        self.tampered.extend(t for t in outcome.tampered if t not in self.tampered)
        self.inputs.setdefault(self.test, (self.phase, set()))[1].update(outcome.inputs)
        if outcome.error is not None:
            raise StudentError(outcome.error)
        return private_copy(outcome.result)

    def start(self, test: str, question: str, visibility: str) -> None:
        """Probes from here on belong to `test` of `question`: a fresh state for the public phase, and for each
        question of the hidden phase."""
        self.test = test
        if visibility != self.phase or (visibility != "visible" and question != self.question):
            self.implementation.fresh()
        self.question, self.phase = question, visibility


_SHARED = frozenset({str, int, float, bool, complex, bytes, type(None), np.float64, np.float32, np.int64, np.bool_})


def private_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """What copy.deepcopy gives, made cheaply for probe results: every dict, list, tuple and array is new (so a test
    that changes what it got changes nothing another test reads), values that cannot change are shared, and anything
    else goes to copy.deepcopy. An object reached twice is copied once, as deepcopy does."""
    kind = type(value)
    if kind in _SHARED:
        return value
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)]
    if kind is dict:
        copied: Any = {}
        memo[id(value)] = copied
        copied.update((k, private_copy(v, memo)) for k, v in value.items())
    elif kind is list:
        copied = []
        memo[id(value)] = copied
        copied += [private_copy(v, memo) for v in value]
    elif kind is tuple:
        items = tuple(private_copy(v, memo) for v in value)
        copied = memo.setdefault(id(value), items)  # a tuple inside itself (through a list) was copied meanwhile
    elif kind is np.ndarray and not value.dtype.hasobject:
        copied = memo[id(value)] = value.copy(order="K")
    else:
        copied = memo[id(value)] = copy.deepcopy(value)
    return copied


class GradingPlugin:
    def __init__(self, student: Implementation, reference: Implementation) -> None:
        self._student = ProbeCache(student)
        self._reference = ProbeCache(reference)
        self._ran: list[tuple[int, TestResult]] = []
        self._order: dict[str, int] = {}

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
        self._order = {item.nodeid: number for number, item in enumerate(items)}
        items.sort(key=lambda item: item.obj.__grading__.visibility != "visible")  # stable: public tests first

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        scoring: Scoring = item.obj.__grading__
        self._student.start(item.nodeid, item.module.QUESTION, scoring.visibility)
        self._reference.start(item.nodeid, item.module.QUESTION, scoring.visibility)

    @property
    def results(self) -> list[TestResult]:
        """The results in the graders' own order (question by question), whatever order the tests ran in."""
        return [result for _, result in sorted(self._ran, key=lambda pair: pair[0])]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        """Record the test's score; the report carries one line, so pytest never formats a traceback."""
        exc = call.excinfo.value if call.excinfo else None
        failed = exc is not None
        if call.when == "call" or failed:
            self._ran.append((self._order.get(item.nodeid, len(self._order)), self._result(item, exc)))
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


def run_plugin(
    assignment: Assignment,
    student: Implementation,
    reference: Implementation,
    questions: Iterable[str] | None = None,
) -> GradingPlugin:
    """Run the assignment's hidden graders (all, or those of some questions) on one implementation; the plugin holds
    the results and what the probes recorded (forbidden calls, tampering, each test's inputs)."""
    plugin = GradingPlugin(student, reference)
    folder = assignment.graders_folder
    targets = [str(folder)] if questions is None else [str(folder / f"test_{q}.py") for q in questions]
    # Plugins the graders never use are off: each costs hooks around every test (logging adds and removes handlers).
    args = [*targets, "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:unraisableexception",
            "-p", "no:threadexception", "-p", "no:faulthandler", "-p", "no:legacypath", "-p", "no:logging",
            "-p", "no:warnings", "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "--assert=plain",
            "-c", str(PYTEST_INI), "--rootdir", str(folder), "--confcutdir", str(folder)]  # fmt: skip
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden graders of {assignment.name} could not run (pytest exit code {code})")
    return plugin


def run_graders(
    assignment: Assignment,
    student: Implementation,
    reference: Implementation,
    questions: Iterable[str] | None = None,
) -> list[TestResult]:
    """Run the assignment's hidden graders (all, or those of some questions) on one implementation.

    Questions whose code uses a forbidden library implementation get no credit: found in the notebook's cells by
    the static scan, or recorded while the grader called the code; tampering with the recorder costs every question.
    """
    plugin = run_plugin(assignment, student, reference, questions)
    reasons: dict[str, list[tuple[str, str]]] = {}
    if student.cells:
        findings = scan(student.cells, assignment.questions, assignment.forbidden.names, assignment.forbidden.allowed)
        for question, found in by_question(findings, assignment.questions).items():
            reasons.setdefault(question, []).extend((f.what, f.sentence()) for f in found)
    recorded = plugin._student.forbidden
    for question, calls in recorded.items():
        if not assignment.questions.get(question):
            # a question with no functions of its own (one that trains with the others') ran other questions'
            # functions: a call already charged to a question whose own tests made it is not charged twice
            charged = {c for q, cs in recorded.items() if assignment.questions.get(q) for c in cs}
            calls = [c for c in calls if c not in charged]
        reasons.setdefault(question, []).extend(
            (call, f"your code called {call} while the grader ran it, a library version of what this question asks "
             "you to write") for call in dict.fromkeys(calls)
        )  # fmt: skip
    for note in plugin._student.tampered:
        for question in assignment.questions:
            reasons.setdefault(question, []).append(
                (note, f"{note}, which reaches around the grader's check for library calls this question forbids; "
                 "remove it")
            )  # fmt: skip
    results = apply_forbidden(plugin.results, reasons)
    notes = redefinitions(student.cells, assignment.questions) if student.cells else {}
    for result in results:
        if not result.passed and result.question in notes:
            result.feedback = f"{result.feedback} {notes[result.question]}"
    return results


def check_reference(assignment: Assignment) -> dict[str, float]:
    """Grade the reference as if it were a submission, once per session: the graders' self-check (RuntimeError
    unless it earns full marks, so a broken grader never fails students). Returns each question's maximum."""
    tests = run_graders(assignment, reference(assignment), reference(assignment))
    failed = [f"[{t.question}] {t.name}: {t.feedback}" for t in tests if not t.passed]
    if failed:
        raise RuntimeError("the reference solution does not pass the hidden graders: " + "; ".join(failed))
    return {q: sum(t.max_points for t in tests if t.question == q) for q in assignment.questions}


def apply_forbidden(results: list[TestResult], reasons: dict[str, list[tuple[str, str]]]) -> list[TestResult]:
    """No credit for a question whose code used a library implementation the assignment forbids, saying why.

    `reasons` maps a question to (what was found: a dotted name or a short phrase, the sentence for the student);
    each of its tests lists the whats in `forbidden` (the class report shows them)."""
    for result in results:
        found = dict(reasons.get(result.question, []))
        result.forbidden = sorted(found)
        if found and result.points > 0:
            first = next(iter(found.values()))
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            result.points = 0.0
            result.feedback = f"no credit for [{result.question}]: {first}{more}. Implement it from the formula instead."
    return results
