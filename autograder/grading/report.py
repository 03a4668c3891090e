"""Write what grading found: one Gradescope results.json per submission and one grades.csv per batch."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.grading.plugin import TestResult


@dataclass
class SubmissionResult:
    name: str
    tests: list[TestResult] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # why it could not be graded at all
    seconds: float = 0.0
    stopped: str | None = None  # why its worker stopped part-way, if it did

    def by_question(self, questions: list[str]) -> dict[str, float]:
        return {q: sum(t.points for t in self.tests if t.question == q) for q in questions}

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def grader_errors(self) -> int:
        return sum(t.grader_error for t in self.tests)


def _fmt(points: float) -> str:
    return f"{points:g}"


def summary(result: SubmissionResult, max_points: dict[str, float]) -> str:
    """The top-level output students read first: the score in words, then what to look at.

    Gradescope shows it at once, so when some tests are hidden it speaks of the public checks only: a total or
    per-question score would reveal, before grades are published, how the hidden tests went.
    """
    total = sum(max_points.values())
    if result.problem:
        return f"Score 0/{_fmt(total)}: this submission could not be graded. {result.problem}"
    hidden = [t for t in result.tests if t.visibility != "visible"]
    shown = [t for t in result.tests if t.visibility == "visible"]
    earned = sum(t.points for t in shown)
    lost = sorted({t.question for t in shown if not t.passed}, key=list(max_points).index)
    if hidden:
        lines = [f"Public checks: {_fmt(earned)}/{_fmt(sum(t.max_points for t in shown))} points."]
    else:
        lines = [f"Score {_fmt(earned)}/{_fmt(total)}."]
    lines.append(
        f"Points were lost on {', '.join(f'[{q}]' for q in lost)}; the tests below say what was checked." if lost
        else "Every public check passed." if hidden else "Full marks on every question."
    )  # fmt: skip
    if result.stopped:
        lines.append(f"Grading stopped early: {result.stopped}; the checks after that got no credit.")
    problems = [c for c in result.cells if c["status"] in ("error", "timeout", "crashed")]
    for cell in problems[:10]:
        detail = f"{cell['error_type']}: {cell['message']}" if cell["error_type"] else cell["message"]
        lines.append(f"Code cell {cell['cell']}: {detail}")
    if hidden:
        lines.append(
            f"Hidden tests ({_fmt(sum(t.max_points for t in hidden))} points) ran too; your score and their "
            "results are shown after grades are published."
        )
    return "\n".join(lines)


def results_json(result: SubmissionResult, max_points: dict[str, float]) -> dict[str, Any]:
    """Gradescope's results format: public checks visible at once, hidden tests after publishing."""
    tests = [
        {
            "name": f"[{t.question}] {t.name}",
            "number": f"{list(max_points).index(t.question) + 1}.{i}",
            "score": t.points,
            "max_score": t.max_points,
            "status": "passed" if t.passed else "failed",
            "output": t.feedback,
            "visibility": t.visibility,
            "tags": [t.question],
        }
        for i, t in enumerate(result.tests, start=1)
    ]
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 2),
        "output": summary(result, max_points),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"cells": result.cells},
    }


def write_results(out: Path, result: SubmissionResult, max_points: dict[str, float]) -> Path:
    folder = out / result.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(json.dumps(results_json(result, max_points), indent=1), encoding="utf-8")
    return path


def write_grades(path: Path, results: list[SubmissionResult], max_points: dict[str, float]) -> None:
    """grades.csv: submission, one column per question in SPEC order, total, max_total; Points Possible first."""
    questions = list(max_points)
    total = sum(max_points.values())
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", *questions, "total", "max_total"])
        writer.writerow(["Points Possible", *(_fmt(max_points[q]) for q in questions), _fmt(total), _fmt(total)])
        for r in results:
            earned = r.by_question(questions)
            writer.writerow([r.name, *(_fmt(earned[q]) for q in questions), _fmt(r.score), _fmt(total)])
