"""`autograder grade`: grade notebooks and LMS exports with one assignment's graders into results.json files and
grades.csv; regrade some questions in place (--question); merge written scores (--written-scores); write the Canvas
import (--roster).

Exit status 1 only when the grader itself failed, never because a submission did; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys

from autograder.assignment import Assignment, choose
from autograder.console import BatchProgress, print_summary
from autograder.gradebook.canvas import (
    CANVAS_IMPORT,
    Graded,
    Roster,
    RosterError,
    join,
    read_roster,
    write_canvas_import,
)
from autograder.gradebook.grades import GRADES, GradesError, GradesTable, read_grades
from autograder.grading.batch import BatchOutcome, GraderFailure, Stopped, UnknownQuestion, grade_batch
from autograder.grading.outputs import (
    graded_before,
    read_results,
    recorded_assignment,
    recorded_digest,
    write_batch,
    write_regrade,
)
from autograder.grading.submissions import Submission
from autograder.inputs.identity import Submitter
from autograder.limits import Limits
from autograder.output import OutputFolder
from autograder.written.questions import answer_finder
from autograder.written.scores import WrittenScoresError
from autograder.written.workflow import merge_written


def assignment_of(args: argparse.Namespace, out: OutputFolder) -> Assignment:
    """The --assignment asked for; without one, the one the folder was graded with, else the only one there is."""
    return choose(args.assignment or recorded_assignment(out), args.root)


def _previous(out: OutputFolder, required: bool) -> GradesTable | None:
    """The folder's grades.csv from an earlier grade; GradesError only if `required` and there is none to read."""
    try:
        return read_grades(out)
    except GradesError:
        if required:
            raise
        return None


def _grade(
    args: argparse.Namespace, assignment: Assignment, out: OutputFolder, previous: GradesTable | None
) -> tuple[GradesTable, BatchOutcome]:
    limits = Limits(cell=args.cell, call=args.call, submission=args.submission, memory_mb=args.memory_mb)
    graded = graded_before(out, previous) if previous and args.question else set()
    digests = {name: recorded_digest(out, name) for name in graded}

    def only(submission: Submission) -> list[str] | None:
        """The asked questions, for a submission graded before from this very notebook; else None (all)."""
        same = submission.name in graded and submission.digest is not None
        return args.question if same and digests[submission.name] == submission.digest else None

    outcome = grade_batch(
        assignment, args.paths, args.out, jobs=args.jobs, limits=limits, progress=BatchProgress(),
        finder=lambda: answer_finder(assignment), questions=only,
    )  # fmt: skip
    if args.question and previous:
        partial = {s.name for s in outcome.submissions if only(s)}
        changed = sorted(s.name for s in outcome.submissions if s.name in graded and s.digest and s.name not in partial)
        if changed:
            print(f"Graded in full, as their notebooks are not the ones graded before: {', '.join(changed)}.")
        return write_regrade(out, outcome, args.question, partial, previous), outcome
    return write_batch(out, outcome, previous), outcome


def _canvas(out: OutputFolder, table: GradesTable, roster: Roster, title: str) -> None:
    column, new = roster.column(title)
    if new:
        print(new)
    graded = []
    for row in table.rows:
        extra = (read_results(out, row.submission) or {}).get("extra_data", {})
        people = tuple(Submitter.from_json(p) for p in extra.get("submitters") or [])
        graded.append(Graded(row.submission, people, table.total(row)))
    for sentence in write_canvas_import(out, join(roster.students, graded), column, table.max_total()):
        print(sentence)
    print(f"Wrote {out.path(CANVAS_IMPORT)}: import it in Canvas with Grades > Import.")


def main(args: argparse.Namespace) -> int:
    if not args.paths and (args.question or not (args.written_scores or args.roster)):
        print("autograder: give the notebooks or exports to grade (or, for a folder graded before, only "
              "--written-scores to merge or --roster to write canvas_import.csv).", file=sys.stderr)  # fmt: skip
        return 2
    out = OutputFolder(args.out)
    assignment = assignment_of(args, out)
    outcome = None
    try:
        roster = read_roster(args.roster) if args.roster else None  # before grading: a wrong file costs no time
        previous = _previous(out, required=bool(args.question or not args.paths))
        table, outcome = _grade(args, assignment, out, previous) if args.paths else (previous or read_grades(out), None)
        if args.written_scores:
            table = merge_written(table, assignment.written_questions(), args.written_scores, args.count_written)
        elif args.count_written:
            table.count_written = bool(table.written)
        table.write(out)
        if roster is not None:
            _canvas(out, table, roster, args.canvas_column or assignment.name)
        elif out.path(CANVAS_IMPORT).is_file():
            print(f"{out.path(CANVAS_IMPORT)} still holds the totals from before this grade; add --roster with "
                  "Canvas's gradebook export to update it before importing it.")  # fmt: skip
    except (FileNotFoundError, GradesError, UnknownQuestion, WrittenScoresError, RosterError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    except GraderFailure as exc:
        print(f"autograder: the grader failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        how = "by SIGTERM" if isinstance(exc, Stopped) else "by Ctrl-C"
        print(f"autograder: stopped {how}, with every process it had started; run the same command again to grade "
              "this batch.", file=sys.stderr)  # fmt: skip
        return 143 if isinstance(exc, Stopped) else 130
    print_summary(table, {r.name: r.problem for r in outcome.results if r.problem} if outcome else {})
    print(f"Wrote {len(outcome.results)} results and {out.path(GRADES)}" if outcome else f"Wrote {out.path(GRADES)}")
    for line in outcome.reductions if outcome else ():
        print(f"Reduced isolation: {line}.")
    if outcome and outcome.grader_errors:
        print(
            f"autograder: {outcome.grader_errors} tests failed inside the grader itself; see results.json",
            file=sys.stderr,
        )
        return 1
    return 0
