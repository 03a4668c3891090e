"""`autograder grade`: grade notebooks with one assignment's hidden graders into results.json files and grades.csv.

Exit status 1 only when the grader itself failed, never because a submission did; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys

from autograder.assignment import choose
from autograder.grading.batch import GraderFailure, grade_batch, stderr_progress
from autograder.limits import Limits


def main(args: argparse.Namespace) -> int:
    assignment = choose(args.assignment, args.root)
    limits = Limits(cell=args.cell, call=args.call, submission=args.submission, memory_mb=args.memory_mb)
    try:
        outcome = grade_batch(assignment, args.paths, args.out, jobs=args.jobs, limits=limits, progress=stderr_progress)
    except FileNotFoundError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    except GraderFailure as exc:
        print(f"autograder: the grader failed: {exc}", file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        print(file=sys.stderr)
    total = sum(outcome.max_points.values())
    for result in outcome.results:
        status = f"not graded: {result.problem}" if result.problem else f"{result.score:g}/{total:g}"
        print(f"{result.name}: {status}")
    print(f"Wrote {len(outcome.results)} results and {args.out / 'grades.csv'}")
    for line in outcome.reductions:
        print(f"Reduced isolation: {line}.")
    if outcome.grader_errors:
        print(
            f"autograder: {outcome.grader_errors} tests failed inside the grader itself; see results.json",
            file=sys.stderr,
        )
        return 1
    return 0
