"""The `autograder` command: its verbs and their arguments. Each verb's work is in autograder/commands/<verb>.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.assignment import AssignmentError
from autograder.commands import build, grade
from autograder.limits import Limits

_DEFAULTS = Limits()


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("dist"), help="where built artefacts go (default: dist)")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the folder that holds assignments/ (default: .)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--verify", action="store_true", help="also run both notebooks in a Jupyter kernel")


def _grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a notebook or a folder of notebooks")
    parser.add_argument("--out", type=Path, required=True, help="where results.json files and grades.csv go")
    parser.add_argument(
        "--assignment", metavar="NAME", help="the assignment to grade with (needed when there is more than one)"
    )
    parser.add_argument(
        "--root", type=Path, help="also find assignments in ROOT/assignments (a course's own repository)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)")
    parser.add_argument(
        "--cell-timeout", type=float, default=_DEFAULTS.cell,
        help=f"seconds per notebook cell (default: {_DEFAULTS.cell:g})",
    )  # fmt: skip
    parser.add_argument(
        "--call-timeout", type=float, default=_DEFAULTS.call,
        help=f"seconds per graded call (default: {_DEFAULTS.call:g})",
    )  # fmt: skip
    parser.add_argument(
        "--submission-timeout", type=float, default=_DEFAULTS.submission,
        help=f"seconds per submission in all (default: {_DEFAULTS.submission:g})",
    )  # fmt: skip
    parser.add_argument(
        "--memory-limit", type=float, default=_DEFAULTS.memory_mb,
        help=f"MB of memory a submission may use (default: {_DEFAULTS.memory_mb:g})",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="command", required=True)
    _build_arguments(verbs.add_parser("build", help="regenerate each assignment's notebooks and reference; its zips"))
    _grade_arguments(verbs.add_parser("grade", help="grade notebooks (files or folders) with one assignment's graders"))
    runs = {"build": build.main, "grade": grade.main}
    args = parser.parse_args(argv)
    try:
        return runs[args.command](args)
    except AssignmentError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
