"""Generate, write and check the files derived from each assignment's source."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.assignment import Assignment
from autograder.authoring.render import render_notebook, render_reference_module
from autograder.authoring.source import SourceCell, parse_source


def load_cells(assignment: Assignment) -> list[SourceCell]:
    """Parse the assignment's source file."""
    source = assignment.source
    return parse_source(source.read_text(encoding="utf-8"), str(source.relative_to(assignment.root)))


def generated_files(assignment: Assignment) -> dict[Path, str]:
    """The exact text of every file generated from the source, by path."""
    cells = load_cells(assignment)
    name = assignment.name
    source = str(assignment.source.relative_to(assignment.root))
    reference = render_reference_module(cells, name, source)
    checks = _checks(reference, assignment) if any(cell.checks for cell in cells) else None
    return {
        assignment.template_notebook: nbformat.writes(render_notebook(cells, "template", name, checks)) + "\n",
        assignment.solution_notebook: nbformat.writes(render_notebook(cells, "solution", name, checks)) + "\n",
        assignment.reference_path: reference,
    }


def _checks(reference: str, assignment: Assignment) -> str:
    """The public checks cell, its expected values taken from the reference module about to be written."""
    from autograder.authoring.checks_cell import checks_cell  # imports the graders: only when a notebook asks

    namespace: dict = {"__name__": assignment.reference_module}
    path = assignment.reference_path.relative_to(assignment.root)
    exec(compile(reference, str(path), "exec"), namespace)  # noqa: S102 - the build's own reference
    return checks_cell(assignment, namespace)


def stale_files(assignment: Assignment) -> dict[Path, str]:
    """Generated files that are missing or differ from what the source gives now, with their new text."""
    return {
        path: text
        for path, text in generated_files(assignment).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    }


def write_generated(assignment: Assignment) -> list[Path]:
    """Write every generated file that changed; return the ones written."""
    stale = stale_files(assignment)
    for path, text in stale.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(stale)
