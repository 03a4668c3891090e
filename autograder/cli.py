"""The `autograder` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from autograder.authoring.generate import stale_files, write_generated
from autograder.integrations.gradescope.build import build_zip_report
from autograder.integrations.otter.build import build_zip_report as otter_zip_report
from autograder.layout import Assignment, LayoutError, find_assignments


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _verify(assignment: Assignment, out: Path) -> bool:
    from autograder.authoring.verify import problems, run_notebook

    ok = True
    for version, path in (("solution", assignment.solution_notebook), ("template", assignment.template_notebook)):
        run = run_notebook(path)
        found = problems(run, version)
        stubs = sum(e.name == "NotImplementedError" for e in run.errors)
        print(
            f"  ran {_relative(path, assignment.root)} in a Jupyter kernel: {run.seconds:.1f} s, "
            f"{run.images} figures, {stubs} unimplemented stubs" + ("" if found else ", no other error")
        )
        for problem in found:
            print(f"    problem: {problem}")
        ok = ok and not found
        if version == "solution":
            executed = out / assignment.name / f"{assignment.name}.executed.ipynb"
            executed.parent.mkdir(parents=True, exist_ok=True)
            executed.write_text(nbformat.writes(run.notebook), encoding="utf-8")
            print(f"  the executed solution, with its figures: {executed}")
    return ok


def build(args: argparse.Namespace) -> int:
    """Regenerate (or with --check, only compare) every assignment's generated files."""
    root = args.root.resolve()
    status = 0
    for assignment in find_assignments(root):
        if args.check:
            stale = stale_files(assignment)
            for path in stale:
                print(f"{assignment.name}: {_relative(path, root)} is stale; run `autograder build` and commit it.")
            status |= bool(stale)
            continue
        written = write_generated(assignment)
        for path in written:
            print(f"{assignment.name}: wrote {_relative(path, root)}")
        if not written:
            print(f"{assignment.name}: generated files are up to date")
        if args.verify and not _verify(assignment, args.out):
            status = 1
        print(f"{assignment.name}: {build_zip_report(root, args.out, assignment.name)}")
        print(f"{assignment.name}: {otter_zip_report(root, args.out, assignment.name)}")
    return status


def grade(args: argparse.Namespace) -> int:
    """Grade notebooks; exit 1 only when the grader itself failed, never because a submission did."""
    from autograder.grading.batch import GraderFailure, grade_batch, stderr_progress
    from autograder.worker.session import Limits

    limits = Limits(args.cell_timeout, args.call_timeout, args.submission_timeout, args.memory_limit)
    try:
        outcome = grade_batch(args.paths, args.out, jobs=args.jobs, limits=limits, progress=stderr_progress)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p_build = commands.add_parser("build", help="regenerate the notebooks and reference from assignments/")
    p_build.add_argument("--out", type=Path, default=Path("dist"), help="where built artefacts go (default: dist)")
    p_build.add_argument("--root", type=Path, default=Path("."), help="the repository's top folder (default: .)")
    p_build.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    p_build.add_argument("--verify", action="store_true", help="also run both notebooks in a Jupyter kernel")
    p_build.set_defaults(run=build)
    p_grade = commands.add_parser("grade", help="grade notebooks (files or folders) with the hidden graders")
    p_grade.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a notebook or a folder of notebooks")
    p_grade.add_argument("--out", type=Path, required=True, help="where results.json files and grades.csv go")
    p_grade.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)")
    p_grade.add_argument("--cell-timeout", type=float, default=20.0, help="seconds per notebook cell (default: 20)")
    p_grade.add_argument("--call-timeout", type=float, default=20.0, help="seconds per graded call (default: 20)")
    p_grade.add_argument(
        "--submission-timeout", type=float, default=180.0, help="seconds per submission in all (default: 180)"
    )
    p_grade.add_argument(
        "--memory-limit", type=float, default=2048.0, help="MB of memory a submission may use (default: 2048)"
    )
    p_grade.set_defaults(run=grade)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except LayoutError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
