"""What grading one submission produces, as typed records with one JSON form each (used between grader processes
and, through :mod:`autograder.grading.report`, in results.json)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from autograder.grading.api import Mistake
from autograder.worker.execute import CellOutcome


@dataclass
class TestResult:
    """One grader test's outcome for one submission; ``mistake`` when the failure was recognised as a known one."""

    __test__ = False  # a result, not a test for pytest to collect

    question: str
    name: str
    points: float
    max_points: float
    visibility: str
    feedback: str = ""
    grader_error: bool = False
    mistake: Mistake | None = None
    forbidden: list[str] = field(default_factory=list)  # library calls that cost its question the credit

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestResult:
        mistake = data.get("mistake")
        return cls(**{**data, "mistake": Mistake(**mistake) if mistake else None})


@dataclass
class SubmissionResult:
    """Everything grading found about one submission."""

    name: str
    tests: list[TestResult] = field(default_factory=list)
    cells: list[CellOutcome] = field(default_factory=list)
    problem: str | None = None  # why it could not be graded at all
    seconds: float = 0.0
    stopped: str | None = None  # why its worker stopped part-way, if it did
    fault: bool = False  # the grader itself failed on it (problem says so): a grader error, not the student's

    def by_question(self, questions: list[str]) -> dict[str, float]:
        return {q: sum(t.points for t in self.tests if t.question == q) for q in questions}

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def grader_errors(self) -> int:
        return sum(t.grader_error for t in self.tests) + self.fault

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tests": [t.to_json() for t in self.tests],
            "cells": [c.to_json() for c in self.cells],
            "problem": self.problem,
            "seconds": self.seconds,
            "stopped": self.stopped,
            "fault": self.fault,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        tests = [TestResult.from_json(t) for t in data["tests"]]
        cells = [CellOutcome.from_json(c) for c in data["cells"]]
        return cls(data["name"], tests, cells, data["problem"], data["seconds"], data["stopped"], data["fault"])
