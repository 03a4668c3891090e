"""What grading found about one submission as Gradescope's results.json (written by grading.outputs).

Results declare their output, test outputs and test names as plain text (Gradescope would otherwise render the
top-level output as simple HTML), every text is one line of capped, control-free characters, and what the
submission wrote itself (a cell's error message) stays visibly quoted: it cannot style, flood or forge a line.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from autograder.assignment import Assignment
from autograder.grading.api import Mistake
from autograder.grading.results import SubmissionResult, TestResult
from autograder.student_text import clean, quote

MAX_OUTPUT = 2000  # characters of one test's output


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
    problems = [c for c in result.cells if c.status in ("error", "timeout", "crashed")]
    for cell in problems[:10]:
        if cell.status == "error":  # the message ("ValueError (line 3): ...") is the submission's own text
            lines.append(f"Code cell {cell.cell} raised {quote(cell.message or cell.error_type, 300)}")
        else:
            lines.append(f"Code cell {cell.cell}: {clean(cell.message, 300)}")
    if hidden:
        lines.append(
            f"Hidden tests ({_fmt(sum(t.max_points for t in hidden))} points) ran too; your score and their "
            "results are shown after grades are published."
        )
    return "\n".join(lines)


def _test_json(test: TestResult, number: str) -> dict[str, Any]:
    """One test in Gradescope's format; ``extra_data`` names its question, the known mistake it recognised and the
    forbidden library calls that cost its question the credit."""
    extra: dict[str, Any] = {"question": test.question}
    if test.mistake is not None:
        extra["mistake"] = asdict(test.mistake)
    if test.forbidden:
        extra["forbidden"] = test.forbidden
    return {
        "name": f"[{test.question}] {test.name}",
        "number": number,
        "score": test.points,
        "max_score": test.max_points,
        "status": "passed" if test.passed else "failed",
        "output": clean(test.feedback, MAX_OUTPUT),
        "visibility": test.visibility,
        "tags": [test.question],
        "extra_data": extra,
    }


def parse_test_json(entry: dict[str, Any]) -> TestResult:
    """A test as results.json holds it (see _test_json), read back: a regrade keeps the tests it does not redo."""
    question = entry["tags"][0]
    extra = entry.get("extra_data") or {}
    mistake = extra.get("mistake")
    return TestResult(
        question, entry["name"].removeprefix(f"[{question}] "), entry["score"], entry["max_score"],
        entry["visibility"], entry.get("output", ""), mistake=Mistake(**mistake) if mistake else None,
        forbidden=[str(name) for name in extra.get("forbidden") or []],
    )  # fmt: skip


def results_json(result: SubmissionResult, max_points: dict[str, float], assignment: Assignment) -> dict[str, Any]:
    """Gradescope's results format: public checks visible at once, hidden tests after publishing."""
    questions = list(max_points)
    tests = [_test_json(t, f"{questions.index(t.question) + 1}.{i}") for i, t in enumerate(result.tests, start=1)]
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 2),
        "output": summary(result, max_points),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": assignment.name, "cells": [c.to_json() for c in result.cells]},
    }
