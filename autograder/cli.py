"""The `autograder` command: its verbs and their arguments. Each verb's work is in autograder/commands/<verb>.py,
imported only when that verb runs (`report` alone would load matplotlib, `grade` torch)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from autograder.assignment import AssignmentError
from autograder.collector import paused_collector
from autograder.limits import Limits

_DEFAULTS = Limits()
# Each flag sets the field of Limits of the same meaning.
_LIMIT_FLAGS = (
    ("--cell-timeout", "cell", "SECONDS", "seconds per notebook cell"),
    ("--call-timeout", "call", "SECONDS", "seconds per graded call"),
    ("--submission-timeout", "submission", "SECONDS", "seconds per submission in all"),
    ("--memory-limit", "memory_mb", "MB", "MB of memory a submission may use"),
)


def _course_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, help="also find assignments in ROOT/assignments (a course's own repository)"
    )


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("dist"), help="where built artefacts go (default: dist)")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the folder that holds assignments/ (default: .)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--verify", action="store_true", help="also run both notebooks in a Jupyter kernel")


def _assignment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", metavar="NAME", help="the assignment (needed when there is more than one)")
    _course_root(parser)


def _grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH",
        help="a notebook, a folder or zip of notebooks, or a Gradescope or Canvas export (zip or folder)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="where results.json files and grades.csv go")
    _assignment(parser)
    cores = len(os.sched_getaffinity(0))
    parser.add_argument(
        "--jobs", type=int, default=cores, help=f"submissions graded in parallel (default: the cores, {cores})"
    )
    parser.add_argument(
        "--question", action="append", metavar="Q",
        help="regrade only this question into the existing --out folder (repeat for several)",
    )  # fmt: skip
    parser.add_argument(
        "--roster", type=Path, metavar="ROSTER.csv",
        help="Canvas's gradebook export: also write canvas_import.csv for Canvas's Grades > Import",
    )  # fmt: skip
    parser.add_argument(
        "--canvas-column", metavar="TITLE",
        help="the Canvas assignment canvas_import.csv fills, as titled in Canvas (default: the assignment's name)",
    )  # fmt: skip
    parser.add_argument(
        "--written-scores", type=Path, metavar="FILE",
        help="merge the filled-in written_scores.csv into grades.csv (PATHs are then optional)",
    )  # fmt: skip
    parser.add_argument("--count-written", action="store_true", help="count written scores in total and max_total")
    for flag, field, unit, what in _LIMIT_FLAGS:
        default = getattr(_DEFAULTS, field)
        parser.add_argument(
            flag, dest=field, metavar=unit, type=float, default=default, help=f"{what} (default: {default:g})"
        )


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a folder `autograder grade --out` wrote")
    parser.add_argument(
        "--reveal-hidden", action="store_true", help="show hidden tests on feedback pages (once grades are published)"
    )
    _course_root(parser)


def _written_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="the folder a grade wrote into (its --out)")
    _assignment(parser)
    parser.add_argument("--show-names", action="store_true", help="show submission names instead of answer ids")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="command", required=True)
    _build_arguments(verbs.add_parser("build", help="regenerate each assignment's notebooks and reference; its zips"))
    _grade_arguments(verbs.add_parser(
        "grade", help="grade notebooks, folders and LMS exports; regrade questions (--question); merge written scores"
    ))  # fmt: skip
    _report_arguments(verbs.add_parser("report", help="write a class report and a feedback page per submission"))
    _written_arguments(verbs.add_parser(
        "written", help="after a grade into DIR: a page per written question, and written_scores.csv to fill in"
    ))  # fmt: skip
    args = parser.parse_args(argv)
    try:
        with paused_collector():  # the verb's imports (torch, numpy, pytest for `grade`)
            command = importlib.import_module(f"autograder.commands.{args.command}")
        return command.main(args)
    except AssignmentError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
