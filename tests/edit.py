"""One way to make "the solution with one change": an assignment's solution notebook, its code cells edited.

Every test that grades a variant of a solution (a known bug, a correct alternative) builds it here: replace top-level
definitions by new source, or replace text (that occurs exactly once, or everywhere in one named cell). An edit the
notebook no longer fits fails loudly, so a change to the notebook cannot silently turn a variant into the solution.
"""

from __future__ import annotations

import ast
import functools
import textwrap

import nbformat

from autograder.assignment import load


@functools.cache
def solution_cells(assignment: str = "optim_reg") -> tuple[str, ...]:
    """The code cells of the assignment's solution notebook."""
    return code_cells(nbformat.read(load(assignment).solution_notebook, as_version=4))


def code_cells(nb: nbformat.NotebookNode) -> tuple[str, ...]:
    return tuple(cell.source for cell in nb.cells if cell.cell_type == "code")


def with_definitions(cells: tuple[str, ...], *sources: str) -> tuple[str, ...]:
    """The cells with the top-level def or class that each source defines (its first) replaced by the whole source
    (imports the source starts with included)."""
    cells = list(cells)
    for source in sources:
        source = textwrap.dedent(source).strip("\n")
        name = next(n.name for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
        for i, cell in enumerate(cells):
            try:
                tree = ast.parse(cell)
            except SyntaxError:
                continue
            nodes = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name]
            if nodes:
                lines = cell.splitlines()
                start = min([nodes[0].lineno, *(d.lineno for d in nodes[0].decorator_list)]) - 1
                cells[i] = "\n".join([*lines[:start], source, *lines[nodes[0].end_lineno :]])
                break
        else:
            raise LookupError(f"the cells define no top-level {name}")
    return tuple(cells)


def with_text(cells: tuple[str, ...], *replacements: tuple[str, str], cell: str | None = None) -> tuple[str, ...]:
    """The cells with each ``old`` text replaced by ``new``. It must occur exactly once in all the cells; or, with
    ``cell`` (what that cell starts with), at least once in that cell, where every occurrence is replaced."""
    cells = list(cells)
    for old, new in replacements:
        if cell is None:
            count = sum(c.count(old) for c in cells)
            if count != 1:
                raise ValueError(f"the text to replace occurs {count} times, expected once: {old!r}")
            i = next(i for i, c in enumerate(cells) if old in c)
        else:
            i = next(i for i, c in enumerate(cells) if c.startswith(cell))
            if old not in cells[i]:
                raise ValueError(f"the cell starting with {cell!r} does not contain {old!r}")
        cells[i] = cells[i].replace(old, new)
    return tuple(cells)


def notebook_with(cells: tuple[str, ...], assignment: str = "optim_reg") -> nbformat.NotebookNode:
    """The solution notebook with its code cells replaced by ``cells`` (one for one, in order)."""
    nb = nbformat.read(load(assignment).solution_notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(code) != len(cells):
        raise ValueError(f"{len(cells)} cells for a notebook with {len(code)} code cells")
    for cell, source in zip(code, cells):
        cell.source = source
    return nb
