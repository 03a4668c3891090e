"""Graded names that a notebook defines in more than one cell: the grader runs every cell in order, so the last
definition is the one graded. An experiment cell that redefines ``adam_update`` (to compare variants, say) changes
what is graded; the feedback of that question says which definition it graded, so the student can find it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from autograder.cell_cache import per_distinct_cell
from autograder.worker.execute import PARSE_ERRORS


def _parsed(cell: str) -> ast.Module | None:
    """The cell as Python, its IPython magics and shell lines (``%``, ``!``) blanked; None when it does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except PARSE_ERRORS:  # deep nesting too: a cell the grader cannot read is the student's, never a grader fault
        return None


def _defined(tree: ast.Module) -> dict[str, int]:
    """The top-level names a cell binds by def, class or assignment, with the line of their last binding."""
    found: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update({t.id: node.lineno for t in targets if isinstance(t, ast.Name)})
    return found


@per_distinct_cell
def _definitions(cell: str) -> tuple[tuple[str, int], ...]:
    """What _defined finds in a cell (read once per grader process for each distinct cell of ordinary size)."""
    tree = _parsed(cell)
    return tuple(_defined(tree).items()) if tree else ()


def redefinitions(cells: Sequence[str], questions: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """For each question whose names some cell defines again after an earlier cell did, one sentence saying which
    definition is graded (code cells counted from 1, as they appear in the notebook)."""
    where: dict[str, list[tuple[int, int]]] = {}
    for number, cell in enumerate(cells, start=1):
        for name, line in _definitions(cell):
            where.setdefault(name, []).append((number, line))
    notes: dict[str, str] = {}
    for question, names in questions.items():
        sentences = []
        for name in names:
            places = where.get(name, [])
            if len(places) > 1:
                cell, line = places[-1]
                earlier = ", ".join(str(c) for c, _ in places[:-1])
                sentences.append(
                    f"{name} is defined in code cell {earlier} and again in code cell {cell} (line {line}); the "
                    f"grader runs every cell in order, so the later definition, in code cell {cell}, is the one graded"
                )
        if sentences:
            notes[question] = "Note: " + "; ".join(sentences) + "."
    return notes
