"""Gradescope's entry point: grade the notebook in ``<root>/submission`` into ``<root>/results/results.json``.

``run_autograder`` runs this as root once per submission. It grades with the same code as `autograder grade`, so a
notebook earns the same points in both, and it always leaves a valid results.json: when the grader itself fails,
students read that it was not their fault instead of Gradescope's "autograder failed to execute correctly".

    python -m autograder.integrations.gradescope.run --root /autograder --assignment NAME
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment, choose
from autograder.console import BatchProgress
from autograder.grading.batch import grade_batch
from autograder.grading.report import results_json
from autograder.grading.results import SubmissionResult
from autograder.integrations.gradescope.choose import choose_notebook
from autograder.limits import Limits

# Gradescope's container has 768 MB by default and the warm grader holds about half of that (docs/gradescope.md).
LIMITS = Limits(memory_mb=256.0)

GRADER_FAILED = (
    "The grader failed while grading this submission; this is not a problem with your notebook. "
    "Tell your instructor, who can rerun the autograder on it."
)


def lock_down(root: Path) -> None:
    """Make the results folder and the submission's metadata (students' emails, past scores) root-only."""
    results = root / "results"
    results.mkdir(exist_ok=True)
    results.chmod(0o700)
    metadata = root / "submission_metadata.json"
    if metadata.exists():
        metadata.chmod(0o600)


def grade(root: Path, assignment: Assignment) -> dict[str, Any]:
    """Gradescope's results for the submission in ``root``: those `autograder grade` writes, plus which notebook."""
    choice = choose_notebook(root / "submission", assignment.name)
    if choice.note:
        print(choice.note)
    with tempfile.TemporaryDirectory(prefix="gradescope-results-") as out:
        notebooks = [choice.notebook] if choice.notebook else []
        outcome = grade_batch(assignment, notebooks, Path(out), limits=LIMITS, progress=BatchProgress(sys.stdout))
    result = outcome.results[0] if outcome.results else SubmissionResult(assignment.name, problem=choice.note)
    if outcome.grader_errors:
        print(f"{outcome.grader_errors} tests failed inside the grader itself; their output says why.")
    data = results_json(result, outcome.max_points, assignment)
    if choice.notebook and choice.note:
        data["output"] = f"{choice.note}\n{data['output']}"
    data["extra_data"]["notebook"] = choice.shown
    return data


def failure() -> dict[str, Any]:
    """Results for when the grader itself broke: zero, a sentence for the student, the details on stdout only."""
    traceback.print_exc(file=sys.stdout)
    return {"score": 0, "output": GRADER_FAILED, "stdout_visibility": "hidden", "tests": []}


def write_once(path: Path, data: dict[str, Any]) -> None:
    """Write results.json whole or not at all (a rename), so Gradescope never reads a half-written file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--root", type=Path, default=Path("/autograder"), help="Gradescope's folder (default: /autograder)"
    )
    parser.add_argument("--assignment", help="the assignment to grade with (needed when there is more than one)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        lock_down(args.root)
        data = grade(args.root, choose(args.assignment))
    except BaseException:  # noqa: BLE001 - whatever broke, the student still gets a results.json that says so
        data = failure()
    data["execution_time"] = round(time.perf_counter() - started, 2)
    write_once(args.root / "results" / "results.json", data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
