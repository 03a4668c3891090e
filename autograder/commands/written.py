"""`autograder written DIR`: after a grade into DIR, one page per written question with every student's answer (the
model answer and rubric at the top) and DIR/written_scores.csv to fill in; `grade --written-scores` merges it."""

from __future__ import annotations

import argparse
import sys

from autograder.commands.grade import assignment_of
from autograder.gradebook.grades import GRADES, GradesError
from autograder.output import OutputFolder
from autograder.written.scores import WrittenScoresError
from autograder.written.workflow import NoAnswers, write_written


def main(args: argparse.Namespace) -> int:
    if not (args.dir / GRADES).is_file():
        print(f"autograder: {args.dir / GRADES} does not exist: grade into {args.dir} first.", file=sys.stderr)
        return 2
    out = OutputFolder(args.dir)
    assignment = assignment_of(args, out)
    questions = assignment.written_questions()
    if not questions:
        print(
            f"autograder: {assignment.name} marks no written question in {assignment.source} "
            "(a line <!-- QUESTION w_name points=N --> before a question's text).",
            file=sys.stderr,
        )
        return 2
    try:
        pages, note = write_written(out, assignment.name, questions, args.show_names)
    except (GradesError, NoAnswers, WrittenScoresError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    for page in pages:
        print(f"Wrote {page}")
    print(note)
    return 0
