"""A graded folder written by hand in the results.json format docs/reports.md describes, for exact control.

Questions ``alpha`` and ``beta`` belong to an assignment this repository does not have, so the pages fall back to
what the results say. Hostile strings stand where students control text: a submission's file name and a cell's
error message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ASSIGNMENT = "demo_course"
HOSTILE_NAME = "<img src=x onerror=window.pwned=1>"
HOSTILE_MESSAGE = 'ValueError: <b>bold</b><script>window.pwned = 2</script> & "quotes"'
# A hidden test's name and its feedback: neither may appear on a feedback page without --reveal-hidden.
HIDDEN_NAME = "tiny gradients keep eps outside the square root"
HIDDEN_FEEDBACK = "the step it took differs on 12 of 12 values (relative error 0.83)"


def outcome(question: str, name: str, score: float, max_score: float, *, hidden: bool = False, output: str = "",
         mistake: tuple[str, str] | None = None, forbidden: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    extra: dict[str, Any] = {"question": question}
    if mistake:
        extra["mistake"] = {"id": mistake[0], "text": mistake[1]}
    if forbidden:
        extra["forbidden"] = list(forbidden)
    return {
        "name": f"[{question}] {name}",
        "score": score,
        "max_score": max_score,
        "status": "passed" if score >= max_score else "failed",
        "output": output,
        "visibility": "after_published" if hidden else "visible",
        "tags": [question],
        "extra_data": extra,
    }


EPS = ("beta.eps_inside_sqrt", "eps is added inside the square root; add it after taking the root.")
FANS = ("alpha.fans_swapped", "fan_in and fan_out are swapped.")


def results(tests: list[dict[str, Any]], cells: list[dict[str, Any]] = (), output: str = "") -> dict[str, Any]:
    return {
        "score": sum(t["score"] for t in tests),
        "output": output or "Public checks: see below.",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"assignment": ASSIGNMENT, "cells": list(cells)},
    }


def cell(number: int, status: str, error_type: str = "", message: str = "") -> dict[str, Any]:
    return {"cell": number, "status": status, "error_type": error_type, "message": message}


def full(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Every test passed, except those given by short name."""
    tests = {
        "a1": outcome("alpha", "fans of a linear layer", 2, 2),
        "a2": outcome("alpha", "fans of a conv layer", 2, 2),
        "b1": outcome("beta", "one step from zero state", 3, 3),
        "b2": outcome("beta", HIDDEN_NAME, 3, 3, hidden=True),
    }
    return list((tests | changes).values())


SUBMISSIONS: dict[str, dict[str, Any]] = {
    "perfect": results(full()),
    "eps_both_tests": results(full(
        b1=outcome("beta", "one step from zero state", 0, 3, output="the step differs", mistake=EPS),
        b2=outcome("beta", HIDDEN_NAME, 0, 3, hidden=True, output=HIDDEN_FEEDBACK, mistake=EPS))),
    "eps_hidden_only": results(full(
        b2=outcome("beta", HIDDEN_NAME, 0, 3, hidden=True, output=HIDDEN_FEEDBACK, mistake=EPS))),
    "fans_and_eps": results(full(
        a2=outcome("alpha", "fans of a conv layer", 0, 2, output="fan_in differs", mistake=FANS),
        b2=outcome("beta", HIDDEN_NAME, 0, 3, hidden=True, output=HIDDEN_FEEDBACK, mistake=EPS))),
    "copy_one": results(full(
        a1=outcome("alpha", "fans of a linear layer", 0, 2, output="fan_in is off by 7 for shape (3, 5)")),
        [cell(4, "error", "ZeroDivisionError", "ZeroDivisionError (line 3): division by zero")]),
    "copy_two": results(full(
        a1=outcome("alpha", "fans of a linear layer", 0, 2, output="fan_in is off by 7 for shape (3, 5)")),
        [cell(4, "error", "ZeroDivisionError", "ZeroDivisionError (line 3): division by zero")]),
    "uses_library": results(full(
        b1=outcome("beta", "one step from zero state", 0, 3, output="no credit for [beta]: your code calls "
                "torch.optim.Adam", forbidden=("torch.optim.Adam",)),
        b2=outcome("beta", HIDDEN_NAME, 0, 3, hidden=True, output="no credit", forbidden=("torch.optim.Adam",)))),
    "slow_cell": results(full(), [cell(2, "timeout", message="the cell ran longer than 20 s and was stopped")]),
    "exits": results(full(), [cell(6, "crashed", message="the cell ended its process (exit code 1)")]),
    HOSTILE_NAME: results(full(
        a1=outcome("alpha", "fans of a linear layer", 0, 2, output=HOSTILE_MESSAGE)),
        [cell(1, "error", "ValueError", HOSTILE_MESSAGE)]),
    "broken": {"score": 0, "output": "Score 0/10: this submission could not be graded. The file is not valid JSON "
               "(line 1): it may be truncated or not a notebook.", "tests": [],
               "extra_data": {"assignment": ASSIGNMENT, "cells": []}},
}  # fmt: skip


def write_batch(folder: Path) -> Path:
    """Write every fixture submission's results.json under folder; return folder."""
    for name, data in SUBMISSIONS.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder
