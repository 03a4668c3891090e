"""`autograder build`: for every assignment under --root, regenerate (or with --check, only compare) its notebooks
and reference, optionally run both notebooks in a Jupyter kernel, and write its Gradescope and otter zips."""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

from autograder.assignment import Assignment, AssignmentError, find_assignments
from autograder.authoring.generate import stale_files, write_generated
from autograder.integrations.gradescope import build as gradescope
from autograder.integrations.otter import build as otter
from autograder.integrations.wheel import zips_report

ZIPS = (gradescope, otter)  # each module's build_zip(assignment, out, wheel) writes one zip


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


def _check(assignment: Assignment, root: Path) -> bool:
    stale = stale_files(assignment)
    for path in stale:
        print(f"{assignment.name}: {_relative(path, root)} is stale; run `autograder build` and commit it.")
    return not stale


def _build(assignment: Assignment, root: Path, out: Path, verify: bool) -> bool:
    written = write_generated(assignment)
    for path in written:
        print(f"{assignment.name}: wrote {_relative(path, root)}")
    if not written:
        print(f"{assignment.name}: generated files are up to date")
    ok = _verify(assignment, out) if verify else True
    for line in zips_report(assignment, lambda wheel: [z.build_zip(assignment, out, wheel) for z in ZIPS]):
        print(f"{assignment.name}: {line}")
    return ok


def main(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    assignments = [a for a in find_assignments(root) if a.root == root]
    if not assignments:
        raise AssignmentError(
            f"No assignment source (assignments/<name>/ with an __init__.py) under {root}. "
            "Run this command from the repository's top folder, or pass --root."
        )
    status = 0
    for assignment in assignments:
        ok = _check(assignment, root) if args.check else _build(assignment, root, args.out, args.verify)
        status |= not ok
    return status
